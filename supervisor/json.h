/* SPDX-License-Identifier: Apache-2.0 */
/* A strict JSON parser (RFC 8259) for what OCI image layouts hold:
 * index.json, manifests, configs.  The input is untrusted: UTF-8 is
 * checked, control characters in strings, duplicate keys, leading zeros,
 * trailing garbage and nesting deeper than JSON_MAX_DEPTH are refused,
 * and every refusal names its byte offset. */
#ifndef VENEER_JSON_H
#define VENEER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json;

struct json_member {
	char *key;   /* NUL-terminated; may hold a NUL of its own (\u0000) */
	size_t key_len;
	struct json *value;
};

struct json {
	enum json_type type;
	char *text;   /* JSON_STRING: the decoded string; JSON_NUMBER: as written */
	size_t len;   /* of text */
	struct json **items;          /* JSON_ARRAY */
	struct json_member *members;  /* JSON_OBJECT, in their order */
	size_t n;                     /* items or members */
};

struct json_error {
	size_t offset;   /* where in the input */
	char msg[96];    /* what is wrong there */
};

/* The value the len bytes at text hold, for json_free; NULL with *e
 * set when they are not exactly one JSON value (whitespace around it). */
struct json *json_parse(const char *text, size_t len, struct json_error *e);
void json_free(struct json *v);

/* Member key of object v: NULL when v is not an object or has none. */
const struct json *json_get(const struct json *v, const char *key);
/* v's string: NULL when v is NULL, not a string, or holds a NUL. */
const char *json_string(const struct json *v);
/* v as a whole number in [INT64_MIN, INT64_MAX]: false when it is not one. */
bool json_int64(const struct json *v, int64_t *out);
/* v's type is t (false for NULL). */
bool json_is(const struct json *v, enum json_type t);

#endif
