#!/usr/bin/env python3
"""Prints a wrk Lua script that sends one SigV4-signed request (signed with botocore, the way boto3
signs it). The server verifies the signature on every request; the signature stays valid for the
server's 15-minute skew window, longer than a benchmark run."""
import argparse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)  # http://127.0.0.1:PORT
    p.add_argument("--method", default="GET")
    p.add_argument("--path", required=True)
    p.add_argument("--body", default="")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--key", default="test")
    p.add_argument("--secret", default="test")
    a = p.parse_args()
    headers = {"Content-Type": "application/json"} if a.body else {}
    req = AWSRequest(method=a.method, url=a.endpoint + a.path, data=a.body.encode(), headers=headers)
    SigV4Auth(Credentials(a.key, a.secret), "connect", a.region).add_auth(req)
    lines = [f'wrk.method = "{a.method}"', f"wrk.path = {lua_str(a.path)}"]
    if a.body:
        lines.append(f"wrk.body = {lua_str(a.body)}")
    for k, v in req.headers.items():
        lines.append(f"wrk.headers[{lua_str(k)}] = {lua_str(v)}")
    print("\n".join(lines))


def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


if __name__ == "__main__":
    main()
