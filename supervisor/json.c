/* SPDX-License-Identifier: Apache-2.0 */
/* A strict recursive-descent JSON parser (RFC 8259) building a tree.
 * Recursion is bounded by JSON_MAX_DEPTH, so hostile input cannot
 * exhaust the stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

struct parser {
	const unsigned char *p, *start, *end;
	struct json_error *e;
};

static struct json *parse_value(struct parser *ps, int depth);

static void *fail_at(struct parser *ps, const char *msg)
{
	ps->e->offset = (size_t)(ps->p - ps->start);
	snprintf(ps->e->msg, sizeof(ps->e->msg), "%s", msg);
	return NULL;
}

void json_free(struct json *v)
{
	if (!v)
		return;
	for (size_t i = 0; v->items && i < v->n; i++)
		json_free(v->items[i]);
	for (size_t i = 0; v->members && i < v->n; i++) {
		free(v->members[i].key);
		json_free(v->members[i].value);
	}
	free(v->items);
	free(v->members);
	free(v->text);
	free(v);
}

static struct json *new_value(struct parser *ps, enum json_type type)
{
	struct json *v = calloc(1, sizeof(*v));

	if (!v)
		return fail_at(ps, "out of memory");
	v->type = type;
	return v;
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool take_word(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

/* ------------------------------------------------------------ strings */

/* A growing byte buffer for a decoded string. */
struct buf {
	char *s;
	size_t len, cap;
};

static bool buf_put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		grown = realloc(b->s, cap);
		if (!grown)
			return false;
		b->s = grown;
		b->cap = cap;
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
	return true;
}

static bool put_utf8(struct buf *b, uint32_t c)
{
	unsigned char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (unsigned char)(0xc0 | c >> 6);
		u[1] = (unsigned char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (unsigned char)(0xe0 | c >> 12);
		u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | c >> 18);
		u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return buf_put(b, u, n);
}

/* Four hex digits after "\u": the code unit, or -1. */
static long hex4(struct parser *ps)
{
	long v = 0;

	if (ps->end - ps->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		unsigned char c = ps->p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	ps->p += 4;
	return v;
}

/* "\uXXXX", a surrogate pair as one code point (ps->p after the 'u'). */
static bool unicode_escape(struct parser *ps, struct buf *b)
{
	long hi = hex4(ps), lo;

	if (hi < 0)
		return fail_at(ps, "\\u needs four hex digits"), false;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail_at(ps, "a low surrogate without its high one"), false;
	if (hi < 0xd800 || hi > 0xdbff)
		return put_utf8(b, (uint32_t)hi) || (fail_at(ps, "out of memory"), false);
	if (!take_word(ps, "\\u") || (lo = hex4(ps)) < 0xdc00 || lo > 0xdfff)
		return fail_at(ps, "a high surrogate without its low one"), false;
	return put_utf8(b, 0x10000 + (uint32_t)((hi - 0xd800) << 10 | (lo - 0xdc00))) ||
	       (fail_at(ps, "out of memory"), false);
}

static bool simple_escape(struct parser *ps, struct buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at = ps->p < ps->end && *ps->p ? strchr(from, *ps->p) : NULL;

	if (!at)
		return fail_at(ps, "an unknown escape"), false;
	ps->p++;
	return buf_put(b, &to[at - from], 1) || (fail_at(ps, "out of memory"), false);
}

/* One character of a string's body, or its end (*done). */
static bool string_char(struct parser *ps, struct buf *b, bool *done)
{
	unsigned char c = *ps->p;
	size_t n;

	if (c == '"') {
		ps->p++;
		*done = true;
		return true;
	}
	if (c == '\\') {
		ps->p++;
		if (ps->p < ps->end && *ps->p == 'u') {
			ps->p++;
			return unicode_escape(ps, b);
		}
		return simple_escape(ps, b);
	}
	if (c < 0x20)
		return fail_at(ps, "a control character in a string"), false;
	n = utf8_sequence(ps->p, (size_t)(ps->end - ps->p));
	if (n == 0)
		return fail_at(ps, "a string that is not UTF-8"), false;
	if (!buf_put(b, ps->p, n))
		return fail_at(ps, "out of memory"), false;
	ps->p += n;
	return true;
}

/* A string, ps->p at its opening quote: its decoded bytes (*len). */
static char *parse_string_text(struct parser *ps, size_t *len)
{
	struct buf b = { 0 };
	bool done = false;

	ps->p++;
	if (!buf_put(&b, "", 0))
		return fail_at(ps, "out of memory");
	while (!done) {
		if (ps->p >= ps->end) {
			free(b.s);
			return fail_at(ps, "a string without its closing quote");
		}
		if (!string_char(ps, &b, &done)) {
			free(b.s);
			return NULL;
		}
	}
	*len = b.len;
	return b.s;
}

static struct json *parse_string(struct parser *ps)
{
	struct json *v = new_value(ps, JSON_STRING);

	if (v && !(v->text = parse_string_text(ps, &v->len))) {
		json_free(v);
		return NULL;
	}
	return v;
}

/* ------------------------------------------------------------ numbers */

static bool is_digit(struct parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static void skip_digits(struct parser *ps)
{
	while (is_digit(ps))
		ps->p++;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, kept as written */
static struct json *parse_number(struct parser *ps)
{
	const unsigned char *from = ps->p;
	struct json *v;

	if (*ps->p == '-')
		ps->p++;
	if (!is_digit(ps))
		return fail_at(ps, "a number without digits");
	if (*ps->p == '0') {
		ps->p++;
		if (is_digit(ps))
			return fail_at(ps, "a number with a leading zero");
	} else
		skip_digits(ps);
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!is_digit(ps))
			return fail_at(ps, "a number without digits after its point");
		skip_digits(ps);
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps))
			return fail_at(ps, "a number without digits in its exponent");
		skip_digits(ps);
	}
	v = new_value(ps, JSON_NUMBER);
	if (v && !(v->text = strndup((const char *)from, (size_t)(ps->p - from)))) {
		json_free(v);
		return fail_at(ps, "out of memory");
	}
	if (v)
		v->len = (size_t)(ps->p - from);
	return v;
}

/* ------------------------------------------------- arrays and objects */

/* The next element after a ',' or the closing bracket: 1 more, 0 done,
 * -1 error.  first: nothing read yet. */
static int next_element(struct parser *ps, char close, bool first)
{
	skip_space(ps);
	if (ps->p >= ps->end)
		return fail_at(ps, close == ']' ? "an array without its ']'" : "an object without its '}'"),
		       -1;
	if (*ps->p == close) {
		ps->p++;
		return 0;
	}
	if (!first) {
		if (*ps->p != ',')
			return fail_at(ps, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'"), -1;
		ps->p++;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == close)
			return fail_at(ps, "a trailing comma"), -1;
	}
	return 1;
}

static bool grow(void **items, size_t n, size_t size, size_t *cap)
{
	void *grown;

	if (n < *cap)
		return true;
	*cap = *cap ? 2 * *cap : 4;
	grown = realloc(*items, *cap * size);
	if (!grown)
		return false;
	*items = grown;
	return true;
}

static bool has_key(const struct json *v, const char *key, size_t len)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->members[i].key_len == len && memcmp(v->members[i].key, key, len) == 0)
			return true;
	return false;
}

/* "key": value into v's next member. */
static bool parse_member(struct parser *ps, struct json *v, int depth)
{
	struct json_member *m = &v->members[v->n];
	const unsigned char *at = ps->p;

	if (ps->p >= ps->end || *ps->p != '"')
		return fail_at(ps, "expected a string as a key"), false;
	m->key = parse_string_text(ps, &m->key_len);
	if (!m->key)
		return false;
	if (has_key(v, m->key, m->key_len)) {
		free(m->key);
		ps->p = at;
		return fail_at(ps, "a key given twice"), false;
	}
	skip_space(ps);
	if (ps->p >= ps->end || *ps->p != ':') {
		free(m->key);
		return fail_at(ps, "expected ':' after a key"), false;
	}
	ps->p++;
	m->value = parse_value(ps, depth + 1);
	if (!m->value) {
		free(m->key);
		return false;
	}
	v->n++;
	return true;
}

/* One element of v, an array or an object, into its next slot. */
static bool parse_element(struct parser *ps, struct json *v, int depth, size_t *cap)
{
	bool grown = v->type == JSON_ARRAY ?
			     grow((void **)&v->items, v->n, sizeof(*v->items), cap) :
			     grow((void **)&v->members, v->n, sizeof(*v->members), cap);

	if (!grown)
		return fail_at(ps, "out of memory"), false;
	if (v->type == JSON_OBJECT)
		return parse_member(ps, v, depth);
	v->items[v->n] = parse_value(ps, depth + 1);
	if (!v->items[v->n])
		return false;
	v->n++;
	return true;
}

/* An array or an object, ps->p at its opening bracket. */
static struct json *parse_container(struct parser *ps, int depth, enum json_type type)
{
	struct json *v = new_value(ps, type);
	char close = type == JSON_ARRAY ? ']' : '}';
	size_t cap = 0;
	int more;

	if (!v)
		return NULL;
	ps->p++;
	while ((more = next_element(ps, close, v->n == 0)) > 0)
		if (!parse_element(ps, v, depth, &cap))
			break;
	if (more != 0) {
		json_free(v);
		return NULL;
	}
	return v;
}

/* ------------------------------------------------------------- values */

static struct json *parse_literal(struct parser *ps)
{
	if (take_word(ps, "null"))
		return new_value(ps, JSON_NULL);
	if (take_word(ps, "true"))
		return new_value(ps, JSON_TRUE);
	if (take_word(ps, "false"))
		return new_value(ps, JSON_FALSE);
	return fail_at(ps, "expected a value");
}

static struct json *parse_value(struct parser *ps, int depth)
{
	skip_space(ps);
	if (depth > JSON_MAX_DEPTH)
		return fail_at(ps, "nested too deep");
	if (ps->p >= ps->end)
		return fail_at(ps, "expected a value, found the end");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, depth, JSON_OBJECT);
	case '[':
		return parse_container(ps, depth, JSON_ARRAY);
	case '"':
		return parse_string(ps);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps);
		return parse_literal(ps);
	}
}

struct json *json_parse(const char *text, size_t len, struct json_error *e)
{
	struct parser ps = { (const unsigned char *)text, (const unsigned char *)text,
			     (const unsigned char *)text + len, e };
	struct json *v = parse_value(&ps, 1);

	if (!v)
		return NULL;
	skip_space(&ps);
	if (ps.p != ps.end) {
		json_free(v);
		return fail_at(&ps, "something after the value");
	}
	return v;
}

/* ---------------------------------------------------------- accessors */

bool json_is(const struct json *v, enum json_type t)
{
	return v && v->type == t;
}

const struct json *json_get(const struct json *v, const char *key)
{
	size_t len = strlen(key);

	if (!json_is(v, JSON_OBJECT))
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (v->members[i].key_len == len && memcmp(v->members[i].key, key, len) == 0)
			return v->members[i].value;
	return NULL;
}

const char *json_string(const struct json *v)
{
	if (!json_is(v, JSON_STRING) || strlen(v->text) != v->len)
		return NULL;
	return v->text;
}

bool json_int64(const struct json *v, int64_t *out)
{
	char *end;
	long long n;

	if (!json_is(v, JSON_NUMBER) || strpbrk(v->text, ".eE"))
		return false;
	errno = 0;
	n = strtoll(v->text, &end, 10);
	if (errno || *end)
		return false;
	*out = n;
	return true;
}
