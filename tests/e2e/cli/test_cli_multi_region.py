"""Multi-region through the AWS CLI (v1 or v2): ReplicateInstance, traffic distribution groups (TDGs) and a phone
number claimed to a TDG, driven from us-east-1 (home) and us-west-2 (replica) by AWS_DEFAULT_REGION
(SPEC §4, §7; reference/connect-behavior.md §1, §3).

A CLI call costs ~0.7 s, so source instances (fixtures, not under test) are made through boto3; everything
asserted goes through the CLI. Transient states last the transient delay (test_cli.TRANSIENT_DELAY_SECONDS);
the tests move the admin clock instead of waiting.
"""

import unittest

from test_cli import MISSING_ID, SETTLE, CliTestCase, harness

HOME = "us-east-1"
REPLICA = "us-west-2"
NOT_SAME_REGION = "not in the same Region"
instance_arn = harness.instance_arn


def tdg_arn(tdg_id, region=HOME, account=harness.DEFAULT_ACCOUNT):
    return f"arn:aws:connect:{region}:{account}:traffic-distribution-group/{tdg_id}"


def phone_arn(phone_id, region=HOME, account=harness.DEFAULT_ACCOUNT):
    return f"arn:aws:connect:{region}:{account}:phone-number/{phone_id}"


class CliMultiRegionTestCase(CliTestCase):
    def settle(self):
        self.server.advance(SETTLE)

    def instance_boto3(self, alias, identity="SAML", settle=True):
        """A source instance in us-east-1 made through boto3 (fixture only); returns its id."""
        out = self.create_instance(client=self.client(region=HOME), alias=alias, identity=identity)
        if settle:
            self.settle()
        return out["Id"]

    def replicated_boto3(self, alias="cli-mr-home", replica_alias="cli-mr-west"):
        """A SAML instance replicated to us-west-2 through boto3 (fixture only); returns its id."""
        instance_id = self.instance_boto3(alias)
        self.client(region=HOME).replicate_instance(InstanceId=instance_id, ReplicaRegion=REPLICA,
                                                    ReplicaAlias=replica_alias)
        self.settle()
        return instance_id

    def west(self, *args, **kw):
        return self.aws(*args, region=REPLICA, **kw)

    def west_error(self, code, operation, *args, **kw):
        return self.aws_error(code, operation, *args, region=REPLICA, **kw)

    def replicate_args(self, instance_id, replica_region=REPLICA, alias="cli-mr-replica"):
        return ("replicate-instance", "--instance-id", instance_id, "--replica-region", replica_region,
                "--replica-alias", alias)

    def search_args(self, target):
        return ("search-available-phone-numbers", "--target-arn", target, "--phone-number-country-code", "US",
                "--phone-number-type", "DID", "--max-results", "1")

    def number_state(self, phone_id, region=None):
        d = self.aws("describe-phone-number", "--phone-number-id", phone_id, region=region)["ClaimedPhoneNumberSummary"]
        return d["PhoneNumberStatus"]["Status"], d["TargetArn"]


class CliMultiRegionStoryTest(CliMultiRegionTestCase):
    def test_replicate_group_claim_cross_region_move_release_delete(self):
        instance_id = self.instance_boto3("cli-story-home")

        # Replicate: same id, replica-Region ARN; the replica Region sees it with its ReplicationConfiguration.
        rep = self.aws(*self.replicate_args(instance_id, alias="cli-story-west"))
        self.assertEqual(rep, {"Id": instance_id, "Arn": instance_arn(instance_id, region=REPLICA)})
        self.settle()
        d = self.west("describe-instance", "--instance-id", instance_id)
        self.assertEqual(d["Instance"]["Arn"], instance_arn(instance_id, region=REPLICA))
        self.assertEqual(d["ReplicationConfiguration"]["SourceRegion"], HOME)
        self.assertEqual(d["ReplicationConfiguration"]["ReplicationStatusSummaryList"],
                         [{"Region": REPLICA, "ReplicationStatus": "INSTANCE_REPLICATION_COMPLETE"}])

        # A traffic distribution group in the home Region, visible from the replica by ARN only.
        tdg = self.aws("create-traffic-distribution-group", "--name", "cli-story", "--instance-id", instance_id,
                       "--description", "east and west", "--tags", "team=voice")
        self.assertRegex(tdg["Id"], harness.UUID4_RE)
        self.assertEqual(tdg["Arn"], tdg_arn(tdg["Id"]))
        self.settle()
        g = self.west("describe-traffic-distribution-group", "--traffic-distribution-group-id", tdg["Arn"])
        g = g["TrafficDistributionGroup"]
        self.assertEqual((g["Id"], g["Name"], g["Status"], g["IsDefault"], g["InstanceArn"], g["Tags"]),
                         (tdg["Id"], "cli-story", "ACTIVE", False, instance_arn(instance_id), {"team": "voice"}))
        self.west_error("ResourceNotFoundException", "DescribeTrafficDistributionGroup",
                        "describe-traffic-distribution-group", "--traffic-distribution-group-id", tdg["Id"])
        # The CLI follows NextToken itself: pages of one still list the default group and ours.
        listed = self.aws("list-traffic-distribution-groups", "--page-size", "1")
        self.assertEqual(sorted((s["Id"] == tdg["Id"], s["IsDefault"])
                                for s in listed["TrafficDistributionGroupSummaryList"]), [(False, True), (True, False)])

        # Search from both Regions, claim in the home Region.
        number = self.aws(*self.search_args(tdg["Arn"]))["AvailableNumbersList"][0]["PhoneNumber"]
        self.assertEqual(self.west(*self.search_args(tdg["Arn"]))["AvailableNumbersList"][0]["PhoneNumber"], number)
        claim = self.aws("claim-phone-number", "--phone-number", number, "--target-arn", tdg["Arn"])
        phone_id, arn = claim["PhoneNumberId"], claim["PhoneNumberArn"]
        self.assertEqual(arn, phone_arn(phone_id))
        self.assertEqual(self.number_state(phone_id), ("IN_PROGRESS", tdg["Arn"]))
        self.settle()
        self.assertEqual(self.number_state(phone_id), ("CLAIMED", tdg["Arn"]))

        # From the replica Region: described by ARN, not by id; listed; no claim, release or update.
        self.assertEqual(self.number_state(arn, region=REPLICA), ("CLAIMED", tdg["Arn"]))
        self.west_error("ResourceNotFoundException", "DescribePhoneNumber", "describe-phone-number",
                        "--phone-number-id", phone_id)
        v2 = self.west("list-phone-numbers-v2", "--target-arn", tdg["Arn"])["ListPhoneNumbersSummaryList"]
        self.assertEqual([s["PhoneNumber"] for s in v2], [number])
        other = self.west(*self.search_args(tdg["Arn"]))["AvailableNumbersList"][0]["PhoneNumber"]
        self.west_error("InvalidParameterException", "ClaimPhoneNumber", "claim-phone-number", "--phone-number", other,
                        "--target-arn", tdg["Arn"], message_contains=NOT_SAME_REGION)
        self.west_error("InvalidParameterException", "ReleasePhoneNumber", "release-phone-number",
                        "--phone-number-id", arn)
        self.west_error("InvalidParameterException", "UpdatePhoneNumber", "update-phone-number",
                        "--phone-number-id", arn, "--instance-id", instance_id)

        # Move it to the instance and back, in the home Region.
        self.aws("update-phone-number", "--phone-number-id", phone_id, "--instance-id", instance_id)
        self.assertEqual(self.number_state(phone_id), ("IN_PROGRESS", instance_arn(instance_id)))
        self.settle()
        self.assertEqual(self.number_state(phone_id), ("CLAIMED", instance_arn(instance_id)))
        self.aws("update-phone-number", "--phone-number-id", arn, "--target-arn", tdg["Arn"])
        self.settle()
        self.assertEqual(self.number_state(phone_id), ("CLAIMED", tdg["Arn"]))

        # The group holds a number: no delete. Release, then delete.
        self.aws_error("ResourceInUseException", "DeleteTrafficDistributionGroup", "delete-traffic-distribution-group",
                       "--traffic-distribution-group-id", tdg["Id"])
        self.assertEqual(self.aws("release-phone-number", "--phone-number-id", phone_id), {})
        self.assertEqual(self.aws("delete-traffic-distribution-group", "--traffic-distribution-group-id", tdg["Arn"]), {})
        pending = self.aws("describe-traffic-distribution-group", "--traffic-distribution-group-id", tdg["Id"])
        self.assertEqual(pending["TrafficDistributionGroup"]["Status"], "PENDING_DELETION")
        self.settle()
        self.aws_error("ResourceNotFoundException", "DescribeTrafficDistributionGroup",
                       "describe-traffic-distribution-group", "--traffic-distribution-group-id", tdg["Id"])


class CliMultiRegionErrorsTest(CliMultiRegionTestCase):
    def test_replicate_to_the_same_region_or_an_unsupported_pair(self):
        instance_id = self.instance_boto3("cli-pairs")
        self.aws_error("InvalidRequestException", "ReplicateInstance", *self.replicate_args(instance_id, HOME))
        self.aws_error("InvalidRequestException", "ReplicateInstance", *self.replicate_args(instance_id, "eu-west-2"))
        self.assertEqual(self.client(region="eu-west-2").list_instances()["InstanceSummaryList"], [])

    def test_replicate_an_instance_not_saml_or_not_active(self):
        managed = self.instance_boto3("cli-managed", identity="CONNECT_MANAGED")
        self.aws_error("InvalidRequestException", "ReplicateInstance", *self.replicate_args(managed))
        creating = self.instance_boto3("cli-creating", settle=False)
        self.aws_error("InvalidRequestException", "ReplicateInstance",
                       *self.replicate_args(creating, alias="cli-creating-r"))
        self.assertEqual(self.client(region=REPLICA).list_instances()["InstanceSummaryList"], [])

    def test_replicate_twice(self):
        instance_id = self.replicated_boto3()
        self.aws_error("InvalidRequestException", "ReplicateInstance",
                       *self.replicate_args(instance_id, alias="cli-mr-again"))

    def test_create_group_before_replication_or_from_the_replica_region(self):
        instance_id = self.instance_boto3("cli-early")
        self.aws_error("InvalidRequestException", "CreateTrafficDistributionGroup", "create-traffic-distribution-group",
                       "--name", "early", "--instance-id", instance_id)
        self.client(region=HOME).replicate_instance(InstanceId=instance_id, ReplicaRegion=REPLICA,
                                                    ReplicaAlias="cli-early-west")
        self.settle()
        self.west_error("InvalidRequestException", "CreateTrafficDistributionGroup", "create-traffic-distribution-group",
                        "--name", "from-west", "--instance-id", instance_id)
        groups = self.aws("list-traffic-distribution-groups")["TrafficDistributionGroupSummaryList"]
        self.assertEqual([g["IsDefault"] for g in groups], [True])

    def test_default_group_not_deletable_and_no_delete_from_the_replica_region(self):
        instance_id = self.replicated_boto3()
        group = self.aws("list-traffic-distribution-groups")["TrafficDistributionGroupSummaryList"][0]
        self.assertIs(group["IsDefault"], True)
        self.aws_error("InvalidRequestException", "DeleteTrafficDistributionGroup", "delete-traffic-distribution-group",
                       "--traffic-distribution-group-id", group["Id"])
        # A group of our own (fixture through boto3) cannot be deleted from the replica Region either.
        mine = self.client(region=HOME).create_traffic_distribution_group(Name="cli-mine", InstanceId=instance_id)
        self.settle()
        self.west_error("InvalidRequestException", "DeleteTrafficDistributionGroup", "delete-traffic-distribution-group",
                        "--traffic-distribution-group-id", mine["Arn"])
        status = self.aws("describe-traffic-distribution-group", "--traffic-distribution-group-id", mine["Id"])
        self.assertEqual(status["TrafficDistributionGroup"]["Status"], "ACTIVE")

    def test_unknown_instance(self):
        self.aws_error("ResourceNotFoundException", "ReplicateInstance", *self.replicate_args(MISSING_ID))


if __name__ == "__main__":
    unittest.main()
