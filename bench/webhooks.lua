-- wrk script for bench/webhooks.py: each thread cycles through its share of pre-signed Shopify order webhooks,
-- each request with a unique X-Shopify-Webhook-Id (so every request is a new delivery to store).
-- Args: datafile nthreads path label
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  datafile, nthreads, path, label = args[1], tonumber(args[2]), args[3], args[4]
  sigs, bodies = {}, {}
  local n = 0
  for line in io.lines(datafile) do
    if n % nthreads == tid then
      local tab = line:find("\t", 1, true)
      table.insert(sigs, line:sub(1, tab - 1))
      table.insert(bodies, line:sub(tab + 1))
    end
    n = n + 1
  end
  sent = 0
end

function request()
  sent = sent + 1
  local i = (sent - 1) % #bodies + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Shopify-Topic"] = "orders/create",
    ["X-Shopify-Hmac-Sha256"] = sigs[i],
    ["X-Shopify-Webhook-Id"] = label .. "-" .. tid .. "-" .. sent,
    ["X-Shopify-Shop-Domain"] = "bench.myshopify.com",
  }
  return wrk.format("POST", path, headers, bodies[i])
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d connect_errors=%d read_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max, non2xx,
    summary.errors.connect, summary.errors.read, summary.errors.timeout))
end
