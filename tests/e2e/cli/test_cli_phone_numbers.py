"""Phone numbers through the AWS CLI (v1 or v2): `aws connect ...` in subprocesses, JSON output parsed.

The Terraform and CloudFormation flows, concurrent claims from parallel processes, quota FAILED claims,
the 200 % rule, cooldown, ClientToken replay and mismatch, lists and a few validation errors.
A CLI call costs ~0.7 s, so fixtures that are not under test (instances, the 10 claim/release cycles of
the 200 % rule) are made through boto3; everything asserted goes through the CLI.
Claims settle after the transient delay (test_cli.TRANSIENT_DELAY_SECONDS); the tests move the admin clock
instead of waiting.
"""

import datetime
import json
import subprocess
import unittest
import uuid

from test_cli import AWS, MISSING_ID, SETTLE, CliTestCase, cli_env, parse_error

DAY = 24 * 3600
QUOTA_FAILURE = "The allowed limit for claimed phone numbers has been exceeded for your instance"
VALIDATION = "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "


def phone_arn(phone_id, account="000000000000", region="us-east-1"):
    return f"arn:aws:connect:{region}:{account}:phone-number/{phone_id}"


class CliPhoneTestCase(CliTestCase):
    def setUp(self):
        super().setUp()
        self.c = self.client()
        self.inst = self.create_instance(client=self.c, alias="cli-phones")
        self.target = self.inst["Arn"]

    def search_args(self, *extra, target=None, country="US", type_="DID", max_results=1):
        return ("search-available-phone-numbers", "--target-arn", target or self.target,
                "--phone-number-country-code", country, "--phone-number-type", type_,
                "--max-results", str(max_results), *extra)

    def search(self, *extra, **kw):
        return self.aws(*self.search_args(*extra, **kw))

    def first(self, **kw):
        found = self.search(**kw)["AvailableNumbersList"]
        self.assertEqual(len(found), 1)
        return found[0]["PhoneNumber"]

    def available(self, number):
        found = self.search("--phone-number-prefix", number, max_results=10)["AvailableNumbersList"]
        return [n["PhoneNumber"] for n in found]

    def claim_args(self, number, *extra, target=None):
        return ("claim-phone-number", "--phone-number", number, "--target-arn", target or self.target, *extra)

    def claim(self, number, *extra, target=None):
        return self.aws(*self.claim_args(number, *extra, target=target))

    def describe(self, phone_id):
        return self.aws("describe-phone-number", "--phone-number-id", phone_id)["ClaimedPhoneNumberSummary"]

    def v2(self, *extra):
        out = self.aws("list-phone-numbers-v2", "--max-results", "100", *extra)
        return [s["PhoneNumber"] for s in out["ListPhoneNumbersSummaryList"]]

    def first_boto3(self, country="US"):
        """The first available number, found through boto3 (fixture only)."""
        found = self.c.search_available_phone_numbers(TargetArn=self.target, PhoneNumberCountryCode=country,
                                                      PhoneNumberType="DID", MaxResults=1)["AvailableNumbersList"]
        return found[0]["PhoneNumber"]

    def claim_settled_boto3(self):
        """A claimed number, made through boto3 (fixture only)."""
        number = self.first_boto3()
        out = self.c.claim_phone_number(PhoneNumber=number, TargetArn=self.target)
        self.server.advance(SETTLE)
        return number, out

    def not_available(self, number, target=None):
        message = self.aws_error("InvalidParameterException", "ClaimPhoneNumber", *self.claim_args(number, target=target))
        self.assertEqual(message, f"Phone number not available: {number}")


class CliPhoneFlowsTest(CliPhoneTestCase):
    def test_terraform_flow(self):
        found = self.search()["AvailableNumbersList"]
        self.assertEqual(len(found), 1)
        number = found[0]["PhoneNumber"]
        self.assertEqual((found[0]["PhoneNumberCountryCode"], found[0]["PhoneNumberType"]), ("US", "DID"))
        out = self.claim(number, "--client-token", str(uuid.uuid4()), "--tags", "Name=tf-number,env=test",
                         "--phone-number-description", "terraform managed")
        pid = out["PhoneNumberId"]
        self.assertEqual(out["PhoneNumberArn"], phone_arn(pid))
        self.assertEqual(self.describe(pid)["PhoneNumberStatus"]["Status"], "IN_PROGRESS")
        self.server.advance(SETTLE)
        d = self.describe(pid)
        self.assertEqual(d["PhoneNumberStatus"]["Status"], "CLAIMED")
        self.assertEqual(d["PhoneNumberArn"], phone_arn(pid))
        self.assertEqual((d["PhoneNumber"], d["PhoneNumberCountryCode"], d["PhoneNumberType"]), (number, "US", "DID"))
        self.assertEqual((d["TargetArn"], d["PhoneNumberDescription"]), (self.target, "terraform managed"))
        self.assertEqual(d["Tags"], {"Name": "tf-number", "env": "test"})
        self.assertEqual(self.aws("release-phone-number", "--phone-number-id", pid, "--client-token",
                                  str(uuid.uuid4())), {})
        self.aws_error("ResourceNotFoundException", "DescribePhoneNumber", "describe-phone-number",
                       "--phone-number-id", pid)
        self.server.advance(3600)
        self.aws_error("ResourceNotFoundException", "DescribePhoneNumber", "describe-phone-number",
                       "--phone-number-id", pid)

    def test_cloudformation_arn_flow(self):
        page1 = self.search(max_results=10)
        page2 = self.search("--next-token", page1["NextToken"], max_results=10)
        self.assertNotEqual(page1["NextToken"], page2["NextToken"])
        numbers = [n["PhoneNumber"] for n in page1["AvailableNumbersList"] + page2["AvailableNumbersList"]]
        self.assertEqual(len(set(numbers)), 20)
        self.assertEqual(numbers, sorted(numbers))

        out = self.claim(numbers[12])  # the CLI fills the ClientToken
        arn = out["PhoneNumberArn"]
        self.assertEqual(arn, phone_arn(out["PhoneNumberId"]))
        self.server.advance(SETTLE)
        self.assertEqual(self.describe(arn)["PhoneNumberStatus"]["Status"], "CLAIMED")
        other = self.create_instance(client=self.c, alias="cli-phones-b")
        up = self.aws("update-phone-number", "--phone-number-id", arn, "--target-arn", other["Arn"])
        self.assertEqual((up["PhoneNumberId"], up["PhoneNumberArn"]), (out["PhoneNumberId"], arn))
        self.server.advance(SETTLE)
        d = self.describe(arn)
        self.assertEqual((d["TargetArn"], d["PhoneNumberStatus"]["Status"]), (other["Arn"], "CLAIMED"))
        self.aws("update-phone-number-metadata", "--phone-number-id", arn, "--phone-number-description", "from cfn")
        self.server.advance(SETTLE)
        self.assertEqual(self.describe(arn)["PhoneNumberDescription"], "from cfn")
        self.aws("release-phone-number", "--phone-number-id", arn)
        self.aws_error("ResourceNotFoundException", "DescribePhoneNumber", "describe-phone-number",
                       "--phone-number-id", arn)

    def test_concurrent_processes_claim_the_same_number(self):
        number = self.first_boto3()
        env = cli_env()
        n = 16
        procs = [subprocess.Popen([AWS, "connect", *self.claim_args(number, "--client-token", str(uuid.uuid4())),
                                   "--endpoint-url", self.server.endpoint, "--output", "json"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(n)]
        results = [(p.wait(300), *p.communicate()) for p in procs]
        wins = [json.loads(out) for rc, out, _ in results if rc == 0]
        losses = [err for rc, _, err in results if rc != 0]
        self.assertEqual(len(wins), 1, results)
        self.assertEqual(len(losses), n - 1)
        for err in losses:
            self.assertEqual(parse_error(err)[:3], ("InvalidParameterException", "ClaimPhoneNumber",
                                                    f"Phone number not available: {number}"), err)
        self.assertEqual(self.v2(), [number])
        self.assertEqual(self.describe(wins[0]["PhoneNumberId"])["PhoneNumber"], number)

    def test_lists(self):
        did, did_out = self.claim_settled_boto3()
        gb = self.first_boto3("GB")
        self.c.claim_phone_number(PhoneNumber=gb, TargetArn=self.target)  # IN_PROGRESS
        self.assertEqual(self.v2("--instance-id", self.inst["Id"]), sorted([did, gb]))
        self.assertEqual(self.v2("--phone-number-country-codes", "GB"), [gb])
        v1 = self.aws("list-phone-numbers", "--instance-id", self.inst["Id"], "--phone-number-types", "DID", "TOLL_FREE",
                      "--phone-number-country-codes", "US", "GB")["PhoneNumberSummaryList"]
        self.assertEqual([(s["PhoneNumber"], s["Arn"]) for s in v1],
                         [(did, f"{self.target}/phone-number/{did_out['PhoneNumberId']}")])


class CliPhoneRulesTest(CliPhoneTestCase):
    def test_claim_over_quota_settles_failed(self):
        self.server.set_quotas(phone_numbers_per_instance=1)
        first, _ = self.claim_settled_boto3()
        second = self.first()
        self.assertNotEqual(second, first)
        out = self.claim(second)
        self.assertEqual(self.describe(out["PhoneNumberId"])["PhoneNumberStatus"], {"Status": "IN_PROGRESS"})
        self.server.advance(SETTLE)
        self.assertEqual(self.describe(out["PhoneNumberId"])["PhoneNumberStatus"],
                         {"Status": "FAILED", "Message": QUOTA_FAILURE})
        self.server.advance(DAY + SETTLE)
        self.aws_error("ResourceNotFoundException", "DescribePhoneNumber", "describe-phone-number",
                       "--phone-number-id", out["PhoneNumberId"])
        self.assertEqual(self.available(second), [second])

    def test_two_hundred_percent_rule(self):
        self.server.set_quotas(cooldown_days=0)
        first_release = None
        for _ in range(10):
            _, out = self.claim_settled_boto3()
            self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"])
            first_release = first_release or self.server.now()
        number = self.first()
        message = self.aws_error("InvalidParameterException", "ClaimPhoneNumber", *self.claim_args(number),
                                 message_contains="claim limit")
        unlock = datetime.datetime.fromtimestamp(first_release + 180 * DAY, datetime.timezone.utc)
        self.assertIn(unlock.strftime("%Y-%m-%d"), message)
        self.server.advance(180 * DAY + 1)
        self.assertRegex(self.claim(number)["PhoneNumberId"], r"^[0-9a-f-]{36}$")

    def test_cooldown(self):
        number = self.first()
        out = self.claim(number)
        self.server.advance(SETTLE)
        self.aws("release-phone-number", "--phone-number-id", out["PhoneNumberId"])
        self.assertEqual(self.available(number), [])
        self.not_available(number)
        self.server.advance(180 * DAY + 1)
        self.assertEqual(self.available(number), [number])
        self.claim(number)

    def test_client_token_replay_and_mismatch(self):
        number = self.first()
        token = str(uuid.uuid4())
        a = self.claim(number, "--client-token", token, "--phone-number-description", "one")
        b = self.claim(number, "--client-token", token, "--phone-number-description", "one")
        self.assertEqual(a, b)
        self.aws_error("IdempotencyException", "ClaimPhoneNumber",
                       *self.claim_args(number, "--client-token", token, "--phone-number-description", "two"))
        self.aws_error("InvalidParameterException", "ClaimPhoneNumber",
                       *self.claim_args(number, "--client-token", "not-a-uuid"), message_contains="'clientToken'")
        self.assertEqual(self.v2(), [number])
        # Release while IN_PROGRESS, then a release replayed with the same token.
        self.aws_error("ResourceInUseException", "ReleasePhoneNumber", "release-phone-number",
                       "--phone-number-id", a["PhoneNumberId"])
        self.server.advance(SETTLE)
        rt = str(uuid.uuid4())
        self.assertEqual(self.aws("release-phone-number", "--phone-number-id", a["PhoneNumberId"], "--client-token", rt), {})
        self.assertEqual(self.aws("release-phone-number", "--phone-number-id", a["PhoneNumberId"], "--client-token", rt), {})
        self.assertEqual(self.v2(), [])


class CliPhoneValidationTest(CliPhoneTestCase):
    def test_validation_errors(self):
        self.aws_error("InvalidParameterException", "ClaimPhoneNumber", *self.claim_args("12065550100"),
                       message_prefix=VALIDATION.format(value="12065550100", member="phoneNumber"))
        self.aws_error("InvalidParameterException", "SearchAvailablePhoneNumbers", *self.search_args(type_="NOPE"),
                       message_prefix=VALIDATION.format(value="NOPE", member="phoneNumberType"))
        self.aws_error("InvalidParameterException", "SearchAvailablePhoneNumbers", *self.search_args(max_results=11),
                       message_prefix=VALIDATION.format(value="11", member="maxResults"))
        self.aws_error("InvalidParameterException", "ClaimPhoneNumber", "claim-phone-number",
                       "--phone-number", "+12015550000", message_prefix="Either InstanceId or TargetArn must be provided")
        self.aws_error("InvalidParameterException", "ClaimPhoneNumber",
                       *self.claim_args("+12015550000", target=self.target.replace(":us-east-1:", ":us-west-2:")),
                       message_contains="not in the same Region")
        self.aws_error("ResourceNotFoundException", "ClaimPhoneNumber", "claim-phone-number",
                       "--phone-number", "+12015550000", "--instance-id", MISSING_ID)
        self.aws_error("ResourceNotFoundException", "DescribePhoneNumber", "describe-phone-number",
                       "--phone-number-id", phone_arn(MISSING_ID))
        self.assertEqual(self.v2(), [])


if __name__ == "__main__":
    unittest.main()
