/* text.h (internal to bones, exported from libbones for in-tree modules):
 * text at the edges.  Every text that reaches a JSON record or envelope is
 * checked with bones_utf8_check() first (invalid UTF-8 is a usage error
 * naming the argument); every stored or user text printed for a human goes
 * through bones_term_escape()/bones_term_printf() so control characters and
 * stray bytes cannot drive the terminal (docs/safety/text-and-input.md). */
#ifndef BONES_TEXT_H
#define BONES_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include <bones/error.h>

/* 1 when the len bytes at s are well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF, no NUL byte), else 0. */
int bones_utf8_valid(const char *s, size_t len);

/* BONES_OK when s (NUL-terminated, may be NULL = fine) is valid UTF-8;
 * else BONES_E_USAGE "WHAT is not valid UTF-8 (byte 0xNN at offset K)". */
int bones_utf8_check(const char *what, const char *s, struct bones_error *err);

/* A malloc'd copy of s (NULL = "") where every byte that is not part of a
 * valid UTF-8 sequence is replaced by U+FFFD; the caller frees it.  The
 * result is always accepted by json_string(). */
char *bones_utf8_sanitize(const char *s);

/* A malloc'd copy of s (NULL = "") safe to print on a terminal: C0
 * controls and DEL become \n, \r, \t or \xNN, C1 controls (U+0080..U+009F)
 * become \u00NN, bytes that are not valid UTF-8 become \xNN; everything
 * else, a backslash included, is kept.  The caller frees it. */
char *bones_term_escape(const char *s);

/* Prints label on a line, then each line of text as "  | LINE", every
 * part escaped (bones_term_escape): multi-line texts from the substrate
 * (notes, messages) in human output. */
void bones_term_print_block(FILE *f, const char *label, const char *text);

/* fprintf(out, fmt, ...) with the whole formatted text passed through
 * bones_term_escape(), except that a newline ending fmt is kept.  Use it
 * for every human line that carries stored or user text.  Returns what
 * fprintf returns (the number of bytes written, negative on error). */
int bones_term_printf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* BONES_OK when path is a clean path relative to the workspace root:
 * not empty, not absolute, no empty, "." or ".." component, valid UTF-8
 * without control characters, at most 4096 bytes.  Else BONES_E_USAGE
 * naming WHAT and the path (escaped). */
int bones_relpath_check(const char *what, const char *path, struct bones_error *err);

/* A JSON string of s made valid UTF-8 with bones_utf8_sanitize(), for
 * text bones reports but cannot refuse (paths, host names, error and log
 * messages).  Never NULL; s NULL gives "".  The caller owns the reference. */
json_t *bones_utf8_json(const char *s);

/* 1 when s (NUL-terminated) is valid UTF-8 holding no control character
 * (C0, DEL, C1) other than the ASCII ones listed in allowed (may be "" or
 * NULL; "\t\n\r" for a commit message), else 0.  For names and texts
 * that must reach a file name, a command or a record unchanged. */
int bones_text_plain(const char *s, const char *allowed);

/* s quoted for a POSIX shell when it needs it (plain words are returned
 * as they are), for command lines bones prints.  Malloc'd; the caller frees. */
char *bones_shell_quote(const char *s);

#endif /* BONES_TEXT_H */
