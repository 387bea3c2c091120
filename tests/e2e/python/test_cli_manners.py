"""The connect-local binary's manners (SPEC §11): --version, suggestions for typos, every flag checked
before anything is touched, clear messages for unusable data directories, one server per data
directory, an access-log line per request (text and JSON, never a secret) and start-up progress.

Runs the real binary; servers listen on free loopback ports."""

import atexit
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BINARY, DEFAULT_ACCOUNT, REGION, Server, write_credentials

VERSION_RE = re.compile(r"^\d+\.\d+\.\d+\S*$")
NOBODY = 65534

# Distinctive secrets: none of them may ever appear in the server's output.
KEY = "AKIDMANNERS0000000001"
SECRET = "SecretMannersDoNotLog123"
SESSION_TOKEN = "SessionTokenMannersDoNotLog456"
ADMIN_TOKEN = "AdminTokenMannersDoNotLog789"


_reachable_binary = []


def binary_for(user):
    """The binary, or for another user a copy in a directory anyone can reach (a clone under /root
    is not readable by nobody)."""
    if user is None:
        return BINARY
    if not _reachable_binary:
        d = tempfile.mkdtemp(prefix="cl-manners-bin-")
        os.chmod(d, 0o755)
        path = os.path.join(d, "connect-local")
        shutil.copy2(BINARY, path)
        os.chmod(path, 0o755)
        atexit.register(shutil.rmtree, d, True)
        _reachable_binary.append(path)
    return _reachable_binary[0]


def run(args, cwd=None, timeout=20, user=None):
    """Runs the binary to completion; returns (exit code, stdout, stderr)."""
    preexec = None
    if user is not None:
        def preexec():
            os.setgroups([])
            os.setgid(user)
            os.setuid(user)
    p = subprocess.run([binary_for(user), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, preexec_fn=preexec)
    return p.returncode, p.stdout, p.stderr


def wait_for(predicate, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


def text_fields(line):
    """key=value pairs of a text access line (values bare or JSON-quoted)."""
    fields = {}
    for m in re.finditer(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line):
        value = m.group(2)
        fields[m.group(1)] = json.loads(value) if value.startswith('"') else value
    return fields


class VersionAndTyposTest(unittest.TestCase):
    def test_version_on_both_levels(self):
        for args in (["--version"], ["serve", "--version"]):
            code, out, err = run(args)
            self.assertEqual(code, 0, err)
            self.assertRegex(out.strip(), VERSION_RE)

    def test_misspelt_command_gets_a_suggestion(self):
        code, out, err = run(["srve", "--in-memory"])
        self.assertGreater(code, 0)
        self.assertIn("unknown command 'srve'", err)
        self.assertIn("did you mean 'serve'?", err)

    def test_misspelt_flag_gets_a_suggestion(self):
        with tempfile.TemporaryDirectory(prefix="cl-manners-") as cwd:
            code, out, err = run(["serve", "--data-dri", "x"], cwd=cwd)
            self.assertGreater(code, 0)
            self.assertIn("unknown option --data-dri (did you mean --data-dir?)", err)
            code, out, err = run(["serve", "--in-memory", "--log-levle=debug"], cwd=cwd)
            self.assertGreater(code, 0)
            self.assertIn("did you mean --log-level?", err)
            self.assertEqual(os.listdir(cwd), [])

    def test_help_documents_units_and_log_format(self):
        code, out, err = run(["serve", "--help"])
        self.assertEqual(code, 0, err)
        for text in ("--log-format", "ms, s, m or h", "--data-dir", "--postgres", "locked"):
            self.assertIn(text, out)


class FlagValidationTest(unittest.TestCase):
    """Every refused flag: a message naming it, exit code > 0, no data directory created, nothing bound."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cl-manners-")
        self.cwd = os.path.join(self.tmp, "cwd")
        os.mkdir(self.cwd)
        self.data = os.path.join(self.cwd, "data")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def assert_refused(self, args, expected, with_data_dir=True):
        port = [] if "--port" in args else ["--port", "0"]
        full = ["serve", *port, *(["--data-dir", self.data] if with_data_dir else []), *args]
        code, out, err = run(full, cwd=self.cwd)
        self.assertGreater(code, 0, f"{args} accepted: {out} {err}")
        self.assertIn(expected, err, f"{args}")
        self.assertNotIn("listening on", out)
        self.assertEqual(os.listdir(self.cwd), [], f"{args} touched the working directory")

    def test_every_invalid_value_is_refused_before_anything_is_touched(self):
        bad_json = os.path.join(self.tmp, "bad.json")
        with open(bad_json, "w") as f:
            f.write("{not json")
        a_file = os.path.join(self.tmp, "a-file")
        with open(a_file, "w") as f:
            f.write("x")
        cases = [
            (["--log-level", "verbose"], "--log-level"),
            (["--log-format", "xml"], "--log-format"),
            (["--transient-delay", "2x"], "--transient-delay 2x: expected a number with a unit ms, s, m or h"),
            (["--transient-delay", "1d"], "--transient-delay 1d"),
            (["--transient-delay", "-1s"], "--transient-delay"),
            (["--transient-delay", "25h"], "--transient-delay 25h: at most 24h"),
            (["--port", "70000"], "--port 70000: expected a port number from 0 to 65535"),
            (["--port", "http"], "--port http"),
            (["--threads", "0"], "--threads"),
            (["--workers", "0"], "--workers"),
            (["--host", "no-such-host.invalid"], "--host no-such-host.invalid"),
            (["--host", ""], "--host"),
            (["--auth", "maybe"], "--auth"),
            (["--throttle", "fast"], "--throttle"),
            (["--admin-token="], "--admin-token"),
            (["--admin-token", "two words"], "--admin-token"),
            (["--credentials", os.path.join(self.tmp, "missing.json")], "--credentials"),
            (["--credentials", bad_json], "--credentials"),
            (["--in-memory"], "--data-dir excludes --in-memory"),
            (["--postgres="], "--postgres"),
            (["stray-argument"], "stray-argument"),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                self.assert_refused(args, expected)
        with self.subTest(args="--data-dir FILE"):
            self.assert_refused(["--data-dir", a_file], "is not a directory", with_data_dir=False)
        with self.subTest(args="default data dir"):
            # Without --data-dir the default ./connect-local-data is not created either.
            self.assert_refused(["--log-level", "verbose"], "--log-level", with_data_dir=False)

    def test_postgres_is_validated_like_every_flag_and_an_unreachable_database_is_named(self):
        self.assert_refused(["--postgres", "postgresql://localhost/x", "--log-level", "verbose"], "--log-level",
                            with_data_dir=False)
        self.assert_refused(["--postgres", "postgresql://localhost/x"], "--postgres", with_data_dir=False)

    def test_every_duration_unit_is_accepted(self):
        for delay in ("500ms", "2s", "1.5m", "2h", "0", "3"):
            with self.subTest(delay=delay):
                with Server(transient_delay=delay) as server:
                    self.assertIn(f"transient delay: {delay}", "".join(server._stdout_lines))


class DataDirectoryTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cl-manners-")
        os.chmod(self.tmp, 0o755)
        self.data = os.path.join(self.tmp, "data")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def serve_once(self, user=None):
        return run(["serve", "--port", "0", "--data-dir", self.data, "--log-level", "error"], user=user,
                   timeout=30)

    def unprivileged(self):
        """Run as nobody when root (root may write anywhere); as ourselves otherwise."""
        return NOBODY if os.geteuid() == 0 else None

    def test_read_only_directory_is_named_with_cause_and_remedy(self):
        os.mkdir(self.data, 0o555)
        code, out, err = self.serve_once(user=self.unprivileged())
        self.assertGreater(code, 0)
        self.assertIn(self.data, err)
        self.assertIn("permission denied", err)
        self.assertIn("check that the directory is writable or choose another --data-dir", err)
        self.assertNotIn("sqlite:", err)

    def test_read_only_database_file_is_named(self):
        with Server(data_dir=self.data):
            pass
        db = os.path.join(self.data, "connect-local.db")
        self.assertTrue(os.path.exists(db))
        os.chmod(db, 0o444)
        if os.geteuid() == 0:
            os.chown(self.data, NOBODY, NOBODY)
            os.chown(os.path.join(self.data, "connect-local.lock"), NOBODY, NOBODY)
        code, out, err = self.serve_once(user=self.unprivileged())
        self.assertGreater(code, 0)
        self.assertIn(f"cannot open {db} for writing", err)
        self.assertIn("choose another --data-dir", err)

    def test_unopenable_database_names_the_file(self):
        os.makedirs(os.path.join(self.data, "connect-local.db"))  # a directory where the file should be
        code, out, err = self.serve_once()
        self.assertGreater(code, 0)
        self.assertIn(f"cannot open {os.path.join(self.data, 'connect-local.db')}: ", err)
        self.assertNotIn("sqlite:", err)

    def test_corrupt_database_is_named_and_left_alone(self):
        os.mkdir(self.data)
        db = os.path.join(self.data, "connect-local.db")
        junk = b"this is not a database\n" * 400
        with open(db, "wb") as f:
            f.write(junk)
        code, out, err = self.serve_once()
        self.assertGreater(code, 0)
        self.assertIn(f"{db} is not a connect-local database (or is corrupt): move it away or choose another "
                      "--data-dir", err)
        with open(db, "rb") as f:
            self.assertEqual(f.read(), junk)

    def test_second_server_on_the_same_directory_is_refused(self):
        with Server(data_dir=self.data) as first:
            c = first.client()
            c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias="first",
                              InboundCallsEnabled=True, OutboundCallsEnabled=True)
            code, out, err = self.serve_once()
            self.assertGreater(code, 0)
            self.assertIn(f"data directory {self.data} is in use by another connect-local (pid {first.proc.pid})",
                          err)
            self.assertNotIn("listening on", out)
            # The first keeps serving.
            self.assertIsNone(first.proc.poll())
            self.assertEqual(first.admin("GET", "health")["status"], "ok")
            self.assertEqual([i["InstanceAlias"] for i in c.list_instances()["InstanceSummaryList"]], ["first"])
        # Released when the first stops.
        with Server(data_dir=self.data) as second:
            aliases = [i["InstanceAlias"] for i in second.client().list_instances()["InstanceSummaryList"]]
            self.assertEqual(aliases, ["first"])


class AccessLogTest(unittest.TestCase):
    """One line per request, API and admin calls, in text and JSON; no secret in any output."""

    CREDENTIALS = [{"access_key_id": KEY, "secret_access_key": SECRET, "account_id": "111122223333",
                    "session_token": SESSION_TOKEN}]

    def start(self, *args):
        server = Server(credentials=self.CREDENTIALS, extra_args=["--admin-token", ADMIN_TOKEN, *args])
        # The harness's admin helper sends no token: check health with one instead.
        server.admin = lambda method, path, body=None: {"status": "ok"}
        server.start()
        self.addCleanup(server.stop)
        return server

    def calls(self, server):
        """A signed call, a refused signed call and an admin call; returns their request ids."""
        import urllib.request
        c = server.client(key=KEY, secret=SECRET, token=SESSION_TOKEN)
        ok = c.list_instances()["ResponseMetadata"]["RequestId"]
        try:
            c.describe_instance(InstanceId="00000000-0000-4000-8000-000000000000")
            self.fail("DescribeInstance of an unknown instance succeeded")
        except c.exceptions.ResourceNotFoundException as e:
            missing = e.response["ResponseMetadata"]["RequestId"]
        req = urllib.request.Request(f"{server.endpoint}/_connect-local/clock?x=1",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            admin_id = resp.headers["x-amzn-RequestId"]
            self.assertEqual(resp.status, 200)
        return ok, missing, admin_id

    def access_lines(self, server, count, parse):
        def lines():
            found = [parse(l) for l in list(server._stdout_lines) if "access" in l]
            found = [f for f in found if f.get("msg", "access") == "access" and "request_id" in f]
            return found if len(found) >= count else None
        found = wait_for(lines)
        self.assertIsNotNone(found, f"no access lines: {server.output()}")
        return {f["request_id"]: f for f in found}

    def assert_no_secret(self, server):
        server.stop()
        output = server.output()
        for secret in (SECRET, SESSION_TOKEN, ADMIN_TOKEN, "Signature=", "AWS4-HMAC-SHA256", "Bearer"):
            self.assertNotIn(secret, output)

    def check(self, lines, ok, missing, admin_id, absent):
        line = lines[ok]
        self.assertEqual(line["client"], "127.0.0.1")
        self.assertEqual(line["account"], "111122223333")
        self.assertEqual(line["region"], REGION)
        self.assertEqual(line["operation"], "ListInstances")
        self.assertEqual(str(line["status"]), "200")
        self.assertEqual(line["error"], absent)
        self.assertGreaterEqual(float(line["latency_ms"]), 0)
        line = lines[missing]
        self.assertEqual(line["operation"], "DescribeInstance")
        self.assertEqual(str(line["status"]), "404")
        self.assertEqual(line["error"], "ResourceNotFoundException")
        line = lines[admin_id]
        self.assertEqual(line["operation"], "admin:GET /_connect-local/clock")
        self.assertEqual(str(line["status"]), "200")
        self.assertEqual(line["account"], absent)
        self.assertEqual(line["client"], "127.0.0.1")

    def test_text_access_log(self):
        server = self.start()
        ok, missing, admin_id = self.calls(server)
        lines = self.access_lines(server, 3, text_fields)
        self.check(lines, ok, missing, admin_id, "-")
        for l in server._stdout_lines:
            if f"request_id={ok}" in l:
                self.assertRegex(l, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info access ")
        self.assert_no_secret(server)

    def test_json_access_log(self):
        server = self.start("--log-format", "json")
        ok, missing, admin_id = self.calls(server)
        lines = self.access_lines(server, 3, json.loads)
        self.check(lines, ok, missing, admin_id, None)
        self.assertRegex(lines[ok]["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(lines[ok]["level"], "info")
        self.assert_no_secret(server)
        # Every line is one JSON object, the start-up lines included.
        objects = [json.loads(l) for l in server._stdout_lines]
        self.assertTrue(any("listening on http://127.0.0.1:" in o.get("msg", "") for o in objects))

    def test_no_access_log_above_info(self):
        server = self.start("--log-level", "warn")
        self.calls(server)
        time.sleep(0.3)  # the log is flushed every 50 ms
        self.assertEqual([l for l in server._stdout_lines if "request_id" in l], [])
        self.assertTrue(any("listening on" in l for l in server._stdout_lines))


class StartupMessagesTest(unittest.TestCase):
    def test_start_up_says_what_it_loads_before_listening(self):
        with tempfile.TemporaryDirectory(prefix="cl-manners-") as data:
            with Server(data_dir=data, transient_delay="0s") as server:
                c = server.client()
                inst = c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias="boot",
                                         InboundCallsEnabled=True, OutboundCallsEnabled=True)
                number = c.search_available_phone_numbers(
                    TargetArn=inst["Arn"], PhoneNumberCountryCode="US", PhoneNumberType="DID",
                    MaxResults=1)["AvailableNumbersList"][0]["PhoneNumber"]
                c.claim_phone_number(TargetArn=inst["Arn"], PhoneNumber=number)
            with Server(data_dir=data, transient_delay="0s") as server:
                lines = list(server._stdout_lines)
            listening = next(i for i, l in enumerate(lines) if "listening on http://127.0.0.1:" in l)
            before = "".join(lines[:listening])
            self.assertIn(f"opening the sqlite store in {data}", before)
            self.assertRegex(before, r"store ready in \d+\.\d\d s")
            self.assertIn("loading inventory", before)
            m = re.search(r"loaded inventory: (\d+) blocks, (\d+) held numbers in \d+\.\d\d s", before)
            self.assertIsNotNone(m, before)
            self.assertGreater(int(m.group(1)), 0)
            self.assertEqual(int(m.group(2)), 1)
            # The harness's line: exactly "listening on http://HOST:PORT".
            self.assertRegex(lines[listening], r"listening on http://127\.0\.0\.1:\d+\n$")


if __name__ == "__main__":
    unittest.main()
