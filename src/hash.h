/* hash.h - SHA-256 of message bytes (GnuTLS), as raw bytes and as hex. */
#ifndef PETREL_HASH_H
#define PETREL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

/* Hashes n bytes into out; returns 0, or -1 if GnuTLS failed. */
int sha256(const void *data, size_t n, unsigned char out[SHA256_LEN]);
/* Hashes the first n bytes of the file fd (read with pread from offset 0);
 * returns 0, or -1 (errno set) when it cannot read them all. */
int sha256_fd(int fd, uint64_t n, unsigned char out[SHA256_LEN]);
/* Writes 64 lowercase hex digits and a NUL into hex. */
void hex_encode(const unsigned char *bytes, size_t n, char *hex);

#endif
