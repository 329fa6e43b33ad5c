#!/usr/bin/env bash
# README's test command: provisions what the tests need on a fresh Debian machine with Rust,
# then runs `cargo test --locked` (extra arguments are passed on). What it sets up, each only
# when missing:
#   - PostgreSQL answering on 127.0.0.1:5432 with trust auth (the PostgreSQL half of the tests);
#   - Debian's Chromium with a CJK font, Node.js and npm, and tests/browser's npm packages (the
#     browser journeys);
#   - HAProxy (two nodes behind a load balancer).
# Installing packages needs root (or sudo). It fails loudly, saying what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n=== %s\n' "$*"; }
die() { printf '\nTESTS NOT RUN: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "installing packages needs root or sudo: $*"
  fi
}

missing=()
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)
fc-list 2>/dev/null | grep -qi 'Noto.*CJK' || missing+=(fonts-noto-cjk)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v haproxy >/dev/null || missing+=(haproxy)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  command -v apt-get >/dev/null || die "no apt-get: install ${missing[*]} by hand"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

say "PostgreSQL on 127.0.0.1:5432 (trust auth)"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! as_root grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
pg_isready -h 127.0.0.1 -p 5432 || die "PostgreSQL is not answering on 127.0.0.1:5432"
psql -h 127.0.0.1 -U postgres -d postgres -Atc 'SELECT 1' >/dev/null \
  || die "cannot log in to PostgreSQL as postgres with trust auth"
export ONESTOP_TEST_POSTGRES_URL="${ONESTOP_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

say "browser journeys: $(chromium --version 2>/dev/null || echo 'no chromium')"
(cd tests/browser && npm ci --no-audit --no-fund >/dev/null) || die "npm ci in tests/browser failed"

# The load tests hold 1,000 connections on each side.
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge 4096 ] || die "the open-file limit $(ulimit -n) is too low for the load test"

say "cargo test --locked $*"
exec cargo test --locked "$@"
