/* kv_int.h (internal): the parts of the KV front-end (kv.c) that bones
 * itself uses beyond the public bones/kv.h. */
#ifndef BONES_KV_INT_H
#define BONES_KV_INT_H

#include <bones/error.h>
#include <bones/kv.h>

/* The backend that serves spec (a bare name "nats" or a URL
 * "nats://HOST:PORT"), loading its module when needed, without connecting.
 * BONES_E_USAGE when no module of that name is found (the message names the
 * module and the search path) or its schemes do not include spec's;
 * BONES_E_INTERNAL when the module is found but cannot be used.  *out is
 * static or lives until bones_loader_shutdown(). */
int bones_kv_backend_of(const char *spec, const struct bones_kv_backend_v1 **out, struct bones_error *err);

#endif /* BONES_KV_INT_H */
