/* swarm_stale.c: saying what became of a slot's claim when it is no longer
 * current (swarm.h): force-closed, released, taken over. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "swarm.h"
#include "util.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

char *bones_swarm_claim_lost(json_t *session, json_t *task) {
  const char *id = str(session, "task_id") ? str(session, "task_id") : "?";
  const char *agent = str(session, "agent_id") ? str(session, "agent_id") : "";
  const char *status = str(task, "status") ? str(task, "status") : "?";
  const char *by = str(task, "claimed_by");
  long long epoch = (long long)json_integer_value(json_object_get(task, "claim_epoch"));
  long long mine = (long long)json_integer_value(json_object_get(session, "claim_epoch"));
  if (strcmp(status, "claimed") == 0 && by && strcmp(by, agent) == 0 && epoch == mine) return NULL;
  if (strcmp(status, "closed") == 0) {
    const char *closer = str(task, "closed_by") ? str(task, "closed_by") : "someone";
    const char *at = str(task, "closed_at") ? str(task, "closed_at") : "an unknown time";
    return bones_xasprintf("task %s was %s by %s at %s", id,
                           json_is_true(json_object_get(task, "closed_forced")) ? "force-closed" : "closed", closer, at);
  }
  if (strcmp(status, "claimed") != 0 || by == NULL)
    return bones_xasprintf("task %s was released by someone else (it is %s now, no longer this slot's)", id, status);
  if (strcmp(by, agent) != 0)
    return bones_xasprintf("task %s was taken over by %s (claim epoch %lld; this slot's was %lld)", id, by, epoch,
                           mine);
  return bones_xasprintf("task %s was claimed again at epoch %lld (this slot's claim was epoch %lld)", id, epoch, mine);
}
