/* SPDX-License-Identifier: Apache-2.0 */
/* supervisor/json.c: what it accepts, what it refuses and where. */
#include <criterion/criterion.h>
#include <string.h>

#include "json.h"

static struct json *parse(const char *text, struct json_error *e)
{
	return json_parse(text, strlen(text), e);
}

/* text is refused at byte offset `at` */
static void refused(const char *text, size_t at)
{
	struct json_error e = { 0 };
	struct json *v = parse(text, &e);

	cr_expect_null(v, "accepted %s", text);
	json_free(v);
	cr_expect_eq(e.offset, at, "%s refused at %zu (%s), not %zu", text, e.offset, e.msg, at);
	cr_expect(e.msg[0], "no message for %s", text);
}

Test(json, a_manifest)
{
	struct json_error e = { 0 };
	struct json *v = parse(" {\"schemaVersion\": 2, \"layers\": [{\"size\": 1234567890123,"
			       " \"digest\": \"sha256:ab\"}, {}], \"x\": null, \"t\": true, \"f\": false,"
			       " \"n\": -1.5e+3}\n", &e);
	const struct json *layers;
	int64_t n;

	cr_assert_not_null(v, "%s at %zu", e.msg, e.offset);
	cr_expect(json_int64(json_get(v, "schemaVersion"), &n) && n == 2);
	layers = json_get(v, "layers");
	cr_assert(json_is(layers, JSON_ARRAY) && layers->n == 2);
	cr_expect(json_int64(json_get(layers->items[0], "size"), &n) && n == 1234567890123);
	cr_expect_str_eq(json_string(json_get(layers->items[0], "digest")), "sha256:ab");
	cr_expect(json_is(json_get(v, "x"), JSON_NULL));
	cr_expect(json_is(json_get(v, "t"), JSON_TRUE));
	cr_expect(json_is(json_get(v, "f"), JSON_FALSE));
	cr_expect(!json_int64(json_get(v, "n"), &n), "-1.5e+3 is not a whole number here");
	cr_expect_null(json_get(v, "missing"));
	cr_expect_null(json_get(layers, "size"), "an array has no members");
	json_free(v);
}

Test(json, escapes_and_surrogates)
{
	struct json_error e = { 0 };
	struct json *v = parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\\ud83d\\ude00\", "
			       "\"\\u0000x\", \"\xc3\xa9\xf0\x9f\x98\x80\"]", &e);

	cr_assert_not_null(v, "%s at %zu", e.msg, e.offset);
	cr_expect_str_eq(json_string(v->items[0]), "a\"b\\c/d\b\f\n\r\t");
	cr_expect_str_eq(json_string(v->items[1]), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	cr_expect_null(json_string(v->items[2]), "a string holding a NUL is no C string");
	cr_expect_eq(v->items[2]->len, 2);
	cr_expect_str_eq(json_string(v->items[3]), "\xc3\xa9\xf0\x9f\x98\x80");
	json_free(v);
}

Test(json, refusals_name_their_offset)
{
	refused("", 0);
	refused("   ", 3);
	refused("{", 1);
	refused("{\"a\":1,}", 7);
	refused("[1,]", 3);
	refused("[1 2]", 3);
	refused("{\"a\" 1}", 5);
	refused("{a:1}", 1);
	refused("{\"a\":1,\"a\":2}", 7);
	refused("01", 1);
	refused("-", 1);
	refused("1.", 2);
	refused("1e", 2);
	refused("+1", 0);
	refused("tru", 0);
	refused("nul", 0);
	refused("\"abc", 4);
	refused("\"a\x01\"", 2);
	refused("\"\\x\"", 2);
	refused("\"\\u12G4\"", 3);
	refused("\"\\ud83d\"", 7);
	refused("\"\\ude00\"", 7);
	refused("\"\xc3\"", 1);
	refused("\"\xc0\xaf\"", 1);
	refused("\"\xed\xa0\x80\"", 1);
	refused("\"\xf4\x90\x80\x80\"", 1);
	refused("1 2", 2);
	refused("{} x", 3);
	refused("\xef\xbb\xbf{}", 0);
}

Test(json, depth_limit)
{
	char deep[2 * JSON_MAX_DEPTH + 3];
	struct json_error e = { 0 };
	struct json *v;

	memset(deep, '[', JSON_MAX_DEPTH);
	memset(deep + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
	deep[2 * JSON_MAX_DEPTH] = '\0';
	v = json_parse(deep, strlen(deep), &e);
	cr_expect_not_null(v, "%d levels: %s at %zu", JSON_MAX_DEPTH, e.msg, e.offset);
	json_free(v);
	memset(deep, '[', JSON_MAX_DEPTH + 1);
	memset(deep + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
	deep[2 * JSON_MAX_DEPTH + 2] = '\0';
	refused(deep, JSON_MAX_DEPTH);
}

Test(json, numbers)
{
	static const char *const ok[] = { "0", "-0", "12", "-12", "0.5", "1e9", "1E-9", "1.25e+10",
					  "9223372036854775807" };
	int64_t n;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct json_error e = { 0 };
		struct json *v = parse(ok[i], &e);

		cr_expect(json_is(v, JSON_NUMBER), "%s: %s", ok[i], e.msg);
		json_free(v);
	}
	struct json_error e = { 0 };
	struct json *big = parse("9223372036854775808", &e);

	cr_expect(!json_int64(big, &n), "a number past INT64_MAX is no int64");
	json_free(big);
}

/* Not NUL-terminated input: nothing is read past len. */
Test(json, length_bounds_input)
{
	struct json_error e = { 0 };
	struct json *v = json_parse("[1]garbage", 3, &e);

	cr_expect(json_is(v, JSON_ARRAY));
	json_free(v);
}
