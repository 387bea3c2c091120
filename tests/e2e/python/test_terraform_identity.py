"""What the Terraform AWS provider (and browsers) need before any Connect call.

- sts:GetCallerIdentity, served on the AWS query protocol for the signing credential, with boto3 and
  the AWS CLI (the JS SDK is in tests/e2e/js/sts.test.mjs), so the provider needs no skip flags.
- CORS as Amazon Connect serves it: preflights answered without a signature, Access-Control-*
  headers on every API response (success or error), nothing of the kind on the admin API.
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

import botocore
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from harness import DEFAULT_ACCOUNT, REGION, ServerTestCase, UUID_ANY_RE, _session

STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
ACCOUNT = "123456789012"
SESSION_KEY, SESSION_SECRET, SESSION_TOKEN = "ASIASESSIONKEY", "session-secret", "FwoGZXIvYXdzEXAMPLETOKEN"
EXPOSED = {"x-amzn-requestid", "x-amzn-errortype", "x-amzn-errormessage", "date"}
SDK_HEADERS = ("authorization,content-type,x-amz-date,x-amz-security-token,x-amz-user-agent,"
               "amz-sdk-invocation-id,amz-sdk-request,x-amz-content-sha256")


def raw(server, method, path, body=None, headers=None):
    """One plain HTTP request; returns (status, lower-cased headers, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def signed(server, method, path, body=b"", service="sts", key="test", secret="test", token=None, region=REGION,
           headers=None, presign=False):
    """A SigV4-signed request sent as given (botocore's signer); returns (status, headers, body)."""
    req = AWSRequest(method=method, url=server.endpoint + path, data=body, headers=dict(headers or {}))
    creds = Credentials(key, secret, token)
    (SigV4QueryAuth(creds, service, region, expires=300) if presign else SigV4Auth(creds, service, region)).add_auth(req)
    prepared = req.prepare()
    parsed = urllib.parse.urlsplit(prepared.url)
    target = parsed.path + ("?" + parsed.query if parsed.query else "")
    return raw(server, method, target, body or None, dict(prepared.headers.items()))


def sts_error(body):
    root = ET.fromstring(body)
    assert root.tag == STS_NS + "ErrorResponse", body
    err = root.find(STS_NS + "Error")
    return err.findtext(STS_NS + "Code"), err.findtext(STS_NS + "Message"), err.findtext(STS_NS + "Type")


class StsGetCallerIdentity(ServerTestCase):
    credentials = [
        {"access_key_id": "test", "secret_access_key": "test", "account_id": DEFAULT_ACCOUNT},
        {"access_key_id": "AKIAUSERKEY", "secret_access_key": "user-secret", "account_id": ACCOUNT},
        {"access_key_id": SESSION_KEY, "secret_access_key": SESSION_SECRET, "account_id": ACCOUNT,
         "session_token": SESSION_TOKEN},
        {"access_key_id": "denied", "secret_access_key": "denied", "account_id": ACCOUNT,
         "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}},
    ]

    def sts(self, key="test", secret="test", token=None, region=REGION):
        return _session().client("sts", endpoint_url=self.server.endpoint, region_name=region, aws_access_key_id=key,
                                  aws_secret_access_key=secret, aws_session_token=token,
                                  config=Config(retries={"total_max_attempts": 1}))

    def test_boto3_long_term_key_is_an_iam_user(self):
        for key, secret, account in (("test", "test", DEFAULT_ACCOUNT), ("AKIAUSERKEY", "user-secret", ACCOUNT)):
            out = self.sts(key, secret).get_caller_identity()
            self.assertEqual(out["Account"], account)
            self.assertEqual(out["Arn"], f"arn:aws:iam::{account}:user/{key}")
            self.assertRegex(out["UserId"], r"^AIDA[A-Z2-7]{17}$")
            self.assertRegex(out["ResponseMetadata"]["RequestId"], UUID_ANY_RE)
            self.assertEqual(out["ResponseMetadata"]["HTTPHeaders"]["content-type"], "text/xml")
            # Stable: the provider compares identities between runs.
            self.assertEqual(self.sts(key, secret).get_caller_identity()["UserId"], out["UserId"])

    def test_session_credentials_are_an_assumed_role(self):
        out = self.sts(SESSION_KEY, SESSION_SECRET, SESSION_TOKEN).get_caller_identity()
        self.assertEqual(out["Account"], ACCOUNT)
        self.assertEqual(out["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/connect-local/{SESSION_KEY}")
        self.assertRegex(out["UserId"], rf"^AROA[A-Z2-7]{{17}}:{SESSION_KEY}$")

    def test_any_region_where_connect_runs(self):
        self.assertEqual(self.sts(region="eu-west-2").get_caller_identity()["Account"], DEFAULT_ACCOUNT)

    def test_no_permission_needed(self):
        # As in AWS: GetCallerIdentity works even when a policy denies everything.
        self.assertEqual(self.sts("denied", "denied").get_caller_identity()["Account"], ACCOUNT)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.client(key="denied", secret="denied").list_instances()
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDeniedException")

    def test_exact_xml_document(self):
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        status, headers, payload = signed(self.server, "POST", "/", body,
                                          headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        self.assertEqual(status, 200, payload)
        self.assertEqual(headers["content-type"], "text/xml")
        root = ET.fromstring(payload)
        self.assertEqual(root.tag, STS_NS + "GetCallerIdentityResponse")
        self.assertEqual([c.tag for c in root], [STS_NS + "GetCallerIdentityResult", STS_NS + "ResponseMetadata"])
        result = root.find(STS_NS + "GetCallerIdentityResult")
        self.assertEqual(sorted(c.tag for c in result), sorted(STS_NS + t for t in ("Arn", "UserId", "Account")))
        self.assertEqual(root.find(f"{STS_NS}ResponseMetadata/{STS_NS}RequestId").text, headers["x-amzn-requestid"])

    def test_get_with_query_string_and_presigned(self):
        status, _, payload = signed(self.server, "GET", "/?Action=GetCallerIdentity&Version=2011-06-15")
        self.assertEqual(status, 200, payload)
        self.assertIn(b"<Account>000000000000</Account>", payload)
        status, _, payload = signed(self.server, "GET", "/?Action=GetCallerIdentity&Version=2011-06-15",
                                    presign=True)
        self.assertEqual(status, 200, payload)

    def test_other_actions_are_invalid_action(self):
        client = self.sts()
        for call in (lambda: client.get_session_token(),
                     lambda: client.assume_role(RoleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/r", RoleSessionName="session"),
                     lambda: client.get_access_key_info(AccessKeyId="AKIAIOSFODNN7EXAMPLE")):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                call()
            err = cm.exception.response
            self.assertEqual(err["Error"]["Code"], "InvalidAction")
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
            self.assertRegex(err["Error"]["Message"], r"^Could not find operation \w+ for version 2011-06-15$")
        status, _, payload = signed(self.server, "POST", "/", b"Version=2011-06-15",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, sts_error(payload)[0]), (400, "MissingAction"))

    def test_auth_errors_in_query_protocol_form(self):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sts("nobody", "x").get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sts("test", "wrong").get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        # The session token must match, as for Connect.
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sts(SESSION_KEY, SESSION_SECRET, "other-token").get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")
        # Signed for Connect, sent to STS: the scope names the wrong service.
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        status, _, payload = signed(self.server, "POST", "/", body, service="connect",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        code, message, kind = sts_error(payload)
        self.assertEqual((status, code, kind), (403, "SignatureDoesNotMatch", "Sender"))
        self.assertIn("'sts'", message)
        status, _, payload = raw(self.server, "POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, sts_error(payload)[0]), (403, "MissingAuthenticationToken"))

    def test_sts_scope_is_refused_on_connect_routes(self):
        status, headers, payload = signed(self.server, "GET", "/instance", service="sts")
        self.assertEqual(status, 403)
        self.assertEqual(headers["x-amzn-errortype"].split(":")[0], "InvalidSignatureException")
        self.assertIn("'connect'", json.loads(payload)["Message"])

    def test_aws_cli(self):
        aws = os.environ.get("CL_AWS_CLI") or shutil.which("aws", path=os.path.dirname(sys.executable)) \
            or shutil.which("aws")
        self.assertTrue(aws, "the AWS CLI is required")
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update({"AWS_CONFIG_FILE": os.path.join(tmp, "none"), "AWS_SHARED_CREDENTIALS_FILE":
                        os.path.join(tmp, "none"), "AWS_ACCESS_KEY_ID": SESSION_KEY, "AWS_SECRET_ACCESS_KEY":
                        SESSION_SECRET, "AWS_SESSION_TOKEN": SESSION_TOKEN, "AWS_DEFAULT_REGION": REGION,
                        "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": ""})
            p = subprocess.run([aws, "sts", "get-caller-identity", "--endpoint-url", self.server.endpoint,
                                "--output", "json"], env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            out = json.loads(p.stdout)
            self.assertEqual(out["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/connect-local/{SESSION_KEY}")
            p = subprocess.run([aws, "sts", "get-session-token", "--endpoint-url", self.server.endpoint],
                               env=env, capture_output=True, text=True, timeout=60)
            self.assertIn(p.returncode, (254, 255))  # a service error: v2 exits 254, v1 255
            self.assertIn("(InvalidAction)", p.stderr)


class StsWithAuthOff(ServerTestCase):
    auth = "off"

    def test_account_from_a_twelve_digit_key(self):
        client = _session().client("sts", endpoint_url=self.server.endpoint, region_name=REGION,
                                   aws_access_key_id=ACCOUNT, aws_secret_access_key="anything",
                                   config=Config(retries={"total_max_attempts": 1}))
        out = client.get_caller_identity()
        self.assertEqual((out["Account"], out["Arn"]), (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/{ACCOUNT}"))


class Cors(ServerTestCase):
    API_PATHS = ("/phone-number/search-available", "/phone-number/claim", "/instance",
                 "/phone-number/11111111-2222-4333-8444-555555555555", "/tags/arn%3Aaws%3Aconnect%3Aus-east-1", "/")

    def preflight(self, path, requested_headers=SDK_HEADERS, method="POST"):
        headers = {"Origin": "http://127.0.0.1:9", "Access-Control-Request-Method": method}
        if requested_headers is not None:
            headers["Access-Control-Request-Headers"] = requested_headers
        return raw(self.server, "OPTIONS", path, headers=headers)

    def assert_api_cors(self, headers):
        self.assertEqual(headers.get("access-control-allow-origin"), "*", headers)
        exposed = {h.strip().lower() for h in headers.get("access-control-expose-headers", "").split(",")}
        self.assertTrue(EXPOSED <= exposed, headers)

    def test_preflight_needs_no_signature_on_every_api_route(self):
        for path in self.API_PATHS:
            status, headers, body = self.preflight(path)
            self.assertIn(status, (200, 204), path)
            self.assertEqual(body, b"")
            self.assertEqual(headers["access-control-allow-origin"], "*")
            methods = {m.strip() for m in headers["access-control-allow-methods"].split(",")}
            self.assertTrue({"GET", "POST", "PUT", "DELETE"} <= methods)
            self.assertEqual(headers["access-control-allow-headers"], SDK_HEADERS)
            self.assertGreater(int(headers["access-control-max-age"]), 0)

    def test_preflight_without_requested_headers_allows_what_the_sdks_send(self):
        _, headers, _ = self.preflight("/instance", requested_headers=None, method="PUT")
        allowed = set(headers["access-control-allow-headers"].split(","))
        self.assertTrue(set(SDK_HEADERS.split(",")) <= allowed, allowed)
        # A malformed list is not echoed back.
        _, headers, _ = self.preflight("/instance", requested_headers="x-evil:1, (bad)")
        self.assertNotIn("evil", headers["access-control-allow-headers"])

    def test_every_api_response_carries_cors_headers(self):
        client = self.client()
        out = client.list_instances()
        self.assert_api_cors(out["ResponseMetadata"]["HTTPHeaders"])
        for call in (lambda: client.describe_instance(InstanceId="11111111-2222-4333-8444-555555555555"),
                     lambda: self.client(secret="wrong").list_instances()):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                call()
            self.assert_api_cors(cm.exception.response["ResponseMetadata"]["HTTPHeaders"])
        for method, path in (("GET", "/instance"), ("GET", "/no-such-route"), ("POST", "/")):
            _, headers, _ = raw(self.server, method, path, headers={"Origin": "http://127.0.0.1:9"})
            self.assert_api_cors(headers)

    def test_admin_api_is_never_open_to_other_origins(self):
        for path in ("/_connect-local/health", "/_connect-local/reset", "/_connect-local/inventory", "/metrics"):
            status, headers, _ = self.preflight(path, method="POST")
            self.assertGreaterEqual(status, 400, path)
            self.assertFalse([h for h in headers if h.startswith("access-control-")], headers)
        for path in ("/_connect-local/health", "/metrics"):
            _, headers, _ = raw(self.server, "GET", path)
            self.assertFalse([h for h in headers if h.startswith("access-control-")], headers)
