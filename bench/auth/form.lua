-- POST a fixed form body (client_credentials grant or introspection) with HTTP Basic client authentication.
function init(args)
  body = args[1]
  auth = args[2]
end

function request()
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic " .. auth
  }, body)
end
