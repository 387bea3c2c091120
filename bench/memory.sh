#!/usr/bin/env bash
# Memory per claimed number: the server's resident memory after start-up with N claimed numbers
# (default 10^6) minus that with an empty store, divided by N. SQLite on disk. RSS is split into
# anonymous memory (the server's own: caches, the availability index, SQLite's page cache) and
# file-backed pages (the binary and shared libraries; SQLite reads its file with read(), so the OS
# page cache holding the database is not in the server's RSS). Also the start-up time.
# Usage: bench/memory.sh [numbers=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
numbers="${1:-1000000}"
. bench/lib.sh
port=$(free_port)
data="$work/data"

start_server() {
  local started=$(date +%s.%N)
  "$bin" serve --port "$port" --data-dir "$data" --transient-delay 0 --log-level warn >"$work/server.log" 2>&1 &
  server_pid=$!
  wait_healthy "$port"
  startup=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$started" "$(date +%s.%N)")
  sleep 1  # let start-up work that runs after the listener opens settle
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }
rss() {  # kB: total, anonymous, file-backed
  awk '/^VmRSS/{t=$2} /^RssAnon/{a=$2} /^RssFile/{f=$2} END{print t, a, f}' "/proc/$server_pid/status"
}

start_server
instance=$(create_instance "http://127.0.0.1:$port" memory)
# A request of each kind the benchmark's second server will have served too, so lazily built
# state is in both figures.
curl -sf "http://127.0.0.1:$port/_connect-local/health" >/dev/null
read -r empty_total empty_anon empty_file < <(rss)
empty_startup=$startup
stop_server

python3 bench/populate.py "$data/connect-local.db" "$instance" "$numbers"
db_mib=$(( $(stat -c %s "$data/connect-local.db") / 1024 / 1024 ))
start_server
read -r full_total full_anon full_file < <(rss)
stop_server

python3 - "$numbers" "$db_mib" "$empty_startup" "$startup" "$empty_total" "$empty_anon" "$empty_file" "$full_total" "$full_anon" "$full_file" <<'PY'
import sys
n, db = int(sys.argv[1]), sys.argv[2]
es, fs = sys.argv[3:5]
et, ea, ef, ft, fa, ff = (int(x) for x in sys.argv[5:])
print(f"| store | start-up s | RSS MiB | anonymous MiB | file-backed MiB |\n|---|---|---|---|---|")
print(f"| empty | {es} | {et/1024:.1f} | {ea/1024:.1f} | {ef/1024:.1f} |")
print(f"| {n:,} claimed ({db} MiB database) | {fs} | {ft/1024:.1f} | {fa/1024:.1f} | {ff/1024:.1f} |")
print(f"per claimed number: RSS {(ft-et)*1024/n:.1f} bytes, anonymous {(fa-ea)*1024/n:.1f} bytes (budget < 300)")
PY
