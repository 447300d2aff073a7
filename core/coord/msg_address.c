/* msg_address.c: who a message address names (msg.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "msg.h"
#include "swarm.h"
#include "tasks.h"
#include "util.h"
#include "workspace.h"

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* Adds agent to the sorted set out (an array of strings). */
static void add_agent(json_t *out, const char *agent) {
  size_t i, n = json_array_size(out);
  for (i = 0; i < n; i++) {
    int c = strcmp(json_string_value(json_array_get(out, i)), agent);
    if (c == 0) return;
    if (c > 0) break;
  }
  json_array_insert_new(out, i, json_string(agent));
}

/* The agents of the slot sessions whose task is of wave (NULL: every
 * session), sender left out. */
static int session_agents(const char *root, bones_kv *kv, const char *from, const char *wave, json_t *out,
                          struct bones_error *err) {
  struct bones_swarm s;
  json_t *sessions = NULL, *tasks = NULL, *corrupt = NULL;
  int rc = bones_swarm_open(root, kv, &s, err);
  if (rc != BONES_OK) return rc;
  rc = bones_swarm_sessions(&s, &sessions, err);
  bones_swarm_free(&s);
  if (rc == BONES_OK && wave) {
    struct bones_tasks *t = NULL;
    rc = bones_tasks_open(kv, from, &t, err);
    if (rc == BONES_OK) rc = bones_tasks_list(t, &tasks, &corrupt, err);
    bones_tasks_free(t);
  }
  size_t i, j;
  json_t *r, *t;
  if (rc == BONES_OK) json_array_foreach(sessions, i, r) {
      const char *agent = str(r, "agent_id"), *task = str(r, "task_id");
      if (agent == NULL || strcmp(agent, from) == 0) continue;
      int keep = wave == NULL;
      if (wave && task) json_array_foreach(tasks, j, t) if (str(t, "id") && strcmp(str(t, "id"), task) == 0) {
          const char *w = json_string_value(json_object_get(json_object_get(t, "context"), "wave"));
          keep = w && strcmp(w, wave) == 0;
          break;
        }
      if (keep) add_agent(out, agent);
    }
  json_decref(sessions);
  json_decref(tasks);
  json_decref(corrupt);
  return rc;
}

int bones_msg_recipients(const char *root, bones_kv *kv, const char *from, const char *address, json_t **agents,
                         struct bones_error *err) {
  *agents = NULL;
  if (address == NULL || *address == '\0') return bones_error_set(err, BONES_E_USAGE, "--to is empty");
  json_t *out = json_array();
  int rc = BONES_OK;
  if (strcmp(address, "orchestrator") == 0) {
    char *id = root ? bones_workspace_agent_id(root) : NULL;
    if (id == NULL || bones_agent_check(id, err) != BONES_OK) {
      rc = bones_error_set(err, BONES_E_NOTFOUND, "this workspace has no agent id for its orchestrator (.bones/agent.id)");
      bones_error_hint(err, "run `bones up` in the repository");
    } else {
      add_agent(out, id);
    }
    free(id);
  } else if (strncmp(address, "slot:", 5) == 0) {
    if (bones_name_check("the slot", address + 5, err) != BONES_OK) rc = BONES_E_USAGE;
    else {
      char *agent = bones_xasprintf("slot-%s", address + 5);
      add_agent(out, agent);
      free(agent);
    }
  } else if (strcmp(address, "all") == 0 || strncmp(address, "all-in-wave:", 12) == 0) {
    const char *wave = address[3] ? address + 12 : NULL;
    if (wave && (*wave == '\0' || strspn(wave, "0123456789") != strlen(wave) || strlen(wave) > 6))
      rc = bones_error_set(err, BONES_E_USAGE, "all-in-wave:N takes a wave number, not '%s'", wave);
    else if (root == NULL)
      rc = bones_error_set(err, BONES_E_NOWORKSPACE, "%s needs a workspace (its slots)", address);
    else
      rc = session_agents(root, kv, from, wave, out, err);
    if (rc == BONES_OK && json_array_size(out) == 0) {
      rc = bones_error_set(err, BONES_E_NOTFOUND, "%s names nobody: no slot session%s%s", address,
                           wave ? " works on a task of wave " : " besides yours", wave ? wave : "");
      bones_error_hint(err, "`bones swarm status` lists the slots");
    }
  } else if (strchr(address, ':')) {
    rc = bones_error_set(err, BONES_E_USAGE, "unknown address '%s'", address);
    bones_error_hint(err, "AGENT, orchestrator, slot:NAME, all or all-in-wave:N");
  } else if (bones_agent_check(address, err) != BONES_OK) {
    rc = BONES_E_USAGE;
  } else {
    add_agent(out, address);
  }
  if (rc != BONES_OK) {
    json_decref(out);
    return rc;
  }
  *agents = out;
  return BONES_OK;
}
