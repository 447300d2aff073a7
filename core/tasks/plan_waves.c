/* plan_waves.c: a plan's dependencies (docs/plan.md, DEPENDENCIES AND
 * WAVES): each names a task of the plan other than itself, none forms a
 * cycle; a task's wave is 1 without dependencies, else one more than the
 * latest wave among them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plan_int.h"
#include "util.h"

struct by_n {
  long n;
  size_t index;
};

static int cmp_by_n(const void *a, const void *b) {
  const struct by_n *x = a, *y = b;
  if (x->n != y->n) return (x->n > y->n) - (x->n < y->n);
  return (x->index > y->index) - (x->index < y->index);
}

/* The index of the first task numbered n, or -1. */
static long find(const struct by_n *sorted, size_t count, long n) {
  size_t lo = 0, hi = count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sorted[mid].n < n) lo = mid + 1;
    else hi = mid;
  }
  return lo < count && sorted[lo].n == n ? (long)sorted[lo].index : -1;
}

struct frame {
  size_t node, next; /* the task and the next dependency to visit */
};

/* "dependency cycle: Task 1 -> Task 2 -> Task 1" over stack[from..top]
 * (stack[top] depends on stack[from]), at the line of that dependency. */
static void report_cycle(struct bones_plan *plan, const struct frame *stack, size_t from, size_t top, int line) {
  size_t len = 64, n = top - from + 1;
  char *msg = bones_xmalloc(len);
  strcpy(msg, "dependency cycle:");
  for (size_t k = 0; k <= n; k++) {
    if (n > 12 && k == 6) {
      char *m = bones_xasprintf("%s -> ... (%zu tasks)", msg, n);
      free(msg);
      msg = m;
      k = n - 5;
    }
    const struct bones_plan_task *t = &plan->tasks[stack[k == n ? from : from + k].node];
    char *m = bones_xasprintf("%s%s Task %ld", msg, k ? " ->" : "", t->n);
    free(msg);
    msg = m;
  }
  plan_error(plan, line, "dependency-cycle", "%s", msg);
  free(msg);
}

void plan_waves(struct bones_plan *plan) {
  size_t nt = plan->ntasks;
  if (nt == 0) return;
  struct by_n *sorted = bones_xmalloc(nt * sizeof *sorted);
  for (size_t i = 0; i < nt; i++) sorted[i] = (struct by_n){plan->tasks[i].n, i};
  qsort(sorted, nt, sizeof *sorted, cmp_by_n);
  /* resolve: dep[i][k] = index of the task, or -1 (unknown or self: reported, wave 0) */
  long **dep = bones_xcalloc(nt, sizeof *dep);
  unsigned char *broken = bones_xcalloc(nt, 1), *color = bones_xcalloc(nt, 1), *cyc = bones_xcalloc(nt, 1);
  for (size_t i = 0; i < nt; i++) {
    struct bones_plan_task *t = &plan->tasks[i];
    dep[i] = bones_xcalloc(t->ndepends ? t->ndepends : 1, sizeof **dep);
    for (size_t k = 0; k < t->ndepends; k++) {
      long n = t->depends[k].n;
      dep[i][k] = -1;
      if (n == t->n) {
        plan_error(plan, t->depends[k].line, "self-dependency", "Task %ld depends on itself", n);
        broken[i] = 1;
      } else if ((dep[i][k] = find(sorted, nt, n)) < 0) {
        plan_error(plan, t->depends[k].line, "unknown-dependency", "Task %ld depends on Task %ld, which is not in the plan",
                   t->n, n);
        broken[i] = 1;
      }
    }
  }
  /* depth first, iteratively; a task's wave is set when it finishes */
  struct frame *stack = bones_xmalloc(nt * sizeof *stack);
  size_t *pos = bones_xmalloc(nt * sizeof *pos); /* a gray task's place on the stack */
  int maxwave = 0;
  for (size_t root = 0; root < nt; root++) {
    if (color[root]) continue;
    size_t top = 0;
    stack[0] = (struct frame){root, 0};
    color[root] = 1;
    pos[root] = 0;
    for (;;) {
      struct frame *f = &stack[top];
      struct bones_plan_task *t = &plan->tasks[f->node];
      if (f->next < t->ndepends) {
        size_t k = f->next++;
        if (dep[f->node][k] < 0) continue;
        size_t d = (size_t)dep[f->node][k];
        if (color[d] == 1) {
          report_cycle(plan, stack, pos[d], top, t->depends[k].line);
          for (size_t s = pos[d]; s <= top; s++) cyc[stack[s].node] = 1;
        } else if (color[d] == 0) {
          color[d] = 1;
          pos[d] = ++top;
          stack[top] = (struct frame){d, 0};
        }
        continue;
      }
      int wave = broken[f->node] || cyc[f->node] ? 0 : 1;
      for (size_t k = 0; wave && k < t->ndepends; k++) {
        int w = plan->tasks[dep[f->node][k]].wave;
        if (w == 0) wave = 0;
        else if (w + 1 > wave) wave = w + 1;
      }
      t->wave = wave;
      if (wave > maxwave) maxwave = wave;
      color[f->node] = 2;
      if (top == 0) break;
      top--;
    }
  }
  plan->waves = bones_xcalloc((size_t)maxwave + 1, sizeof *plan->waves);
  plan->nwaves = (size_t)maxwave;
  for (size_t i = 0; i < nt; i++) {
    int w = plan->tasks[i].wave;
    if (w == 0) continue;
    struct bones_plan_wave *wv = &plan->waves[w - 1];
    wv->tasks = bones_xrealloc(wv->tasks, (wv->ntasks + 1) * sizeof *wv->tasks);
    wv->tasks[wv->ntasks++] = plan->tasks[i].n;
  }
  for (size_t i = 0; i < nt; i++) free(dep[i]);
  free(dep);
  free(broken);
  free(color);
  free(cyc);
  free(stack);
  free(pos);
  free(sorted);
}
