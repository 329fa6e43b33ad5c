#!/usr/bin/env bash
# Measures how fast the outbox worker drains 10,000 queued mails to an SMTP server on loopback
# (the budget of issue 7: 500 mails/s or more on this 2-core machine).
#
#   cargo build --release --bin onestop --example smtp_sink
#   bash bench/mail.sh [CONNECTIONS...]          # e.g. bash bench/mail.sh 16 32 64
#
# The worker (`onestop worker --drain`) runs on core 0 with its SQLite database, the sink
# (examples/smtp_sink.rs, which accepts every mail and keeps nothing) on core 1. Each mail is
# rendered from the letter templates (text and HTML) when sent, as in production.
# Set DATABASE_URL to a postgres:// URL of an empty database to measure PostgreSQL instead.
set -euo pipefail
bin=${ONESTOP_BIN:-target/release/onestop}
sink=${ONESTOP_SINK:-target/release/examples/smtp_sink}
mails=${MAILS:-10000}
port=${SINK_PORT:-2526}
work=$(mktemp -d)
trap 'kill $sink_pid 2>/dev/null || true; rm -rf "$work"' EXIT
url=${DATABASE_URL:-$work/mail.db}

taskset -c 1 "$sink" "127.0.0.1:$port" >"$work/sink.log" 2>&1 &
sink_pid=$!
sleep 0.3
DATABASE_URL=$url RUST_LOG=warn "$bin" migrate >/dev/null

enqueue() {
  local sql="INSERT INTO outbox (recipient_email, lang, kind, subject, body, link_path, status,
      attempts, next_attempt_at, created_at)
    SELECT 'person' || n || '@example.cn', 'zh-CN', 'bench', '[4403062026112900000001] 您的申请已受理',
      '尊敬的 李明：' || char(10) || '您申请的“食品经营许可（新办）”已受理。', '/applications/1', 'pending', 0,
      CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
  case $url in
    postgres*)
      psql -q "$url" -c "DELETE FROM outbox" \
        -c "${sql/char(10)/chr(10)} FROM generate_series(1, $mails) AS n" ;;
    *)
      sqlite3 "$url" "DELETE FROM outbox;
        WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $mails)
        $sql FROM s;" ;;
  esac
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for connections in "${@:-16 32 64}"; do
  enqueue
  start=$(date +%s.%N)
  DATABASE_URL=$url RUST_LOG=warn ONESTOP_OUTBOX_CONNECTIONS=$connections \
    taskset -c 0 "$bin" worker --drain --smtp-url "smtp://127.0.0.1:$port" >"$work/worker.out"
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v n="$mails" -v c="$connections" -v out="$(cat "$work/worker.out")" \
    'BEGIN { printf "%3d connections: %s in %.1f s, %.0f mails/s\n", c, out, e - s, n / (e - s) }'
done
echo "sink: $(tail -1 "$work/sink.log")"
