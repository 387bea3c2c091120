"""A 200 means the change is durable (SPEC §6, §8, §11), checked over many crashes.

Each cycle: several clients (threads, one boto3 client) claim, describe-update, move and release numbers
with ClientTokens, logging every acknowledged (200) operation with its parameters; the server is
SIGKILLed at a random moment under load and restarted on the same store. An operation whose answer was
lost in the crash is retried with its ClientToken after the restart (the SDKs' retry), which makes it
acknowledged too. Then the whole state is compared with the log:
- every acknowledged claim is there (Describe, ListPhoneNumbersV2) with its last acknowledged target
  and description, unless an acknowledged release followed;
- every acknowledged release is gone (Describe: ResourceNotFound) and its number is not claimable
  (cooldown);
- no number is listed twice, across instances;
- replaying a claim's ClientToken answers the first PhoneNumberId and claims nothing new.

Environment: CL_CRASH_CYCLES (20), CL_CRASH_CLIENTS (4), CL_CRASH_LOAD_SECONDS (longest load before a
kill, 1.0), CL_CRASH_SEED (random), CL_CRASH_LOG (a file to write the acknowledged operations to).
CL_E2E_POSTGRES_DSN runs the same cycles against PostgreSQL (skipped when unset).
`make soak` runs it with 500 cycles.
"""

import json
import os
import random
import tempfile
import threading
import time
import unittest
import uuid

import botocore

import postgres_db
from harness import Server

CYCLES = int(os.environ.get("CL_CRASH_CYCLES", "20"))
CLIENTS = int(os.environ.get("CL_CRASH_CLIENTS", "4"))
LOAD_SECONDS = float(os.environ.get("CL_CRASH_LOAD_SECONDS", "1.0"))
SEED = int(os.environ.get("CL_CRASH_SEED", str(random.randrange(1 << 30))))
LOG_FILE = os.environ.get("CL_CRASH_LOG")

HELD_PER_CLIENT = 6  # a client claims more only while it holds fewer


def _not_available(number):
    return f"Phone number not available: {number}"


def _error(e):
    return e.response["Error"]["Code"], e.response["Error"].get("Message", ""), \
        e.response["ResponseMetadata"]["HTTPStatusCode"]


class Model:
    """What the acknowledged operations say the state is."""

    def __init__(self):
        self.lock = threading.Lock()
        self.live = {}            # PhoneNumberId -> {"number", "target", "description"}
        self.released = {}        # PhoneNumberId -> number, ever
        self.released_numbers = set()
        self.log = []             # every acknowledged operation, in acknowledgement order
        self.claims = []          # this cycle's acknowledged claims: (params, PhoneNumberId)

    def acknowledge(self, cycle, op, params, result):
        self.log.append({"cycle": cycle, "op": op, "params": params, "result": result})
        if op == "claim":
            self.live[result["PhoneNumberId"]] = {"number": params["PhoneNumber"], "target": params["TargetArn"],
                                                  "description": None}
            self.claims.append((params, result["PhoneNumberId"]))
        elif op == "metadata":
            self.live[params["PhoneNumberId"]]["description"] = params["PhoneNumberDescription"]
        elif op == "update":
            self.live[params["PhoneNumberId"]]["target"] = params["TargetArn"]
        elif op == "release":
            rec = self.live.pop(params["PhoneNumberId"])
            self.released[params["PhoneNumberId"]] = rec["number"]
            self.released_numbers.add(rec["number"])


CALLS = {"claim": "claim_phone_number", "metadata": "update_phone_number_metadata",
         "update": "update_phone_number", "release": "release_phone_number"}


class Client(threading.Thread):
    """One client: runs random operations on the numbers it owns until the server goes away."""

    def __init__(self, index, cycle, api, model, targets, owned, rng, stop):
        super().__init__(daemon=True)
        self.index, self.cycle, self.api, self.model = index, cycle, api, model
        self.targets, self.owned, self.rng, self.stop = targets, owned, rng, stop
        self.unanswered = None  # (op, params): sent, answer lost in the crash
        self.problems = []
        self.rejected = 0
        self.sequence = 0

    def run(self):
        try:
            while not self.stop.is_set() and self.unanswered is None:
                self.step()
        except Exception as e:  # noqa: BLE001 - reported by the test, never lost in a thread
            self.problems.append(f"client {self.index}: {type(e).__name__}: {e}")

    def step(self):
        self.sequence += 1
        roll = self.rng.random()
        if not self.owned or (len(self.owned) < HELD_PER_CLIENT and roll < 0.4):
            try:
                found = self.api.search_available_phone_numbers(
                    TargetArn=self.targets[0], PhoneNumberCountryCode="US", PhoneNumberType="DID",
                    MaxResults=10)["AvailableNumbersList"]
            except botocore.exceptions.BotoCoreError:
                self.unanswered = ("search", {})  # no answer: the crash (a read: nothing to check)
                return
            except botocore.exceptions.ClientError as e:
                if _error(e)[2] < 500:
                    self.problems.append(f"client {self.index}: search -> {_error(e)}")
                self.unanswered = ("search", {})
                return
            if not found:
                self.problems.append(f"client {self.index}: nothing available")
                return
            params = {"PhoneNumber": self.rng.choice(found)["PhoneNumber"], "TargetArn": self.rng.choice(self.targets),
                      "ClientToken": str(uuid.uuid4())}
            self.send("claim", params)
            return
        phone_id = self.rng.choice(sorted(self.owned))
        if roll < 0.6:
            params = {"PhoneNumberId": phone_id, "ClientToken": str(uuid.uuid4()),
                      "PhoneNumberDescription": f"c{self.cycle} w{self.index} s{self.sequence}"}
            self.send("metadata", params)
        elif roll < 0.8:
            current = self.model.live[phone_id]["target"]
            other = [t for t in self.targets if t != current][0]
            self.send("update", {"PhoneNumberId": phone_id, "TargetArn": other, "ClientToken": str(uuid.uuid4())})
        else:
            self.send("release", {"PhoneNumberId": phone_id, "ClientToken": str(uuid.uuid4())})

    def send(self, op, params):
        try:
            result = getattr(self.api, CALLS[op])(**params)
        except botocore.exceptions.BotoCoreError:
            self.unanswered = (op, params)  # no answer: the crash
            return
        except botocore.exceptions.ClientError as e:
            code, message, status = _error(e)
            if status >= 500:
                self.unanswered = (op, params)  # not acknowledged, maybe applied: settled by the retry
            elif op == "claim" and code == "InvalidParameterException" and message == _not_available(
                    params["PhoneNumber"]):
                self.rejected += 1  # another client won it, or it is cooling down
            else:
                self.problems.append(f"client {self.index}: {op} {params} -> {status} {code} {message}")
            return
        result = {k: v for k, v in result.items() if k != "ResponseMetadata"}
        with self.model.lock:
            self.model.acknowledge(self.cycle, op, params, result)
        if op == "claim":
            self.owned.add(result["PhoneNumberId"])
        elif op == "release":
            self.owned.discard(params["PhoneNumberId"])


class CrashCyclesTest(unittest.TestCase):
    # The suite runs once on SQLite and, with CL_E2E_POSTGRES_DSN, once with every server on PostgreSQL.
    @unittest.skipIf(postgres_db.enabled(), "this run puts every server on PostgreSQL")
    def test_sqlite_acknowledged_changes_survive_sigkill_cycles(self):
        with tempfile.TemporaryDirectory(prefix="cl-e2e-crash-cycles-") as data:
            self.run_cycles(lambda: Server(data_dir=data, transient_delay="0s"))

    @unittest.skipUnless(postgres_db.enabled(), "CL_E2E_POSTGRES_DSN is not set")
    def test_postgres_acknowledged_changes_survive_sigkill_cycles(self):
        database = postgres_db.create_database()  # kept across the restarts, dropped at the end
        try:
            self.run_cycles(lambda: Server(database=database, transient_delay="0s"))
        finally:
            postgres_db.drop_database(database)

    def run_cycles(self, make_server):
        rng = random.Random(SEED)
        model = Model()
        self.checked = self.lost = 0
        self.failures = []
        rejected = unanswered = 0
        server = make_server().start()
        try:
            server.set_quotas(phone_numbers_per_instance=100000, claim_release_ratio=1000.0)
            api = server.client()
            targets = [api.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias=f"crash-{i}",
                                           InboundCallsEnabled=True, OutboundCallsEnabled=True)["Arn"]
                       for i in range(2)]
            for cycle in range(CYCLES):
                model.claims = []
                cycle_released = set(model.released)
                owned = [set() for _ in range(CLIENTS)]
                for i, phone_id in enumerate(sorted(model.live)):
                    owned[i % CLIENTS].add(phone_id)
                api = server.client(max_pool_connections=CLIENTS + 2, connect_timeout=5, read_timeout=10)
                stop = threading.Event()
                clients = [Client(i, cycle, api, model, targets, owned[i], random.Random(rng.random()), stop)
                           for i in range(CLIENTS)]
                for c in clients:
                    c.start()
                time.sleep(rng.uniform(0.05, LOAD_SECONDS))
                server.kill()  # mid-load: some requests are in flight
                stop.set()
                for c in clients:
                    c.join(30)
                    self.assertFalse(c.is_alive(), f"client {c.index} hangs")
                server.stop()
                for c in clients:
                    self.failures += c.problems
                    rejected += c.rejected

                server = make_server().start()
                api = server.client()
                refused = []
                for c in clients:
                    if c.unanswered and c.unanswered[0] != "search":
                        unanswered += 1
                        self.retry(api, model, cycle, refused, *c.unanswered)
                # A retried claim refused as "not available" lost to a claim that is acknowledged by
                # now: before the crash, or another client's unanswered one whose retry came later.
                held = {r["number"] for r in model.live.values()} | model.released_numbers
                for op, params, what in refused:
                    if params["PhoneNumber"] not in held:
                        self.failures.append(what)
                self.check_state(api, model, targets, {k: v for k, v in model.released.items()
                                                       if k not in cycle_released})
                self.assertEqual(self.failures, [], self.describe_failure(model, cycle))
        finally:
            server.stop()
            if LOG_FILE:
                with open(LOG_FILE, "w") as f:
                    json.dump(model.log, f, indent=1)
        print(f"\ncrash cycles: cycles {CYCLES}, ops checked {self.checked}, lost {self.lost} "
              f"(acknowledged {len(model.log)}, unanswered then retried {unanswered}, claims refused {rejected}, "
              f"seed {SEED})", flush=True)
        self.assertEqual(self.lost, 0)
        self.assertGreater(len(model.log), CYCLES)

    def retry(self, api, model, cycle, refused, op, params):
        """An operation whose answer the crash swallowed, retried with its ClientToken as an SDK does.
        A claim refused as not available goes to `refused`, checked once every retry is in."""
        try:
            result = getattr(api, CALLS[op])(**params)
        except botocore.exceptions.ClientError as e:
            code, message, status = _error(e)
            what = f"retry of {op} {params} after the restart -> {status} {code} {message}"
            if op == "claim" and message == _not_available(params["PhoneNumber"]):
                refused.append((op, params, what))
            else:
                self.failures.append(what)
            return
        result = {k: v for k, v in result.items() if k != "ResponseMetadata"}
        model.acknowledge(cycle, op, params, result)

    def expect(self, ok, what):
        self.checked += 1
        if not ok:
            self.lost += 1
            self.failures.append(what)

    def check_state(self, api, model, targets, released_now):
        # Every acknowledged claim, with its last acknowledged target and description.
        for phone_id, rec in model.live.items():
            try:
                d = api.describe_phone_number(PhoneNumberId=phone_id)["ClaimedPhoneNumberSummary"]
            except botocore.exceptions.ClientError as e:
                self.expect(False, f"acknowledged {phone_id} {rec}: Describe -> {_error(e)}")
                continue
            self.expect((d["PhoneNumber"], d["TargetArn"], d.get("PhoneNumberDescription"),
                         d["PhoneNumberStatus"]["Status"]) ==
                        (rec["number"], rec["target"], rec["description"], "CLAIMED"),
                        f"acknowledged {phone_id} {rec}: Describe says {d}")
        # Lists hold exactly those, each number once, under its target.
        listed = self.list_all(api)
        numbers = [s["PhoneNumber"] for s in listed]
        self.expect(len(numbers) == len(set(numbers)), f"a number is listed twice: {sorted(numbers)}")
        self.expect(sorted(s["PhoneNumberId"] for s in listed) == sorted(model.live),
                    f"ListPhoneNumbersV2 {sorted(s['PhoneNumberId'] for s in listed)} != acknowledged "
                    f"{sorted(model.live)}")
        per_target = []
        for target in targets:
            for s in self.list_all(api, TargetArn=target):
                per_target.append(s["PhoneNumber"])
                rec = model.live.get(s["PhoneNumberId"])
                self.expect(rec is not None and rec["target"] == target, f"{s} listed under {target}, log: {rec}")
        self.expect(len(per_target) == len(set(per_target)), f"held by two instances: {sorted(per_target)}")
        # Released numbers are gone and cooling down.
        for phone_id, number in released_now.items():
            try:
                api.describe_phone_number(PhoneNumberId=phone_id)
                self.expect(False, f"released {phone_id} ({number}) is still there")
            except botocore.exceptions.ClientError as e:
                self.expect(_error(e)[0] == "ResourceNotFoundException", f"released {phone_id}: {_error(e)}")
            try:
                out = api.claim_phone_number(PhoneNumber=number, TargetArn=targets[0], ClientToken=str(uuid.uuid4()))
                self.expect(False, f"released {number} claimable again: {out['PhoneNumberId']}")
            except botocore.exceptions.ClientError as e:
                self.expect(_error(e)[1] == _not_available(number), f"claim of released {number}: {_error(e)}")
        # A replayed claim answers its first PhoneNumberId and claims nothing new.
        before = len(listed)
        for params, phone_id in model.claims:
            out = api.claim_phone_number(**params)
            self.expect(out["PhoneNumberId"] == phone_id, f"replay of {params} -> {out['PhoneNumberId']}, "
                                                          f"first {phone_id}")
        self.expect(len(self.list_all(api)) == before, "a replayed claim claimed again")

    @staticmethod
    def list_all(api, **kw):
        out, token = [], None
        while True:
            page = api.list_phone_numbers_v2(MaxResults=1000, **kw, **({"NextToken": token} if token else {}))
            out += page["ListPhoneNumbersSummaryList"]
            token = page.get("NextToken")
            if not token:
                return out

    def describe_failure(self, model, cycle):
        recent = [e for e in model.log if e["cycle"] == cycle]
        return f"seed {SEED}, cycle {cycle}; acknowledged this cycle: {json.dumps(recent)[:6000]}"


if __name__ == "__main__":
    unittest.main()
