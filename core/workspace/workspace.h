/* workspace.h: finding a bones workspace and choosing its substrate. */
#ifndef BONES_WORKSPACE_H
#define BONES_WORKSPACE_H

#include <bones/error.h>

#define BONES_DIR ".bones"

/* The workspace of start (or the cwd when NULL): the top of the git work
 * tree enclosing it (the nearest directory holding a .git entry, as git
 * finds it without $GIT_DIR), when that directory's .bones/ holds a
 * config.json;
 * never an ancestor of the work tree, so a repository nested in a
 * workspace is not part of it.  *root is malloc'd (caller frees) or NULL
 * when there is none (also outside a git work tree); BONES_OK either
 * way, unless start does not resolve (BONES_E_USAGE) or the workspace
 * found is refused by bones_workspace_trust() (its error). */
int bones_workspace_find(const char *start, char **root, struct bones_error *err);

/* BONES_OK when root's .bones/ and .bones/config.json (when present) are
 * owned by the effective uid and writable by nobody else, like git's
 * safe.directory; else BONES_E_NOWORKSPACE with a hint (chown, chmod or
 * remove).  BONES_E_USAGE when root is not valid UTF-8 or holds control
 * characters (bones records the path in JSON and line files). */
int bones_workspace_trust(const char *root, struct bones_error *err);

/* The substrate spec recorded in <root>/.bones/config.json ("substrate"),
 * malloc'd, or NULL when none is recorded. */
char *bones_workspace_config_substrate(const char *root);

/* The URL of the hub on another host this workspace uses ("hub" in
 * <root>/.bones/config.json, set by `bones up --hub URL`), malloc'd, or
 * NULL for a workspace with its own hub (the usual case).  A recorded
 * value that is not a hub URL (bones_hub_url_check) comes back as a fixed
 * text saying so: the workspace still counts as another host's, and the
 * value is never printed (bones_workspace_config_check refuses it). */
char *bones_workspace_remote_hub(const char *root);

/* BONES_E_REFUSED naming the remote hub and what to do when root's
 * workspace uses a hub on another host (what, e.g. "apply", needs the
 * hub's file); BONES_OK otherwise. */
int bones_workspace_refuse_remote(const char *root, const char *what, struct bones_error *err);

/* BONES_OK when url can name a hub on another host: http://HOST:PORT
 * (HOST an IPv4 literal or a DNS name, PORT 1-65535, an optional "/"),
 * no user or password in it; else BONES_E_USAGE saying why. */
int bones_hub_url_check(const char *url, struct bones_error *err);

/* Records url (bones_hub_url_check) as the remote hub of the workspace at
 * root: "hub" in config.json and .bones/hub-repo-url (0600), both written
 * atomically.  Refuses (BONES_E_REFUSED) a workspace that has its own hub
 * repository or whose substrate other hosts cannot share (sqlite, or a
 * bare nats/redis the local hub would start). */
int bones_workspace_set_remote_hub(const char *root, const char *url, struct bones_error *err);

/* BONES_OK when root's config.json is missing or usable (a JSON object
 * whose "substrate", when present, is a non-empty string); else
 * BONES_E_REFUSED naming the file and the problem, with a hint. */
int bones_workspace_config_check(const char *root, struct bones_error *err);

/* Turns a substrate spec into a URL a backend accepts:
 *   "sqlite"            -> "sqlite:<root>/.bones/kv.sqlite" (needs a workspace),
 *                          with "?sync=full" when the workspace is durable
 *   "sqlite:PATH"       -> the same, "?sync=full" added when root's workspace
 *                          is durable and the spec has no query
 *   "nats" / "redis"    -> the managed server's URL from .bones/hub-kv-url
 *   anything with ':'   -> unchanged
 *   another bare name   -> unchanged (a third-party backend decides)
 * *url is malloc'd (caller frees). */
int bones_substrate_resolve(const char *spec, const char *root, char **url, struct bones_error *err);

/* <root>/.bones/<name>, malloc'd (caller frees). */
char *bones_ws_path(const char *root, const char *name);

/* The git work tree containing dir (malloc'd): BONES_E_NOWORKSPACE when
 * dir is not in a git repository, BONES_E_UNAVAILABLE without git. */
int bones_git_toplevel(const char *dir, char **top, struct bones_error *err);

/* The files git tracks in root (`git ls-files -z`, the index, not the
 * working tree's untracked files).  *files is a malloc'd array of
 * malloc'd paths; free with bones_strv_free(). */
int bones_git_files(const char *root, char ***files, size_t *n, struct bones_error *err);
void bones_strv_free(char **v, size_t n);

/* The message for a git repository with nothing to seed the hub from. */
#define BONES_SEED_PRECONDITION                                                             \
  "no git-tracked files to seed the hub from; commit at least one file "                    \
  "(`git add . && git commit -m init`) first"

struct bones_up_result {
  char *root;      /* the workspace root */
  char *substrate; /* recorded substrate spec */
  char *agent_id;  /* the workspace agent id */
  char *durability; /* recorded durability mode: "fast" or "durable" */
  int created;     /* 1 when .bones/ was made by this call */
};

/* `bones up`: makes start_dir's git work tree a workspace: .bones/ (0700),
 * agent.id, config.json (substrate, when given, is recorded; NULL keeps
 * the recorded one or "sqlite"; durability likewise, "fast" or "durable",
 * checked by the caller, NULL keeps the recorded one or "fast"), a .bones/
 * line in .gitignore, and a
 * registry entry.  Idempotent.  res members are malloc'd; free with
 * bones_up_result_clear(). */
int bones_workspace_up(const char *start_dir, const char *substrate, const char *durability, struct bones_up_result *res,
                       struct bones_error *err);
void bones_up_result_clear(struct bones_up_result *res);

/* The first line of .bones/<name> (malloc'd, without the newline), or
 * NULL when the file is missing, unreadable or starts empty. */
char *bones_ws_read_line(const char *root, const char *name);

/* The workspace agent id from .bones/agent.id (malloc'd) or NULL. */
char *bones_workspace_agent_id(const char *root);

#endif /* BONES_WORKSPACE_H */
