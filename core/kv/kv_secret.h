/* kv_secret.h: the credential of a workspace's managed substrate servers.
 *
 * A managed `nats` or `redis` substrate (the hub starts the server) is
 * protected by a per-workspace random secret in .bones/hub-kv-secret
 * (mode 0600, created atomically, never in argv, output or logs).  The hub
 * starts the servers with it (through 0600 config files), and every bones
 * connection to the managed server presents it (bones_substrate_open). */
#ifndef BONES_KV_SECRET_H
#define BONES_KV_SECRET_H

#include <bones/error.h>

#define BONES_KV_SECRET_LEN 48 /* base32 characters: 240 random bits */
#define BONES_KV_SECRET_FILE "hub-kv-secret"

/* Reads the secret of root into out: BONES_OK, BONES_E_NOTFOUND when
 * there is none, BONES_E_CORRUPT when the file is malformed, not a regular
 * file, not ours or readable by others (then it is not used). */
int bones_kv_secret_read(const char *root, char out[BONES_KV_SECRET_LEN + 1], struct bones_error *err);

/* The secret of root, created when missing (or replaced when
 * bones_kv_secret_read refuses it): random, written to a private temp file
 * and linked into place, so a reader never sees a partial secret.  Called
 * by the hub (which holds the workspace lock). */
int bones_kv_secret_ensure(const char *root, char out[BONES_KV_SECRET_LEN + 1], struct bones_error *err);

#endif
