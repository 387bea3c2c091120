"""Multi-region through boto3: ReplicateInstance, traffic distribution groups (TDGs) and phone numbers
claimed to a TDG, seen from the home Region (us-east-1) and the replica Region (us-west-2)
(SPEC §4, §7; reference/connect-behavior.md §1, §3).

One boto3 client per Region against the same endpoint and credentials: the server takes the Region
from the signature's credential scope. Transient states (instance creation, replication, TDG creation
and deletion, claims) last the 60 s transient delay; tests advance the admin clock instead of waiting.
"""

import unittest
import uuid

from harness import DEFAULT_ACCOUNT, UUID4_RE, ServerTestCase, instance_arn

HOME = "us-east-1"
REPLICA = "us-west-2"
SETTLE = 61  # > the 60 s transient delay
DIRECTORY_ID = "d-1234567890"
MISSING_ID = "11111111-2222-4333-8444-555555555555"
NOT_SAME_REGION = "not in the same Region"
QUOTA_FAILURE = "The allowed limit for claimed phone numbers has been exceeded for your instance"
SUPPORTED_PAIRS = [("us-east-1", "us-west-2"), ("us-west-2", "us-east-1"), ("eu-central-1", "eu-west-2"),
                   ("eu-west-2", "eu-central-1"), ("ap-northeast-1", "ap-northeast-3")]
UNSUPPORTED_PAIRS = [("us-east-1", "eu-west-2"), ("ap-northeast-3", "ap-northeast-1"), ("eu-central-1", "us-west-2"),
                     ("us-west-2", "ap-northeast-3")]


def tdg_arn(tdg_id, region=HOME, account=DEFAULT_ACCOUNT):
    return f"arn:aws:connect:{region}:{account}:traffic-distribution-group/{tdg_id}"


def phone_arn(phone_id, region=HOME, account=DEFAULT_ACCOUNT):
    return f"arn:aws:connect:{region}:{account}:phone-number/{phone_id}"


def token():
    return str(uuid.uuid4())


class MultiRegionTestCase(ServerTestCase):
    transient_delay = "60s"

    def setUp(self):
        super().setUp()
        self.east = self.client(region=HOME)
        self.west = self.client(region=REPLICA)

    # ---- helpers (each step is a real API call) ----
    def settle(self, seconds=SETTLE):
        self.server.advance(seconds)

    def saml_instance(self, alias, region=HOME, settle=True):
        out = self.create_instance(client=self.client(region=region), alias=alias, identity="SAML")
        if settle:
            self.settle()
        return out["Id"]

    def replicated_instance(self, alias="mr-home", replica_alias="mr-replica"):
        """A SAML instance in us-east-1, replicated to us-west-2, everything settled; returns its id."""
        instance_id = self.saml_instance(alias)
        self.east.replicate_instance(InstanceId=instance_id, ReplicaRegion=REPLICA, ReplicaAlias=replica_alias)
        self.settle()
        return instance_id

    def default_tdg(self, instance_id):
        groups = self.list_tdgs(InstanceId=instance_id)
        defaults = [g for g in groups if g["IsDefault"]]
        self.assertEqual(len(defaults), 1, groups)
        return defaults[0]

    def create_tdg(self, instance_id, name="mr-tdg", settle=True, **kw):
        out = self.east.create_traffic_distribution_group(Name=name, InstanceId=instance_id, **kw)
        if settle:
            self.settle()
        return out

    def describe_tdg(self, tdg, client=None):
        return (client or self.east).describe_traffic_distribution_group(
            TrafficDistributionGroupId=tdg)["TrafficDistributionGroup"]

    def list_tdgs(self, client=None, **kw):
        return (client or self.east).list_traffic_distribution_groups(**kw)["TrafficDistributionGroupSummaryList"]

    def first_available(self, target, client=None):
        found = (client or self.east).search_available_phone_numbers(
            TargetArn=target, PhoneNumberCountryCode="US", PhoneNumberType="DID", MaxResults=1)["AvailableNumbersList"]
        self.assertEqual(len(found), 1, found)
        return found[0]["PhoneNumber"]

    def describe_number(self, phone, client=None):
        return (client or self.east).describe_phone_number(PhoneNumberId=phone)["ClaimedPhoneNumberSummary"]

    def claim_settled(self, target):
        number = self.first_available(target)
        out = self.east.claim_phone_number(PhoneNumber=number, TargetArn=target, ClientToken=token())
        self.settle()
        self.assertEqual(self.describe_number(out["PhoneNumberId"])["PhoneNumberStatus"]["Status"], "CLAIMED")
        return number, out

    def v2_numbers(self, client=None, **kw):
        return [s["PhoneNumber"] for s in (client or self.east).list_phone_numbers_v2(**kw)["ListPhoneNumbersSummaryList"]]

    def tdg_with_number(self):
        """Replicated instance + ACTIVE TDG + one CLAIMED number on it: (instance_id, tdg out, number, claim out)."""
        instance_id = self.replicated_instance()
        tdg = self.create_tdg(instance_id)
        number, claim = self.claim_settled(tdg["Arn"])
        return instance_id, tdg, number, claim


class ReplicateInstanceTest(MultiRegionTestCase):
    def test_replica_keeps_the_instance_id_with_the_replica_region_arn(self):
        instance_id = self.saml_instance("rep-shape")
        out = self.east.replicate_instance(InstanceId=instance_id, ReplicaRegion=REPLICA, ReplicaAlias="rep-shape-west")
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(out["Id"], instance_id)
        self.assertEqual(out["Arn"], instance_arn(instance_id, region=REPLICA))

    def test_replica_region_describes_and_lists_the_replica(self):
        instance_id = self.saml_instance("rep-home")
        self.east.replicate_instance(InstanceId=instance_id, ReplicaRegion=REPLICA, ReplicaAlias="rep-west")
        replica_arn = instance_arn(instance_id, region=REPLICA)

        first = self.west.describe_instance(InstanceId=instance_id)
        self.assertEqual(first["Instance"]["Id"], instance_id)
        self.assertEqual(first["Instance"]["Arn"], replica_arn)
        self.assertEqual(first["Instance"]["IdentityManagementType"], "SAML")
        config = first["ReplicationConfiguration"]
        self.assertEqual(config["SourceRegion"], HOME)
        self.assertEqual(config["ReplicationStatusSummaryList"],
                         [{"Region": REPLICA, "ReplicationStatus": "INSTANCE_REPLICATION_IN_PROGRESS"}])
        # The replica ARN is accepted as InstanceId in the replica Region.
        self.assertEqual(self.west.describe_instance(InstanceId=replica_arn)["Instance"], first["Instance"])

        self.settle()
        done = self.west.describe_instance(InstanceId=instance_id)
        self.assertEqual(done["Instance"]["Arn"], replica_arn)
        self.assertEqual(done["ReplicationConfiguration"]["SourceRegion"], HOME)
        self.assertEqual(done["ReplicationConfiguration"]["ReplicationStatusSummaryList"],
                         [{"Region": REPLICA, "ReplicationStatus": "INSTANCE_REPLICATION_COMPLETE"}])

        listed = self.west.list_instances()["InstanceSummaryList"]
        self.assertEqual([(s["Id"], s["Arn"]) for s in listed], [(instance_id, replica_arn)])
        # The source is still one instance with its home ARN.
        home = self.east.list_instances()["InstanceSummaryList"]
        self.assertEqual([(s["Id"], s["Arn"]) for s in home], [(instance_id, instance_arn(instance_id))])
        self.assertEqual(self.east.describe_instance(InstanceId=instance_id)["Instance"]["Arn"],
                         instance_arn(instance_id))

    def test_replication_creates_the_default_tdg_in_the_home_region(self):
        instance_id = self.saml_instance("rep-default")
        self.assertEqual(self.list_tdgs(), [])
        self.east.replicate_instance(InstanceId=instance_id, ReplicaRegion=REPLICA, ReplicaAlias="rep-default-w")
        self.settle()
        groups = self.list_tdgs()
        self.assertEqual(len(groups), 1, groups)
        g = groups[0]
        self.assertIs(g["IsDefault"], True)
        self.assertEqual(g["InstanceArn"], instance_arn(instance_id))
        self.assertRegex(g["Id"], UUID4_RE)
        self.assertEqual(g["Arn"], tdg_arn(g["Id"]))
        self.assertEqual(g["Status"], "ACTIVE")
        d = self.describe_tdg(g["Id"])
        self.assertIs(d["IsDefault"], True)
        self.assertEqual(d["Arn"], g["Arn"])
        self.assertEqual(d["InstanceArn"], instance_arn(instance_id))

    def test_every_supported_pair(self):
        cases = []
        for i, (source, replica) in enumerate(SUPPORTED_PAIRS):
            cases.append((source, replica, self.saml_instance(f"pair-{i}", region=source, settle=False)))
        self.settle()
        for i, (source, replica, instance_id) in enumerate(cases):
            with self.subTest(source=source, replica=replica):
                # The instance ARN is accepted as InstanceId too.
                out = self.client(region=source).replicate_instance(
                    InstanceId=instance_arn(instance_id, region=source) if i % 2 else instance_id,
                    ReplicaRegion=replica, ReplicaAlias=f"pair-{i}-replica")
                self.assertEqual(out["Arn"], instance_arn(instance_id, region=replica))
                d = self.client(region=replica).describe_instance(InstanceId=instance_id)
                self.assertEqual(d["Instance"]["Arn"], instance_arn(instance_id, region=replica))
                self.assertEqual(d["ReplicationConfiguration"]["SourceRegion"], source)
                self.assertEqual([s["Region"] for s in d["ReplicationConfiguration"]["ReplicationStatusSummaryList"]],
                                 [replica])

    def test_unsupported_pairs_are_invalid_request(self):
        for i, (source, replica) in enumerate(UNSUPPORTED_PAIRS):
            instance_id = self.saml_instance(f"unsupported-{i}", region=source)
            with self.subTest(source=source, replica=replica):
                with self.assertAwsError("InvalidRequestException", 400):
                    self.client(region=source).replicate_instance(InstanceId=instance_id, ReplicaRegion=replica,
                                                                  ReplicaAlias=f"unsupported-{i}-r")
                with self.assertAwsError("ResourceNotFoundException", 404):
                    self.client(region=replica).describe_instance(InstanceId=instance_id)

    def test_same_region_is_invalid_request(self):
        instance_id = self.saml_instance("same-region")
        with self.assertAwsError("InvalidRequestException", 400):
            self.east.replicate_instance(InstanceId=instance_id, ReplicaRegion=HOME, ReplicaAlias="same-region-r")
        self.assertEqual(len(self.east.list_instances()["InstanceSummaryList"]), 1)
        self.assertEqual(self.list_tdgs(), [])

    def test_already_replicated_is_invalid_request(self):
        instance_id = self.replicated_instance("twice", "twice-west")
        with self.assertAwsError("InvalidRequestException", 400):
            self.east.replicate_instance(InstanceId=instance_id, ReplicaRegion=REPLICA, ReplicaAlias="twice-again")
        # Nor can the replica be replicated back to the source Region.
        with self.assertAwsError("InvalidRequestException", 400):
            self.west.replicate_instance(InstanceId=instance_id, ReplicaRegion=HOME, ReplicaAlias="twice-back")
        self.assertEqual(self.west.describe_instance(InstanceId=instance_id)["Instance"]["InstanceAlias"], "twice-west")
        self.assertEqual(len(self.west.list_instances()["InstanceSummaryList"]), 1)
        self.assertEqual(len(self.list_tdgs()), 1)

    def test_instance_without_alias_is_invalid_request(self):
        out = self.east.create_instance(IdentityManagementType="EXISTING_DIRECTORY", DirectoryId=DIRECTORY_ID,
                                        InboundCallsEnabled=True, OutboundCallsEnabled=True)
        self.settle()
        self.assertNotIn("InstanceAlias", self.east.describe_instance(InstanceId=out["Id"])["Instance"])
        with self.assertAwsError("InvalidRequestException", 400):
            self.east.replicate_instance(InstanceId=out["Id"], ReplicaRegion=REPLICA, ReplicaAlias="no-alias-r")
        self.assertEqual(self.west.list_instances()["InstanceSummaryList"], [])

    def test_instance_not_active_is_invalid_request(self):
        instance_id = self.saml_instance("not-active", settle=False)
        self.assertEqual(self.east.describe_instance(InstanceId=instance_id)["Instance"]["InstanceStatus"],
                         "CREATION_IN_PROGRESS")
        with self.assertAwsError("InvalidRequestException", 400):
            self.east.replicate_instance(InstanceId=instance_id, ReplicaRegion=REPLICA, ReplicaAlias="not-active-r")
        self.assertEqual(self.west.list_instances()["InstanceSummaryList"], [])
        # Once ACTIVE the same call succeeds.
        self.settle()
        out = self.east.replicate_instance(InstanceId=instance_id, ReplicaRegion=REPLICA, ReplicaAlias="not-active-r")
        self.assertEqual(out["Id"], instance_id)

    def test_instance_not_saml_is_invalid_request(self):
        out = self.create_instance(client=self.east, alias="managed", identity="CONNECT_MANAGED")
        self.settle()
        with self.assertAwsError("InvalidRequestException", 400):
            self.east.replicate_instance(InstanceId=out["Id"], ReplicaRegion=REPLICA, ReplicaAlias="managed-r")
        self.assertEqual(self.west.list_instances()["InstanceSummaryList"], [])
        self.assertEqual(self.list_tdgs(), [])

    def test_unknown_instance_is_not_found(self):
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.east.replicate_instance(InstanceId=MISSING_ID, ReplicaRegion=REPLICA, ReplicaAlias="ghost")


class CreateTdgTest(MultiRegionTestCase):
    def test_before_replication_is_invalid_request(self):
        instance_id = self.saml_instance("not-replicated")
        with self.assertAwsError("InvalidRequestException", 400):
            self.east.create_traffic_distribution_group(Name="early", InstanceId=instance_id)
        self.assertEqual(self.list_tdgs(), [])

    def test_from_the_replica_region_is_invalid_request(self):
        instance_id = self.replicated_instance()
        for ref in (instance_id, instance_arn(instance_id, region=REPLICA)):
            with self.subTest(instance=ref):
                with self.assertAwsError("InvalidRequestException", 400):
                    self.west.create_traffic_distribution_group(Name="from-west", InstanceId=ref)
        self.assertEqual([g["Name"] for g in self.list_tdgs() if not g["IsDefault"]], [])

    def test_create_describe_and_become_active(self):
        instance_id = self.replicated_instance()
        out = self.east.create_traffic_distribution_group(
            Name="east-west", InstanceId=instance_arn(instance_id), Description="calls split east/west",
            Tags={"team": "voice"}, ClientToken=token())
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertRegex(out["Id"], UUID4_RE)
        self.assertEqual(out["Arn"], tdg_arn(out["Id"]))

        d = self.describe_tdg(out["Id"])
        self.assertEqual(d, {
            "Id": out["Id"], "Arn": out["Arn"], "Name": "east-west", "Description": "calls split east/west",
            "InstanceArn": instance_arn(instance_id), "Status": "CREATION_IN_PROGRESS", "Tags": {"team": "voice"},
            "IsDefault": False})
        self.server.advance(30)
        self.assertEqual(self.describe_tdg(out["Id"])["Status"], "CREATION_IN_PROGRESS")
        self.server.advance(31)
        active = self.describe_tdg(out["Id"])
        self.assertEqual(active["Status"], "ACTIVE")
        self.assertEqual(self.describe_tdg(out["Arn"]), active)
        summary = [g for g in self.list_tdgs() if g["Id"] == out["Id"]]
        self.assertEqual(summary, [{"Id": out["Id"], "Arn": out["Arn"], "Name": "east-west",
                                    "InstanceArn": instance_arn(instance_id), "Status": "ACTIVE", "IsDefault": False}])

    def test_duplicate_name_is_resource_conflict(self):
        instance_id = self.replicated_instance()
        first = self.create_tdg(instance_id, name="dup-name")
        with self.assertAwsError("ResourceConflictException", 409):
            self.east.create_traffic_distribution_group(Name="dup-name", InstanceId=instance_id)
        self.assertEqual([g["Id"] for g in self.list_tdgs() if not g["IsDefault"]], [first["Id"]])

    def test_same_client_token_replays_the_same_group(self):
        instance_id = self.replicated_instance()
        tok = token()
        first = self.east.create_traffic_distribution_group(Name="replayed", InstanceId=instance_id, ClientToken=tok)
        again = self.east.create_traffic_distribution_group(Name="replayed", InstanceId=instance_id, ClientToken=tok)
        self.assertEqual((again["Id"], again["Arn"]), (first["Id"], first["Arn"]))
        self.assertEqual([g["Id"] for g in self.list_tdgs() if not g["IsDefault"]], [first["Id"]])
        # A new token for the same name is a second create: a conflict.
        with self.assertAwsError("ResourceConflictException", 409):
            self.east.create_traffic_distribution_group(Name="replayed", InstanceId=instance_id, ClientToken=token())


class DescribeTdgTest(MultiRegionTestCase):
    def test_replica_region_needs_the_full_arn(self):
        instance_id = self.replicated_instance()
        out = self.create_tdg(instance_id, Description="seen from the west")
        home = self.describe_tdg(out["Id"])
        self.assertEqual(self.describe_tdg(out["Arn"]), home)
        self.assertEqual(self.describe_tdg(out["Arn"], client=self.west), home)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.west.describe_traffic_distribution_group(TrafficDistributionGroupId=out["Id"])
        # Same rule for the default group.
        default = self.default_tdg(instance_id)
        self.assertIs(self.describe_tdg(default["Arn"], client=self.west)["IsDefault"], True)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.west.describe_traffic_distribution_group(TrafficDistributionGroupId=default["Id"])

    def test_unknown_group_is_not_found(self):
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.east.describe_traffic_distribution_group(TrafficDistributionGroupId=MISSING_ID)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.west.describe_traffic_distribution_group(TrafficDistributionGroupId=tdg_arn(MISSING_ID))


class ListTdgTest(MultiRegionTestCase):
    def test_pages_of_one(self):
        instance_id = self.replicated_instance()
        created = {self.create_tdg(instance_id, name=f"page-{i}", settle=False)["Id"] for i in range(2)}
        expected = created | {self.default_tdg(instance_id)["Id"]}
        seen, tokens, kw = [], [], {}
        for _ in range(5):
            page = self.east.list_traffic_distribution_groups(MaxResults=1, **kw)
            self.assertEqual(len(page["TrafficDistributionGroupSummaryList"]), 1, page)
            seen += [g["Id"] for g in page["TrafficDistributionGroupSummaryList"]]
            if "NextToken" not in page:
                break
            self.assertNotIn(page["NextToken"], tokens)
            tokens.append(page["NextToken"])
            kw = {"NextToken": page["NextToken"]}
        self.assertEqual(len(seen), 3)
        self.assertEqual(set(seen), expected)
        self.assertEqual(len(tokens), 2)

    def test_paginator(self):
        instance_id = self.replicated_instance()
        created = {self.create_tdg(instance_id, name=f"paged-{i}", settle=False)["Id"] for i in range(2)}
        pages = list(self.east.get_paginator("list_traffic_distribution_groups").paginate(
            PaginationConfig={"PageSize": 1}))
        self.assertEqual([len(p["TrafficDistributionGroupSummaryList"]) for p in pages], [1, 1, 1])
        ids = [g["Id"] for p in pages for g in p["TrafficDistributionGroupSummaryList"]]
        self.assertEqual(set(ids), created | {self.default_tdg(instance_id)["Id"]})

    def test_instance_filter(self):
        first = self.replicated_instance("filter-a", "filter-a-west")
        second = self.replicated_instance("filter-b", "filter-b-west")
        mine = self.create_tdg(first, name="filter-mine")
        all_groups = self.list_tdgs()
        self.assertEqual(len(all_groups), 3)
        for ref in (first, instance_arn(first)):
            with self.subTest(instance=ref):
                groups = self.list_tdgs(InstanceId=ref)
                self.assertEqual({g["Id"] for g in groups}, {mine["Id"], self.default_tdg(first)["Id"]})
                self.assertEqual({g["InstanceArn"] for g in groups}, {instance_arn(first)})
        other = self.list_tdgs(InstanceId=instance_arn(second))
        self.assertEqual(len(other), 1)
        self.assertIs(other[0]["IsDefault"], True)
        self.assertEqual(other[0]["InstanceArn"], instance_arn(second))
        # Filtered pages of one.
        page = self.east.list_traffic_distribution_groups(InstanceId=first, MaxResults=1)
        self.assertEqual(len(page["TrafficDistributionGroupSummaryList"]), 1)
        rest = self.east.list_traffic_distribution_groups(InstanceId=first, MaxResults=1, NextToken=page["NextToken"])
        self.assertNotIn("NextToken", rest)
        self.assertEqual({g["Id"] for g in page["TrafficDistributionGroupSummaryList"]
                          + rest["TrafficDistributionGroupSummaryList"]},
                         {mine["Id"], self.default_tdg(first)["Id"]})


class DeleteTdgTest(MultiRegionTestCase):
    def test_from_the_replica_region_is_invalid_request(self):
        instance_id = self.replicated_instance()
        out = self.create_tdg(instance_id)
        with self.assertAwsError("InvalidRequestException", 400):
            self.west.delete_traffic_distribution_group(TrafficDistributionGroupId=out["Arn"])
        self.assertEqual(self.describe_tdg(out["Id"])["Status"], "ACTIVE")

    def test_default_group_cannot_be_deleted(self):
        instance_id = self.replicated_instance()
        default = self.default_tdg(instance_id)
        for ref in (default["Id"], default["Arn"]):
            with self.subTest(group=ref):
                with self.assertAwsError("InvalidRequestException", 400):
                    self.east.delete_traffic_distribution_group(TrafficDistributionGroupId=ref)
        self.assertEqual(self.describe_tdg(default["Id"])["Status"], "ACTIVE")

    def test_group_holding_numbers_is_resource_in_use(self):
        _, tdg, _, claim = self.tdg_with_number()
        with self.assertAwsError("ResourceInUseException", 409):
            self.east.delete_traffic_distribution_group(TrafficDistributionGroupId=tdg["Id"])
        self.assertEqual(self.describe_tdg(tdg["Id"])["Status"], "ACTIVE")
        self.assertEqual(self.describe_number(claim["PhoneNumberId"])["PhoneNumberStatus"]["Status"], "CLAIMED")

    def test_delete_pending_deletion_then_gone(self):
        instance_id = self.replicated_instance()
        out = self.create_tdg(instance_id, Description="short-lived", Tags={"env": "test"})
        before = self.describe_tdg(out["Id"])
        resp = self.east.delete_traffic_distribution_group(TrafficDistributionGroupId=out["Arn"])
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 200)
        pending = self.describe_tdg(out["Id"])
        self.assertEqual(pending["Status"], "PENDING_DELETION")
        self.assertEqual((pending["Id"], pending["Arn"], pending["Name"]), (before["Id"], before["Arn"], before["Name"]))
        self.assertEqual(self.describe_tdg(out["Arn"], client=self.west)["Status"], "PENDING_DELETION")
        self.settle()
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.east.describe_traffic_distribution_group(TrafficDistributionGroupId=out["Id"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.west.describe_traffic_distribution_group(TrafficDistributionGroupId=out["Arn"])
        self.assertNotIn(out["Id"], [g["Id"] for g in self.list_tdgs()])
        # The name is free again.
        self.create_tdg(instance_id, name="mr-tdg", settle=False)

    def test_pending_deletion_keeps_the_rest_of_the_record(self):
        """While PENDING_DELETION, Describe still shows what the group was created with (Tags included)."""
        instance_id = self.replicated_instance()
        out = self.create_tdg(instance_id, Description="short-lived", Tags={"env": "test"})
        before = self.describe_tdg(out["Id"])
        self.east.delete_traffic_distribution_group(TrafficDistributionGroupId=out["Id"])
        pending = self.describe_tdg(out["Id"])
        self.assertEqual(pending["Status"], "PENDING_DELETION")
        self.assertEqual({**pending, "Status": before["Status"]}, before)


class TdgNumbersTest(MultiRegionTestCase):
    def setUp(self):
        super().setUp()
        self.instance_id = self.replicated_instance()
        self.tdg = self.create_tdg(self.instance_id)
        self.target = self.tdg["Arn"]

    def test_search_works_from_both_regions(self):
        east = self.east.search_available_phone_numbers(TargetArn=self.target, PhoneNumberCountryCode="US",
                                                        PhoneNumberType="DID", MaxResults=3)["AvailableNumbersList"]
        west = self.west.search_available_phone_numbers(TargetArn=self.target, PhoneNumberCountryCode="US",
                                                        PhoneNumberType="DID", MaxResults=3)["AvailableNumbersList"]
        self.assertEqual(len(east), 3)
        self.assertEqual(east[0]["PhoneNumber"], west[0]["PhoneNumber"])
        self.assertEqual(east, west)

    def test_claim_in_the_home_region_settles(self):
        number = self.first_available(self.target)
        out = self.east.claim_phone_number(PhoneNumber=number, TargetArn=self.target, ClientToken=token())
        self.assertRegex(out["PhoneNumberId"], UUID4_RE)
        self.assertEqual(out["PhoneNumberArn"], phone_arn(out["PhoneNumberId"]))
        d = self.describe_number(out["PhoneNumberId"])
        self.assertEqual(d["PhoneNumberStatus"]["Status"], "IN_PROGRESS")
        self.assertEqual(d["TargetArn"], self.target)
        self.assertEqual(d["PhoneNumber"], number)
        self.settle()
        d = self.describe_number(out["PhoneNumberId"])
        self.assertEqual(d["PhoneNumberStatus"]["Status"], "CLAIMED")
        self.assertEqual(d["TargetArn"], self.target)
        self.assertNotEqual(self.first_available(self.target, client=self.west), number)

    def test_claim_from_the_replica_region_is_invalid_parameter(self):
        number = self.first_available(self.target, client=self.west)
        with self.assertAwsError("InvalidParameterException", 400, message_contains=NOT_SAME_REGION):
            self.west.claim_phone_number(PhoneNumber=number, TargetArn=self.target, ClientToken=token())
        # Nothing was claimed: the number is still first in both Regions, and no list shows it.
        self.assertEqual(self.first_available(self.target), number)
        self.assertEqual(self.v2_numbers(TargetArn=self.target), [])
        self.assertEqual(self.v2_numbers(client=self.west, TargetArn=self.target), [])

    def test_claim_from_an_unrelated_region_is_invalid_parameter(self):
        """SPEC §6.2: a TargetArn in another Region is InvalidParameterException, not only from the replica."""
        number = self.first_available(self.target)
        with self.assertAwsError("InvalidParameterException", 400, message_contains=NOT_SAME_REGION):
            self.client(region="eu-west-2").claim_phone_number(PhoneNumber=number, TargetArn=self.target,
                                                               ClientToken=token())
        self.assertEqual(self.first_available(self.target), number)

    def test_claim_to_a_group_not_active_is_not_found(self):
        pending = self.create_tdg(self.instance_id, name="still-creating", settle=False)
        number = self.first_available(self.target)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.east.claim_phone_number(PhoneNumber=number, TargetArn=pending["Arn"], ClientToken=token())

    def test_describe_from_the_replica_region_needs_the_full_arn(self):
        number, claim = self.claim_settled(self.target)
        home = self.describe_number(claim["PhoneNumberId"])
        west = self.describe_number(claim["PhoneNumberArn"], client=self.west)
        self.assertEqual(west, home)
        self.assertEqual(west["TargetArn"], self.target)
        self.assertEqual(west["PhoneNumberArn"], phone_arn(claim["PhoneNumberId"]))
        self.assertEqual(west["PhoneNumber"], number)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.west.describe_phone_number(PhoneNumberId=claim["PhoneNumberId"])

    def test_release_and_update_from_the_replica_region_are_invalid_parameter(self):
        _, claim = self.claim_settled(self.target)
        arn = claim["PhoneNumberArn"]
        with self.assertAwsError("InvalidParameterException", 400):
            self.west.release_phone_number(PhoneNumberId=arn, ClientToken=token())
        with self.assertAwsError("InvalidParameterException", 400):
            self.west.update_phone_number(PhoneNumberId=arn, InstanceId=self.instance_id, ClientToken=token())
        with self.assertAwsError("InvalidParameterException", 400):
            self.west.update_phone_number(PhoneNumberId=arn, TargetArn=self.target, ClientToken=token())
        d = self.describe_number(claim["PhoneNumberId"])
        self.assertEqual((d["PhoneNumberStatus"]["Status"], d["TargetArn"]), ("CLAIMED", self.target))

    def test_list_v2_from_both_regions(self):
        number, _ = self.claim_settled(self.target)
        self.assertEqual(self.v2_numbers(TargetArn=self.target), [number])
        self.assertEqual(self.v2_numbers(client=self.west, TargetArn=self.target), [number])
        east = self.east.list_phone_numbers_v2(TargetArn=self.target)["ListPhoneNumbersSummaryList"]
        west = self.west.list_phone_numbers_v2(TargetArn=self.target)["ListPhoneNumbersSummaryList"]
        self.assertEqual(west, east)
        self.assertEqual(east[0]["TargetArn"], self.target)
        # It is the group's number, not the instance's.
        self.assertEqual(self.v2_numbers(TargetArn=instance_arn(self.instance_id)), [])

    def test_update_moves_to_the_instance_and_back(self):
        _, claim = self.claim_settled(self.target)
        phone_id = claim["PhoneNumberId"]
        out = self.east.update_phone_number(PhoneNumberId=phone_id, InstanceId=self.instance_id, ClientToken=token())
        self.assertEqual((out["PhoneNumberId"], out["PhoneNumberArn"]), (phone_id, claim["PhoneNumberArn"]))
        d = self.describe_number(phone_id)
        self.assertEqual((d["PhoneNumberStatus"]["Status"], d["TargetArn"]),
                         ("IN_PROGRESS", instance_arn(self.instance_id)))
        self.settle()
        d = self.describe_number(phone_id)
        self.assertEqual((d["PhoneNumberStatus"]["Status"], d["TargetArn"]), ("CLAIMED", instance_arn(self.instance_id)))
        self.assertEqual(self.v2_numbers(TargetArn=self.target), [])

        self.east.update_phone_number(PhoneNumberId=claim["PhoneNumberArn"], TargetArn=self.target, ClientToken=token())
        d = self.describe_number(phone_id)
        self.assertEqual((d["PhoneNumberStatus"]["Status"], d["TargetArn"]), ("IN_PROGRESS", self.target))
        self.settle()
        d = self.describe_number(phone_id)
        self.assertEqual((d["PhoneNumberStatus"]["Status"], d["TargetArn"]), ("CLAIMED", self.target))
        self.assertEqual(self.describe_number(claim["PhoneNumberArn"], client=self.west)["TargetArn"], self.target)

    def test_quota_applies_to_claims_on_a_group(self):
        self.server.set_quotas(region=HOME, phone_numbers_per_instance=1)
        self.claim_settled(self.target)
        number = self.first_available(self.target)
        out = self.east.claim_phone_number(PhoneNumber=number, TargetArn=self.target, ClientToken=token())
        self.assertEqual(self.describe_number(out["PhoneNumberId"])["PhoneNumberStatus"]["Status"], "IN_PROGRESS")
        self.settle()
        status = self.describe_number(out["PhoneNumberId"])["PhoneNumberStatus"]
        self.assertEqual(status["Status"], "FAILED")
        self.assertEqual(status["Message"], QUOTA_FAILURE)

    def test_release_then_delete_the_group(self):
        number, claim = self.claim_settled(self.target)
        self.east.release_phone_number(PhoneNumberId=claim["PhoneNumberId"], ClientToken=token())
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.east.describe_phone_number(PhoneNumberId=claim["PhoneNumberId"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.west.describe_phone_number(PhoneNumberId=claim["PhoneNumberArn"])
        self.assertEqual(self.v2_numbers(client=self.west, TargetArn=self.target), [])
        self.east.delete_traffic_distribution_group(TrafficDistributionGroupId=self.tdg["Id"])
        self.assertEqual(self.describe_tdg(self.tdg["Id"])["Status"], "PENDING_DELETION")
        self.settle()
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.east.describe_traffic_distribution_group(TrafficDistributionGroupId=self.tdg["Id"])


class FullStoryTest(MultiRegionTestCase):
    def test_replicate_group_claim_cross_region_move_release_delete(self):
        east, west = self.east, self.west
        # Replicate a SAML instance with an alias once it is ACTIVE.
        instance_id = self.saml_instance("story-home")
        rep = east.replicate_instance(InstanceId=instance_id, ReplicaRegion=REPLICA, ReplicaAlias="story-west")
        self.assertEqual((rep["Id"], rep["Arn"]), (instance_id, instance_arn(instance_id, region=REPLICA)))
        self.settle()
        self.assertEqual(west.describe_instance(InstanceId=instance_id)["ReplicationConfiguration"]
                         ["ReplicationStatusSummaryList"][0]["ReplicationStatus"], "INSTANCE_REPLICATION_COMPLETE")

        # A traffic distribution group in the home Region.
        tdg = east.create_traffic_distribution_group(Name="story", InstanceId=instance_id, ClientToken=token())
        self.settle()
        self.assertEqual(self.describe_tdg(tdg["Arn"], client=west)["Status"], "ACTIVE")

        # Claim to it from the home Region.
        number = self.first_available(tdg["Arn"])
        self.assertEqual(self.first_available(tdg["Arn"], client=west), number)
        claim = east.claim_phone_number(PhoneNumber=number, TargetArn=tdg["Arn"], ClientToken=token())
        phone_id, arn = claim["PhoneNumberId"], claim["PhoneNumberArn"]
        self.assertEqual(self.describe_number(phone_id)["PhoneNumberStatus"]["Status"], "IN_PROGRESS")
        self.settle()
        self.assertEqual(self.describe_number(phone_id)["PhoneNumberStatus"]["Status"], "CLAIMED")

        # From the replica Region: visible by ARN, not by id; listed; no claim, release or update.
        seen = self.describe_number(arn, client=west)
        self.assertEqual((seen["PhoneNumber"], seen["TargetArn"]), (number, tdg["Arn"]))
        with self.assertAwsError("ResourceNotFoundException", 404):
            west.describe_phone_number(PhoneNumberId=phone_id)
        self.assertEqual(self.v2_numbers(client=west, TargetArn=tdg["Arn"]), [number])
        other = self.first_available(tdg["Arn"], client=west)
        with self.assertAwsError("InvalidParameterException", 400, message_contains=NOT_SAME_REGION):
            west.claim_phone_number(PhoneNumber=other, TargetArn=tdg["Arn"], ClientToken=token())
        with self.assertAwsError("InvalidParameterException", 400):
            west.release_phone_number(PhoneNumberId=arn, ClientToken=token())
        with self.assertAwsError("InvalidParameterException", 400):
            west.update_phone_number(PhoneNumberId=arn, InstanceId=instance_id, ClientToken=token())

        # Move it to the instance and back, in the home Region.
        east.update_phone_number(PhoneNumberId=phone_id, InstanceId=instance_id, ClientToken=token())
        self.settle()
        d = self.describe_number(phone_id)
        self.assertEqual((d["PhoneNumberStatus"]["Status"], d["TargetArn"]), ("CLAIMED", instance_arn(instance_id)))
        east.update_phone_number(PhoneNumberId=phone_id, TargetArn=tdg["Arn"], ClientToken=token())
        self.settle()
        d = self.describe_number(phone_id)
        self.assertEqual((d["PhoneNumberStatus"]["Status"], d["TargetArn"]), ("CLAIMED", tdg["Arn"]))

        # The group holds a number: no delete. Release, then delete.
        with self.assertAwsError("ResourceInUseException", 409):
            east.delete_traffic_distribution_group(TrafficDistributionGroupId=tdg["Id"])
        east.release_phone_number(PhoneNumberId=phone_id, ClientToken=token())
        self.assertEqual(self.v2_numbers(TargetArn=tdg["Arn"]), [])
        east.delete_traffic_distribution_group(TrafficDistributionGroupId=tdg["Id"])
        self.assertEqual(self.describe_tdg(tdg["Id"])["Status"], "PENDING_DELETION")
        self.settle()
        with self.assertAwsError("ResourceNotFoundException", 404):
            east.describe_traffic_distribution_group(TrafficDistributionGroupId=tdg["Id"])
        self.assertEqual([g["IsDefault"] for g in self.list_tdgs()], [True])


if __name__ == "__main__":
    unittest.main()
