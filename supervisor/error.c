/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
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

/* Whether p starts a terminal control: a C0 byte, DEL, or a C1 control
 * as UTF-8 writes it (U+0080..U+009F: 0xc2 0x80..0x9f; terminals take
 * U+009B as CSI and U+009D as OSC). */
static bool control_at(const unsigned char *p)
{
	return *p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
}

/* A message names paths a sandbox made (a commit's, an export's): its
 * control characters are written as octal escapes, so no name of the
 * target's moves the caller's cursor, sets its terminal's title or its
 * clipboard, or makes a line of its own. */
static void print_message(FILE *out, const char *msg)
{
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (!control_at(p)) {
			putc(*p, out);
			continue;
		}
		fprintf(out, "\\%03o", *p);
		if (*p == 0xc2)
			fprintf(out, "\\%03o", *++p);
	}
}

void vn_error_print(const struct vn_error *err)
{
	fputs("veneer: ", stderr);
	print_message(stderr, err->msg);
	if (err->code)
		fprintf(stderr, ": %s", strerror(err->code));
	putc('\n', stderr);
}
