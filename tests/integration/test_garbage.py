#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_garbage.py -- an attacker sends garbage; the server keeps serving.

Starts the real stemedb on loopback and, for STEME_GARBAGE_SECONDS (default 8; an hour is
`STEME_GARBAGE_SECONDS=3600`), sends from several threads at once: raw random bytes, truncated
requests, requests on every route with mangled paths, percent-escapes, query arguments,
headers, API keys and bodies (broken JSON, deep nesting, huge numbers, wrong types, invalid
UTF-8, records with every field wrong). Checks that:
  - every complete answer is an HTTP answer below 500, and every 4xx carries the error shape
    {"error", "message", "field"};
  - the server never dies, /v1/ready is 200 afterwards, and SIGTERM stops it with status 0;
  - nothing was half-written: `steme check` passes on the store afterwards;
  - no API key sent during the run appears in the server's log.
The random seed is printed, so a failure can be replayed with STEME_GARBAGE_SEED.

usage: test_garbage.py   (STEMEDB_BIN and STEME_BIN name the binaries)
"""
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SERVER = os.environ["STEMEDB_BIN"]
STEME = os.environ["STEME_BIN"]
SECONDS = float(os.environ.get("STEME_GARBAGE_SECONDS", "8"))
SEED = int(os.environ.get("STEME_GARBAGE_SEED", str(random.SystemRandom().randrange(1 << 32))))
THREADS = 4

failures = []
sent_tokens = set()
counts = {"requests": 0, "raw": 0, "answers": 0}
lock = threading.Lock()


def fail(msg):
    with lock:
        if len(failures) < 20:
            failures.append(msg)


def routes():
    out = subprocess.run([SERVER, "--routes"], capture_output=True, text=True, check=True).stdout
    return [tuple(line.split()[:2]) for line in out.splitlines() if line.strip()]


def mangle_path(rng, pattern):
    samples = ["x", "0", "1", "%2F", "%00", "%ff", "%zz", "..", "a" * 5000, "\u00e9".encode().hex(),
               "0" * 64, "f" * 63, "stk_" + "0" * 16, "drug:x%2Fy", "-1", "18446744073709551616"]
    parts = []
    for seg in pattern.split("/"):
        if seg.startswith("{"):
            parts.append(rng.choice(samples))
        elif rng.random() < 0.05:
            parts.append(rng.choice(samples))
        else:
            parts.append(seg)
    path = "/".join(parts)
    if rng.random() < 0.5:
        args = []
        for _ in range(rng.randrange(0, 20)):
            k = rng.choice(["subject", "predicate", "lens", "as_of", "as_of_time", "valid_at",
                            "limit", "cursor", "from", "explain", "stages", "tiers", "agent",
                            "what_if_retract", "min_support", "margin", "%00", "", "x" * 300])
            v = rng.choice(["", "0", "-1", "1e999", "layered:a,b,c,d,e", "consensus", "%",
                            "%G0", "2026-13-45T99:99:99Z", "true", "nope", "c" + "f" * 16,
                            "9" * 40, "\u2603", "a+b", "%ff%fe"])
            args.append(f"{k}={v}")
        path += "?" + "&".join(args)
    return path


def garbage_json(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice([None, True, 0, -1, 1e308, 2 ** 70, "", "x" * rng.randrange(0, 3000),
                           "\u0000", "\ud800", 3.5, [], {}])
    if r < 0.6:
        return [garbage_json(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    keys = ["records", "atomic", "record", "signature", "subject", "predicate", "object",
            "kind", "type", "value", "unit", "confidence", "source", "name", "role", "lens",
            "receipt", "position", "agent", "supersedes", "derived_from", "qualifiers"]
    return {rng.choice(keys): garbage_json(rng, depth + 1) for _ in range(rng.randrange(0, 6))}


def garbage_body(rng):
    r = rng.random()
    if r < 0.15:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 2000)))
    if r < 0.25:
        return b"[" * rng.randrange(1, 100000)
    if r < 0.35:
        return b'{"records": [' + b'{"record":{},"signature":"00"},' * rng.randrange(1, 3000) + b"1]}"
    if r < 0.45:
        rec = {"kind": "assertion", "subject": "drug:x", "predicate": "p",
               "object": {"type": rng.choice(["number", "string", "bogus"]),
                          "value": garbage_json(rng)},
               "confidence": rng.choice([0.5, 2, -1, "x"]), "source": "s"}
        return json.dumps({"records": [{"record": rec, "signature": "ab" * 64}],
                           "atomic": rng.choice([True, False, "yes"])}).encode()
    try:
        return json.dumps(garbage_json(rng)).encode()
    except (ValueError, UnicodeEncodeError):
        return b"{"


def check_answer(method, path, status, body):
    with lock:
        counts["answers"] += 1
    if status >= 500 and status != 503:
        fail(f"{method} {path[:120]} -> {status}: {body[:200]!r}")
        return
    if status >= 400 and method != "HEAD":
        try:
            doc = json.loads(body)
            if not (isinstance(doc, dict) and "error" in doc and "message" in doc and "field" in doc):
                fail(f"{method} {path[:120]} -> {status} without the error shape: {body[:200]!r}")
        except ValueError:
            fail(f"{method} {path[:120]} -> {status} not JSON: {body[:200]!r}")


def one_request(rng, port, token, table):
    method, pattern = rng.choice(table)
    if rng.random() < 0.1:
        method = rng.choice(["PUT", "PATCH", "OPTIONS", "TRACE", "BREW", "DELETE", "HEAD"])
    path = mangle_path(rng, pattern)
    headers = {}
    r = rng.random()
    if r < 0.5:
        headers["Authorization"] = "Bearer " + token
    elif r < 0.7:
        bad = rng.choice(["stk_" + "0" * 16 + "." + "0" * 64, "stk_", "x" * 5000, token[:-1] + "0",
                          token + "0", "\u00ff"])
        with lock:
            sent_tokens.add(bad)
        headers[rng.choice(["Authorization", "X-API-Key"])] = (
            "Bearer " + bad if rng.random() < 0.5 else bad)
    if rng.random() < 0.2:
        headers["Last-Event-ID"] = rng.choice(["-1", "x", "99999999999999999999", "1"])
    if rng.random() < 0.2:
        headers["If-None-Match"] = rng.choice(["*", 'W/"x"', '"' + "0" * 64 + '"', "garbage"])
    body = garbage_body(rng) if method in ("POST", "PUT", "PATCH") or rng.random() < 0.1 else None
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v.encode("utf-8", "surrogatepass"))
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None:
            conn.send(body)
        resp = conn.getresponse()
        if "watch" in path:
            data = resp.read(64) if resp.status == 200 else resp.read()
        else:
            data = resp.read()
        check_answer(method, path, resp.status, data)
    except (http.client.HTTPException, OSError, ValueError):
        pass  # a connection the server closed (limits, timeouts) is its right
    finally:
        conn.close()
    with lock:
        counts["requests"] += 1


def one_raw(rng, port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
            r = rng.random()
            if r < 0.4:
                s.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000))))
            elif r < 0.7:
                s.sendall(b"POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
            else:
                s.sendall(b"GET /v1/health HTTP/1.1\r\n" + b"X: " + b"a" * rng.randrange(1, 200000))
            s.settimeout(0.2)
            try:
                s.recv(4096)
            except OSError:
                pass
    except OSError:
        pass
    with lock:
        counts["raw"] += 1


def worker(k, port, token, table, until):
    rng = random.Random(SEED * 31 + k)
    while time.monotonic() < until and len(failures) < 20:
        if rng.random() < 0.15:
            one_raw(rng, port)
        else:
            one_request(rng, port, token, table)


def main():
    print(f"test_garbage: seed {SEED}, {SECONDS} s, {THREADS} threads")
    tmp = tempfile.mkdtemp(prefix="steme-garbage-")
    data, port_file, key_file, log = (os.path.join(tmp, n) for n in ("data", "port", "admin.key", "server.log"))
    env = dict(os.environ, STEMEDB_DATA_DIR=data, STEMEDB_BIND_ADDR="127.0.0.1:0",
               STEMEDB_PORT_FILE=port_file, STEMEDB_ADMIN_KEY_FILE=key_file,
               STEMEDB_RATE_PER_IP="0", STEMEDB_RATE_PER_KEY="0", STEMEDB_CONNECTION_TIMEOUT="2",
               STEMEDB_MAX_BODY_INGEST="1048576")
    with open(log, "wb") as lf:
        srv = subprocess.Popen([SERVER], env=env, stdout=lf, stderr=lf)
    try:
        for _ in range(300):
            if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
                break
            if srv.poll() is not None:
                print("the server did not start"); return 1
            time.sleep(0.05)
        port = int(open(port_file).read())
        token = open(key_file).read().strip()
        sent_tokens.add(token)
        table = routes()
        until = time.monotonic() + SECONDS
        ts = [threading.Thread(target=worker, args=(k, port, token, table, until)) for k in range(THREADS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if srv.poll() is not None:
            fail(f"the server died (status {srv.returncode})")
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/v1/ready")
            st = conn.getresponse().status
            if st != 200:
                fail(f"/v1/ready answered {st} after the run")
            srv.send_signal(signal.SIGTERM)
            rc = srv.wait(timeout=60)
            if rc != 0:
                fail(f"stemedb exited with status {rc} after SIGTERM")
        chk = subprocess.run([STEME, "--db", data, "check"], capture_output=True, text=True)
        if chk.returncode != 0:
            fail(f"steme check failed: {chk.stdout[-500:]} {chk.stderr[-500:]}")
        text = open(log, "rb").read().decode("utf-8", "replace")
        for t in sent_tokens:
            if len(t) > 20 and t in text:
                fail("an API key sent during the run appears in the server's log")
                break
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()
    print(f"test_garbage: {counts['requests']} requests ({counts['answers']} answered), "
          f"{counts['raw']} raw connections")
    if counts["answers"] < 50:
        fail(f"only {counts['answers']} answers: the test did not exercise the server")
    for f in failures:
        print("FAIL:", f)
    if not failures:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("server log and store kept in", tmp)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
