/* fuzz_taskid.c: task id prefixes (bones_task_resolve, core/tasks/tasks.c)
 * against a backlog of a few tasks sharing prefixes.  Input: the prefix. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tasks.h"

static const char seed[] = "t-abcdefgh\n{}\x1et-abcdefgz\n{}\x1et-zzzzzzzz\n{}\x1et-abc\n{}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bones_kv *kv = NULL;
  fuzz_memkv_open(&kv);
  fuzz_memkv_seed(kv, BONES_TASKS_BUCKET, (const uint8_t *)seed, sizeof seed - 1, "t-00000000");
  struct bones_tasks *t = NULL;
  struct bones_error err;
  char *s = fuzz_cstr(data, size), *id = NULL;
  if (bones_tasks_open(kv, "fuzzer", &t, &err) == BONES_OK) {
    if (bones_task_resolve(t, s, &id, &err) == BONES_OK) {
      if (strncmp(id, "t-", 2) != 0) abort();
      free(id);
    }
    bones_tasks_free(t);
  }
  free(s);
  bones_kv_close(kv);
  return 0;
}
