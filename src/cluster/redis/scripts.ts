/**
 * The Lua scripts of the Redis backend: every mutation is one script that validates,
 * refuses a fenced incarnation or a stale group epoch, writes absolute values, bumps
 * the scope's sequence number and publishes the change event carrying it. Lua has no
 * rollback, so each script checks everything before its first write.
 *
 * Scope scripts get KEYS = meta, groups, holders, nodes, node-scopes of ARGV[1] and
 * ARGV = node, incarnation, key base `chorus:{S}:`, scope id, then their own. The
 * per-group member hashes and per-node sets are named from the base inside the script:
 * this backend targets one Redis primary (hash tags keep a scope's keys together).
 *
 * An event is JSON `{ e: scope epoch, s: seq, c: [change…], a?: node to acknowledge }`,
 * a change one of `["g+", name, groupEpoch, createdAtMs, labelsJson]`, `["g-", name]`,
 * `["m", group, node, actor, count, "topic,topic"]`.
 */
import { createHash } from "node:crypto";

export interface Script {
  readonly lua: string;
  readonly sha: string;
  readonly keys: number;
}

function script(keys: number, lua: string): Script {
  return { lua, keys, sha: createHash("sha1").update(lua).digest("hex") };
}

const SCOPE_PRELUDE = `
local node, inc, base, scopeId = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local changes = {}
local function stamp()
  local t = redis.call('TIME')
  return t[1] .. string.format('%06d', tonumber(t[2]))
end
local function epochOf()
  local e = redis.call('HGET', KEYS[1], 'epoch')
  if not e then
    e = stamp()
    redis.call('HSET', KEYS[1], 'epoch', e, 'seq', 0)
  end
  return e
end
local function commit(ackTo)
  local e = epochOf()
  if #changes == 0 then return e, redis.call('HGET', KEYS[1], 'seq') end
  local s = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  local ev = { e = e, s = s, c = changes }
  if ackTo and ackTo ~= '' then ev.a = ackTo end
  redis.call('PUBLISH', base .. 'events', cjson.encode(ev))
  return e, tostring(s)
end
local function fenced() return redis.call('HGET', KEYS[4], node) ~= inc end
local function head(s) return string.sub(s, 1, string.find(s, '\\n', 1, true) - 1) end
local function split2(s)
  local i = string.find(s, '\\n', 1, true)
  return string.sub(s, 1, i - 1), string.sub(s, i + 1)
end
local function groupEpoch(name)
  local row = redis.call('HGET', KEYS[2], name)
  if not row then return nil end
  return head(row)
end
`;

/** ARGV 5 name, 6 createdAtMs, 7 labels JSON → ok epoch seq groupEpoch | exists | fenced */
export const CREATE_GROUP = script(
  5,
  `${SCOPE_PRELUDE}
if fenced() then return {'fenced'} end
local e0 = epochOf()
if redis.call('HEXISTS', KEYS[2], ARGV[5]) == 1 then return {'exists'} end
local g = e0 .. ':' .. (tonumber(redis.call('HGET', KEYS[1], 'seq')) + 1)
redis.call('HSET', KEYS[2], ARGV[5], g .. '\\n' .. ARGV[6] .. '\\n' .. ARGV[7])
changes[1] = {'g+', ARGV[5], g, ARGV[6], ARGV[7]}
local e, s = commit()
return {'ok', e, s, g}`,
);

/**
 * ARGV 5 name → ok epoch seq | fenced. Deleting a missing group changes nothing. A
 * seal `!\n<groupEpoch>` goes out on the group's message channel first: receivers
 * deliver what came before it and nothing after it, whenever the event arrives.
 */
export const DELETE_GROUP = script(
  5,
  `${SCOPE_PRELUDE}
if fenced() then return {'fenced'} end
epochOf()
local doomed = groupEpoch(ARGV[5])
if doomed then
  redis.call('PUBLISH', base .. 'g:' .. ARGV[5], '!\\n' .. doomed)
  local mk = base .. 'm:' .. ARGV[5]
  for _, f in ipairs(redis.call('HKEYS', mk)) do
    local owner, actor = split2(f)
    redis.call('SREM', base .. 'node:' .. owner, ARGV[5] .. '\\n' .. actor)
  end
  redis.call('DEL', mk)
  redis.call('HDEL', KEYS[2], ARGV[5])
  changes[1] = {'g-', ARGV[5]}
end
local e, s = commit()
return {'ok', e, s}`,
);

/**
 * ARGV 5 group, 6 groupEpoch, 7 actor, 8 count, 9 topics, 10 node to acknowledge or ''
 * → ok epoch seq holders(flat) | nogroup | fenced
 */
export const WRITE_MEMBERSHIP = script(
  5,
  `${SCOPE_PRELUDE}
if fenced() then return {'fenced'} end
epochOf()
if groupEpoch(ARGV[5]) ~= ARGV[6] then return {'nogroup'} end
local mk = base .. 'm:' .. ARGV[5]
local f = node .. '\\n' .. ARGV[7]
local nk = base .. 'node:' .. node
local entry = ARGV[5] .. '\\n' .. ARGV[7]
if tonumber(ARGV[8]) > 0 then
  redis.call('HSET', mk, f, inc .. '\\n' .. ARGV[8] .. '\\n' .. ARGV[9])
  redis.call('SADD', nk, entry)
  redis.call('SADD', KEYS[5], scopeId)
else
  redis.call('HDEL', mk, f)
  redis.call('SREM', nk, entry)
end
changes[1] = {'m', ARGV[5], node, ARGV[7], tonumber(ARGV[8]), ARGV[9]}
local e, s = commit(ARGV[10])
return {'ok', e, s, redis.call('HGETALL', KEYS[3])}`,
);

/**
 * Re-asserts a node's whole slice of a scope: ARGV 5 recreate ('1' after data loss),
 * 6 group count, then (name, groupEpoch, createdAtMs, labels)…, then (group,
 * groupEpoch, actor, count, topics)…. Rows of the node not listed are removed; rows of
 * groups that are gone or re-created are refused. → ok epoch seq | fenced
 */
export const ASSERT_SLICE = script(
  5,
  `${SCOPE_PRELUDE}
if fenced() then return {'fenced'} end
epochOf()
local i = 7
for _ = 1, tonumber(ARGV[6]) do
  local name = ARGV[i]
  if ARGV[5] == '1' and redis.call('HEXISTS', KEYS[2], name) == 0 then
    redis.call('HSET', KEYS[2], name, ARGV[i + 1] .. '\\n' .. ARGV[i + 2] .. '\\n' .. ARGV[i + 3])
    changes[#changes + 1] = {'g+', name, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]}
  end
  i = i + 4
end
local nk = base .. 'node:' .. node
local wanted = {}
local any = false
while i <= #ARGV do
  local group, g, actor, count, topics = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  i = i + 5
  if groupEpoch(group) == g then
    local mk = base .. 'm:' .. group
    local f = node .. '\\n' .. actor
    local v = inc .. '\\n' .. count .. '\\n' .. topics
    wanted[group .. '\\n' .. actor] = true
    any = true
    if redis.call('HGET', mk, f) ~= v then
      redis.call('HSET', mk, f, v)
      redis.call('SADD', nk, group .. '\\n' .. actor)
      changes[#changes + 1] = {'m', group, node, actor, tonumber(count), topics}
    end
  end
end
for _, entry in ipairs(redis.call('SMEMBERS', nk)) do
  if not wanted[entry] then
    local group, actor = split2(entry)
    redis.call('HDEL', base .. 'm:' .. group, node .. '\\n' .. actor)
    redis.call('SREM', nk, entry)
    changes[#changes + 1] = {'m', group, node, actor, 0, ''}
  end
end
if any then redis.call('SADD', KEYS[5], scopeId) end
redis.call('HSET', base .. 'asserted', node, inc)
local e, s = commit()
return {'ok', e, s}`,
);

/**
 * The scope's whole state in one atomic read; ARGV 5 '1' also records this node as a
 * replica holder (when it is alive). KEYS[6] is the store token, which must equal
 * ARGV[6]: a snapshot of a store that lost its data must not replace a replica before
 * the nodes have re-asserted into it. → epoch seq groups(flat) [members(flat) per
 * group], nodes that re-asserted their slice here, grace left in ms | {'store'}
 */
export const SNAPSHOT = script(
  7,
  `${SCOPE_PRELUDE}
if redis.call('GET', KEYS[6]) ~= ARGV[6] then return {'store'} end
local e = epochOf()
if ARGV[5] == '1' and not fenced() then
  redis.call('HSET', KEYS[3], node, inc)
  redis.call('SADD', KEYS[5], scopeId)
end
local groups = redis.call('HGETALL', KEYS[2])
local members = {}
for j = 1, #groups, 2 do members[#members + 1] = redis.call('HGETALL', base .. 'm:' .. groups[j]) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local graceLeft = math.max(0, tonumber(redis.call('GET', KEYS[7]) or '0') - now)
return {e, redis.call('HGET', KEYS[1], 'seq'), groups, members, redis.call('HKEYS', base .. 'asserted'), graceLeft}`,
);

/**
 * Removes, in one scope, every row and replica-holder entry of node ARGV[1] whose
 * incarnation is at most ARGV[2] (a dead one). Any node may run it, any number of
 * times: rows of a newer incarnation are kept. → ok
 */
export const PURGE_SCOPE = script(
  5,
  `${SCOPE_PRELUDE}
epochOf()
local dead = tonumber(inc)
local nk = base .. 'node:' .. node
for _, entry in ipairs(redis.call('SMEMBERS', nk)) do
  local group, actor = split2(entry)
  local mk = base .. 'm:' .. group
  local v = redis.call('HGET', mk, node .. '\\n' .. actor)
  if not v then
    redis.call('SREM', nk, entry)
  elseif tonumber(head(v)) <= dead then
    redis.call('HDEL', mk, node .. '\\n' .. actor)
    redis.call('SREM', nk, entry)
    changes[#changes + 1] = {'m', group, node, actor, 0, ''}
  end
end
local h = redis.call('HGET', KEYS[3], node)
if h and tonumber(h) <= dead then redis.call('HDEL', KEYS[3], node) end
if redis.call('SCARD', nk) == 0 and redis.call('HEXISTS', KEYS[3], node) == 0 then
  redis.call('SREM', KEYS[5], scopeId)
end
commit()
return 'ok'`,
);

// Cluster-wide scripts: KEYS = nodes, hb, fence, purges, store, grace, reaped-at.
const CLUSTER_PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Registers a new incarnation of node ARGV[1] (Redis TIME in µs: it grows across
 * restarts). A previous live incarnation is fenced and queued for purge. A missing
 * store token means the data is new or lost: make one (ARGV[3]) and grant ARGV[2] ms
 * of grace before anyone is reaped. → incarnation, store token
 */
export const REGISTER = script(
  7,
  `${CLUSTER_PRELUDE}
local inc = t[1] .. string.format('%06d', tonumber(t[2]))
if redis.call('EXISTS', KEYS[5]) == 0 then
  redis.call('SET', KEYS[5], ARGV[3])
  redis.call('SET', KEYS[6], now + tonumber(ARGV[2]))
end
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  redis.call('HSET', KEYS[3], ARGV[1], old)
  redis.call('SADD', KEYS[4], ARGV[1] .. '\\n' .. old)
end
redis.call('HSET', KEYS[1], ARGV[1], inc)
redis.call('ZADD', KEYS[2], now, ARGV[1])
return {inc, redis.call('GET', KEYS[5])}`,
);

/**
 * One heartbeat of node ARGV[1] incarnation ARGV[2], then a reaper pass: every node
 * whose heartbeat is older than ARGV[3] ms flips from alive to dead exactly once (its
 * fence raised, a purge queued). A gap of more than ARGV[4] ms since the last pass by
 * anyone (a Redis stall or restart) grants one timeout of grace first.
 * → ok storeToken purges live-nodes | lost | fenced
 */
export const TICK = script(
  7,
  `${CLUSTER_PRELUDE}
local store = redis.call('GET', KEYS[5])
if not store then return {'lost'} end
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return {'fenced'} end
redis.call('ZADD', KEYS[2], now, ARGV[1])
local timeout = tonumber(ARGV[3])
local last = tonumber(redis.call('GET', KEYS[7]) or '0')
redis.call('SET', KEYS[7], now)
if last > 0 and now - last > tonumber(ARGV[4]) then redis.call('SET', KEYS[6], now + timeout) end
if now >= tonumber(redis.call('GET', KEYS[6]) or '0') then
  for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - timeout)) do
    local i = redis.call('HGET', KEYS[1], n)
    if i then
      redis.call('HDEL', KEYS[1], n)
      redis.call('HSET', KEYS[3], n, i)
      redis.call('SADD', KEYS[4], n .. '\\n' .. i)
    end
    redis.call('ZREM', KEYS[2], n)
  end
end
return {'ok', store, redis.call('SMEMBERS', KEYS[4]), redis.call('HKEYS', KEYS[1])}`,
);

/** Node ARGV[1] incarnation ARGV[2] leaves: fenced and queued for purge at once. → ok */
export const UNREGISTER = script(
  7,
  `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[1] .. '\\n' .. ARGV[2])
return 'ok'`,
);
