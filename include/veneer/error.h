/* SPDX-License-Identifier: Apache-2.0 */
/* Errors that carry errno and a message naming what failed, so the top
 * level can print exactly one line for the user. */
#ifndef VENEER_ERROR_H
#define VENEER_ERROR_H

#include <stdarg.h>

struct vn_error {
	int code;        /* errno, or 0 when the message says it all */
	char msg[1024];
};

/* Record a failure; always returns -1 so callers can `return vn_fail(...)`. */
int vn_fail(struct vn_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix context to an existing error ("what we were doing: <old>"). */
int vn_wrap(struct vn_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "veneer: <msg>[: <strerror>]" on one line. */
void vn_error_print(const struct vn_error *err);

#endif
