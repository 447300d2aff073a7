/* prime.h: `bones prime`: everything an agent needs at the start of a
 * session or after a context compaction, gathered in one pass (prime.c,
 * prime_trunk.c) and rendered as Markdown (prime_md.c).  Read-only: it
 * creates no bucket, touches no presence, starts no hub.  The report's
 * fields are documented in docs/prime.md (schema bones.prime/v1). */
#ifndef BONES_PRIME_H
#define BONES_PRIME_H

#include <stddef.h>

#include <jansson.h>

#include <bones/kv.h>

#define BONES_PRIME_LIMIT_DEFAULT 10 /* ready tasks listed */
#define BONES_PRIME_LATEST_DEFAULT 3 /* unread broadcasts shown per channel */
#define BONES_PRIME_SENTINEL "last-session-prime"

struct bones_prime_in {
  const char *root;      /* the workspace root (required) */
  const char *cwd;       /* where the agent works; NULL = "." */
  bones_kv *kv;          /* NULL when the substrate could not be opened */
  const char *kv_error;  /* why kv is NULL (may be NULL) */
  const char *substrate; /* the substrate spec to show, credentials removed */
  size_t limit;          /* ready tasks listed (0: the default) */
  size_t latest;         /* broadcasts shown per channel (0: the default) */
};

/* Gathers the report: a new object the caller json_decrefs.  Never fails:
 * a part that cannot be read is left null and adds {section, code,
 * message} to its "errors" array.  Every string in it is valid UTF-8. */
json_t *bones_prime_gather(const struct bones_prime_in *in);

/* Fills report's "trunk" member: the hub's state, the trunk tip and the
 * number of check-ins not applied to git, read from .bones/hub.fossil
 * without the hub (prime_trunk.c).  Errors go to report's "errors". */
void bones_prime_trunk(const char *root, json_t *report);

/* The report as Markdown (malloc'd, the caller frees): valid UTF-8 where
 * every stored text has its control characters escaped, so no record can
 * start a line, a heading or drive a terminal. */
char *bones_prime_markdown(const json_t *report);

/* The Markdown for a directory without a workspace (why: the reason
 * discovery gives, may be NULL); malloc'd. */
char *bones_prime_markdown_no_workspace(const char *why);

/* Writes <root>/.bones/last-session-prime: "<RFC3339>\t<version>\n",
 * 0600, atomically. */
int bones_prime_sentinel_write(const char *root, const char *version, struct bones_error *err);

/* Adds {section, code, message} to report's "errors" (message made valid
 * UTF-8). */
void bones_prime_error(json_t *report, const char *section, const struct bones_error *err);

#endif
