/* test_pid_record.c: unit tests of the pid records of core/proc.c (issue
 * 10, item 1): a pid is signalled only when its start time and command
 * line still match; and of core/proc_lineage.c: what a process started
 * carries its mark, found while it runs. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmocka_all.h"
#include "proc.h"

static void records_parse(void **state) {
  (void)state;
  struct bones_pid_record r;
  assert_true(bones_pid_record_parse("123 456\n", &r));
  assert_int_equal(r.pid, 123);
  assert_true(r.start == 456);
  assert_true(bones_pid_record_parse("77\n", &r)); /* an old file: start unknown */
  assert_int_equal(r.pid, 77);
  assert_true(r.start == 0);
  const char *bad[] = {"", "x", "-1", "0 5", "123 ", "123 45x", "123 -4", " 123", "99999999999", "1 2 3", NULL};
  for (int i = 0; bad[i]; i++) assert_false(bones_pid_record_parse(bad[i], &r));
}

static void start_time_survives_odd_names(void **state) {
  (void)state;
  unsigned long long before = bones_pid_start_time(getpid());
  assert_true(before > 0);
  char old[17] = "";
  prctl(PR_GET_NAME, old, 0, 0, 0);
  prctl(PR_SET_NAME, "a) b (c ) d", 0, 0, 0); /* ')' and spaces in field 2 */
  assert_true(bones_pid_start_time(getpid()) == before);
  prctl(PR_SET_NAME, old, 0, 0, 0);
  assert_true(bones_pid_start_time(0) == 0);
}

static void check_needs_start_time_and_command_line(void **state) {
  (void)state;
  struct bones_pid_record me = bones_pid_record_of(getpid());
  assert_int_equal(bones_pid_check(&me, NULL), BONES_PID_OURS);
  assert_int_equal(bones_pid_check(&me, "test_pid_record"), BONES_PID_OURS);
  assert_int_equal(bones_pid_check(&me, "hub start"), BONES_PID_STALE);
  struct bones_pid_record other = {me.pid, me.start + 1};
  assert_int_equal(bones_pid_check(&other, NULL), BONES_PID_STALE);
  struct bones_pid_record old = {me.pid, 0};
  assert_int_equal(bones_pid_check(&old, NULL), BONES_PID_STALE);
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, NULL, 0);
  struct bones_pid_record dead = {child, 1};
  assert_int_equal(bones_pid_check(&dead, NULL), BONES_PID_GONE);
  assert_string_equal(bones_pid_state_name(BONES_PID_STALE), "stale");
}

static void only_our_own_process_is_signalled(void **state) {
  (void)state;
  pid_t child = fork();
  if (child == 0) {
    setpgid(0, 0);
    pause();
    _exit(0);
  }
  struct timespec ts = {0, 50000000L};
  nanosleep(&ts, NULL);
  struct bones_pid_record rec = bones_pid_record_of(child);
  assert_true(rec.start > 0);
  struct bones_pid_record wrong = {child, rec.start + 1};
  int stopped = -1;
  assert_int_equal(bones_terminate_recorded(&wrong, NULL, 1, 100, &stopped), BONES_PID_STALE);
  assert_int_equal(stopped, 0);
  assert_int_equal(waitpid(child, NULL, WNOHANG), 0); /* still running */
  assert_int_equal(bones_terminate_recorded(&rec, "no-such-program", 1, 100, &stopped), BONES_PID_STALE);
  assert_int_equal(waitpid(child, NULL, WNOHANG), 0);
  assert_int_equal(bones_terminate_recorded(&rec, NULL, 1, 2000, &stopped), BONES_PID_OURS);
  assert_int_equal(stopped, 1);
  waitpid(child, NULL, 0);
  /* a process that is no group leader (through a pidfd where there is one) */
  child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  nanosleep(&ts, NULL);
  rec = bones_pid_record_of(child);
  wrong.pid = child, wrong.start = rec.start + 1;
  assert_int_equal(bones_terminate_recorded(&wrong, NULL, 0, 100, &stopped), BONES_PID_STALE);
  assert_int_equal(waitpid(child, NULL, WNOHANG), 0);
  assert_int_equal(bones_terminate_recorded(&rec, NULL, 0, 2000, &stopped), BONES_PID_OURS);
  assert_int_equal(stopped, 1);
  assert_int_equal(bones_terminate_recorded(&rec, NULL, 0, 100, &stopped), BONES_PID_GONE); /* reaped */
  assert_int_equal(stopped, 1);
}

static void records_round_trip_privately(void **state) {
  (void)state;
  char dir[] = "/tmp/bones-pid-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[64];
  snprintf(path, sizeof path, "%s/x.pid", dir);
  struct bones_error err;
  struct bones_pid_record w = bones_pid_record_of(getpid()), r;
  assert_int_equal(bones_pid_record_write(path, &w, &err), BONES_OK);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(bones_pid_record_read(path, &r, &err), BONES_OK);
  assert_int_equal(r.pid, w.pid);
  assert_true(r.start == w.start);
  pid_t pid = 0;
  assert_int_equal(bones_pidfile_read(path, &pid, &err), BONES_OK); /* the plain reader takes records too */
  assert_int_equal(pid, getpid());
  unlink(path);
  assert_int_equal(bones_pid_record_read(path, &r, &err), BONES_E_NOTFOUND);
  rmdir(dir);
}

/* bones_run marks what it runs with BONES_SPAWNED_BY=PID-START of the
 * caller (proc_lineage.c). */
static void programs_run_carry_their_runner(void **state) {
  (void)state;
  const char *argv[] = {"sh", "-c", "printf %s \"$BONES_SPAWNED_BY\"", NULL};
  struct bones_run_result res;
  struct bones_error err;
  assert_int_equal(bones_run(argv, NULL, NULL, 5000, &res, &err), BONES_OK);
  char want[64];
  snprintf(want, sizeof want, "%ld-%llu", (long)getpid(), bones_pid_start_time(getpid()));
  assert_string_equal(res.out, want);
  bones_run_result_free(&res);
}

/* A process carrying a record's mark counts as something it started,
 * until it ends; a record nobody carries has none. */
static void descendants_are_found_by_their_mark(void **state) {
  (void)state;
  struct bones_pid_record gone = {4190001, 42}; /* a made-up dead runner */
  assert_false(bones_pid_descendants_alive(&gone));
  pid_t kid = fork();
  assert_true(kid >= 0);
  if (kid == 0) {
    char mark[64];
    assert_true(bones_spawned_by_value(&gone, mark, sizeof mark));
    putenv(mark);
    execlp("sleep", "sleep", "30", (char *)NULL);
    _exit(127);
  }
  int seen = 0;
  for (int i = 0; i < 200 && !seen; i++) { /* its environment shows once it ran exec */
    seen = bones_pid_descendants_alive(&gone);
    if (!seen) nanosleep(&(struct timespec){0, 10000000L}, NULL);
  }
  assert_true(seen);
  struct bones_pid_record other = {4190001, 43}; /* same pid, another start: not its mark */
  assert_false(bones_pid_descendants_alive(&other));
  kill(kid, SIGKILL);
  waitpid(kid, NULL, 0);
  assert_false(bones_pid_descendants_alive(&gone));
}

static void scope_names_boot_and_pid_namespace(void **state) {
  (void)state;
  char scope[128], again[128];
  assert_true(bones_pid_scope(scope, sizeof scope));
  assert_non_null(strstr(scope, "/pid:["));
  assert_true(strlen(scope) > 36 + 6);
  assert_true(bones_pid_scope(again, sizeof again));
  assert_string_equal(scope, again);
  char tiny[8];
  assert_false(bones_pid_scope(tiny, sizeof tiny)); /* does not fit: "" */
  assert_string_equal(tiny, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(records_parse),
      cmocka_unit_test(start_time_survives_odd_names),
      cmocka_unit_test(check_needs_start_time_and_command_line),
      cmocka_unit_test(only_our_own_process_is_signalled),
      cmocka_unit_test(records_round_trip_privately),
      cmocka_unit_test(programs_run_carry_their_runner),
      cmocka_unit_test(descendants_are_found_by_their_mark),
      cmocka_unit_test(scope_names_boot_and_pid_namespace),
  };
  return cmocka_run_group_tests_name("pid_record", tests, NULL, NULL);
}
