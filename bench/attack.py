#!/usr/bin/env python3
"""Hostile clients against connect-local, loopback only, bounded in time and connections.

Starts the server with a 1024-descriptor limit (as `ulimit -n 1024` would), then runs one attack
at a time while a well-behaved client (bench/loadgen, 2 keep-alive connections, signed
DescribePhoneNumber) measures its latency, and a fresh client connects every 200 ms to see whether
new clients are still served. Prints a markdown table: the well-behaved client's p99, new-client
successes, the server's RSS before / peak during / after, and what the attacker got back.

Usage: bench/attack.py [--seconds 6] [--only name,name] [--binary build/connect-local]
"""
import argparse
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def status_of(data):
    m = re.match(rb"HTTP/1\.1 (\d{3})", data)
    return int(m.group(1)) if m else None


class Tally:
    """What the attacker saw: response statuses, closes and connection failures."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def summary(self):
        with self.lock:
            return ", ".join(f"{k}×{v}" for k, v in sorted(self.counts.items(), key=lambda kv: str(kv[0]))) or "-"


def connect(port, timeout=2.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def send_and_classify(port, payload, tally, stream=None, timeout=3.0):
    """Sends payload (and then `stream` pieces until the server answers); tallies the status."""
    try:
        s = connect(port)
    except OSError:
        tally.add("connect failed")
        return
    try:
        s.settimeout(timeout)
        s.sendall(payload)
        if stream:
            s.setblocking(False)
            deadline = time.time() + timeout
            while time.time() < deadline:
                try:
                    s.send(stream)
                except BlockingIOError:
                    time.sleep(0.001)
                except OSError:
                    break
                try:
                    if s.recv(1, socket.MSG_PEEK):
                        break
                except BlockingIOError:
                    pass
            s.setblocking(True)
            s.settimeout(timeout)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        st = status_of(data)
        tally.add(st if st else "closed without response")
    except OSError as e:
        tally.add(type(e).__name__)
    finally:
        s.close()


# ---- attacks: each runs until `stop` is set ---------------------------------------------------

def attack_slowloris(port, stop, tally, n=300):
    socks = []
    for _ in range(n):
        try:
            s = connect(port)
            s.sendall(b"GET /instance/x HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            tally.add("connect failed")
    i = 0
    while not stop.is_set():
        for k, s in enumerate(socks):
            try:
                s.sendall(b"X-%d: y\r\n" % i)
            except OSError:
                tally.add("cut off")
                try:
                    socks[k] = connect(port)
                    socks[k].sendall(b"GET /instance/x HTTP/1.1\r\nHost: x\r\n")
                except OSError:
                    tally.add("connect failed")
        i += 1
        stop.wait(1.0)
    for s in socks:
        s.close()
    tally.add("slow connections", n)


def attack_idle_flood(port, stop, tally, n=1500):
    socks = []
    while not stop.is_set() and len(socks) < n:
        try:
            socks.append(connect(port))
        except OSError:
            tally.add("connect failed")
            time.sleep(0.01)
    tally.add("opened", len(socks))
    stop.wait()
    closed = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    tally.add("closed by server", closed)


def attack_pipelining(port, stop, tally, n=8):
    burst = b"GET /instance/x HTTP/1.1\r\nHost: x\r\n\r\n" * 2000

    def one():
        while not stop.is_set():
            try:
                s = connect(port)
                s.settimeout(1.0)
                while not stop.is_set():
                    s.sendall(burst)  # never reads a response
                    tally.add("bursts sent")
            except OSError:
                tally.add("blocked or cut off")
            finally:
                s.close()

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def attack_oversized(port, stop, tally):
    cases = [
        b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /x HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(200)) + b"\r\n",
        b"GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 70000 + b"\r\n\r\n",
        b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" + b"b" * 65536,
    ]
    i = 0
    while not stop.is_set():
        send_and_classify(port, cases[i % len(cases)], tally)
        i += 1


def attack_chunks(port, stop, tally, n=4):
    head = b"POST /phone-number/claim HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    cases = [(head + b"5;ext=", b"e" * 16384), (head, b"0" * 16384),
             (head + b"5\r\nhello\r\n0\r\nX-T: ", b"v" * 16384), (head + b"5\r\nhello\r\n0\r\n", b"T: v\r\n" * 2000)]

    def one(k):
        i = k
        while not stop.is_set():
            payload, stream = cases[i % len(cases)]
            send_and_classify(port, payload, tally, stream=stream)
            i += 1

    threads = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def attack_smuggling(port, stop, tally):
    cases = [
        b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /s HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\n",
        b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc",
        b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
        b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
        b"GET /x HTTP/1.1\nHost: x\n\n",
        b"GET /x HTTP/1.1\r\n\r\n",
        b"GET  /x HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /x HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
    ]
    i = 0
    while not stop.is_set():
        send_and_classify(port, cases[i % len(cases)], tally)
        i += 1


def loadgen_attack(op):
    def run(port, stop, tally, env=None):
        seconds = env["seconds"]
        out = subprocess.run([env["loadgen"], "--port", str(port), "--connections", "4", "--seconds", str(seconds),
                              "--op", op, "--instance", env["instance"]], capture_output=True, text=True)
        m = re.search(r"statuses=(.*)", out.stdout)
        tally.add("loadgen " + (m.group(1).strip() if m else out.stderr.strip()[:80]))
        m = re.search(r"rps=(\d+)", out.stdout)
        if m:
            tally.add("req/s", int(m.group(1)))
        stop.wait()
    run.needs_env = True
    return run


ATTACKS = [
    ("baseline", "no attack", None),
    ("slowloris", "300 connections, one header line per second each", attack_slowloris),
    ("idle-flood", "1500 silent connections (cap 832 at ulimit -n 1024)", attack_idle_flood),
    ("pipelining", "8 connections pipelining 2000-request bursts, never reading", attack_pipelining),
    ("oversized", "20 KB request line, 200 headers, 70 KB header, 2 MB body", attack_oversized),
    ("chunk-abuse", "4 connections streaming endless chunk extension / zeros / trailer", attack_chunks),
    ("smuggling", "CL+TE, TE+CL, duplicate CL, obfuscated TE, obs-fold, bare LF, no Host, NUL", attack_smuggling),
    ("deep-json", "4 connections, signed 1 MiB body nested 512k deep", loadgen_attack("deep-json")),
    ("big-json", "4 connections, signed 1 MiB flat JSON body", loadgen_attack("big-json")),
]


def new_client_probe(port, stop, results):
    """A well-behaved newcomer: connect, one unsigned health request, close; every 200 ms."""
    while not stop.is_set():
        ok = False
        try:
            s = connect(port, timeout=2.0)
            s.sendall(b"GET /_connect-local/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = s.recv(4096)
            ok = status_of(data) == 200
            s.close()
        except OSError:
            pass
        results.append(ok)
        stop.wait(0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--only", default="")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build/connect-local"))
    ap.add_argument("--loadgen", default=os.path.join(ROOT, "build/bench/loadgen"))
    ap.add_argument("--nofile", type=int, default=1024)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))  # the attacker needs more than the server

    port = free_port()
    work = tempfile.mkdtemp()
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen(
        ["prlimit", f"--nofile={a.nofile}", "--", a.binary, "serve", "--port", str(port), "--in-memory",
         "--transient-delay", "0", "--threads", "2", "--log-level", "warn"], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(400):
            try:
                s = connect(port, 0.2)
                s.close()
                break
            except OSError:
                time.sleep(0.025)
        import boto3
        from botocore.config import Config
        c = boto3.client("connect", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                         aws_access_key_id="test", aws_secret_access_key="test",
                         config=Config(retries={"total_max_attempts": 1}))
        instance = c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias="attack",
                                     InboundCallsEnabled=True, OutboundCallsEnabled=True)["Id"]
        number = c.search_available_phone_numbers(InstanceId=instance, PhoneNumberCountryCode="US",
                                                  PhoneNumberType="DID", MaxResults=1)["AvailableNumbersList"][0]
        phone_id = c.claim_phone_number(InstanceId=instance, PhoneNumber=number["PhoneNumber"])["PhoneNumberId"]
        env = {"seconds": a.seconds, "loadgen": a.loadgen, "instance": instance}

        rows = []
        only = set(filter(None, a.only.split(",")))
        for name, what, attack in ATTACKS:
            if only and name not in only:
                continue
            before = rss_mib(server.pid)
            stop = threading.Event()
            tally = Tally()
            t = None
            if attack:
                kwargs = {"env": env} if getattr(attack, "needs_env", False) else {}
                t = threading.Thread(target=attack, args=(port, stop, tally), kwargs=kwargs)
                t.start()
                time.sleep(0.5)  # let the attack build up
            probes = []
            probe_stop = threading.Event()
            probe = threading.Thread(target=new_client_probe, args=(port, probe_stop, probes))
            probe.start()
            good = subprocess.Popen([a.loadgen, "--port", str(port), "--connections", "2", "--seconds",
                                     str(a.seconds), "--op", "describe-phone", "--phone-id", phone_id],
                                    stdout=subprocess.PIPE, text=True)
            peak = before
            while good.poll() is None:
                peak = max(peak, rss_mib(server.pid))
                time.sleep(0.1)
            out = good.stdout.read()
            probe_stop.set()
            probe.join()
            stop.set()
            if t:
                t.join()
            time.sleep(1.0)
            after = rss_mib(server.pid)
            alive = server.poll() is None
            m = {k: re.search(k + r"=(\S+)", out) for k in ("rps", "p50", "p99", "max", "statuses")}
            row = {
                "name": name, "what": what,
                "p50": m["p50"].group(1) if m["p50"] else "-", "p99": m["p99"].group(1) if m["p99"] else "-",
                "max": m["max"].group(1) if m["max"] else "-",
                "rps": m["rps"].group(1) if m["rps"] else "-",
                "good_statuses": m["statuses"].group(1) if m["statuses"] else "-",
                "new": f"{sum(probes)}/{len(probes)}",
                "rss": f"{before:.0f} / {peak:.0f} / {after:.0f}", "attacker": tally.summary(),
                "alive": "yes" if alive else "NO",
            }
            rows.append(row)
            print(f"{name}: p99 {row['p99']} new {row['new']} rss {row['rss']} attacker {row['attacker']}",
                  file=sys.stderr, flush=True)
            if not alive:
                break
        print(f"\nCommand: `bench/attack.py --seconds {a.seconds:g}` (server under `prlimit --nofile={a.nofile}`, "
              "2 I/O threads, in-memory store)\n")
        print("| attack | what | good client p50 / p99 / max | good req/s | new clients served | RSS MiB before / peak / after | attacker saw | server up |")
        print("|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['name']} | {r['what']} | {r['p50']} / {r['p99']} / {r['max']} | {r['rps']} | {r['new']} | {r['rss']} | "
                  f"{r['attacker']} | {r['alive']} |")
        return 0 if all(r["alive"] == "yes" for r in rows) else 1
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
