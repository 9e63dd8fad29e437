-- LiftOS rate limit, state format v1: one token bucket per key, greedy refill, all-or-nothing over KEYS.
-- KEYS[i]: bucket keys. ARGV[1]: now (ms, caller's clock). ARGV[2i], ARGV[2i+1]: capacity, window (ms) of KEYS[i].
-- State (hash): v = format version, t = tokens scaled by window (1 token = window units, so refill is
-- capacity units per ms and all arithmetic stays integral), ts = last refill time (ms). A key with another
-- format version is treated as a full bucket. Keys expire when the bucket would be full again.
-- Returns {allowed (1/0), index of the reported key (1-based), remaining tokens, ms until full, ms until next token}.
local now = tonumber(ARGV[1])
local n = #KEYS
local tokens, cap, win, stamp = {}, {}, {}, {}
for i = 1, n do
  cap[i] = tonumber(ARGV[2 * i])
  win[i] = tonumber(ARGV[2 * i + 1])
  local full = cap[i] * win[i]
  local s = redis.call('HMGET', KEYS[i], 'v', 't', 'ts')
  local t, ts = full, now
  if s[1] == '1' then
    t = tonumber(s[2])
    ts = tonumber(s[3])
    if now > ts then
      t = math.min(full, t + (now - ts) * cap[i])
      ts = now
    end
  end
  tokens[i] = t
  -- a caller whose clock lags keeps the later stamp, so the same interval is never refilled twice
  stamp[i] = ts
end
for i = 1, n do
  if tokens[i] < win[i] then
    local full = cap[i] * win[i]
    return {0, i, 0, math.ceil((full - tokens[i]) / cap[i]), math.ceil((win[i] - tokens[i]) / cap[i])}
  end
end
local best, bestRemaining, bestReset = 1, -1, 0
for i = 1, n do
  local t = tokens[i] - win[i]
  local full = cap[i] * win[i]
  local toFull = math.ceil((full - t) / cap[i])
  redis.call('HSET', KEYS[i], 'v', '1', 't', string.format('%d', t), 'ts', string.format('%d', stamp[i]))
  redis.call('PEXPIRE', KEYS[i], toFull + 1 + (stamp[i] - now))
  local remaining = math.floor(t / win[i])
  if bestRemaining < 0 or remaining < bestRemaining then
    best, bestRemaining, bestReset = i, remaining, toFull
  end
end
return {1, best, bestRemaining, bestReset, 0}
