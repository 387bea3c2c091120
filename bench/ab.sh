#!/usr/bin/env bash
# Two builds of the server side by side under the same load, in alternating rounds (A B A B ...),
# so that both see the same machine: SearchAvailablePhoneNumbers (or DescribePhoneNumber on one
# claimed number, or durable ClaimPhoneNumber on disk, every claim a new number) through HTTP and
# SigV4. Reports each round's p50/p99/req/s and the server's CPU
# time per request (user + system, from /proc), which a noisy shared machine disturbs far less
# than latency percentiles.
# Usage: bench/ab.sh BINARY_A BINARY_B [seconds=5] [connections=32] [rounds=3] [op=search|describe-phone|claim]
set -euo pipefail
cd "$(dirname "$0")/.."
a="$1" b="$2" seconds="${3:-5}" connections="${4:-32}" rounds="${5:-3}" op="${6:-search}"
. bench/lib.sh
declare -A pid port inst
trap 'kill ${pid[A]:-} ${pid[B]:-} 2>/dev/null || true; cleanup' EXIT
for s in A B; do
  port[$s]=$(free_port)
  bin_s=$a; [ $s = B ] && bin_s=$b
  "$bin_s" serve --port "${port[$s]}" --data-dir "$work/$s" --transient-delay 0 --log-level warn >"$work/$s.log" 2>&1 &
  pid[$s]=$!
  wait_healthy "${port[$s]}"
  inst[$s]=$(create_instance "http://127.0.0.1:${port[$s]}" ab)
  prepare_claims "${port[$s]}"
  if [ "$op" = describe-phone ]; then
    "$loadgen" --port "${port[$s]}" --connections 1 --seconds 1 --op claim --instance "${inst[$s]}" \
      --number-base 15559000000 >/dev/null
  fi
done
declare -A phone
if [ "$op" = describe-phone ]; then for s in A B; do phone[$s]=$(first_phone_id "${port[$s]}" "${inst[$s]}"); done; fi
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
echo "== $op, $connections connections, ${seconds}s per round; A=$a B=$b"
for r in $(seq "$rounds"); do
  for s in A B; do
    c0=$(cpu_ticks "${pid[$s]}")
    # each round claims from its own million numbers
    out=$("$loadgen" --port "${port[$s]}" --connections "$connections" --seconds "$seconds" --op "$op" \
      --instance "${inst[$s]}" --number-base $((15550000000 + r * 1000000)) --phone-id "${phone[$s]:-none}")
    c1=$(cpu_ticks "${pid[$s]}")
    n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$out")
    echo "$s round $r $out cpu_us_per_request=$(( (c1 - c0) * 1000000 / hz / (n > 0 ? n : 1) ))" | tee -a "$work/ab.txt"
  done
done
python3 - "$work/ab.txt" <<'PY'
import re, statistics, sys
rows = {"A": [], "B": []}
for line in open(sys.argv[1]):
    f = lambda k: float(re.search(k + r"=([\d.]+)", line).group(1))
    rows[line[0]].append((f("p50"), f("p99"), f("rps"), f("cpu_us_per_request")))
def rng(s, i): return f"{min(r[i] for r in rows[s]):.2f}–{max(r[i] for r in rows[s]):.2f}"
print("\n| build | p50 ms | p99 ms | req/s | server CPU µs/request (median) |\n|---|---|---|---|---|")
for s in ("A", "B"):
    cpu = statistics.median(r[3] for r in rows[s])
    print(f"| {s} | {rng(s, 0)} | {rng(s, 1)} | {min(r[2] for r in rows[s]):,.0f}–{max(r[2] for r in rows[s]):,.0f} | {cpu:.0f} |")
ma, mb = (statistics.median(r[1] for r in rows[s]) for s in ("A", "B"))
ca, cb = (statistics.median(r[3] for r in rows[s]) for s in ("A", "B"))
print(f"B / A: median p99 {mb / ma:.2f}, median CPU per request {cb / ca:.2f}")
PY
