"""ListInstances pagination: the boto3 paginator, manual NextToken loops and token tampering."""

import base64
import unittest

from harness import OTHER_REGION, ServerTestCase


class PaginationTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server.set_quotas(instances=12)
        self.c = self.client()

    def make(self, n):
        return [self.create_instance(client=self.c, alias=f"page-{i}")["Id"] for i in range(n)]

    def test_paginator_page_size_one(self):
        ids = self.make(3)
        pages = list(self.c.get_paginator("list_instances").paginate(PaginationConfig={"PageSize": 1}))
        self.assertEqual(len(pages), 3)
        seen = [s["Id"] for p in pages for s in p["InstanceSummaryList"]]
        self.assertEqual([len(p["InstanceSummaryList"]) for p in pages], [1, 1, 1])
        self.assertEqual(len(seen), len(set(seen)), "duplicates across pages")
        self.assertEqual(set(seen), set(ids))
        self.assertIn("NextToken", pages[0])
        self.assertIn("NextToken", pages[1])
        self.assertNotIn("NextToken", pages[2])

    def test_paginator_page_size_two(self):
        ids = self.make(3)
        pages = list(self.c.get_paginator("list_instances").paginate(PaginationConfig={"PageSize": 2}))
        self.assertEqual([len(p["InstanceSummaryList"]) for p in pages], [2, 1])
        self.assertEqual(sorted(s["Id"] for p in pages for s in p["InstanceSummaryList"]), sorted(ids))

    def test_paginator_max_items_and_resume(self):
        ids = self.make(3)
        paginator = self.c.get_paginator("list_instances")
        first = paginator.paginate(PaginationConfig={"PageSize": 1, "MaxItems": 1}).build_full_result()
        self.assertEqual(len(first["InstanceSummaryList"]), 1)
        self.assertIn("NextToken", first)
        rest = paginator.paginate(
            PaginationConfig={"PageSize": 1, "StartingToken": first["NextToken"]}).build_full_result()
        self.assertNotIn("NextToken", rest)
        seen = [s["Id"] for s in first["InstanceSummaryList"] + rest["InstanceSummaryList"]]
        self.assertEqual(sorted(seen), sorted(ids))

    def test_manual_loop_never_repeats_a_token(self):
        ids = self.make(5)
        seen, tokens, kwargs = [], [], {"MaxResults": 2}
        while True:
            page = self.c.list_instances(**kwargs)
            seen += [s["Id"] for s in page["InstanceSummaryList"]]
            if "NextToken" not in page:
                break
            self.assertNotIn(page["NextToken"], tokens)
            self.assertNotEqual(page["NextToken"], kwargs.get("NextToken"))
            tokens.append(page["NextToken"])
            kwargs = {"MaxResults": 2, "NextToken": page["NextToken"]}
            self.assertLess(len(tokens), 10, "pagination does not end")
        self.assertEqual(len(tokens), 2)
        self.assertEqual(sorted(seen), sorted(ids))

    def test_default_page_is_ten(self):
        ids = self.make(11)
        first = self.c.list_instances()
        self.assertEqual(len(first["InstanceSummaryList"]), 10)
        self.assertIn("NextToken", first)
        second = self.c.list_instances(NextToken=first["NextToken"])
        self.assertEqual(len(second["InstanceSummaryList"]), 1)
        self.assertNotIn("NextToken", second)
        seen = [s["Id"] for s in first["InstanceSummaryList"] + second["InstanceSummaryList"]]
        self.assertEqual(sorted(seen), sorted(ids))
        # The paginator without a page size gets everything too.
        full = self.c.get_paginator("list_instances").paginate().build_full_result()
        self.assertEqual(sorted(s["Id"] for s in full["InstanceSummaryList"]), sorted(ids))

    def test_exact_page_boundary_has_no_token(self):
        self.make(2)
        page = self.c.list_instances(MaxResults=2)
        self.assertEqual(len(page["InstanceSummaryList"]), 2)
        self.assertNotIn("NextToken", page)

    def test_deleted_instances_are_skipped(self):
        ids = self.make(3)
        page = self.c.list_instances(MaxResults=1)
        listed_first = page["InstanceSummaryList"][0]["Id"]
        for i in ids:
            if i != listed_first:
                self.c.delete_instance(InstanceId=i)
                break
        rest = self.c.get_paginator("list_instances").paginate(
            PaginationConfig={"PageSize": 1, "StartingToken": page["NextToken"]}).build_full_result()
        seen = [listed_first] + [s["Id"] for s in rest["InstanceSummaryList"]]
        self.assertEqual(len(seen), 2)
        self.assertEqual(len(set(seen)), 2)

    def test_tampered_token(self):
        self.make(2)
        token = self.c.list_instances(MaxResults=1)["NextToken"]
        flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        for bad in (flipped, "not-a-token", base64.b64encode(b'{"after":"zzz"}').decode(), token + "x"):
            with self.subTest(token=bad):
                with self.assertAwsError("InvalidRequestException", 400):
                    self.c.list_instances(MaxResults=1, NextToken=bad)

    def test_token_bound_to_region(self):
        self.make(2)
        token = self.c.list_instances(MaxResults=1)["NextToken"]
        with self.assertAwsError("InvalidRequestException", 400):
            self.client(region=OTHER_REGION).list_instances(MaxResults=1, NextToken=token)


class TokenAccountBindingTest(ServerTestCase):
    credentials = [
        {"access_key_id": "AKIDA", "secret_access_key": "secretA", "account_id": "111111111111"},
        {"access_key_id": "AKIDB", "secret_access_key": "secretB", "account_id": "222222222222"},
    ]

    def test_token_bound_to_account(self):
        a = self.client(key="AKIDA", secret="secretA")
        b = self.client(key="AKIDB", secret="secretB")
        self.create_instance(client=a, alias="acct-1")
        self.create_instance(client=a, alias="acct-2")
        self.create_instance(client=b, alias="acct-3")
        self.create_instance(client=b, alias="acct-4")
        token = a.list_instances(MaxResults=1)["NextToken"]
        with self.assertAwsError("InvalidRequestException", 400):
            b.list_instances(MaxResults=1, NextToken=token)
        self.assertEqual(len(a.list_instances(MaxResults=1, NextToken=token)["InstanceSummaryList"]), 1)


if __name__ == "__main__":
    unittest.main()
