/* fixture.h: helpers of the repo-fossil tests: files, callback collectors,
 * and raw fossil runs (to build situations bones itself never makes). */
#ifndef BONES_TEST_REPO_FIXTURE_H
#define BONES_TEST_REPO_FIXTURE_H

#include <stddef.h>

#include <bones/repo.h>

/* Writes content to root/rel (parents made) with mode. */
void fx_write(const char *root, const char *rel, const char *content, unsigned mode);
/* Content of root/rel, malloc'd; NULL when unreadable. */
char *fx_read(const char *root, const char *rel);
/* Mode bits (0777) of root/rel (rel "": root itself), -1 when absent. */
int fx_mode(const char *root, const char *rel);

/* Collected callback output: items joined with ',' ("A a.txt,M b"). */
struct fx_list {
  char *text;
  size_t n;
};
void fx_list_reset(struct fx_list *l);
int fx_collect_path(void *arg, const char *path);
int fx_collect_change(void *arg, int change, const char *path);
/* Timeline entries as "user|comment"; ids kept in ids[0..]. */
struct fx_timeline {
  struct fx_list entries;
  char ids[16][BONES_REPO_ID_MAX];
  char when[16][40];
};
int fx_collect_checkin(void *arg, const char *id, const char *user, const char *when, const char *comment);

/* Runs `fossil args...` (NULL-terminated) in cwd with HOME=home; returns
 * the exit status (-1 when it could not run). */
int fx_fossil(const char *home, const char *cwd, ...) __attribute__((sentinel));

/* 1 when a fossil binary is on PATH. */
int fx_have_fossil(void);

#endif
