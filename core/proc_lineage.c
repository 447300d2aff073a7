/* proc_lineage.c: which programs a process started, still running after it
 * died; the host and pid namespace a pid record belongs to (proc.h). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

#define ENVIRON_MAX (1u << 20)

int bones_spawned_by_value(const struct bones_pid_record *r, char *buf, size_t len) {
  int n = snprintf(buf, len, "%s=%ld-%llu", BONES_SPAWNED_BY_ENV, (long)r->pid, r->start);
  return n > 0 && (size_t)n < len;
}

/* 1 when the NUL-separated environment env (len bytes) holds the entry
 * want exactly. */
static int environ_has(const char *env, size_t len, const char *want) {
  size_t wlen = strlen(want);
  for (size_t i = 0; i < len;) {
    const char *entry = env + i;
    size_t elen = strnlen(entry, len - i);
    if (elen == wlen && memcmp(entry, want, wlen) == 0) return 1;
    i += elen + 1;
  }
  return 0;
}

int bones_pid_descendants_alive(const struct bones_pid_record *r) {
  char want[96];
  if (r == NULL || r->pid <= 0 || !bones_spawned_by_value(r, want, sizeof want)) return 0;
  DIR *d = opendir("/proc");
  if (d == NULL) return 1; /* cannot tell: assume they run */
  int found = 0;
  pid_t self = getpid();
  struct dirent *e;
  while (!found && (e = readdir(d)) != NULL) {
    char *end = NULL;
    long pid = strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0' || pid == (long)self || pid == (long)r->pid) continue;
    char path[64], *env = NULL;
    size_t len = 0;
    struct bones_error err;
    snprintf(path, sizeof path, "/proc/%ld/environ", pid);
    /* unreadable: gone meanwhile, or another user's (not started by r) */
    if (bones_read_file(path, ENVIRON_MAX, &env, &len, &err) != BONES_OK) continue;
    found = environ_has(env, len, want) && bones_pid_alive((pid_t)pid);
    free(env);
  }
  closedir(d);
  return found;
}

int bones_pid_scope(char *buf, size_t len) {
  if (len == 0) return 0;
  buf[0] = '\0';
  char *boot = NULL, ns[64];
  struct bones_error err;
  if (bones_read_file("/proc/sys/kernel/random/boot_id", 128, &boot, NULL, &err) != BONES_OK) return 0;
  boot[strcspn(boot, "\n")] = '\0';
  ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
  int ok = *boot != '\0' && n > 0;
  if (ok) {
    ns[n] = '\0';
    int w = snprintf(buf, len, "%s/%s", boot, ns);
    ok = w > 0 && (size_t)w < len;
  }
  free(boot);
  if (!ok) buf[0] = '\0';
  return ok;
}
