/* trunk_gate.c: this host's queue in front of the trunk lease (trunk.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <time.h>
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
  int64_t deadline = bones_monotonic_ms() + (wait_ms < BONES_TRUNK_LEASE_MS ? wait_ms : BONES_TRUNK_LEASE_MS);
  for (;;) {
    if (flock(g, LOCK_EX | LOCK_NB) == 0) {
      *fd = g;
      return 1;
    }
    if ((errno != EWOULDBLOCK && errno != EINTR) || bones_monotonic_ms() >= deadline) break;
    struct timespec ts = {0, GATE_POLL_MS * 1000000L};
    nanosleep(&ts, NULL);
  }
  close(g);
  return 0;
}

void bones_trunk_gate_leave(int fd) {
  if (fd < 0) return;
  flock(fd, LOCK_UN);
  close(fd);
}
