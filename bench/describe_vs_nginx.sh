#!/usr/bin/env bash
# DescribeInstance and DescribePhoneNumber (SigV4-signed, verified on every request, keep-alive)
# against nginx serving a static file of the same size, same machine, same load generator, same run.
# Usage: bench/describe_vs_nginx.sh [duration=10s] [connections=32] [rounds=1]
# With several rounds the two servers take turns (connect-local, nginx, connect-local, ...) and the
# median of the rounds' ratios is reported: on a shared machine nginx's own figure swings by a third.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10s}"
connections="${2:-32}"
rounds="${3:-1}"
. bench/lib.sh

port=$(free_port)
"$bin" serve --port "$port" --data-dir "$work/data" --transient-delay 0 --threads 2 --log-level warn >"$work/server.log" 2>&1 &
server_pid=$!
wait_healthy "$port"
endpoint="http://127.0.0.1:$port"

read -r instance_id phone_id < <(python3 - "$endpoint" <<'PY'
import sys, boto3
from botocore.config import Config
c = boto3.client("connect", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))
r = c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias="bench", InboundCallsEnabled=True,
                      OutboundCallsEnabled=True, Tags={"team": "bench"})
n = c.search_available_phone_numbers(InstanceId=r["Id"], PhoneNumberCountryCode="US", PhoneNumberType="DID",
                                     MaxResults=1)["AvailableNumbersList"][0]["PhoneNumber"]
p = c.claim_phone_number(InstanceId=r["Id"], PhoneNumber=n, PhoneNumberDescription="bench", Tags={"team": "bench"})
print(r["Id"], p["PhoneNumberId"])
PY
)

# nginx, two workers (one per core, as connect-local's two I/O threads), serving files of the sizes
# of the two responses.
nport=$(free_port)
mkdir -p "$work/www" "$work/nginx"
chmod 755 "$work" "$work/www"  # nginx workers run unprivileged
cat >"$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$nport; root $work/www; default_type application/json; }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!

run_wrk() { wrk -t2 -c"$connections" -d"$duration" --latency "$@"; }
compare() {  # name path
  local name=$1 path=$2
  python3 bench/sign_request.py --endpoint "$endpoint" --path "$path" >"$work/$name.lua"
  local size
  size=$(curl -s -o "$work/$name.body" -w '%{size_download}' -H "@"<(python3 - "$work/$name.lua" <<'PY'
import re, sys
for k, v in re.findall(r'wrk.headers\["(.*?)"\] = "(.*?)"', open(sys.argv[1]).read()):
    if k.lower() != "host": print(f"{k}: {v}")
PY
) "$endpoint$path")
  grep -q '"Arn"\|"PhoneNumberArn"' "$work/$name.body" || { echo "$name failed: $(cat "$work/$name.body")"; exit 1; }
  head -c "$size" /dev/zero | tr '\0' 'x' >"$work/www/$name.json"
  chmod 644 "$work/www/$name.json"
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$nport/$name.json" >/dev/null && break; sleep 0.1; done
  for round in $(seq "$rounds"); do
    echo "== connect-local $name (body $size bytes, $connections connections, $duration, round $round)"
    run_wrk -s "$work/$name.lua" "$endpoint" | tee "$work/$name.cl.$round.txt"
    echo "== nginx static file ($size bytes, round $round)"
    run_wrk "http://127.0.0.1:$nport/$name.json" | tee "$work/$name.ng.$round.txt"
    for f in cl ng; do
      grep -q "Non-2xx" "$work/$name.$f.$round.txt" && { echo "$name: $f answered non-2xx responses"; exit 1; }
    done
  done
  python3 - "$name" "$work" "$rounds" <<'PY'
import re, statistics, sys
def rps(f): return float(re.search(r"Requests/sec:\s+([\d.]+)", open(f).read()).group(1))
def p99(f): return re.search(r"^\s+99%\s+(\S+)", open(f).read(), re.M).group(1)
name, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
ratios = []
for r in range(1, rounds + 1):
    cl, ng = f"{work}/{name}.cl.{r}.txt", f"{work}/{name}.ng.{r}.txt"
    ratios.append(rps(cl) / rps(ng))
    print(f"\n{name}: connect-local {rps(cl):,.0f} req/s (p99 {p99(cl)}), nginx {rps(ng):,.0f} req/s (p99 {p99(ng)}), "
          f"ratio {ratios[-1]:.2f}")
if rounds > 1:
    print(f"{name}: median ratio over {rounds} rounds {statistics.median(ratios):.2f} "
          f"(range {min(ratios):.2f}-{max(ratios):.2f})")
print()
PY
}

compare DescribeInstance "/instance/$instance_id"
compare DescribePhoneNumber "/phone-number/$phone_id"
