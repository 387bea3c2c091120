"""Isolation and policy sweep through boto3 (SPEC §3, §4, §7).

One account (the owner) builds a replicated instance, a traffic distribution group, two claimed
numbers (one on the instance, one on the group), a flow association and tags. Then every operation
in scope is called, with every id or ARN of those resources in every form a client can send (bare
id, ARN, other partition, other service, other account, other region, a region where Connect does not
run, the legacy v1 number ARN, near-miss shapes):
  - by another account, and by the owner from an unrelated region: always refused, never a leak;
  - by the owner's own account under policies that deny each resource kind: AccessDenied for every
    accepted form, refused for the rest.
Afterwards the owner's describe and list answers are exactly what they were before.
"""

import json
import unittest
import uuid

import botocore

from harness import ServerTestCase

OWNER, OTHER = "111111111111", "222222222222"
HOME, REPLICA, UNRELATED = "us-east-1", "us-west-2", "eu-central-1"
SETTLE = 61

ALLOW_ALL = {"Effect": "Allow", "Action": "connect:*", "Resource": "*"}


def deny(resource):
    return {"Version": "2012-10-17",
            "Statement": [ALLOW_ALL, {"Effect": "Deny", "Action": "connect:*", "Resource": resource}]}


DENY_PATTERNS = {
    "instance": f"arn:aws:connect:*:{OWNER}:instance/*",
    "phone-number": f"arn:aws:connect:*:{OWNER}:phone-number/*",
    "traffic-distribution-group": f"arn:aws:connect:*:{OWNER}:traffic-distribution-group/*",
    "contact-flow": f"arn:aws:connect:*:{OWNER}:instance/*/contact-flow/*",
}
CREDENTIALS = [
    {"access_key_id": "AKIDOWNER", "secret_access_key": "s-owner", "account_id": OWNER},
    {"access_key_id": "AKIDOTHER", "secret_access_key": "s-other", "account_id": OTHER},
] + [{"access_key_id": f"AKIDDENY{i}", "secret_access_key": "s-deny", "account_id": OWNER, "policy": deny(p)}
     for i, p in enumerate(DENY_PATTERNS.values())]
DENY_KEY = {kind: f"AKIDDENY{i}" for i, kind in enumerate(DENY_PATTERNS)}

# What a refusal may be: never success, never a 500.
REFUSALS = {"ResourceNotFoundException", "InvalidParameterException", "InvalidRequestException"}
FLOW_CONTENT = json.dumps({"Version": "2019-10-30", "StartAction": "d", "Metadata": {},
                           "Actions": [{"Identifier": "d", "Type": "DisconnectParticipant", "Parameters": {},
                                        "Transitions": {}}]})


def forms(arn, bare_id, legacy=None):
    """Every way a client may name the resource `arn`: {label: (text, accepted_from_the_owners_home)}."""
    p = arn.split(":", 5)

    def with_part(i, value):
        q = list(p)
        q[i] = value
        return ":".join(q)

    out = {
        "bare": (bare_id, True),
        "arn": (arn, True),
        "partition aws-cn": (with_part(1, "aws-cn"), False),
        "partition aws-us-gov": (with_part(1, "aws-us-gov"), False),
        "partition empty": (with_part(1, ""), False),
        "service": (with_part(2, "connect-campaigns"), False),
        "other account": (with_part(4, OTHER), False),
        "other region": (with_part(3, UNRELATED), False),
        "not a Connect region": (with_part(3, "zz-evil-9"), False),
        "upper-case id": (arn.replace(bare_id, bare_id.upper()), False),
        "trailing slash": (arn + "/", False),
        "bare id with space": (bare_id + " ", False),
    }
    if legacy:
        out["legacy v1 ARN"] = (legacy, False)
    return out


class IsolationTest(ServerTestCase):
    credentials = CREDENTIALS
    transient_delay = "60s"
    reset_between_tests = False  # one fixture for the class; every test proves it unchanged

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        owner = cls.owner = s.client(key="AKIDOWNER", secret="s-owner", region=HOME)
        west = s.client(key="AKIDOWNER", secret="s-owner", region=REPLICA)
        inst = owner.create_instance(IdentityManagementType="SAML", InstanceAlias="owner-home",
                                     InboundCallsEnabled=True, OutboundCallsEnabled=True)
        s.advance(SETTLE)
        owner.replicate_instance(InstanceId=inst["Id"], ReplicaRegion=REPLICA, ReplicaAlias="owner-replica")
        s.advance(SETTLE)
        tdg = owner.create_traffic_distribution_group(Name="owner-tdg", InstanceId=inst["Id"])
        s.advance(SETTLE)
        numbers = []
        for target in (inst["Arn"], tdg["Arn"]):
            found = owner.search_available_phone_numbers(TargetArn=target, PhoneNumberCountryCode="US",
                                                         PhoneNumberType="DID", MaxResults=1)
            number = found["AvailableNumbersList"][0]["PhoneNumber"]
            numbers.append(owner.claim_phone_number(PhoneNumber=number, TargetArn=target,
                                                    PhoneNumberDescription="owner's", ClientToken=str(uuid.uuid4())))
        s.advance(SETTLE)
        flows = owner.list_contact_flows(InstanceId=inst["Id"])["ContactFlowSummaryList"]
        flow = next(f for f in flows if f["Name"] == "Default inbound")
        owner.associate_phone_number_contact_flow(PhoneNumberId=numbers[0]["PhoneNumberId"], InstanceId=inst["Id"],
                                                  ContactFlowId=flow["Id"])
        for arn in (inst["Arn"], tdg["Arn"], numbers[0]["PhoneNumberArn"], flow["Arn"]):
            owner.tag_resource(resourceArn=arn, tags={"owner": "yes"})
        cls.inst, cls.tdg, cls.numbers, cls.flow = inst, tdg, numbers, flow
        cls.west = west

        # Every caller gets its own instance, flow and claimed number to point at the owner's resources.
        cls.own = {}
        for key, secret, region in (("AKIDOTHER", "s-other", HOME), ("AKIDOWNER", "s-owner", UNRELATED)):
            c = s.client(key=key, secret=secret, region=region, validate=False)
            mine = c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias=f"own-{key.lower()}",
                                     InboundCallsEnabled=True, OutboundCallsEnabled=True)
            cls.own[(key, region)] = cls._own_resources(c, mine)
        for kind, key in DENY_KEY.items():
            # Denied callers use the owner's own instance (their account's) as the context resource.
            cls.own[(key, HOME)] = {"inst": inst, "flow": flow, "number": numbers[0]}
        s.advance(SETTLE)
        cls.before = cls.snapshot()

    @classmethod
    def _own_resources(cls, c, mine):
        cls.server.advance(SETTLE)
        found = c.search_available_phone_numbers(TargetArn=mine["Arn"], PhoneNumberCountryCode="US",
                                                 PhoneNumberType="DID", MaxResults=1)["AvailableNumbersList"]
        number = c.claim_phone_number(PhoneNumber=found[0]["PhoneNumber"], TargetArn=mine["Arn"])
        flows = c.list_contact_flows(InstanceId=mine["Id"])["ContactFlowSummaryList"]
        return {"inst": mine, "flow": flows[0], "number": number}

    @classmethod
    def snapshot(cls):
        """Everything the owner can see of its resources, from both of its regions."""
        o, w, inst, tdg = cls.owner, cls.west, cls.inst, cls.tdg
        view = {
            "instances": o.list_instances()["InstanceSummaryList"],
            "instance": o.describe_instance(InstanceId=inst["Id"])["Instance"],
            "replica": w.describe_instance(InstanceId=inst["Id"])["Instance"],
            "tdg": o.describe_traffic_distribution_group(TrafficDistributionGroupId=tdg["Id"]),
            "tdgs": o.list_traffic_distribution_groups(InstanceId=inst["Id"])["TrafficDistributionGroupSummaryList"],
            "numbers v2": o.list_phone_numbers_v2()["ListPhoneNumbersSummaryList"],
            "numbers v1": o.list_phone_numbers(InstanceId=inst["Id"])["PhoneNumberSummaryList"],
            "flows": o.list_contact_flows(InstanceId=inst["Id"])["ContactFlowSummaryList"],
            "flow": o.describe_contact_flow(InstanceId=inst["Id"], ContactFlowId=cls.flow["Id"])["ContactFlow"],
            "associations": o.list_flow_associations(InstanceId=inst["Id"])["FlowAssociationSummaryList"],
        }
        for n in cls.numbers:
            view[n["PhoneNumberId"]] = o.describe_phone_number(PhoneNumberId=n["PhoneNumberId"])
        for arn in (inst["Arn"], tdg["Arn"], cls.numbers[0]["PhoneNumberArn"], cls.flow["Arn"]):
            view["tags " + arn] = o.list_tags_for_resource(resourceArn=arn)["tags"]
        for v in view.values():
            if isinstance(v, dict):
                v.pop("ResponseMetadata", None)
        return view

    def assert_unchanged(self):
        after = self.snapshot()
        for key in self.before:
            self.assertEqual(after[key], self.before[key], key)

    # ---- the calls: each takes the text naming one of the owner's resources ----
    def calls(self, own):
        """{resource kind: [(operation, kwargs builder)]}: every operation with every member naming that kind."""
        inst_id, flow_id = self.inst["Id"], self.flow["Id"]
        own_inst, own_flow, own_number = own["inst"], own["flow"], own["number"]
        search = {"PhoneNumberCountryCode": "US", "PhoneNumberType": "DID", "MaxResults": 1}
        target_ops = [
            ("claim_phone_number", lambda t: {"TargetArn": t, "PhoneNumber": "+12065550100"}),
            ("search_available_phone_numbers", lambda t: {"TargetArn": t, **search}),
            ("list_phone_numbers_v2", lambda t: {"TargetArn": t}),
            ("update_phone_number", lambda t: {"PhoneNumberId": own_number["PhoneNumberId"], "TargetArn": t}),
        ]
        return {
            "instance": [
                ("describe_instance", lambda t: {"InstanceId": t}),
                ("delete_instance", lambda t: {"InstanceId": t}),
                ("replicate_instance", lambda t: {"InstanceId": t, "ReplicaRegion": REPLICA, "ReplicaAlias": "x"}),
                ("list_phone_numbers", lambda t: {"InstanceId": t}),
                ("list_phone_numbers_v2", lambda t: {"InstanceId": t}),
                ("search_available_phone_numbers", lambda t: {"InstanceId": t, **search}),
                ("claim_phone_number", lambda t: {"InstanceId": t, "PhoneNumber": "+12065550100"}),
                ("update_phone_number", lambda t: {"PhoneNumberId": own_number["PhoneNumberId"], "InstanceId": t}),
                ("create_traffic_distribution_group", lambda t: {"InstanceId": t, "Name": "evil"}),
                ("list_traffic_distribution_groups", lambda t: {"InstanceId": t}),
                ("create_contact_flow", lambda t: {"InstanceId": t, "Name": "evil", "Type": "CONTACT_FLOW",
                                                   "Content": FLOW_CONTENT}),
                ("list_contact_flows", lambda t: {"InstanceId": t}),
                ("list_flow_associations", lambda t: {"InstanceId": t}),
                ("describe_contact_flow", lambda t: {"InstanceId": t, "ContactFlowId": flow_id}),
                ("delete_contact_flow", lambda t: {"InstanceId": t, "ContactFlowId": flow_id}),
                ("disassociate_phone_number_contact_flow",
                 lambda t: {"InstanceId": t, "PhoneNumberId": self.numbers[0]["PhoneNumberArn"]}),
                ("import_phone_number", lambda t: {
                    "InstanceId": t,
                    "SourcePhoneNumberArn": "arn:aws:sms-voice:us-east-1:111111111111:phone-number/phone-"
                                            "0123456789abcdef0123456789abcdef"}),
                ("tag_resource", lambda t: {"resourceArn": t, "tags": {"evil": "yes"}}),
                ("untag_resource", lambda t: {"resourceArn": t, "tagKeys": ["owner"]}),
                ("list_tags_for_resource", lambda t: {"resourceArn": t}),
            ] + target_ops,
            "traffic-distribution-group": [
                ("describe_traffic_distribution_group", lambda t: {"TrafficDistributionGroupId": t}),
                ("delete_traffic_distribution_group", lambda t: {"TrafficDistributionGroupId": t}),
                ("tag_resource", lambda t: {"resourceArn": t, "tags": {"evil": "yes"}}),
                ("untag_resource", lambda t: {"resourceArn": t, "tagKeys": ["owner"]}),
                ("list_tags_for_resource", lambda t: {"resourceArn": t}),
            ] + target_ops,
            "phone-number": [
                ("describe_phone_number", lambda t: {"PhoneNumberId": t}),
                ("release_phone_number", lambda t: {"PhoneNumberId": t}),
                ("update_phone_number", lambda t: {"PhoneNumberId": t, "TargetArn": own_inst["Arn"]}),
                ("update_phone_number_metadata", lambda t: {"PhoneNumberId": t, "PhoneNumberDescription": "evil"}),
                ("associate_phone_number_contact_flow",
                 lambda t: {"PhoneNumberId": t, "InstanceId": own_inst["Id"], "ContactFlowId": own_flow["Id"]}),
                ("disassociate_phone_number_contact_flow",
                 lambda t: {"PhoneNumberId": t, "InstanceId": own_inst["Id"]}),
                ("tag_resource", lambda t: {"resourceArn": t, "tags": {"evil": "yes"}}),
                ("untag_resource", lambda t: {"resourceArn": t, "tagKeys": ["owner"]}),
                ("list_tags_for_resource", lambda t: {"resourceArn": t}),
            ],
            "contact-flow": [
                ("describe_contact_flow", lambda t: {"InstanceId": inst_id, "ContactFlowId": t}),
                ("delete_contact_flow", lambda t: {"InstanceId": inst_id, "ContactFlowId": t}),
                ("associate_phone_number_contact_flow",
                 lambda t: {"PhoneNumberId": own_number["PhoneNumberId"], "InstanceId": own_inst["Id"],
                            "ContactFlowId": t}),
                ("tag_resource", lambda t: {"resourceArn": t, "tags": {"evil": "yes"}}),
                ("untag_resource", lambda t: {"resourceArn": t, "tagKeys": ["owner"]}),
                ("list_tags_for_resource", lambda t: {"resourceArn": t}),
            ],
        }

    def resource_forms(self):
        inst, tdg, n0, flow = self.inst, self.tdg, self.numbers[0], self.flow
        return {
            "instance": forms(inst["Arn"], inst["Id"]),
            "traffic-distribution-group": forms(tdg["Arn"], tdg["Id"]),
            "phone-number": forms(n0["PhoneNumberArn"], n0["PhoneNumberId"],
                                  legacy=f"{inst['Arn']}/phone-number/{n0['PhoneNumberId']}"),
            "contact-flow": forms(flow["Arn"], flow["Id"]),
        }

    def secrets(self):
        """Values that must never appear in an answer to another account or region."""
        return [self.inst["Id"], self.tdg["Id"], self.flow["Id"]] + [n["PhoneNumberId"] for n in self.numbers]

    def call(self, client, op, kwargs):
        """(error code or None, response or error body)."""
        try:
            return None, getattr(client, op)(**kwargs)
        except botocore.exceptions.ClientError as e:
            return e.response["Error"]["Code"], e.response

    def sweep_refused(self, key, secret, region):
        client = self.server.client(key=key, secret=secret, region=region, validate=False)
        own = self.own[(key, region)]
        count = 0
        for kind, ops in self.calls(own).items():
            for label, (text, _) in self.resource_forms()[kind].items():
                for op, build in ops:
                    with self.subTest(kind=kind, form=label, op=op):
                        code, out = self.call(client, op, build(text))
                        count += 1
                        if code is None:
                            # Only a read may answer, and then with nothing of the owner's.
                            self.assertTrue(op.startswith(("list_", "search_")), f"{op} succeeded: {out}")
                            for s in self.secrets():
                                self.assertNotIn(s, json.dumps(out, default=str))
                        else:
                            self.assertIn(code, REFUSALS, out)
                            self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"] // 100, 4, out)
        self.assertGreater(count, 400)
        self.assert_unchanged()

    def test_another_account_sees_and_changes_nothing(self):
        self.sweep_refused("AKIDOTHER", "s-other", HOME)

    def test_an_unrelated_region_of_the_same_account_sees_and_changes_nothing(self):
        self.sweep_refused("AKIDOWNER", "s-owner", UNRELATED)

    def test_policies_denying_each_resource_kind(self):
        own_kind = {"instance", "traffic-distribution-group", "phone-number", "contact-flow"}
        for kind in own_kind:
            client = self.server.client(key=DENY_KEY[kind], secret="s-deny", region=HOME, validate=False)
            ops = self.calls(self.own[(DENY_KEY[kind], HOME)])[kind]
            for label, (text, accepted) in self.resource_forms()[kind].items():
                for op, build in ops:
                    with self.subTest(kind=kind, form=label, op=op):
                        code, out = self.call(client, op, build(text))
                        # TargetArn and resourceArn take ARNs only: a bare id there is refused, not denied.
                        arn_only = "TargetArn" in build("x") and build("x")["TargetArn"] == "x" or \
                            build("x").get("resourceArn") == "x"
                        if accepted and not (arn_only and label == "bare"):
                            self.assertEqual(code, "AccessDeniedException", out)
                            self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 403)
                            action = "connect:" + "".join(w.capitalize() for w in op.split("_"))
                            self.assertIn(action, out["Error"]["Message"])
                        else:
                            self.assertIsNotNone(code, f"{op} with {label} succeeded: {out}")
                            self.assertIn(code, REFUSALS | {"AccessDeniedException"}, out)
        self.assert_unchanged()

    def test_denied_message_names_the_canonical_arn_of_a_bare_id(self):
        client = self.server.client(key=DENY_KEY["phone-number"], secret="s-deny", region=HOME)
        n = self.numbers[0]
        with self.assertAwsError("AccessDeniedException", 403,
                                 message_contains=["connect:UpdatePhoneNumber", n["PhoneNumberArn"]]):
            client.update_phone_number(PhoneNumberId=n["PhoneNumberId"], TargetArn=self.inst["Arn"])
        flow_client = self.server.client(key=DENY_KEY["contact-flow"], secret="s-deny", region=HOME)
        with self.assertAwsError("AccessDeniedException", 403,
                                 message_contains=["connect:DescribeContactFlow", self.flow["Arn"]]):
            flow_client.describe_contact_flow(InstanceId=self.inst["Id"], ContactFlowId=self.flow["Id"])
        self.assert_unchanged()

    def test_the_owner_reaches_everything_through_the_accepted_forms(self):
        o, w = self.owner, self.west
        for label, (text, accepted) in self.resource_forms()["instance"].items():
            with self.subTest(form=label):
                code, out = self.call(o, "describe_instance", {"InstanceId": text})
                self.assertEqual(code is None, accepted, out)
        for label, (text, accepted) in self.resource_forms()["phone-number"].items():
            with self.subTest(form=label):
                code, out = self.call(o, "describe_phone_number", {"PhoneNumberId": text})
                self.assertEqual(code is None, accepted, out)
        # The replica region reaches the group and its number only by full ARN (SPEC §7).
        tdg_number = self.numbers[1]
        self.assertEqual(self.call(w, "describe_phone_number", {"PhoneNumberId": tdg_number["PhoneNumberArn"]})[0],
                         None)
        self.assertEqual(self.call(w, "describe_phone_number", {"PhoneNumberId": tdg_number["PhoneNumberId"]})[0],
                         "ResourceNotFoundException")
        self.assertEqual(self.call(w, "describe_traffic_distribution_group",
                                   {"TrafficDistributionGroupId": self.tdg["Arn"]})[0], None)
        self.assertEqual(self.call(w, "describe_traffic_distribution_group",
                                   {"TrafficDistributionGroupId": self.tdg["Id"]})[0], "ResourceNotFoundException")
        self.assert_unchanged()


if __name__ == "__main__":
    unittest.main()
