/* fuzz.h: what the fuzz targets of tests/fuzz share.
 *
 * Every target is one file defining LLVMFuzzerTestOneInput().  Built with
 * ./configure --enable-fuzz (clang) it links libFuzzer; otherwise it links
 * driver.c, a main() that feeds each file named on the command line (or
 * each file of a named directory) to LLVMFuzzerTestOneInput once, so the
 * seed corpus is a regression test in every build. */
#ifndef BONES_FUZZ_H
#define BONES_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <bones/kv.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a NUL-terminated string (malloc'd, caller frees); bytes after an
 * embedded NUL are kept but unseen by string functions. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* A private directory for this process (made once, removed at exit); the
 * targets that read files write the input there. */
const char *fuzz_tmpdir(void);

/* Writes size bytes of data to dir/name (0600, replacing it); aborts on an
 * I/O error (that is the harness failing, not the code under test). */
void fuzz_write(const char *dir, const char *name, const uint8_t *data, size_t size);

/* ---- memkv.c: an in-memory KV backend, scheme "mem:" ---- */

/* Empties every bucket of the in-memory store and opens a connection to
 * it in *kv (close with bones_kv_close).  Registers the backend the first
 * time.  Buckets accept any TTL and never expire a key. */
void fuzz_memkv_open(bones_kv **kv);

/* Stores records split from data into bucket: records are separated by
 * the byte 0x1e (never valid raw in JSON text); each record is "KEY\nVALUE"
 * when its first line is a valid key, else VALUE under default_key (with
 * "-N" appended for the N-th record after the first).  At most 16 records. */
void fuzz_memkv_seed(bones_kv *kv, const char *bucket, const uint8_t *data, size_t size, const char *default_key);

#endif
