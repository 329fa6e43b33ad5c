# What bench/run.sh and bench/grid.sh share: sourced by both after they set `backend`, `base`,
# `bin` and `work`, and `server` once the server runs.

die() { echo "bench: $*" >&2; exit 1; }

for tool in wrk curl taskset; do command -v $tool >/dev/null || die "$tool is missing (apt-get install wrk curl util-linux)"; done
[ -x "$bin" ] || cargo build --release --locked

# PostgreSQL's processes onto the given cores (0 during the runs, 0-1 afterwards).
pin_postgres() {
  for pid in $(pgrep -x postgres || pgrep -f 'postgres:|/postgres '); do taskset -a -cp "$1" "$pid" >/dev/null 2>&1 || true; done
}

cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ "$backend" = postgres ] && pin_postgres 0-1
  rm -rf "$work"
}
trap cleanup EXIT

# The server's CPU time so far, in clock ticks (user + system).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# Core 0's busy and idle ticks so far (everything on it: the server, PostgreSQL, the kernel).
core0_ticks() { awk '$1 == "cpu0" {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat; }

# Waits until core 0 (the server and the database) has been quiet for a second: the server's
# start-up supervision pass, and after a workload the supervision of what it wrote and the
# WAL's checkpoint, are not the next workload's.
wait_quiet() {
  local quiet=0 b0 b1
  for _ in $(seq 240); do
    read -r b0 _ < <(core0_ticks); sleep 0.5; read -r b1 _ < <(core0_ticks)
    if [ $((b1 - b0)) -le 5 ]; then quiet=$((quiet + 1)); else quiet=0; fi
    [ $quiet -ge 2 ] && return 0
  done
  echo "WARNING: core 0 did not become quiet"
}

# Signs in; prints "cookie token" (the CSRF token from `page`).
sign_in() {
  local email=$1 page=$2 jar="$work/jar.$1"
  curl -s -c "$jar" -b "$jar" "$base/login" -o "$work/login.html"
  local token
  token=$(grep -m1 -o 'name="csrf_token" value="[^"]*"' "$work/login.html" | sed 's/.*value="//;s/"//')
  curl -s -c "$jar" -b "$jar" -o /dev/null -X POST "$base/login" \
    --data-urlencode "csrf_token=$token" --data-urlencode "email=$email" \
    --data-urlencode "password=onestop-demo-2026"
  local cookie
  cookie=$(awk '$6=="onestop_session"{print "onestop_session="$7}' "$jar")
  [ -n "$cookie" ] || die "cannot sign in as $email"
  curl -s -H "Cookie: $cookie" "$base$page" -o "$work/page.html"
  token=$(grep -m1 -o 'name="csrf_token" value="[^"]*"' "$work/page.html" | sed 's/.*value="//;s/"//')
  [ -n "$token" ] || die "no CSRF token on $page for $email"
  echo "$cookie $token"
}

median() { sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
# wrk's latencies (850.00us, 1.20ms, 2.00s) in milliseconds.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f\n", v}'; }
