"""The CloudFormation resource handlers of AWS::Connect::Instance, ::ContactFlow and ::PhoneNumber
(aws-cloudformation resource providers for Connect), replayed call by call with boto3: create,
read, update, delete and list as the handlers call them. The handlers pass full ARNs where the
Terraform provider passes ids, and read instance attributes with ListInstanceAttributes.
"""

import json
import random

import botocore

from harness import ServerTestCase

SETTLE = 61
# AWS::Connect::Instance Attributes -> InstanceAttributeType.
CFN_ATTRIBUTES = {"InboundCalls": "INBOUND_CALLS", "OutboundCalls": "OUTBOUND_CALLS",
                  "ContactflowLogs": "CONTACTFLOW_LOGS", "ContactLens": "CONTACT_LENS",
                  "AutoResolveBestVoices": "AUTO_RESOLVE_BEST_VOICES", "UseCustomTTSVoices": "USE_CUSTOM_TTS_VOICES",
                  "EarlyMedia": "EARLY_MEDIA", "MultiPartyConference": "MULTI_PARTY_CONFERENCE",
                  "HighVolumeOutBound": "HIGH_VOLUME_OUTBOUND",
                  "EnhancedContactMonitoring": "ENHANCED_CONTACT_MONITORING",
                  "EnhancedChatMonitoring": "ENHANCED_CHAT_MONITORING",
                  "MultiPartyChatConference": "MULTI_PARTY_CHAT_CONFERENCE", "MessageStreaming": "MESSAGE_STREAMING"}
CONTENT = json.dumps({"Version": "2019-10-30", "StartAction": "a", "Metadata": {},
                      "Actions": [{"Identifier": "a", "Type": "DisconnectParticipant", "Parameters": {},
                                   "Transitions": {}}]})


def code_of(e):
    return e.response["Error"]["Code"]


class HandlerReplay(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.c = self.client()  # the Java SDK fills ClientToken itself, as boto3 does

    def stabilize(self, check, polls=5):
        for _ in range(polls):
            if check():
                return
            self.server.advance(SETTLE)
        self.fail("did not stabilize")

    def not_found(self, call):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call()
        self.assertEqual(code_of(cm.exception), "ResourceNotFoundException", cm.exception.response)

    # ---- AWS::Connect::Instance ----
    def instance_create(self, alias, attributes, tags):
        out = self.c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias=alias,
                                     InboundCallsEnabled=attributes["InboundCalls"],
                                     OutboundCallsEnabled=attributes["OutboundCalls"],
                                     **({"Tags": {t["Key"]: t["Value"] for t in tags}} if tags else {}))
        arn = out["Arn"]
        self.stabilize(lambda: self.c.describe_instance(InstanceId=arn)["Instance"]["InstanceStatus"] == "ACTIVE")
        for name, value in attributes.items():
            if name not in ("InboundCalls", "OutboundCalls"):
                self.c.update_instance_attribute(InstanceId=arn, AttributeType=CFN_ATTRIBUTES[name],
                                                 Value=str(value).lower())
        return arn

    def instance_read(self, arn):
        inst = self.c.describe_instance(InstanceId=arn)["Instance"]
        listed = [a for p in self.c.get_paginator("list_instance_attributes").paginate(InstanceId=arn)
                  for a in p["Attributes"]]
        by_type = {a["AttributeType"]: a["Value"] == "true" for a in listed}
        return {"Arn": inst["Arn"], "Id": inst["Id"], "InstanceStatus": inst["InstanceStatus"],
                "IdentityManagementType": inst["IdentityManagementType"], "InstanceAlias": inst["InstanceAlias"],
                "ServiceRole": inst["ServiceRole"],
                "Attributes": {name: by_type[t] for name, t in CFN_ATTRIBUTES.items()},
                "Tags": self.c.list_tags_for_resource(resourceArn=inst["Arn"])["tags"]}

    def test_instance_handlers(self):
        attributes = {"InboundCalls": True, "OutboundCalls": False, "ContactflowLogs": True, "ContactLens": False}
        arn = self.instance_create("cfn-instance", attributes, [{"Key": "stack", "Value": "s1"}])
        model = self.instance_read(arn)
        self.assertEqual(model["InstanceStatus"], "ACTIVE")
        for name, value in attributes.items():
            self.assertEqual(model["Attributes"][name], value, name)
        self.assertTrue(model["Attributes"]["EarlyMedia"])  # a default of a new instance
        self.assertEqual(model["Tags"], {"stack": "s1"})
        # Update: every attribute that changed, tags by difference.
        self.c.update_instance_attribute(InstanceId=arn, AttributeType="OUTBOUND_CALLS", Value="true")
        self.c.update_instance_attribute(InstanceId=arn, AttributeType="MESSAGE_STREAMING", Value="true")
        self.c.untag_resource(resourceArn=arn, tagKeys=["stack"])
        updated = self.instance_read(arn)
        self.assertTrue(updated["Attributes"]["OutboundCalls"])
        self.assertTrue(updated["Attributes"]["MessageStreaming"])
        self.assertTrue(self.c.describe_instance(InstanceId=arn)["Instance"]["OutboundCallsEnabled"])
        self.assertEqual(updated["Tags"], {})
        # List: every instance, by pages.
        arns = [s["Arn"] for p in self.c.get_paginator("list_instances").paginate() for s in p["InstanceSummaryList"]]
        self.assertEqual(arns, [arn])
        # Delete, then read is NotFound (the contract test CloudFormation runs).
        self.c.delete_instance(InstanceId=arn)
        self.not_found(lambda: self.c.describe_instance(InstanceId=arn))
        self.not_found(lambda: self.c.list_instance_attributes(InstanceId=arn))

    # ---- AWS::Connect::ContactFlow ----
    def test_contact_flow_handlers(self):
        instance = self.instance_create("cfn-flows", {"InboundCalls": True, "OutboundCalls": True}, [])
        out = self.c.create_contact_flow(InstanceId=instance, Name="cfn flow", Type="CONTACT_FLOW", Content=CONTENT,
                                         Description="d", Tags={"a": "b"})
        flow_arn = out["ContactFlowArn"]
        flow = self.c.describe_contact_flow(InstanceId=instance, ContactFlowId=flow_arn)["ContactFlow"]
        self.assertEqual((flow["Name"], flow["State"], flow["Tags"]), ("cfn flow", "ACTIVE", {"a": "b"}))
        # Update: content, then metadata (name, description, state).
        new_content = CONTENT.replace('"Metadata": {}', '"Metadata": {"x": 1}')
        self.c.update_contact_flow_content(InstanceId=instance, ContactFlowId=flow_arn, Content=new_content)
        self.c.update_contact_flow_metadata(InstanceId=instance, ContactFlowId=flow_arn, Name="cfn flow 2",
                                            Description="d2", ContactFlowState="ARCHIVED")
        flow = self.c.describe_contact_flow(InstanceId=instance, ContactFlowId=flow_arn)["ContactFlow"]
        self.assertEqual((flow["Name"], flow["Description"], flow["State"]), ("cfn flow 2", "d2", "ARCHIVED"))
        self.assertEqual(json.loads(flow["Content"]), json.loads(new_content))
        self.c.update_contact_flow_metadata(InstanceId=instance, ContactFlowId=flow_arn, ContactFlowState="ACTIVE")
        # List by pages; delete; read NotFound.
        names = [f["Name"] for p in self.c.get_paginator("list_contact_flows").paginate(InstanceId=instance)
                 for f in p["ContactFlowSummaryList"]]
        self.assertIn("cfn flow 2", names)
        self.c.delete_contact_flow(InstanceId=instance, ContactFlowId=flow_arn)
        self.not_found(lambda: self.c.describe_contact_flow(InstanceId=instance, ContactFlowId=flow_arn))

    # ---- AWS::Connect::PhoneNumber ----
    def test_phone_number_handlers(self):
        first = self.instance_create("cfn-phones-a", {"InboundCalls": True, "OutboundCalls": True}, [])
        second = self.instance_create("cfn-phones-b", {"InboundCalls": True, "OutboundCalls": True}, [])
        # Create: search 10 at a time following up to 2 more pages, pick one at random, claim it.
        offers, token = [], None
        for _ in range(3):
            page = self.c.search_available_phone_numbers(TargetArn=first, PhoneNumberCountryCode="PR",
                                                         PhoneNumberType="TOLL_FREE", MaxResults=10,
                                                         **({"NextToken": token} if token else {}))
            offers += page["AvailableNumbersList"]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(len(offers), 30)
        self.assertEqual(len({o["PhoneNumber"] for o in offers}), 30)
        number = random.Random(7).choice(offers)["PhoneNumber"]
        arn = self.c.claim_phone_number(TargetArn=first, PhoneNumber=number, PhoneNumberDescription="cfn",
                                        Tags={"s": "1"})["PhoneNumberArn"]

        def status():
            return self.c.describe_phone_number(PhoneNumberId=arn)["ClaimedPhoneNumberSummary"]["PhoneNumberStatus"][
                "Status"]

        self.stabilize(lambda: status() == "CLAIMED")
        summary = self.c.describe_phone_number(PhoneNumberId=arn)["ClaimedPhoneNumberSummary"]
        self.assertEqual((summary["PhoneNumber"], summary["PhoneNumberCountryCode"], summary["PhoneNumberType"],
                          summary["TargetArn"], summary["Tags"]), (number, "PR", "TOLL_FREE", first, {"s": "1"}))
        # Update: target, then description; stabilizes when Describe shows the desired target.
        self.c.update_phone_number(PhoneNumberId=arn, TargetArn=second)
        self.stabilize(lambda: self.c.describe_phone_number(PhoneNumberId=arn)["ClaimedPhoneNumberSummary"][
            "TargetArn"] == second and status() == "CLAIMED")
        self.c.update_phone_number_metadata(PhoneNumberId=arn, PhoneNumberDescription="cfn 2")
        self.stabilize(lambda: status() == "CLAIMED")
        self.assertEqual(self.c.describe_phone_number(PhoneNumberId=arn)["ClaimedPhoneNumberSummary"][
            "PhoneNumberDescription"], "cfn 2")
        # List: ListPhoneNumbersV2 of the target.
        listed = [s["PhoneNumberArn"] for p in self.c.get_paginator("list_phone_numbers_v2").paginate(TargetArn=second)
                  for s in p["ListPhoneNumbersSummaryList"]]
        self.assertEqual(listed, [arn])
        # Delete does not wait; read after delete is NotFound.
        self.c.release_phone_number(PhoneNumberId=arn)
        self.not_found(lambda: self.c.describe_phone_number(PhoneNumberId=arn))
