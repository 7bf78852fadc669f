/* hash.c - SHA-256 of message bytes (GnuTLS), as raw bytes and as hex. */
#include "config.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "hash.h"

#include <unistd.h>

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

int sha256_fd(int fd, uint64_t n, unsigned char out[SHA256_LEN])
{
	gnutls_hash_hd_t h;
	char chunk[64 * 1024];
	uint64_t off = 0;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) != 0)
		return -1;
	while (off < n) {
		size_t want = n - off < sizeof chunk ? (size_t)(n - off) : sizeof chunk;
		ssize_t got = pread(fd, chunk, want, (off_t)off);

		if (got <= 0) {
			if (got < 0 && errno == EINTR)
				continue;
			if (got == 0)
				errno = EIO;
			gnutls_hash_deinit(h, NULL);
			return -1;
		}
		gnutls_hash(h, chunk, (size_t)got);
		off += (uint64_t)got;
	}
	gnutls_hash_deinit(h, out);
	return 0;
}
