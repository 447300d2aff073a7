/* test_hub_join.c: core/workspace/hub_join.c, a slot join asked through the
 * substrate (the built-in sqlite, shared by two processes) and answered by
 * a hub process with a fake repo backend: the answer and its identity, the
 * user added with the joiner's password, nothing left in the bucket, no
 * password in the hub's log; refusals (another user than the slot's, a
 * slot with a live session); no hub: unavailable within the wait, the
 * request withdrawn.  With $BONES_TEST_RECORDS set, the request and the
 * answer as stored are appended there (tests/cli/schemas.test validates
 * them against bones.hub-join.v1.json). */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "builtins.h"
#include "cmocka_all.h"
#include "hub_join.h"
#include "loader.h"
#include "sessions.h"
#include "util.h"

static char tmpdir[] = "/tmp/bones-hub-join-XXXXXX";
static char *db_url, *hub_file;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

/* The fake hub file: one "user password" line per hub_user call. */
static int fake_user(void *repo, const char *hub_path, const char *user, const char *password,
                     struct bones_error *err) {
  (void)repo, (void)err;
  FILE *f = fopen(hub_path, "a");
  if (f == NULL) return bones_error_set(err, BONES_E_INTERNAL, "cannot write %s", hub_path);
  fprintf(f, "%s %s\n", user, password);
  fclose(f);
  return BONES_OK;
}

static int fake_identity(void *repo, const char *hub_path, char identity[BONES_REPO_ID_MAX], struct bones_error *err) {
  (void)repo, (void)hub_path, (void)err;
  strcpy(identity, "0123456789abcdef0123456789abcdef01234567");
  return BONES_OK;
}

static const struct bones_repo_backend_v1 fake = {
    .abi = BONES_REPO_ABI,
    .size = sizeof(struct bones_repo_backend_v1),
    .name = "fake",
    .hub_user = fake_user,
    .hub_identity = fake_identity,
};

static int setup(void **state) {
  (void)state;
  struct bones_error err;
  if (mkdtemp(tmpdir) == NULL || bones_register_builtin_backends(&err) != BONES_OK) return -1;
  char *dot = bones_xasprintf("%s/.bones", tmpdir);
  int rc = mkdir(dot, 0700);
  free(dot);
  db_url = bones_xasprintf("sqlite:%s/kv.db", tmpdir);
  hub_file = bones_xasprintf("%s/hub", tmpdir);
  return rc;
}

static int teardown(void **state) {
  (void)state;
  bones_loader_shutdown();
  nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(db_url);
  free(hub_file);
  return 0;
}

static bones_kv *open_kv(void) {
  struct bones_error err;
  bones_kv *kv = NULL;
  assert_int_equal(bones_kv_open(db_url, NULL, &kv, &err), BONES_OK);
  return kv;
}

static int append_record(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)key, (void)rev;
  FILE *f = arg;
  fwrite(value, 1, len, f);
  fputc('\n', f);
  return 0;
}

/* Appends every record of the join bucket to $BONES_TEST_RECORDS. */
static void dump_records(bones_kv *kv) {
  const char *out = getenv("BONES_TEST_RECORDS");
  if (out == NULL || *out == '\0') return;
  FILE *f = fopen(out, "a");
  struct bones_error err;
  struct bones_kv_bucket_config any = {BONES_KV_TTL_ANY, 0, 0};
  bones_kv_bucket *b = NULL;
  if (f && bones_kv_bucket_open(kv, BONES_HUB_JOINS_BUCKET, &any, &b, NULL, &err) == BONES_OK) {
    bones_kv_list(b, NULL, append_record, f, &err);
    bones_kv_bucket_close(b);
  }
  if (f) fclose(f);
}

/* A hub process: serves the join bucket for up to 5 s, until it answered
 * one request.  Exits 0 once it answered, 1 otherwise. */
static pid_t start_hub(void) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid > 0) return pid;
  bones_kv *kv = NULL;
  struct bones_error err;
  if (bones_kv_open(db_url, NULL, &kv, &err) != BONES_OK) _exit(2);
  int64_t end = bones_monotonic_ms() + 5000;
  int answered = 0, seen = 0;
  while (!answered && bones_monotonic_ms() < end) {
    struct bones_kv_bucket_config cfg = {BONES_HUB_JOINS_TTL_MS, 0, BONES_KV_BUCKET_CREATE};
    bones_kv_bucket *b = NULL;
    int pending = 0;
    if (bones_kv_bucket_open(kv, BONES_HUB_JOINS_BUCKET, &cfg, &b, NULL, &err) == BONES_OK) {
      struct bones_kv_value v = {0};
      /* the request as the joiner stored it, before answering */
      struct bones_error e;
      pending = bones_kv_get(b, "s1", &v, &e) == BONES_OK;
      bones_kv_value_free(&v);
      bones_kv_bucket_close(b);
    }
    if (pending && !seen) dump_records(kv); /* the request, once, before any answer */
    seen |= pending;
    int n = seen ? bones_hub_join_serve(tmpdir, kv, &fake, NULL, hub_file, &err) : 0;
    if (n > 0) {
      answered = 1;
      dump_records(kv);
    }
    struct timespec ts = {0, 10000000L};
    nanosleep(&ts, NULL);
  }
  bones_kv_close(kv);
  _exit(answered ? 0 : 1);
}

static int hub_exit(pid_t pid) {
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return bones_xstrdup("");
  char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return bones_xstrdup(buf);
}

static void the_hub_answers(void **state) {
  (void)state;
  struct bones_error err;
  pid_t hub = start_hub(); /* before opening: the child must not inherit the connection */
  bones_kv *kv = open_kv();
  char identity[BONES_REPO_ID_MAX];
  int rc = bones_hub_join_ask(kv, "s1", "slot-s1", "pw-Secret-1", 5000, identity, &err);
  if (rc != BONES_OK) fail_msg("ask: %d %s", rc, err.message);
  assert_string_equal(identity, "0123456789abcdef0123456789abcdef01234567");
  assert_int_equal(hub_exit(hub), 0);
  char *users = read_all(hub_file);
  assert_string_equal(users, "slot-s1 pw-Secret-1\n"); /* the joiner's password, once */
  free(users);
  /* nothing stays in the bucket */
  struct bones_kv_bucket_config any = {BONES_KV_TTL_ANY, 0, 0};
  bones_kv_bucket *b = NULL;
  assert_int_equal(bones_kv_bucket_open(kv, BONES_HUB_JOINS_BUCKET, &any, &b, NULL, &err), BONES_OK);
  struct bones_kv_value v = {0};
  assert_int_equal(bones_kv_get(b, "s1", &v, &err), BONES_E_NOTFOUND);
  bones_kv_bucket_close(b);
  char *log_path = bones_xasprintf("%s/.bones/hub.log", tmpdir);
  char *log = read_all(log_path);
  assert_non_null(strstr(log, "added a slot's user for another host"));
  assert_null(strstr(log, "pw-Secret-1"));
  free(log);
  free(log_path);
  bones_kv_close(kv);
}

/* Asks for slot with user; the hub answers; returns the result code. */
static int ask_served(const char *slot, const char *user, struct bones_error *err) {
  pid_t hub = fork();
  assert_true(hub >= 0);
  if (hub == 0) { /* serves until the request is answered */
    bones_kv *hkv = NULL;
    struct bones_error e;
    if (bones_kv_open(db_url, NULL, &hkv, &e) != BONES_OK) _exit(2);
    int64_t end = bones_monotonic_ms() + 5000;
    while (bones_monotonic_ms() < end && bones_hub_join_serve(tmpdir, hkv, &fake, NULL, hub_file, &e) < 1) {
      struct timespec ts = {0, 10000000L};
      nanosleep(&ts, NULL);
    }
    bones_kv_close(hkv);
    _exit(0);
  }
  bones_kv *kv = open_kv();
  char identity[BONES_REPO_ID_MAX];
  int rc = bones_hub_join_ask(kv, slot, user, "pw-2", 5000, identity, err);
  hub_exit(hub);
  bones_kv_close(kv);
  return rc;
}

static void the_hub_refuses(void **state) {
  (void)state;
  struct bones_error err;
  assert_int_equal(ask_served("s2", "admin", &err), BONES_E_REFUSED);
  assert_non_null(strstr(err.message, "not the slot's"));
  /* a slot with a live session keeps its password */
  bones_kv *kv = open_kv();
  bones_kv_bucket *sessions = NULL;
  assert_int_equal(bones_sessions_bucket(kv, &sessions, &err), BONES_OK);
  const char *rec = "{\"schema\":\"bones.session/v1\",\"slot\":\"s3\",\"task_id\":\"t-1\",\"host\":\"elsewhere\"}";
  uint64_t rev = 0;
  assert_int_equal(bones_kv_create(sessions, "s3", rec, strlen(rec), &rev, &err), BONES_OK);
  bones_kv_close(kv);
  assert_int_equal(ask_served("s3", "slot-s3", &err), BONES_E_REFUSED);
  assert_non_null(strstr(err.message, "live session"));
  char *users = read_all(hub_file);
  assert_null(strstr(users, "admin"));
  assert_null(strstr(users, "slot-s3"));
  free(users);
}

static void no_hub_is_unavailable(void **state) {
  (void)state;
  struct bones_error err;
  bones_kv *kv = open_kv();
  char identity[BONES_REPO_ID_MAX];
  int64_t t0 = bones_monotonic_ms();
  assert_int_equal(bones_hub_join_ask(kv, "s4", "slot-s4", "pw-4", 1000, identity, &err), BONES_E_UNAVAILABLE);
  int64_t took = bones_monotonic_ms() - t0;
  assert_true(took >= 1000 && took < 4000);
  assert_non_null(strstr(err.message, "no hub answered"));
  struct bones_kv_bucket_config any = {BONES_KV_TTL_ANY, 0, 0};
  bones_kv_bucket *b = NULL;
  assert_int_equal(bones_kv_bucket_open(kv, BONES_HUB_JOINS_BUCKET, &any, &b, NULL, &err), BONES_OK);
  struct bones_kv_value v = {0};
  assert_int_equal(bones_kv_get(b, "s4", &v, &err), BONES_E_NOTFOUND); /* withdrawn with its password */
  bones_kv_bucket_close(b);
  bones_kv_close(kv);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_hub_answers),
      cmocka_unit_test(the_hub_refuses),
      cmocka_unit_test(no_hub_is_unavailable),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
