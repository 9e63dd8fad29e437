-- Refresh-token rotation under load: each thread keeps a queue of live refresh tokens; a request takes one, its
-- response puts the rotated successor back, so a token is never presented twice (which would revoke its session).
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
  local file = args[1]
  local per = tonumber(args[2])
  local i = 0
  for line in io.lines(file) do
    if i >= (tid - 1) * per and i < tid * per then
      table.insert(queue, line)
    end
    i = i + 1
  end
  failures = 0
  token_file = args[1]
  save = args[3] == "save"
end

function request()
  local token = table.remove(queue, 1)
  return wrk.format("POST", "/oauth2/token", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "liftos-bench"
  }, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  local next_token = string.match(body, '"refresh_token":"([^"]+)"')
  if next_token then
    table.insert(queue, next_token)
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
    for _, token in ipairs(t:get("queue")) do
      f:write(token .. "\n")
    end
  end
  f:close()
end
