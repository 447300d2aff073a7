/* registry.c: the per-user workspace registry (registry.h). */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "proc.h"
#include "registry.h"
#include "url.h"
#include "util.h"
#include "workspace.h"

char *bones_registry_dir(void) {
  const char *home = getenv("BONES_HOME");
  if (home && *home) return bones_xasprintf("%s/workspaces", home);
  const char *h = getenv("HOME");
  return bones_xasprintf("%s/.bones/workspaces", h && *h ? h : "/tmp");
}

/* FNV-1a 64 of the path, as 16 hex digits. */
void bones_registry_id(const char *cwd, char buf[17]) {
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char *p = (const unsigned char *)cwd; *p; p++) {
    h ^= *p;
    h *= 1099511628211ULL;
  }
  snprintf(buf, 17, "%016llx", (unsigned long long)h);
}

static char *entry_path(const char *cwd) {
  char id[17];
  bones_registry_id(cwd, id);
  char *dir = bones_registry_dir();
  char *p = bones_xasprintf("%s/%s.json", dir, id);
  free(dir);
  return p;
}

int bones_registry_write(const struct bones_registry_entry *e, struct bones_error *err) {
  char *dir = bones_registry_dir();
  int rc = bones_mkdir_p(dir, 0700, err);
  free(dir);
  if (rc != BONES_OK) return rc;
  /* the registry is for showing: it never holds a password */
  char *hub_url = bones_url_redact(e->hub_url ? e->hub_url : "");
  char *kv_url = bones_url_redact(e->kv_url ? e->kv_url : "");
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:I}", "cwd", e->cwd, "name", e->name ? e->name : "", "hub_url",
                        hub_url, "kv_url", kv_url, "hub_pid", (int)e->hub_pid, "started_at",
                        e->started_at ? e->started_at : "", "hub_pid_start",
                        (json_int_t)(e->hub_pid_start <= (unsigned long long)INT64_MAX ? e->hub_pid_start : 0));
  free(hub_url);
  free(kv_url);
  char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
  json_decref(o);
  if (text == NULL) /* a field that is not UTF-8 */
    return bones_error_set(err, BONES_E_USAGE, "cannot register %s: a path or URL is not valid UTF-8", e->cwd);
  char *path = entry_path(e->cwd);
  rc = bones_write_file_atomic(path, text, strlen(text), 0600, err);
  free(path);
  free(text);
  return rc;
}

static char *dup_field(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return bones_xstrdup(s ? s : "");
}

static int parse_entry(const char *path, struct bones_registry_entry *e, struct bones_error *err) {
  memset(e, 0, sizeof *e);
  json_error_t jerr;
  json_t *o = json_load_file(path, 0, &jerr);
  if (o == NULL || !json_is_object(o) || !json_is_string(json_object_get(o, "cwd"))) {
    json_decref(o);
    return bones_error_set(err, BONES_E_CORRUPT, "registry entry %s is corrupt", path);
  }
  e->cwd = dup_field(o, "cwd");
  e->name = dup_field(o, "name");
  e->hub_url = bones_url_redact(json_string_value(json_object_get(o, "hub_url")));
  e->kv_url = bones_url_redact(json_string_value(json_object_get(o, "kv_url")));
  if (e->hub_url == NULL) e->hub_url = bones_xstrdup("");
  if (e->kv_url == NULL) e->kv_url = bones_xstrdup(""); /* entries older than redaction too */
  e->started_at = dup_field(o, "started_at");
  e->hub_pid = (pid_t)json_integer_value(json_object_get(o, "hub_pid"));
  json_int_t start = json_integer_value(json_object_get(o, "hub_pid_start"));
  e->hub_pid_start = start > 0 ? (unsigned long long)start : 0;
  json_decref(o);
  return BONES_OK;
}

int bones_registry_read(const char *cwd, struct bones_registry_entry *e, struct bones_error *err) {
  char *path = entry_path(cwd);
  int rc = BONES_OK;
  if (!bones_path_exists(path)) rc = bones_error_set(err, BONES_E_NOTFOUND, "no registry entry for %s", cwd);
  else rc = parse_entry(path, e, err);
  free(path);
  return rc;
}

/* 1 when the registry file path (ours, regular) records cwd. */
static int records_cwd(const char *path, const char *cwd) {
  struct stat st;
  if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid()) return 0;
  struct bones_registry_entry e;
  struct bones_error perr;
  if (parse_entry(path, &e, &perr) != BONES_OK) return 0;
  int same = strcmp(e.cwd, cwd) == 0;
  bones_registry_entry_clear(&e);
  return same;
}

int bones_registry_remove(const char *cwd, struct bones_error *err) {
  char *path = entry_path(cwd);
  int rc = BONES_OK;
  if (unlink(path) != 0 && errno != ENOENT)
    rc = bones_error_set(err, BONES_E_INTERNAL, "cannot remove %s: %s", path, strerror(errno));
  free(path);
  /* and any other file that records cwd (renamed or copied by hand; the
   * listing shows those too, so "removed" must hold for them) */
  char *dir = bones_registry_dir();
  DIR *d = opendir(dir);
  struct dirent *de;
  while (rc == BONES_OK && d && (de = readdir(d)) != NULL) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
    char *other = bones_xasprintf("%s/%s", dir, de->d_name);
    if (records_cwd(other, cwd) && unlink(other) != 0 && errno != ENOENT)
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot remove %s: %s", other, strerror(errno));
    free(other);
  }
  if (d) closedir(d);
  free(dir);
  return rc;
}

void bones_registry_entry_clear(struct bones_registry_entry *e) {
  if (e == NULL) return;
  free(e->cwd);
  free(e->name);
  free(e->hub_url);
  free(e->kv_url);
  free(e->started_at);
  memset(e, 0, sizeof *e);
}

void bones_registry_entries_free(struct bones_registry_entry *entries, size_t n) {
  for (size_t i = 0; i < n; i++) bones_registry_entry_clear(&entries[i]);
  free(entries);
}

static int workspace_present(const char *cwd) {
  char *cfg = bones_xasprintf("%s/" BONES_DIR "/config.json", cwd);
  int ok = bones_path_is_file(cfg);
  free(cfg);
  return ok;
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const struct bones_registry_entry *)a)->cwd, ((const struct bones_registry_entry *)b)->cwd);
}

int bones_registry_list(struct bones_registry_entry **entries, size_t *n, size_t *skipped, struct bones_error *err) {
  *entries = NULL;
  *n = 0;
  if (skipped) *skipped = 0;
  char *dir = bones_registry_dir();
  DIR *d = opendir(dir);
  if (d == NULL) {
    int e = errno;
    free(dir);
    if (e == ENOENT) return BONES_OK;
    return bones_error_set(err, BONES_E_INTERNAL, "cannot read the registry: %s", strerror(e));
  }
  size_t cap = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
    char *path = bones_xasprintf("%s/%s", dir, de->d_name);
    struct stat st;
    struct bones_registry_entry e;
    struct bones_error perr;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid() ||
        parse_entry(path, &e, &perr) != BONES_OK) {
      if (skipped) (*skipped)++;
      free(path);
      continue;
    }
    if (bones_registry_hub_state(&e) == BONES_PID_GONE && !workspace_present(e.cwd)) { /* prune on read */
      unlink(path);
      bones_registry_entry_clear(&e);
      free(path);
      continue;
    }
    free(path);
    if (*n == cap) {
      cap = cap ? cap * 2 : 8;
      *entries = bones_xrealloc(*entries, cap * sizeof **entries);
    }
    (*entries)[(*n)++] = e;
  }
  closedir(d);
  free(dir);
  if (*n) qsort(*entries, *n, sizeof **entries, cmp_entry);
  return BONES_OK;
}

int bones_http_answers(const char *url, int timeout_ms) {
  int port = 0;
  char host[16] = "";
  struct in_addr ia;
  if (url == NULL || sscanf(url, "http://%15[0-9.]:%d", host, &port) != 2 || port <= 0 || port > 65535 ||
      inet_pton(AF_INET, host, &ia) != 1)
    return 0;
  if (ia.s_addr == htonl(INADDR_ANY)) ia.s_addr = htonl(INADDR_LOOPBACK); /* "every interface" answers there */
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return 0;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = ia};
  int ok = 0;
  int64_t deadline = bones_monotonic_ms() + timeout_ms;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) goto out;
  struct pollfd p = {fd, POLLOUT, 0};
  if (poll(&p, 1, timeout_ms) != 1 || (p.revents & (POLLERR | POLLHUP))) goto out;
  static const char req[] = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) goto out;
  char buf[16];
  size_t got = 0;
  while (got < 5) {
    int left = (int)(deadline - bones_monotonic_ms());
    if (left <= 0) break;
    p.events = POLLIN;
    if (poll(&p, 1, left) != 1) break;
    ssize_t r = read(fd, buf + got, sizeof buf - got);
    if (r <= 0) break;
    got += (size_t)r;
  }
  ok = got >= 5 && memcmp(buf, "HTTP/", 5) == 0;
out:
  close(fd);
  return ok;
}

int bones_registry_alive(const struct bones_registry_entry *e) {
  return bones_registry_hub_state(e) == BONES_PID_OURS && bones_http_answers(e->hub_url, 500);
}

int bones_registry_orphan(const struct bones_registry_entry *e) {
  return bones_registry_hub_state(e) == BONES_PID_OURS && !workspace_present(e->cwd);
}

struct bones_pid_record bones_registry_hub_record(const struct bones_registry_entry *e) {
  struct bones_pid_record r = {e->hub_pid, e->hub_pid_start};
  return r;
}

enum bones_pid_state bones_registry_hub_state(const struct bones_registry_entry *e) {
  struct bones_pid_record r = bones_registry_hub_record(e);
  return bones_pid_check(&r, "hub start");
}
