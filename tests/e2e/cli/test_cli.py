"""connect-local driven by the AWS CLI (v1): `aws connect ...` in a subprocess, JSON output parsed.

Reuses the boto3 suite's harness (tests/e2e/python/harness.py) for the server and the admin API.
Retries are off (AWS_MAX_ATTEMPTS=1); no user config or credentials file is read.
"""

import atexit
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

_HARNESS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "harness.py")
_spec = importlib.util.spec_from_file_location("harness", _HARNESS_PATH)
harness = importlib.util.module_from_spec(_spec)
sys.modules["harness"] = harness
_spec.loader.exec_module(harness)

ServerTestCase = harness.ServerTestCase
ENUM_MESSAGE = harness.ENUM_MESSAGE
OTHER_REGION = harness.OTHER_REGION
instance_arn = harness.instance_arn
MISSING_ID = "11111111-2222-4333-8444-555555555555"
ERROR_RE = re.compile(r"An error occurred \((\w+)\) when calling the (\w+) operation: (.*)", re.S)


def _aws_executable():
    """The `aws` entry point; the one next to this Python skips the pyenv shim (~0.3 s per call)."""
    if os.environ.get("CL_AWS_CLI"):
        return os.environ["CL_AWS_CLI"]
    beside = os.path.join(os.path.dirname(sys.executable), "aws")
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("aws")
    if not found:
        raise RuntimeError("the AWS CLI (aws) is required for the e2e CLI suite")
    return found


AWS = _aws_executable()
# Points AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at files that do not exist: no user profile leaks in.
_NO_CONFIG_DIR = tempfile.mkdtemp(prefix="cl-e2e-cli-")
atexit.register(shutil.rmtree, _NO_CONFIG_DIR, True)


class CliTestCase(ServerTestCase):
    key, secret, region, token = "test", "test", "us-east-1", None

    def run_aws(self, *args, key=None, secret=None, region=None, token=None, prefix=(), extra_env=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_CONFIG_FILE": os.path.join(_NO_CONFIG_DIR, "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(_NO_CONFIG_DIR, "no-credentials"),
            "AWS_ACCESS_KEY_ID": key or self.key,
            "AWS_SECRET_ACCESS_KEY": secret or self.secret,
            "AWS_DEFAULT_REGION": region or self.region,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_PAGER": "",
        })
        if token or self.token:
            env["AWS_SESSION_TOKEN"] = token or self.token
        env.update(extra_env or {})
        cmd = [*prefix, AWS, "connect", *args, "--endpoint-url", self.server.endpoint, "--output", "json"]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)

    def aws(self, *args, **kw):
        """Runs a command that must succeed; returns its parsed JSON output ({} when it prints nothing)."""
        p = self.run_aws(*args, **kw)
        self.assertEqual(p.returncode, 0, f"aws {' '.join(args)} failed: {p.stderr}")
        return json.loads(p.stdout) if p.stdout.strip() else {}

    def aws_error(self, code, operation, *args, message_prefix=None, message_contains=(), **kw):
        """Runs a command that must fail with `code`; checks the CLI's error line and exit status 255."""
        p = self.run_aws(*args, **kw)
        self.assertEqual(p.returncode, 255, f"expected exit 255, got {p.returncode}: {p.stdout} {p.stderr}")
        m = ERROR_RE.search(p.stderr)
        self.assertIsNotNone(m, f"no AWS error line in stderr: {p.stderr!r}")
        self.assertEqual(m.group(1), code, p.stderr)
        self.assertEqual(m.group(2), operation, p.stderr)
        message = m.group(3).strip()
        self.assertNotIn("reached max retries", message, "retries should be off")
        self.assertTrue(message, p.stderr)
        if message_prefix is not None:
            self.assertTrue(message.startswith(message_prefix), f"{message!r} does not start with {message_prefix!r}")
        for part in ([message_contains] if isinstance(message_contains, str) else message_contains):
            self.assertIn(part, message)
        self.assertEqual(p.stdout.strip(), "")
        return message

    def create(self, alias, *extra, identity="CONNECT_MANAGED", **kw):
        return self.aws("create-instance", "--identity-management-type", identity, "--instance-alias", alias,
                        "--inbound-calls-enabled", "--outbound-calls-enabled", *extra, **kw)


class CliInstancesTest(CliTestCase):
    def test_lifecycle(self):
        before = self.server.now()
        out = self.aws("create-instance", "--identity-management-type", "CONNECT_MANAGED",
                       "--instance-alias", "cli-one", "--inbound-calls-enabled", "--no-outbound-calls-enabled",
                       "--tags", "team=voice,env=dev")
        self.assertRegex(out["Id"], harness.UUID4_RE)
        self.assertEqual(out["Arn"], instance_arn(out["Id"]))
        self.assertEqual(set(out), {"Id", "Arn"})

        inst = self.aws("describe-instance", "--instance-id", out["Id"])["Instance"]
        self.assertEqual(inst["Id"], out["Id"])
        self.assertEqual(inst["Arn"], out["Arn"])
        self.assertEqual(inst["IdentityManagementType"], "CONNECT_MANAGED")
        self.assertEqual(inst["InstanceAlias"], "cli-one")
        self.assertEqual(inst["InstanceStatus"], "CREATION_IN_PROGRESS")
        self.assertIs(inst["InboundCallsEnabled"], True)
        self.assertIs(inst["OutboundCallsEnabled"], False)
        self.assertEqual(inst["InstanceAccessUrl"], "https://cli-one.my.connect.aws/")
        self.assertRegex(inst["ServiceRole"], harness.service_role_re(harness.DEFAULT_ACCOUNT))
        self.assertEqual(inst["Tags"], {"team": "voice", "env": "dev"})
        # The CLI prints the wire value: epoch seconds.
        self.assertIsInstance(inst["CreatedTime"], (int, float))
        self.assertLess(abs(inst["CreatedTime"] - before), 60)  # the CLI itself can take seconds on a loaded machine

        self.server.advance(61)
        by_arn = self.aws("describe-instance", "--instance-id", out["Arn"])["Instance"]
        self.assertEqual(by_arn["InstanceStatus"], "ACTIVE")
        self.assertEqual(by_arn["Id"], out["Id"])

        listed = self.aws("list-instances")
        self.assertEqual([s["Id"] for s in listed["InstanceSummaryList"]], [out["Id"]])
        self.assertEqual(listed["InstanceSummaryList"][0]["InstanceStatus"], "ACTIVE")
        self.assertNotIn("NextToken", listed)

        self.assertEqual(self.aws("delete-instance", "--instance-id", out["Arn"]), {})
        self.aws_error("ResourceNotFoundException", "DescribeInstance", "describe-instance", "--instance-id", out["Id"])
        self.aws_error("ResourceNotFoundException", "DeleteInstance", "delete-instance", "--instance-id", out["Id"])
        self.assertEqual(self.aws("list-instances")["InstanceSummaryList"], [])

    def test_unknown_instance(self):
        self.aws_error("ResourceNotFoundException", "DescribeInstance", "describe-instance", "--instance-id", MISSING_ID)
        self.aws_error("ResourceNotFoundException", "DescribeInstance", "describe-instance",
                       "--instance-id", instance_arn(MISSING_ID))

    def test_alias_conflict_and_other_region(self):
        self.create("cli-dup")
        self.aws_error("ResourceConflictException", "CreateInstance", "create-instance",
                       "--identity-management-type", "CONNECT_MANAGED", "--instance-alias", "cli-dup",
                       "--inbound-calls-enabled", "--outbound-calls-enabled", message_contains="cli-dup")
        eu = self.create("cli-dup", region=OTHER_REGION)
        self.assertEqual(eu["Arn"], instance_arn(eu["Id"], region=OTHER_REGION))

    def test_quota(self):
        self.create("cli-q1")
        self.create("cli-q2")
        args = ("create-instance", "--identity-management-type", "CONNECT_MANAGED", "--instance-alias", "cli-q3",
                "--inbound-calls-enabled", "--outbound-calls-enabled")
        self.aws_error("ServiceQuotaExceededException", "CreateInstance", *args)
        self.server.set_quotas(instances=3)
        self.assertRegex(self.aws(*args)["Id"], harness.UUID4_RE)

    def test_idempotency(self):
        first = self.create("cli-idem", "--client-token", "cli-token-1")
        again = self.create("cli-idem", "--client-token", "cli-token-1")
        self.assertEqual(first["Id"], again["Id"])
        self.aws_error("IdempotencyException", "CreateInstance", "create-instance",
                       "--identity-management-type", "CONNECT_MANAGED", "--instance-alias", "cli-other",
                       "--inbound-calls-enabled", "--outbound-calls-enabled", "--client-token", "cli-token-1")
        self.assertEqual(len(self.aws("list-instances")["InstanceSummaryList"]), 1)

    def test_validation(self):
        self.aws_error("InvalidRequestException", "CreateInstance", "create-instance",
                       "--identity-management-type", "NOPE", "--instance-alias", "cli-nope",
                       "--inbound-calls-enabled", "--outbound-calls-enabled",
                       message_prefix=ENUM_MESSAGE, message_contains=("SAML", "CONNECT_MANAGED", "EXISTING_DIRECTORY"))
        self.aws_error("InvalidRequestException", "ListInstances", "list-instances", "--max-results", "11",
                       message_contains="'maxResults'")
        self.aws_error("InvalidRequestException", "CreateInstance", "create-instance",
                       "--identity-management-type", "SAML", "--instance-alias", "bad_alias!",
                       "--inbound-calls-enabled", "--outbound-calls-enabled", message_contains="'instanceAlias'")

    def test_other_region_sees_nothing(self):
        out = self.create("cli-region")
        self.aws_error("ResourceNotFoundException", "DescribeInstance", "describe-instance",
                       "--instance-id", out["Arn"], region=OTHER_REGION)
        self.assertEqual(self.aws("list-instances", region=OTHER_REGION)["InstanceSummaryList"], [])


class CliTagsTest(CliTestCase):
    def setUp(self):
        super().setUp()
        # The fixture instance comes from boto3 (one CLI start-up saved); everything asserted goes through the CLI.
        self.inst = self.create_instance(alias="cli-tags")
        self.arn = self.inst["Arn"]

    def tags(self, arn=None):
        return self.aws("list-tags-for-resource", "--resource-arn", arn or self.arn)["tags"]

    def test_tag_merge_untag_with_odd_keys(self):
        self.assertEqual(self.tags(), {})
        odd = {"key with space": "v 1", "k:colon/slash": "v/2", "café": "é"}
        self.assertEqual(self.aws("tag-resource", "--resource-arn", self.arn, "--tags", json.dumps(odd)), {})
        self.aws("tag-resource", "--resource-arn", self.arn, "--tags", "plain=p,cafe=new")
        self.assertEqual(self.tags(), {**odd, "plain": "p", "cafe": "new"})
        self.assertEqual(self.aws("untag-resource", "--resource-arn", self.arn,
                                  "--tag-keys", "key with space", "k:colon/slash", "café"), {})
        self.assertEqual(self.tags(), {"plain": "p", "cafe": "new"})
        inst = self.aws("describe-instance", "--instance-id", self.inst["Id"])["Instance"]
        self.assertEqual(inst["Tags"], {"plain": "p", "cafe": "new"})

    def test_tag_validation(self):
        self.aws_error("InvalidParameterException", "TagResource", "tag-resource", "--resource-arn", self.arn,
                       "--tags", "aws:x=1", message_contains="Map keys must satisfy constraint")
        many = json.dumps({f"k{i:02d}": "v" for i in range(51)})
        self.aws_error("InvalidParameterException", "TagResource", "tag-resource", "--resource-arn", self.arn,
                       "--tags", many)
        self.assertEqual(self.tags(), {})

    def test_not_found_arns(self):
        legacy = f"{self.arn}/phone-number/{MISSING_ID}"
        self.aws_error("ResourceNotFoundException", "TagResource", "tag-resource", "--resource-arn", legacy,
                       "--tags", "a=b")
        self.aws_error("ResourceNotFoundException", "ListTagsForResource", "list-tags-for-resource",
                       "--resource-arn", legacy)
        self.aws("tag-resource", "--resource-arn", self.arn, "--tags", "a=b")
        self.aws("delete-instance", "--instance-id", self.inst["Id"])
        self.aws_error("ResourceNotFoundException", "ListTagsForResource", "list-tags-for-resource",
                       "--resource-arn", self.arn)
        self.aws_error("ResourceNotFoundException", "UntagResource", "untag-resource", "--resource-arn", self.arn,
                       "--tag-keys", "a")


class CliPaginationTest(CliTestCase):
    # The tests only read: one set of three instances serves them all.
    reset_between_tests = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.set_quotas(instances=3)
        client = cls.server.client()
        cls.ids = sorted(client.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias=f"cli-page-{i}",
                                                InboundCallsEnabled=True, OutboundCallsEnabled=True)["Id"]
                         for i in range(3))

    def test_page_size_auto_paginates(self):
        out = self.aws("list-instances", "--page-size", "1")
        ids = [s["Id"] for s in out["InstanceSummaryList"]]
        self.assertEqual(sorted(ids), self.ids)
        self.assertEqual(len(ids), 3)
        self.assertNotIn("NextToken", out)

    def test_max_items_returns_a_token_and_resumes(self):
        first = self.aws("list-instances", "--page-size", "1", "--max-items", "1")
        self.assertEqual(len(first["InstanceSummaryList"]), 1)
        self.assertTrue(first.get("NextToken"))
        rest = self.aws("list-instances", "--page-size", "1", "--starting-token", first["NextToken"])
        self.assertNotIn("NextToken", rest)
        ids = [s["Id"] for s in first["InstanceSummaryList"] + rest["InstanceSummaryList"]]
        self.assertEqual(sorted(ids), self.ids)

    def test_explicit_max_results_is_one_call(self):
        page = self.aws("list-instances", "--max-results", "2")
        self.assertEqual(len(page["InstanceSummaryList"]), 2)
        self.assertTrue(page.get("NextToken"))
        last = self.aws("list-instances", "--max-results", "2", "--next-token", page["NextToken"])
        self.assertEqual(len(last["InstanceSummaryList"]), 1)
        self.assertNotIn("NextToken", last)
        ids = [s["Id"] for s in page["InstanceSummaryList"] + last["InstanceSummaryList"]]
        self.assertEqual(sorted(ids), self.ids)

    def test_bad_token(self):
        self.aws_error("InvalidRequestException", "ListInstances", "list-instances", "--max-results", "1",
                       "--next-token", "garbage-token")


class CliAuthTest(CliTestCase):
    credentials = [
        {"access_key_id": "AKIDA", "secret_access_key": "secretA", "account_id": "111111111111"},
        {"access_key_id": "AKIDB", "secret_access_key": "secretB", "account_id": "222222222222"},
        {"access_key_id": "ASIASESSION", "secret_access_key": "secretS", "account_id": "333333333333",
         "session_token": "cli-session-token"},
        {"access_key_id": "AKIDDENY", "secret_access_key": "secretD", "account_id": "444444444444",
         "policy": {"Version": "2012-10-17", "Statement": [
             {"Effect": "Allow", "Action": "connect:*", "Resource": "*"},
             {"Effect": "Deny", "Action": "connect:DeleteInstance", "Resource": "*"}]}},
    ]
    key, secret = "AKIDA", "secretA"

    def test_signed_with_file_credential(self):
        out = self.create("cli-auth")
        self.assertEqual(out["Arn"], instance_arn(out["Id"], account="111111111111"))

    def test_wrong_secret(self):
        self.aws_error("InvalidSignatureException", "ListInstances", "list-instances", secret="wrong",
                       message_prefix="The request signature we calculated does not match")

    def test_unknown_key(self):
        self.aws_error("UnrecognizedClientException", "ListInstances", "list-instances", key="AKIDNOPE")

    def test_no_sign_request(self):
        self.aws_error("MissingAuthenticationTokenException", "ListInstances", "list-instances", "--no-sign-request")

    def test_signature_expired(self):
        # The CLI signs with the system clock: run it 20 minutes in the past.
        self.assertTrue(shutil.which("faketime"), "the faketime package is required (scripts/install-deps)")
        self.aws_error("InvalidSignatureException", "ListInstances", "list-instances",
                       prefix=(shutil.which("faketime"), "-f", "-20m"), message_prefix="Signature expired")

    def test_session_token(self):
        ok = self.aws("list-instances", key="ASIASESSION", secret="secretS", token="cli-session-token")
        self.assertEqual(ok["InstanceSummaryList"], [])
        self.aws_error("UnrecognizedClientException", "ListInstances", "list-instances",
                       key="ASIASESSION", secret="secretS")
        self.aws_error("UnrecognizedClientException", "ListInstances", "list-instances",
                       key="ASIASESSION", secret="secretS", token="wrong-token")

    def test_policy_deny(self):
        creds = {"key": "AKIDDENY", "secret": "secretD"}
        out = self.create("cli-deny", **creds)
        self.aws_error("AccessDeniedException", "DeleteInstance", "delete-instance", "--instance-id", out["Id"],
                       **creds)
        self.assertEqual(self.aws("describe-instance", "--instance-id", out["Id"], **creds)["Instance"]["Id"],
                         out["Id"])

    def test_other_account(self):
        out = self.create("cli-acct-a")
        b = {"key": "AKIDB", "secret": "secretB"}
        self.aws_error("ResourceNotFoundException", "DescribeInstance", "describe-instance",
                       "--instance-id", out["Arn"], **b)
        self.aws_error("ResourceNotFoundException", "ListTagsForResource", "list-tags-for-resource",
                       "--resource-arn", out["Arn"], **b)
        self.assertEqual(self.aws("list-instances", **b)["InstanceSummaryList"], [])


if __name__ == "__main__":
    unittest.main()
