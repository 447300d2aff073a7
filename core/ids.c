/* ids.c: random and time-ordered identifiers (ids.h). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

#include "ids.h"
#include "util.h"

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
/* sort order of the time part must follow the value: use digits first */
static const char ordered[] = "0123456789abcdefghjkmnpqrstvwxyz";

static void fill_random(unsigned char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(buf + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) abort();
    got += (size_t)r;
  }
}

void bones_random_base32(char *buf, size_t n) {
  unsigned char raw[64];
  for (size_t i = 0; i < n;) {
    size_t chunk = n - i < sizeof raw ? n - i : sizeof raw;
    fill_random(raw, chunk);
    for (size_t j = 0; j < chunk; j++) buf[i + j] = alphabet[raw[j] & 31];
    i += chunk;
  }
  buf[n] = '\0';
}

void bones_time_id_prefix(int64_t ms_signed, char buf[11]) {
  uint64_t ms = ms_signed > 0 ? (uint64_t)ms_signed : 0;
  for (int i = 9; i >= 0; i--) {
    buf[i] = ordered[ms & 31];
    ms >>= 5;
  }
  buf[10] = '\0';
}

void bones_time_id(char *buf) {
  bones_time_id_prefix(bones_now_ms(), buf);
  unsigned char raw[8];
  fill_random(raw, sizeof raw);
  for (int i = 0; i < 8; i++) buf[10 + i] = ordered[raw[i] & 31];
  buf[BONES_TIME_ID_LEN] = '\0';
}
