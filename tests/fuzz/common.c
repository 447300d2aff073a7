/* common.c: helpers of the fuzz targets (fuzz.h). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "util.h"

char *fuzz_cstr(const uint8_t *data, size_t size) {
  char *s = bones_xmalloc(size + 1);
  if (size) memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

static char *tmp_dir;

static void remove_tmp(void) {
  struct bones_error err;
  if (tmp_dir) bones_remove_tree(tmp_dir, &err);
  free(tmp_dir);
  tmp_dir = NULL;
}

const char *fuzz_tmpdir(void) {
  if (tmp_dir == NULL) {
    const char *base = getenv("TMPDIR");
    tmp_dir = bones_xasprintf("%s/bones-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(tmp_dir) == NULL) {
      perror("fuzz: mkdtemp");
      abort();
    }
    atexit(remove_tmp);
  }
  return tmp_dir;
}

void fuzz_write(const char *dir, const char *name, const uint8_t *data, size_t size) {
  char *path = bones_xasprintf("%s/%s", dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) != 0) {
    perror(path);
    abort();
  }
  free(path);
}
