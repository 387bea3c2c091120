#!/usr/bin/env bash
# ClaimPhoneNumber, durable (SQLite on disk, synchronous=FULL, group commit), SigV4-signed,
# N keep-alive connections, each claim a distinct number.
# Usage: bench/claim.sh [seconds=10] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-64}"
bin="${CL_BINARY:-./build/connect-local}"
loadgen="${CL_LOADGEN:-./build/bench/loadgen}"
work=$(mktemp -d)
cleanup() { kill "${server_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --port "$port" --data-dir "$work/data" --transient-delay 0 --log-level warn >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/_connect-local/health" >/dev/null && break; sleep 0.1; done
admin="http://127.0.0.1:$port/_connect-local"
# A block of 10^7 numbers that needs no validation class, and room on the instance for all claims.
curl -sf -X POST "$admin/inventory" -d '{"blocks":[{"country":"US","type":"THIRD_PARTY_DID","prefix":"+1555","length":12}]}' >/dev/null
curl -sf -X PUT "$admin/quotas" -d '{"account_id":"000000000000","region":"us-east-1","phone_numbers_per_instance":100000000}' >/dev/null
instance=$(python3 - "http://127.0.0.1:$port" <<'PY'
import sys, boto3
from botocore.config import Config
c = boto3.client("connect", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))
print(c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias="claims", InboundCallsEnabled=True,
                        OutboundCallsEnabled=True)["Id"])
PY
)
echo "== ClaimPhoneNumber, $connections connections, ${seconds}s, SQLite on disk"
"$loadgen" --port "$port" --connections "$connections" --seconds "$seconds" --op claim --instance "$instance" --number-base 15550000000
