/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "veneer/error.h"

int vn_fail(struct vn_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	return -1;
}

int vn_wrap(struct vn_error *err, const char *fmt, ...)
{
	char prefix[512];
	char old[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%.400s: %.600s", prefix, old);
	return -1;
}

void vn_error_print(const struct vn_error *err)
{
	if (err->code)
		fprintf(stderr, "veneer: %s: %s\n", err->msg, strerror(err->code));
	else
		fprintf(stderr, "veneer: %s\n", err->msg);
}
