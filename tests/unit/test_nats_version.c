/* test_nats_version.c: kv-nats' reading of a server's version
 * (backends/kv-nats/nats_version.c): which versions may hold a replicated
 * bucket, and the INFO line read from a fake server on loopback. */
#include "config.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmocka_all.h"
#include "nats_kv.h"

static void versions(void **state) {
  (void)state;
  assert_int_equal(kvn_version_safe("2.9.10"), 0); /* Debian 12 */
  assert_int_equal(kvn_version_safe("2.9.20"), 0);
  assert_int_equal(kvn_version_safe("2.9.21"), 1); /* the fix (PR 4319) */
  assert_int_equal(kvn_version_safe("2.9.25"), 1);
  assert_int_equal(kvn_version_safe("2.10.0"), 1);
  assert_int_equal(kvn_version_safe("2.10.7-beta.1"), 1);
  assert_int_equal(kvn_version_safe("3.0.0"), 1);
  assert_int_equal(kvn_version_safe("2.8.4"), 0);
  assert_int_equal(kvn_version_safe("1.99.99"), 0);
  assert_int_equal(kvn_version_safe("2.9"), 0); /* unreadable: not safe */
  assert_int_equal(kvn_version_safe(""), 0);
  assert_int_equal(kvn_version_safe("v2.10.0"), 0);
  assert_int_equal(kvn_version_safe(NULL), 0);
}

/* A one-shot server on 127.0.0.1 that sends line to its first client;
 * *port gets its port, the return value its pid. */
static pid_t fake_server(const char *line, int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(fd, 1), 0);
  socklen_t len = sizeof a;
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  *port = ntohs(a.sin_port);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int c = accept(fd, NULL, NULL);
    if (c >= 0 && line) (void)!write(c, line, strlen(line));
    sleep(2); /* hold the connection: the reader must not need it closed */
    _exit(0);
  }
  close(fd);
  return pid;
}

static void reap(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

static void info_line(void **state) {
  (void)state;
  int port = 0;
  pid_t pid = fake_server("INFO {\"server_id\":\"X\",\"version\":\"2.10.7\",\"connect_urls\":[\"10.0.0.2:4222\","
                          "\"10.0.0.3:4222\"]}\r\n",
                          &port);
  char url[64];
  snprintf(url, sizeof url, "nats://127.0.0.1:%d", port);
  char **peers = NULL;
  size_t n = 0;
  char *v = kvn_info_version(url, 2000, &peers, &n);
  reap(pid);
  assert_non_null(v);
  assert_string_equal(v, "2.10.7");
  assert_int_equal(n, 2);
  assert_string_equal(peers[0], "10.0.0.2:4222");
  assert_string_equal(peers[1], "10.0.0.3:4222");
  free(v);
  for (size_t i = 0; i < n; i++) free(peers[i]);
  free(peers);
}

static void no_info(void **state) {
  (void)state;
  int port = 0;
  char url[64];
  /* something that is not a nats-server: no version, at once */
  pid_t pid = fake_server("HTTP/1.0 400 Bad Request\r\n\r\n", &port);
  snprintf(url, sizeof url, "127.0.0.1:%d", port);
  assert_null(kvn_info_version(url, 2000, NULL, NULL));
  reap(pid);
  /* a server that says nothing: NULL once the timeout ran out */
  pid = fake_server(NULL, &port);
  snprintf(url, sizeof url, "nats://127.0.0.1:%d", port);
  assert_null(kvn_info_version(url, 300, NULL, NULL));
  reap(pid);
  /* INFO without a version: "" (an unreadable version is not safe) */
  pid = fake_server("INFO {\"server_id\":\"Y\"}\r\n", &port);
  snprintf(url, sizeof url, "nats://127.0.0.1:%d", port);
  char *v = kvn_info_version(url, 2000, NULL, NULL);
  reap(pid);
  assert_non_null(v);
  assert_string_equal(v, "");
  assert_int_equal(kvn_version_safe(v), 0);
  free(v);
  /* nothing listening */
  assert_null(kvn_info_version("nats://127.0.0.1:1", 500, NULL, NULL));
  assert_null(kvn_info_version("nats://[::1", 500, NULL, NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(versions),
      cmocka_unit_test(info_line),
      cmocka_unit_test(no_info),
  };
  return cmocka_run_group_tests_name("nats-version", tests, NULL, NULL);
}
