"""CreateInstance, DescribeInstance, ListInstances, DeleteInstance through boto3."""

import datetime
import email.utils
import time
import unittest

import botocore.exceptions

from harness import (DEFAULT_ACCOUNT, ENUM_MESSAGE, OTHER_REGION, UUID4_RE, ServerTestCase, instance_arn,
                     service_role_re)

MISSING_ID = "11111111-2222-4333-8444-555555555555"


class CreateDescribeTest(ServerTestCase):
    transient_delay = "60s"

    def test_create_returns_uuid4_id_and_arn(self):
        out = self.create_instance(alias="shape-check")
        self.assertRegex(out["Id"], UUID4_RE)
        self.assertEqual(out["Arn"], instance_arn(out["Id"]))
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertTrue(out["ResponseMetadata"]["RequestId"])

    def test_ids_are_distinct(self):
        self.server.set_quotas(instances=5)
        ids = {self.create_instance(alias=f"distinct-{i}")["Id"] for i in range(4)}
        self.assertEqual(len(ids), 4)

    def test_describe_shows_every_member(self):
        before = self.server.now()
        out = self.create_instance(alias="describe-me", inbound=True, outbound=False,
                                   Tags={"team": "voice", "env": "test"})
        inst = self.client().describe_instance(InstanceId=out["Id"])["Instance"]
        self.assertEqual(inst["Id"], out["Id"])
        self.assertEqual(inst["Arn"], out["Arn"])
        self.assertEqual(inst["IdentityManagementType"], "CONNECT_MANAGED")
        self.assertEqual(inst["InstanceAlias"], "describe-me")
        self.assertEqual(inst["InstanceStatus"], "CREATION_IN_PROGRESS")
        self.assertIs(inst["InboundCallsEnabled"], True)
        self.assertIs(inst["OutboundCallsEnabled"], False)
        self.assertEqual(inst["InstanceAccessUrl"], "https://describe-me.my.connect.aws/")
        self.assertRegex(inst["ServiceRole"], service_role_re(DEFAULT_ACCOUNT))
        self.assertEqual(inst["Tags"], {"team": "voice", "env": "test"})
        created = inst["CreatedTime"]
        self.assertIsInstance(created, datetime.datetime)
        self.assertIsNotNone(created.tzinfo)
        self.assertLess(abs(created.timestamp() - before), 5)
        # After a reset the server clock is the wall clock: CreatedTime is near now for the user too.
        self.assertLess(abs(created.timestamp() - datetime.datetime.now(datetime.timezone.utc).timestamp()), 30)

    def test_flags_round_trip_the_other_way(self):
        out = self.create_instance(alias="flags", inbound=False, outbound=True)
        inst = self.client().describe_instance(InstanceId=out["Id"])["Instance"]
        self.assertIs(inst["InboundCallsEnabled"], False)
        self.assertIs(inst["OutboundCallsEnabled"], True)
        self.assertNotIn("Tags", inst)

    def test_saml_identity_type(self):
        out = self.create_instance(alias="saml-one", identity="SAML")
        inst = self.client().describe_instance(InstanceId=out["Id"])["Instance"]
        self.assertEqual(inst["IdentityManagementType"], "SAML")

    def test_status_becomes_active_after_transient_delay(self):
        c = self.client()
        out = self.create_instance(alias="lifecycle")
        self.assertEqual(c.describe_instance(InstanceId=out["Id"])["Instance"]["InstanceStatus"], "CREATION_IN_PROGRESS")
        self.server.advance(30)
        self.assertEqual(c.describe_instance(InstanceId=out["Id"])["Instance"]["InstanceStatus"], "CREATION_IN_PROGRESS")
        self.server.advance(31)
        self.assertEqual(c.describe_instance(InstanceId=out["Id"])["Instance"]["InstanceStatus"], "ACTIVE")
        listed = c.list_instances()["InstanceSummaryList"]
        self.assertEqual([s["InstanceStatus"] for s in listed], ["ACTIVE"])

    def test_created_time_follows_the_server_clock(self):
        self.server.advance(86400)
        now = self.server.now()
        out = self.create_instance(alias="future")
        created = self.client().describe_instance(InstanceId=out["Id"])["Instance"]["CreatedTime"]
        self.assertLess(abs(created.timestamp() - now), 5)

    def test_describe_accepts_full_arn(self):
        out = self.create_instance(alias="by-arn")
        c = self.client()
        by_id = c.describe_instance(InstanceId=out["Id"])["Instance"]
        by_arn = c.describe_instance(InstanceId=out["Arn"])["Instance"]
        self.assertEqual(by_id, by_arn)

    def test_describe_unknown_id(self):
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.client().describe_instance(InstanceId=MISSING_ID)

    def test_describe_unknown_arn(self):
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.client().describe_instance(InstanceId=instance_arn(MISSING_ID))

    def test_modeled_exception_class(self):
        c = self.client()
        with self.assertRaises(c.exceptions.ResourceNotFoundException):
            c.describe_instance(InstanceId=MISSING_ID)


class NoTransientDelayTest(ServerTestCase):
    transient_delay = "0"

    def test_active_at_once(self):
        out = self.create_instance(alias="instant")
        self.assertEqual(self.client().describe_instance(InstanceId=out["Id"])["Instance"]["InstanceStatus"], "ACTIVE")


class RealTimeTransientDelayTest(ServerTestCase):
    transient_delay = "1s"

    def test_active_once_the_delay_has_passed_in_real_time(self):
        c = self.client()
        out = self.create_instance(alias="real-time")
        created = c.describe_instance(InstanceId=out["Id"])["Instance"]["CreatedTime"].timestamp()
        status = c.describe_instance(InstanceId=out["Id"])["Instance"]["InstanceStatus"]
        if time.time() - created < 0.9:  # only meaningful if this machine answered within the delay
            self.assertEqual(status, "CREATION_IN_PROGRESS")
        time.sleep(max(0.0, created + 1.1 - time.time()))
        self.assertEqual(c.describe_instance(InstanceId=out["Id"])["Instance"]["InstanceStatus"], "ACTIVE")


class ListDeleteTest(ServerTestCase):
    def test_list_empty(self):
        out = self.client().list_instances()
        self.assertEqual(out["InstanceSummaryList"], [])
        self.assertNotIn("NextToken", out)

    def test_list_shows_summaries(self):
        a = self.create_instance(alias="list-a", inbound=True, outbound=False)
        b = self.create_instance(alias="list-b", identity="SAML", inbound=False, outbound=True)
        out = self.client().list_instances()
        self.assertNotIn("NextToken", out)
        by_id = {s["Id"]: s for s in out["InstanceSummaryList"]}
        self.assertEqual(set(by_id), {a["Id"], b["Id"]})
        sa, sb = by_id[a["Id"]], by_id[b["Id"]]
        self.assertEqual(sa["Arn"], a["Arn"])
        self.assertEqual(sa["InstanceAlias"], "list-a")
        self.assertEqual(sb["InstanceAlias"], "list-b")
        self.assertEqual(sa["IdentityManagementType"], "CONNECT_MANAGED")
        self.assertEqual(sb["IdentityManagementType"], "SAML")
        self.assertEqual((sa["InboundCallsEnabled"], sa["OutboundCallsEnabled"]), (True, False))
        self.assertEqual((sb["InboundCallsEnabled"], sb["OutboundCallsEnabled"]), (False, True))
        self.assertEqual(sa["InstanceAccessUrl"], "https://list-a.my.connect.aws/")
        self.assertRegex(sa["ServiceRole"], service_role_re(DEFAULT_ACCOUNT))
        self.assertEqual(sa["InstanceStatus"], "CREATION_IN_PROGRESS")
        self.assertIsInstance(sa["CreatedTime"], datetime.datetime)

    def test_service_role_matches_describe(self):
        a = self.create_instance(alias="role-a")
        c = self.client()
        listed = c.list_instances()["InstanceSummaryList"][0]
        described = c.describe_instance(InstanceId=a["Id"])["Instance"]
        self.assertEqual(listed["ServiceRole"], described["ServiceRole"])

    def test_delete_by_id(self):
        c = self.client()
        a = self.create_instance(alias="del-a")
        b = self.create_instance(alias="del-b")
        out = c.delete_instance(InstanceId=a["Id"])
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        with self.assertAwsError("ResourceNotFoundException", 404):
            c.describe_instance(InstanceId=a["Id"])
        self.assertEqual([s["Id"] for s in c.list_instances()["InstanceSummaryList"]], [b["Id"]])

    def test_delete_by_arn(self):
        c = self.client()
        a = self.create_instance(alias="del-arn")
        c.delete_instance(InstanceId=a["Arn"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            c.describe_instance(InstanceId=a["Arn"])
        self.assertEqual(c.list_instances()["InstanceSummaryList"], [])

    def test_delete_twice(self):
        c = self.client()
        a = self.create_instance(alias="del-twice")
        c.delete_instance(InstanceId=a["Id"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            c.delete_instance(InstanceId=a["Id"])

    def test_delete_unknown(self):
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.client().delete_instance(InstanceId=MISSING_ID)

    def test_delete_frees_quota(self):
        c = self.client()
        a = self.create_instance(alias="q-a")
        self.create_instance(alias="q-b")
        c.delete_instance(InstanceId=a["Id"])
        self.create_instance(alias="q-c")
        self.assertEqual(len(c.list_instances()["InstanceSummaryList"]), 2)


class ConflictQuotaIdempotencyTest(ServerTestCase):
    def test_alias_unique_per_region(self):
        self.create_instance(alias="dup")
        with self.assertAwsError("ResourceConflictException", 409, message_contains="dup"):
            self.create_instance(alias="dup")
        # The same alias in another region is fine.
        other = self.create_instance(client=self.client(region=OTHER_REGION), alias="dup")
        self.assertEqual(other["Arn"], instance_arn(other["Id"], region=OTHER_REGION))
        self.assertEqual(len(self.client().list_instances()["InstanceSummaryList"]), 1)

    def test_instance_quota_default_two(self):
        self.assertEqual(self.server.quotas()["instances"], 2)
        self.create_instance(alias="quota-1")
        self.create_instance(alias="quota-2")
        with self.assertAwsError("ServiceQuotaExceededException", 402):
            self.create_instance(alias="quota-3")
        self.assertEqual(len(self.client().list_instances()["InstanceSummaryList"]), 2)

    def test_raising_quota_allows_more(self):
        self.create_instance(alias="raise-1")
        self.create_instance(alias="raise-2")
        with self.assertAwsError("ServiceQuotaExceededException", 402):
            self.create_instance(alias="raise-3")
        q = self.server.set_quotas(instances=3)
        self.assertEqual(q["instances"], 3)
        self.assertEqual(self.server.quotas()["instances"], 3)
        self.create_instance(alias="raise-3")
        with self.assertAwsError("ServiceQuotaExceededException", 402):
            self.create_instance(alias="raise-4")

    def test_quota_is_per_region(self):
        self.create_instance(alias="reg-1")
        self.create_instance(alias="reg-2")
        eu = self.client(region=OTHER_REGION)
        self.create_instance(client=eu, alias="reg-1")
        self.create_instance(client=eu, alias="reg-2")
        with self.assertAwsError("ServiceQuotaExceededException", 402):
            self.create_instance(client=eu, alias="reg-3")

    def test_same_token_same_params_replays(self):
        c = self.client()
        first = self.create_instance(client=c, alias="idem", ClientToken="token-one")
        again = self.create_instance(client=c, alias="idem", ClientToken="token-one")
        self.assertEqual(first["Id"], again["Id"])
        self.assertEqual(first["Arn"], again["Arn"])
        self.assertEqual(len(c.list_instances()["InstanceSummaryList"]), 1)

    def test_replay_even_when_state_moved_on(self):
        c = self.client()
        first = self.create_instance(client=c, alias="moved", ClientToken="token-moved")
        self.create_instance(client=c, alias="filler")
        # The quota is now full, yet the replay answers the first response.
        again = self.create_instance(client=c, alias="moved", ClientToken="token-moved")
        self.assertEqual(again["Id"], first["Id"])

    def test_same_token_different_params(self):
        c = self.client()
        self.create_instance(client=c, alias="idem-a", ClientToken="token-two")
        with self.assertAwsError("IdempotencyException", 409):
            self.create_instance(client=c, alias="idem-b", ClientToken="token-two")
        with self.assertAwsError("IdempotencyException", 409):
            self.create_instance(client=c, alias="idem-a", outbound=False, ClientToken="token-two")
        self.assertEqual(len(c.list_instances()["InstanceSummaryList"]), 1)

    def test_token_expires_after_24_hours(self):
        c = self.client()
        first = self.create_instance(client=c, alias="day-one", ClientToken="token-day")
        self.server.advance(24 * 3600 + 1)
        # After the window the token is free again, even with other parameters.
        second = self.create_instance(client=c, alias="day-two", ClientToken="token-day")
        self.assertNotEqual(first["Id"], second["Id"])
        self.assertEqual(len(c.list_instances()["InstanceSummaryList"]), 2)

    def test_delete_replays_with_the_same_token(self):
        c = self.client()
        inst = self.create_instance(client=c, alias="del-idem")
        c.delete_instance(InstanceId=inst["Id"], ClientToken="delete-token")
        # A retry of the same delete (same token) replays the success instead of answering not found.
        out = c.delete_instance(InstanceId=inst["Id"], ClientToken="delete-token")
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        with self.assertAwsError("ResourceNotFoundException", 404):
            c.delete_instance(InstanceId=inst["Id"], ClientToken="another-delete-token")

    def test_auto_tokens_create_distinct_instances(self):
        c = self.client()
        a = self.create_instance(client=c, alias="auto-a")
        b = self.create_instance(client=c, alias="auto-b")
        self.assertNotEqual(a["Id"], b["Id"])


class WireTest(ServerTestCase):
    def test_success_headers(self):
        self.server.advance(10 * 86400)  # the domain clock moves; the HTTP Date header must not
        out = self.client().list_instances()
        headers = out["ResponseMetadata"]["HTTPHeaders"]
        self.assertTrue(headers["content-type"].startswith("application/json"), headers)
        self.assertEqual(headers["x-amzn-requestid"], out["ResponseMetadata"]["RequestId"])
        date = email.utils.parsedate_to_datetime(headers["date"])
        self.assertLess(abs(date.timestamp() - time.time()), 60, headers["date"])

    def test_error_headers(self):
        with self.assertAwsError("ResourceNotFoundException", 404) as cm:
            self.client().describe_instance(InstanceId=MISSING_ID)
        headers = cm.exception.response["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers["x-amzn-errortype"].split(":")[0], "ResourceNotFoundException")
        self.assertTrue(headers["content-type"].startswith("application/json"), headers)
        self.assertIn("date", headers)

    def test_operation_outside_the_implemented_set(self):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.client().list_users(InstanceId=MISSING_ID)
        resp = cm.exception.response
        self.assertGreaterEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertIn("ListUsers", resp["Error"]["Message"])
        self.assertIn("not implemented", resp["Error"]["Message"])
        self.assertTrue(resp["ResponseMetadata"]["RequestId"])
        self.assertTrue(self.server.admin("GET", "health")["status"] == "ok")


class ValidationTest(ServerTestCase):
    def raw(self):
        return self.client(validate=False)

    def test_identity_type_enum(self):
        with self.assertAwsError("InvalidRequestException", 400, message_prefix=ENUM_MESSAGE) as cm:
            self.create_instance(client=self.raw(), identity="NOPE")
        message = cm.exception.response["Error"]["Message"]
        for value in ("SAML", "CONNECT_MANAGED", "EXISTING_DIRECTORY"):
            self.assertIn(value, message)
        self.assertTrue(message.endswith("]"), message)
        self.assertEqual(self.client().list_instances()["InstanceSummaryList"], [])

    def test_enum_is_sent_even_with_client_validation(self):
        # botocore does not check enums client-side: the server is the one refusing.
        with self.assertAwsError("InvalidRequestException", 400, message_prefix=ENUM_MESSAGE):
            self.create_instance(identity="NOPE")

    def test_missing_required_member(self):
        with self.assertAwsError("InvalidRequestException", 400, message_contains="'identityManagementType'"):
            self.raw().create_instance(InstanceAlias="no-type", InboundCallsEnabled=True, OutboundCallsEnabled=True)

    def test_alias_pattern(self):
        with self.assertAwsError("InvalidRequestException", 400, message_contains="'instanceAlias'"):
            self.create_instance(alias="bad_alias!")

    def test_alias_too_long(self):
        with self.assertAwsError("InvalidRequestException", 400, message_contains="'instanceAlias'"):
            self.create_instance(client=self.raw(), alias="a" * 46)

    def test_list_max_results_too_large(self):
        with self.assertAwsError("InvalidRequestException", 400,
                                 message_prefix="1 validation error detected: Value '11' at 'maxResults'"):
            self.raw().list_instances(MaxResults=11)

    def test_list_max_results_zero(self):
        with self.assertAwsError("InvalidRequestException", 400, message_contains="'maxResults'"):
            self.raw().list_instances(MaxResults=0)

    def test_list_max_results_bounds_ok(self):
        c = self.client()
        self.assertEqual(c.list_instances(MaxResults=1)["InstanceSummaryList"], [])
        self.assertEqual(c.list_instances(MaxResults=10)["InstanceSummaryList"], [])


if __name__ == "__main__":
    unittest.main()
