-- Refresh-token rotation under load: each thread keeps a queue of live refresh tokens; a request takes one, its
-- response puts the rotated successor back, so a token is never presented twice (which would revoke its session).
-- The queue is a ring (head and tail indices): taking from the front of a Lua array shifts every element, which
-- with thousands of sessions per thread costs the load generator a share of the two cores the server needs.
-- args: token file, tokens per thread, and "save" to write the live tokens back to the file at the end (so the next
-- run continues the same sessions; a request still in flight when wrk stops loses its session, never reuses it).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  queue = {}
  head, tail = 1, 0
  local per = tonumber(args[2])
  local i = 0
  for line in io.lines(args[1]) do
    if i >= (tid - 1) * per and i < tid * per then
      tail = tail + 1
      queue[tail] = line
    end
    i = i + 1
  end
  failures = 0
  token_file = args[1]
  save = args[3] == "save"
end

function request()
  local token = queue[head]
  queue[head] = nil
  head = head + 1
  return wrk.format("POST", "/oauth2/token", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "liftos-bench"
  }, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  local next_token = string.match(body, '"refresh_token":"([^"]+)"')
  if next_token then
    tail = tail + 1
    queue[tail] = next_token
  else
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  if not threads[1]:get("save") then
    return
  end
  local f = io.open(threads[1]:get("token_file"), "w")
  for _, t in ipairs(threads) do
    local q, h, last = t:get("queue"), t:get("head"), t:get("tail")
    for k = h, last do
      if q[k] then
        f:write(q[k] .. "\n")
      end
    end
  end
  f:close()
end
