/**
 * The Lua scripts. Each runs atomically in Redis, so one script call is one round trip and
 * one indivisible step of a room's order. Keys are built inside the scripts from a prefix and
 * the room name (the reaper walks rooms it only learns there), so this engine needs one Redis
 * (or a primary with replicas), not Redis Cluster. Layout per room R, prefix P:
 *
 *   P{R}:meta      hash   epoch, seq            the room's order
 *   P{R}:log       stream id <seq>-0, field e   every event, capped at the log size
 *   P{R}:history   stream id <seq>-0, field e   public messages, capped at the history size
 *   P{R}:presence  hash   memberId -> JSON      members on every node, with their join seq
 *   P{R}:names     hash   folded -> memberId    name claims
 *   P{R}:tokens    hash   folded -> token       resume tokens of claims
 *   P{R}:ch        pub/sub channel              "<epoch>\n<event JSON>"
 *   Prooms         set    rooms                 for the reaper
 *   Pnodes         zset   nodeId -> lease expiry (ms, Redis clock)
 *
 * Every script's ARGV starts with P, the room, and a fresh epoch the room takes if it has
 * none yet (first use, or Redis lost its data).
 */
const PRELUDE = `
local P = ARGV[1]
local function k(room, suffix) return P .. '{' .. room .. '}:' .. suffix end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function epoch_of(room, fresh)
  local m = k(room, 'meta')
  local epoch = redis.call('HGET', m, 'epoch')
  if not epoch then
    epoch = fresh
    redis.call('HSET', m, 'epoch', epoch, 'seq', 0)
    redis.call('SADD', P .. 'rooms', room)
  end
  return epoch
end
local function node_of(id) return string.match(id, '^(.*):[^:]*$') or id end
-- One event: next seq, presence, log, history, notification. body is the draft's JSON
-- without its opening brace; extra is the presence JSON (join), the folded name (leave) or
-- the new name (rename).
local function order(room, epoch, body, kind, member, extra, public, history_size, log_size, notify)
  local seq = redis.call('HINCRBY', k(room, 'meta'), 'seq', 1)
  local ts = now_ms()
  local json = string.format('{"seq":%d,"ts":%d,', seq, ts) .. body
  if kind == 'join' then
    redis.call('HSET', k(room, 'presence'), member, string.format('{"seq":%d,', seq) .. extra)
  elseif kind == 'leave' then
    redis.call('HDEL', k(room, 'presence'), member)
    if extra ~= '' and redis.call('HGET', k(room, 'names'), extra) == member then
      redis.call('HDEL', k(room, 'names'), extra)
      redis.call('HDEL', k(room, 'tokens'), extra)
    end
  elseif kind == 'rename' then
    local old = redis.call('HGET', k(room, 'presence'), member)
    if old then
      local entry = cjson.decode(old)
      entry.name = extra
      redis.call('HSET', k(room, 'presence'), member, cjson.encode(entry))
    end
  end
  local id = string.format('%d-0', seq)
  redis.call('XADD', k(room, 'log'), 'MAXLEN', log_size, id, 'e', json)
  if public == '1' then
    redis.call('XADD', k(room, 'history'), 'MAXLEN', history_size, id, 'e', json)
  end
  if notify == '1' then redis.call('PUBLISH', k(room, 'ch'), epoch .. '\\n' .. json) end
  return {seq, ts, epoch}
end
local function snapshot(room, epoch)
  local seq = redis.call('HGET', k(room, 'meta'), 'seq')
  return {'snapshot', epoch, tonumber(seq),
    redis.call('HGETALL', k(room, 'presence')),
    redis.call('XRANGE', k(room, 'history'), '-', '+')}
end
`;

/** ARGV: P, room, fresh epoch, body, kind, member, extra, public, historySize, logSize, notify. */
export const ORDER_SCRIPT = `${PRELUDE}
local room = ARGV[2]
local epoch = epoch_of(room, ARGV[3])
return order(room, epoch, ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
`;

/** ARGV: P, room, fresh epoch. Returns {'snapshot', epoch, seq, presence, history}. */
export const SNAPSHOT_SCRIPT = `${PRELUDE}
local room = ARGV[2]
return snapshot(room, epoch_of(room, ARGV[3]))
`;

/**
 * ARGV: P, room, fresh epoch, since epoch, since seq. Returns {'events', epoch, seq, entries}
 * when the log still holds everything after since, else a snapshot (a reset).
 */
export const RECOVER_SCRIPT = `${PRELUDE}
local room = ARGV[2]
local epoch = epoch_of(room, ARGV[3])
local since = tonumber(ARGV[5])
local seq = tonumber(redis.call('HGET', k(room, 'meta'), 'seq'))
if ARGV[4] ~= epoch or since > seq or since < 0 then return snapshot(room, epoch) end
if since == seq then return {'events', epoch, seq, {}} end
local entries = redis.call('XRANGE', k(room, 'log'), string.format('%d-0', since + 1), '+')
if #entries == 0 or entries[1][1] ~= string.format('%d-0', since + 1) then
  return snapshot(room, epoch)
end
return {'events', epoch, seq, entries}
`;

/**
 * ARGV: P, room, fresh epoch, folded, member, token ('' for none). A claim wins if the
 * name is free, already the member's, or held under a lapsed node lease. Returns 1 or 0.
 */
export const CLAIM_SCRIPT = `${PRELUDE}
local names = k(ARGV[2], 'names')
local holder = redis.call('HGET', names, ARGV[4])
if holder and holder ~= ARGV[5] then
  local expires = redis.call('ZSCORE', P .. 'nodes', node_of(holder))
  if expires and tonumber(expires) > now_ms() then return 0 end
end
redis.call('HSET', names, ARGV[4], ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', k(ARGV[2], 'tokens'), ARGV[4], ARGV[6]) end
redis.call('SADD', P .. 'rooms', ARGV[2])
return 1
`;

/**
 * ARGV: P, room, fresh epoch, folded, member, token. Gives the name to member if it is held
 * with this token; returns the previous holder, or false.
 */
export const TAKE_OVER_SCRIPT = `${PRELUDE}
local names = k(ARGV[2], 'names')
local holder = redis.call('HGET', names, ARGV[4])
if not holder or redis.call('HGET', k(ARGV[2], 'tokens'), ARGV[4]) ~= ARGV[6] then return false end
redis.call('HSET', names, ARGV[4], ARGV[5])
return holder
`;

/** ARGV: P, room, fresh epoch, folded, member. Frees the name only if member holds it. */
export const RELEASE_SCRIPT = `${PRELUDE}
local names = k(ARGV[2], 'names')
if redis.call('HGET', names, ARGV[4]) == ARGV[5] then
  redis.call('HDEL', names, ARGV[4])
  redis.call('HDEL', k(ARGV[2], 'tokens'), ARGV[4])
end
return 1
`;

/**
 * ARGV: P, room (unused), fresh epoch, node, leaseMs, reap, historySize, logSize. Renews the
 * node's lease; with reap = '1' also ends every lapsed node: a leave with reason timeout for
 * each of its members (in join order), its names freed, its lease removed. Returns 1 if the
 * lease was new (first beat, or this node had been reaped or Redis lost its data).
 */
export const HEARTBEAT_SCRIPT = `${PRELUDE}
local now = now_ms()
local fresh = redis.call('ZADD', P .. 'nodes', now + tonumber(ARGV[5]), ARGV[4])
if ARGV[6] == '1' then
  local dead = redis.call('ZRANGEBYSCORE', P .. 'nodes', '-inf', now)
  if #dead > 0 then
    local is_dead = {}
    for _, n in ipairs(dead) do is_dead[n] = true end
    for _, room in ipairs(redis.call('SMEMBERS', P .. 'rooms')) do
      local presence = redis.call('HGETALL', k(room, 'presence'))
      local gone = {}
      for i = 1, #presence, 2 do
        local entry = cjson.decode(presence[i + 1])
        if is_dead[entry.nodeId] then table.insert(gone, entry) end
      end
      if #gone > 0 then
        table.sort(gone, function(a, b) return a.seq < b.seq end)
        local epoch = epoch_of(room, ARGV[3])
        for _, e in ipairs(gone) do
          local body = '"kind":"leave","memberId":' .. cjson.encode(e.memberId) ..
            ',"name":' .. cjson.encode(e.name) .. ',"reason":"timeout"}'
          order(room, epoch, body, 'leave', e.memberId, '', '0', ARGV[7], ARGV[8], '1')
        end
      end
      local names = redis.call('HGETALL', k(room, 'names'))
      for i = 1, #names, 2 do
        if is_dead[node_of(names[i + 1])] then
          redis.call('HDEL', k(room, 'names'), names[i])
          redis.call('HDEL', k(room, 'tokens'), names[i])
        end
      end
    end
    redis.call('ZREM', P .. 'nodes', unpack(dead))
  end
end
return fresh
`;

/** ARGV: P, room (unused), fresh epoch (unused). Returns {room, size, ...} for rooms with members. */
export const ROOMS_SCRIPT = `${PRELUDE}
local out = {}
for _, room in ipairs(redis.call('SMEMBERS', P .. 'rooms')) do
  local size = redis.call('HLEN', k(room, 'presence'))
  if size > 0 then
    table.insert(out, room)
    table.insert(out, size)
  end
end
return out
`;

/**
 * ARGV: P, room, fresh epoch (unused). Deletes an empty room's keys (a join ordered first keeps
 * it; one ordered later starts a new epoch). Returns 1 if the room is gone, 0 if it has members.
 */
export const DISCARD_SCRIPT = `${PRELUDE}
local room = ARGV[2]
if redis.call('HLEN', k(room, 'presence')) > 0 then return 0 end
redis.call('DEL', k(room, 'meta'), k(room, 'log'), k(room, 'history'), k(room, 'presence'),
  k(room, 'names'), k(room, 'tokens'))
redis.call('SREM', P .. 'rooms', room)
return 1
`;

/** ARGV: P, room (unused), fresh epoch (unused), node. Gives the node's lease up. */
export const LEAVE_NODE_SCRIPT = `${PRELUDE}
redis.call('ZREM', P .. 'nodes', ARGV[4])
return 1
`;
