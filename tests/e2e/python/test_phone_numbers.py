"""Phone-number lifecycle through boto3: the Terraform and CloudFormation flows, concurrent claims,
quota FAILED claims, the 200 % rule, cooldown, idempotency, lists, updates, flows, import, faults,
throttling (SPEC §5, §6, §8, §9)."""

import datetime
import json
import tempfile
import threading
import time
import unittest

import boto3
import botocore
from botocore.config import Config

from harness import DEFAULT_ACCOUNT, REGION, UUID4_RE, Server, instance_arn
from phone_base import (DAY, PHONE_ARN_RE, QUOTA_FAILURE, SETTLE_SECONDS, PhoneNumberTestCase, phone_arn,
                        token)


class TerraformFlowTest(PhoneNumberTestCase):
    def test_search_claim_wait_read_release(self):
        found = self.search(max_results=1)["AvailableNumbersList"]
        self.assertEqual(len(found), 1)
        self.assertEqual(set(found[0]), {"PhoneNumber", "PhoneNumberCountryCode", "PhoneNumberType"})
        self.assertEqual((found[0]["PhoneNumberCountryCode"], found[0]["PhoneNumberType"]), ("US", "DID"))
        number = found[0]["PhoneNumber"]
        self.assertRegex(number, r"^\+1\d{10}$")

        tags = {"Name": "tf-number", "env": "test"}
        out = self.claim(number, ClientToken=token(), Tags=tags, PhoneNumberDescription="terraform managed")
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        phone_id = out["PhoneNumberId"]
        self.assertRegex(phone_id, UUID4_RE)
        self.assertEqual(out["PhoneNumberArn"], phone_arn(phone_id))

        # waitPhoneNumberCreated: Pending IN_PROGRESS, Target CLAIMED, refresh = DescribePhoneNumber.
        seen = []
        for _ in range(10):
            seen.append(self.status(phone_id)["Status"])
            if seen[-1] == "CLAIMED":
                break
            self.server.advance(20)
        self.assertEqual(seen[0], "IN_PROGRESS")
        self.assertEqual(seen[-1], "CLAIMED")
        self.assertEqual(set(seen[:-1]), {"IN_PROGRESS"})

        d = self.describe(phone_id)
        self.assertEqual(d["PhoneNumberId"], phone_id)
        self.assertEqual(d["PhoneNumberArn"], f"arn:aws:connect:{REGION}:{DEFAULT_ACCOUNT}:phone-number/{phone_id}")
        self.assertEqual(d["PhoneNumber"], number)
        self.assertEqual(d["PhoneNumberCountryCode"], "US")
        self.assertEqual(d["PhoneNumberType"], "DID")
        self.assertEqual(d["PhoneNumberDescription"], "terraform managed")
        self.assertEqual(d["TargetArn"], self.target)
        self.assertEqual(d["Tags"], tags)
        self.assertEqual(d["PhoneNumberStatus"]["Status"], "CLAIMED")

        # The claimed number is gone from search; the next search result is another number.
        self.assertNotEqual(self.first_available(), number)
        self.assertEqual(self.available_numbers(number), [])

        # Delete: Release, then waitPhoneNumberDeleted needs ResourceNotFoundException, never CLAIMED.
        self.assertEqual(self.c.release_phone_number(PhoneNumberId=phone_id, ClientToken=token())
                         ["ResponseMetadata"]["HTTPStatusCode"], 200)
        for step in (0, 1, SETTLE_SECONDS, 3600):
            self.server.advance(step)
            with self.assertAwsError("ResourceNotFoundException", 404):
                self.c.describe_phone_number(PhoneNumberId=phone_id)
        self.assertEqual(self.v2_numbers(), [])
        # Terraform treats RNF on Release as success: a second release is RNF.
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.release_phone_number(PhoneNumberId=phone_id)


class CloudFormationFlowTest(PhoneNumberTestCase):
    def test_search_pages_ascending_and_never_repeat(self):
        numbers, tokens, kwargs = [], [], {}
        for _ in range(3):  # CFN reads the first page and up to 2 more.
            page = self.search(max_results=10, **kwargs)
            self.assertEqual(len(page["AvailableNumbersList"]), 10)
            numbers += [n["PhoneNumber"] for n in page["AvailableNumbersList"]]
            self.assertTrue(page.get("NextToken"))
            self.assertNotIn(page["NextToken"], tokens)
            tokens.append(page["NextToken"])
            kwargs = {"NextToken": page["NextToken"]}
        self.assertEqual(len(set(numbers)), 30, "a number repeats across pages")
        self.assertEqual(numbers, sorted(numbers), "search results are not ascending")

    def test_search_walk_to_the_last_page(self):
        numbers, tokens, kwargs = [], [], {}
        while True:
            page = self.search(prefix="+120155500", max_results=10, **kwargs)
            numbers += [n["PhoneNumber"] for n in page["AvailableNumbersList"]]
            if not page.get("NextToken"):
                break
            self.assertNotIn(page["NextToken"], tokens, "a NextToken came back twice")
            tokens.append(page["NextToken"])
            kwargs = {"NextToken": page["NextToken"]}
            self.assertLess(len(tokens), 12, "pagination does not end")
        self.assertEqual(numbers, [f"+120155500{i:02d}" for i in range(100)])

    def test_arn_as_phone_number_id_everywhere(self):
        page = self.search(max_results=10)["AvailableNumbersList"]
        number = page[3]["PhoneNumber"]  # CFN picks one at random.
        out = self.c.claim_phone_number(PhoneNumber=number, TargetArn=self.target)  # SDK fills the ClientToken
        arn = out["PhoneNumberArn"]
        m = PHONE_ARN_RE.match(arn)
        self.assertIsNotNone(m, arn)
        self.assertEqual(m.group("id"), out["PhoneNumberId"])
        self.assertEqual(self.status(arn)["Status"], "IN_PROGRESS")
        self.settle()
        d = self.describe(arn)
        self.assertEqual((d["PhoneNumberStatus"]["Status"], d["PhoneNumber"], d["PhoneNumberId"]),
                         ("CLAIMED", number, out["PhoneNumberId"]))

        other = self.create_instance(client=self.c, alias="phones-other")
        up = self.c.update_phone_number(PhoneNumberId=arn, TargetArn=other["Arn"])
        self.assertEqual((up["PhoneNumberId"], up["PhoneNumberArn"]), (out["PhoneNumberId"], arn))
        self.settle()
        d = self.describe(arn)
        self.assertEqual(d["TargetArn"], other["Arn"])  # CFN Update stabilises on this
        self.assertEqual(d["PhoneNumberStatus"]["Status"], "CLAIMED")

        self.c.update_phone_number_metadata(PhoneNumberId=arn, PhoneNumberDescription="from cfn")
        self.settle()
        self.assertEqual(self.describe(arn)["PhoneNumberDescription"], "from cfn")

        self.c.release_phone_number(PhoneNumberId=arn)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.describe_phone_number(PhoneNumberId=arn)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.describe_phone_number(PhoneNumberId=out["PhoneNumberId"])


class ConcurrentClaimTest(PhoneNumberTestCase):
    def test_sixteen_clients_claim_the_same_number(self):
        number = self.first_available()
        results = self.race(lambda client, i: self.claim(number, client=client, ClientToken=token()))
        wins = [r[1] for r in results if r[0] == "ok"]
        losses = [r[1] for r in results if r[0] == "err"]
        self.assertEqual(len(wins), 1, results)
        self.assertEqual(len(losses), 15)
        for resp in losses:
            self.assertEqual(resp["Error"]["Code"], "InvalidParameterException", resp)
            self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 400, resp)
            self.assertEqual(resp["Error"]["Message"], f"Phone number not available: {number}")
        listed = self.c.list_phone_numbers_v2()["ListPhoneNumbersSummaryList"]
        self.assertEqual([(s["PhoneNumberId"], s["PhoneNumber"]) for s in listed], [(wins[0]["PhoneNumberId"], number)])
        self.assertEqual(self.status(wins[0]["PhoneNumberId"])["Status"], "IN_PROGRESS")

    def race(self, call, n=16):
        """Runs call(client, i) from n threads at once; returns [("ok", response) | ("err", error response)]."""
        clients = [self.server.client(max_pool_connections=2, user_agent_extra=f"racer-{i}") for i in range(n)]
        barrier = threading.Barrier(n)
        results = [None] * n

        def run(i):
            barrier.wait()
            try:
                results[i] = ("ok", call(clients[i], i))
            except botocore.exceptions.ClientError as e:
                results[i] = ("err", e.response)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertTrue(all(r is not None for r in results), results)
        return results

    def test_concurrent_claims_respect_the_instance_quota(self):
        numbers = self.available_numbers("+120155500") + self.available_numbers("+120155501")
        results = self.race(lambda client, i: self.claim(numbers[i], client=client))
        self.assertEqual([r[0] for r in results], ["ok"] * 16, results)  # failures are asynchronous
        self.settle()
        statuses = [self.status(r[1]["PhoneNumberId"]) for r in results]
        self.assertEqual(sum(s["Status"] == "CLAIMED" for s in statuses), 5, statuses)
        self.assertEqual(sum(s == {"Status": "FAILED", "Message": QUOTA_FAILURE} for s in statuses), 11, statuses)

    def test_concurrent_retries_with_one_token_claim_once(self):
        # SDK retries reuse the ClientToken: every attempt gets the same answer, none a spurious failure.
        number, t = self.first_available(), token()
        results = self.race(lambda client, i: self.claim(number, client=client, ClientToken=t))
        self.assertEqual([r[0] for r in results], ["ok"] * 16, results)
        self.assertEqual(len({r[1]["PhoneNumberId"] for r in results}), 1)
        self.assertEqual(self.v2_numbers(), [number])


class QuotaFailedClaimTest(PhoneNumberTestCase):
    def test_claim_over_quota_settles_failed_then_vanishes(self):
        self.server.set_quotas(phone_numbers_per_instance=1)
        first, _ = self.claim_settled()
        second = self.first_available()
        self.assertNotEqual(first, second)
        out = self.claim(second, ClientToken=token())  # accepted: the failure is asynchronous
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.status(out["PhoneNumberId"]), {"Status": "IN_PROGRESS"})
        self.settle()
        st = self.status(out["PhoneNumberId"])
        self.assertEqual(st["Status"], "FAILED")
        self.assertEqual(st["Message"], QUOTA_FAILURE)
        # FAILED is listed by V2 and holds its number for 24 hours.
        self.assertEqual(self.v2_numbers(), sorted([first, second]))
        self.assertEqual(self.available_numbers(second), [])
        self.server.advance(23 * 3600)
        self.assertEqual(self.status(out["PhoneNumberId"])["Status"], "FAILED")
        self.server.advance(DAY - 23 * 3600 + SETTLE_SECONDS)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.describe_phone_number(PhoneNumberId=out["PhoneNumberId"])
        self.assertEqual(self.v2_numbers(), [first])
        self.assertEqual(self.available_numbers(second), [second])
        self.server.set_quotas(phone_numbers_per_instance=2)
        again = self.claim(second)
        self.settle()
        self.assertEqual(self.status(again["PhoneNumberId"])["Status"], "CLAIMED")

    def test_failed_number_can_be_released(self):
        self.server.set_quotas(phone_numbers_per_instance=1)
        first, _ = self.claim_settled()
        out = self.claim(self.first_available())
        self.settle()
        self.assertEqual(self.status(out["PhoneNumberId"])["Status"], "FAILED")
        self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.describe_phone_number(PhoneNumberId=out["PhoneNumberId"])
        self.assertEqual(self.v2_numbers(), [first])


class ClaimReleaseRuleTest(PhoneNumberTestCase):
    def test_two_hundred_percent_rule(self):
        self.server.set_quotas(cooldown_days=0)  # phone_numbers_per_instance stays 5: the limit is 10
        first_release = None
        for _ in range(10):
            number, out = self.claim_settled()
            self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"])
            first_release = first_release or self.server.now()
        number = self.first_available()
        with self.assertAwsError("InvalidParameterException", 400, message_contains="claim limit") as cm:
            self.claim(number)
        message = cm.exception.response["Error"]["Message"]
        self.assertRegex(message, r"\d{4}-\d{2}-\d{2}")
        unlock = datetime.datetime.fromtimestamp(first_release + 180 * DAY, datetime.timezone.utc)
        self.assertIn(unlock.strftime("%Y-%m-%d"), message)
        self.assertEqual(self.v2_numbers(), [])
        # ImportPhoneNumber counts as a claim: blocked too.
        self.server.admin("POST", "external-numbers", {"numbers": [
            {"source_arn": SOURCE_ARN, "phone_number": "+12065550199", "country": "US", "type": "DID"}]})
        with self.assertAwsError("InvalidParameterException", 400, message_contains="claim limit"):
            self.c.import_phone_number(InstanceId=self.inst["Id"], SourcePhoneNumberArn=SOURCE_ARN)
        self.server.advance(180 * DAY + 1)
        out = self.claim(self.first_available())
        self.settle()
        self.assertEqual(self.status(out["PhoneNumberId"])["Status"], "CLAIMED")


    def test_delete_instance_counts_toward_the_rule(self):
        self.server.set_quotas(cooldown_days=0)
        for k in range(2):
            inst = self.create_instance(client=self.c, alias=f"churn-{k}")
            for _ in range(5):
                self.claim(self.first_available(target=inst["Arn"]), target=inst["Arn"])
            self.settle()
            self.c.delete_instance(InstanceId=inst["Id"])  # releases its 5 numbers
        self.c.delete_instance(InstanceId=self.inst["Id"])
        fresh = self.create_instance(client=self.c, alias="churn-after")
        with self.assertAwsError("InvalidParameterException", 400, message_contains="claim limit"):
            self.claim(self.first_available(target=fresh["Arn"]), target=fresh["Arn"])


class CooldownTest(PhoneNumberTestCase):
    def test_released_number_cools_down_for_180_days(self):
        number, out = self.claim_settled()
        self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"])
        self.assertEqual(self.available_numbers(number), [])
        self.assertNotEqual(self.first_available(), number)
        self.assertNotAvailable(number)
        self.server.advance(179 * DAY)
        self.assertEqual(self.available_numbers(number), [])
        self.assertNotAvailable(number)
        self.server.advance(DAY + 1)
        self.assertEqual(self.available_numbers(number), [number])
        again = self.claim(number)
        self.settle()
        self.assertEqual(self.status(again["PhoneNumberId"])["Status"], "CLAIMED")
        self.assertNotEqual(again["PhoneNumberId"], out["PhoneNumberId"])


class IdempotencyTest(PhoneNumberTestCase):
    def test_same_token_same_params_replays(self):
        number = self.first_available()
        t = token()
        first = self.claim(number, ClientToken=t, PhoneNumberDescription="one", Tags={"k": "v"})
        again = self.claim(number, ClientToken=t, PhoneNumberDescription="one", Tags={"k": "v"})
        self.assertEqual((again["PhoneNumberId"], again["PhoneNumberArn"]),
                         (first["PhoneNumberId"], first["PhoneNumberArn"]))
        self.settle()
        later = self.claim(number, ClientToken=t, PhoneNumberDescription="one", Tags={"k": "v"})
        self.assertEqual(later["PhoneNumberId"], first["PhoneNumberId"])
        listed = self.c.list_phone_numbers_v2()["ListPhoneNumbersSummaryList"]
        self.assertEqual([s["PhoneNumberId"] for s in listed], [first["PhoneNumberId"]])

    def test_same_token_different_params(self):
        number = self.first_available()
        t = token()
        self.claim(number, ClientToken=t, PhoneNumberDescription="one")
        with self.assertAwsError("IdempotencyException", 409):
            self.claim(number, ClientToken=t, PhoneNumberDescription="two")
        with self.assertAwsError("IdempotencyException", 409):
            self.claim(self.first_available(), ClientToken=t, PhoneNumberDescription="one")
        self.assertEqual(self.v2_numbers(), [number])

    def test_token_expires_after_24_hours(self):
        t = token()
        first = self.claim(self.first_available(), ClientToken=t, PhoneNumberDescription="one")
        self.server.advance(DAY + SETTLE_SECONDS)
        second = self.claim(self.first_available(), ClientToken=t, PhoneNumberDescription="two")
        self.assertNotEqual(second["PhoneNumberId"], first["PhoneNumberId"])
        self.assertEqual(len(self.v2_numbers()), 2)

    def test_non_uuid_token_on_claim(self):
        number = self.first_available()
        for bad in ("not-a-uuid", "tf-" + token()):
            with self.assertAwsError("InvalidParameterException", 400, message_contains="'clientToken'"):
                self.claim(number, ClientToken=bad)
        self.assertEqual(self.v2_numbers(), [])

    def test_update_metadata_and_import_replays(self):
        # A retried Update/UpdateMetadata reuses its token: it replays 200, never ResourceInUse.
        other = self.create_instance(client=self.c, alias="phones-b")
        _, out = self.claim_settled()
        pid, t = out["PhoneNumberId"], token()
        first = self.c.update_phone_number(PhoneNumberId=pid, TargetArn=other["Arn"], ClientToken=t)
        again = self.c.update_phone_number(PhoneNumberId=pid, TargetArn=other["Arn"], ClientToken=t)
        self.assertEqual((again["PhoneNumberId"], again["PhoneNumberArn"]), (first["PhoneNumberId"], first["PhoneNumberArn"]))
        with self.assertAwsError("IdempotencyException", 409):
            self.c.update_phone_number(PhoneNumberId=pid, TargetArn=self.target, ClientToken=t)
        self.settle()
        t = token()
        self.c.update_phone_number_metadata(PhoneNumberId=pid, PhoneNumberDescription="d", ClientToken=t)
        self.c.update_phone_number_metadata(PhoneNumberId=pid, PhoneNumberDescription="d", ClientToken=t)
        with self.assertAwsError("IdempotencyException", 409):
            self.c.update_phone_number_metadata(PhoneNumberId=pid, PhoneNumberDescription="e", ClientToken=t)
        self.settle()
        d = self.describe(pid)
        self.assertEqual((d["TargetArn"], d["PhoneNumberDescription"]), (other["Arn"], "d"))

        self.server.admin("POST", "external-numbers", {"numbers": [
            {"source_arn": SOURCE_ARN, "phone_number": "+12065550199", "country": "US", "type": "DID"}]})
        t = token()
        imported = self.c.import_phone_number(InstanceId=self.inst["Id"], SourcePhoneNumberArn=SOURCE_ARN, ClientToken=t)
        replayed = self.c.import_phone_number(InstanceId=self.inst["Id"], SourcePhoneNumberArn=SOURCE_ARN, ClientToken=t)
        self.assertEqual(replayed["PhoneNumberId"], imported["PhoneNumberId"])
        with self.assertAwsError("InvalidParameterException", 400):  # a new token: the number is taken
            self.c.import_phone_number(InstanceId=self.inst["Id"], SourcePhoneNumberArn=SOURCE_ARN, ClientToken=token())
        self.assertEqual(self.v2_numbers(InstanceId=self.inst["Id"]), ["+12065550199"])

    def test_release_replay(self):
        _, out = self.claim_settled()
        t = token()
        r1 = self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"], ClientToken=t)
        r2 = self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"], ClientToken=t)
        self.assertEqual(r1["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(r2["ResponseMetadata"]["HTTPStatusCode"], 200)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.describe_phone_number(PhoneNumberId=out["PhoneNumberId"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"], ClientToken=token())


class ResourceInUseTest(PhoneNumberTestCase):
    def test_release_while_in_progress(self):
        out = self.claim(self.first_available())
        with self.assertAwsError("ResourceInUseException", 409) as cm:
            self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"])
        resp = cm.exception.response
        self.assertEqual(resp["ResourceType"], "PHONE_NUMBER")
        self.assertEqual(resp["ResourceId"], out["PhoneNumberArn"])
        self.assertEqual(self.status(out["PhoneNumberId"])["Status"], "IN_PROGRESS")
        self.settle()
        self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.describe_phone_number(PhoneNumberId=out["PhoneNumberId"])


class ListsTest(PhoneNumberTestCase):
    def setUp(self):
        super().setUp()
        self.other = self.create_instance(client=self.c, alias="phones-b")
        self.did, self.did_out = self.claim_settled(self.first_available(prefix="+1201"))
        self.tf, self.tf_out = self.claim_settled(self.first_available(type_="TOLL_FREE"))
        self.did_b, self.did_b_out = self.claim_settled(self.first_available(prefix="+1206"), target=self.other["Arn"])
        self.gb = self.first_available(country="GB")
        self.gb_out = self.claim(self.gb)  # stays IN_PROGRESS
        self.assertEqual(self.status(self.gb_out["PhoneNumberId"])["Status"], "IN_PROGRESS")

    def test_v2_targets_and_filters(self):
        mine = sorted([self.did, self.tf, self.gb])
        self.assertEqual(self.v2_numbers(InstanceId=self.inst["Id"]), mine)
        self.assertEqual(self.v2_numbers(TargetArn=self.target), mine)
        self.assertEqual(self.v2_numbers(TargetArn=self.other["Arn"]), [self.did_b])
        everything = self.v2_numbers()
        self.assertEqual(everything, sorted(mine + [self.did_b]))
        self.assertEqual(self.v2_numbers(PhoneNumberCountryCodes=["GB"]), [self.gb])
        self.assertEqual(self.v2_numbers(PhoneNumberTypes=["TOLL_FREE"]), [self.tf])
        self.assertEqual(self.v2_numbers(PhoneNumberTypes=["DID"], PhoneNumberCountryCodes=["US"]),
                         sorted([self.did, self.did_b]))
        self.assertEqual(self.v2_numbers(PhoneNumberPrefix="+1206"), [self.did_b])
        self.assertEqual(self.v2_numbers(InstanceId=self.inst["Id"], PhoneNumberPrefix="+1206"), [])

        summary = {s["PhoneNumber"]: s for s in self.c.list_phone_numbers_v2()["ListPhoneNumbersSummaryList"]}
        gb = summary[self.gb]
        self.assertEqual(gb["PhoneNumberId"], self.gb_out["PhoneNumberId"])
        self.assertEqual(gb["PhoneNumberArn"], self.gb_out["PhoneNumberArn"])
        self.assertEqual((gb["PhoneNumberCountryCode"], gb["PhoneNumberType"]), ("GB", "DID"))
        self.assertEqual(gb["TargetArn"], self.target)
        self.assertEqual(summary[self.did_b]["TargetArn"], self.other["Arn"])

    def test_v2_paginator_page_size_one(self):
        pages = list(self.c.get_paginator("list_phone_numbers_v2").paginate(PaginationConfig={"PageSize": 1}))
        seen = [s["PhoneNumber"] for p in pages for s in p["ListPhoneNumbersSummaryList"]]
        self.assertEqual(seen, sorted([self.did, self.tf, self.gb, self.did_b]))
        self.assertTrue(all(len(p["ListPhoneNumbersSummaryList"]) == 1 for p in pages))
        self.assertNotIn("NextToken", pages[-1])

    def test_v1_lists_only_claimed_with_legacy_arns(self):
        out = self.c.list_phone_numbers(InstanceId=self.inst["Id"])["PhoneNumberSummaryList"]
        self.assertEqual(sorted(s["PhoneNumber"] for s in out), sorted([self.did, self.tf]))
        by_number = {s["PhoneNumber"]: s for s in out}
        did = by_number[self.did]
        self.assertEqual(did["Id"], self.did_out["PhoneNumberId"])
        self.assertEqual(did["Arn"], f"{self.target}/phone-number/{self.did_out['PhoneNumberId']}")
        self.assertEqual((did["PhoneNumberType"], did["PhoneNumberCountryCode"]), ("DID", "US"))
        self.assertEqual(by_number[self.tf]["PhoneNumberType"], "TOLL_FREE")

        # Repeated phoneNumberTypes / phoneNumberCountryCodes query keys.
        both = self.c.list_phone_numbers(InstanceId=self.inst["Id"], PhoneNumberTypes=["DID", "TOLL_FREE"],
                                         PhoneNumberCountryCodes=["US", "GB"])["PhoneNumberSummaryList"]
        self.assertEqual(sorted(s["PhoneNumber"] for s in both), sorted([self.did, self.tf]))
        tf_only = self.c.list_phone_numbers(InstanceId=self.inst["Id"], PhoneNumberTypes=["TOLL_FREE"])
        self.assertEqual([s["PhoneNumber"] for s in tf_only["PhoneNumberSummaryList"]], [self.tf])
        gb_only = self.c.list_phone_numbers(InstanceId=self.inst["Id"], PhoneNumberCountryCodes=["GB"])
        self.assertEqual(gb_only["PhoneNumberSummaryList"], [])

        self.settle()
        settled = self.c.list_phone_numbers(InstanceId=self.inst["Id"], PhoneNumberCountryCodes=["GB"])
        self.assertEqual([s["PhoneNumber"] for s in settled["PhoneNumberSummaryList"]], [self.gb])
        other = self.c.list_phone_numbers(InstanceId=self.other["Id"])["PhoneNumberSummaryList"]
        self.assertEqual([s["PhoneNumber"] for s in other], [self.did_b])

    def test_v1_reports_newer_types_as_toll_free_or_did(self):
        target = self.other["Arn"]
        uifn, uifn_out = self.claim_settled(self.first_available(type_="UIFN", target=target), target=target)
        shared, _ = self.claim_settled(self.first_available(country="ZA", type_="SHARED", target=target), target=target)
        v1 = self.c.list_phone_numbers(InstanceId=self.other["Id"])["PhoneNumberSummaryList"]
        types = {s["PhoneNumber"]: s["PhoneNumberType"] for s in v1}
        self.assertEqual(types, {self.did_b: "DID", uifn: "TOLL_FREE", shared: "DID"})
        v2 = self.c.list_phone_numbers_v2(TargetArn=target)["ListPhoneNumbersSummaryList"]
        self.assertEqual({s["PhoneNumber"]: s["PhoneNumberType"] for s in v2},
                         {self.did_b: "DID", uifn: "UIFN", shared: "SHARED"})
        self.assertEqual(self.describe(uifn_out["PhoneNumberId"])["PhoneNumberType"], "UIFN")

    def test_tags_on_phone_number_arns(self):
        legacy = f"{self.target}/phone-number/{self.did_out['PhoneNumberId']}"
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.tag_resource(resourceArn=legacy, tags={"a": "b"})
        arn = self.did_out["PhoneNumberArn"]
        self.c.tag_resource(resourceArn=arn, tags={"team": "voice", "key with space": "v"})
        self.assertEqual(self.c.list_tags_for_resource(resourceArn=arn)["tags"], {"team": "voice", "key with space": "v"})
        self.assertEqual(self.describe(self.did_out["PhoneNumberId"])["Tags"], {"team": "voice", "key with space": "v"})
        self.c.untag_resource(resourceArn=arn, tagKeys=["team"])
        self.assertEqual(self.describe(arn)["Tags"], {"key with space": "v"})
        self.assertEqual(self.describe(self.tf_out["PhoneNumberId"]).get("Tags", {}), {})


class UpdatePhoneNumberTest(PhoneNumberTestCase):
    def test_move_to_another_instance(self):
        self.server.set_quotas(instances=3)
        other = self.create_instance(client=self.c, alias="phones-b")
        number, out = self.claim_settled()
        pid = out["PhoneNumberId"]
        up = self.c.update_phone_number(PhoneNumberId=pid, InstanceId=other["Id"], ClientToken=token())
        self.assertEqual((up["PhoneNumberId"], up["PhoneNumberArn"]), (pid, out["PhoneNumberArn"]))
        d = self.describe(pid)
        self.assertEqual(d["PhoneNumberStatus"]["Status"], "IN_PROGRESS")
        self.assertEqual(d["TargetArn"], other["Arn"])
        third = self.create_instance(client=self.c, alias="phones-c")
        with self.assertAwsError("ResourceInUseException", 409) as cm:
            self.c.update_phone_number(PhoneNumberId=pid, TargetArn=third["Arn"])
        self.assertEqual((cm.exception.response["ResourceType"], cm.exception.response["ResourceId"]),
                         ("PHONE_NUMBER", out["PhoneNumberArn"]))
        with self.assertAwsError("ResourceInUseException", 409):
            self.c.release_phone_number(PhoneNumberId=pid)
        self.settle()
        d = self.describe(pid)
        self.assertEqual((d["PhoneNumberStatus"]["Status"], d["TargetArn"]), ("CLAIMED", other["Arn"]))
        self.assertEqual(self.v2_numbers(InstanceId=self.inst["Id"]), [])
        self.assertEqual(self.v2_numbers(InstanceId=other["Id"]), [number])

        self.c.update_phone_number_metadata(PhoneNumberId=pid, PhoneNumberDescription="moved", ClientToken=token())
        self.settle()
        self.assertEqual(self.describe(pid)["PhoneNumberDescription"], "moved")
        self.assertEqual(self.describe(pid)["PhoneNumberStatus"]["Status"], "CLAIMED")

    def test_move_to_a_full_instance_fails(self):
        self.server.set_quotas(phone_numbers_per_instance=1)
        other = self.create_instance(client=self.c, alias="phones-b")
        self.claim_settled(target=other["Arn"])
        _, out = self.claim_settled()
        self.c.update_phone_number(PhoneNumberId=out["PhoneNumberId"], TargetArn=other["Arn"])
        self.settle()
        st = self.status(out["PhoneNumberId"])
        self.assertEqual(st["Status"], "FAILED")
        self.assertEqual(st["Message"], QUOTA_FAILURE)


class FlowsTest(PhoneNumberTestCase):
    def default_inbound(self, instance_id):
        flows = self.c.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"]
        inbound = [f for f in flows if f["Name"] == "Default inbound"]
        self.assertEqual(len(inbound), 1, flows)
        self.assertEqual(inbound[0]["ContactFlowType"], "CONTACT_FLOW")
        self.assertEqual(inbound[0]["Arn"], f"{instance_arn(instance_id)}/contact-flow/{inbound[0]['Id']}")
        return inbound[0]

    def associations(self):
        out = self.c.list_flow_associations(InstanceId=self.inst["Id"], ResourceType="VOICE_PHONE_NUMBER")
        return [(a["ResourceId"], a["FlowId"]) for a in out["FlowAssociationSummaryList"]]

    def test_associate_disassociate_release(self):
        flow = self.default_inbound(self.inst["Id"])
        _, out = self.claim_settled()
        self.assertEqual(self.associations(), [])
        self.c.associate_phone_number_contact_flow(PhoneNumberId=out["PhoneNumberId"], InstanceId=self.inst["Id"],
                                                   ContactFlowId=flow["Id"])
        self.assertEqual(self.associations(), [(out["PhoneNumberArn"], flow["Arn"])])
        self.assertNotIn("ContactFlowId", self.describe(out["PhoneNumberId"]))
        self.c.disassociate_phone_number_contact_flow(PhoneNumberId=out["PhoneNumberId"], InstanceId=self.inst["Id"])
        self.assertEqual(self.associations(), [])
        self.c.associate_phone_number_contact_flow(PhoneNumberId=out["PhoneNumberArn"], InstanceId=self.inst["Id"],
                                                   ContactFlowId=flow["Id"])
        self.assertEqual(self.associations(), [(out["PhoneNumberArn"], flow["Arn"])])
        self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"])
        self.assertEqual(self.associations(), [])

    def test_update_drops_the_association(self):
        flow = self.default_inbound(self.inst["Id"])
        other = self.create_instance(client=self.c, alias="phones-b")
        _, out = self.claim_settled()
        self.c.associate_phone_number_contact_flow(PhoneNumberId=out["PhoneNumberId"], InstanceId=self.inst["Id"],
                                                   ContactFlowId=flow["Arn"])
        self.assertEqual(self.associations(), [(out["PhoneNumberArn"], flow["Arn"])])
        self.c.update_phone_number(PhoneNumberId=out["PhoneNumberId"], TargetArn=other["Arn"])
        self.settle()
        self.assertEqual(self.associations(), [])
        moved = self.c.list_flow_associations(InstanceId=other["Id"], ResourceType="VOICE_PHONE_NUMBER")
        self.assertEqual(moved["FlowAssociationSummaryList"], [])

    def test_create_describe_delete_flow(self):
        content = json.dumps({"Version": "2019-10-30", "StartAction": "a", "Actions": [
            {"Identifier": "a", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]})
        with self.assertAwsError("InvalidContactFlowException", 400):
            self.c.create_contact_flow(InstanceId=self.inst["Id"], Name="broken", Type="CONTACT_FLOW",
                                       Content="{not json")
        made = self.c.create_contact_flow(InstanceId=self.inst["Id"], Name="mine", Type="CONTACT_FLOW", Content=content)
        self.assertEqual(made["ContactFlowArn"], f"{self.target}/contact-flow/{made['ContactFlowId']}")
        flow = self.c.describe_contact_flow(InstanceId=self.inst["Id"], ContactFlowId=made["ContactFlowId"])["ContactFlow"]
        self.assertEqual((flow["Id"], flow["Arn"], flow["Name"], flow["Type"]),
                         (made["ContactFlowId"], made["ContactFlowArn"], "mine", "CONTACT_FLOW"))
        self.assertEqual(flow["Content"], content)
        names = [f["Name"] for f in self.c.list_contact_flows(InstanceId=self.inst["Id"])["ContactFlowSummaryList"]]
        self.assertIn("mine", names)
        self.assertNotIn("broken", names)
        self.c.delete_contact_flow(InstanceId=self.inst["Id"], ContactFlowId=made["ContactFlowId"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.describe_contact_flow(InstanceId=self.inst["Id"], ContactFlowId=made["ContactFlowId"])


SOURCE_ARN = f"arn:aws:sms-voice:{REGION}:{DEFAULT_ACCOUNT}:phone-number/phone-0123456789abcdef0123456789abcdef"


class ImportTest(PhoneNumberTestCase):
    def test_import_from_end_user_messaging(self):
        self.server.admin("POST", "external-numbers", {"numbers": [
            {"source_arn": SOURCE_ARN, "phone_number": "+12065550199", "country": "US", "type": "DID"}]})
        out = self.c.import_phone_number(InstanceId=self.inst["Id"], SourcePhoneNumberArn=SOURCE_ARN,
                                         PhoneNumberDescription="imported", Tags={"src": "eum"})
        self.assertRegex(out["PhoneNumberId"], UUID4_RE)
        self.assertEqual(out["PhoneNumberArn"], phone_arn(out["PhoneNumberId"]))
        self.settle()
        d = self.describe(out["PhoneNumberId"])
        self.assertEqual(d["SourcePhoneNumberArn"], SOURCE_ARN)
        self.assertEqual((d["PhoneNumber"], d["PhoneNumberCountryCode"], d["PhoneNumberType"]),
                         ("+12065550199", "US", "DID"))
        self.assertEqual((d["TargetArn"], d["PhoneNumberDescription"], d["Tags"]), (self.target, "imported", {"src": "eum"}))
        self.assertEqual(d["PhoneNumberStatus"]["Status"], "CLAIMED")
        self.assertEqual(self.v2_numbers(), ["+12065550199"])

    def test_import_counts_toward_the_instance_quota(self):
        self.server.admin("POST", "external-numbers", {"numbers": [
            {"source_arn": SOURCE_ARN, "phone_number": "+12065550199", "country": "US", "type": "DID"}]})
        self.server.set_quotas(phone_numbers_per_instance=1)
        self.claim_settled()
        out = self.c.import_phone_number(InstanceId=self.inst["Id"], SourcePhoneNumberArn=SOURCE_ARN)
        self.settle()
        self.assertEqual(self.status(out["PhoneNumberId"]), {"Status": "FAILED", "Message": QUOTA_FAILURE})

    def test_unknown_and_malformed_source_arns(self):
        unknown = SOURCE_ARN[:-4] + "ffff"
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.import_phone_number(InstanceId=self.inst["Id"], SourcePhoneNumberArn=unknown)
        for bad in ("arn:aws:sms-voice:us-east-1:000000000000:phone-number/nope", "not-an-arn",
                    f"arn:aws:sms-voice:{REGION}:{DEFAULT_ACCOUNT}:phone-number/phone-0123456789ABCDEF0123456789ABCDEF"):
            with self.assertAwsError("InvalidParameterException", 400):
                self.c.import_phone_number(InstanceId=self.inst["Id"], SourcePhoneNumberArn=bad)
        self.assertEqual(self.v2_numbers(), [])


class DeleteInstanceTest(PhoneNumberTestCase):
    def test_delete_instance_releases_its_numbers(self):
        number, out = self.claim_settled()
        self.c.delete_instance(InstanceId=self.inst["Id"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.describe_phone_number(PhoneNumberId=out["PhoneNumberId"])
        self.assertEqual(self.v2_numbers(), [])
        other = self.create_instance(client=self.c, alias="phones-next")
        found = self.search(prefix=number, target=other["Arn"])["AvailableNumbersList"]
        self.assertEqual(found, [], "a number released by DeleteInstance must cool down")
        self.assertNotAvailable(number, target=other["Arn"])


class SharedInventoryTest(PhoneNumberTestCase):
    credentials = [
        {"access_key_id": "AKIDA", "secret_access_key": "secretA", "account_id": "111111111111"},
        {"access_key_id": "AKIDB", "secret_access_key": "secretB", "account_id": "222222222222"},
    ]

    def client(self, **kw):
        return self.server.client(**{"key": "AKIDA", "secret": "secretA", **kw})

    def test_a_number_claimed_by_one_account_is_unavailable_to_others(self):
        b = self.server.client(key="AKIDB", secret="secretB")
        b_inst = self.create_instance(client=b, alias="phones-b")
        number, out = self.claim_settled()
        self.assertEqual(out["PhoneNumberArn"], phone_arn(out["PhoneNumberId"], account="111111111111"))
        found = b.search_available_phone_numbers(TargetArn=b_inst["Arn"], PhoneNumberCountryCode="US",
                                                 PhoneNumberType="DID", PhoneNumberPrefix=number)
        self.assertEqual(found["AvailableNumbersList"], [])
        self.assertNotAvailable(number, target=b_inst["Arn"], client=b)
        # Nothing of account A is visible to B.
        with self.assertAwsError("ResourceNotFoundException", 404):
            b.describe_phone_number(PhoneNumberId=out["PhoneNumberArn"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            b.release_phone_number(PhoneNumberId=out["PhoneNumberId"])
        self.assertEqual(b.list_phone_numbers_v2()["ListPhoneNumbersSummaryList"], [])
        self.assertEqual(self.status(out["PhoneNumberId"])["Status"], "CLAIMED")
        # A's release puts the number in cooldown for everybody.
        self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"])
        self.assertNotAvailable(number, target=b_inst["Arn"], client=b)
        self.server.advance(180 * DAY + 1)
        b.claim_phone_number(PhoneNumber=number, TargetArn=b_inst["Arn"])
        self.assertEqual([s["PhoneNumber"] for s in b.list_phone_numbers_v2()["ListPhoneNumbersSummaryList"]], [number])


class FaultRulesTest(PhoneNumberTestCase):
    def test_error_fault_then_clear(self):
        number = self.first_available()
        self.server.admin("POST", "faults", {"operation": "ClaimPhoneNumber", "error_code": "InternalServiceException",
                                             "message": "boom"})
        with self.assertAwsError("InternalServiceException", 500) as cm:
            self.claim(number)
        self.assertEqual(cm.exception.response["Error"]["Message"], "boom")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["RetryAttempts"], 0)
        self.assertEqual(self.first_available(), number)  # other operations are unaffected
        self.assertEqual(self.v2_numbers(), [])
        self.server.admin("DELETE", "faults")
        out = self.claim(number)
        self.settle()
        self.assertEqual(self.status(out["PhoneNumberId"])["Status"], "CLAIMED")

    def test_claim_failure_fault(self):
        self.server.admin("POST", "faults", {"operation": "ClaimPhoneNumber",
                                             "claim_failure_message": "carrier rejected"})
        out = self.claim(self.first_available())
        self.assertEqual(self.status(out["PhoneNumberId"]), {"Status": "IN_PROGRESS"})
        self.settle()
        self.assertEqual(self.status(out["PhoneNumberId"]), {"Status": "FAILED", "Message": "carrier rejected"})


class RetryAfterLostResponseTest(PhoneNumberTestCase):
    """The claim is made but the 200 is lost (a 500 after the commit): the SDK's own retry, with the
    ClientToken it generated, gets the first response back and nothing is claimed twice."""

    def test_sdk_retry_after_a_500_claims_once(self):
        number = self.first_available()
        self.server.admin("POST", "faults", {"operation": "ClaimPhoneNumber", "error_code": "InternalServiceException",
                                             "message": "lost", "after_commit": True, "times": 1})
        retrying = boto3.client("connect", endpoint_url=self.server.endpoint, region_name=REGION,
                                aws_access_key_id="test", aws_secret_access_key="test",
                                config=Config(retries={"total_max_attempts": 3, "mode": "standard"}))
        out = retrying.claim_phone_number(PhoneNumber=number, TargetArn=self.target)
        self.assertEqual(out["ResponseMetadata"]["RetryAttempts"], 1)
        listed = self.v2_numbers()
        self.assertEqual(listed, [number])
        self.assertEqual(self.describe(out["PhoneNumberId"])["PhoneNumber"], number)

    def test_without_retries_the_error_is_seen_but_the_claim_stands(self):
        number = self.first_available()
        self.server.admin("POST", "faults", {"operation": "ClaimPhoneNumber", "error_code": "InternalServiceException",
                                             "message": "lost", "after_commit": True, "times": 1})
        with self.assertAwsError("InternalServiceException", 500):
            self.claim(number)
        self.assertEqual(self.v2_numbers(), [number])


class DefaultPageSizesTest(PhoneNumberTestCase):
    def test_search_defaults_to_ten(self):
        page = self.search()
        self.assertEqual(len(page["AvailableNumbersList"]), 10)
        self.assertTrue(page.get("NextToken"))

    def test_lists_default_to_one_hundred(self):
        self.server.set_quotas(phone_numbers_per_instance=101)
        numbers = [f"+1201555{i:04d}" for i in range(101)]
        for number in numbers:
            self.claim(number)
        self.settle()
        first = self.c.list_phone_numbers_v2()
        self.assertEqual(len(first["ListPhoneNumbersSummaryList"]), 100)
        rest = self.c.list_phone_numbers_v2(NextToken=first["NextToken"])
        self.assertNotIn("NextToken", rest)
        listed = first["ListPhoneNumbersSummaryList"] + rest["ListPhoneNumbersSummaryList"]
        self.assertEqual([s["PhoneNumber"] for s in listed], numbers)
        v1 = self.c.list_phone_numbers(InstanceId=self.inst["Id"])
        self.assertEqual(len(v1["PhoneNumberSummaryList"]), 100)
        v1_rest = self.c.list_phone_numbers(InstanceId=self.inst["Id"], NextToken=v1["NextToken"])
        self.assertEqual(len(v1_rest["PhoneNumberSummaryList"]), 1)
        self.assertNotIn("NextToken", v1_rest)


class ZeroTransientDelayTest(PhoneNumberTestCase):
    transient_delay = "0s"

    def test_claimed_at_once(self):
        out = self.claim(self.first_available())
        self.assertEqual(self.status(out["PhoneNumberId"]), {"Status": "CLAIMED"})
        self.c.release_phone_number(PhoneNumberId=out["PhoneNumberId"])  # nothing in progress


class RealTimeTransientDelayTest(PhoneNumberTestCase):
    transient_delay = "1s"

    def test_settles_in_real_time(self):
        out = self.claim(self.first_available())
        self.assertEqual(self.status(out["PhoneNumberId"])["Status"], "IN_PROGRESS")
        deadline = time.time() + 5
        while self.status(out["PhoneNumberId"])["Status"] == "IN_PROGRESS" and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.status(out["PhoneNumberId"])["Status"], "CLAIMED")


class RestartTest(unittest.TestCase):
    """SQLite store: claims, holds, cooldowns, tokens and the admin clock survive a restart (SPEC §6, §11)."""

    def test_state_survives_a_restart(self):
        with tempfile.TemporaryDirectory(prefix="cl-e2e-data-") as data:
            first = Server(data_dir=data).start()
            try:
                c = first.client()
                inst = c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias="restart",
                                         InboundCallsEnabled=True, OutboundCallsEnabled=True)
                found = c.search_available_phone_numbers(TargetArn=inst["Arn"], PhoneNumberCountryCode="US",
                                                         PhoneNumberType="DID", MaxResults=2)["AvailableNumbersList"]
                kept, released = found[0]["PhoneNumber"], found[1]["PhoneNumber"]
                t = token()
                gone = c.claim_phone_number(PhoneNumber=released, TargetArn=inst["Arn"])
                first.advance(SETTLE_SECONDS)
                c.release_phone_number(PhoneNumberId=gone["PhoneNumberId"])
                out = c.claim_phone_number(PhoneNumber=kept, TargetArn=inst["Arn"], ClientToken=t, Tags={"k": "v"})
                clock = first.now()
            finally:
                first.stop()
            second = Server(data_dir=data).start()
            try:
                c = second.client()
                self.assertGreaterEqual(second.now(), clock)  # the moved clock is kept
                d = c.describe_phone_number(PhoneNumberId=out["PhoneNumberId"])["ClaimedPhoneNumberSummary"]
                self.assertEqual((d["PhoneNumber"], d["Tags"], d["PhoneNumberStatus"]["Status"]),
                                 (kept, {"k": "v"}, "IN_PROGRESS"))
                second.advance(SETTLE_SECONDS)
                self.assertEqual(c.describe_phone_number(PhoneNumberId=out["PhoneNumberId"])
                                 ["ClaimedPhoneNumberSummary"]["PhoneNumberStatus"]["Status"], "CLAIMED")
                again = c.claim_phone_number(PhoneNumber=kept, TargetArn=inst["Arn"], ClientToken=t, Tags={"k": "v"})
                self.assertEqual(again["PhoneNumberId"], out["PhoneNumberId"])
                with self.assertRaises(botocore.exceptions.ClientError) as cm:
                    c.claim_phone_number(PhoneNumber=released, TargetArn=inst["Arn"])
                self.assertEqual(cm.exception.response["Error"]["Message"], f"Phone number not available: {released}")
                with self.assertRaises(botocore.exceptions.ClientError) as cm:
                    c.describe_phone_number(PhoneNumberId=gone["PhoneNumberId"])
                self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
            finally:
                second.stop()


class ThrottlingTest(PhoneNumberTestCase):
    extra_args = ("--throttle", "aws")

    def burst(self, call, n=10):
        ok, throttled = 0, 0
        for _ in range(n):
            try:
                call()
                ok += 1
            except botocore.exceptions.ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "ThrottlingException", e.response)
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 429)
                self.assertEqual(e.response["ResponseMetadata"]["RetryAttempts"], 0)
                throttled += 1
        return ok, throttled

    def test_aws_rates_throttle_bursts(self):
        out = self.claim(self.first_available())
        ok, throttled = self.burst(lambda: self.c.describe_phone_number(PhoneNumberId=out["PhoneNumberId"]))
        self.assertGreaterEqual(ok, 5)  # burst 5
        self.assertGreaterEqual(throttled, 1)
        # Buckets are per operation: ListPhoneNumbersV2 has its own.
        ok, throttled = self.burst(lambda: self.c.list_phone_numbers_v2())
        self.assertGreaterEqual(ok, 5)
        self.assertGreaterEqual(throttled, 1)


if __name__ == "__main__":
    unittest.main()
