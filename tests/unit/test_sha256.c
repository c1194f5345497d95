/* SPDX-License-Identifier: Apache-2.0 */
/* supervisor/sha256.c: the FIPS 180-4 / NIST example vectors, every
 * split of a message into two updates, and sha256sum's digests of random
 * files of odd sizes read in odd pieces. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"

Test(sha256, fips_vectors)
{
	static const struct {
		const char *msg, *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[SHA256_HEX_SIZE];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha256_hex_of(v[i].msg, strlen(v[i].msg), hex);
		cr_expect_str_eq(hex, v[i].hex, "vector %zu", i);
	}
}

/* A million 'a's (FIPS 180-2 appendix B.3), given in pieces of 1000. */
Test(sha256, million_a)
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE], a[1000];

	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	for (int i = 0; i < 1000; i++)
		sha256_update(&s, a, sizeof(a));
	sha256_final(&s, d);
	sha256_hex(d, hex);
	cr_expect_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every split point of a message across block boundaries gives one digest. */
Test(sha256, any_split)
{
	char msg[200], whole[SHA256_HEX_SIZE], split[SHA256_HEX_SIZE];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (char)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(msg); len++) {
		sha256_hex_of(msg, len, whole);
		for (size_t at = 0; at <= len; at++) {
			struct sha256 s;
			uint8_t d[SHA256_DIGEST_SIZE];

			sha256_init(&s);
			sha256_update(&s, msg, at);
			sha256_update(&s, msg + at, len - at);
			sha256_final(&s, d);
			sha256_hex(d, split);
			cr_assert_str_eq(split, whole, "length %zu split at %zu", len, at);
		}
	}
}

static void sha256sum_of(const char *path, char hex[SHA256_HEX_SIZE])
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	p = popen(cmd, "r");
	cr_assert(p, "popen sha256sum");
	cr_assert(fread(hex, 1, 64, p) == 64, "sha256sum printed no digest");
	hex[64] = '\0';
	pclose(p);
}

Test(sha256, random_files_as_sha256sum)
{
	static const size_t sizes[] = { 1, 3, 55, 56, 57, 63, 64, 65, 127, 4097, 65537, 1000003 };
	char path[] = "/tmp/veneer-sha256-XXXXXX";
	int fd = mkstemp(path);

	cr_assert(fd >= 0, "mkstemp");
	srand(14);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *data = malloc(sizes[i]);
		char mine[SHA256_HEX_SIZE], theirs[SHA256_HEX_SIZE];
		struct sha256 s;
		uint8_t d[SHA256_DIGEST_SIZE];

		cr_assert(data);
		for (size_t j = 0; j < sizes[i]; j++)
			data[j] = (unsigned char)rand();
		cr_assert(ftruncate(fd, 0) == 0 && pwrite(fd, data, sizes[i], 0) == (ssize_t)sizes[i]);
		/* in pieces of odd sizes, as a pipe gives them */
		sha256_init(&s);
		for (size_t at = 0, piece = 1; at < sizes[i]; at += piece, piece = piece * 3 % 1021 + 1)
			sha256_update(&s, data + at, piece < sizes[i] - at ? piece : sizes[i] - at);
		sha256_final(&s, d);
		sha256_hex(d, mine);
		sha256sum_of(path, theirs);
		cr_expect_str_eq(mine, theirs, "a random file of %zu bytes", sizes[i]);
		free(data);
	}
	close(fd);
	unlink(path);
}
