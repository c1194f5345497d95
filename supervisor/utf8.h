/* SPDX-License-Identifier: Apache-2.0 */
/* Well-formed UTF-8 (utf8.c). */
#ifndef VENEER_UTF8_H
#define VENEER_UTF8_H

#include <stddef.h>

/* The length of the UTF-8 sequence at s (at most `left` bytes, at least
 * one), 0 when it is not one: overlong forms, surrogates and code points
 * past U+10FFFF are not UTF-8 either. */
size_t utf8_sequence(const unsigned char *s, size_t left);

#endif
