# backends/kv-nats: the NATS JetStream KV substrate, module kv_nats.la
# (built when libnats is found; --with-nats=auto|yes|no).
if BUILD_KV_NATS
module_LTLIBRARIES += backends/kv-nats/kv_nats.la
endif
backends_kv_nats_kv_nats_la_SOURCES = \
	backends/kv-nats/kv_nats.c \
	backends/kv-nats/nats_conn.c \
	backends/kv-nats/nats_bucket.c \
	backends/kv-nats/nats_ops.c \
	backends/kv-nats/nats_list.c \
	backends/kv-nats/nats_err.c \
	backends/kv-nats/nats_version.c \
	backends/kv-nats/nats_kv.h
backends_kv_nats_kv_nats_la_CFLAGS = $(AM_CFLAGS) $(NATS_CFLAGS) $(JANSSON_CFLAGS) -pthread
# -z nodelete: never unmap the module (so libnats and OpenSSL stay mapped
# after lt_dlclose); OpenSSL's exit handlers would otherwise call into an
# unloaded libssl and crash at exit after a failed TLS handshake.
backends_kv_nats_kv_nats_la_LDFLAGS = $(AM_LDFLAGS) -module $(MODULE_LDFLAGS) -Wl,-z,nodelete
backends_kv_nats_kv_nats_la_LIBADD = libbones.la $(NATS_LIBS) $(JANSSON_LIBS) -lpthread
