/* handoff_task.h (internal to core/coord/coord_handoff*.c): the task side
 * of a handoff that moves a claim (coord.h). */
#ifndef BONES_HANDOFF_TASK_H
#define BONES_HANDOFF_TASK_H

#include <jansson.h>

#include <bones/kv.h>

/* Accepts the task handoff rec (the record read at v_rev under key of
 * bucket b) as agent: moves the claim, the holds, then marks the record.
 * BONES_E_CONFLICT when the record changed under us (the caller re-reads). */
int handoff_accept_task(bones_kv *kv, bones_kv_bucket *b, const char *key, json_t *rec, uint64_t v_rev,
                        const char *agent, json_t **out, struct bones_error *err);

/* Declines the task handoff rec as agent (the task record decides). */
int handoff_decline_task(bones_kv *kv, json_t *rec, const char *agent, struct bones_error *err);

#endif
