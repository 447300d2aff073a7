/* slot_lock.c: one writer at a time in a slot's worktree, fossil
 * processes of a killed commit included (swarm.h). */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "proc.h"
#include "swarm.h"
#include "util.h"

#define SLOT_LOCK_POLL_MS 10

int bones_slot_lock_take(const char *root, const char *slot, int64_t wait_ms, int *fd) {
  *fd = -1;
  char *dir = bones_slot_dir(root, slot);
  char *path = bones_xasprintf("%s/commit.lock", dir);
  free(dir);
  /* no O_CLOEXEC, and kept open by every spawner (bones_proc_keep_fd):
   * the fossil processes this commit starts inherit the lock, so a commit
   * killed -9 still holds it until its orphaned fossil exits, and the
   * next one waits for that */
  int l = open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
  free(path);
  if (l < 0) return -1;
  if (bones_flock_wait(l, wait_ms, SLOT_LOCK_POLL_MS)) {
    *fd = l;
    bones_proc_keep_fd(l);
    return 1;
  }
  close(l);
  return 0;
}

void bones_slot_lock_drop(int fd) {
  if (fd < 0) return;
  if (bones_proc_kept_fd() == fd) bones_proc_keep_fd(-1);
  /* closing our descriptor is not enough while a child still shares it */
  flock(fd, LOCK_UN);
  close(fd);
}
