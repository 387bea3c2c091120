#!/usr/bin/env bash
# ClaimPhoneNumber, durable (SQLite on disk, WAL, group commit; answered once fdatasync of the WAL has returned), SigV4-signed,
# N keep-alive connections, each claim a distinct number; then DescribePhoneNumber on the same server
# with the same connections and time, for the ratio the budget is stated in (SPEC §12).
# Usage: bench/claim.sh [seconds=10] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-64}"
. bench/lib.sh
port=$(free_port)
"$bin" serve --port "$port" --data-dir "$work/data" --transient-delay 0 --log-level warn >"$work/server.log" 2>&1 &
server_pid=$!
wait_healthy "$port"
admin="http://127.0.0.1:$port/_connect-local"
# A block of 10^7 numbers that needs no validation class, and room on the instance for all claims.
curl -sf -H 'Content-Type: application/json' -X POST "$admin/inventory" -d '{"blocks":[{"country":"US","type":"THIRD_PARTY_DID","prefix":"+1555","length":12}]}' >/dev/null
curl -sf -H 'Content-Type: application/json' -X PUT "$admin/quotas" -d '{"account_id":"000000000000","region":"us-east-1","phone_numbers_per_instance":100000000}' >/dev/null
instance=$(create_instance "http://127.0.0.1:$port" claims)
echo "== ClaimPhoneNumber, $connections connections, ${seconds}s, SQLite on disk"
"$loadgen" --port "$port" --connections "$connections" --seconds "$seconds" --op claim --instance "$instance" --number-base 15550000000
phone_id=$(python3 - "http://127.0.0.1:$port" "$instance" <<'PY'
import sys, boto3
from botocore.config import Config
c = boto3.client("connect", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))
print(c.list_phone_numbers_v2(InstanceId=sys.argv[2], MaxResults=1)["ListPhoneNumbersSummaryList"][0]["PhoneNumberId"])
PY
)
echo "== DescribePhoneNumber, $connections connections, ${seconds}s, same server"
"$loadgen" --port "$port" --connections "$connections" --seconds "$seconds" --op describe-phone --phone-id "$phone_id"
