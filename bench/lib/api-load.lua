-- bench/api-load's wrk script: alternates the first page of a cluster's backups and its WAL
-- status, with a bearer token, each connection pausing between requests so that all of them
-- together ask about the target rate (closed loop: wrk has no fixed-rate mode).
local token = os.getenv("API_LOAD_TOKEN")
local cluster = os.getenv("API_LOAD_CLUSTER")
local pause_ms = tonumber(os.getenv("API_LOAD_PAUSE_MS"))
local paths = { "/api/v1/clusters/" .. cluster .. "/backups", "/api/v1/clusters/" .. cluster .. "/wal" }
local n = 0

request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % 2) + 1], { ["Authorization"] = "Bearer " .. token })
end

delay = function()
  return pause_ms
end
