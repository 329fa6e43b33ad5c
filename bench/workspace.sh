#!/usr/bin/env bash
# Measures the clerk's queue page and a transition (W1 and W3 of ../shared/bench/WORKLOAD.md,
# at one connection for latency) against a seeded database:
#
#   target/release/onestop seed --applications 1000000        # DATABASE_URL as below
#   bash bench/workspace.sh [DATABASE_URL] [PORT]
#
# The server runs on core 0, wrk on core 1; each figure is the median (and p99) of a 5 s run.
# Needs wrk, curl, and sqlite3 or psql for picking the applications to accept.
set -euo pipefail
url=${1:-data/bench.db}
port=${2:-8090}
bin=${ONESTOP_BIN:-target/release/onestop}
base=http://127.0.0.1:$port
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

ONESTOP_BIND=127.0.0.1:$port DATABASE_URL=$url RUST_LOG=warn taskset -c 0 "$bin" serve \
  >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

# Sign in as clerk01 (department at position 1, FGJ).
curl -s -c "$work/jar" -b "$work/jar" "$base/login" -o "$work/login.html"
token=$(grep -m1 -o 'name="csrf_token" value="[^"]*"' "$work/login.html" | sed 's/.*value="//;s/"//')
curl -s -c "$work/jar" -b "$work/jar" -o /dev/null -X POST "$base/login" \
  --data-urlencode "csrf_token=$token" --data-urlencode "email=clerk01@bench.onestop.cn" \
  --data-urlencode "password=onestop-demo-2026" --data-urlencode "next=/workspace"
cookie=$(awk '$6=="onestop_session"{print "onestop_session="$7}' "$work/jar")
dept=FGJ
curl -s -H "Cookie: $cookie" "$base/workspace/$dept" -o "$work/queue.html"
token=$(grep -m1 -o 'name="csrf_token" value="[^"]*"' "$work/queue.html" | sed 's/.*value="//;s/"//')

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for query in "state=submitted&sort=newest" "" "level=red" "state=under_review&assigned=unassigned"; do
  printf '%-42s ' "queue ?$query"
  taskset -c 1 wrk -t1 -c1 -d5s --latency -H "Cookie: $cookie" "$base/workspace/$dept?$query" \
    | awk '/ 50%/{m=$2} / 99%/{p=$2} /Requests\/sec/{r=$2} END{print "median " m ", p99 " p ", " r " req/s"}'
done

# W3: accept applications in state submitted, each once.
select="select id from applications where department_id = (select id from departments order by position limit 1) and status = 'submitted' order by id limit 8000"
case $url in
  postgres://*|postgresql://*) ids=$(psql "$url" -Atc "$select" | paste -sd,) ;;
  *) ids=$(sqlite3 "$url" "$select" | paste -sd,) ;;
esac
cat >"$work/w3.lua" <<LUA
local ids = {$ids}
local i = 0
local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "$cookie"}
request = function()
  i = i + 1
  if ids[i] == nil then return wrk.format("GET", "/healthz") end
  return wrk.format("POST", "/workspace/applications/" .. ids[i] .. "/transitions/accept", headers,
    "csrf_token=$token&version=1&return_to=%2Fworkspace%2F$dept")
end
LUA
printf '%-42s ' "transition accept (303)"
taskset -c 1 wrk -t1 -c1 -d5s --latency -s "$work/w3.lua" "$base" \
  | awk '/ 50%/{m=$2} / 99%/{p=$2} /Requests\/sec/{r=$2} /Non-2xx/{e=$0} END{print "median " m ", p99 " p ", " r " req/s " e}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
