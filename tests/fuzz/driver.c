/* driver.c: the plain main() of a fuzz target in a build without
 * libFuzzer (fuzz.h).  Each argument is a file or a directory of files;
 * each file is fed once to LLVMFuzzerTestOneInput.  Prints how many were
 * run; exits 1 when an argument cannot be read, 2 without arguments. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util.h"

#ifndef BONES_FUZZ_ENGINE
/* Runs one file; 0 when it could be read. */
static int run_file(const char *path) {
  char *data = NULL;
  size_t len = 0;
  struct bones_error err;
  if (bones_read_file(path, 16u << 20, &data, &len, &err) != BONES_OK) {
    fprintf(stderr, "fuzz driver: %s\n", err.message);
    return -1;
  }
  LLVMFuzzerTestOneInput((const uint8_t *)data, len);
  free(data);
  return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Runs every regular file of dir in name order; the count, or -1. */
static int run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return -1;
  char **names = NULL;
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    names = bones_xrealloc(names, (n + 1) * sizeof *names);
    names[n++] = bones_xasprintf("%s/%s", dir, de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  int count = 0;
  for (size_t i = 0; i < n; i++) {
    if (bones_path_is_file(names[i])) {
      if (run_file(names[i]) != 0) count = -1;
      else if (count >= 0) count++;
    }
    free(names[i]);
  }
  free(names);
  return count;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...  (a plain build: each file runs once)\n", argv[0]);
    return 2;
  }
  int total = 0, bad = 0;
  for (int i = 1; i < argc; i++) {
    int n = bones_path_is_dir(argv[i]) ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
    if (n < 0) bad = 1;
    else total += n;
  }
  printf("%s: ran %d inputs\n", argv[0], total);
  return bad;
}
#endif
