"""TagResource, UntagResource, ListTagsForResource on instance ARNs through boto3."""

import unittest

from harness import OTHER_REGION, ServerTestCase, instance_arn

ODD_KEYS = {"key with space": "v 1", "k:colon/slash": "v/2", "plus+equals=at@": "v+3", "café": "naïve"}


class TagsTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.c = self.client()
        self.inst = self.create_instance(client=self.c, alias="tagged")
        self.arn = self.inst["Arn"]

    def tags(self):
        return self.c.list_tags_for_resource(resourceArn=self.arn)["tags"]

    def test_no_tags(self):
        self.assertEqual(self.tags(), {})

    def test_tag_and_list(self):
        out = self.c.tag_resource(resourceArn=self.arn, tags={"team": "voice", "env": "dev"})
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.tags(), {"team": "voice", "env": "dev"})

    def test_tags_merge(self):
        self.c.tag_resource(resourceArn=self.arn, tags={"a": "1", "b": "2"})
        self.c.tag_resource(resourceArn=self.arn, tags={"b": "20", "c": "3"})
        self.assertEqual(self.tags(), {"a": "1", "b": "20", "c": "3"})

    def test_untag_removes_only_named_keys(self):
        self.c.tag_resource(resourceArn=self.arn, tags={"a": "1", "b": "2", "c": "3"})
        self.c.untag_resource(resourceArn=self.arn, tagKeys=["a", "c"])
        self.assertEqual(self.tags(), {"b": "2"})

    def test_untag_absent_key_is_fine(self):
        self.c.tag_resource(resourceArn=self.arn, tags={"a": "1"})
        self.c.untag_resource(resourceArn=self.arn, tagKeys=["not-there"])
        self.assertEqual(self.tags(), {"a": "1"})

    def test_odd_keys_round_trip(self):
        self.c.tag_resource(resourceArn=self.arn, tags={**ODD_KEYS, "plain": "p"})
        self.assertEqual(self.tags(), {**ODD_KEYS, "plain": "p"})
        # The repeated tagKeys query carries spaces, ':' and '/' percent-encoded.
        self.c.untag_resource(resourceArn=self.arn, tagKeys=["key with space", "k:colon/slash", "café"])
        self.assertEqual(self.tags(), {"plus+equals=at@": "v+3", "plain": "p"})
        self.c.untag_resource(resourceArn=self.arn, tagKeys=["plus+equals=at@"])
        self.assertEqual(self.tags(), {"plain": "p"})

    def test_empty_value_allowed(self):
        self.c.tag_resource(resourceArn=self.arn, tags={"empty": ""})
        self.assertEqual(self.tags(), {"empty": ""})

    def test_describe_echoes_tags(self):
        self.c.tag_resource(resourceArn=self.arn, tags={"x": "1", "key with space": "y"})
        inst = self.c.describe_instance(InstanceId=self.inst["Id"])["Instance"]
        self.assertEqual(inst["Tags"], {"x": "1", "key with space": "y"})
        self.c.untag_resource(resourceArn=self.arn, tagKeys=["x", "key with space"])
        inst = self.c.describe_instance(InstanceId=self.inst["Id"])["Instance"]
        self.assertEqual(inst.get("Tags", {}), {})

    def test_creation_tags_are_listed_and_merge(self):
        other = self.create_instance(client=self.c, alias="tagged-at-create", Tags={"k1": "v1", "k2": "v2"})
        self.assertEqual(self.c.list_tags_for_resource(resourceArn=other["Arn"])["tags"], {"k1": "v1", "k2": "v2"})
        self.c.tag_resource(resourceArn=other["Arn"], tags={"k2": "new"})
        self.assertEqual(self.c.list_tags_for_resource(resourceArn=other["Arn"])["tags"], {"k1": "v1", "k2": "new"})
        # Tags of one instance never leak onto another.
        self.assertEqual(self.tags(), {})

    def test_fifty_tags_ok(self):
        tags = {f"k{i:02d}": f"v{i}" for i in range(50)}
        self.c.tag_resource(resourceArn=self.arn, tags=tags)
        self.assertEqual(self.tags(), tags)

    def test_fifty_one_tags_in_one_call(self):
        raw = self.client(validate=False)
        with self.assertAwsError("InvalidParameterException", 400, message_contains="'tags'"):
            raw.tag_resource(resourceArn=self.arn, tags={f"k{i:02d}": "v" for i in range(51)})
        self.assertEqual(self.tags(), {})

    def test_fifty_one_tags_across_calls(self):
        self.c.tag_resource(resourceArn=self.arn, tags={f"a{i:02d}": "v" for i in range(30)})
        with self.assertAwsError("InvalidParameterException", 400):
            self.c.tag_resource(resourceArn=self.arn, tags={f"b{i:02d}": "v" for i in range(21)})
        self.assertEqual(len(self.tags()), 30)
        # Overwriting existing keys does not count twice.
        self.c.tag_resource(resourceArn=self.arn, tags={f"a{i:02d}": "w" for i in range(30)})
        self.c.tag_resource(resourceArn=self.arn, tags={f"b{i:02d}": "v" for i in range(20)})
        self.assertEqual(len(self.tags()), 50)

    def test_aws_prefixed_key_rejected(self):
        with self.assertAwsError("InvalidParameterException", 400, message_contains="Map keys must satisfy constraint"):
            self.c.tag_resource(resourceArn=self.arn, tags={"aws:x": "1"})
        self.assertEqual(self.tags(), {})

    def test_aws_prefixed_key_rejected_on_untag(self):
        with self.assertAwsError("InvalidParameterException", 400, message_contains="'tagKeys'"):
            self.c.untag_resource(resourceArn=self.arn, tagKeys=["aws:x"])

    def test_value_too_long(self):
        raw = self.client(validate=False)
        with self.assertAwsError("InvalidParameterException", 400, message_contains="'tags'"):
            raw.tag_resource(resourceArn=self.arn, tags={"k": "v" * 257})
        self.c.tag_resource(resourceArn=self.arn, tags={"k": "v" * 256})
        self.assertEqual(self.tags(), {"k": "v" * 256})

    def test_create_instance_with_bad_tag_key(self):
        # CreateInstance models no InvalidParameterException: InvalidRequestException.
        with self.assertAwsError("InvalidRequestException", 400, message_contains="Map keys must satisfy constraint"):
            self.create_instance(client=self.c, alias="bad-tags", Tags={"aws:nope": "1"})

    def test_unknown_instance_arn(self):
        arn = instance_arn("11111111-2222-4333-8444-555555555555")
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.list_tags_for_resource(resourceArn=arn)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.tag_resource(resourceArn=arn, tags={"a": "b"})
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.untag_resource(resourceArn=arn, tagKeys=["a"])

    def test_legacy_phone_number_arn_not_taggable(self):
        legacy = f"{self.arn}/phone-number/11111111-2222-4333-8444-555555555555"
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.tag_resource(resourceArn=legacy, tags={"a": "b"})
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.list_tags_for_resource(resourceArn=legacy)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.untag_resource(resourceArn=legacy, tagKeys=["a"])
        self.assertEqual(self.tags(), {})

    def test_other_region_arn_not_found(self):
        eu = self.client(region=OTHER_REGION)
        with self.assertAwsError("ResourceNotFoundException", 404):
            eu.list_tags_for_resource(resourceArn=self.arn)
        with self.assertAwsError("ResourceNotFoundException", 404):
            eu.tag_resource(resourceArn=self.arn, tags={"a": "b"})
        self.assertEqual(self.tags(), {})

    def test_deleted_instance_tags_not_found(self):
        self.c.tag_resource(resourceArn=self.arn, tags={"a": "1"})
        self.c.delete_instance(InstanceId=self.inst["Id"])
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.list_tags_for_resource(resourceArn=self.arn)
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.tag_resource(resourceArn=self.arn, tags={"a": "2"})
        with self.assertAwsError("ResourceNotFoundException", 404):
            self.c.untag_resource(resourceArn=self.arn, tagKeys=["a"])


if __name__ == "__main__":
    unittest.main()
