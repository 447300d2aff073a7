/* dispatch_int.h: what core/dispatch*.c share (not installed). */
#ifndef BONES_DISPATCH_INT_H
#define BONES_DISPATCH_INT_H

#include <jansson.h>

#include <bones/error.h>

/* Takes the flock of .bones/dispatch.lock (waits); returns the fd to hand
 * to dispatch_unlock, or -1 with err set. */
int dispatch_lock(const char *root, struct bones_error *err);
void dispatch_unlock(int fd);

/* Writes manifest to .bones/dispatch.json (0600, atomic). */
int dispatch_save(const char *root, json_t *manifest, struct bones_error *err);

/* Wave n (1-based) of manifest, borrowed, or NULL. */
json_t *dispatch_wave(json_t *manifest, long n);

#endif
