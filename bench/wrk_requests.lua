-- Hands out pre-generated raw HTTP requests, one per request() call (bench/webhooks.py).
--
-- wrk ... -s bench/wrk_requests.lua URL -- PREFIX THREADS MODE
--   PREFIX   thread N reads PREFIX.N (N from 1): records "<byte length>\n<raw request>"
--   THREADS  wrk's -t, so that every thread knows it has a file of its own
--   MODE     "wrap": start again at the first request when the file is used up (bare views);
--            "once": signed webhooks, whose tokens are refused when replayed; a thread that
--            runs out stops and done() reports it, which makes the figures meaningless.
-- done() prints one line, BENCH_RESULT {json}, with the figures bench/webhooks.py reads.

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  table.insert(threads, thread)
end

function init(args)
  local prefix, mode = args[1], args[3]
  wraps = mode == "wrap"
  pool = {}
  local file = assert(io.open(prefix .. "." .. id, "rb"))
  while true do
    local length = file:read("*l")
    if not length then
      break
    end
    pool[#pool + 1] = file:read(tonumber(length))
  end
  file:close()
  assert(#pool > 0, "no requests in " .. prefix .. "." .. id)
  pool_size = #pool
  position = 0
  handed_out = 0
  non2xx = 0
  ran_out = 0
end

function request()
  position = position + 1
  if position > #pool then
    if wraps then
      position = 1
    else
      ran_out = 1
      position = #pool
      wrk.thread:stop()
    end
  end
  handed_out = handed_out + 1
  return pool[position]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total, ran_out_total, handed_total, pool_total = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    ran_out_total = ran_out_total + thread:get("ran_out")
    handed_total = handed_total + thread:get("handed_out")
    pool_total = pool_total + thread:get("pool_size")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "non2xx": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, "status_errors": %d, '
      .. '"threads_out_of_requests": %d, "handed_out": %d, "pool": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, non2xx_total, errors.connect, errors.read, errors.write, errors.timeout,
    errors.status, ran_out_total, handed_total, pool_total
  ))
end
