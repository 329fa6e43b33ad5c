#!/usr/bin/env bash
# The benchmark of ../shared/bench/WORKLOAD.md: W1 (the clerk's queue), W2 (a citizen's
# submission), W3 (a clerk's transition) and the catalog search, on 1,000,000 applications.
#
#   bash bench/run.sh sqlite            # a fresh SQLite file under data/bench/
#   bash bench/run.sh postgres          # a fresh database onestop_bench on 127.0.0.1:5432
#   bash bench/run.sh sqlite grid       # the grid's workloads G1–G3 instead (bench/grid.sh)
#
# Environment: ONESTOP_BIN (default target/release/onestop, built first if missing),
# BENCH_APPLICATIONS (1000000), BENCH_HOTLINE (12345 hotline requests beside them: 1000000),
# BENCH_DRAFTS (prepared drafts for W2: 120000, 60000 on
# PostgreSQL), BENCH_KEEP=1 to reuse an already seeded database, BENCH_PORT (8090),
# BENCH_ONLY (e.g. "w1 search"), BENCH_SINGLE (the read workloads also timed at one connection,
# for their p50: "w1 hconsole hqueue"), BENCH_PERF=/tmp/perf to record a profile of core 0 during each
# workload's first run (perf report -i ... --sort comm,dso; BENCH_PERF_CALLGRAPH='--call-graph dwarf'
# and BENCH_PERF_HZ=500 with a binary built with debug line tables, for callers), BENCH_SERVER_LOG to keep the server's log (RUST_LOG, warn).
#
# As WORKLOAD.md says: the server (and PostgreSQL's processes) on core 0, wrk on core 1, one
# thread and 64 connections; per workload one 3 s warm-up and three 10 s runs; the median of
# req/s and of p99 is reported, with the server's CPU time per request and its peak resident
# memory. Afterwards the rows are counted: every W2 and W3 answer must be a 303 with its
# application, audit event and outbox row.
#
# W2 in OneStop: an application is filled in as a draft (on as many visits as the applicant
# needs) and then submitted; the submission is the request that validates the whole form and
# its materials and, in one transaction, gives the tracking number and writes the audit event
# and the receipt in the outbox. So W2 posts the submission of a prepared, complete draft (the
# seed's --drafts), each draft once, cycling over the services.
set -euo pipefail
cd "$(dirname "$0")/.."

backend=${1:-sqlite}
# The grid's workloads have their own data set (events and patrol points): bench/grid.sh.
[ "${2:-}" = grid ] && exec bash bench/grid.sh "$backend"
port=${BENCH_PORT:-8090}
base=http://127.0.0.1:$port
bin=${ONESTOP_BIN:-target/release/onestop}
applications=${BENCH_APPLICATIONS:-1000000}
drafts=${BENCH_DRAFTS:-$([ "$backend" = postgres ] && echo 60000 || echo 120000)}
hotline=${BENCH_HOTLINE:-1000000}
only=${BENCH_ONLY:-"w1 w2 w3 search h2 h3 hconsole hqueue"}
work=$(mktemp -d)
server=
source bench/lib.sh

case $backend in
  sqlite)
    mkdir -p data/bench
    url=data/bench/bench.db
    count() { sqlite3 "$url" "$1"; }
    if [ "${BENCH_KEEP:-0}" != 1 ]; then rm -f "$url" "$url-wal" "$url-shm"; fi
    ;;
  postgres)
    admin=postgres://postgres@127.0.0.1:5432/postgres
    url=postgres://postgres@127.0.0.1:5432/onestop_bench
    count() { psql "$url" -Atc "$1"; }
    if [ "${BENCH_KEEP:-0}" != 1 ]; then
      psql "$admin" -qc 'DROP DATABASE IF EXISTS onestop_bench' -c 'CREATE DATABASE onestop_bench'
    fi
    ;;
  *) die "usage: bench/run.sh sqlite|postgres" ;;
esac
export DATABASE_URL=$url RUST_LOG=${RUST_LOG:-warn}

if [ "${BENCH_KEEP:-0}" != 1 ]; then
  echo "seeding $applications applications, $hotline hotline requests and $drafts drafts ($backend)"
  "$bin" seed --applications "$applications" --drafts "$drafts" --hotline "$hotline"
fi

# The day's first supervision pass is full: on a fresh seed it records the supervision cards of
# every late application (about 643,000 on 1,000,000; the seed stores lapsed acceptances deemed,
# as the passes of those days would have). Done here, before the server starts, it does not run
# beside the first workloads (the server's own start-up pass then looks only at what changed
# since); it is timed, as the nightly pass a district's server does once a day.
started=$(date +%s%N)
"$bin" supervise >/dev/null
# The demo accounts: the hotline's operator among them.
"$bin" demo >/dev/null
echo "supervision's first pass of the day: $(( ($(date +%s%N) - started) / 1000000 )) ms"
[ "$backend" = postgres ] && pin_postgres 0
ONESTOP_BIND=127.0.0.1:$port ONESTOP_OUTBOX_WORKER=false ONESTOP_WORKERS=1 \
  taskset -c 0 "$bin" serve >"${BENCH_SERVER_LOG:-$work/server.log}" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/healthz" >/dev/null || { cat "$work/server.log"; die "the server did not start"; }
# At start the server runs its supervision pass (deemed acceptances, supervision cards) over
# every application, seconds of work on 1,000,000; wait until it is done, so that it is not
# counted against the first workload (it comes back every SUPERVISION_INTERVAL, not per request).
# Most of that work is PostgreSQL's, so what is watched is core 0 (the server and the
# database), not the server's process alone.
wait_quiet

# The 30 departments in position order; clerk k (k = 1..30) works in department k.
mapfile -t departments < <(count "SELECT code FROM departments ORDER BY position")
[ "${#departments[@]}" -eq 30 ] || die "expected 30 departments, found ${#departments[@]}"
lua_sessions="local sessions = {"
for k in $(seq 1 30); do
  read -r cookie token < <(sign_in "$(printf 'clerk%02d@bench.onestop.cn' "$k")" "/workspace/${departments[$((k - 1))]}")
  lua_sessions+="{dept=\"${departments[$((k - 1))]}\", cookie=\"$cookie\", token=\"$token\"},"
done
lua_sessions+="}"
read -r citizen_cookie citizen_token < <(sign_in citizen00001@bench.onestop.cn /applications)

# W1: the 50 newest submitted applications of department D, cycling over all 30.
cat >"$work/w1.lua" <<LUA
$lua_sessions
local i = 0
request = function()
  i = i + 1
  local s = sessions[(i % #sessions) + 1]
  return wrk.format("GET", "/workspace/" .. s.dept .. "?state=submitted&sort=newest", {["Cookie"] = s.cookie})
end
LUA

# W2: the submission of a prepared draft, each once, cycling over the services.
count "SELECT a.id FROM applications a JOIN users u ON u.id = a.applicant_id
       WHERE u.email = 'citizen00001@bench.onestop.cn' AND a.status = 'draft' ORDER BY a.id" >"$work/w2.ids"
[ -s "$work/w2.ids" ] || die "no prepared drafts: seed with --drafts"
cat >"$work/w2.lua" <<LUA
local ids = {}
for line in io.lines("$work/w2.ids") do ids[#ids + 1] = line end
local i, last = 0, 0
init = function(args) i, last = tonumber(args[1]) - 1, tonumber(args[2]) end
local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "$citizen_cookie"}
request = function()
  i = i + 1
  if i > last or ids[i] == nil then return wrk.format("GET", "/healthz") end
  return wrk.format("POST", "/applications/" .. ids[i] .. "/submit", headers,
    "csrf_token=$citizen_token&declaration=yes")
end
LUA

# W3: "accept" for applications in state submitted, each once, by their department's clerk.
{
  for k in $(seq 1 30); do
    count "SELECT a.id FROM applications a JOIN departments d ON d.id = a.department_id
           WHERE d.code = '${departments[$((k - 1))]}' AND a.status = 'submitted'
           ORDER BY a.id LIMIT 4000" | sed "s/\$/ $k/"
  done
} | sort -n -k1,1 | awk '{print $1, $2}' >"$work/w3.ids"
cat >"$work/w3.lua" <<LUA
$lua_sessions
local jobs = {}
for line in io.lines("$work/w3.ids") do
  local id, k = line:match("(%d+) (%d+)")
  jobs[#jobs + 1] = {id = id, k = tonumber(k)}
end
local i, last = 0, 0
init = function(args) i, last = tonumber(args[1]) - 1, tonumber(args[2]) end
request = function()
  i = i + 1
  local job = jobs[i]
  if i > last or job == nil then return wrk.format("GET", "/healthz") end
  local s = sessions[job.k]
  return wrk.format("POST", "/workspace/applications/" .. job.id .. "/transitions/accept",
    {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = s.cookie},
    "csrf_token=" .. s.token .. "&version=1&return_to=%2Fworkspace%2F" .. s.dept)
end
LUA

# The 12345 hotline (issue 20), beside W2 and W3: H2 an operator records a phone call (the
# request's submission: number, clock, audit event and receipt in one transaction), H3 the
# operator dispatches a received request to a department (a transition), and the two pages
# that must stay fast: the operator's console with a caller's earlier requests, and a
# department's hotline queue.
read -r operator_cookie operator_token < <(sign_in operator@demo.onestop.cn /hotline/console)
cat >"$work/h2.lua" <<LUA
local i = 0
local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "$operator_cookie"}
request = function()
  i = i + 1
  return wrk.format("POST", "/hotline/console", headers,
    "csrf_token=$operator_token&request_type=complaint&subject=%E5%B0%8F%E5%8C%BA%E5%A4%9C%E9%97%B4%E6%96%BD%E5%B7%A5%E5%99%AA%E9%9F%B3%E6%89%B0%E6%B0%91&description=%E8%A5%BF%E4%B9%A1%E8%A1%97%E9%81%93%E6%9F%90%E5%B7%A5%E5%9C%B0%E6%AF%8F%E6%99%9A%E5%8D%81%E4%B8%80%E7%82%B9%E5%90%8E%E4%BB%8D%E5%9C%A8%E6%96%BD%E5%B7%A5%EF%BC%8C%E5%99%AA%E9%9F%B3%E5%BE%88%E5%A4%A7%EF%BC%8C%E5%BD%B1%E5%93%8D%E5%B1%85%E6%B0%91%E4%BC%91%E6%81%AF%EF%BC%8C%E8%AF%B7%E5%B0%BD%E5%BF%AB%E5%A4%84%E7%90%86%E3%80%82&caller_phone=139" .. string.format("%08d", i))
end
LUA
# A twentieth of the seeded requests are received (50,000 of 1,000,000): enough for three runs
# at up to 1,300 dispatches a second. A faster run is told to seed more (BENCH_HOTLINE).
count "SELECT id FROM applications WHERE kind = 'hotline' AND status = 'hotline_received'
       AND version = 1 ORDER BY id LIMIT 200000" >"$work/h3.ids"
[ -s "$work/h3.ids" ] || [[ " $only " != *" h3 "* ]] || die "no received hotline requests: seed with --hotline"
cat >"$work/h3.lua" <<LUA
local ids = {}
for line in io.lines("$work/h3.ids") do ids[#ids + 1] = line end
local i, last = 0, 0
init = function(args) i, last = tonumber(args[1]) - 1, tonumber(args[2]) end
local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "$operator_cookie"}
request = function()
  i = i + 1
  if i > last or ids[i] == nil then return wrk.format("GET", "/healthz") end
  return wrk.format("POST", "/workspace/hotline/" .. ids[i] .. "/transitions/dispatch", headers,
    "csrf_token=$operator_token&version=1&department=SJJ&note=%E8%AF%B7%E6%A0%B8%E6%9F%A5%E5%A4%84%E7%90%86")
end
LUA
cat >"$work/hconsole.lua" <<LUA
local i = 0
local headers = {["Cookie"] = "$operator_cookie"}
request = function()
  i = i + 1
  return wrk.format("GET", "/hotline/console?phone=" .. (13800000000 + (i * 7919) % 200000), headers)
end
LUA
# The departments the hotline's topics dispatch to (src/domain/hotline.toml).
cat >"$work/hqueue.lua" <<LUA
$lua_sessions
local topical = {SJJ = true, CGJ = true, STHJ = true, SWJ = true, ZJJ = true, JTJ = true,
  RLZYJ = true, JYJ = true, WJJ = true, GAFJ = true, MZJ = true, YJJ = true, ZSJ = true}
local chosen = {}
for _, s in ipairs(sessions) do if topical[s.dept] then chosen[#chosen + 1] = s end end
local i = 0
request = function()
  i = i + 1
  local s = chosen[(i % #chosen) + 1]
  return wrk.format("GET", "/workspace/" .. s.dept .. "/hotline", {["Cookie"] = s.cookie})
end
LUA

# The catalog search: two-character Chinese terms, in turn.
cat >"$work/search.lua" <<'LUA'
local terms = {"食品", "许可", "建设", "医疗", "登记", "变更", "道路", "教育", "药品", "排水"}
local i = 0
request = function()
  i = i + 1
  local term = terms[(i % #terms) + 1]:gsub(".", function(c) return string.format("%%%02X", c:byte()) end)
  return wrk.format("GET", "/services?q=" .. term)
end
LUA

ticks_per_second=$(getconf CLK_TCK)

results=()
declare -A cpu_of
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for workload in $only; do
  script="$work/$workload.lua"
  # W2 and W3 use each prepared id once: the warm-up and each run get their own share of them
  # (a fifth, and a quarter of the rest each), and the rows are counted against them below.
  ids=0
  [ -f "$work/$workload.ids" ] && ids=$(wc -l <"$work/$workload.ids")
  share=$((ids * 4 / 15))
  taskset -c 1 wrk -t1 -c64 -d3s -s "$script" "$base" -- 1 $((ids / 5)) >"$work/$workload.0"
  rates=() p99s=() errors=0 total=$(awk '/requests in/{print $1}' "$work/$workload.0")
  # The CPU is read around the three runs, so it is divided by their requests alone: counting
  # the warm-up's too understated it by a tenth (before 2026-12-07 21:10 UTC).
  run_requests=0
  before=$(cpu_ticks)
  core_before=$(core0_ticks)
  for run in 1 2 3; do
    first=$((ids / 5 + (run - 1) * share + 1))
    profile=
    if [ -n "${BENCH_PERF:-}" ] && [ $run -eq 1 ]; then
      # All of core 0: the server, PostgreSQL's processes and the kernel's work for them.
      perf record -q -e cpu-clock -F "${BENCH_PERF_HZ:-2000}" ${BENCH_PERF_CALLGRAPH:--g} -C 0 -o "$BENCH_PERF.$workload" -- sleep 9 2>/dev/null &
      profile=$!
    fi
    taskset -c 1 wrk -t1 -c64 -d10s --latency -s "$script" "$base" -- $first $((first + share - 1)) \
      >"$work/$workload.$run"
    [ -n "$profile" ] && wait "$profile"
    rates+=("$(awk '/Requests\/sec/{print $2}' "$work/$workload.$run")")
    p99s+=("$(awk '/ 99%/{print $2}' "$work/$workload.$run" | to_ms)")
    errors=$((errors + $(awk '/Non-2xx or 3xx/{print $5}' "$work/$workload.$run" | grep . || echo 0)))
    done_now=$(awk '/requests in/{print $1}' "$work/$workload.$run")
    total=$((total + done_now))
    run_requests=$((run_requests + done_now))
  done
  after=$(cpu_ticks)
  core_after=$(core0_ticks)
  rate=$(printf '%s\n' "${rates[@]}" | median)
  p99=$(printf '%s\n' "${p99s[@]}" | median)
  if [ "$ids" -gt 0 ]; then
    for run in 0 1 2 3; do
      sent=$(awk '/requests in/{print $1}' "$work/$workload.$run")
      budget=$share; [ $run -eq 0 ] && budget=$((ids / 5))
      [ "$sent" -le "$budget" ] || echo "WARNING: $workload run $run sent $sent requests but had $budget ids: seed more (BENCH_DRAFTS, BENCH_HOTLINE) or the figure is wrong"
    done
    echo "$workload: $total requests sent, warm-up included"
  fi
  [ "${total:-0}" -gt 0 ] || die "$workload: no request completed (every one timed out?)"
  cpu=$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$run_requests" 'BEGIN{printf "%.0f", t / hz / n * 1e6}')
  # Core 0 busy: below 100% the server waits on something other than its core.
  busy=$(echo "$core_before $core_after" | awk '{b = $3 - $1; i = $4 - $2; printf "%.0f", 100 * b / (b + i)}')
  line=$(printf '%-7s %8.0f req/s (runs %s)  p99 %6.1f ms (runs %s)  %4s µs CPU/request  core 0 %3s%% busy  non-2xx/3xx %d' \
    "$workload" "$rate" "$(IFS=/; echo "${rates[*]}")" "$p99" "$(IFS=/; echo "${p99s[*]}")" "$cpu" "$busy" "$errors")
  echo "$line"
  results+=("$line")
  cpu_of[$workload]=$cpu
  # The pages that must stay fast for one person (the issue's "under 10 ms at p50"): the time
  # of one request alone, at one connection, not the queueing of 64.
  if [[ " ${BENCH_SINGLE:-w1 hconsole hqueue} " == *" $workload "* ]]; then
    taskset -c 1 wrk -t1 -c1 -d5s --latency -s "$script" "$base" >"$work/$workload.single"
    echo "$workload at one connection: p50 $(awk '/ 50%/{print $2}' "$work/$workload.single" | to_ms) ms, p99 $(awk '/ 99%/{print $2}' "$work/$workload.single" | to_ms) ms"
  fi
done
rss=$(awk '/VmHWM/{print $2 / 1024}' "/proc/$server/status")
echo "peak resident memory of the server: ${rss} MB"
# SQLite's mapped database file counts in the resident set as file pages (the kernel's page
# cache, shared); what the server allocated itself is the anonymous part.
echo "resident now: $(awk '/RssAnon/{a=$2} /RssFile/{f=$2} END{printf "%.0f MB allocated, %.0f MB of mapped files", a / 1024, f / 1024}' "/proc/$server/status")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Every submission and transition the server confirmed is on the record. The server is stopped
# first: requests still in flight when wrk ended would otherwise commit between two counts
# (a PostgreSQL run once counted two more numbered applications than submission events).
kill "$server" && wait "$server" 2>/dev/null || true
server=
submitted=$(count "SELECT count(*) FROM application_events WHERE kind = 'submitted'")
accepted=$(count "SELECT count(*) FROM application_events WHERE kind = 'accept'")
with_number=$(count "SELECT count(*) FROM applications a WHERE a.status <> 'draft'
  AND a.tracking_number IS NOT NULL AND a.id IN (SELECT application_id FROM application_events WHERE kind = 'draft_started')")
outbox=$(count "SELECT count(*) FROM outbox")
echo "on the record: $with_number submitted drafts with tracking numbers, $submitted submission events," \
  "$accepted acceptances, $outbox outbox rows"
recorded=$(count "SELECT count(*) FROM application_events WHERE kind = 'hotline_received'")
dispatched=$(count "SELECT count(*) FROM application_events WHERE kind = 'dispatch'")
new_requests=$(count "SELECT count(*) FROM hotline_requests r JOIN application_events e
  ON e.application_id = r.application_id AND e.kind = 'hotline_received'")
echo "the hotline on the record: $recorded calls recorded ($new_requests with their request), $dispatched dispatches"

# The regression guard: a workload whose server CPU per request exceeds its limit in
# bench/limits fails the run, so that a slower commit shows in its first benchmark.
failed=0
while read -r limit_backend limit_workload limit_us _; do
  [ "$limit_backend" = "$backend" ] || continue
  measured=${cpu_of[$limit_workload]:-}
  [ -n "$measured" ] || continue
  if [ "$measured" -gt "$limit_us" ]; then
    echo "REGRESSION: $limit_workload used $measured µs of server CPU per request, above its limit of $limit_us µs (bench/limits)" >&2
    failed=1
  else
    echo "$limit_workload: $measured µs within its limit of $limit_us µs"
  fi
done < <(grep -v '^#' bench/limits)
exit $failed
