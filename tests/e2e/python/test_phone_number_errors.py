"""Phone-number errors through boto3: model validation (AWS-shaped messages naming the member), target
resolution, unavailable numbers, pagination tokens and malformed bodies (SPEC §2, §5, §6)."""

import json
import unittest

from harness import DEFAULT_ACCOUNT, OTHER_REGION, REGION, UUID_ANY_RE
from phone_base import MISSING_ID, PhoneNumberTestCase, phone_arn, token

VALIDATION = "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "


class ValidationTest(PhoneNumberTestCase):
    def test_claim_number_without_plus(self):
        with self.assertAwsError("InvalidParameterException", 400,
                                 message_prefix=VALIDATION.format(value="12065550100", member="phoneNumber"),
                                 message_contains="regular expression pattern"):
            self.raw.claim_phone_number(PhoneNumber="12065550100", TargetArn=self.target)
        self.assertEqual(self.v2_numbers(), [])

    def test_search_type_enum(self):
        with self.assertAwsError("InvalidParameterException", 400,
                                 message_prefix=VALIDATION.format(value="NOPE", member="phoneNumberType")
                                 + "Member must satisfy enum value set: [",
                                 message_contains=("DID", "TOLL_FREE", "UIFN", "SHORT_CODE")):
            self.raw.search_available_phone_numbers(TargetArn=self.target, PhoneNumberCountryCode="US",
                                                    PhoneNumberType="NOPE")

    def test_search_country_enum(self):
        with self.assertAwsError("InvalidParameterException", 400,
                                 message_prefix=VALIDATION.format(value="ZZ", member="phoneNumberCountryCode")):
            self.raw.search_available_phone_numbers(TargetArn=self.target, PhoneNumberCountryCode="ZZ",
                                                    PhoneNumberType="DID")

    def test_search_max_results_range(self):
        for value in (11, 0):
            with self.assertAwsError("InvalidParameterException", 400,
                                     message_prefix=VALIDATION.format(value=value, member="maxResults")):
                self.raw.search_available_phone_numbers(TargetArn=self.target, PhoneNumberCountryCode="US",
                                                        PhoneNumberType="DID", MaxResults=value)
        self.assertEqual(len(self.search(max_results=10)["AvailableNumbersList"]), 10)

    def test_search_prefix_needs_plus(self):
        with self.assertAwsError("InvalidParameterException", 400) as cm:
            self.raw.search_available_phone_numbers(TargetArn=self.target, PhoneNumberCountryCode="US",
                                                    PhoneNumberType="DID", PhoneNumberPrefix="1206")
        message = cm.exception.response["Error"]["Message"]
        self.assertIn("phonenumberprefix", message.lower(), message)
        self.assertIn("+", message)
        with self.assertAwsError("InvalidParameterException", 400,
                                 message_prefix=VALIDATION.format(value="+120655501001", member="phoneNumberPrefix")):
            self.raw.search_available_phone_numbers(TargetArn=self.target, PhoneNumberCountryCode="US",
                                                    PhoneNumberType="DID", PhoneNumberPrefix="+120655501001")

    def test_list_v2_max_results(self):
        with self.assertAwsError("InvalidParameterException", 400,
                                 message_prefix=VALIDATION.format(value=1001, member="maxResults")):
            self.raw.list_phone_numbers_v2(MaxResults=1001)
        self.assertEqual(self.raw.list_phone_numbers_v2(MaxResults=1000)["ListPhoneNumbersSummaryList"], [])

    def test_list_v1_max_results(self):
        with self.assertAwsError("InvalidParameterException", 400, message_contains="'maxResults'"):
            self.raw.list_phone_numbers(InstanceId=self.inst["Id"], MaxResults=1001)

    def test_description_too_long(self):
        number = self.first_available()
        with self.assertAwsError("InvalidParameterException", 400, message_prefix="1 validation error detected: ",
                                 message_contains="'phoneNumberDescription'"):
            self.raw.claim_phone_number(PhoneNumber=number, TargetArn=self.target, PhoneNumberDescription="d" * 501)
        self.assertEqual(self.v2_numbers(), [])
        _, out = self.claim_settled(number, PhoneNumberDescription="d" * 500)
        self.assertEqual(self.describe(out["PhoneNumberId"])["PhoneNumberDescription"], "d" * 500)
        with self.assertAwsError("InvalidParameterException", 400, message_contains="'phoneNumberDescription'"):
            self.raw.update_phone_number_metadata(PhoneNumberId=out["PhoneNumberId"], PhoneNumberDescription="e" * 501)
        self.assertEqual(self.describe(out["PhoneNumberId"])["PhoneNumberDescription"], "d" * 500)

    def test_claim_tag_key_aws_prefix(self):
        with self.assertAwsError("InvalidParameterException", 400, message_contains="'tags'"):
            self.claim(self.first_available(), Tags={"aws:nope": "1"})
        self.assertEqual(self.v2_numbers(), [])


class TargetTest(PhoneNumberTestCase):
    def test_claim_without_target(self):
        with self.assertAwsError("InvalidParameterException", 400) as cm:
            self.raw.claim_phone_number(PhoneNumber=self.first_available())
        self.assertEqual(cm.exception.response["Error"]["Message"], "Either InstanceId or TargetArn must be provided")

    def test_update_without_target(self):
        _, out = self.claim_settled()
        with self.assertAwsError("InvalidParameterException", 400) as cm:
            self.raw.update_phone_number(PhoneNumberId=out["PhoneNumberId"])
        self.assertEqual(cm.exception.response["Error"]["Message"], "Either InstanceId or TargetArn must be provided")

    def test_target_arn_in_another_region(self):
        west = self.target.replace(f":{REGION}:", ":us-west-2:")
        with self.assertAwsError("InvalidParameterException", 400, message_contains="not in the same Region"):
            self.claim(self.first_available(), target=west)
        self.assertEqual(self.v2_numbers(), [])

    def test_search_target_in_another_region(self):
        west = self.target.replace(f":{REGION}:", ":us-west-2:")
        with self.assertAwsError("InvalidParameterException", 400, message_contains="not in the same Region"):
            self.search(target=west)

    def test_unknown_instance_on_claim_is_not_found(self):
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.claim_phone_number(PhoneNumber=self.first_available(), InstanceId=MISSING_ID)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.claim(self.first_available(), target=f"arn:aws:connect:{REGION}:{DEFAULT_ACCOUNT}:instance/{MISSING_ID}")

    def test_unknown_instance_on_search_is_invalid_parameter(self):
        # SearchAvailablePhoneNumbers models no ResourceNotFoundException.
        with self.assertAwsError("InvalidParameterException", 400):
            self.c.search_available_phone_numbers(InstanceId=MISSING_ID, PhoneNumberCountryCode="US",
                                                  PhoneNumberType="DID")

    def test_instance_id_and_target_arn_must_agree(self):
        other = self.create_instance(client=self.c, alias="phones-b")
        number = self.first_available()
        with self.assertAwsError("InvalidParameterException", 400):
            self.c.claim_phone_number(PhoneNumber=number, InstanceId=other["Id"], TargetArn=self.target)
        out = self.c.claim_phone_number(PhoneNumber=number, InstanceId=self.inst["Id"], TargetArn=self.target)
        self.assertEqual(self.describe(out["PhoneNumberId"])["TargetArn"], self.target)

    def test_instance_of_another_region_is_not_found(self):
        eu = self.client(region=OTHER_REGION)
        with self.assertAwsError("ResourceNotFoundException", 404):
            eu.claim_phone_number(PhoneNumber=self.first_available(), InstanceId=self.inst["Id"])


class UnavailableAndUnknownTest(PhoneNumberTestCase):
    def test_number_outside_the_inventory(self):
        self.assertNotAvailable("+15035550100")

    def test_number_claimed_twice(self):
        number, _ = self.claim_settled()
        self.assertNotAvailable(number)
        other = self.create_instance(client=self.c, alias="phones-b")
        self.assertNotAvailable(number, target=other["Arn"])

    def test_unknown_phone_number(self):
        for pid in (MISSING_ID, phone_arn(MISSING_ID)):
            with self.assertAwsError("ResourceNotFoundException", 404):
                self.c.describe_phone_number(PhoneNumberId=pid)
            with self.assertAwsError("ResourceNotFoundException", 404):
                self.c.release_phone_number(PhoneNumberId=pid)
            with self.assertAwsError("ResourceNotFoundException", 404):
                self.c.update_phone_number(PhoneNumberId=pid, TargetArn=self.target)
            with self.assertAwsError("ResourceNotFoundException", 404):
                self.c.update_phone_number_metadata(PhoneNumberId=pid, PhoneNumberDescription="x")

    def test_phone_arn_of_another_region_or_account(self):
        _, out = self.claim_settled()
        for arn in (phone_arn(out["PhoneNumberId"], region="us-west-2"),
                    phone_arn(out["PhoneNumberId"], account="123456789012")):
            with self.assertAwsError("ResourceNotFoundException", 404):
                self.c.describe_phone_number(PhoneNumberId=arn)
            with self.assertAwsError("ResourceNotFoundException", 404):
                self.c.release_phone_number(PhoneNumberId=arn)
        eu = self.client(region=OTHER_REGION)
        with self.assertAwsError("ResourceNotFoundException", 404):
            eu.describe_phone_number(PhoneNumberId=out["PhoneNumberId"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            eu.release_phone_number(PhoneNumberId=out["PhoneNumberArn"])
        self.assertEqual(self.status(out["PhoneNumberId"])["Status"], "CLAIMED")

    def test_empty_results_are_not_errors(self):
        self.assertEqual(self.search(type_="THIRD_PARTY_DID")["AvailableNumbersList"], [])
        self.assertEqual(self.search(type_="SHORT_CODE")["AvailableNumbersList"], [])
        self.assertEqual(self.search(prefix="+44")["AvailableNumbersList"], [])  # contradicts the country


class PaginationTokenTest(PhoneNumberTestCase):
    def test_tampered_search_token(self):
        page = self.search(max_results=2)
        tok = page["NextToken"]
        flipped = tok[:-2] + ("A" if tok[-2] != "A" else "B") + tok[-1]
        for bad in ("garbage-token", flipped):
            with self.assertAwsError("InvalidParameterException", 400):
                self.search(max_results=2, NextToken=bad)

    def test_search_token_bound_to_its_filters(self):
        tok = self.search(max_results=2)["NextToken"]
        with self.assertAwsError("InvalidParameterException", 400):
            self.search(type_="TOLL_FREE", max_results=2, NextToken=tok)

    def test_tampered_list_v2_token(self):
        self.claim(self.first_available())
        self.claim(self.first_available())
        tok = self.c.list_phone_numbers_v2(MaxResults=1)["NextToken"]
        with self.assertAwsError("InvalidParameterException", 400):
            self.c.list_phone_numbers_v2(MaxResults=1, NextToken=tok + "x")


class MalformedBodyTest(PhoneNumberTestCase):
    def assertSerialization(self, path, body):
        status, headers, payload = self.server.raw_request("POST", path, body)
        self.assertEqual(status, 400, payload)
        self.assertEqual(headers.get("x-amzn-errortype", "").split(":")[0], "SerializationException", headers)
        self.assertRegex(headers.get("x-amzn-requestid", ""), UUID_ANY_RE)
        self.assertTrue(payload.get("Message") or payload.get("message"), payload)

    def test_malformed_json(self):
        self.assertSerialization("/phone-number/claim", b'{"PhoneNumber": "+12015550000", "TargetArn": ')
        self.assertSerialization("/phone-number/search-available", b"{not json}")

    def test_body_not_an_object(self):
        self.assertSerialization("/phone-number/claim", json.dumps(["+12015550000"]).encode())

    def test_member_of_the_wrong_type(self):
        body = {"TargetArn": self.target, "PhoneNumberCountryCode": "US", "PhoneNumberType": "DID", "MaxResults": "ten"}
        self.assertSerialization("/phone-number/search-available", json.dumps(body).encode())
        body = {"PhoneNumber": 12015550000, "TargetArn": self.target, "ClientToken": token()}
        self.assertSerialization("/phone-number/claim", json.dumps(body).encode())
        self.assertEqual(self.v2_numbers(), [])

    def test_well_formed_raw_claim_works(self):
        number = self.first_available()
        body = {"PhoneNumber": number, "TargetArn": self.target, "ClientToken": token(), "UnknownMember": 1}
        status, headers, payload = self.server.raw_request("POST", "/phone-number/claim", json.dumps(body).encode())
        self.assertEqual(status, 200, payload)
        self.assertEqual(set(payload), {"PhoneNumberId", "PhoneNumberArn"})
        self.assertEqual(self.v2_numbers(), [number])


if __name__ == "__main__":
    unittest.main()
