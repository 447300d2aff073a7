/* fossil.c: running the fossil binary for repo-fossil (fossil.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fossil.h"
#include "text.h"
#include "util.h"

extern char **environ;

void rf_av(struct rf_argv *a, ...) {
  va_list ap;
  va_start(ap, a);
  for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) rf_av_list(a, &s, 1);
  va_end(ap);
}

void rf_av_list(struct rf_argv *a, const char *const *list, size_t n) {
  if (a->n + n + 1 > a->cap) {
    a->cap = (a->n + n + 1) * 2;
    a->v = bones_xrealloc(a->v, a->cap * sizeof *a->v);
  }
  for (size_t i = 0; i < n; i++) a->v[a->n++] = bones_xstrdup(list[i]);
  a->v[a->n] = NULL;
}

void rf_av_free(struct rf_argv *a) {
  for (size_t i = 0; i < a->n; i++) free(a->v[i]);
  free(a->v);
  memset(a, 0, sizeof *a);
}

/* Variables never passed to fossil: the user's config location, proxies
 * (fossil honours http_proxy when its proxy setting is empty), an editor,
 * and fossil's own knobs. */
static int env_dropped(const char *kv) {
  static const char *const drop[] = {"HOME", "FOSSIL_HOME", "XDG_CONFIG_HOME", "FOSSIL_USER", "FOSSIL_SECURITY_LEVEL",
                                     "FOSSIL_VFS", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                     "all_proxy", "ALL_PROXY", "EDITOR", "VISUAL", "SSH_ASKPASS", NULL};
  size_t n = strcspn(kv, "=");
  for (int i = 0; drop[i]; i++)
    if (strlen(drop[i]) == n && strncmp(kv, drop[i], n) == 0) return 1;
  return 0;
}

char **rf_env(const struct rf_repo *f, const char *user) {
  size_t n = 0;
  while (environ[n]) n++;
  char **env = bones_xcalloc(n + 6, sizeof *env);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!env_dropped(environ[i])) env[k++] = bones_xstrdup(environ[i]);
  env[k++] = bones_xasprintf("HOME=%s", f->state_dir);
  env[k++] = bones_xasprintf("FOSSIL_HOME=%s", f->state_dir);
  env[k++] = bones_xasprintf("XDG_CONFIG_HOME=%s/.config", f->state_dir);
  env[k++] = bones_xasprintf("FOSSIL_USER=%s", user ? user : RF_ADMIN_USER);
  env[k] = NULL;
  return env;
}

void rf_env_free(char **env) {
  for (size_t i = 0; env[i]; i++) free(env[i]);
  free(env);
}

/* Replaces every occurrence of secret in *buf by "***". */
static void redact_one(char **buf, size_t *len, const char *secret) {
  size_t sl = strlen(secret);
  if (sl == 0 || memmem(*buf, *len, secret, sl) == NULL) return;
  char *out = bones_xmalloc(*len / sl * 3 + *len + 1), *o = out;
  const char *p = *buf, *end = *buf + *len;
  for (const char *hit; (hit = memmem(p, (size_t)(end - p), secret, sl)) != NULL; p = hit + sl) {
    memcpy(o, p, (size_t)(hit - p));
    o += hit - p;
    memcpy(o, "***", 3);
    o += 3;
  }
  memcpy(o, p, (size_t)(end - p));
  o += end - p;
  *o = '\0';
  free(*buf);
  *buf = out;
  *len = (size_t)(o - out);
}

/* Redacts secret, raw and %-encoded, from both outputs of r. */
static void redact(struct rf_run_result *r, const char *secret) {
  if (secret == NULL || *secret == '\0') return;
  char *enc = bones_xmalloc(strlen(secret) * 3 + 1), *e = enc;
  for (const unsigned char *s = (const unsigned char *)secret; *s; s++) {
    if (isalnum(*s) || strchr("-._~", *s)) *e++ = (char)*s;
    else e += sprintf(e, "%%%02X", *s);
  }
  *e = '\0';
  redact_one(&r->out, &r->out_len, secret);
  redact_one(&r->err, &r->err_len, secret);
  redact_one(&r->out, &r->out_len, enc);
  redact_one(&r->err, &r->err_len, enc);
  free(enc);
}

char *rf_program(struct bones_error *err) {
  const char *name = getenv("BONES_FOSSIL");
  if (name == NULL || *name == '\0') name = "fossil";
  char *prog = rf_find_program(name);
  if (prog == NULL) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "fossil not found: no executable '%s' on PATH", name);
    bones_error_hint(err, "install it (apt-get install fossil) or set BONES_FOSSIL to its path");
  }
  return prog;
}

int rf_fossil(struct rf_repo *f, const struct rf_call *c, const struct rf_argv *args, struct rf_run_result *r,
              struct bones_error *err) {
  memset(r, 0, sizeof *r);
  char *prog = rf_program(err);
  if (prog == NULL) return BONES_E_UNAVAILABLE;
  const char **argv = bones_xcalloc(args->n + 2, sizeof *argv);
  argv[0] = "fossil";
  for (size_t i = 0; i < args->n; i++) argv[i + 1] = args->v[i];
  char **env = rf_env(f, c ? c->user : NULL);
  struct rf_run_opts o = {.cwd = c && c->cwd ? c->cwd : "/", .envp = env, .timeout_ms = f->timeout_ms,
                          .max_out = c ? c->max_out : 0, .in = c ? c->in : NULL,
                          .in_len = c && c->in ? strlen(c->in) : 0};
  int rc = rf_run(prog, argv, &o, r, err);
  if (rc == BONES_OK) redact(r, c ? c->secret : NULL);
  else bones_error_prefix(err, "fossil %s", args->n ? args->v[0] : "");
  rf_env_free(env);
  free(argv);
  free(prog);
  return rc;
}

int rf_fossil_ok(struct rf_repo *f, const struct rf_call *c, const struct rf_argv *args, struct rf_run_result *r,
                 struct bones_error *err) {
  int rc = rf_fossil(f, c, args, r, err);
  if (rc != BONES_OK) return rc;
  if (r->status != 0) {
    rc = rf_fail(err, BONES_E_INTERNAL, args->n ? args->v[0] : "", r);
    rf_run_result_free(r);
  }
  return rc;
}

/* 1 for progress lines of fossil's sync that say nothing about an error. */
static int noise(const char *line, size_t n) {
  static const char *const pre[] = {"Round-trips:", "Pull from", "Push to", "Sync with", "Pull done",
                                    "Push done", "Sync done", "Clone done", NULL};
  for (int i = 0; pre[i]; i++)
    if (n >= strlen(pre[i]) && strncmp(line, pre[i], strlen(pre[i])) == 0) return 1;
  return 0;
}

/* Appends the meaningful lines of text to out (one space between). */
static void gist(const char *text, char *out, size_t cap) {
  size_t o = strlen(out);
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, "\r\n");
    while (n && isspace((unsigned char)*p)) p++, n--;
    size_t m = n;
    while (m && isspace((unsigned char)p[m - 1])) m--;
    if (m && !noise(p, m) && o + 2 < cap) {
      o += (size_t)snprintf(out + o, cap - o, "%s%.*s", o ? "; " : "", (int)m, p);
      if (o >= cap) o = cap - 1;
    }
    p += n;
    while (*p == '\r' || *p == '\n') p++;
  }
}

int rf_fail(struct bones_error *err, int code, const char *what, const struct rf_run_result *r) {
  char detail[2048] = "";
  if (r && r->err) gist(r->err, detail, sizeof detail);
  if (r && r->out && detail[0] == '\0') gist(r->out, detail, sizeof detail);
  if (detail[0] == '\0' && r) snprintf(detail, sizeof detail, "exit status %d", r->status);
  size_t len = strlen(detail);
  const char *shown = len > 400 ? detail + len - 400 : detail; /* fossil says what matters last */
  return bones_error_set(err, code, "fossil %s: %s%s", what, len > 400 ? "..." : "", shown);
}

int rf_said(const struct rf_run_result *r, const char *needle) {
  return (r->out && strstr(r->out, needle)) || (r->err && strstr(r->err, needle));
}

int rf_sync_check(const char *what, const struct rf_run_result *r, struct bones_error *err) {
  static const char *const down[] = {"cannot connect", "unable to connect", "Connection refused", "Autosync failed",
                                     "connection failed", "unable to open socket", "cannot resolve", NULL};
  static const char *const denied[] = {"login failed", "not authorized", "incorrect password", NULL};
  for (int i = 0; down[i]; i++)
    if (rf_said(r, down[i])) {
      rf_fail(err, BONES_E_UNAVAILABLE, what, r);
      return bones_error_hint(err, "is the hub running? (bones hub start)");
    }
  for (int i = 0; denied[i]; i++)
    if (rf_said(r, denied[i])) {
      rf_fail(err, BONES_E_REFUSED, what, r);
      return bones_error_hint(err, "the hub refused this fossil user or password");
    }
  if (r->status != 0 || rf_said(r, "\nError: ") || strncmp(r->out, "Error: ", 7) == 0 ||
      rf_said(r, "server returned an error"))
    return rf_fail(err, BONES_E_INTERNAL, what, r);
  return BONES_OK;
}

char *rf_sql_quote(const char *s) {
  size_t n = 3;
  for (const char *p = s; *p; p++) n += *p == '\'' ? 2 : 1;
  char *q = bones_xmalloc(n), *o = q;
  *o++ = '\'';
  for (const char *p = s; *p; p++) {
    if (*p == '\'') *o++ = '\'';
    *o++ = *p;
  }
  *o++ = '\'';
  *o = '\0';
  return q;
}

int rf_sql_json(struct rf_repo *f, const char *repo, const char *sql, json_t **rows, struct bones_error *err) {
  return rf_sql_json_at(f, NULL, repo, sql, rows, err);
}

int rf_sql_json_at(struct rf_repo *f, const char *cwd, const char *repo, const char *sql, json_t **rows,
                   struct bones_error *err) {
  struct rf_argv a = {0};
  if (repo) {
    char *abs = rf_abs(repo); /* fossil runs in "/" */
    rf_av(&a, "sql", "-R", abs, "--readonly", ".mode json", sql, NULL);
    free(abs);
  } else {
    rf_av(&a, "sql", "--readonly", ".mode json", sql, NULL);
  }
  struct rf_run_result r;
  struct rf_call c = {.cwd = cwd, .max_out = (size_t)256 << 20};
  int rc = rf_fossil(f, &c, &a, &r, err);
  rf_av_free(&a);
  if (rc != BONES_OK) return rc;
  if (r.status != 0 || r.err_len > 0) {
    rc = rf_fail(err, BONES_E_INTERNAL, "sql", &r);
    rf_run_result_free(&r);
    return rc;
  }
  const char *p = r.out;
  while (isspace((unsigned char)*p)) p++;
  if (*p == '\0') {
    *rows = json_array();
  } else {
    json_error_t je;
    *rows = json_loads(p, 0, &je);
    if (*rows == NULL || !json_is_array(*rows)) {
      json_decref(*rows);
      *rows = NULL;
      rc = bones_error_set(err, BONES_E_INTERNAL, "fossil sql: unreadable output (%s)", je.text);
    }
  }
  rf_run_result_free(&r);
  return rc;
}

int rf_resolve(struct rf_repo *f, const char *repo, const char *rev, char id[BONES_REPO_ID_MAX],
               struct bones_error *err) {
  if (rev == NULL) rev = "trunk";
  if (*rev == '\0') return bones_error_set(err, BONES_E_USAGE, "empty check-in name");
  char *q = rf_sql_quote(rev);
  char *sql = bones_xasprintf("SELECT symbolic_name_to_rid(%s,'ci') AS rid, (SELECT uuid FROM blob WHERE "
                              "rid=symbolic_name_to_rid(%s,'ci')) AS id",
                              q, q);
  free(q);
  json_t *rows = NULL;
  int rc = rf_sql_json(f, repo, sql, &rows, err);
  free(sql);
  if (rc != BONES_OK) return rc;
  json_t *row = json_array_get(rows, 0);
  json_int_t rid = json_integer_value(json_object_get(row, "rid"));
  const char *uuid = json_string_value(json_object_get(row, "id"));
  if (rid < 0) rc = bones_error_set(err, BONES_E_USAGE, "check-in name '%s' is ambiguous", rev);
  else if (rid == 0 || uuid == NULL) rc = bones_error_set(err, BONES_E_NOTFOUND, "no check-in '%s' in %s", rev, repo);
  else if (strlen(uuid) >= BONES_REPO_ID_MAX) rc = bones_error_set(err, BONES_E_INTERNAL, "check-in id too long");
  else snprintf(id, BONES_REPO_ID_MAX, "%s", uuid);
  json_decref(rows);
  return rc;
}

int rf_need_repo(const char *repo, struct bones_error *err) {
  if (repo == NULL || *repo == '\0') return bones_error_set(err, BONES_E_USAGE, "no repository path given");
  if (!bones_path_is_file(repo)) return bones_error_set(err, BONES_E_NOTFOUND, "no repository %s", repo);
  return BONES_OK;
}

char *rf_abs(const char *path) {
  if (path[0] == '/') return bones_xstrdup(path);
  char *cwd = getcwd(NULL, 0);
  char *abs = bones_xasprintf("%s/%s", cwd ? cwd : ".", path);
  free(cwd);
  return abs;
}

int rf_path_ok(const char *rel) {
  if (rel == NULL || *rel == '\0' || *rel == '/') return 0;
  for (const char *p = rel; *p;) {
    size_t n = strcspn(p, "/");
    if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return 0;
    p += n;
    if (*p == '/') p++;
    if (*p == '\0' && p[-1] == '/') return 0;
  }
  return 1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

int rf_rmtree(const char *path) {
  if (!bones_path_exists(path)) return 0;
  return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Decodes one UTF-8 sequence at s: its length (*cp the code point), or 0
 * when it is not valid (overlong, surrogate, past U+10FFFF, cut short). */
static size_t utf8_next(const unsigned char *s, unsigned long *cp) {
  unsigned char c = s[0];
  size_t n;
  unsigned long v, min;
  if (c < 0x80) return *cp = c, 1;
  if ((c & 0xE0) == 0xC0) n = 2, v = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) n = 3, v = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) n = 4, v = c & 0x07, min = 0x10000;
  else return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

/* 1 when cp is a control character (C0, DEL, C1). */
static int is_control(unsigned long cp) { return cp < 0x20 || (cp >= 0x7F && cp < 0xA0); }

int rf_name_ok(const char *name) { return bones_text_plain(name, ""); }

int rf_text_ok(const char *text) { return bones_text_plain(text, "\t\n\r"); }

char *rf_name_escape(const char *name) {
  char *out = bones_xmalloc(strlen(name) * 4 + 1), *o = out;
  for (const unsigned char *p = (const unsigned char *)name; *p;) {
    unsigned long cp;
    size_t n = utf8_next(p, &cp);
    if (n == 0 || is_control(cp)) {
      for (size_t i = 0; i < (n ? n : 1); i++) o += sprintf(o, "\\x%02x", p[i]);
      p += n ? n : 1;
    } else if (*p == '\\') {
      *o++ = '\\', *o++ = '\\', p++;
    } else {
      memcpy(o, p, n), o += n, p += n;
    }
  }
  *o = '\0';
  return out;
}

int rf_sql_script(struct rf_repo *f, const char *repo, const char *script, const char *secret,
                  struct bones_error *err) {
  struct rf_argv a = {0};
  char *abs = rf_abs(repo); /* fossil runs in "/" */
  rf_av(&a, "sql", "-R", abs, NULL);
  free(abs);
  char *in = bones_xasprintf(".bail on\n.timeout 15000\n%s\n", script);
  struct rf_call c = {.secret = secret, .in = in};
  struct rf_run_result r;
  int rc = rf_fossil(f, &c, &a, &r, err);
  explicit_bzero(in, strlen(in));
  free(in);
  rf_av_free(&a);
  if (rc != BONES_OK) return rc;
  if (r.status != 0 || r.err_len > 0) rc = rf_fail(err, BONES_E_INTERNAL, "sql", &r);
  rf_run_result_free(&r);
  return rc;
}
