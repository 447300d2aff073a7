/* example_fs.h: the file helpers of the example KV backend.  Nothing here
 * knows about bones or keeps state; every function sets errno on failure.
 * (Third-party code: only the C library and POSIX.) */
#ifndef EXAMPLE_FS_H
#define EXAMPLE_FS_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock milliseconds since the epoch (TTLs are shared by processes). */
int64_t exfs_now_ms(void);

/* malloc'd printf; NULL when out of memory.  The caller frees. */
char *exfs_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads path whole into a malloc'd buffer with a NUL one byte past *len.
 * Files over max bytes fail with EFBIG.  Returns 0 (the caller frees
 * *data) or -1 with errno (ENOENT when the file does not exist). */
int exfs_read(const char *path, size_t max, unsigned char **data, size_t *len);

/* Replaces path atomically: writes head then body to tmp, fsyncs when
 * sync is set, renames tmp over path.  Readers see the old or the new file,
 * never a mix.  Returns 0 or -1 with errno (tmp is removed). */
int exfs_replace(const char *tmp, const char *path, const void *head, size_t hlen, const void *body,
                 size_t blen, int sync);

/* Takes flock(fd, LOCK_EX), waiting at most timeout_ms.  Returns 0, or -1
 * with errno (EWOULDBLOCK when another process kept the lock). */
int exfs_lock(int fd, int timeout_ms);

/* A key as a file name: '/' becomes ',' (not a key character), so the
 * mapping is one to one.  out holds strlen(key) + 1 bytes. */
void exfs_key_to_name(const char *key, char *out);
/* The reverse of exfs_key_to_name. */
void exfs_name_to_key(const char *name, char *out);

#endif
