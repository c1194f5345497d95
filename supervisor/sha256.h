/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 (FIPS 180-4), streaming: the digests of OCI images' blobs and
 * layers (`veneer image import`). */
#ifndef VENEER_SHA256_H
#define VENEER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE 65 /* 64 hex digits and a NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t length;     /* bytes hashed so far */
	uint8_t block[64];   /* a partial block */
	size_t used;         /* bytes of it */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* The digest of everything given; s must be initialised again to reuse. */
void sha256_final(struct sha256 *s, uint8_t digest[SHA256_DIGEST_SIZE]);
/* The digest as 64 lowercase hex digits. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char hex[SHA256_HEX_SIZE]);
/* The hex digest of the n bytes at data, in one call. */
void sha256_hex_of(const void *data, size_t n, char hex[SHA256_HEX_SIZE]);

#endif
