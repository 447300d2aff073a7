/* fuzz_tasks.c: records of bones-tasks (core/tasks/tasks.c) as stored in the KV:
 * list, ready, get, resolve a prefix, then claim, update, link, release
 * and close through the record decoder.  Input: records (fuzz.h). */
#include "config.h"

#include <stdlib.h>

#include <jansson.h>

#include "fuzz.h"
#include "tasks.h"
#include "util.h"

#define ID "t-aaaaaaaa"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bones_kv *kv = NULL;
  fuzz_memkv_open(&kv);
  fuzz_memkv_seed(kv, BONES_TASKS_BUCKET, data, size, ID);
  struct bones_tasks *t = NULL;
  struct bones_error err;
  if (bones_tasks_open(kv, "fuzzer", &t, &err) == BONES_OK) {
    json_t *tasks = NULL, *corrupt = NULL, *task = NULL;
    if (bones_tasks_list(t, &tasks, &corrupt, &err) == BONES_OK) {
      json_t *ready = bones_tasks_ready(tasks, bones_now_ms(), NULL);
      json_decref(ready);
      ready = bones_tasks_ready(tasks, 0, "slot-a");
      json_decref(ready);
    }
    json_decref(tasks);
    json_decref(corrupt);
    char *id = NULL;
    if (bones_task_resolve(t, "aa", &id, &err) == BONES_OK) free(id);
    if (bones_task_get(t, ID, &task, &err) == BONES_OK) json_decref(task);
    int wrote = 0;
    task = NULL;
    bones_task_claim(t, ID, 60000, 1, &task, &wrote, &err);
    json_decref(task);
    task = NULL;
    json_t *changes = json_pack("{s:s, s:{s:n}, s:i}", "title", "fuzzed", "context", "k", "priority", 1);
    bones_task_update(t, ID, changes, &task, &wrote, &err);
    json_decref(changes);
    json_decref(task);
    task = NULL;
    bones_task_link(t, ID, ID "-1", "blocks", &task, &wrote, &err);
    json_decref(task);
    task = NULL;
    bones_task_release(t, ID, 0, 1, &task, &err);
    json_decref(task);
    task = NULL;
    bones_task_close(t, ID, "done", 0, 1, &task, &err);
    json_decref(task);
    bones_tasks_free(t);
  }
  bones_kv_close(kv);
  return 0;
}
