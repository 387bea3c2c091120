"""Several connect-local nodes on one PostgreSQL database, clients spread over them: every rule exact.

Runs when CL_E2E_POSTGRES_DSN names a PostgreSQL server (scripts/with-postgres; `make test` does). The
database-restart test runs on a cluster of its own, so suites running in parallel on the shared one are not
disturbed.
"""

import concurrent.futures
import contextlib
import subprocess
import threading
import time
import unittest
import uuid

import botocore.exceptions

import postgres_db as pg
from harness import Server

NODES = 3
BLOCK_PREFIX = "+15550001"  # 1,000 numbers: +15550001000 … +15550001999


def error_code(e):
    return e.response["Error"]["Code"] if isinstance(e, botocore.exceptions.ClientError) else type(e).__name__


class Nodes:
    """NODES servers on one database, and what the tests do with them. A subclass names the database:
    `deployment()`, a context manager yielding the Server arguments that put a node on it."""

    @classmethod
    def setUpClass(cls):
        cls.nodes = []
        cls.stack = contextlib.ExitStack()
        try:
            cls.server_args = cls.stack.enter_context(cls.deployment())
            for _ in range(NODES):
                cls.nodes.append(cls.new_node())
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.stop()
        cls.stack.close()

    @classmethod
    def new_node(cls):
        return Server(transient_delay="60s", **cls.server_args).start()

    def setUp(self):
        for i, n in enumerate(self.nodes):
            if n.proc is None or n.proc.poll() is not None:
                n.stop()
                self.nodes[i] = self.new_node()
        self.nodes[0].reset()  # one node resets the deployment: every node follows

    def node(self, i):
        return self.nodes[i % len(self.nodes)]

    def create_instance(self, node=0, alias=None):
        return self.node(node).client().create_instance(
            IdentityManagementType="CONNECT_MANAGED", InstanceAlias=alias or f"mn-{uuid.uuid4().hex[:8]}",
            InboundCallsEnabled=True, OutboundCallsEnabled=True)

    def stock_thousand(self):
        self.nodes[1].admin("POST", "inventory", {"blocks": [
            {"country": "US", "type": "THIRD_PARTY_DID", "prefix": BLOCK_PREFIX, "length": 12}]})

    def search(self, node, instance_arn, prefix=BLOCK_PREFIX, max_results=10):
        return [n["PhoneNumber"] for n in self.node(node).client().search_available_phone_numbers(
            TargetArn=instance_arn, PhoneNumberCountryCode="US", PhoneNumberType="THIRD_PARTY_DID",
            PhoneNumberPrefix=prefix, MaxResults=max_results)["AvailableNumbersList"]]

    def statuses(self, instance_arn, node=0):
        out = {}
        paginator = self.node(node).client().get_paginator("list_phone_numbers_v2")
        for page in paginator.paginate(TargetArn=instance_arn):
            for s in page["ListPhoneNumbersSummaryList"]:
                d = self.node(node).client().describe_phone_number(PhoneNumberId=s["PhoneNumberId"])
                out[s["PhoneNumber"]] = d["ClaimedPhoneNumberSummary"]["PhoneNumberStatus"]["Status"]
        return out

    def claim_under_load(self, workers, disrupt, on_error):
        """Claims numbers of the stocked block from `workers` threads spread over the nodes, each
        with its own ClientToken; runs `disrupt()` mid-load; `on_error(worker, exception)` re-raises
        what must fail the test. Returns the acknowledged (number, PhoneNumberId) pairs."""
        self.stock_thousand()
        self.nodes[0].set_quotas(phone_numbers_per_instance=1000)
        arn = self.create_instance()["Arn"]
        acked, lock, stop = [], threading.Lock(), threading.Event()
        numbers = iter(f"{BLOCK_PREFIX}{n:03d}" for n in range(1000))

        def worker(i):
            client = self.node(i).client()
            while not stop.is_set():
                with lock:
                    number = next(numbers, None)
                if number is None:
                    return
                try:
                    r = client.claim_phone_number(TargetArn=arn, PhoneNumber=number, ClientToken=str(uuid.uuid4()))
                    with lock:
                        acked.append((number, r["PhoneNumberId"]))
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    with lock:
                        on_error(i, e)
                    time.sleep(0.05)  # a failing node is not hammered

        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = [pool.submit(worker, i) for i in range(workers)]
            time.sleep(0.5)
            disrupt()
            time.sleep(2.0)
            stop.set()
            for f in futures:
                f.result()
        return arn, acked

    def assert_claims_kept(self, acked, node=0):
        self.assertGreater(len(acked), 0)
        for number, phone_id in acked:
            d = self.node(node).client().describe_phone_number(PhoneNumberId=phone_id)["ClaimedPhoneNumberSummary"]
            self.assertEqual(d["PhoneNumber"], number)


@unittest.skipUnless(pg.enabled(), "needs PostgreSQL: run through scripts/with-postgres (make test does)")
class MultiNodeTest(Nodes, unittest.TestCase):
    @staticmethod
    @contextlib.contextmanager
    def deployment():
        database = pg.create_database()
        try:
            yield {"database": database}
        finally:
            pg.drop_database(database)

    def test_64_clients_compete_for_1000_numbers_and_no_number_is_held_twice(self):
        self.stock_thousand()
        self.nodes[0].set_quotas(phone_numbers_per_instance=100000)
        arn = self.create_instance()["Arn"]
        won, refused, other = [], [], []
        lock = threading.Lock()

        def client_loop(i):
            client = self.node(i).client()
            while True:
                found = self.search(i, arn)
                if not found:
                    return
                number = found[0]  # everyone races for the first result
                try:
                    client.claim_phone_number(TargetArn=arn, PhoneNumber=number)
                    with lock:
                        won.append(number)
                except botocore.exceptions.ClientError as e:
                    with lock:
                        if e.response["Error"]["Message"] == f"Phone number not available: {number}":
                            refused.append(number)
                        else:
                            other.append(e.response["Error"])

        with concurrent.futures.ThreadPoolExecutor(64) as pool:
            list(pool.map(client_loop, range(64)))
        self.assertEqual(other, [])
        self.assertEqual(len(won), 1000)
        self.assertEqual(len(set(won)), 1000, "a number was claimed twice")
        self.assertGreater(len(refused), 0, "64 clients racing for the first result never collided")
        for i in range(NODES):
            listed = [s["PhoneNumber"] for page in self.node(i).client().get_paginator("list_phone_numbers_v2")
                      .paginate(TargetArn=arn) for s in page["ListPhoneNumbersSummaryList"]]
            self.assertEqual(sorted(listed), sorted(won))
            self.assertEqual(self.search(i, arn), [])

    def test_30_concurrent_claims_to_an_instance_with_quota_5_settle_exactly_5_claimed(self):
        self.stock_thousand()
        arn = self.create_instance()["Arn"]
        numbers = [f"{BLOCK_PREFIX}{n:03d}" for n in range(30)]

        def claim(i):
            self.node(i).client().claim_phone_number(TargetArn=arn, PhoneNumber=numbers[i])

        with concurrent.futures.ThreadPoolExecutor(30) as pool:
            list(pool.map(claim, range(30)))
        self.nodes[2].advance(61)
        statuses = self.statuses(arn, node=1)
        self.assertEqual(len(statuses), 30)
        self.assertEqual(sorted(statuses.values()).count("CLAIMED"), 5, statuses)
        self.assertEqual(sorted(statuses.values()).count("FAILED"), 25, statuses)

    def test_the_instance_quota_is_exact_across_nodes(self):
        def create(i):
            try:
                self.create_instance(node=i, alias=f"quota-{i}")
                return "ok"
            except botocore.exceptions.ClientError as e:
                return error_code(e)

        with concurrent.futures.ThreadPoolExecutor(30) as pool:
            results = list(pool.map(create, range(30)))
        self.assertEqual(results.count("ok"), 2, results)
        self.assertEqual(results.count("ServiceQuotaExceededException"), 28, results)

    def test_the_claim_release_rule_is_exact_across_nodes(self):
        self.stock_thousand()
        # 0.1 × 100 numbers per instance: the 10th release in the window blocks claims.
        self.nodes[0].set_quotas(phone_numbers_per_instance=100, claim_release_ratio=0.1)
        arn = self.create_instance()["Arn"]
        ids = [self.node(i).client().claim_phone_number(TargetArn=arn, PhoneNumber=f"{BLOCK_PREFIX}{i:03d}")
               ["PhoneNumberId"] for i in range(13)]
        self.nodes[1].advance(61)

        def release(i):
            self.node(i).client().release_phone_number(PhoneNumberId=ids[i])

        with concurrent.futures.ThreadPoolExecutor(9) as pool:
            list(pool.map(release, range(9)))
        for i in range(NODES):  # 9 releases: still allowed everywhere
            self.node(i).client().claim_phone_number(TargetArn=arn, PhoneNumber=f"{BLOCK_PREFIX}{100 + i:03d}")
        release(9)
        for i in range(NODES):  # the 10th release counts on every node at once
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                self.node(i).client().claim_phone_number(TargetArn=arn, PhoneNumber=f"{BLOCK_PREFIX}{200 + i:03d}")
            self.assertEqual(error_code(cm.exception), "InvalidParameterException")
            self.assertIn("You can claim phone numbers again after", cm.exception.response["Error"]["Message"])

    def test_a_retried_claim_on_another_node_replays_the_first_answer(self):
        self.stock_thousand()
        arn = self.create_instance()["Arn"]
        token = str(uuid.uuid4())
        number = f"{BLOCK_PREFIX}500"
        first = self.node(0).client().claim_phone_number(TargetArn=arn, PhoneNumber=number, ClientToken=token)
        again = self.node(1).client().claim_phone_number(TargetArn=arn, PhoneNumber=number, ClientToken=token)
        self.assertEqual(again["PhoneNumberId"], first["PhoneNumberId"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.node(2).client().claim_phone_number(TargetArn=arn, PhoneNumber=f"{BLOCK_PREFIX}501", ClientToken=token)
        self.assertEqual(error_code(cm.exception), "IdempotencyException")
        listed = self.node(2).client().list_phone_numbers_v2(TargetArn=arn)["ListPhoneNumbersSummaryList"]
        self.assertEqual([s["PhoneNumber"] for s in listed], [number])

    def test_a_number_claimed_on_one_node_is_absent_from_a_search_on_another_that_starts_after(self):
        self.stock_thousand()
        self.nodes[0].set_quotas(phone_numbers_per_instance=1000)
        arn = self.create_instance()["Arn"]
        for round_ in range(30):
            a, b = self.node(round_), self.node(round_ + 1)
            number = self.search(round_ + 1, arn)[0]
            a.client().claim_phone_number(TargetArn=arn, PhoneNumber=number)
            self.assertNotIn(number, self.search(round_ + 1, arn, max_results=10), f"node {b.port} still offers it")
        # Releases travel the same way: the number is in cooldown on every node.
        number = self.node(0).client().list_phone_numbers_v2(TargetArn=arn)["ListPhoneNumbersSummaryList"][0]
        self.node(0).advance(61)
        self.node(1).client().release_phone_number(PhoneNumberId=number["PhoneNumberId"])
        for i in range(NODES):
            self.assertNotIn(number["PhoneNumber"], self.search(i, arn, prefix=number["PhoneNumber"]))

    def test_the_admin_clock_moved_on_one_node_is_the_clock_of_every_node(self):
        arn = self.create_instance()["Arn"]
        before = [n.now() for n in self.nodes]
        self.nodes[1].advance(86400)
        for n, was in zip(self.nodes, before):
            self.assertGreaterEqual(n.now() - was, 86400)
        status = self.node(2).client().describe_instance(InstanceId=arn)["Instance"]["InstanceStatus"]
        self.assertEqual(status, "ACTIVE")  # created 60 s transient delay ago, a day before now

    def test_a_node_killed_mid_load_loses_no_acknowledged_claim_and_the_others_keep_serving(self):
        def on_error(worker, e):
            if worker % NODES != 2:
                raise e  # workers on the surviving nodes see no error

        _, acked = self.claim_under_load(12, self.nodes[2].kill, on_error)
        self.assert_claims_kept(acked)


@unittest.skipUnless(pg.enabled(), "needs PostgreSQL: run through scripts/with-postgres (make test does)")
class DatabaseRestartTest(Nodes, unittest.TestCase):
    @classmethod
    @contextlib.contextmanager
    def deployment(cls):
        with pg.private_cluster() as (dsn, cls.ctl):
            yield {"postgres_dsn": dsn}

    def test_a_database_restart_mid_load_gives_clean_errors_then_full_service_and_loses_nothing(self):
        errors = []

        def on_error(worker, e):
            if not isinstance(e, botocore.exceptions.ClientError):
                raise e
            errors.append((e.response["ResponseMetadata"]["HTTPStatusCode"], error_code(e),
                           e.response["Error"].get("Message", "")))

        restart = lambda: subprocess.run(self.ctl + ["restart", "-m", "fast"], check=True, stdout=subprocess.DEVNULL,
                                         timeout=60)
        arn, acked = self.claim_under_load(6, restart, on_error)
        # During the outage: only clean server errors.
        unclean = [e for e in errors if e[0] < 500 or e[1] != "InternalServiceException"]
        self.assertEqual(unclean, [])
        # After it: full service on every node, within a bounded time.
        deadline = time.time() + 30
        for i in range(NODES):
            while True:
                try:
                    self.node(i).client().describe_instance(InstanceId=arn)
                    break
                except botocore.exceptions.ClientError:
                    self.assertLess(time.time(), deadline, "a node did not recover")
                    time.sleep(0.2)
        self.assert_claims_kept(acked, node=1)


if __name__ == "__main__":
    unittest.main()
