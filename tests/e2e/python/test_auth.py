"""SigV4 verification, credentials, accounts, regions and policies through boto3."""

import datetime
import http.client
import json
import urllib.error
import urllib.request
import unittest
from unittest import mock

import botocore
import botocore.auth

from harness import OTHER_REGION, REGION, ServerTestCase, instance_arn, service_role_re

ACCOUNT_A, ACCOUNT_B, ACCOUNT_S, ACCOUNT_D, ACCOUNT_L, ACCOUNT_R = (
    "111111111111", "222222222222", "333333333333", "444444444444", "555555555555", "666666666666")
MISMATCH = "The request signature we calculated does not match"

CREDENTIALS = [
    {"access_key_id": "AKIDA", "secret_access_key": "secretA", "account_id": ACCOUNT_A},
    {"access_key_id": "AKIDB", "secret_access_key": "secretB", "account_id": ACCOUNT_B},
    {"access_key_id": "ASIASESSION", "secret_access_key": "secretS", "account_id": ACCOUNT_S,
     "session_token": "session-token-S//with+odd=chars"},
    {"access_key_id": "AKIDDENY", "secret_access_key": "secretD", "account_id": ACCOUNT_D,
     "policy": {"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Action": "connect:*", "Resource": "*"},
         {"Effect": "Deny", "Action": "connect:DeleteInstance", "Resource": "*"}]}},
    {"access_key_id": "AKIDLIST", "secret_access_key": "secretL", "account_id": ACCOUNT_L,
     "policy": {"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Action": ["connect:List*", "connect:Describe*"], "Resource": "*"}]}},
    {"access_key_id": "AKIDPHONE", "secret_access_key": "secretP", "account_id": "777777777777",
     "policy": {"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Action": "connect:*", "Resource": "*"},
         {"Effect": "Deny", "Action": "connect:ReleasePhoneNumber",
          "Resource": "arn:aws:connect:*:777777777777:phone-number/*"}]}},
    {"access_key_id": "AKIDREGION", "secret_access_key": "secretR", "account_id": ACCOUNT_R,
     "policy": {"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Action": "connect:*", "Resource": "*"},
         {"Effect": "Deny", "Action": "connect:TagResource", "Resource": f"arn:aws:connect:{OTHER_REGION}:*"}]}},
]


def _shifted(signer, minutes):
    """`signer` (a botocore SigV4 signer class) with its timestamp moved by `minutes`."""

    class Shifted(signer):
        def _modify_request_before_signing(self, request):
            # add_auth has just stamped request.context["timestamp"]; everything signed reads it from here.
            now = datetime.datetime.strptime(request.context["timestamp"], botocore.auth.SIGV4_TIMESTAMP)
            request.context["timestamp"] = (now + datetime.timedelta(minutes=minutes)).strftime(
                botocore.auth.SIGV4_TIMESTAMP)
            super()._modify_request_before_signing(request)

    return Shifted


def shifted_clock(minutes):
    """Signs with X-Amz-Date `minutes` off, whatever signer botocore would pick.

    With awscrt installed (Debian's awscli pulls it in) botocore signs through the CRT, which reads the
    system clock; releases also differ in where the Python signer reads it. So the clients get botocore's
    Python signers, with the timestamp they stamp moved, for the duration."""
    return mock.patch.dict(botocore.auth.AUTH_TYPE_MAPS, {
        "v4": _shifted(botocore.auth.SigV4Auth, minutes),
        "v4-query": _shifted(botocore.auth.SigV4QueryAuth, minutes),
    })


class SignatureTest(ServerTestCase):
    credentials = CREDENTIALS

    def a(self, **kw):
        return self.client(key="AKIDA", secret="secretA", **kw)

    def test_valid_signature(self):
        out = self.create_instance(client=self.a(), alias="signed")
        self.assertEqual(out["Arn"], instance_arn(out["Id"], account=ACCOUNT_A))
        inst = self.a().describe_instance(InstanceId=out["Id"])["Instance"]
        self.assertRegex(inst["ServiceRole"], service_role_re(ACCOUNT_A))

    def test_default_test_credential_absent_with_file(self):
        with self.assertAwsError("UnrecognizedClientException", 403):
            self.client(key="test", secret="test").list_instances()

    def test_wrong_secret(self):
        with self.assertAwsError("InvalidSignatureException", 403, message_prefix=MISMATCH):
            self.client(key="AKIDA", secret="not-the-secret").list_instances()

    def test_wrong_secret_on_write_changes_nothing(self):
        with self.assertAwsError("InvalidSignatureException", 403, message_prefix=MISMATCH):
            self.create_instance(client=self.client(key="AKIDA", secret="secretB"), alias="nope")
        self.assertEqual(self.a().list_instances()["InstanceSummaryList"], [])

    def test_unknown_access_key(self):
        with self.assertAwsError("UnrecognizedClientException", 403):
            self.client(key="AKIDUNKNOWN", secret="secretA").list_instances()

    def test_signature_expired(self):
        with shifted_clock(-20):
            with self.assertAwsError("InvalidSignatureException", 403, message_prefix="Signature expired"):
                self.a().list_instances()

    def test_signature_from_the_future(self):
        with shifted_clock(+20):
            with self.assertAwsError("InvalidSignatureException", 403):
                self.a().list_instances()

    def test_small_skew_accepted(self):
        with shifted_clock(-10):
            self.assertEqual(self.a().list_instances()["InstanceSummaryList"], [])

    def test_skew_uses_wall_clock_not_admin_clock(self):
        # Moving the domain clock must not make real clients' signatures "expired".
        self.server.advance(3 * 86400)
        self.assertEqual(self.a().list_instances()["InstanceSummaryList"], [])

    def test_unsigned_request(self):
        unsigned = self.client(signature_version=botocore.UNSIGNED)
        with self.assertAwsError("MissingAuthenticationTokenException", 403):
            unsigned.list_instances()

    def test_malformed_authorization(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("GET", "/instance", headers={"Authorization": "AWS4-HMAC-SHA256 garbage",
                                                  "X-Amz-Date": "20260101T000000Z"})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        self.assertEqual(resp.status, 400, body)
        self.assertEqual(resp.getheader("x-amzn-ErrorType").split(":")[0], "IncompleteSignatureException")
        self.assertTrue(resp.getheader("x-amzn-RequestId"))

    def presigned_get(self, url):
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.status, resp.headers, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, e.headers, json.loads(e.read() or b"{}")

    def test_presigned_url(self):
        inst = self.create_instance(client=self.a(), alias="presigned")
        url = self.a().generate_presigned_url("describe_instance", Params={"InstanceId": inst["Arn"]}, ExpiresIn=60)
        status, _, body = self.presigned_get(url)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["Instance"]["Id"], inst["Id"])
        # A presigned URL signed 20 minutes ago but valid for an hour still works.
        with shifted_clock(-20):
            url = self.a().generate_presigned_url("list_instances", Params={}, ExpiresIn=3600)
        status, _, body = self.presigned_get(url)
        self.assertEqual(status, 200, body)
        self.assertEqual([s["Id"] for s in body["InstanceSummaryList"]], [inst["Id"]])

    def test_presigned_url_expired_or_wrong(self):
        with shifted_clock(-20):
            url = self.a().generate_presigned_url("list_instances", Params={}, ExpiresIn=60)
        status, headers, body = self.presigned_get(url)
        self.assertEqual(status, 403, body)
        self.assertEqual(headers["x-amzn-ErrorType"].split(":")[0], "InvalidSignatureException")
        self.assertTrue(body["Message"].startswith("Signature expired"), body)
        url = self.client(key="AKIDA", secret="wrong").generate_presigned_url("list_instances", Params={}, ExpiresIn=60)
        status, headers, body = self.presigned_get(url)
        self.assertEqual(status, 403, body)
        self.assertEqual(headers["x-amzn-ErrorType"].split(":")[0], "InvalidSignatureException")
        self.assertTrue(body["Message"].startswith(MISMATCH), body)

    def test_session_token_required(self):
        good = self.client(key="ASIASESSION", secret="secretS", token="session-token-S//with+odd=chars")
        out = self.create_instance(client=good, alias="session")
        self.assertEqual(out["Arn"], instance_arn(out["Id"], account=ACCOUNT_S))
        with self.assertAwsError("UnrecognizedClientException", 403):
            self.client(key="ASIASESSION", secret="secretS").list_instances()
        with self.assertAwsError("UnrecognizedClientException", 403):
            self.client(key="ASIASESSION", secret="secretS", token="another-token").list_instances()
        self.assertEqual(len(good.list_instances()["InstanceSummaryList"]), 1)


class AccountIsolationTest(ServerTestCase):
    credentials = CREDENTIALS

    def setUp(self):
        super().setUp()
        self.ca = self.client(key="AKIDA", secret="secretA")
        self.cb = self.client(key="AKIDB", secret="secretB")
        self.inst = self.create_instance(client=self.ca, alias="owned-by-a", Tags={"owner": "a"})

    def test_other_account_cannot_describe(self):
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.cb.describe_instance(InstanceId=self.inst["Arn"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.cb.describe_instance(InstanceId=self.inst["Id"])

    def test_other_account_cannot_delete(self):
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.cb.delete_instance(InstanceId=self.inst["Arn"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.cb.delete_instance(InstanceId=self.inst["Id"])
        self.assertEqual(self.ca.describe_instance(InstanceId=self.inst["Id"])["Instance"]["Id"], self.inst["Id"])

    def test_other_account_cannot_tag(self):
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.cb.list_tags_for_resource(resourceArn=self.inst["Arn"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.cb.tag_resource(resourceArn=self.inst["Arn"], tags={"owner": "b"})
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.cb.untag_resource(resourceArn=self.inst["Arn"], tagKeys=["owner"])
        self.assertEqual(self.ca.list_tags_for_resource(resourceArn=self.inst["Arn"])["tags"], {"owner": "a"})

    def test_other_account_lists_nothing(self):
        self.assertEqual(self.cb.list_instances()["InstanceSummaryList"], [])
        self.assertEqual(len(self.ca.list_instances()["InstanceSummaryList"]), 1)

    def test_alias_unique_across_accounts_of_a_region(self):
        # The alias names a DNS host (<alias>.my.connect.aws): another account cannot take it in this region.
        with self.assertAwsError("ResourceConflictException", 409):
            self.create_instance(client=self.cb, alias="owned-by-a")
        eu_b = self.client(key="AKIDB", secret="secretB", region=OTHER_REGION)
        self.create_instance(client=eu_b, alias="owned-by-a")

    def test_quota_is_per_account(self):
        b1 = self.create_instance(client=self.cb, alias="b-one")
        self.create_instance(client=self.cb, alias="b-two")
        self.assertEqual(b1["Arn"], instance_arn(b1["Id"], account=ACCOUNT_B))
        with self.assertAwsError("ServiceQuotaExceededException", 402):
            self.create_instance(client=self.cb, alias="b-three")
        # Account A (one instance so far) is not affected by B's usage.
        self.create_instance(client=self.ca, alias="a-two")

    def test_other_region_cannot_see(self):
        eu = self.client(key="AKIDA", secret="secretA", region=OTHER_REGION)
        with self.assertAwsError("ResourceNotFoundException", 404):
            eu.describe_instance(InstanceId=self.inst["Arn"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            eu.describe_instance(InstanceId=self.inst["Id"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            eu.delete_instance(InstanceId=self.inst["Id"])
        self.assertEqual(eu.list_instances()["InstanceSummaryList"], [])
        # ... and the instance lives on in its own region.
        self.assertEqual(len(self.ca.list_instances()["InstanceSummaryList"]), 1)

    def test_client_token_scoped_per_account(self):
        a = self.create_instance(client=self.ca, alias="tok-a", ClientToken="shared-token")
        b = self.create_instance(client=self.cb, alias="tok-b", ClientToken="shared-token")
        self.assertNotEqual(a["Id"], b["Id"])
        self.assertEqual(b["Arn"], instance_arn(b["Id"], account=ACCOUNT_B))


class PolicyTest(ServerTestCase):
    credentials = CREDENTIALS

    def test_explicit_deny_on_delete(self):
        d = self.client(key="AKIDDENY", secret="secretD")
        inst = self.create_instance(client=d, alias="denied-delete")
        self.assertEqual(d.describe_instance(InstanceId=inst["Id"])["Instance"]["Id"], inst["Id"])
        d.tag_resource(resourceArn=inst["Arn"], tags={"k": "v"})
        self.assertEqual(d.list_tags_for_resource(resourceArn=inst["Arn"])["tags"], {"k": "v"})
        with self.assertAwsError("AccessDeniedException", 403, message_contains="connect:DeleteInstance"):
            d.delete_instance(InstanceId=inst["Id"])
        with self.assertAwsError("AccessDeniedException", 403):
            d.delete_instance(InstanceId=inst["Arn"])
        self.assertEqual(len(d.list_instances()["InstanceSummaryList"]), 1)

    def test_modeled_access_denied_class(self):
        d = self.client(key="AKIDDENY", secret="secretD")
        with self.assertRaises(d.exceptions.AccessDeniedException):
            d.delete_instance(InstanceId="11111111-2222-4333-8444-555555555555")

    def test_only_allowed_actions(self):
        l = self.client(key="AKIDLIST", secret="secretL")
        self.assertEqual(l.list_instances()["InstanceSummaryList"], [])
        with self.assertAwsError("AccessDeniedException", 403, message_contains="connect:CreateInstance"):
            self.create_instance(client=l, alias="not-allowed")
        with self.assertAwsError("ResourceNotFoundException", 404):
            l.describe_instance(InstanceId="11111111-2222-4333-8444-555555555555")

    def test_deny_by_resource_region(self):
        us = self.client(key="AKIDREGION", secret="secretR")
        eu = self.client(key="AKIDREGION", secret="secretR", region=OTHER_REGION)
        us_inst = self.create_instance(client=us, alias="res-us")
        eu_inst = self.create_instance(client=eu, alias="res-eu")
        us.tag_resource(resourceArn=us_inst["Arn"], tags={"k": "v"})
        with self.assertAwsError("AccessDeniedException", 403):
            eu.tag_resource(resourceArn=eu_inst["Arn"], tags={"k": "v"})
        eu.untag_resource(resourceArn=eu_inst["Arn"], tagKeys=["k"])
        self.assertEqual(eu.list_tags_for_resource(resourceArn=eu_inst["Arn"])["tags"], {})

    def test_deny_by_phone_number_arn_applies_to_bare_ids(self):
        p = self.client(key="AKIDPHONE", secret="secretP")
        inst = self.create_instance(client=p, alias="phone-policy")
        number = p.search_available_phone_numbers(TargetArn=inst["Arn"], PhoneNumberCountryCode="US",
                                                  PhoneNumberType="DID", MaxResults=1)["AvailableNumbersList"][0]
        out = p.claim_phone_number(PhoneNumber=number["PhoneNumber"], TargetArn=inst["Arn"])
        for phone_id in (out["PhoneNumberId"], out["PhoneNumberArn"]):
            with self.assertAwsError("AccessDeniedException", 403, message_contains=out["PhoneNumberArn"]):
                p.release_phone_number(PhoneNumberId=phone_id)
        self.assertEqual(p.describe_phone_number(PhoneNumberId=out["PhoneNumberId"])
                         ["ClaimedPhoneNumberSummary"]["PhoneNumber"], number["PhoneNumber"])

    def test_no_policy_means_full_access(self):
        a = self.client(key="AKIDA", secret="secretA")
        inst = self.create_instance(client=a, alias="full")
        a.delete_instance(InstanceId=inst["Id"])


class AuthOffTest(ServerTestCase):
    auth = "off"

    def test_any_key_works(self):
        c = self.client(key="whatever", secret="anything")
        inst = self.create_instance(client=c, alias="auth-off")
        self.assertEqual(inst["Arn"], instance_arn(inst["Id"], account="000000000000"))
        self.assertEqual(len(self.client(key="other", secret="x").list_instances()["InstanceSummaryList"]), 1)

    def test_twelve_digit_key_is_the_account(self):
        c = self.client(key="123456789012", secret="anything")
        inst = self.create_instance(client=c, alias="acct-key")
        self.assertEqual(inst["Arn"], instance_arn(inst["Id"], account="123456789012"))
        self.assertEqual(self.client(key="whatever", secret="x").list_instances()["InstanceSummaryList"], [])

    def test_expired_signature_accepted(self):
        with shifted_clock(-60):
            self.assertEqual(self.client(key="k", secret="s").list_instances()["InstanceSummaryList"], [])

    def test_region_still_from_scope(self):
        eu = self.client(key="k", secret="s", region=OTHER_REGION)
        inst = self.create_instance(client=eu, alias="eu-off")
        self.assertEqual(inst["Arn"], instance_arn(inst["Id"], region=OTHER_REGION))
        self.assertEqual(self.client(key="k", secret="s", region=REGION).list_instances()["InstanceSummaryList"], [])


if __name__ == "__main__":
    unittest.main()
