/* server.h: managed substrate servers (nats-server, redis-server).
 *
 * Starts a Debian nats-server (JetStream on, store under a directory) or
 * redis-server (appendonly on, data under a directory) bound to 127.0.0.1
 * on a free port, waits until it answers (bounded), and stops it (SIGTERM,
 * wait, SIGKILL).  Used by the hub (managed substrates) and the tests.
 * Never runs a shell: fork + execvp with an argument vector. */
#ifndef BONES_SERVER_H
#define BONES_SERVER_H

#include <sys/types.h>

#include <bones/error.h>

enum bones_server_kind { BONES_SERVER_NATS, BONES_SERVER_REDIS };

struct bones_server {
  enum bones_server_kind kind;
  pid_t pid;
  int port;
  char url[96]; /* nats://127.0.0.1:P or redis://127.0.0.1:P/0 */
  int durable;  /* 1 when started to fsync every write (bones_server_start_with) */
};

/* Parses "nats" / "redis"; BONES_E_USAGE otherwise. */
int bones_server_kind_parse(const char *name, enum bones_server_kind *kind, struct bones_error *err);

/* Starts a server of kind with its data under data_dir (created 0700) and
 * its output appended to log_path (may be NULL: /dev/null).  port 0 picks
 * a free loopback port.  Waits at most wait_ms for it to answer.  The
 * program is found on PATH (also /usr/sbin), or taken from
 * $BONES_NATS_SERVER / $BONES_REDIS_SERVER.  On success *out describes it;
 * the caller stops it with bones_server_stop(). */
int bones_server_start(enum bones_server_kind kind, const char *data_dir, const char *log_path, int port,
                       int wait_ms, struct bones_server *out, struct bones_error *err);

/* 1 when something answers like a server of kind on 127.0.0.1:port. */
int bones_server_answers(enum bones_server_kind kind, int port, int timeout_ms);

/* Sends SIGTERM, waits up to grace_ms, then SIGKILL; reaps the child when
 * it is ours.  BONES_OK also when the process was already gone. */
int bones_server_stop(pid_t pid, int grace_ms, struct bones_error *err);

/* 1 when 127.0.0.1:port can be bound now (nothing listens there). */
int bones_port_free(int port);
/* 1 when addr:port (addr an IPv4 literal) can be bound now. */
int bones_port_free_at(const char *addr, int port);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int bones_free_port(int *port, struct bones_error *err);

/* How bones_server_start_with starts a server (zero: like
 * bones_server_start). */
struct bones_server_opts {
  /* when not NULL the server requires it from every client: redis through
   * `requirepass` in a 0600 config file (data_dir/bones-redis.conf), nats
   * through `authorization { token }` in its 0600 config file
   * (data_dir/bones-nats.conf).  Never in the server's argv. */
  const char *secret;
  /* 1: fsync every acknowledged write: redis `appendfsync always` (else
   * everysec); nats `jetstream { sync_interval: always }` when the program
   * takes it (bones_nats_server_syncs_always), else started as without */
  int durable;
};

/* Like bones_server_start, with opts (NULL: none).  out->durable tells
 * whether the server was started to fsync every write. */
int bones_server_start_with(enum bones_server_kind kind, const char *data_dir, const char *log_path, int port,
                            int wait_ms, const struct bones_server_opts *opts, struct bones_server *out,
                            struct bones_error *err);

/* The program run for kind: $BONES_NATS_SERVER / $BONES_REDIS_SERVER, or
 * "nats-server" / "redis-server" (static or environment storage). */
const char *bones_server_program(enum bones_server_kind kind);

#endif
