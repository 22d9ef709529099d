-- create.lua - wrk script for bench/store: 1 KiB pod creates, each with its
-- own name, against mk-apiserver (BENCH_TARGET=k8s) or etcd's v3 gateway
-- (BENCH_TARGET=etcd: a put-if-absent txn of the same bytes, as load.c
-- sends). wrk is a lean client: what it measures is the server, where
-- load.c (libcurl) spends as much CPU as the server it drives.
--
-- Base64 for etcd costs no per-request work beyond the name: the pod's
-- JSON is cut at 3-byte boundaries (JSON allows the spaces that pad it), so
-- the encoding of the fixed parts is made once and the name's is joined in.

local target = os.getenv("BENCH_TARGET") or "k8s"
local prefix = os.getenv("BENCH_PREFIX") or "w"
local NAME_LEN = 15 -- a multiple of 3

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function b64(s)
   return ((s:gsub(".", function(c)
      local bits, b = "", c:byte()
      for i = 8, 1, -1 do
         bits = bits .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0")
      end
      return bits
   end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
      if #x < 6 then return "" end
      local c = 0
      for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
      return b64chars:sub(c + 1, c + 1)
   end) .. ({ "", "==", "=" })[#s % 3 + 1])
end

-- Spaces after the opening brace bring s to a multiple of 3 bytes.
local function pad3(s)
   return "{" .. string.rep(" ", (3 - #s % 3) % 3) .. s:sub(2)
end

local head = pad3('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"')
local tail0 = '","namespace":"default","labels":{"app":"bench"},"annotations":{"pad":"'
local tail1 = '"}},"spec":{"containers":[{"name":"app","image":"busybox",' ..
   '"command":["sleep","3600"]}]}}'
local tail = tail0 .. string.rep("x", 1024 - #head - NAME_LEN - #tail0 - #tail1) .. tail1
local head64, tail64 = b64(head), b64(tail)

thread_id = 0
local next_id = 0
function setup(thread)
   thread:set("thread_id", next_id)
   next_id = next_id + 1
end

local n = 0
local function next_name()
   n = n + 1
   local name = string.format("%s%d-%d", prefix, thread_id, n)
   return name .. string.rep("z", NAME_LEN - #name) -- fixed width
end

function request()
   local name = next_name()
   if target == "etcd" then
      -- The key is short: encoded whole. The value reuses the fixed parts.
      local k = b64("/registry/pods/default/" .. name)
      local v = head64 .. b64(name) .. tail64
      local body = '{"compare":[{"key":"' .. k .. '","target":"CREATE","create_revision":"0"}],' ..
         '"success":[{"request_put":{"key":"' .. k .. '","value":"' .. v .. '"}}]}'
      return wrk.format("POST", "/v3/kv/txn", { ["Content-Type"] = "application/json" }, body)
   end
   return wrk.format("POST", "/api/v1/namespaces/default/pods",
      { ["Content-Type"] = "application/json" }, head .. name .. tail)
end

function done(summary, latency, requests)
   io.write(string.format("%s creates (wrk): %d in %.2f s: %.0f/s, " ..
      "p50 %.2f ms, p99 %.2f ms, %d non-2xx\n",
      target == "etcd" and "etcd" or "mk-apiserver", summary.requests,
      summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
