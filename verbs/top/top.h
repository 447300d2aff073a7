/* top.h: `bones top`, the swarm at a glance (issue 17 item 1). */
#ifndef BONES_VERB_TOP_H
#define BONES_VERB_TOP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <bones/verb.h>

enum top_pane { TOP_TITLE = -1, TOP_SLOTS, TOP_TASKS, TOP_TRUNK, TOP_COORD, TOP_PANES };

/* One line of a frame: the pane it belongs to, whether it is that pane's
 * heading, and its text (escaped for a terminal, at most the width). */
struct top_line {
  int pane;
  int heading;
  char *text;
};

struct top_frame {
  struct top_line *v;
  size_t n, cap;
};

/* Renders the picture snap (bones_view_snapshot) as lines at most width
 * columns wide, ages counted to now_ms.  out is the caller's (zeroed
 * first); free with top_frame_free. */
void top_render(json_t *snap, int width, int64_t now_ms, struct top_frame *out);
void top_frame_free(struct top_frame *f);

/* The picture of ctx's workspace: *snap is the caller's. */
int top_snapshot(struct bones_ctx *ctx, json_t **snap, struct bones_error *err);

/* The full-screen loop (top_screen.c, with ncursesw): redraws every
 * interval_ms; keys: q quit, Tab / 1-4 the pane shown in full, r now.
 * Returns the verb's exit status. */
int top_screen_run(struct bones_ctx *ctx, int64_t interval_ms);

#endif
