/* presence_lazy.c: presence written at most once per heartbeat by the
 * verbs an agent runs in a loop (presence.h). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "presence.h"
#include "registry.h"
#include "util.h"

/* The stamp of (substrate, agent): ~/.bones/presence/<FNV-1a of both>
 * (beside the workspace registry; $BONES_HOME/presence with BONES_HOME);
 * malloc'd.  The URL is only hashed: its credentials are never written. */
static char *stamp_path(bones_kv *kv, const char *agent) {
  const char *url = bones_kv_url(kv);
  uint64_t h = 1469598103934665603ULL;
  for (int part = 0; part < 2; part++) {
    for (const unsigned char *p = (const unsigned char *)(part ? agent : url ? url : ""); *p; p++) {
      h ^= *p;
      h *= 1099511628211ULL;
    }
    h ^= 0xff; /* separates the parts */
    h *= 1099511628211ULL;
  }
  char *reg = bones_registry_dir(); /* .../workspaces */
  char *slash = strrchr(reg, '/');
  if (slash) *slash = '\0';
  char *path = bones_xasprintf("%s/presence/%016llx", reg, (unsigned long long)h);
  free(reg);
  return path;
}

/* Writes the stamp (no fsync: a cache; a torn or lost stamp only means
 * the next verb writes presence again). */
static void write_stamp(const char *stamp, const char *slot) {
  int fd = open(stamp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  size_t n = strlen(slot);
  if (write(fd, slot, n) != (ssize_t)n) {
    close(fd);
    unlink(stamp);
    return;
  }
  close(fd);
}

int bones_presence_touch_lazy(bones_kv *kv, const char *agent, const char *slot, struct bones_error *err) {
  char *stamp = stamp_path(kv, agent);
  struct stat st;
  char *was = NULL;
  struct bones_error ignored;
  int fresh = stat(stamp, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
              (int64_t)st.st_mtime * 1000 > bones_now_ms() - BONES_HEARTBEAT_MS / 2 &&
              bones_read_file(stamp, 128, &was, NULL, &ignored) == BONES_OK && strcmp(was, slot ? slot : "") == 0;
  free(was);
  int rc = BONES_OK;
  if (!fresh) {
    rc = bones_presence_touch(kv, agent, slot, 0, err);
    char *dir = bones_xstrdup(stamp);
    *strrchr(dir, '/') = '\0';
    if (rc == BONES_OK && bones_mkdir_p(dir, 0700, &ignored) == BONES_OK)
      write_stamp(stamp, slot ? slot : "");
    free(dir);
  }
  free(stamp);
  return rc;
}

void bones_presence_forget(bones_kv *kv, const char *agent) {
  char *stamp = stamp_path(kv, agent);
  unlink(stamp);
  free(stamp);
}
