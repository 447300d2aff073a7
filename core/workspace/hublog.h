/* hublog.h: hub.log, the operator's NDJSON audit trail of the hub (seed
 * 001): one JSON object per line with ts, level, event (rpc | hook |
 * lifecycle | error) and optional fields. */
#ifndef BONES_HUBLOG_H
#define BONES_HUBLOG_H

#include <jansson.h>

enum bones_log_level { BONES_LOG_DEBUG, BONES_LOG_INFO, BONES_LOG_WARN, BONES_LOG_ERROR };

/* Parses DEBUG/INFO/WARN/ERROR (any case); -1 when unknown. */
int bones_log_level_parse(const char *s);
const char *bones_log_level_name(enum bones_log_level level);

/* Sets the minimum level written (default: $BONES_HUB_LOG_LEVEL or INFO).
 * Errors are always written. */
void bones_hublog_set_level(enum bones_log_level level);

/* Appends one entry to <root>/.bones/hub.log (created 0600) when level
 * passes the filter.  fields (may be NULL) holds the optional members
 * (rpc, agent, task, msg, err, ...); it is stolen.  Best effort: a write
 * failure is ignored (the log must never stop the hub). */
void bones_hublog(const char *root, enum bones_log_level level, const char *event, const char *msg,
                  json_t *fields);

#endif
