/* SPDX-License-Identifier: Apache-2.0 */
/* Arrays that grow by doubling: one copy of the realloc dance. */
#ifndef VENEER_GROW_H
#define VENEER_GROW_H

#include <stdlib.h>

/* The array v (n elements of size bytes used, room for *cap) with room
 * for one more: v itself, or a larger copy (*cap doubled; first when
 * empty), or NULL when out of memory (v is left as it was). */
static inline void *vn_grow(void *v, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t more = *cap ? 2 * *cap : first;
	void *grown;

	if (n < *cap)
		return v;
	grown = realloc(v, more * size);
	if (grown)
		*cap = more;
	return grown;
}

#endif
