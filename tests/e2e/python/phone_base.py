"""Shared fixture for the phone-number suites (test_phone_numbers.py, test_phone_number_errors.py).

Claims settle after the server's transient delay (60 s, the harness default); tests move the admin
clock instead of waiting, so IN_PROGRESS is always observed first and CLAIMED right after `settle()`.
"""

import re
import uuid

from harness import DEFAULT_ACCOUNT, REGION, ServerTestCase

SETTLE_SECONDS = 61  # > the 60 s transient delay
DAY = 24 * 3600
QUOTA_FAILURE = "The allowed limit for claimed phone numbers has been exceeded for your instance"
PHONE_ARN_RE = re.compile(
    r"^arn:aws:connect:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):phone-number/(?P<id>[0-9a-f-]{36})$")
MISSING_ID = "11111111-2222-4333-8444-555555555555"


def phone_arn(phone_id, account=DEFAULT_ACCOUNT, region=REGION):
    return f"arn:aws:connect:{region}:{account}:phone-number/{phone_id}"


def token():
    return str(uuid.uuid4())


class PhoneNumberTestCase(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.c = self.client()
        self.raw = self.client(validate=False)
        self.inst = self.create_instance(client=self.c, alias="phones")
        self.target = self.inst["Arn"]

    # ---- helpers: each is one API call through boto3 ----
    def search(self, country="US", type_="DID", prefix=None, max_results=None, target=None, client=None, **kw):
        args = {"TargetArn": target or self.target, "PhoneNumberCountryCode": country, "PhoneNumberType": type_, **kw}
        if prefix is not None:
            args["PhoneNumberPrefix"] = prefix
        if max_results is not None:
            args["MaxResults"] = max_results
        return (client or self.c).search_available_phone_numbers(**args)

    def first_available(self, country="US", type_="DID", prefix=None, target=None):
        found = self.search(country, type_, prefix=prefix, max_results=1, target=target)["AvailableNumbersList"]
        self.assertEqual(len(found), 1, f"no {country} {type_} number available (prefix {prefix})")
        return found[0]["PhoneNumber"]

    def available_numbers(self, prefix, country="US", type_="DID"):
        return [n["PhoneNumber"] for n in self.search(country, type_, prefix=prefix)["AvailableNumbersList"]]

    def claim(self, number, target=None, client=None, **kw):
        return (client or self.c).claim_phone_number(PhoneNumber=number, TargetArn=target or self.target, **kw)

    def describe(self, phone_id):
        return self.c.describe_phone_number(PhoneNumberId=phone_id)["ClaimedPhoneNumberSummary"]

    def status(self, phone_id):
        return self.describe(phone_id)["PhoneNumberStatus"]

    def settle(self, seconds=SETTLE_SECONDS):
        self.server.advance(seconds)

    def claim_settled(self, number=None, target=None, **kw):
        """Claims (the first available US DID when number is None) and settles it to CLAIMED."""
        number = number or self.first_available(target=target)
        out = self.claim(number, target=target, **kw)
        self.settle()
        self.assertEqual(self.status(out["PhoneNumberId"])["Status"], "CLAIMED")
        return number, out

    def v2_numbers(self, client=None, **kw):
        return [s["PhoneNumber"] for s in (client or self.c).list_phone_numbers_v2(**kw)["ListPhoneNumbersSummaryList"]]

    def assertNotAvailable(self, number, target=None, client=None):
        with self.assertAwsError("InvalidParameterException", 400) as cm:
            self.claim(number, target=target, client=client)
        self.assertEqual(cm.exception.response["Error"]["Message"], f"Phone number not available: {number}")
