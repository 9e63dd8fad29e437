-- Password logins with a fixed JSON body.
function init(args)
  body = args[1]
end

function request()
  return wrk.format("POST", "/v1/auth/login", {["Content-Type"] = "application/json", ["User-Agent"] = "liftos-bench"}, body)
end
