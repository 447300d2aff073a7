/* top_screen.c: the full-screen `bones top` (ncursesw; top.h). */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "top.h"
#include "util.h"
#include "view_watch.h"

#define TOP_FOLDED_ROWS 3 /* lines a pane not chosen keeps under its heading before the rest widen */

/* How many item lines each pane gets in rows item rows: the chosen pane
 * (focus) first, all it has while every other pane with lines keeps one;
 * then the others up to TOP_FOLDED_ROWS each, in order; what is left
 * widens them further.  A pane shown short ends with a "more" line. */
static void allot(const size_t count[TOP_PANES], int focus, int rows, int out[TOP_PANES]) {
  int others = 0;
  for (int p = 0; p < TOP_PANES; p++) {
    out[p] = 0;
    if (p != focus && count[p]) others++;
  }
  int left = rows > 0 ? rows : 0;
  int want = (int)count[focus], cap = left - others > 0 ? left - others : 0;
  out[focus] = want < cap ? want : cap;
  left -= out[focus];
  for (int round = 0; round < 2; round++)
    for (int p = 0; p < TOP_PANES; p++) {
      if (p == focus) continue;
      int limit = round == 0 ? TOP_FOLDED_ROWS : (int)count[p];
      int more = (limit < (int)count[p] ? limit : (int)count[p]) - out[p];
      if (more > left) more = left;
      if (more > 0) out[p] += more, left -= more;
    }
}

/* Draws frame f: the title, each pane's heading and its allotted lines,
 * the key line at the bottom. */
static void draw(const struct top_frame *f, int focus, const char *status) {
  erase();
  int rows = LINES, row = 0;
  size_t count[TOP_PANES] = {0};
  for (size_t i = 0; i < f->n; i++)
    if (f->v[i].pane >= 0 && !f->v[i].heading) count[f->v[i].pane]++;
  int room[TOP_PANES], shown[TOP_PANES] = {0};
  allot(count, focus, rows - 2 - TOP_PANES, room); /* title, key line, headings */
  for (size_t i = 0; i < f->n && row < rows - 1; i++) {
    const struct top_line *l = &f->v[i];
    if (l->pane >= 0 && !l->heading) {
      int p = l->pane;
      if (shown[p] >= room[p]) continue;
      if (shown[p] == room[p] - 1 && (size_t)room[p] < count[p]) {
        mvprintw(row++, 0, "  ... %zu more (press %d)", count[p] - (size_t)shown[p], p + 1);
        shown[p]++;
        continue;
      }
      shown[p]++;
    }
    if (l->heading) attron(A_BOLD | (l->pane == focus ? A_REVERSE : 0));
    mvaddnstr(row++, 0, l->text, -1);
    if (l->heading) attroff(A_BOLD | A_REVERSE);
  }
  attron(A_DIM);
  mvprintw(rows - 1, 0, "q quit  Tab/1-4 pane  r refresh  %s", status);
  attroff(A_DIM);
  refresh();
}

int top_screen_run(struct bones_ctx *ctx, int64_t interval_ms) {
  setlocale(LC_ALL, ""); /* ncursesw draws UTF-8 only under a UTF-8 locale */
  if (initscr() == NULL) {
    struct bones_error err;
    bones_error_set(&err, BONES_E_UNSUPPORTED, "cannot start the terminal view (TERM=%s)", getenv("TERM") ?: "");
    return bones_ctx_fail(ctx, &err);
  }
  cbreak();
  noecho();
  curs_set(0);
  keypad(stdscr, TRUE);
  /* redraw on the substrate's changes where it has a watch (nats, redis),
   * and every interval anyway (ages; check-ins made outside a slot) */
  struct bones_view_watch *watch = NULL;
  struct bones_error werr;
  if (bones_view_watch_start(bones_ctx_workspace(ctx), &watch, &werr) != BONES_OK) watch = NULL;
  int focus = TOP_SLOTS, quit = 0;
  while (!quit) {
    bones_view_watch_wait(watch, 0); /* what happened until now is in this frame */
    json_t *snap = NULL;
    struct bones_error err;
    char status[200] = "";
    struct top_frame f = {0};
    if (top_snapshot(ctx, &snap, &err) == BONES_OK) {
      top_render(snap, COLS, bones_now_ms(), &f);
      json_decref(snap);
    } else {
      snprintf(status, sizeof status, "(cannot read the swarm: %.150s)", err.message);
    }
    if (!status[0]) snprintf(status, sizeof status, "%s", watch ? "(follows the substrate's watch)" : "");
    draw(&f, focus, status);
    top_frame_free(&f);
    /* wait for a key up to the interval, or a change the watch saw */
    int64_t until = bones_monotonic_ms() + interval_ms;
    for (;;) {
      int64_t left = until - bones_monotonic_ms();
      if (left <= 0 || bones_view_watch_wait(watch, 0)) break;
      timeout((int)(left > 250 ? 250 : left));
      int ch = getch();
      if (ch == 'q' || ch == 'Q' || ch == 27) {
        quit = 1;
        break;
      }
      if (ch == '\t' || ch == KEY_RIGHT) {
        focus = (focus + 1) % TOP_PANES;
        break;
      }
      if (ch == KEY_BTAB || ch == KEY_LEFT) {
        focus = (focus + TOP_PANES - 1) % TOP_PANES;
        break;
      }
      if (ch >= '1' && ch < '1' + TOP_PANES) {
        focus = ch - '1';
        break;
      }
      if (ch == 'r' || ch == KEY_RESIZE) break;
    }
  }
  endwin();
  bones_view_watch_stop(watch);
  return 0;
}
