#!/usr/bin/env bash
# connect-local against moto (moto_server, the usual AWS mock) in the same run: DescribeInstance
# and TagResource, SigV4-signed by the same load generator, the same keep-alive connections and
# duration for both servers. Each server's answer is checked first (200), and every non-200 is counted.
# moto answers "Connection: close" (no keep-alive): the load generator then reconnects, as a client
# would, and counts those reconnections.
# Usage: bench/moto.sh [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-32}"
. bench/lib.sh
moto_pid=""
trap 'kill $moto_pid 2>/dev/null || true; cleanup' EXIT

port=$(free_port)
"$bin" serve --port "$port" --data-dir "$work/data" --transient-delay 0 --log-level warn >"$work/server.log" 2>&1 &
server_pid=$!
wait_healthy "$port"
moto_port=$(free_port)
moto_server -p "$moto_port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 400); do curl -s -o /dev/null "http://127.0.0.1:$moto_port/" && break; sleep 0.05; done

# Creates an instance on the server and prints "<id> <percent-encoded ARN>".
setup() {  # endpoint
  python3 - "$1" <<'PY'
import sys, urllib.parse, boto3
from botocore.config import Config
c = boto3.client("connect", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))
r = c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias="bench-moto", InboundCallsEnabled=True,
                      OutboundCallsEnabled=True)
assert c.describe_instance(InstanceId=r["Id"])["Instance"]["Id"] == r["Id"]
c.tag_resource(resourceArn=r["Arn"], tags={"team": "bench"})
print(r["Id"], urllib.parse.quote(r["Arn"], safe=""))
PY
}

for server in connect-local moto; do
  p=$port; [ "$server" = moto ] && p=$moto_port
  read -r id arn < <(setup "http://127.0.0.1:$p")
  for op in DescribeInstance TagResource; do
    if [ "$op" = DescribeInstance ]; then args=(--method GET --path "/instance/$id")
    else args=(--method POST --path "/tags/$arn" --body '{"tags":{"team":"bench","env":"load"}}'); fi
    # A few requests first, one connection: the server must answer every one with 200.
    first=$("$loadgen" --port "$p" --connections 1 --seconds 0.2 --op raw "${args[@]}")
    grep -Eq 'statuses=200:[0-9]+ *(closed-by-server=[0-9]+)?$' <<<"$first" || { echo "$server did not answer $op with 200: $first" >&2; exit 1; }
    out=$("$loadgen" --port "$p" --connections "$connections" --seconds "$seconds" --op raw "${args[@]}")
    echo "$server $op $out" | tee -a "$work/results.txt"
  done
done

python3 - "$work/results.txt" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    server, op = line.split()[:2]
    statuses = dict(s.split(":") for s in re.search(r"statuses=(.*)", line).group(1).split() if ":" in s)
    closed = re.search(r"closed-by-server=(\d+)", line)
    rows[(server, op)] = (float(re.search(r"rps=(\d+)", line).group(1)), float(re.search(r"p99=([\d.]+)ms", line).group(1)),
                          sum(int(v) for k, v in statuses.items() if k != "200"), int(closed.group(1)) if closed else 0)
print("\n| operation | server | req/s | p99 ms | non-200 | connections closed by the server |\n|---|---|---|---|---|---|")
for (server, op), (rps, p99, bad, closed) in sorted(rows.items(), key=lambda r: (r[0][1], r[0][0])):
    print(f"| {op} | {server} | {rps:,.0f} | {p99:.2f} | {bad} | {closed} |")
for op in ("DescribeInstance", "TagResource"):
    cl, mo = rows[("connect-local", op)], rows[("moto", op)]
    print(f"{op}: connect-local / moto req/s {cl[0] / mo[0]:.1f}x, p99 moto / connect-local {mo[1] / cl[1]:.1f}x")
PY
