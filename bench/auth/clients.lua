-- client_credentials grants from a population of clients: each request authenticates as the next client of the
-- file (one base64 "client_id:secret" per line), so every client draws from its own grant budget.
function init(args)
  clients = {}
  for line in io.lines(args[1]) do
    table.insert(clients, line)
  end
  next_client = 1
end

function request()
  local auth = clients[next_client]
  next_client = next_client % #clients + 1
  return wrk.format("POST", "/oauth2/token", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic " .. auth
  }, "grant_type=client_credentials")
end
