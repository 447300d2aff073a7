/* hook_common.c: shared parts of the `bones hook` sub-verbs (hook_common.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "hook_common.h"
#include "substrate.h"
#include "util.h"
#include "workspace.h"

json_t *hook_read_input(size_t max, int wait_ms) {
  if (isatty(STDIN_FILENO)) return NULL;
  char *buf = bones_xmalloc(max + 1);
  size_t len = 0;
  int64_t deadline = bones_monotonic_ms() + wait_ms;
  for (;;) {
    int64_t left = deadline - bones_monotonic_ms();
    if (left <= 0) break;
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    int r = poll(&p, 1, (int)left);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (len == max + 1) break;
    ssize_t n = read(STDIN_FILENO, buf + len, max + 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
    if (len > max) break;
  }
  json_t *j = NULL;
  if (len > 0 && len <= max) {
    json_error_t jerr;
    j = json_loadb(buf, len, 0, &jerr);
    if (!json_is_object(j)) {
      json_decref(j);
      j = NULL;
    }
  }
  free(buf);
  return j;
}

int hook_git_allowed(void) {
  const char *v = getenv("BONES_ALLOW_GIT");
  return v && strcmp(v, "1") == 0;
}

char *hook_workspace(struct bones_ctx *ctx, const char *dir) {
  if (dir == NULL) return bones_ctx_workspace(ctx) ? bones_xstrdup(bones_ctx_workspace(ctx)) : NULL;
  char *root = NULL;
  struct bones_error e;
  if (bones_workspace_find(dir, &root, &e) != BONES_OK) return NULL;
  return root;
}

int hook_kv_open(struct bones_ctx *ctx, const char *root, bones_kv **kv, struct bones_error *err) {
  const char *spec = bones_ctx_substrate_option(ctx);
  char *config = NULL;
  if (spec == NULL) spec = getenv("BONES_SUBSTRATE");
  if (spec == NULL || *spec == '\0') spec = config = bones_workspace_config_substrate(root);
  if (spec == NULL) spec = "sqlite";
  struct bones_kv_options o = {HOOK_KV_TIMEOUT_MS};
  int rc = bones_substrate_open(spec, root, &o, kv, NULL, err);
  free(config);
  return rc;
}
