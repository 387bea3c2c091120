#!/usr/bin/env bash
# SearchAvailablePhoneNumbers latency over a large inventory (13 US DID area codes, about 10^8
# valid numbers, 10^6 claimed: half clustered at the start of the first block, half at random)
# against a small one (one block of 10^4 numbers, 10^2 claimed), same server build, same load.
# Also reports the start-up time with the 10^6 claimed numbers.
# Usage: bench/search.sh [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-32}"
. bench/lib.sh
port=$(free_port)

start_server() {
  local started=$(date +%s.%N)
  "$bin" serve --port "$port" --data-dir "$1" --transient-delay 0 --log-level warn >"$work/server.log" 2>&1 &
  server_pid=$!
  wait_healthy "$port"
  python3 -c "import sys; print(f'start-up {float(sys.argv[2]) - float(sys.argv[1]):.2f} s')" "$started" "$(date +%s.%N)"
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }

# Lays out blocks and claimed numbers directly in the store (claiming 10^6 numbers through the
# API would dominate the run); the server loads them at start-up like any other state.
populate() {  # dir, mode
  python3 - "$1" "$2" <<'PY'
import random, sqlite3, sys, uuid
db = sqlite3.connect(sys.argv[1] + "/connect-local.db")
mode = sys.argv[2]
db.execute("DELETE FROM blocks")
if mode == "large":
    codes = ["201", "202", "203", "205", "206", "207", "208", "209", "210", "212", "213", "214", "215"]
    blocks = [("US", "DID", "+1" + c, 12) for c in codes]
    clustered = [f"+1201{n:07d}" for n in range(2000000, 2500000)]  # exchange codes 200+ are valid
    rng = random.Random(7)
    scattered = {f"+1{rng.choice(codes)}{rng.randrange(2000000, 10000000):07d}" for _ in range(520000)}
    numbers = sorted(set(clustered) | set(list(scattered)[:500000]))
else:
    blocks = [("US", "DID", "+1206555", 12)]
    numbers = [f"+1206555{n:04d}" for n in range(0, 10000, 100)]
db.executemany("INSERT INTO blocks (country, type, prefix, length) VALUES (?, ?, ?, ?)", blocks)
forever = 2**63 - 1
rows = [(str(uuid.UUID(int=i + 1, version=4)), n) for i, n in enumerate(numbers)]
db.executemany("INSERT INTO number_holds (number, held_until_ms, phone_number_id) VALUES (?, ?, ?)",
               [(n, forever, i) for i, n in rows])
db.executemany("INSERT INTO phone_numbers (id, account_id, region, number, country, type, target_arn, workflow, "
               "started_ms, settles_ms) VALUES (?, '999999999999', 'us-east-1', ?, 'US', 'DID', "
               "'arn:aws:connect:us-east-1:999999999999:instance/x', 'CLAIM', 0, 0)", rows)
db.commit()
print(f"{mode}: {len(blocks)} blocks, {len(numbers)} claimed numbers")
PY
}

run() {  # mode
  local dir="$work/$1"
  "$bin" serve --port "$port" --data-dir "$dir" --log-level warn >/dev/null 2>&1 &
  server_pid=$!
  wait_healthy "$port"
  stop_server
  populate "$dir" "$1"
  start_server "$dir"
  instance=$(create_instance "http://127.0.0.1:$port" search)
  echo "== SearchAvailablePhoneNumbers, $1 inventory, $connections connections, ${seconds}s"
  "$loadgen" --port "$port" --connections "$connections" --seconds "$seconds" --op search --instance "$instance" | tee "$work/$1.txt"
  stop_server
}

run large
run small
python3 - "$work/large.txt" "$work/small.txt" <<'PY'
import re, sys
def p99(f): return float(re.search(r"p99=([\d.]+)ms", open(f).read()).group(1))
def rps(f): return float(re.search(r"rps=(\d+)", open(f).read()).group(1))
l, s = sys.argv[1], sys.argv[2]
print(f"\nsearch p99: large {p99(l):.2f} ms, small {p99(s):.2f} ms, ratio {p99(l)/p99(s):.2f}; "
      f"throughput large {rps(l):,.0f}/s, small {rps(s):,.0f}/s")
PY
