/* top_screen.c: the full-screen `bones top` (ncursesw; top.h). */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "top.h"
#include "util.h"

#define TOP_FOLDED_ROWS 3 /* lines a pane not shown in full keeps under its heading */

/* Draws frame f: the title, then each pane's heading; the chosen pane
 * (focus) gets every row the others leave, the others TOP_FOLDED_ROWS. */
static void draw(const struct top_frame *f, int focus, const char *status) {
  erase();
  int rows = LINES, row = 0;
  size_t count[TOP_PANES] = {0};
  for (size_t i = 0; i < f->n; i++)
    if (f->v[i].pane >= 0 && !f->v[i].heading) count[f->v[i].pane]++;
  /* rows for the folded panes: heading + up to TOP_FOLDED_ROWS lines */
  int fixed = 2; /* title and the key line */
  for (int p = 0; p < TOP_PANES; p++)
    fixed += 1 + (p == focus ? 0 : (int)(count[p] < TOP_FOLDED_ROWS ? count[p] : TOP_FOLDED_ROWS));
  int room = rows - fixed; /* for the focused pane's lines */
  int shown[TOP_PANES] = {0};
  for (size_t i = 0; i < f->n && row < rows - 1; i++) {
    const struct top_line *l = &f->v[i];
    if (l->pane >= 0 && !l->heading) {
      int limit = l->pane == focus ? room : TOP_FOLDED_ROWS;
      if (shown[l->pane] >= limit) continue;
      if (shown[l->pane] == limit - 1 && (size_t)limit < count[l->pane]) {
        mvprintw(row++, 0, "  ... %zu more (press %d)", count[l->pane] - (size_t)shown[l->pane], l->pane + 1);
        shown[l->pane]++;
        continue;
      }
      shown[l->pane]++;
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
  int focus = TOP_SLOTS, quit = 0;
  while (!quit) {
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
    draw(&f, focus, status);
    top_frame_free(&f);
    /* wait for a key up to the interval */
    int64_t until = bones_monotonic_ms() + interval_ms;
    for (;;) {
      int64_t left = until - bones_monotonic_ms();
      if (left <= 0) break;
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
  return 0;
}
