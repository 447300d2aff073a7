/* heartbeat.c: `bones hook heartbeat`: what a harness runs after each tool
 * call (Claude Code's PostToolUse): renews the slot of the cwd (session,
 * claim, holds, presence) or touches the agent's presence, at most once
 * per interval.  Silent; always exit 0 (a PostToolUse hook that exits 2
 * feeds its stderr to the model; bones problems are not the model's). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "hook_common.h"
#include "hublog.h"
#include "presence.h"
#include "swarm.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

#define HEARTBEAT_INTERVAL_MS 20000 /* below the presence TTL (30 s) */
#define INPUT_MAX (256u << 10)

/* $BONES_HOOK_HEARTBEAT_INTERVAL (a duration: 0s, 5s, 1m) or the default. */
static int64_t interval_ms(void) {
  const char *v = getenv("BONES_HOOK_HEARTBEAT_INTERVAL");
  int64_t ms = HEARTBEAT_INTERVAL_MS;
  struct bones_error e;
  if (v && *v && bones_parse_duration_in("BONES_HOOK_HEARTBEAT_INTERVAL", v, 0, 3600000, &ms, &e) != BONES_OK)
    ms = HEARTBEAT_INTERVAL_MS;
  return ms;
}

/* 1 when the stamp (.bones/hook-heartbeat.slot.SLOT or .agent.AGENT,
 * 0600) says it was renewed less than interval ago; else touches the
 * stamp and returns 0. */
static int renewed_recently(const char *root, const char *agent, const char *slot, int64_t interval) {
  char *name = slot ? bones_xasprintf("hook-heartbeat.slot.%s", slot) : bones_xasprintf("hook-heartbeat.agent.%s", agent);
  char *path = bones_ws_path(root, name);
  free(name);
  struct stat st;
  int recent = 0;
  if (interval > 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
    int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    int64_t age = bones_now_ms() - mtime;
    recent = age >= 0 && age < interval;
  }
  if (!recent) {
    int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      (void)futimens(fd, NULL);
      close(fd);
    }
  }
  free(path);
  return recent;
}

/* Renews slot's session (or agent's presence); err on failure. */
static int renew(struct bones_ctx *ctx, const char *root, const char *agent, const char *slot, struct bones_error *err) {
  bones_kv *kv = NULL;
  int rc = hook_kv_open(ctx, root, &kv, err);
  if (rc != BONES_OK) return rc;
  if (slot) {
    struct bones_swarm s;
    json_t *session = NULL;
    rc = bones_swarm_open(root, kv, &s, err);
    if (rc == BONES_OK) {
      rc = bones_swarm_heartbeat(&s, slot, &session, err);
      json_decref(session);
      bones_swarm_free(&s);
    }
  } else {
    rc = bones_presence_touch(kv, agent, NULL, 0, err);
  }
  bones_kv_close(kv);
  return rc;
}

int hook_heartbeat_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "heartbeat takes no arguments (got '%s')", argv[1]);
  json_t *in = hook_read_input(INPUT_MAX, 500);
  const char *cwd = json_string_value(json_object_get(in, "cwd"));
  if (cwd && !bones_path_is_dir(cwd)) cwd = NULL;
  char *root = hook_workspace(ctx, cwd);
  char *agent = NULL, *slot = NULL;
  enum bones_agent_source src;
  struct bones_error err;
  if (root == NULL || bones_agent_resolve(root, cwd, &agent, &slot, &src, &err) != BONES_OK) goto done;
  if (renewed_recently(root, agent, slot, interval_ms())) goto done;
  if (renew(ctx, root, agent, slot, &err) != BONES_OK) {
    bones_hublog(root, BONES_LOG_WARN, "hook", "hook heartbeat failed",
                 json_pack("{s:o, s:o, s:o}", "agent", bones_utf8_json(agent), "slot", slot ? bones_utf8_json(slot) : json_null(),
                           "err", bones_utf8_json(err.message)));
    bones_term_printf(stderr, "bones hook heartbeat: %s\n", err.message);
  }
done:
  free(agent);
  free(slot);
  free(root);
  json_decref(in);
  return 0;
}
