"""Shared harness for the connect-local end-to-end suites (boto3 and AWS CLI).

Starts the real `connect-local` binary on a free loopback port (``--port 0``; the port is read from
the "listening on" line), writes temporary credentials files, talks to the admin API and builds
boto3 clients with retries disabled, so one request is one attempt and errors surface at once.

The binary is taken from $CL_BINARY (set by ctest), else <repo>/build/connect-local.
Stdlib only, plus boto3/botocore. The clients load the Connect model committed in tests/e2e/botocore-data
($AWS_DATA_PATH), not the installed botocore's, so older botocore releases know every operation tested.
"""

import contextlib
import json
import os
import re
import signal
import sys
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

E2E_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOTOCORE_DATA = os.path.join(E2E_DIR, "botocore-data")
# Read when a botocore session is created: first in the search path, before the installed models.
os.environ["AWS_DATA_PATH"] = os.pathsep.join(p for p in (BOTOCORE_DATA, os.environ.get("AWS_DATA_PATH")) if p)

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # helpers beside this file (the CLI suite loads it by path)
import postgres_db  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(E2E_DIR, "..", ".."))
BINARY = os.environ.get("CL_BINARY") or os.path.join(REPO_ROOT, "build", "connect-local")

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_KEY = "test"
DEFAULT_SECRET = "test"
REGION = "us-east-1"
OTHER_REGION = "eu-west-2"

UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
UUID_ANY_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SERVICE_ROLE_RE = r"^arn:aws:iam::{acct}:role/aws-service-role/connect\.amazonaws\.com/AWSServiceRoleForAmazonConnect_[A-Za-z0-9]{{20}}$"
ENUM_MESSAGE = (
    "1 validation error detected: Value 'NOPE' at 'identityManagementType' failed to satisfy constraint: "
    "Member must satisfy enum value set: ["
)

_LISTENING_RE = re.compile(r"listening on http://([0-9.]+):(\d+)")


def instance_arn(instance_id, account=DEFAULT_ACCOUNT, region=REGION):
    return f"arn:aws:connect:{region}:{account}:instance/{instance_id}"


def service_role_re(account):
    return SERVICE_ROLE_RE.format(acct=account)


def write_credentials(directory, credentials):
    """credentials: list of dicts with access_key_id, secret_access_key, account_id, [session_token], [policy]."""
    path = os.path.join(directory, "credentials.json")
    with open(path, "w") as f:
        json.dump({"credentials": credentials}, f)
    return path


class Server:
    """One connect-local process. Use start()/stop() or as a context manager."""

    def __init__(self, credentials=None, auth="verify", transient_delay="60s", extra_args=(), data_dir=None,
                 database=None, postgres_dsn=None):
        """data_dir: a SQLite data directory (kept across restarts) instead of --in-memory.

        With CL_E2E_POSTGRES_DSN set and no data_dir, the server runs on PostgreSQL: on `database` when
        given (nodes of one deployment share it; the caller owns it), else on a database of its own.
        postgres_dsn: a full connection string (another cluster), which the caller owns."""
        self.credentials = credentials
        self.data_dir = data_dir
        self.database = database
        self.postgres_dsn = postgres_dsn
        self._own_database = None
        self.auth = auth
        self.transient_delay = transient_delay
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.tmp = None
        self._stdout_lines = []
        self._stderr_path = None
        self._clients = {}

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=20):
        if not os.access(BINARY, os.X_OK):
            raise RuntimeError(
                f"connect-local binary not found at {BINARY}: build it "
                "(cmake --preset release && cmake --build build --target connect-local) or set CL_BINARY")
        self.tmp = tempfile.TemporaryDirectory(prefix="cl-e2e-")
        if self.data_dir:
            store = ["--data-dir", self.data_dir]
        elif self.postgres_dsn:
            store = ["--postgres", self.postgres_dsn]
        elif postgres_db.enabled():
            if self.database is None and self._own_database is None:
                self._own_database = postgres_db.create_database()
            store = ["--postgres", postgres_db.dsn_for(self.database or self._own_database)]
        else:
            store = ["--in-memory"]
        args = [BINARY, "serve", "--host", "127.0.0.1", "--port", "0", *store,
                "--auth", self.auth, "--transient-delay", self.transient_delay]
        if self.credentials is not None:
            args += ["--credentials", write_credentials(self.tmp.name, self.credentials)]
        args += self.extra_args
        self._stderr_path = os.path.join(self.tmp.name, "stderr.log")
        self._stderr = open(self._stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL,
                                     text=True)
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self._stdout_lines.append(line)
                m = _LISTENING_RE.search(line)
                if m and self.port is None:
                    self.port = int(m.group(2))
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(timeout) or self.port is None:
            self.stop()
            raise RuntimeError(f"connect-local did not start: {self.output()}")
        # The line is printed once the socket listens; health confirms the admin API answers too.
        deadline = time.time() + timeout
        while True:
            try:
                if self.admin("GET", "health")["status"] == "ok":
                    break
            except (OSError, urllib.error.URLError):
                pass
            if time.time() > deadline:
                self.stop()
                raise RuntimeError(f"connect-local health check failed: {self.output()}")
            time.sleep(0.05)
        return self

    def output(self):
        err = ""
        if self._stderr_path and os.path.exists(self._stderr_path):
            with open(self._stderr_path, "rb") as f:
                err = f.read().decode(errors="replace")[-4000:]
        return f"stdout: {''.join(self._stdout_lines)!r} stderr: {err!r}"

    def stop(self):
        # Closes the clients' pooled connections (older urllib3 releases warn about them at exit otherwise).
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None
        if self._own_database is not None:
            postgres_db.drop_database(self._own_database)
            self._own_database = None
        self.proc = None

    def kill(self):
        """SIGKILL, as a crash: nothing is flushed or closed. The store (data_dir, database) stays."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- admin API (plain JSON, no SigV4) ----
    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.endpoint}/_connect-local/{path}", data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"{}")

    def reset(self):
        return self.admin("POST", "reset", {})

    def now(self):
        return self.admin("GET", "clock")["now"]

    def advance(self, seconds):
        return self.admin("POST", "clock", {"advance_seconds": seconds})["now"]

    def quotas(self, account_id=DEFAULT_ACCOUNT, region=REGION):
        return self.admin("GET", f"quotas?account_id={account_id}&region={region}")

    def set_quotas(self, account_id=DEFAULT_ACCOUNT, region=REGION, **quotas):
        return self.admin("PUT", "quotas", {"account_id": account_id, "region": region, **quotas})

    def raw_request(self, method, path, body=b"", key=DEFAULT_KEY, secret=DEFAULT_SECRET, region=REGION,
                    content_type="application/json"):
        """Sends `body` (bytes, as given) SigV4-signed by botocore's signer; returns (status, headers, parsed body).

        For what an SDK never sends (malformed JSON, wrong member types) but a server must answer cleanly."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        req = AWSRequest(method=method, url=self.endpoint + path, data=body,
                         headers={"Content-Type": content_type} if body else {})
        SigV4Auth(Credentials(key, secret), "connect", region).add_auth(req)
        prepared = req.prepare()
        http_req = urllib.request.Request(prepared.url, data=body or None, headers=dict(prepared.headers.items()),
                                          method=method)
        try:
            with urllib.request.urlopen(http_req, timeout=10) as resp:
                status, headers, payload = resp.status, dict(resp.headers.items()), resp.read()
        except urllib.error.HTTPError as e:
            status, headers, payload = e.code, dict(e.headers.items()), e.read()
        headers = {k.lower(): v for k, v in headers.items()}
        return status, headers, json.loads(payload) if payload else {}

    # ---- boto3 ----
    def client(self, key=DEFAULT_KEY, secret=DEFAULT_SECRET, region=REGION, token=None, validate=True, **config):
        """A boto3 Connect client with retries off; validate=False disables client-side param validation.

        Clients are cached per arguments (building one costs ~0.1 s); they hold no per-test state."""
        cache_key = (key, secret, region, token, validate, tuple(sorted(config.items(), key=lambda kv: kv[0])))
        if cache_key not in self._clients:
            cfg = Config(retries={"total_max_attempts": 1}, parameter_validation=validate, **config)
            self._clients[cache_key] = _session().client(
                "connect", endpoint_url=self.endpoint, region_name=region, aws_access_key_id=key,
                aws_secret_access_key=secret, aws_session_token=token, config=cfg)
        return self._clients[cache_key]


_SESSION = None


def _session():
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session()
    return _SESSION


class ServerTestCase(unittest.TestCase):
    """One server per test class; state is wiped (admin reset) before every test."""

    credentials = None  # None: the default test/test credential
    auth = "verify"
    transient_delay = "60s"
    extra_args = ()  # more `serve` flags, e.g. ("--throttle", "aws")
    reset_between_tests = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(credentials=cls.credentials, auth=cls.auth, transient_delay=cls.transient_delay,
                            extra_args=cls.extra_args).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        if self.reset_between_tests:
            self.server.reset()
        self.assertIsNotNone(self.server.proc)
        self.assertIsNone(self.server.proc.poll(), f"server died: {self.server.output()}")

    def client(self, **kw):
        return self.server.client(**kw)

    # ---- helpers ----
    def create_instance(self, client=None, alias="test-alias", identity="CONNECT_MANAGED", inbound=True, outbound=True,
                        **extra):
        client = client or self.client()
        return client.create_instance(IdentityManagementType=identity, InstanceAlias=alias,
                                      InboundCallsEnabled=inbound, OutboundCallsEnabled=outbound, **extra)

    @contextlib.contextmanager
    def assertAwsError(self, code, status, message_prefix=None, message_contains=()):
        """Asserts the block raises a botocore ClientError with this code and HTTP status (and message)."""
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            yield cm
        resp = cm.exception.response
        self.assertEqual(resp["Error"]["Code"], code, resp)
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], status, resp)
        request_id = resp["ResponseMetadata"].get("RequestId")
        self.assertTrue(request_id, f"no RequestId in {resp}")
        self.assertRegex(request_id, UUID_ANY_RE)
        message = resp["Error"].get("Message", "")
        self.assertTrue(message, f"empty error message in {resp}")
        if message_prefix is not None:
            self.assertTrue(message.startswith(message_prefix), f"{message!r} does not start with {message_prefix!r}")
        for part in ([message_contains] if isinstance(message_contains, str) else message_contains):
            self.assertIn(part, message)
