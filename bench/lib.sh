# Shared by the benchmark scripts (sourced): binaries, a scratch folder removed at exit, free
# ports, waiting for the server, and creating an instance through boto3.
bin="${CL_BINARY:-./build/connect-local}"
loadgen="${CL_LOADGEN:-./build/bench/loadgen}"
work=$(mktemp -d)
cleanup() { kill "${server_pid:-}" "${nginx_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_healthy() {  # port
  for _ in $(seq 400); do curl -sf "http://127.0.0.1:$1/_connect-local/health" >/dev/null && return 0; sleep 0.025; done
  echo "the server on port $1 did not start: $(cat "$work/server.log")" >&2
  return 1
}

create_instance() {  # endpoint alias -> prints the instance id
  python3 - "$1" "$2" <<'PY'
import sys, boto3
from botocore.config import Config
c = boto3.client("connect", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))
print(c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias=sys.argv[2], InboundCallsEnabled=True,
                        OutboundCallsEnabled=True)["Id"])
PY
}

# Claims: a block of 10^7 numbers that needs no validation class, and room on the instance for them
# all (EXTRA: more members of the quotas object).
prepare_claims() {  # port [extra]
  local admin="http://127.0.0.1:$1/_connect-local"
  curl -sf -H 'Content-Type: application/json' -X POST "$admin/inventory" \
    -d '{"blocks":[{"country":"US","type":"THIRD_PARTY_DID","prefix":"+1555","length":12}]}' >/dev/null
  curl -sf -H 'Content-Type: application/json' -X PUT "$admin/quotas" \
    -d "{\"account_id\":\"000000000000\",\"region\":\"us-east-1\",\"phone_numbers_per_instance\":100000000${2:+,$2}}" >/dev/null
}

first_phone_id() {  # port instance -> the id of the first number claimed to the instance
  python3 - "http://127.0.0.1:$1" "$2" <<'PY'
import sys, boto3
from botocore.config import Config
c = boto3.client("connect", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))
print(c.list_phone_numbers_v2(InstanceId=sys.argv[2], MaxResults=1)["ListPhoneNumbersSummaryList"][0]["PhoneNumberId"])
PY
}
