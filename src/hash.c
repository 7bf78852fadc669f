/* hash.c - SHA-256 of message bytes (GnuTLS), as raw bytes and as hex. */
#include "config.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "hash.h"

int sha256(const void *data, size_t n, unsigned char out[SHA256_LEN])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, n, out) == 0 ? 0 : -1;
}

void hex_encode(const unsigned char *bytes, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[bytes[i] >> 4];
		hex[2 * i + 1] = digits[bytes[i] & 15];
	}
	hex[2 * n] = '\0';
}
