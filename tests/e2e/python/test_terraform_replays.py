"""The Terraform AWS provider's Connect resources, replayed call by call with boto3.

Each test makes the calls hashicorp/terraform-provider-aws makes (internal/service/connect:
instance.go, contact_flow.go, phone_number.go, phone_number_contact_flow_association.go, their
waiters and finders, the data sources) with the same operations and parameters, in the order of
create -> read (refresh) -> update -> import (a read from the id alone) -> destroy, and asserts what
the provider would put in its state. Waiters poll Describe* while the admin clock moves forward.
"""

import json
import uuid

import botocore

from harness import DEFAULT_ACCOUNT, REGION, ServerTestCase, instance_arn

SETTLE = 61  # > the harness's 60 s transient delay
# instance.go: the attribute mapping (InstanceAttributeType -> schema key) and its defaults,
# "verified default result from ListInstanceAttributes()".
INSTANCE_ATTRIBUTES = {
    "AUTO_RESOLVE_BEST_VOICES": ("auto_resolve_best_voices_enabled", True),
    "CONTACT_LENS": ("contact_lens_enabled", True),
    "CONTACTFLOW_LOGS": ("contact_flow_logs_enabled", False),
    "EARLY_MEDIA": ("early_media_enabled", True),
    "MULTI_PARTY_CONFERENCE": ("multi_party_conference_enabled", False),
    "MULTI_PARTY_CHAT_CONFERENCE": ("multi_party_chat_conference_enabled", False),
}
FLOW = {"Version": "2019-10-30", "StartAction": "12345678-1234-1234-1234-123456789012", "Metadata": {},
        "Actions": [{"Identifier": "12345678-1234-1234-1234-123456789012", "Type": "DisconnectParticipant",
                     "Parameters": {}, "Transitions": {}}]}


def code_of(e):
    return e.response["Error"]["Code"]


class ProviderReplay(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.c = self.client()

    # ---- the provider's waiters (retry.StateChangeConf): refresh until a target state ----
    def wait(self, refresh, pending, target, polls=5):
        """Polls refresh() -> state (None = not found); moves the admin clock between polls."""
        for _ in range(polls):
            state = refresh()
            if state in target or (state is None and not target):
                return state
            self.assertIn(state, pending, f"unexpected state {state!r}")
            self.server.advance(SETTLE)
        self.fail(f"still {state!r} after {polls} polls")

    def instance_status(self, instance_id):
        try:
            return self.c.describe_instance(InstanceId=instance_id)["Instance"]["InstanceStatus"]
        except botocore.exceptions.ClientError as e:
            if code_of(e) == "ResourceNotFoundException":
                return None
            raise

    def phone_number_status(self, phone_id):
        try:
            return self.c.describe_phone_number(PhoneNumberId=phone_id)["ClaimedPhoneNumberSummary"][
                "PhoneNumberStatus"]["Status"]
        except botocore.exceptions.ClientError as e:
            if code_of(e) == "ResourceNotFoundException":
                return None
            raise

    # ---- aws_connect_instance ----
    def instance_create(self, alias, attributes=None, tags=None):
        out = self.c.create_instance(ClientToken=str(uuid.uuid4()), IdentityManagementType="CONNECT_MANAGED",
                                     InboundCallsEnabled=True, OutboundCallsEnabled=True, InstanceAlias=alias,
                                     **({"Tags": tags} if tags else {}))
        instance_id = out["Id"]
        self.wait(lambda: self.instance_status(instance_id), ["CREATION_IN_PROGRESS"], ["ACTIVE"])
        for att, value in (attributes or {}).items():
            self.c.update_instance_attribute(InstanceId=instance_id, AttributeType=att, Value=str(value).lower())
        return instance_id

    def instance_read(self, instance_id):
        """resourceInstanceRead: DescribeInstance, then DescribeInstanceAttribute per mapped attribute."""
        try:
            inst = self.c.describe_instance(InstanceId=instance_id)["Instance"]
        except botocore.exceptions.ClientError as e:
            if code_of(e) == "ResourceNotFoundException":
                return None  # removed from state
            raise
        state = {"id": inst["Id"], "arn": inst["Arn"], "status": inst["InstanceStatus"],
                 "identity_management_type": inst["IdentityManagementType"],
                 "inbound_calls_enabled": inst["InboundCallsEnabled"],
                 "outbound_calls_enabled": inst["OutboundCallsEnabled"], "instance_alias": inst.get("InstanceAlias"),
                 "service_role": inst["ServiceRole"], "created_time": inst["CreatedTime"],
                 "tags": self.c.list_tags_for_resource(resourceArn=inst["Arn"])["tags"]}
        for att, (key, _) in INSTANCE_ATTRIBUTES.items():
            value = self.c.describe_instance_attribute(InstanceId=instance_id, AttributeType=att)["Attribute"]
            self.assertEqual(value["AttributeType"], att)
            self.assertIn(value["Value"], ("true", "false"))  # strconv.ParseBool
            state[key] = value["Value"] == "true"
        return state

    def test_instance_lifecycle(self):
        instance_id = self.instance_create("tf-instance", {"CONTACT_LENS": False, "CONTACTFLOW_LOGS": True},
                                           tags={"env": "test"})
        state = self.instance_read(instance_id)
        self.assertEqual(state["status"], "ACTIVE")
        self.assertEqual(state["arn"], instance_arn(instance_id))
        self.assertEqual(state["tags"], {"env": "test"})
        expected = {key: default for key, default in INSTANCE_ATTRIBUTES.values()}
        expected.update(contact_lens_enabled=False, contact_flow_logs_enabled=True)
        self.assertEqual({k: state[k] for k in expected}, expected)
        # Refresh is stable: a second read gives the same state (no drift).
        self.assertEqual(self.instance_read(instance_id), state)
        # Update: only changed attributes, one UpdateInstanceAttribute each; tags through Tag/Untag.
        self.c.update_instance_attribute(InstanceId=instance_id, AttributeType="EARLY_MEDIA", Value="false")
        self.c.update_instance_attribute(InstanceId=instance_id, AttributeType="INBOUND_CALLS", Value="false")
        self.c.tag_resource(resourceArn=state["arn"], tags={"team": "voice"})
        self.c.untag_resource(resourceArn=state["arn"], tagKeys=["env"])
        updated = self.instance_read(instance_id)
        self.assertFalse(updated["early_media_enabled"])
        self.assertFalse(updated["inbound_calls_enabled"])  # the instance's own flag
        self.assertTrue(updated["outbound_calls_enabled"])
        self.assertEqual(updated["tags"], {"team": "voice"})
        # Import (ImportStatePassthroughContext): a read from the id alone gives the same state.
        self.assertEqual(self.instance_read(instance_id), updated)
        # Data source aws_connect_instance by alias: ListInstances pages, match InstanceAlias.
        found = [s for p in self.c.get_paginator("list_instances").paginate() for s in p["InstanceSummaryList"]
                 if s.get("InstanceAlias") == "tf-instance"]
        self.assertEqual([s["Id"] for s in found], [instance_id])
        # Destroy: DeleteInstance, then wait until Describe is ResourceNotFound; a second destroy
        # (RNF) succeeds, and a refresh removes the resource from state.
        self.c.delete_instance(InstanceId=instance_id)
        self.wait(lambda: self.instance_status(instance_id), ["ACTIVE", "CREATION_IN_PROGRESS"], [])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.c.delete_instance(InstanceId=instance_id)
        self.assertEqual(code_of(cm.exception), "ResourceNotFoundException")
        self.assertIsNone(self.instance_read(instance_id))
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.c.describe_instance_attribute(InstanceId=instance_id, AttributeType="CONTACT_LENS")
        self.assertEqual(code_of(cm.exception), "ResourceNotFoundException")

    def test_instance_attributes_validation_and_listing(self):
        instance_id = self.instance_create("tf-attributes")
        listed = [a for p in self.c.get_paginator("list_instance_attributes").paginate(InstanceId=instance_id)
                  for a in p["Attributes"]]
        types = [a["AttributeType"] for a in listed]
        model_enum = self.c.meta.service_model.shape_for("InstanceAttributeType").enum
        self.assertEqual(sorted(types), sorted(model_enum))  # every attribute type, once
        self.assertEqual(len(self.c.list_instance_attributes(InstanceId=instance_id, MaxResults=3)["Attributes"]), 3)
        for att in model_enum:
            described = self.c.describe_instance_attribute(InstanceId=instance_id, AttributeType=att)["Attribute"]
            self.assertIn(described, listed)
        raw = self.client(validate=False)
        # The model's validation answers the operation's InvalidParameterException, as does a value
        # that is not a switch.
        for bad, code in ((dict(AttributeType="NOPE", Value="true"), "InvalidParameterException"),
                          (dict(AttributeType="CONTACT_LENS", Value="maybe"), "InvalidParameterException"),
                          (dict(AttributeType="CONTACT_LENS", Value=""), "InvalidParameterException")):
            with self.subTest(bad=bad), self.assertRaises(botocore.exceptions.ClientError) as cm:
                raw.update_instance_attribute(InstanceId=instance_id, **bad)
            self.assertEqual(code_of(cm.exception), code, cm.exception.response)
        self.assertEqual(self.c.describe_instance_attribute(InstanceId=instance_id, AttributeType="CONTACT_LENS")[
            "Attribute"]["Value"], "true")  # nothing changed
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.c.update_instance_attribute(InstanceId="11111111-2222-4333-8444-555555555555",
                                             AttributeType="CONTACT_LENS", Value="true")
        self.assertEqual(code_of(cm.exception), "ResourceNotFoundException")

    # ---- aws_connect_contact_flow ----
    def flow_read(self, resource_id):
        instance_id, flow_id = resource_id.split(":", 1)  # ContactFlowParseID
        try:
            flow = self.c.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)["ContactFlow"]
        except botocore.exceptions.ClientError as e:
            if code_of(e) == "ResourceNotFoundException":
                return None
            raise
        return {"arn": flow["Arn"], "contact_flow_id": flow["Id"], "instance_id": instance_id, "name": flow["Name"],
                "description": flow.get("Description"), "type": flow["Type"], "content": json.loads(flow["Content"]),
                "tags": flow.get("Tags", {})}

    def test_contact_flow_lifecycle(self):
        instance_id = self.instance_create("tf-flows")
        out = self.c.create_contact_flow(InstanceId=instance_id, Name="tf flow", Type="CONTACT_FLOW",
                                         Description="first", Content=json.dumps(FLOW), Tags={"a": "1"})
        resource_id = f"{instance_id}:{out['ContactFlowId']}"
        state = self.flow_read(resource_id)
        self.assertEqual((state["name"], state["description"], state["type"], state["content"], state["tags"]),
                         ("tf flow", "first", "CONTACT_FLOW", FLOW, {"a": "1"}))
        # Update: name/description together, then content, then tags.
        self.c.update_contact_flow_name(InstanceId=instance_id, ContactFlowId=out["ContactFlowId"], Name="tf flow 2",
                                        Description="")
        changed = dict(FLOW, Metadata={"entryPointPosition": {"x": 1, "y": 2}})
        self.c.update_contact_flow_content(InstanceId=instance_id, ContactFlowId=out["ContactFlowId"],
                                           Content=json.dumps(changed))
        self.c.tag_resource(resourceArn=state["arn"], tags={"b": "2"})
        state = self.flow_read(resource_id)
        self.assertEqual((state["name"], state["description"], state["content"], state["tags"]),
                         ("tf flow 2", "", changed, {"a": "1", "b": "2"}))
        # Metadata (CloudFormation's path) archives and renames.
        self.c.update_contact_flow_metadata(InstanceId=instance_id, ContactFlowId=state["arn"],
                                            ContactFlowState="ARCHIVED", Description="archived")
        flow = self.c.describe_contact_flow(InstanceId=instance_id, ContactFlowId=out["ContactFlowId"])["ContactFlow"]
        self.assertEqual((flow["State"], flow["Name"], flow["Description"]), ("ARCHIVED", "tf flow 2", "archived"))
        # Errors of the real service: a name taken, invalid content, unknown flow; nothing changes.
        default_inbound = next(f for f in self.c.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"]
                               if f["Name"] == "Default inbound")
        for call, code in (
            (lambda: self.c.update_contact_flow_name(InstanceId=instance_id, ContactFlowId=out["ContactFlowId"],
                                                     Name="Default inbound"), "DuplicateResourceException"),
            (lambda: self.c.update_contact_flow_metadata(InstanceId=instance_id, ContactFlowId=out["ContactFlowId"],
                                                         Name="Default inbound"), "DuplicateResourceException"),
            (lambda: self.c.update_contact_flow_content(InstanceId=instance_id, ContactFlowId=out["ContactFlowId"],
                                                        Content="{not json"), "InvalidContactFlowException"),
            (lambda: self.c.update_contact_flow_name(InstanceId=instance_id,
                                                     ContactFlowId="11111111-2222-4333-8444-555555555555", Name="x"),
             "ResourceNotFoundException"),
        ):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                call()
            self.assertEqual(code_of(cm.exception), code)
        self.assertEqual(self.flow_read(resource_id)["content"], changed)
        self.assertEqual(self.flow_read(f"{instance_id}:{default_inbound['Id']}")["name"], "Default inbound")
        # Data source aws_connect_contact_flow by name: ListContactFlows pages, then DescribeContactFlow.
        by_name = [f for p in self.c.get_paginator("list_contact_flows").paginate(InstanceId=instance_id)
                   for f in p["ContactFlowSummaryList"] if f["Name"] == "tf flow 2"]
        self.assertEqual(len(by_name), 1)
        self.assertEqual(by_name[0]["ContactFlowState"], "ARCHIVED")
        # Import is a read of "instance:flow"; destroy; refresh removes it.
        self.assertEqual(self.flow_read(resource_id)["name"], "tf flow 2")
        self.c.delete_contact_flow(InstanceId=instance_id, ContactFlowId=out["ContactFlowId"])
        self.assertIsNone(self.flow_read(resource_id))

    # ---- aws_connect_phone_number and aws_connect_phone_number_contact_flow_association ----
    def phone_number_read(self, phone_id):
        try:
            s = self.c.describe_phone_number(PhoneNumberId=phone_id)["ClaimedPhoneNumberSummary"]
        except botocore.exceptions.ClientError as e:
            if code_of(e) == "ResourceNotFoundException":
                return None
            raise
        status = {"status": s["PhoneNumberStatus"]["Status"]}
        if "Message" in s["PhoneNumberStatus"]:
            status["message"] = s["PhoneNumberStatus"]["Message"]
        return {"arn": s["PhoneNumberArn"], "country_code": s["PhoneNumberCountryCode"],
                "description": s.get("PhoneNumberDescription"), "phone_number": s["PhoneNumber"], "status": status,
                "target_arn": s["TargetArn"], "type": s["PhoneNumberType"], "tags": s.get("Tags", {})}

    def test_phone_number_and_flow_association_lifecycle(self):
        first = self.instance_create("tf-phones-a")
        second = self.instance_create("tf-phones-b")
        target = instance_arn(first)
        # Create: search MaxResults=1 with the configured filters, claim [0] with a UUID token.
        found = self.c.search_available_phone_numbers(TargetArn=target, PhoneNumberCountryCode="CA",
                                                      PhoneNumberType="TOLL_FREE", MaxResults=1)
        number = found["AvailableNumbersList"][0]["PhoneNumber"]
        claimed = self.c.claim_phone_number(ClientToken=str(uuid.uuid4()), PhoneNumber=number, TargetArn=target,
                                            PhoneNumberDescription="tf number", Tags={"k": "v"})
        phone_id = claimed["PhoneNumberId"]
        self.wait(lambda: self.phone_number_status(phone_id), ["IN_PROGRESS"], ["CLAIMED"])
        state = self.phone_number_read(phone_id)
        self.assertEqual(state, {"arn": claimed["PhoneNumberArn"], "country_code": "CA", "description": "tf number",
                                 "phone_number": number, "status": {"status": "CLAIMED"}, "target_arn": target,
                                 "type": "TOLL_FREE", "tags": {"k": "v"}})
        # The association: Associate, then its finder (ListFlowAssociations of the instance).
        flows = self.c.list_contact_flows(InstanceId=first, ContactFlowTypes=["CONTACT_FLOW"])["ContactFlowSummaryList"]
        flow = next(f for f in flows if f["Name"] == "Default inbound")
        self.c.associate_phone_number_contact_flow(PhoneNumberId=phone_id, InstanceId=first, ContactFlowId=flow["Id"])
        association_id = f"{phone_id},{first},{flow['Id']}"

        def association_read(resource_id):
            pid, iid, fid = resource_id.split(",")
            pages = self.c.get_paginator("list_flow_associations").paginate(InstanceId=iid,
                                                                            ResourceType="VOICE_PHONE_NUMBER")
            arn = f"arn:aws:connect:{REGION}:{DEFAULT_ACCOUNT}:phone-number/{pid}"
            for p in pages:
                for a in p["FlowAssociationSummaryList"]:
                    if a["ResourceId"] == arn and a["FlowId"].endswith("/contact-flow/" + fid):
                        return a
            return None

        self.assertIsNotNone(association_read(association_id))
        # Update: move to the other instance (drops the association), wait, tags via Tag/Untag.
        self.c.update_phone_number(ClientToken=str(uuid.uuid4()), PhoneNumberId=phone_id, TargetArn=instance_arn(second))
        self.wait(lambda: self.phone_number_status(phone_id), ["IN_PROGRESS"], ["CLAIMED"])
        self.c.tag_resource(resourceArn=state["arn"], tags={"k2": "v2"})
        self.c.untag_resource(resourceArn=state["arn"], tagKeys=["k"])
        moved = self.phone_number_read(phone_id)
        self.assertEqual((moved["target_arn"], moved["tags"]), (instance_arn(second), {"k2": "v2"}))
        self.assertIsNone(association_read(association_id))  # refresh removes it from state
        # Disassociate of a gone association: the provider treats ResourceNotFound as success.
        try:
            self.c.disassociate_phone_number_contact_flow(PhoneNumberId=phone_id, InstanceId=first)
        except botocore.exceptions.ClientError as e:
            self.assertEqual(code_of(e), "ResourceNotFoundException")
        # Import by id and by ARN read the same state.
        self.assertEqual(self.phone_number_read(phone_id), moved)
        self.assertEqual(self.phone_number_read(claimed["PhoneNumberArn"]), moved)
        # Destroy: Release (RNF = success), wait until Describe is ResourceNotFound.
        self.c.release_phone_number(ClientToken=str(uuid.uuid4()), PhoneNumberId=phone_id)
        self.wait(lambda: self.phone_number_status(phone_id), ["IN_PROGRESS", "CLAIMED"], [])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.c.release_phone_number(ClientToken=str(uuid.uuid4()), PhoneNumberId=phone_id)
        self.assertEqual(code_of(cm.exception), "ResourceNotFoundException")
        self.assertIsNone(self.phone_number_read(phone_id))

    def test_parallel_phone_numbers_race_for_the_first_result(self):
        """count = 3 with one configuration: every resource searches MaxResults=1 and gets the same first
        number; one claim wins, the others fail "Phone number not available" (as on AWS)."""
        instance_id = self.instance_create("tf-race")
        target = instance_arn(instance_id)
        offers = [self.c.search_available_phone_numbers(TargetArn=target, PhoneNumberCountryCode="US",
                                                        PhoneNumberType="DID", MaxResults=1)[
            "AvailableNumbersList"][0]["PhoneNumber"] for _ in range(3)]
        self.assertEqual(len(set(offers)), 1)
        self.c.claim_phone_number(ClientToken=str(uuid.uuid4()), PhoneNumber=offers[0], TargetArn=target)
        for _ in range(2):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                self.c.claim_phone_number(ClientToken=str(uuid.uuid4()), PhoneNumber=offers[0], TargetArn=target)
            self.assertEqual(cm.exception.response["Error"]["Message"], f"Phone number not available: {offers[0]}")
