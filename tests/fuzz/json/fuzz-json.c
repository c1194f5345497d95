/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the JSON parser (supervisor/json.c), which reads
 * untrusted OCI image layouts: any bytes go through json_parse.  The
 * sanitizers catch crashes, leaks and reads out of bounds (the input is
 * copied to a buffer of exactly its size: no NUL after it); the
 * invariants below are what a parse promises its callers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void broken(const char *what)
{
	fprintf(stderr, "fuzz-json: invariant broken: %s\n", what);
	abort();
}

/* Every node well formed; depth within the limit. */
static void check(const struct json *v, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		broken("a tree deeper than JSON_MAX_DEPTH");
	switch (v->type) {
	case JSON_STRING:
	case JSON_NUMBER:
		if (!v->text || v->text[v->len] != '\0')
			broken("a string or number without its NUL");
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < v->n; i++)
			check(v->items[i], depth + 1);
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < v->n; i++) {
			if (v->members[i].key[v->members[i].key_len] != '\0')
				broken("a key without its NUL");
			check(v->members[i].value, depth + 1);
		}
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	struct json_error e = { 0 };
	struct json *v;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	v = json_parse(copy, size, &e);
	if (v)
		check(v, 1);
	else if (!e.msg[0] || e.offset > size)
		broken("a refusal without a message, or with an offset past the input");
	json_free(v);
	free(copy);
	return 0;
}
