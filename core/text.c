/* text.c: UTF-8 checks, terminal escaping and workspace-relative path
 * checks (text.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

#define RELPATH_MAX 4096

/* Length of the well-formed UTF-8 sequence at s (left bytes available),
 * or 0 when the byte at s does not start one (RFC 3629 table 3-7). */
static size_t seq_len(const unsigned char *s, size_t left) {
  unsigned char c = s[0];
  if (c >= 0x01 && c <= 0x7F) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F; /* no surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F; /* nothing above U+10FFFF */
  } else return 0;
  if (left < n) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return n;
}

int bones_utf8_valid(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    size_t n = seq_len(p + i, len - i);
    if (n == 0) return 0;
    i += n;
  }
  return 1;
}

int bones_utf8_check(const char *what, const char *s, struct bones_error *err) {
  if (s == NULL) return BONES_OK;
  const unsigned char *p = (const unsigned char *)s;
  size_t len = strlen(s), i = 0;
  while (i < len) {
    size_t n = seq_len(p + i, len - i);
    if (n == 0) {
      bones_error_set(err, BONES_E_USAGE, "%s is not valid UTF-8 (byte 0x%02X at offset %zu)", what, p[i], i);
      return bones_error_hint(err, "bones stores text as UTF-8; convert it first (e.g. with iconv)");
    }
    i += n;
  }
  return BONES_OK;
}

char *bones_utf8_sanitize(const char *s) {
  if (s == NULL) s = "";
  const unsigned char *p = (const unsigned char *)s;
  size_t len = strlen(s), o = 0;
  char *out = bones_xmalloc(3 * len + 1); /* one byte becomes at most 3 */
  for (size_t i = 0; i < len;) {
    size_t n = seq_len(p + i, len - i);
    if (n == 0) {
      memcpy(out + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
    } else {
      memcpy(out + o, p + i, n);
      o += n;
      i += n;
    }
  }
  out[o] = '\0';
  return out;
}

char *bones_term_escape(const char *s) {
  if (s == NULL) s = "";
  const unsigned char *p = (const unsigned char *)s;
  size_t len = strlen(s), o = 0;
  char *out = bones_xmalloc(4 * len + 1); /* one byte becomes at most 4; a C1 pair 6 */
  for (size_t i = 0; i < len;) {
    size_t n = seq_len(p + i, len - i);
    unsigned char c = p[i];
    if (n == 1 && (c < 0x20 || c == 0x7F)) {
      if (c == '\n') memcpy(out + o, "\\n", 2), o += 2;
      else if (c == '\r') memcpy(out + o, "\\r", 2), o += 2;
      else if (c == '\t') memcpy(out + o, "\\t", 2), o += 2;
      else o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
    } else if (n == 2 && c == 0xC2 && p[i + 1] <= 0x9F) {
      o += (size_t)snprintf(out + o, 7, "\\u%04x", p[i + 1]);
    } else if (n == 0) {
      o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
      n = 1;
    } else {
      memcpy(out + o, p + i, n);
      o += n;
    }
    i += n;
  }
  out[o] = '\0';
  return out;
}

int bones_term_printf(FILE *out, const char *fmt, ...) {
  va_list ap;
  char *text = NULL;
  va_start(ap, fmt);
  int n = vasprintf(&text, fmt, ap);
  va_end(ap);
  if (n < 0) return n;
  size_t flen = strlen(fmt), tlen = (size_t)n;
  int keep_nl = flen > 0 && fmt[flen - 1] == '\n' && tlen > 0 && text[tlen - 1] == '\n';
  if (keep_nl) text[tlen - 1] = '\0';
  char *safe = bones_term_escape(text);
  int rc = fprintf(out, "%s%s", safe, keep_nl ? "\n" : "");
  free(safe);
  free(text);
  return rc;
}

/* Sets the error for path (shown escaped and cut to 200 bytes). */
static int bad_path(struct bones_error *err, const char *what, const char *path, const char *why) {
  char *safe = bones_term_escape(path);
  bones_error_set(err, BONES_E_USAGE, "%s '%.200s' %s", what, safe, why);
  free(safe);
  return bones_error_hint(err, "give a path relative to the workspace root, like src/main.c");
}

int bones_relpath_check(const char *what, const char *path, struct bones_error *err) {
  if (path == NULL || *path == '\0') return bones_error_set(err, BONES_E_USAGE, "%s is an empty path", what);
  if (bones_utf8_check(what, path, err) != BONES_OK) return BONES_E_USAGE;
  size_t len = strlen(path);
  if (len > RELPATH_MAX) return bones_error_set(err, BONES_E_USAGE, "%s is %zu bytes long (at most %d)", what, len, RELPATH_MAX);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)path[i];
    if (c < 0x20 || c == 0x7F || (c == 0xC2 && i + 1 < len && (unsigned char)path[i + 1] <= 0x9F))
      return bad_path(err, what, path, "holds a control character");
  }
  if (path[0] == '/') return bad_path(err, what, path, "is absolute");
  for (const char *p = path;;) {
    size_t n = strcspn(p, "/");
    if (n == 0) return bad_path(err, what, path, "has an empty component ('//' or a trailing '/')");
    if (n == 1 && p[0] == '.') return bad_path(err, what, path, "has a '.' component");
    if (n == 2 && p[0] == '.' && p[1] == '.') return bad_path(err, what, path, "has a '..' component (leaves the workspace)");
    if (p[n] == '\0') break;
    p += n + 1;
  }
  return BONES_OK;
}

json_t *bones_utf8_json(const char *s) {
  char *clean = bones_utf8_sanitize(s);
  json_t *j = json_string(clean);
  free(clean);
  if (j == NULL) {
    fprintf(stderr, "bones: out of memory (a JSON string)\n");
    abort();
  }
  return j;
}

int bones_text_plain(const char *s, const char *allowed) {
  const unsigned char *p = (const unsigned char *)s;
  size_t left = strlen(s);
  while (left > 0) {
    size_t n = seq_len(p, left);
    if (n == 0) return 0;
    if (n == 1 && (*p < 0x20 || *p == 0x7F) && (allowed == NULL || strchr(allowed, *p) == NULL)) return 0;
    if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0) return 0; /* U+0080..U+009F */
    p += n;
    left -= n;
  }
  return 1;
}

char *bones_shell_quote(const char *path) {
  if (path[0] && strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-+,:@") == strlen(path))
    return bones_xstrdup(path);
  size_t n = 2;
  for (const char *p = path; *p; p++) n += *p == '\'' ? 4 : 1;
  char *out = bones_xmalloc(n + 1), *o = out;
  *o++ = '\'';
  for (const char *p = path; *p; p++) {
    if (*p == '\'') {
      memcpy(o, "'\\''", 4);
      o += 4;
    } else *o++ = *p;
  }
  *o++ = '\'';
  *o = '\0';
  return out;
}

void bones_term_print_block(FILE *f, const char *label, const char *text) {
  bones_term_printf(f, "%s\n", label);
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    int n = nl ? (int)(nl - p) : (int)strlen(p);
    bones_term_printf(f, "  | %.*s\n", n, p);
    p = nl ? nl + 1 : p + n;
  }
}
