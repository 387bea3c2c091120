"""aws_connect_phone_number reads back the country_code and type it was created with.

The provider searches (country, type), claims the first result and reads DescribePhoneNumber's
PhoneNumberCountryCode and PhoneNumberType into state: any difference is drift. Countries that share
a numbering plan (NANP, +7, +44, +61, +39, +590, ...) used to share default blocks, so a CA toll-free
number was reported as AS once claimed. Every (country, type) of those plans is checked here, and
the admin API's refusal of overlapping blocks.
"""

import json
import urllib.error
import urllib.request

from harness import DEFAULT_ACCOUNT, REGION
from phone_base import PhoneNumberTestCase

# Calling codes shared by several countries (the test covers every default block under them).
SHARED_PLANS = ("+1", "+7", "+44", "+61", "+39", "+590", "+262", "+47", "+212", "+358", "+599", "+290", "+672")


class PhoneNumberCountries(PhoneNumberTestCase):
    def setUp(self):
        super().setUp()
        self.server.set_quotas(phone_numbers_per_instance=1000)

    def shared_plan_blocks(self):
        blocks = self.server.admin("GET", "inventory")["blocks"]
        return sorted({(b["country"], b["type"]) for b in blocks
                       if b["country"] != "*" and any(b["prefix"].startswith(p) for p in SHARED_PLANS)})

    def test_search_claim_describe_and_list_agree_on_the_country(self):
        pairs = self.shared_plan_blocks()
        for must in (("CA", "TOLL_FREE"), ("PR", "TOLL_FREE"), ("MF", "DID"), ("GG", "TOLL_FREE"),
                     ("KZ", "TOLL_FREE"), ("VA", "TOLL_FREE"), ("CX", "TOLL_FREE"), ("AS", "TOLL_FREE")):
            self.assertIn(must, pairs)
        claimed = {}
        for country, type_ in pairs:
            with self.subTest(country=country, type=type_):
                found = self.search(country, type_, max_results=1)["AvailableNumbersList"]
                self.assertEqual(len(found), 1)
                offer = found[0]
                self.assertEqual((offer["PhoneNumberCountryCode"], offer["PhoneNumberType"]), (country, type_))
                out = self.claim(offer["PhoneNumber"])
                summary = self.describe(out["PhoneNumberId"])
                self.assertEqual(summary["PhoneNumber"], offer["PhoneNumber"])
                self.assertEqual((summary["PhoneNumberCountryCode"], summary["PhoneNumberType"]), (country, type_))
                listed = self.c.list_phone_numbers_v2(TargetArn=self.target, PhoneNumberCountryCodes=[country],
                                                     PhoneNumberTypes=[type_])["ListPhoneNumbersSummaryList"]
                self.assertIn(offer["PhoneNumber"], [s["PhoneNumber"] for s in listed])
                for s in listed:
                    self.assertEqual((s["PhoneNumberCountryCode"], s["PhoneNumberType"]), (country, type_))
                claimed[offer["PhoneNumber"]] = (country, type_)
        # Once settled, the v1 list (CLAIMED only) reports the same country for every number.
        self.settle()
        v1 = self.c.list_phone_numbers(InstanceId=self.inst["Id"], MaxResults=1000)["PhoneNumberSummaryList"]
        for s in v1:
            self.assertEqual(s["PhoneNumberCountryCode"], claimed[s["PhoneNumber"]][0], s)
        self.assertEqual(len(v1), len(claimed))

    def test_a_shared_plan_number_is_offered_under_one_country_only(self):
        ca = self.first_available("CA", "TOLL_FREE")
        for other in ("US", "AS", "PR", "VG", "BS"):
            offered = self.available_numbers(ca, country=other, type_="TOLL_FREE")
            self.assertNotIn(ca, offered, other)
        self.claim(ca)
        self.assertEqual(self.v2_numbers(TargetArn=self.target, PhoneNumberCountryCodes=["US", "AS"]), [])
        self.assertEqual(self.v2_numbers(TargetArn=self.target, PhoneNumberCountryCodes=["CA"]), [ca])


def post_inventory(server, blocks):
    req = urllib.request.Request(f"{server.endpoint}/_connect-local/inventory", method="POST",
                                 data=json.dumps({"blocks": blocks}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class AdminRefusesOverlappingBlocks(PhoneNumberTestCase):
    def test_overlapping_blocks_are_a_clean_400_and_change_nothing(self):
        before = self.server.admin("GET", "inventory")["blocks"]
        us_tf = next(b for b in before if b["country"] == "US" and b["type"] == "TOLL_FREE")
        for blocks, words in (
            # Another country over the US toll-free range, or inside it, or around it.
            ([{**us_tf, "country": "CA"}], ("overlaps", "US TOLL_FREE " + us_tf["prefix"])),
            ([{**us_tf, "country": "PR", "prefix": us_tf["prefix"] + "1"}], ("overlaps",)),
            ([{"country": "CA", "type": "TOLL_FREE", "prefix": "+1800", "length": 12}], ("overlaps",)),
            # The same country under an unvalidated type that contains the same numbers.
            ([{"country": "US", "type": "THIRD_PARTY_DID", "prefix": "+1206555", "length": 12}], ("overlaps",)),
            # Two new blocks overlapping each other in one request.
            ([{"country": "US", "type": "DID", "prefix": "+1503555", "length": 12},
              {"country": "US", "type": "DID", "prefix": "+15035551", "length": 12}], ("overlaps",)),
        ):
            with self.subTest(blocks=blocks):
                status, body = post_inventory(self.server, blocks)
                self.assertEqual(status, 400, body)
                for w in words:
                    self.assertIn(w, body["error"])
                self.assertEqual(self.server.admin("GET", "inventory")["blocks"], before)
        # Re-adding an existing block is a no-op; a disjoint one is added; numbers whose validity
        # sets do not meet may share a range (DID and toll-free never do).
        status, _ = post_inventory(self.server, [us_tf])
        self.assertEqual(status, 200)
        status, body = post_inventory(self.server, [
            {"country": "US", "type": "DID", "prefix": "+1503555", "length": 12},
            {"country": "CA", "type": "TOLL_FREE", "prefix": "+1833555", "length": 12},
            {"country": "US", "type": "TOLL_FREE", "prefix": "+1206", "length": 12}])
        self.assertEqual(status, 400, body)  # +1206 has no toll-free number at all: refused as empty
        status, body = post_inventory(self.server, [
            {"country": "US", "type": "DID", "prefix": "+1503555", "length": 12},
            {"country": "CA", "type": "TOLL_FREE", "prefix": "+1833555", "length": 12}])
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["blocks"]), len(before) + 2)
        number = self.first_available("CA", "TOLL_FREE", prefix="+1833555")
        out = self.claim(number)
        self.assertEqual(self.describe(out["PhoneNumberId"])["PhoneNumberCountryCode"], "CA")
