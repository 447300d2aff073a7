# backends/kv-redis: the Redis KV substrate, module kv_redis.la (built when
# hiredis is found; --with-redis=auto|yes|no).  The literal -module tells
# automake the non-lib name is a module (MODULE_LDFLAGS repeats it).
if BUILD_KV_REDIS
module_LTLIBRARIES += backends/kv-redis/kv_redis.la
endif
backends_kv_redis_kv_redis_la_SOURCES = \
	backends/kv-redis/kv_redis.c \
	backends/kv-redis/kv_redis_int.h \
	backends/kv-redis/redis_conn.c \
	backends/kv-redis/redis_script.c \
	backends/kv-redis/redis_url.c \
	backends/kv-redis/redis_watch.c
backends_kv_redis_kv_redis_la_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS)
backends_kv_redis_kv_redis_la_LDFLAGS = $(AM_LDFLAGS) -module $(MODULE_LDFLAGS)
backends_kv_redis_kv_redis_la_LIBADD = libbones.la $(HIREDIS_LIBS)
