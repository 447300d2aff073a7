/* test_hub_commit.c: the optional hub_commit member (issue 12 item 5):
 * check-ins written straight into the hub file, by the given user. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "util.h"

/* Content of path at rev in the hub, malloc'd. */
static char *cat_at(const char *path, const char *rev) {
  struct bones_error err;
  unsigned char *data = NULL;
  size_t len = 0;
  EXPECT(T.be->cat(T.repo, T.hub, path, rev, &data, &len, &err), BONES_OK, err);
  return (char *)data;
}

void hub_commit_writes_trunk(void **state) {
  (void)state;
  struct bones_error err;
  char id[BONES_REPO_ID_MAX] = "", id2[BONES_REPO_ID_MAX] = "", id3[BONES_REPO_ID_MAX] = "";
  char *src = bones_xasprintf("%s/import-src", T.tmp);
  const char *files[] = {"imp/one.txt"};
  fx_write(src, "imp/one.txt", "version 1\n", 0755);
  EXPECT(T.be->hub_commit(T.repo, T.hub, src, files, 1, NULL, 0, "git", "git import abc: one", id, &err), BONES_OK,
         err);
  char *text = cat_at("imp/one.txt", id);
  assert_string_equal(text, "version 1\n");
  free(text);
  struct fx_timeline tl = {0};
  EXPECT(T.be->timeline(T.repo, T.hub, 1, fx_collect_checkin, &tl, &err), BONES_OK, err);
  assert_string_equal(tl.entries.text, "git|git import abc: one");
  assert_string_equal(tl.ids[0], id);
  fx_list_reset(&tl.entries);
  /* the same size, written right away: still seen as a change */
  fx_write(src, "imp/one.txt", "version 2\n", 0755);
  EXPECT(T.be->hub_commit(T.repo, T.hub, src, files, 1, NULL, 0, "git", "git import def: two", id2, &err), BONES_OK,
         err);
  text = cat_at("imp/one.txt", id2);
  assert_string_equal(text, "version 2\n");
  free(text);
  /* nothing changed: refused */
  EXPECT(T.be->hub_commit(T.repo, T.hub, src, files, 1, NULL, 0, "git", "git import def: again", id3, &err),
         BONES_E_REFUSED, err);
  /* a removal */
  EXPECT(T.be->hub_commit(T.repo, T.hub, src, NULL, 0, files, 1, "git", "git import ghi: rm", id3, &err), BONES_OK,
         err);
  assert_null(strstr(ls_of(id3), "imp/one.txt"));
  assert_non_null(strstr(ls_of(id2), "imp/one.txt"));
  /* a bad path is refused before anything runs */
  const char *bad[] = {"../escape.txt"};
  EXPECT(T.be->hub_commit(T.repo, T.hub, src, bad, 1, NULL, 0, "git", "x", id3, &err), BONES_E_USAGE, err);
  free(src);
}
