-- bench/api-load's wrk script: alternates the first page of a cluster's backups and its WAL
-- status, with a bearer token, at a fixed rate. wrk has no fixed-rate mode, so each thread keeps
-- a schedule: request k of the thread is due at start + k / (rate / threads), and a connection
-- that is free waits until the next slot is due. A server slower than the schedule gets no pause,
-- and the rate reached falls short: the bench reports it.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } shelter_timespec;
  int clock_gettime(int clock_id, shelter_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("shelter_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
  return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end

local token = os.getenv("API_LOAD_TOKEN")
local cluster = os.getenv("API_LOAD_CLUSTER")
local interval_ms = tonumber(os.getenv("API_LOAD_INTERVAL_MS")) -- between two requests of one thread
local paths = { "/api/v1/clusters/" .. cluster .. "/backups", "/api/v1/clusters/" .. cluster .. "/wal" }
local n = 0
local due = nil

request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % 2) + 1], { ["Authorization"] = "Bearer " .. token })
end

delay = function()
  local t = now_ms()
  if due == nil then
    due = t
  end
  due = due + interval_ms
  if due < t - 1000 then
    due = t -- more than a second behind: the server is slower than the rate, and no burst makes up for it
  end
  return math.max(0, math.floor(due - t))
end
