-- SPDX-License-Identifier: MIT
-- ingest.lua -- wrk script of bench/http: POST the batch bodies of $BENCH_BODIES to
-- /v1/records, each body once: thread k of n sends lines k, k+n, k+2n, ... and then, when
-- its share is used up, repeats its last one (a duplicate costs little and is not counted:
-- the runner counts records stored from the log position, not requests).
local bodies = {}
local i = 0
local headers = {["Content-Type"] = "application/json"}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local n = tonumber(os.getenv("BENCH_THREADS"))
  local k = 0
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    if k % n == id then bodies[#bodies + 1] = line end
    k = k + 1
  end
  local token = os.getenv("BENCH_TOKEN")
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
end

function request()
  if i < #bodies then i = i + 1 end
  return wrk.format("POST", "/v1/records", headers, bodies[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"socket_errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
