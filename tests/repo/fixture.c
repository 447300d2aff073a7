/* fixture.c: helpers of the repo-fossil tests (fixture.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "run.h"
#include "util.h"

void fx_write(const char *root, const char *rel, const char *content, unsigned mode) {
  char *path = bones_xasprintf("%s/%s", root, rel);
  char *dir = bones_xstrdup(path);
  *strrchr(dir, '/') = '\0';
  bones_mkdir_p(dir, 0755, NULL);
  FILE *f = fopen(path, "wb");
  if (f) {
    fputs(content, f);
    fclose(f);
    chmod(path, mode);
  }
  free(dir);
  free(path);
}

char *fx_read(const char *root, const char *rel) {
  char *path = bones_xasprintf("%s/%s", root, rel), *data = NULL;
  if (bones_read_file(path, 1 << 20, &data, NULL, NULL) != BONES_OK) data = NULL;
  free(path);
  return data;
}

int fx_mode(const char *root, const char *rel) {
  char *path = *rel ? bones_xasprintf("%s/%s", root, rel) : bones_xstrdup(root);
  struct stat st;
  int mode = stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
  free(path);
  return mode;
}

void fx_list_reset(struct fx_list *l) {
  free(l->text);
  l->text = NULL;
  l->n = 0;
}

static void list_add(struct fx_list *l, const char *item) {
  char *t = bones_xasprintf("%s%s%s", l->text ? l->text : "", l->text ? "," : "", item);
  free(l->text);
  l->text = t;
  l->n++;
}

int fx_collect_path(void *arg, const char *path) {
  list_add(arg, path);
  return 0;
}

int fx_collect_change(void *arg, int change, const char *path) {
  char *item = bones_xasprintf("%c %s", change, path);
  list_add(arg, item);
  free(item);
  return 0;
}

int fx_collect_checkin(void *arg, const char *id, const char *user, const char *when, const char *comment) {
  struct fx_timeline *t = arg;
  if (t->entries.n < 16) {
    snprintf(t->ids[t->entries.n], BONES_REPO_ID_MAX, "%s", id);
    snprintf(t->when[t->entries.n], sizeof t->when[0], "%s", when);
  }
  char *item = bones_xasprintf("%s|%s", user, comment);
  list_add(&t->entries, item);
  free(item);
  return 0;
}

int fx_fossil(const char *home, const char *cwd, ...) {
  const char *argv[32] = {"fossil"};
  int n = 1;
  va_list ap;
  va_start(ap, cwd);
  for (const char *s; n < 31 && (s = va_arg(ap, const char *)) != NULL;) argv[n++] = s;
  va_end(ap);
  argv[n] = NULL;
  char *prog = rf_find_program("fossil");
  if (prog == NULL) return -1;
  char *h = bones_xasprintf("HOME=%s", home), *fh = bones_xasprintf("FOSSIL_HOME=%s", home);
  char *env[] = {h, fh, "PATH=/usr/bin:/bin", NULL};
  struct rf_run_opts o = {.cwd = cwd, .envp = env, .timeout_ms = 20000};
  struct rf_run_result r;
  int status = rf_run(prog, argv, &o, &r, NULL) == BONES_OK ? r.status : -1;
  if (status >= 0) rf_run_result_free(&r);
  free(h);
  free(fh);
  free(prog);
  return status;
}

int fx_have_fossil(void) {
  char *p = rf_find_program("fossil");
  free(p);
  return p != NULL;
}
