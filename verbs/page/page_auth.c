/* page_auth.c: the live page's token and where its files are (page.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buildtree.h"
#include "kv_secret.h"
#include "page.h"
#include "proc.h"
#include "sha256.h"

#define PAGE_TOKEN_LABEL "bones live page v1\n"

int bones_page_token(const char *root, int create, char out[BONES_PAGE_TOKEN_LEN + 1], struct bones_error *err) {
  char secret[BONES_KV_SECRET_LEN + 1];
  int rc = create ? bones_kv_secret_ensure(root, secret, err) : bones_kv_secret_read(root, secret, err);
  if (rc != BONES_OK) return rc;
  char buf[sizeof PAGE_TOKEN_LABEL + BONES_KV_SECRET_LEN];
  size_t label = strlen(PAGE_TOKEN_LABEL), n = strlen(secret);
  memcpy(buf, PAGE_TOKEN_LABEL, label);
  memcpy(buf + label, secret, n);
  bones_sha256_hex(buf, label + n, out);
  explicit_bzero(secret, sizeof secret);
  explicit_bzero(buf, sizeof buf);
  return BONES_OK;
}

int bones_page_token_equal(const char *presented, const char *want) {
  if (presented == NULL || strlen(presented) != BONES_PAGE_TOKEN_LEN) return 0;
  unsigned char diff = 0;
  for (size_t i = 0; i < BONES_PAGE_TOKEN_LEN; i++) diff |= (unsigned char)(presented[i] ^ want[i]);
  return diff == 0;
}

const char *bones_page_assets_dir(void) {
  static int done;
  static const char *dir = BONES_PAGE_INSTALL_DIR;
  if (done) return dir;
  done = 1;
  char *exe = bones_self_exe();
  char *build = *BONES_BUILD_DIR ? realpath(BONES_BUILD_DIR, NULL) : NULL;
  if (exe && build && bones_build_tree_owns_exe(build, exe)) dir = BONES_PAGE_SOURCE_DIR;
  free(build);
  free(exe);
  return dir;
}
