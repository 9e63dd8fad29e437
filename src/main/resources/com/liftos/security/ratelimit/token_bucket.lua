-- LiftOS rate limit, state format v1: one token bucket per key, greedy refill, all-or-nothing over KEYS.
-- KEYS[i]: bucket keys. ARGV[1]: now (ms, caller's clock). ARGV[2i], ARGV[2i+1]: capacity, window (ms) of KEYS[i].
-- ARGV[2n+2] (optional): the mode. "take" (default): one token from every bucket, or none when one is empty.
-- "peek": the same decision, nothing taken. "spend": one token from every bucket that has one, never refused
-- (counting failures after the fact).
-- State (one string, two commands per bucket): "1:<t>:<ts>" = format version, tokens scaled by window
-- (1 token = window units, so refill is capacity units per ms and all arithmetic stays integral), last refill
-- time (ms). A value of another format version is treated as a full bucket. Keys expire when the bucket
-- would be full again (absent = full).
-- Returns {allowed (1/0), index of the reported key (1-based), remaining tokens, ms until full, ms until next token}.
local now = tonumber(ARGV[1])
local n = #KEYS
local mode = ARGV[2 * n + 2] or 'take'
local tokens, cap, win, stamp = {}, {}, {}, {}
for i = 1, n do
  cap[i] = tonumber(ARGV[2 * i])
  win[i] = tonumber(ARGV[2 * i + 1])
  local full = cap[i] * win[i]
  local t, ts = full, now
  -- pcall: a key of another type (an older layout) reads as absent and is overwritten below
  local v = redis.pcall('GET', KEYS[i])
  local st, sts = nil, nil
  if type(v) == 'string' then
    st, sts = string.match(v, '^1:(%d+):(%d+)$')
  end
  if st then
    t = tonumber(st)
    ts = tonumber(sts)
    if now > ts then
      t = math.min(full, t + (now - ts) * cap[i])
      ts = now
    end
  end
  tokens[i] = t
  -- a caller whose clock lags keeps the later stamp, so the same interval is never refilled twice
  stamp[i] = ts
end
if mode ~= 'spend' then
  for i = 1, n do
    if tokens[i] < win[i] then
      local full = cap[i] * win[i]
      return {0, i, 0, math.ceil((full - tokens[i]) / cap[i]), math.ceil((win[i] - tokens[i]) / cap[i])}
    end
  end
end
local best, bestRemaining, bestReset = 1, -1, 0
for i = 1, n do
  local t = math.max(0, tokens[i] - win[i])
  if mode == 'peek' then
    t = tokens[i]
  end
  local full = cap[i] * win[i]
  local toFull = math.ceil((full - t) / cap[i])
  if mode ~= 'peek' then
    redis.call('SET', KEYS[i], string.format('1:%d:%d', t, stamp[i]), 'PX', toFull + 1 + (stamp[i] - now))
  end
  local remaining = math.floor(t / win[i])
  if bestRemaining < 0 or remaining < bestRemaining then
    best, bestRemaining, bestReset = i, remaining, toFull
  end
end
return {1, best, bestRemaining, bestReset, 0}
