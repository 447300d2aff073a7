/* hublog.c: hub.log NDJSON lines (hublog.h). */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hublog.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

static int min_level = -1;

int bones_log_level_parse(const char *s) {
  if (s == NULL) return -1;
  if (strcasecmp(s, "debug") == 0) return BONES_LOG_DEBUG;
  if (strcasecmp(s, "info") == 0) return BONES_LOG_INFO;
  if (strcasecmp(s, "warn") == 0 || strcasecmp(s, "warning") == 0) return BONES_LOG_WARN;
  if (strcasecmp(s, "error") == 0) return BONES_LOG_ERROR;
  return -1;
}

const char *bones_log_level_name(enum bones_log_level level) {
  static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  return (unsigned)level < 4 ? names[level] : "INFO";
}

void bones_hublog_set_level(enum bones_log_level level) { min_level = (int)level; }

void bones_hublog(const char *root, enum bones_log_level level, const char *event, const char *msg, json_t *fields) {
  if (min_level < 0) {
    int env = bones_log_level_parse(getenv("BONES_HUB_LOG_LEVEL"));
    min_level = env >= 0 ? env : BONES_LOG_INFO;
  }
  if ((int)level < min_level && level != BONES_LOG_ERROR) {
    json_decref(fields);
    return;
  }
  char ts[40];
  bones_format_time(bones_now_ms(), ts, sizeof ts);
  json_t *e = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", bones_log_level_name(level), "event", event);
  if (msg) json_object_set_new(e, "msg", bones_utf8_json(msg));
  if (fields) json_object_update(e, fields);
  json_decref(fields);
  char *line = json_dumps(e, JSON_COMPACT);
  json_decref(e);
  if (line == NULL) return;
  char *path = bones_xasprintf("%s/" BONES_DIR "/hub.log", root);
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  free(path);
  if (fd >= 0) {
    size_t n = strlen(line);
    line[n] = '\n'; /* one write: lines from several processes never interleave */
    if (write(fd, line, n + 1) < 0) { /* best effort */
    }
    close(fd);
  }
  free(line);
}
