/* sha256.h: SHA-256 (FIPS 180-4) of a buffer, as lowercase hex. */
#ifndef BONES_SHA256_H
#define BONES_SHA256_H

#include <stddef.h>

/* Writes the 64 hex digits of SHA-256(data[0..len)) and a NUL into hex
 * (at least 65 bytes). */
void bones_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
