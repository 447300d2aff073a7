/* fuzz_plan.c: the plan parser (core/tasks/plan.h) over any text, as Markdown,
 * as JSON and detected: it never crashes or leaks, every violation has a
 * line, and a valid plan keeps its promises (every task has a slot, files
 * and a wave; the slot directories hold their files) and survives the
 * round trip through its JSON view.  Input: the plan text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "plan.h"

static void check_valid(const struct bones_plan *p) {
  if (p->ntasks == 0 || p->nwaves == 0) abort();
  for (size_t i = 0; i < p->ntasks; i++) {
    const struct bones_plan_task *t = &p->tasks[i];
    if (t->slot == NULL || t->nfiles == 0 || t->wave < 1 || (size_t)t->wave > p->nwaves || t->n < 1) abort();
  }
  for (size_t i = 0; i < p->nslots; i++) {
    const struct bones_plan_slot *s = &p->slots[i];
    size_t n = strlen(s->dir);
    for (size_t k = 0; k < s->ntasks; k++) {
      const struct bones_plan_task *t = &p->tasks[s->tasks[k]];
      for (size_t f = 0; f < t->nfiles; f++)
        if (strncmp(t->files[f].path, s->dir, n) != 0 || t->files[f].path[n] != '/') abort();
    }
  }
}

static struct bones_plan *run(const char *text, size_t len, enum bones_plan_format format) {
  struct bones_plan *p = bones_plan_parse("fuzz", text, len, format);
  for (size_t i = 0; i < p->nerrors; i++)
    if (p->errors[i].line < 1 || p->errors[i].code == NULL) abort();
  json_t *j = bones_plan_json(p);
  if (j == NULL) abort();
  char *dump = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  if (dump == NULL) abort();
  if (p->nerrors == 0) {
    check_valid(p);
    struct bones_plan *q = bones_plan_parse("fuzz", dump, strlen(dump), BONES_PLAN_JSON);
    if (q->nerrors != 0 || q->ntasks != p->ntasks || q->nwaves != p->nwaves) abort();
    bones_plan_free(q);
  }
  free(dump);
  return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  bones_plan_free(run((const char *)data, size, BONES_PLAN_AUTO));
  bones_plan_free(run((const char *)data, size, BONES_PLAN_MD));
  bones_plan_free(run((const char *)data, size, BONES_PLAN_JSON));
  return 0;
}
