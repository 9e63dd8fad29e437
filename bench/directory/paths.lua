-- GET requests over a file of paths (one a line), each request a random line; the token comes from wrk -H.
-- A response other than 200 is counted by wrk as non-2xx.
local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() * 1000 + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 1000)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
