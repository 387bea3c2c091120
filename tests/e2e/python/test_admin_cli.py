"""`connect-local admin ...` against a running server: every command, its tables, --json and exit codes
(0 ok, 1 the server said no, 2 usage error, 3 cannot connect)."""

import json
import os
import socket
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

from harness import BINARY, DEFAULT_ACCOUNT, REGION, Server, ServerTestCase

OK, REFUSED, USAGE, UNREACHABLE = 0, 1, 2, 3


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AdminCliCase(ServerTestCase):
    auth = "off"
    transient_delay = "1s"

    def cli(self, *args, expect=OK, endpoint=None, token=None, stdin=None):
        env = dict(os.environ)
        env["CONNECT_LOCAL_ENDPOINT"] = endpoint or self.server.endpoint
        env.pop("CONNECT_LOCAL_ADMIN_TOKEN", None)
        if token is not None:
            env["CONNECT_LOCAL_ADMIN_TOKEN"] = token
        p = subprocess.run([BINARY, "admin", *args], capture_output=True, text=True, env=env, timeout=30, input=stdin)
        self.assertEqual(p.returncode, expect, f"admin {' '.join(args)}: rc={p.returncode} out={p.stdout!r} err={p.stderr!r}")
        return p

    def cli_json(self, *args):
        return json.loads(self.cli("--json", *args).stdout)


class StatusAndClock(AdminCliCase):
    def test_status_table_and_json(self):
        out = self.cli("status").stdout
        self.assertRegex(out, r"(?m)^status\s+ok$")
        store = self.server.admin("GET", "health")["store"]  # sqlite, or postgres when the suite runs there
        self.assertIn(store, ("sqlite", "postgres"))
        self.assertRegex(out, rf"(?m)^store\s+{store}$")
        self.assertRegex(out, r"(?m)^clock\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIn(self.server.endpoint, out)
        v = self.cli_json("status")
        self.assertEqual(v["health"]["status"], "ok")
        self.assertAlmostEqual(v["clock"]["now"], self.server.now(), delta=5)
        # --json after the command works too.
        self.assertEqual(json.loads(self.cli("status", "--json").stdout)["health"]["store"], store)

    def test_clock_shows_and_advances_by_every_unit(self):
        before = self.server.now()
        self.assertRegex(self.cli("clock").stdout, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  \(\d+\)\n$")
        expected = before
        for text, seconds in (("180d", 180 * 86400), ("24h", 86400), ("90m", 5400), ("30s", 30)):
            expected += seconds
            now = self.cli_json("clock", "advance", text)["now"]
            self.assertAlmostEqual(now, expected, delta=5, msg=text)
        self.assertAlmostEqual(self.server.now(), expected, delta=5)

    def test_clock_usage_errors(self):
        self.assertIn("180d", self.cli("clock", "advance", "soon", expect=USAGE).stderr)
        self.cli("clock", "advance", expect=USAGE)
        self.cli("clock", "advance", "-5d", expect=USAGE)


class Quotas(AdminCliCase):
    def test_get_and_set_per_account_and_region(self):
        self.assertEqual(self.cli_json("quotas", "get")["phone_numbers_per_instance"], 5)
        v = self.cli_json("quotas", "set", "--account", "111111111111", "--region", "eu-west-2",
                          "phone_numbers_per_instance=7", "claim_release_ratio=1.5", "claim_release_rule=false")
        self.assertEqual((v["phone_numbers_per_instance"], v["claim_release_ratio"], v["claim_release_rule"]), (7, 1.5, False))
        self.assertEqual(self.server.quotas("111111111111", "eu-west-2")["phone_numbers_per_instance"], 7)
        self.assertEqual(self.server.quotas(DEFAULT_ACCOUNT, REGION)["phone_numbers_per_instance"], 5)
        out = self.cli("quotas", "get", "--account", "111111111111", "--region", "eu-west-2").stdout
        self.assertRegex(out, r"(?m)^phone_numbers_per_instance\s+7$")
        self.assertRegex(out, r"(?m)^region\s+eu-west-2$")

    def test_bad_quotas(self):
        self.assertIn("unknown quota", self.cli("quotas", "set", "nope=1", expect=USAGE).stderr)
        self.cli("quotas", "set", "instances=many", expect=USAGE)
        self.cli("quotas", "set", expect=USAGE)
        err = self.cli("quotas", "set", "instances=-1", expect=REFUSED).stderr
        self.assertIn("400", err)
        self.assertIn("instances", err)
        self.assertEqual(self.server.quotas()["instances"], 2)
        self.assertIn("account_id", self.cli("quotas", "get", "--account", "12", expect=REFUSED).stderr)


class Inventory(AdminCliCase):
    def test_list_add_and_refuse(self):
        blocks = self.cli_json("inventory", "list")["blocks"]
        self.assertIn({"country": "US", "type": "DID", "prefix": "+1206555", "length": 12}, blocks)
        out = self.cli("inventory", "list", "--country", "ZA", "--type", "SHARED").stdout
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["COUNTRY", "TYPE", "PREFIX", "LENGTH"])
        self.assertTrue(len(lines) >= 2 and all(l.split()[:2] == ["ZA", "SHARED"] for l in lines[1:]), out)
        self.assertNotIn({"country": "US", "type": "DID", "prefix": "+1206556", "length": 12}, blocks)
        out = self.cli("inventory", "add", "--country", "US", "--type", "DID", "--prefix", "+1206556",
                       "--length", "12").stdout
        self.assertIn("added US DID +1206556", out)
        self.assertIn({"country": "US", "type": "DID", "prefix": "+1206556", "length": 12},
                      self.server.admin("GET", "inventory")["blocks"])
        # A GB prefix is not a US block: the server says no.
        err = self.cli("inventory", "add", "--country", "US", "--type", "DID", "--prefix", "+44", "--length", "12",
                       expect=REFUSED).stderr
        self.assertIn("400", err)
        self.cli("inventory", "add", "--country", "US", expect=USAGE)
        self.cli("inventory", "add", "--country", "US", "--type", "DID", "--prefix", "+1", "--length", "99", expect=USAGE)


class ExternalNumbers(AdminCliCase):
    def test_add_and_list(self):
        arn = "arn:aws:sms-voice:us-east-1:000000000000:phone-number/phone-" + "ab" * 16
        self.assertEqual(self.cli_json("external-numbers", "list")["numbers"], [])
        self.cli("external-numbers", "add", "--source-arn", arn, "--phone-number", "+12065550142", "--country", "US",
                 "--type", "DID")
        self.assertEqual(self.cli_json("external-numbers", "list")["numbers"],
                         [{"source_arn": arn, "phone_number": "+12065550142", "country": "US", "type": "DID"}])
        out = self.cli("external-numbers", "list").stdout
        self.assertIn("+12065550142", out)
        self.assertEqual(out.splitlines()[0].split()[:3], ["NUMBER", "COUNTRY", "TYPE"])
        self.cli("external-numbers", "add", "--source-arn", "nope", "--phone-number", "+1", "--country", "US",
                 "--type", "DID", expect=REFUSED)


class Faults(AdminCliCase):
    def test_add_list_remove_clear(self):
        rule = self.cli_json("faults", "add", "--operation", "ClaimPhoneNumber", "--prefix", "+1206",
                             "--probability", "0.5", "--error-code", "InternalServiceException", "--message", "boom")
        self.assertEqual(len(rule["faults"]), 1)
        first = rule["faults"][0]
        self.assertEqual((first["operation"], first["prefix"], first["probability"], first["message"]),
                         ("ClaimPhoneNumber", "+1206", 0.5, "boom"))
        self.cli("faults", "add", "--operation", "ClaimPhoneNumber", "--claim-failure-message", "no luck", "--times", "2")
        out = self.cli("faults", "list").stdout
        self.assertIn("no luck", out)
        self.assertIn(first["id"], out)
        self.assertEqual(len(self.server.admin("GET", "faults")["faults"]), 2)
        left = self.cli_json("faults", "remove", first["id"])["faults"]
        self.assertEqual([r["id"] for r in left if r["id"] == first["id"]], [])
        self.assertIn("no fault rule", self.cli("faults", "remove", first["id"], expect=REFUSED).stderr)
        self.assertIn("no fault rules", self.cli("faults", "clear").stdout)
        self.assertEqual(self.server.admin("GET", "faults")["faults"], [])

    def test_usage(self):
        self.cli("faults", "add", "--operation", "ClaimPhoneNumber", expect=USAGE)
        self.cli("faults", "add", "--operation", "X", "--error-code", "A", "--claim-failure-message", "B", expect=USAGE)
        self.cli("faults", "add", "--operation", "X", "--error-code", "A", "--probability", "2", expect=USAGE)
        self.cli("faults", "remove", expect=USAGE)
        # The server checks what the CLI cannot: an after-commit claim failure.
        self.cli("faults", "add", "--operation", "X", "--claim-failure-message", "B", "--after-commit", expect=REFUSED)


class ResetExportImport(AdminCliCase):
    def test_reset_wipes_state(self):
        self.server.admin("POST", "inventory", {"blocks": [{"country": "US", "type": "DID", "prefix": "+1206556",
                                                            "length": 12}]})
        self.server.advance(3600)
        self.assertIn("reset", self.cli("reset").stdout)
        blocks = self.server.admin("GET", "inventory")["blocks"]
        self.assertNotIn({"country": "US", "type": "DID", "prefix": "+1206556", "length": 12}, blocks)
        self.assertEqual(self.cli_json("reset")["status"], "reset")

    def test_export_then_import_restores_state(self):
        try:
            self.server.admin("GET", "snapshot")
        except urllib.error.HTTPError as e:
            if e.code == 404:
                self.cli("export", expect=REFUSED)
                self.skipTest("this server has no snapshot endpoint")
            raise
        client = self.client()
        instance = self.create_instance(client=client, alias="exported")["Id"]
        self.server.set_quotas(phone_numbers_per_instance=9)
        snapshot = self.cli("export").stdout
        self.assertIsInstance(json.loads(snapshot), dict)
        self.server.reset()
        self.assertEqual(client.list_instances()["InstanceSummaryList"], [])
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write(snapshot)
        try:
            self.assertIn("imported", self.cli("import", f.name).stdout)
        finally:
            os.unlink(f.name)
        self.assertEqual([i["Id"] for i in client.list_instances()["InstanceSummaryList"]], [instance])
        self.assertEqual(self.server.quotas()["phone_numbers_per_instance"], 9)
        # From stdin, with --json.
        self.assertEqual(json.loads(self.cli("--json", "import", "-", stdin=snapshot).stdout)["status"], "imported")

    def test_import_refuses_what_is_not_a_snapshot(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write("[1, 2")
        try:
            self.assertIn("not a snapshot", self.cli("import", f.name, expect=USAGE).stderr)
        finally:
            os.unlink(f.name)
        self.cli("import", "/nonexistent/snapshot.json", expect=USAGE)
        self.cli("import", expect=USAGE)


class UsageAndConnection(AdminCliCase):
    def test_usage_errors(self):
        self.cli(expect=USAGE)
        self.cli("bogus", expect=USAGE)
        self.cli("status", "--nope", expect=USAGE)
        self.assertIn("--endpoint", self.cli("--help").stdout)
        self.assertIn("https", self.cli("--endpoint", "https://127.0.0.1:1", "status", expect=USAGE).stderr)
        self.cli("--endpoint", "not a url", "status", expect=USAGE)

    def test_cannot_connect(self):
        err = self.cli("status", endpoint=f"http://127.0.0.1:{free_port()}", expect=UNREACHABLE).stderr
        self.assertIn("cannot reach", err)
        # --endpoint wins over the environment.
        self.cli("--endpoint", self.server.endpoint, "status", endpoint=f"http://127.0.0.1:{free_port()}")


class TokenServer(Server):
    """A server with --admin-token: the harness's own admin calls carry the token."""
    TOKEN = "s3cret"

    def __init__(self):
        super().__init__(auth="off", extra_args=("--admin-token", self.TOKEN))

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.endpoint}/_connect-local/{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {self.TOKEN}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"{}")


class AdminToken(unittest.TestCase):
    def test_token_from_flag_or_environment(self):
        with TokenServer() as server:
            env = dict(os.environ, CONNECT_LOCAL_ENDPOINT=server.endpoint)
            env.pop("CONNECT_LOCAL_ADMIN_TOKEN", None)

            def run(*args, **extra):
                return subprocess.run([BINARY, "admin", *args], capture_output=True, text=True, timeout=30,
                                      env={**env, **extra})

            denied = run("status")
            self.assertEqual(denied.returncode, REFUSED, denied)
            self.assertIn("401", denied.stderr)
            self.assertEqual(run("--admin-token", "s3cret", "status").returncode, OK)
            self.assertEqual(run("status", CONNECT_LOCAL_ADMIN_TOKEN="s3cret").returncode, OK)
            self.assertEqual(run("status", CONNECT_LOCAL_ADMIN_TOKEN="wrong").returncode, REFUSED)


if __name__ == "__main__":
    unittest.main()
