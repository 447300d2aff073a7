/* workspace.c: workspace discovery and substrate choice (workspace.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ids.h"
#include "proc.h"
#include "registry.h"
#include "durability.h"
#include "substrate.h"
#include "url.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

/* The top of the git work tree enclosing dir (absolute, physical), as
 * `git rev-parse --show-toplevel` finds it without $GIT_DIR: the nearest
 * directory, dir or above, holding a .git entry (the directory of a
 * repository, or the file of a worktree or submodule).  Done here rather
 * than by running git, which every bones command would pay for.  dir is
 * truncated in place; returns dir, or NULL when no .git is found. */
static char *git_top_of(char *dir) {
  for (;;) {
    char *git = bones_xasprintf("%s%s.git", dir, strcmp(dir, "/") == 0 ? "" : "/");
    struct stat st;
    int found = lstat(git, &st) == 0;
    free(git);
    if (found) return dir;
    char *slash = strrchr(dir, '/');
    if (slash == NULL || strcmp(dir, "/") == 0) return NULL;
    if (slash == dir) slash[1] = '\0';
    else *slash = '\0';
  }
}

int bones_workspace_find(const char *start, char **root, struct bones_error *err) {
  *root = NULL;
  char *dir = start ? realpath(start, NULL) : getcwd(NULL, 0);
  if (dir == NULL)
    return bones_error_set(err, BONES_E_USAGE, "cannot resolve %s: %s", start ? start : ".", strerror(errno));
  /* only the top of the enclosing git work tree: never an ancestor of it,
   * never the parent of a nested repository */
  char *top = git_top_of(dir);
  if (top == NULL) { /* not in a git work tree: no workspace */
    free(dir);
    return BONES_OK;
  }
  char *cfg = bones_ws_path(top, "config.json");
  struct stat st;
  int present = lstat(cfg, &st) == 0;
  free(cfg);
  if (!present) {
    free(top);
    return BONES_OK;
  }
  int rc = bones_workspace_trust(top, err);
  if (rc != BONES_OK) {
    free(top);
    return rc;
  }
  *root = top;
  return BONES_OK;
}

/* The non-empty string member key of root's config.json (malloc'd), or
 * NULL. */
static char *config_string(const char *root, const char *key) {
  char *path = bones_xasprintf("%s/" BONES_DIR "/config.json", root);
  json_error_t jerr;
  json_t *cfg = json_load_file(path, 0, &jerr);
  free(path);
  if (cfg == NULL) return NULL;
  const char *s = json_string_value(json_object_get(cfg, key));
  char *out = s && *s ? bones_xstrdup(s) : NULL;
  json_decref(cfg);
  return out;
}

char *bones_workspace_config_substrate(const char *root) { return config_string(root, "substrate"); }

char *bones_workspace_remote_hub(const char *root) {
  char *hub = config_string(root, "hub");
  struct bones_error e;
  if (hub && bones_hub_url_check(hub, &e) != BONES_OK) { /* never printed as it is; still another host's */
    free(hub);
    hub = bones_xstrdup("(an invalid hub URL in .bones/config.json)");
  }
  return hub;
}

int bones_workspace_refuse_remote(const char *root, const char *what, struct bones_error *err) {
  char *hub = bones_workspace_remote_hub(root);
  if (hub == NULL) return BONES_OK;
  bones_error_set(err, BONES_E_REFUSED, "this workspace uses the hub at %s on another host (bones up --hub)", hub);
  bones_error_hint(err, "run %s on the hub's host, in the workspace that runs the hub", what);
  free(hub);
  return BONES_E_REFUSED;
}

int bones_hub_url_check(const char *url, struct bones_error *err) {
  const char *why = NULL;
  if (url == NULL || strncmp(url, "http://", 7) != 0) why = "it must start with http://";
  const char *host = url ? url + 7 : "";
  size_t hlen = strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
  if (!why && hlen == 0) why = "it names no host";
  if (!why && hlen > 253) why = "its host name is too long";
  if (!why && host[hlen] != ':') why = host[hlen] == '@' ? "it must not hold a user or password" : "it names no port";
  char *end = NULL;
  long port = why ? 0 : strtol(host + hlen + 1, &end, 10);
  if (!why && (end == host + hlen + 1 || port < 1 || port > 65535)) why = "its port is not 1-65535";
  if (!why && !(*end == '\0' || (end[0] == '/' && end[1] == '\0'))) why = "only http://HOST:PORT is allowed";
  if (why == NULL) return BONES_OK;
  bones_error_set(err, BONES_E_USAGE, "--hub: not a hub URL (%s)", why);
  return bones_error_hint(err, "give the URL the hub's host prints in .bones/hub-repo-url, e.g. http://10.0.0.1:8080");
}

int bones_workspace_set_remote_hub(const char *root, const char *url, struct bones_error *err) {
  int rc = bones_hub_url_check(url, err);
  if (rc != BONES_OK) return rc;
  char *hubfile = bones_ws_path(root, "hub.fossil");
  int own = bones_path_exists(hubfile);
  free(hubfile);
  if (own) {
    bones_error_set(err, BONES_E_REFUSED, "this workspace has its own hub repository (.bones/hub.fossil)");
    return bones_error_hint(err, "use --hub in a workspace on another host, one that never ran a hub");
  }
  char *path = bones_ws_path(root, "config.json");
  json_error_t jerr;
  json_t *cfg = json_load_file(path, 0, &jerr);
  const char *sub = json_string_value(json_object_get(cfg, "substrate"));
  if (sub == NULL || strncmp(sub, "sqlite", 6) == 0 || strcmp(sub, "nats") == 0 || strcmp(sub, "redis") == 0) {
    rc = bones_error_set(err, BONES_E_USAGE, "--hub needs a substrate the hosts share, given by its URL (not %s)",
                         sub ? sub : "sqlite");
    bones_error_hint(err, "use the hub's substrate: `bones up --hub %s --substrate nats://HOST:PORT` (or redis://)",
                     url);
  }
  char *text = NULL;
  if (rc == BONES_OK) {
    json_object_set_new(cfg, "hub", json_string(url));
    text = json_dumps(cfg, JSON_INDENT(2));
    if (text == NULL) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot encode %s", path);
  }
  if (rc == BONES_OK) rc = bones_write_file_atomic(path, text, strlen(text), 0600, err);
  size_t n = strlen(url);
  if (rc == BONES_OK) {
    char *line = bones_xasprintf("%.*s\n", (int)(url[n - 1] == '/' ? n - 1 : n), url);
    char *urlfile = bones_ws_path(root, "hub-repo-url");
    rc = bones_write_file_atomic(urlfile, line, strlen(line), 0600, err);
    free(urlfile);
    free(line);
  }
  free(text);
  json_decref(cfg);
  free(path);
  return rc;
}

int bones_substrate_resolve(const char *spec, const char *root, char **url, struct bones_error *err) {
  *url = NULL;
  if (spec == NULL || *spec == '\0')
    return bones_error_set(err, BONES_E_USAGE, "empty substrate");
  if (strncmp(spec, "sqlite:", 7) == 0 && root && strchr(spec, '?') == NULL) { /* the workspace's durability */
    *url = bones_xasprintf("%s%s", spec, bones_durability_sqlite_query(bones_workspace_durability(root)));
    return BONES_OK;
  }
  if (strchr(spec, ':')) {
    *url = bones_xstrdup(spec);
    return BONES_OK;
  }
  if (strcmp(spec, "sqlite") == 0) {
    if (root == NULL) {
      bones_error_set(err, BONES_E_NOWORKSPACE, "the sqlite substrate needs a workspace or a path");
      bones_error_hint(err, "run `bones up` in a git repository, or pass --substrate=sqlite:PATH");
      return BONES_E_NOWORKSPACE;
    }
    *url = bones_xasprintf("sqlite:%s/" BONES_DIR "/kv.sqlite%s", root,
                           bones_durability_sqlite_query(bones_workspace_durability(root)));
    return BONES_OK;
  }
  if (strcmp(spec, "nats") == 0 || strcmp(spec, "redis") == 0) {
    if (root == NULL) {
      bones_error_set(err, BONES_E_NOWORKSPACE, "a managed %s substrate needs a workspace", spec);
      bones_error_hint(err, "run `bones up --substrate=%s`, or name a server: --substrate=%s://HOST:PORT", spec, spec);
      return BONES_E_NOWORKSPACE;
    }
    char *path = bones_xasprintf("%s/" BONES_DIR "/hub-kv-url", root);
    char *data = NULL;
    struct bones_error e;
    int rc = bones_read_file(path, 4096, &data, NULL, &e);
    free(path);
    if (rc != BONES_OK) {
      bones_error_set(err, BONES_E_UNAVAILABLE, "the managed %s server of this workspace is not running", spec);
      bones_error_hint(err, "start it with `bones hub start`");
      return BONES_E_UNAVAILABLE;
    }
    data[strcspn(data, "\r\n")] = '\0';
    if (strncmp(data, spec, strlen(spec)) != 0) {
      char *shown = bones_url_redact(data);
      bones_error_set(err, BONES_E_USAGE, "workspace hub runs '%s', not a %s substrate", shown, spec);
      free(shown);
      free(data);
      return BONES_E_USAGE;
    }
    *url = data;
    return BONES_OK;
  }
  *url = bones_xstrdup(spec);
  return BONES_OK;
}

char *bones_ws_path(const char *root, const char *name) {
  return bones_xasprintf("%s/" BONES_DIR "/%s", root, name);
}

int bones_git_toplevel(const char *dir, char **top, struct bones_error *err) {
  *top = NULL;
  const char *argv[] = {"git", "rev-parse", "--show-toplevel", NULL};
  struct bones_run_result r;
  int rc = bones_run(argv, dir, NULL, 10000, &r, err);
  if (rc != BONES_OK) {
    bones_error_hint(err, "bones needs git: apt-get install git");
    return rc;
  }
  if (r.status != 0) {
    bones_run_result_free(&r);
    bones_error_set(err, BONES_E_NOWORKSPACE, "%s is not inside a git repository", dir ? dir : ".");
    bones_error_hint(err, "run `git init` and commit your files first");
    return BONES_E_NOWORKSPACE;
  }
  /* only the one newline git ends with: a path may hold others */
  if (r.out_len > 0 && r.out[r.out_len - 1] == '\n') r.out[r.out_len - 1] = '\0';
  *top = bones_xstrdup(r.out);
  bones_run_result_free(&r);
  return BONES_OK;
}

void bones_strv_free(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

int bones_git_files(const char *root, char ***files, size_t *n, struct bones_error *err) {
  *files = NULL;
  *n = 0;
  const char *argv[] = {"git", "ls-files", "-z", "--cached", NULL};
  struct bones_run_result r;
  int rc = bones_run(argv, root, NULL, 30000, &r, err);
  if (rc != BONES_OK) return rc;
  if (r.status != 0) {
    rc = bones_error_set(err, BONES_E_INTERNAL, "git ls-files failed: %s", r.err);
    bones_run_result_free(&r);
    return rc;
  }
  size_t cap = 0;
  for (size_t i = 0; i < r.out_len;) {
    size_t len = strlen(r.out + i);
    if (len && strncmp(r.out + i, BONES_DIR "/", sizeof BONES_DIR) != 0) {
      if (*n == cap) {
        cap = cap ? cap * 2 : 64;
        *files = bones_xrealloc(*files, cap * sizeof **files);
      }
      (*files)[(*n)++] = bones_xstrndup(r.out + i, len);
    }
    i += len + 1;
  }
  bones_run_result_free(&r);
  return BONES_OK;
}

char *bones_ws_read_line(const char *root, const char *name) {
  char *path = bones_ws_path(root, name);
  char *data = NULL;
  struct bones_error err;
  int rc = bones_read_file(path, 4096, &data, NULL, &err);
  free(path);
  if (rc != BONES_OK) return NULL;
  data[strcspn(data, "\r\n")] = '\0';
  if (*data == '\0') {
    free(data);
    return NULL;
  }
  return data;
}

char *bones_workspace_agent_id(const char *root) { return bones_ws_read_line(root, "agent.id"); }

void bones_up_result_clear(struct bones_up_result *res) {
  if (res == NULL) return;
  free(res->root);
  free(res->substrate);
  free(res->durability);
  free(res->agent_id);
  memset(res, 0, sizeof *res);
}

/* Appends ".bones/" to root/.gitignore unless a line already ignores it. */
static int ensure_gitignore(const char *root, int *added, struct bones_error *err) {
  *added = 0;
  char *path = bones_xasprintf("%s/.gitignore", root);
  char *data = NULL;
  size_t len = 0;
  int rc = bones_read_file(path, 16u << 20, &data, &len, err);
  if (rc == BONES_E_NOTFOUND) {
    data = bones_xstrdup("");
    len = 0;
  } else if (rc != BONES_OK) {
    free(path);
    return rc;
  }
  int present = 0;
  for (char *line = data; line && *line;) {
    char *nl = strchr(line, '\n');
    size_t l = nl ? (size_t)(nl - line) : strlen(line);
    if ((l == 7 && strncmp(line, ".bones/", 7) == 0) || (l == 6 && strncmp(line, ".bones", 6) == 0) ||
        (l == 8 && strncmp(line, "/.bones/", 8) == 0) || (l == 7 && strncmp(line, "/.bones", 7) == 0))
      present = 1;
    line = nl ? nl + 1 : NULL;
  }
  if (!present) {
    char *text = bones_xasprintf("%s%s.bones/\n", data, len && data[len - 1] != '\n' ? "\n" : "");
    struct stat st;
    unsigned mode = stat(path, &st) == 0 ? (st.st_mode & 0777) : 0644;
    rc = bones_write_file_atomic(path, text, strlen(text), mode, err);
    free(text);
    if (rc == BONES_OK) *added = 1;
  }
  free(data);
  free(path);
  return rc;
}

/* Loads path (a config.json) into *cfg (NULL when it is missing).
 * Returns NULL when it is usable, else why not (static, or in buf). */
static const char *config_load(const char *path, json_t **cfg, char *buf, size_t size) {
  *cfg = NULL;
  if (!bones_path_exists(path)) return NULL;
  json_error_t jerr;
  *cfg = json_load_file(path, 0, &jerr);
  if (*cfg == NULL) {
    /* jansson quotes the file's bytes: keep printable ASCII only */
    for (char *c = jerr.text; *c; c++)
      if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) *c = '?';
    snprintf(buf, size, "does not parse: %s (line %d)", jerr.text, jerr.line);
    return buf;
  }
  if (!json_is_object(*cfg)) return "is not a JSON object";
  json_t *s = json_object_get(*cfg, "substrate");
  if (s && !(json_is_string(s) && json_string_length(s) > 0)) return "records a substrate that is not a string";
  json_t *d = json_object_get(*cfg, "durability");
  enum bones_durability mode;
  struct bones_error e;
  if (d && !(json_is_string(d) && bones_durability_parse(json_string_value(d), &mode, &e) == BONES_OK))
    return "records a durability that is neither \"fast\" nor \"durable\"";
  json_t *h = json_object_get(*cfg, "hub");
  if (h && !(json_is_string(h) && bones_hub_url_check(json_string_value(h), &e) == BONES_OK))
    return "records a hub that is not http://HOST:PORT";
  return NULL;
}

int bones_workspace_config_check(const char *root, struct bones_error *err) {
  char *path = bones_ws_path(root, "config.json");
  json_t *cfg = NULL;
  char buf[256];
  const char *why = config_load(path, &cfg, buf, sizeof buf);
  json_decref(cfg);
  if (why) {
    bones_error_set(err, BONES_E_REFUSED, "%s %s", path, why);
    bones_error_hint(err, "fix it, or record the substrate again: `bones up --substrate=sqlite|nats|redis|URL`");
  }
  free(path);
  return why ? BONES_E_REFUSED : BONES_OK;
}

/* The config.json of root to update (a new reference): the recorded one,
 * or a fresh one when there is none.  One that does not parse, is not an
 * object or records a substrate that is not a string is replaced only
 * when substrate (the new one) is given; else BONES_E_REFUSED. */
static int load_config(const char *root, const char *substrate, const char *durability, json_t **out,
                       struct bones_error *err) {
  *out = NULL;
  char *path = bones_ws_path(root, "config.json");
  json_t *cfg = NULL;
  char buf[256];
  const char *why = config_load(path, &cfg, buf, sizeof buf);
  if (why && substrate == NULL) {
    bones_error_set(err, BONES_E_REFUSED, "%s %s; not replacing it", path, why);
    bones_error_hint(err, "fix or remove the file, or replace it: `bones up --substrate=sqlite|nats|redis|URL`");
    json_decref(cfg);
    free(path);
    return BONES_E_REFUSED;
  }
  free(path);
  if (why || cfg == NULL) {
    json_decref(cfg);
    char now[40];
    bones_format_time(bones_now_ms(), now, sizeof now);
    cfg = json_pack("{s:s, s:s, s:s}", "schema", "bones.config/v1", "created_at", now, "substrate", "sqlite");
    if (cfg == NULL) return bones_error_set(err, BONES_E_INTERNAL, "cannot build config.json");
  } else if (json_object_get(cfg, "substrate") == NULL) {
    json_object_set_new(cfg, "substrate", json_string("sqlite"));
  }
  if (substrate) {
    json_t *s = json_string(substrate);
    if (s == NULL || !bones_text_plain(substrate, "")) {
      json_decref(s);
      json_decref(cfg);
      return bones_error_set(err, BONES_E_USAGE, "the substrate is not valid UTF-8 or holds control characters");
    }
    json_object_set_new(cfg, "substrate", s);
  }
  if (durability) json_object_set_new(cfg, "durability", json_string(durability));
  else if (json_object_get(cfg, "durability") == NULL) json_object_set_new(cfg, "durability", json_string("fast"));
  *out = cfg;
  return BONES_OK;
}

int bones_workspace_up(const char *start_dir, const char *substrate, const char *durability, struct bones_up_result *res,
                       struct bones_error *err) {
  memset(res, 0, sizeof *res);
  if (substrate && (*substrate == '\0' || !bones_text_plain(substrate, "")))
    return bones_error_set(err, BONES_E_USAGE, "the substrate is empty, not valid UTF-8 or holds control characters");
  /* a backend this bones cannot load is refused before anything is made */
  int rc = substrate ? bones_substrate_check(substrate, err) : BONES_OK;
  if (rc != BONES_OK) return rc;
  char *root = NULL;
  rc = bones_git_toplevel(start_dir, &root, err);
  if (rc != BONES_OK) return rc;
  if (!bones_text_plain(root, "")) {
    free(root);
    bones_error_set(err, BONES_E_USAGE,
                    "the path of this git repository is not valid UTF-8 or holds control characters");
    bones_error_hint(err, "bones records the workspace path in JSON: rename the directory, then run `bones up`");
    return BONES_E_USAGE;
  }
  /* an existing .bones/ must be ours (never write into another's) */
  char *state = bones_xasprintf("%s/" BONES_DIR, root);
  struct stat sst;
  int exists = lstat(state, &sst) == 0;
  free(state);
  if (exists && (rc = bones_workspace_trust(root, err)) != BONES_OK) {
    free(root);
    return rc;
  }
  json_t *cfg = NULL;
  rc = load_config(root, substrate, durability, &cfg, err);
  if (rc != BONES_OK) {
    free(root);
    return rc;
  }
  /* at least one commit, and files to seed the hub from */
  const char *head_argv[] = {"git", "rev-parse", "--verify", "-q", "HEAD", NULL};
  struct bones_run_result r;
  rc = bones_run(head_argv, root, NULL, 10000, &r, err);
  int has_commit = rc == BONES_OK && r.status == 0;
  bones_run_result_free(&r);
  char **files = NULL;
  size_t nfiles = 0;
  if (has_commit) rc = bones_git_files(root, &files, &nfiles, err);
  bones_strv_free(files, nfiles);
  if (rc != BONES_OK || !has_commit || nfiles == 0) {
    free(root);
    json_decref(cfg);
    if (rc != BONES_OK && has_commit) return rc;
    bones_error_set(err, BONES_E_NOWORKSPACE, "%s", BONES_SEED_PRECONDITION);
    return BONES_E_NOWORKSPACE;
  }
  char *dir = bones_xasprintf("%s/" BONES_DIR, root);
  int created = !bones_path_is_dir(dir);
  rc = bones_mkdir_p(dir, 0700, err);
  if (rc == BONES_OK && chmod(dir, 0700) != 0)
    rc = bones_error_set(err, BONES_E_INTERNAL, "cannot chmod %s: %s", dir, strerror(errno));
  free(dir);
  if (rc != BONES_OK) {
    free(root);
    json_decref(cfg);
    return rc;
  }
  /* agent id, once */
  char *agent = bones_workspace_agent_id(root);
  if (agent == NULL) {
    char rnd[9];
    bones_random_base32(rnd, 8);
    agent = bones_xasprintf("ws-%s", rnd);
    char *path = bones_ws_path(root, "agent.id");
    char *text = bones_xasprintf("%s\n", agent);
    rc = bones_write_file_atomic(path, text, strlen(text), 0600, err);
    free(text);
    free(path);
  }
  /* config.json: keep what is there (checked by load_config), record the substrate */
  char *cfg_path = bones_ws_path(root, "config.json");
  int added = 0;
  if (rc == BONES_OK) rc = ensure_gitignore(root, &added, err);
  if (added) json_object_set_new(cfg, "gitignore_added", json_true());
  if (rc == BONES_OK) {
    char *text = json_dumps(cfg, JSON_INDENT(2));
    if (text == NULL) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot encode %s", cfg_path);
    else rc = bones_write_file_atomic(cfg_path, text, strlen(text), 0600, err);
    free(text);
  }
  res->substrate = bones_xstrdup(json_string_value(json_object_get(cfg, "substrate")));
  res->durability = bones_xstrdup(json_string_value(json_object_get(cfg, "durability")));
  json_decref(cfg);
  free(cfg_path);
  if (rc == BONES_OK) { /* registered, no hub yet (unless one runs) */
    struct bones_registry_entry e = {0};
    struct bones_error rerr;
    if (bones_registry_read(root, &e, &rerr) != BONES_OK || e.hub_pid <= 0) {
      bones_registry_entry_clear(&e);
      const char *base = strrchr(root, '/');
      char now[40];
      bones_format_time(bones_now_ms(), now, sizeof now);
      struct bones_registry_entry fresh = {root, (char *)(base ? base + 1 : root), "", "", 0, now, 0};
      rc = bones_registry_write(&fresh, err);
    } else {
      bones_registry_entry_clear(&e);
    }
  }
  if (rc != BONES_OK) {
    free(root);
    free(agent);
    bones_up_result_clear(res);
    return rc;
  }
  res->root = root;
  res->agent_id = agent;
  res->created = created;
  return BONES_OK;
}


/* BONES_E_NOWORKSPACE naming path when st says another user owns it or
 * anyone but its owner may write it. */
static int trust_path(const char *root, const char *path, const struct stat *st, struct bones_error *err) {
  uid_t me = geteuid();
  if (st->st_uid != me) {
    bones_error_set(err, BONES_E_NOWORKSPACE,
                    "refusing the workspace %s: %s is owned by uid %lu, not by you (uid %lu)", root, path,
                    (unsigned long)st->st_uid, (unsigned long)me);
    bones_error_hint(err, "if it is yours: `chown -R %lu %s/" BONES_DIR "`; if not, do not use it: remove it, "
                     "or work in a directory only you can write", (unsigned long)me, root);
    return BONES_E_NOWORKSPACE;
  }
  if (st->st_mode & 022) {
    bones_error_set(err, BONES_E_NOWORKSPACE, "refusing the workspace %s: %s is writable by %s (mode %04o)", root,
                    path, (st->st_mode & 002) ? "everyone" : "its group", (unsigned)(st->st_mode & 07777));
    bones_error_hint(err, "if nobody else changed it: `chmod 700 %s/" BONES_DIR " && chmod 600 %s/" BONES_DIR
                     "/config.json`", root, root);
    return BONES_E_NOWORKSPACE;
  }
  return BONES_OK;
}

int bones_workspace_trust(const char *root, struct bones_error *err) {
  if (!bones_text_plain(root, "")) {
    bones_error_set(err, BONES_E_USAGE, "refusing a workspace whose path is not valid UTF-8 or holds control characters");
    bones_error_hint(err, "rename the directory of the git repository");
    return BONES_E_USAGE;
  }
  char *dir = bones_xasprintf("%s/" BONES_DIR, root);
  char *cfg = bones_ws_path(root, "config.json");
  struct stat st;
  int rc = BONES_OK;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    bones_error_set(err, BONES_E_NOWORKSPACE, "refusing the workspace %s: %s is not a directory", root, dir);
    bones_error_hint(err, "remove it, then run `bones up`");
    rc = BONES_E_NOWORKSPACE;
  }
  if (rc == BONES_OK) rc = trust_path(root, dir, &st, err);
  if (rc == BONES_OK && stat(cfg, &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      bones_error_set(err, BONES_E_NOWORKSPACE, "refusing the workspace %s: %s is not a regular file", root, cfg);
      bones_error_hint(err, "remove it, then run `bones up`");
      rc = BONES_E_NOWORKSPACE;
    } else {
      rc = trust_path(root, cfg, &st, err);
    }
  }
  free(cfg);
  free(dir);
  return rc;
}
