/* redis_script.c: the one Lua script of the kv-redis backend.  It runs
 * atomically on the server, so every write is one round trip and CAS is
 * linearizable.  Loaded once per connection with SCRIPT LOAD and called
 * with EVALSHA (redis_conn.c reloads it on NOSCRIPT).
 *
 * ARGV[1] is the mode.
 *
 * 'open'  KEYS = meta hash
 *         ARGV = mode, create ("1" or "0"), ttl_ms, max_value
 *   -> {0} when absent (and not created),
 *      {1, ttl_ms, max_value} when it exists, {2, ...} when just created.
 *
 * 'put' 'create' 'update' 'delete'
 *         KEYS = rev counter, entry hash, lex index, expiry index, log stream
 *         ARGV = mode, key, value, expected rev ("0" = none), ttl_ms,
 *                write nonce, log max length
 *   -> {1, new_rev} done; {0, current_rev} refused, where current_rev 0
 *      means the key is absent (create: EXISTS; update and delete:
 *      NOTFOUND when 0, else CONFLICT).
 *
 * Every write and delete spends one INCR of the bucket counter, so
 * revisions are unique and strictly increasing within a bucket (guarded
 * against a lost counter by never going below an entry's revision).  A TTL
 * is set with PEXPIREAT from the server's TIME, and the same instant is the
 * key's score in the expiry index; entries whose time has passed are pruned
 * from both indexes (at most 100 per write).  Each change is appended to
 * the log stream (id "<rev>-0", fields k and op = put|del; no value, which
 * watch reads from the entry) for watch; if the log is ahead of the
 * counter, the counter is moved past it.  Lua numbers are doubles:
 * revisions and times stay exact below 2^53. */
#include "config.h"

#include "kv_redis_int.h"

const char kvr_script[] =
    "-- bones kv-redis v1\n"
    "local mode = ARGV[1]\n"
    "if mode == 'open' then\n"
    "  local m = redis.call('HMGET', KEYS[1], 'ttl_ms', 'max_value')\n"
    "  if m[1] then return {1, m[1], m[2] or '0'} end\n"
    "  if ARGV[2] ~= '1' then return {0} end\n"
    "  redis.call('HSET', KEYS[1], 'ttl_ms', ARGV[3], 'max_value', ARGV[4], 'version', '1')\n"
    "  return {2, ARGV[3], ARGV[4]}\n"
    "end\n"
    "local name, exp, ttl = ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])\n"
    "local cur = tonumber(redis.call('HGET', KEYS[2], 'r') or '0')\n"
    "if mode == 'create' then\n"
    "  if cur ~= 0 then return {0, cur} end\n"
    "elseif mode == 'update' or mode == 'delete' then\n"
    "  if cur == 0 then return {0, 0} end\n"
    "  if exp ~= 0 and exp ~= cur then return {0, cur} end\n"
    "elseif mode ~= 'put' then\n"
    "  return redis.error_reply('ERR bones: unknown mode ' .. tostring(mode))\n"
    "end\n"
    "local op = 'put'\n"
    "if mode == 'delete' then op = 'del' end\n"
    "local rev = redis.call('INCR', KEYS[1])\n"
    "if rev <= cur then rev = cur + 1; redis.call('SET', KEYS[1], string.format('%d', rev)) end\n"
    "local function logadd()\n"
    "  return redis.pcall('XADD', KEYS[5], 'MAXLEN', '~', ARGV[7],\n"
    "                     string.format('%d', rev) .. '-0', 'k', name, 'op', op)\n"
    "end\n"
    "local x = logadd()\n"
    "if type(x) == 'table' and x.err then\n"
    "  -- the counter fell behind the log (lost or reset): move it past the log\n"
    "  local info = redis.call('XINFO', 'STREAM', KEYS[5])\n"
    "  for i = 1, #info, 2 do\n"
    "    if info[i] == 'last-generated-id' then\n"
    "      local top = tonumber(string.match(info[i + 1], '^(%d+)'))\n"
    "      if top and top >= rev then rev = top + 1 end\n"
    "    end\n"
    "  end\n"
    "  redis.call('SET', KEYS[1], string.format('%d', rev))\n"
    "  x = logadd()\n"
    "  if type(x) == 'table' and x.err then return redis.error_reply(x.err) end\n"
    "end\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "if ttl > 0 then\n"
    "  local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. string.format('%d', now),\n"
    "                         'LIMIT', 0, 100)\n"
    "  if #old > 0 then\n"
    "    redis.call('ZREM', KEYS[4], unpack(old))\n"
    "    redis.call('ZREM', KEYS[3], unpack(old))\n"
    "  end\n"
    "end\n"
    "if mode == 'delete' then\n"
    "  redis.call('DEL', KEYS[2])\n"
    "  redis.call('ZREM', KEYS[3], name)\n"
    "  if ttl > 0 then redis.call('ZREM', KEYS[4], name) end\n"
    "  return {1, rev}\n"
    "end\n"
    "redis.call('HSET', KEYS[2], 'v', ARGV[3], 'r', string.format('%d', rev), 'w', ARGV[6])\n"
    "redis.call('ZADD', KEYS[3], 0, name)\n"
    "if ttl > 0 then\n"
    "  local at = string.format('%d', now + ttl)\n"
    "  redis.call('PEXPIREAT', KEYS[2], at)\n"
    "  redis.call('ZADD', KEYS[4], at, name)\n"
    "else\n"
    "  redis.call('PERSIST', KEYS[2])\n"
    "end\n"
    "return {1, rev}\n";
