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
prepare_claims "$port"
instance=$(create_instance "http://127.0.0.1:$port" claims)
echo "== ClaimPhoneNumber, $connections connections, ${seconds}s, SQLite on disk"
"$loadgen" --port "$port" --connections "$connections" --seconds "$seconds" --op claim --instance "$instance" --number-base 15550000000
phone_id=$(first_phone_id "$port" "$instance")
echo "== DescribePhoneNumber, $connections connections, ${seconds}s, same server"
"$loadgen" --port "$port" --connections "$connections" --seconds "$seconds" --op describe-phone --phone-id "$phone_id"
