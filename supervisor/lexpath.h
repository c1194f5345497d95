/* SPDX-License-Identifier: Apache-2.0 */
/* Lexical path canonicalisation: what a path names before any lookup. */
#ifndef VENEER_LEXPATH_H
#define VENEER_LEXPATH_H

#include <stddef.h>

/*
 * Write the canonical form of absolute `path` to `out` (`size` bytes, not
 * `path` itself): "//" and "." collapse, ".." drops the component before
 * it (".." at "/" stays "/"), no trailing slash.  Nothing is looked up, so
 * a symlink is a name like any other.  Returns 0, -EINVAL when `path` is
 * not absolute, or -ENAMETOOLONG when it does not fit.
 */
int lexpath_canonical(const char *path, char *out, size_t size);

#endif
