#!/usr/bin/env bash
# Times `onestop supervise` on a seeded database (default: the onestop_bench database that
# `bash bench/run.sh postgres` leaves): the day's first, full pass, then two passes with nothing
# new. Run it on an idle machine. The CPU figure that counts is the machine's busy time: the
# pass's PostgreSQL backend exits with the command, so its own CPU time is gone from /proc.
#
#   bash bench/supervise.sh [DATABASE_URL]
set -euo pipefail
cd "$(dirname "$0")/.."
url=${1:-postgres://postgres@127.0.0.1:5432/onestop_bench}
bin=${ONESTOP_BIN:-target/release/onestop}
for tool in bc /usr/bin/time; do command -v $tool >/dev/null || { echo "supervise.sh: $tool is missing (apt-get install bc time)" >&2; exit 1; }; done
[ -x "$bin" ] || cargo build --release --locked
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)
busy() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
pass() {
  local b0 b1 t0 t1
  b0=$(busy); t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/time" env DATABASE_URL="$url" RUST_LOG=warn "$bin" supervise >"$work/out"
  t1=$(date +%s.%N); b1=$(busy)
  read -r user system <"$work/time"
  awk -v l="$1" -v w="$(echo "$t1 - $t0" | bc)" -v c="$(echo "$user + $system" | bc)" \
    -v m="$(echo "scale=2; ($b1 - $b0) / $hz" | bc)" -v o="$(head -1 "$work/out")" \
    'BEGIN {printf "%-22s wall %5.2f s  onestop CPU %4.2f s  machine busy %5.2f s  (%s)\n", l, w, c, m, o}'
}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
case $url in
  postgres*) psql "$url" -qc 'DELETE FROM supervision_passes' ;;
  *) sqlite3 "$url" 'DELETE FROM supervision_passes' ;;
esac
pass "full (day's first)"
pass "nothing new"
pass "nothing new"
