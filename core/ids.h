/* ids.h: identifiers: random (task ids, agent ids) and time-ordered
 * (events, handoffs, broadcasts: keys that sort by time, never collide). */
#ifndef BONES_IDS_H
#define BONES_IDS_H

#include <stddef.h>
#include <stdint.h>

/* Writes n random base32 characters (a-z2-7, lower case) into buf and a
 * NUL (buf holds n+1 bytes).  Uses getrandom(2). */
void bones_random_base32(char *buf, size_t n);

/* A time-ordered id: 10 base32 characters of the ms timestamp followed by
 * 8 random ones (18 characters); ids made later sort after earlier ones
 * (to the millisecond).  buf holds at least BONES_TIME_ID_LEN + 1 bytes. */
#define BONES_TIME_ID_LEN 18
void bones_time_id(char *buf);

/* The first 10 characters of the time-ordered ids made at ms (buf holds
 * 11 bytes): every id made at or after ms sorts >= it. */
void bones_time_id_prefix(int64_t ms, char buf[11]);

#endif
