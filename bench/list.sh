#!/usr/bin/env bash
# ListPhoneNumbersV2 page latency against the number of claimed numbers on one instance (10^3 to
# 10^6 by default): the first page, and a page in the middle of the list reached by following
# NextToken; and the first page of another instance of the account that holds 100 numbers. Pages
# must cost O(page) (keyset pagination), so the largest/smallest ratios should stay near 1. SQLite
# on disk; the numbers are written into the store between runs (populate.py).
# Usage: bench/list.sh [seconds=5] [connections=4] [sizes="1000 10000 100000 1000000"]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
connections="${2:-4}"
sizes="${3:-1000 10000 100000 1000000}"
. bench/lib.sh
port=$(free_port)
data="$work/data"

start_server() {
  "$bin" serve --port "$port" --data-dir "$data" --transient-delay 0 --log-level warn >"$work/server.log" 2>&1 &
  server_pid=$!
  wait_healthy "$port"
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }

# The token of the page in the middle of the list, walking it 1,000 numbers at a time; also checks
# that the pages so far hold distinct numbers in order.
middle_token() {  # instance, claimed numbers
  python3 - "http://127.0.0.1:$port" "$1" "$2" <<'PY'
import http.client, json, sys, urllib.parse
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
endpoint, instance, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection(urllib.parse.urlparse(endpoint).netloc)
seen, last, token = 0, "", None
while seen < total // 2:
    body = {"InstanceId": instance, "MaxResults": min(1000, total // 2 - seen)}
    if token: body["NextToken"] = token
    req = AWSRequest(method="POST", url=endpoint + "/phone-number/list", data=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials("test", "test"), "connect", "us-east-1").add_auth(req)
    conn.request("POST", "/phone-number/list", body=req.body, headers=dict(req.headers))
    r = conn.getresponse(); out = json.loads(r.read())
    assert r.status == 200, out
    numbers = [n["PhoneNumber"] for n in out["ListPhoneNumbersSummaryList"]]
    assert numbers == sorted(numbers) and (not numbers or numbers[0] > last), "pages out of order"
    seen += len(numbers); last = numbers[-1]; token = out["NextToken"]
print(token)
PY
}

"$bin" serve --port "$port" --data-dir "$data" --log-level warn >"$work/server.log" 2>&1 &
server_pid=$!
wait_healthy "$port"
instance=$(create_instance "http://127.0.0.1:$port" lists)
other=$(create_instance "http://127.0.0.1:$port" few)
stop_server
python3 bench/populate.py "$data/connect-local.db" "$other" 100 +1556 >/dev/null

echo "== ListPhoneNumbersV2 (InstanceId, MaxResults 100), $connections connections, ${seconds}s per page"
for n in $sizes; do
  python3 bench/populate.py "$data/connect-local.db" "$instance" "$n" >/dev/null
  start_server
  token=$(middle_token "$instance" "$n")
  for page in first deep other; do
    case $page in
      first) body="{\"InstanceId\":\"$instance\",\"MaxResults\":100}" ;;
      deep) body="{\"InstanceId\":\"$instance\",\"MaxResults\":100,\"NextToken\":\"$token\"}" ;;
      other) body="{\"InstanceId\":\"$other\",\"MaxResults\":100}" ;;
    esac
    out=$("$loadgen" --port "$port" --connections "$connections" --seconds "$seconds" --op raw --method POST \
      --path /phone-number/list --body "$body")
    echo "$n $page $out" | tee -a "$work/results.txt"
  done
  stop_server
done

python3 - "$work/results.txt" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    n, page = line.split()[:2]
    m = {k: float(re.search(k + r"=([\d.]+)", line).group(1)) for k in ("p50", "p99", "rps")}
    ok = re.search(r"statuses=(.*)", line).group(1).split()
    rows[(int(n), page)] = (m, ok)
print("\n| claimed numbers | page (first, deep: of the instance holding them; other: of an instance with 100) | p50 ms | p99 ms | req/s | statuses |\n|---|---|---|---|---|---|")
for (n, page), (m, ok) in sorted(rows.items(), key=lambda r: (r[0][0], ["first", "deep", "other"].index(r[0][1]))):
    print(f"| {n:,} | {page} | {m['p50']:.2f} | {m['p99']:.2f} | {m['rps']:,.0f} | {' '.join(ok)} |")
sizes = sorted({n for n, _ in rows})
for page in ("first", "deep", "other"):
    big, small = rows[(sizes[-1], page)][0], rows[(sizes[0], page)][0]
    print(f"{page} page, {sizes[-1]:,} / {sizes[0]:,} claimed: p50 ratio {big['p50'] / small['p50']:.2f}, "
          f"p99 ratio {big['p99'] / small['p99']:.2f}")
PY
