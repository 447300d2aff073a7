/* trunk_gate.c: this host's queue in front of the trunk lease (trunk.h). */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "trunk.h"
#include "util.h"
#include "workspace.h"

#define GATE_POLL_MS 5

int bones_trunk_gate_enter(const char *root, int64_t wait_ms, int *fd) {
  *fd = -1;
  char *path = bones_ws_path(root, "trunk.gate");
  int g = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  free(path);
  if (g < 0) return 0; /* no gate (read-only .bones?): the lease alone still excludes */
  if (bones_flock_wait(g, wait_ms < BONES_TRUNK_LEASE_MS ? wait_ms : BONES_TRUNK_LEASE_MS, GATE_POLL_MS)) {
    *fd = g;
    return 1;
  }
  close(g);
  return 0;
}

void bones_trunk_gate_leave(int fd) {
  if (fd < 0) return;
  flock(fd, LOCK_UN);
  close(fd);
}
