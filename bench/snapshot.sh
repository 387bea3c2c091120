#!/usr/bin/env bash
# State snapshots at scale: claims at least N numbers (default 100,000), then times export, reset,
# import and a start-up with --seed, and checks that every table comes back identical.
# Usage: bench/snapshot.sh [numbers=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
numbers="${1:-100000}"
. bench/lib.sh

port=$(free_port)
"$bin" serve --port "$port" --data-dir "$work/data" --transient-delay 0 >"$work/server.log" 2>&1 &
server_pid=$!
wait_healthy "$port"
admin="http://127.0.0.1:$port/_connect-local"
json() { curl -sf -H 'Content-Type: application/json' "$@"; }
json -X POST "$admin/inventory" -d '{"blocks":[{"country":"US","type":"THIRD_PARTY_DID","prefix":"+1555","length":12}]}' >/dev/null
json -X PUT "$admin/quotas" -d '{"account_id":"000000000000","region":"us-east-1","phone_numbers_per_instance":100000000}' >/dev/null
instance=$(create_instance "http://127.0.0.1:$port" snapshots)

claimed=0 base=15550000000
while [ "$claimed" -lt "$numbers" ]; do
  out=$("$loadgen" --port "$port" --connections 64 --seconds 5 --op claim --instance "$instance" --number-base "$base")
  ok=$(sed -n 's/.*statuses=.*200:\([0-9]*\).*/\1/p' <<<"$out")
  claimed=$((claimed + ${ok:-0}))
  base=$((base + 1000000))  # each round claims from a fresh range of the block
done
echo "claimed $claimed numbers"

seconds() { python3 -c 'import sys,time; print(f"{time.time()-float(sys.argv[1]):.2f}")' "$1"; }
t=$(date +%s.%N); json "$admin/snapshot" -o "$work/before.json"; export_s=$(seconds "$t")
size=$(stat -c %s "$work/before.json")
t=$(date +%s.%N); json -X POST "$admin/reset" -d '{}' >/dev/null; reset_s=$(seconds "$t")
t=$(date +%s.%N); json -X PUT "$admin/snapshot" --data-binary "@$work/before.json" >/dev/null; import_s=$(seconds "$t")
json "$admin/snapshot" -o "$work/after.json"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true

port=$(free_port)
t=$(date +%s.%N)
"$bin" serve --port "$port" --in-memory --transient-delay 0 --seed "$work/before.json" >"$work/seed.log" 2>&1 &
server_pid=$!
wait_healthy "$port"
seed_s=$(seconds "$t")
curl -sf "http://127.0.0.1:$port/_connect-local/snapshot" -o "$work/seeded.json"

python3 - "$work/before.json" "$work/after.json" "$work/seeded.json" <<'PY'
import json, sys
# schema_migrations records when each server applied its migrations: the same names, other times.
before, after, seeded = ({k: v for k, v in json.load(open(p))["tables"].items() if k != "schema_migrations"}
                         for p in sys.argv[1:])
assert before == after, "the imported state differs from the exported one"
assert before == seeded, "the seeded state differs from the exported one"
print(f"identical after import and after --seed: {sum(len(t['rows']) for t in before.values())} rows in {len(before)} tables")
PY
echo "snapshot of $claimed claimed numbers: $((size / 1024 / 1024)) MiB; export ${export_s}s, reset ${reset_s}s, import ${import_s}s, start-up with --seed ${seed_s}s"
