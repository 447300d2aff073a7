/* bench_cli.c: wall time of whole processes.  Usage:
 *   bench-cli LABEL N -- PROGRAM ARGS...
 * runs PROGRAM N times (fork+execvp, stdout/stderr to /dev/null) and
 * prints median and p99; "{i}" in an argument is replaced by the run
 * number, "{rev}" by the revision the previous run printed (for CAS
 * chains), "{line}" by line i+1 of the file $BENCH_CLI_LINES (e.g. one
 * task id per run).  Exits non-zero if any run fails. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static char **lines; /* $BENCH_CLI_LINES, one entry per line */
static int nlines;

/* Reads $BENCH_CLI_LINES (if set) into lines; -1 when it cannot. */
static int load_lines(void) {
  const char *path = getenv("BENCH_CLI_LINES");
  if (path == NULL) return 0;
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  char buf[1024];
  while (fgets(buf, sizeof buf, f)) {
    buf[strcspn(buf, "\n")] = '\0';
    lines = realloc(lines, (size_t)(nlines + 1) * sizeof *lines);
    lines[nlines++] = strdup(buf);
  }
  fclose(f);
  return 0;
}

/* arg with its first {i}, {line} or {rev} replaced, malloc'd. */
static char *substitute(const char *arg, int i, const char *rev) {
  const char *p = strstr(arg, "{i}");
  const char *q = strstr(arg, "{rev}");
  const char *l = strstr(arg, "{line}");
  char *out = NULL;
  if (l) {
    if (asprintf(&out, "%.*s%s%s", (int)(l - arg), arg, i < nlines ? lines[i] : "", l + 6) < 0) abort();
  } else if (p) {
    if (asprintf(&out, "%.*s%d%s", (int)(p - arg), arg, i, p + 3) < 0) abort();
  } else if (q) {
    if (asprintf(&out, "%.*s%s%s", (int)(q - arg), arg, rev, q + 5) < 0) abort();
  } else {
    out = strdup(arg);
  }
  return out;
}

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--") != 0) {
    fprintf(stderr, "usage: bench-cli LABEL N -- PROGRAM ARGS...\n");
    return 2;
  }
  const char *label = argv[1];
  int n = atoi(argv[2]);
  int pargc = argc - 4;
  if (load_lines() != 0 || (lines && nlines < n)) {
    fprintf(stderr, "bench-cli: $BENCH_CLI_LINES: needs %d lines\n", n);
    return 2;
  }
  int64_t *samples = calloc((size_t)n, sizeof *samples);
  char rev[64] = "1";
  for (int i = 0; i < n; i++) {
    char **pargv = calloc((size_t)pargc + 1, sizeof *pargv);
    for (int j = 0; j < pargc; j++) pargv[j] = substitute(argv[4 + j], i, rev);
    int pipefd[2];
    if (pipe(pipefd) != 0) return 1;
    int64_t t0 = bench_now_ns();
    pid_t pid = fork();
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(pipefd[1], 1);
      dup2(devnull, 2);
      close(pipefd[0]);
      execvp(pargv[0], pargv);
      _exit(127);
    }
    close(pipefd[1]);
    char out[64] = {0};
    ssize_t got = read(pipefd[0], out, sizeof out - 1);
    char sink[256];
    while (read(pipefd[0], sink, sizeof sink) > 0) {
    }
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    samples[i] = bench_now_ns() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "bench-cli: run %d of %s failed (status %d)\n", i, pargv[0], status);
      return 1;
    }
    if (got > 0) {
      out[strcspn(out, "\n")] = '\0';
      snprintf(rev, sizeof rev, "%s", out);
    }
    for (int j = 0; j < pargc; j++) free(pargv[j]);
    free(pargv);
  }
  double med, p99;
  bench_stats(samples, (size_t)n, &med, &p99);
  printf("  %-34s median %7.2f ms   p99 %7.2f ms   (%d runs)\n", label, med / 1000, p99 / 1000, n);
  free(samples);
  return 0;
}
