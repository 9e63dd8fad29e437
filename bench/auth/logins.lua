-- Password logins spread over many users (bench-user-1..N@example.test, one password): logins of one user
-- serialize on that user's row and session limit, which is not what a login flood of many users looks like.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

function init(args)
  users = tonumber(args[1])
  password = args[2]
  n = tid
end

function request()
  n = n + 1
  local body = '{"email":"bench-user-' .. (n % users + 1) .. '@example.test","password":"' .. password .. '"}'
  return wrk.format("POST", "/v1/auth/login", {["Content-Type"] = "application/json", ["User-Agent"] = "liftos-bench"}, body)
end
