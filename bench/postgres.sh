#!/usr/bin/env bash
# Shared deployments: durable ClaimPhoneNumber through nginx (as a user deploys it) in front of 1, 2
# and 3 connect-local nodes on one PostgreSQL, beside one SQLite node, in one run; then
# DescribePhoneNumber and SearchAvailablePhoneNumbers on PostgreSQL beside SQLite (the difference in
# search latency is what cross-node search consistency costs: a catch-up read of the change log).
# Usage: bench/postgres.sh [seconds=10] [connections=64]  (runs itself through scripts/with-postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CL_TEST_POSTGRES_DSN:-}" ]; then exec scripts/with-postgres "$0" "$@"; fi
seconds="${1:-10}"
connections="${2:-64}"
. bench/lib.sh

pids=()
cleanup_nodes() { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; pids=(); }
trap 'cleanup_nodes; cleanup' EXIT

psql_admin() { psql "$CL_TEST_POSTGRES_DSN" -v ON_ERROR_STOP=1 -q -c "$1"; }

# Both starters run in this shell (not in $(…)), so the pids they record are the ones cleanup kills;
# they leave the port in $started_port.
start_node() {  # store-args...
  started_port=$(free_port)
  "$bin" serve --port "$started_port" --transient-delay 0 --log-level warn "$@" >>"$work/server.log" 2>&1 &
  pids+=($!)
  wait_healthy "$started_port" >/dev/null
}

# nginx as the load balancer: keep-alive to the nodes, the client's Host kept for SigV4.
start_balancer() {  # node ports...
  local port upstreams=""
  port=$(free_port)
  started_port=$port
  for p in "$@"; do upstreams+="server 127.0.0.1:$p;"; done
  mkdir -p "$work/nginx-$port"
  cat >"$work/nginx-$port.conf" <<NGINX
worker_processes 2;
pid $work/nginx-$port/nginx.pid;
error_log $work/nginx-$port/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx-$port; proxy_temp_path $work/nginx-$port; fastcgi_temp_path $work/nginx-$port;
  uwsgi_temp_path $work/nginx-$port; scgi_temp_path $work/nginx-$port;
  upstream nodes { $upstreams keepalive 128; }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://nodes;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
    }
  }
}
NGINX
  nginx -c "$work/nginx-$port.conf" -p "$work" </dev/null >>"$work/nginx.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/_connect-local/health" >/dev/null && break; sleep 0.05; done
}

# Stocks 10^8 numbers with room for every claim; creates $instances instances (the instance quota
# raised to fit) and prints their ids, comma-separated: the first alone is the one-instance case.
instances=16
prepare() {  # port
  prepare_claims "$1" "\"instances\":$((instances + 1))"
  python3 - "http://127.0.0.1:$1" "$instances" <<'PY'
import sys, uuid, boto3
from botocore.config import Config
c = boto3.client("connect", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))
print(",".join(c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias=f"bench-{uuid.uuid4().hex[:12]}",
                                 InboundCallsEnabled=True, OutboundCallsEnabled=True)["Id"]
               for _ in range(int(sys.argv[2]))))
PY
}

claims() {  # label port instances number-base
  "$loadgen" --port "$2" --connections "$connections" --seconds "$seconds" --op claim --instance "$3" \
    --number-base "$4" >"$work/claim.txt"
  summary "$1" "$work/claim.txt" | tee -a "$results"
}

summary() {  # label file
  python3 - "$1" "$2" <<'PY'
import re, sys
label, text = sys.argv[1], open(sys.argv[2]).read()
rps = re.search(r"rps=([\d.]+)", text)
p50 = re.search(r"p50=([\d.]+)ms", text)
p99 = re.search(r"p99=([\d.]+)ms", text)
statuses = re.search(r"statuses=(.*)", text)
print(f"{label:<46} {float(rps.group(1)) if rps else 0:>9,.0f} req/s  p50 {p50.group(1) if p50 else '?':>6} ms"
      f"  p99 {p99.group(1) if p99 else '?':>6} ms  statuses {statuses.group(1).strip() if statuses else ''}")
PY
}

results="$work/results.txt"
: >"$results"

# Claims into one instance (each claim locks its instance until COMMIT: the per-instance quota is
# exact), then spread over $instances instances, as a deployment shared by many users sees them.
start_node --data-dir "$work/sqlite"
sqlite_port=$started_port
ids=$(prepare "$sqlite_port")
sqlite_instance=${ids%%,*}
claims "ClaimPhoneNumber, SQLite, 1 node, 1 instance" "$sqlite_port" "$sqlite_instance" 15550000000
claims "ClaimPhoneNumber, SQLite, 1 node, $instances instances" "$sqlite_port" "$ids" 15555000000

# 1, 2 and 3 PostgreSQL nodes behind nginx, each on a fresh database.
for nodes in 1 2 3; do
  db="bench_${nodes}_$RANDOM$RANDOM"
  psql_admin "CREATE DATABASE \"$db\""
  ports=()
  for _ in $(seq "$nodes"); do
    start_node --postgres "$CL_TEST_POSTGRES_DSN dbname=$db"
    ports+=("$started_port")
  done
  start_balancer "${ports[@]}"
  lb=$started_port
  ids=$(prepare "${ports[0]}")
  claims "ClaimPhoneNumber, PostgreSQL, $nodes node(s), 1 instance" "$lb" "${ids%%,*}" 15550000000
  claims "ClaimPhoneNumber, PostgreSQL, $nodes node(s), $instances instances" "$lb" "$ids" 15555000000
  if [ "$nodes" = 1 ]; then
    pg_port=${ports[0]} pg_instance=${ids%%,*}
  else
    for pid in "${pids[@]: -$((nodes + 1))}"; do kill "$pid" 2>/dev/null || true; done
  fi
done

# Reads on one PostgreSQL node beside the SQLite node.
for store in sqlite pg; do
  p_var="${store}_port" i_var="${store}_instance"
  p=${!p_var} i=${!i_var}
  "$loadgen" --port "$p" --connections 32 --seconds "$seconds" --op describe-phone --phone-id "$(first_phone_id "$p" "$i")" \
    >"$work/$store-describe.txt"
  summary "DescribePhoneNumber, $store, 1 node" "$work/$store-describe.txt" | tee -a "$results"
  "$loadgen" --port "$p" --connections 32 --seconds "$seconds" --op search --instance "$i" >"$work/$store-search.txt"
  summary "SearchAvailablePhoneNumbers, $store, 1 node" "$work/$store-search.txt" | tee -a "$results"
done
echo
cat "$results"
