/**
 * The Lua scripts of the Redis backend: every mutation is one script that validates,
 * refuses a write of an incarnation that is not the node's live one or aimed at a
 * stale group epoch, writes absolute values, bumps the scope's sequence number and
 * publishes the change event carrying it. Lua has no rollback, so each script checks
 * everything before its first write. Every key and channel name comes from keys.ts.
 *
 * Scope scripts get KEYS = meta, groups, holders, nodes, node-scopes of ARGV[1],
 * asserted, and ARGV = node, incarnation, scope id, members prefix, node rows prefix,
 * events channel, group channel prefix, then their own from ARGV[8].
 *
 * An event is JSON `{ e: scope epoch, s: seq, c: [change…], a?: node to acknowledge }`,
 * a change one of `["g+", name, groupEpoch, createdAtMs, labelsJson]`, `["g-", name]`,
 * `["m", group, node, actor, count, "topic,topic", metaJson or ""]`. A membership row
 * is `incarnation\ncount\ntopic,topic\nmetaJson` (JSON text holds no raw newline).
 */
import { createHash } from "node:crypto";

export interface Script {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
  readonly keys: number;
}

function script(name: string, keys: number, lua: string): Script {
  return { name, lua, keys, sha: createHash("sha1").update(lua).digest("hex") };
}

const SCOPE_PRELUDE = `
local node, inc, scopeId = ARGV[1], ARGV[2], ARGV[3]
local membersPrefix, rowsPrefix, eventsChannel, groupChannels = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local changes = {}
local function epochOf()
  local e = redis.call('HGET', KEYS[1], 'epoch')
  if not e then
    local t = redis.call('TIME')
    e = t[1] .. string.format('%06d', tonumber(t[2]))
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
  redis.call('PUBLISH', eventsChannel, cjson.encode(ev))
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

/**
 * ARGV 8 name, 9 createdAtMs, 10 labels JSON, 11 group epoch (made by the caller, so a
 * create sent again after a lost reply finds its own group) → ok epoch seq | exists | fenced
 */
export const CREATE_GROUP = script(
  "create-group",
  6,
  `${SCOPE_PRELUDE}
if fenced() then return {'fenced'} end
epochOf()
local existing = groupEpoch(ARGV[8])
if existing == ARGV[11] then
  local e, s = commit()
  return {'ok', e, s}
end
if existing then return {'exists'} end
redis.call('HSET', KEYS[2], ARGV[8], ARGV[11] .. '\\n' .. ARGV[9] .. '\\n' .. ARGV[10])
changes[1] = {'g+', ARGV[8], ARGV[11], ARGV[9], ARGV[10]}
local e, s = commit()
return {'ok', e, s}`,
);

/**
 * ARGV 8 name → ok epoch seq | fenced. Deleting a missing group changes nothing. A seal
 * `!\n<groupEpoch>` goes out on the group's message channel first: receivers deliver
 * what came before it and nothing after it, whenever the event arrives.
 */
export const DELETE_GROUP = script(
  "delete-group",
  6,
  `${SCOPE_PRELUDE}
if fenced() then return {'fenced'} end
epochOf()
local doomed = groupEpoch(ARGV[8])
if doomed then
  redis.call('PUBLISH', groupChannels .. ARGV[8], '!\\n' .. doomed)
  local mk = membersPrefix .. ARGV[8]
  for _, f in ipairs(redis.call('HKEYS', mk)) do
    local owner, actor = split2(f)
    redis.call('SREM', rowsPrefix .. owner, ARGV[8] .. '\\n' .. actor)
  end
  redis.call('DEL', mk)
  redis.call('HDEL', KEYS[2], ARGV[8])
  changes[1] = {'g-', ARGV[8]}
end
local e, s = commit()
return {'ok', e, s}`,
);

/**
 * ARGV 8 group, 9 groupEpoch, 10 actor, 11 count, 12 topics, 13 node to acknowledge or
 * '', 14 meta JSON or '' → ok epoch seq holders(flat) | nogroup | fenced
 */
export const WRITE_MEMBERSHIP = script(
  "write-membership",
  6,
  `${SCOPE_PRELUDE}
if fenced() then return {'fenced'} end
epochOf()
if groupEpoch(ARGV[8]) ~= ARGV[9] then return {'nogroup'} end
local mk = membersPrefix .. ARGV[8]
local f = node .. '\\n' .. ARGV[10]
local nk = rowsPrefix .. node
local entry = ARGV[8] .. '\\n' .. ARGV[10]
if tonumber(ARGV[11]) > 0 then
  redis.call('HSET', mk, f, inc .. '\\n' .. ARGV[11] .. '\\n' .. ARGV[12] .. '\\n' .. ARGV[14])
  redis.call('SADD', nk, entry)
  redis.call('SADD', KEYS[5], scopeId)
else
  redis.call('HDEL', mk, f)
  redis.call('SREM', nk, entry)
end
changes[1] = {'m', ARGV[8], node, ARGV[10], tonumber(ARGV[11]), ARGV[12], ARGV[14]}
local e, s = commit(ARGV[13])
return {'ok', e, s, redis.call('HGETALL', KEYS[3])}`,
);

/**
 * Re-asserts a node's whole slice of a scope: ARGV 8 recreate ('1' after data loss),
 * 9 group count, then (name, groupEpoch, createdAtMs, labels)…, then (group,
 * groupEpoch, actor, count, topics, meta)…. Rows of the node not listed are removed; rows of
 * groups that are gone or re-created are refused. → ok epoch seq holders(flat) | fenced
 */
export const ASSERT_SLICE = script(
  "assert-slice",
  6,
  `${SCOPE_PRELUDE}
if fenced() then return {'fenced'} end
epochOf()
local i = 10
for _ = 1, tonumber(ARGV[9]) do
  local name = ARGV[i]
  if ARGV[8] == '1' and redis.call('HEXISTS', KEYS[2], name) == 0 then
    redis.call('HSET', KEYS[2], name, ARGV[i + 1] .. '\\n' .. ARGV[i + 2] .. '\\n' .. ARGV[i + 3])
    changes[#changes + 1] = {'g+', name, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]}
  end
  i = i + 4
end
local nk = rowsPrefix .. node
local wanted = {}
local any = false
while i <= #ARGV do
  local group, g, actor, count, topics, meta = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  i = i + 6
  if groupEpoch(group) == g then
    local mk = membersPrefix .. group
    local f = node .. '\\n' .. actor
    local v = inc .. '\\n' .. count .. '\\n' .. topics .. '\\n' .. meta
    wanted[group .. '\\n' .. actor] = true
    any = true
    if redis.call('HGET', mk, f) ~= v then
      redis.call('HSET', mk, f, v)
      redis.call('SADD', nk, group .. '\\n' .. actor)
      changes[#changes + 1] = {'m', group, node, actor, tonumber(count), topics, meta}
    end
  end
end
for _, entry in ipairs(redis.call('SMEMBERS', nk)) do
  if not wanted[entry] then
    local group, actor = split2(entry)
    redis.call('HDEL', membersPrefix .. group, node .. '\\n' .. actor)
    redis.call('SREM', nk, entry)
    changes[#changes + 1] = {'m', group, node, actor, 0, '', ''}
  end
end
if any then redis.call('SADD', KEYS[5], scopeId) end
redis.call('HSET', KEYS[6], node, inc)
local e, s = commit()
return {'ok', e, s, redis.call('HGETALL', KEYS[3])}`,
);

/**
 * The scope's whole state in one atomic read; ARGV 8 '1' also records this node as a
 * view holder (when it is alive). KEYS[7] is the store token, which must equal
 * ARGV[9]: a snapshot of a store that lost its data must not replace a view before the
 * nodes have re-asserted into it. KEYS[8] is the grace deadline. → epoch seq
 * groups(flat) [members(flat) per group], nodes that re-asserted their slice here,
 * grace left in ms | {'store'}
 */
export const SNAPSHOT = script(
  "snapshot",
  8,
  `${SCOPE_PRELUDE}
if redis.call('GET', KEYS[7]) ~= ARGV[9] then return {'store'} end
local e = epochOf()
if ARGV[8] == '1' and not fenced() then
  redis.call('HSET', KEYS[3], node, inc)
  redis.call('SADD', KEYS[5], scopeId)
end
local groups = redis.call('HGETALL', KEYS[2])
local members = {}
for j = 1, #groups, 2 do members[#members + 1] = redis.call('HGETALL', membersPrefix .. groups[j]) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local graceLeft = math.max(0, tonumber(redis.call('GET', KEYS[8]) or '0') - now)
return {e, redis.call('HGET', KEYS[1], 'seq'), groups, members, redis.call('HKEYS', KEYS[6]), graceLeft}`,
);

/**
 * Removes, in one scope, every row, view-holder and re-assertion entry of node ARGV[1]
 * whose incarnation is at most ARGV[2] (a dead one). Any node may run it, any number
 * of times: rows of a newer incarnation are kept. A scope left with no group and no
 * holder has its meta removed too: nobody can be behind on it. → ok
 */
export const PURGE_SCOPE = script(
  "purge-scope",
  6,
  `${SCOPE_PRELUDE}
local dead = tonumber(inc)
local nk = rowsPrefix .. node
for _, entry in ipairs(redis.call('SMEMBERS', nk)) do
  local group, actor = split2(entry)
  local mk = membersPrefix .. group
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
local a = redis.call('HGET', KEYS[6], node)
if a and tonumber(a) <= dead then redis.call('HDEL', KEYS[6], node) end
if redis.call('SCARD', nk) == 0 and redis.call('HEXISTS', KEYS[3], node) == 0 then
  redis.call('SREM', KEYS[5], scopeId)
end
if #changes > 0 then
  epochOf()
  commit()
end
if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[6])
end
return 'ok'`,
);

// Cluster-wide scripts: KEYS = nodes, hb, purges, store, grace, reaped-at.
const CLUSTER_PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Registers a new incarnation of node ARGV[1] (Redis TIME in µs: it grows across
 * restarts) — unless a live incarnation (heartbeat within ARGV[2] ms) holds the id:
 * → in-use. A previous, silent incarnation is retired and queued for purge. A missing
 * store token means the data is new or lost: make one (ARGV[3]) and grant ARGV[2] ms
 * of grace before anyone is reaped. → ok incarnation storeToken | in-use
 */
export const REGISTER = script(
  "register",
  6,
  `${CLUSTER_PRELUDE}
local timeout = tonumber(ARGV[2])
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local beat = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]) or '0')
  if beat >= now - timeout then return {'in-use'} end
  redis.call('SADD', KEYS[3], ARGV[1] .. '\\n' .. old)
end
local inc = t[1] .. string.format('%06d', tonumber(t[2]))
if redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('SET', KEYS[4], ARGV[3])
  redis.call('SET', KEYS[5], now + timeout)
end
redis.call('HSET', KEYS[1], ARGV[1], inc)
redis.call('ZADD', KEYS[2], now, ARGV[1])
return {'ok', inc, redis.call('GET', KEYS[4])}`,
);

/**
 * One heartbeat of node ARGV[1] incarnation ARGV[2], then a reaper pass: every node
 * whose heartbeat is older than ARGV[3] ms flips from alive to dead exactly once (it
 * leaves `nodes`, so its writes are refused, and a purge is queued). A gap of more than
 * ARGV[4] ms since the last pass by anyone (a Redis stall or restart) grants one
 * timeout of grace first. → ok storeToken purges live-nodes | lost | fenced
 */
export const TICK = script(
  "tick",
  6,
  `${CLUSTER_PRELUDE}
local store = redis.call('GET', KEYS[4])
if not store then return {'lost'} end
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return {'fenced'} end
redis.call('ZADD', KEYS[2], now, ARGV[1])
local timeout = tonumber(ARGV[3])
local last = tonumber(redis.call('GET', KEYS[6]) or '0')
redis.call('SET', KEYS[6], now)
if last > 0 and now - last > tonumber(ARGV[4]) then redis.call('SET', KEYS[5], now + timeout) end
if now >= tonumber(redis.call('GET', KEYS[5]) or '0') then
  for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - timeout)) do
    local i = redis.call('HGET', KEYS[1], n)
    if i then
      redis.call('HDEL', KEYS[1], n)
      redis.call('SADD', KEYS[3], n .. '\\n' .. i)
    end
    redis.call('ZREM', KEYS[2], n)
  end
end
return {'ok', store, redis.call('SMEMBERS', KEYS[3]), redis.call('HKEYS', KEYS[1])}`,
);

/**
 * Node ARGV[1] incarnation ARGV[2] leaves: it is no longer alive and its purge is
 * queued (the leaving node runs it at once). The last node out also removes the
 * deployment's cluster-wide state. → ok
 */
export const UNREGISTER = script(
  "unregister",
  6,
  `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('SADD', KEYS[3], ARGV[1] .. '\\n' .. ARGV[2])
return 'ok'`,
);

/** After the last purge of a node that left: removes the cluster-wide keys if no node is alive. → ok */
export const CLEAN_UP = script(
  "clean-up",
  6,
  `if redis.call('HLEN', KEYS[1]) == 0 and redis.call('SCARD', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[4], KEYS[5], KEYS[6], KEYS[2])
end
return 'ok'`,
);

/** Every script, loaded on each new command connection before anything else is sent. */
export const SCRIPTS: readonly Script[] = [
  CREATE_GROUP,
  DELETE_GROUP,
  WRITE_MEMBERSHIP,
  ASSERT_SLICE,
  SNAPSHOT,
  PURGE_SCOPE,
  REGISTER,
  TICK,
  UNREGISTER,
  CLEAN_UP,
];
