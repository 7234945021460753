#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""crosscheck.py -- an independent encoder for docs/encoding.md, written from the page and not
from the C code, that re-encodes every vector of records.json from its JSON form and checks
canonical_hex and id_hex (BLAKE2b-256 from hashlib). It trusts its input to be valid: it
checks that the C encoder and the specification agree, not the validation rules.

    python3 tests/vectors/crosscheck.py tests/vectors/records.json
"""
import datetime
import hashlib
import json
import re
import struct
import sys

EVENT_TYPES = ["source_register", "source_retract", "source_reinstate", "epoch_open",
               "epoch_supersede", "gold_set", "assertion_retract", "quarantine_decision",
               "agent_profile", "reaffirm"]
TIERS = ["regulatory", "peer_reviewed", "preprint", "expert", "anecdotal", "unverified"]


def time_ms(v):
    if isinstance(v, int):
        return v
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)", v)
    y, mo, d, h, mi, s, frac, off = m.groups()
    t = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                          tzinfo=datetime.timezone.utc)
    ms = int(t.timestamp()) * 1000 + int((frac or "0").ljust(3, "0")[:3])
    if off not in ("Z", "z"):
        sign = 1 if off[0] == "+" else -1
        ms -= sign * (int(off[1:3]) * 60 + int(off[4:6])) * 60000
    return ms


def u8(x): return struct.pack(">B", x)
def u32(x): return struct.pack(">I", x)
def i64(x): return struct.pack(">q", x)
def text(x): b = x.encode(); return struct.pack(">H", len(b)) + b
def ppm(x): return u32(int(x * 1e6 + 0.5))  # llround for x >= 0
def hexb(x): return bytes.fromhex(x)
def id_set(ids): return u8(len(ids)) + b"".join(sorted(hexb(i) for i in ids))


def number(x, unit=""):
    x = float(x)
    if x == 0:
        x = 0.0  # -0.0 is written as +0.0
    return u8(3) + struct.pack(">d", x) + text(unit)


def value(v):
    if isinstance(v, bool):
        return u8(4) + u8(int(v))
    if isinstance(v, int):
        return u8(2) + i64(v)
    if isinstance(v, float):
        return number(v)
    if isinstance(v, str):
        return u8(1) + text(v)
    t, x = v["type"], v["value"]
    return {"string": lambda: u8(1) + text(x), "integer": lambda: u8(2) + i64(x),
            "number": lambda: number(x, v.get("unit", "")),
            "boolean": lambda: u8(4) + u8(int(x)), "ref": lambda: u8(5) + text(x)}[t]()


def assertion(r):
    out = (u8(1) + u8(1) + hexb(r["agent"]) + i64(time_ms(r["asserted_at"])) + text(r["subject"])
           + text(r["predicate"]) + value(r["object"]) + ppm(r["confidence"]) + text(r["source"]))
    flags, tail = 0, b""
    if "valid_from" in r:
        flags |= 0x01
        tail += i64(time_ms(r["valid_from"]))
    if "valid_until" in r:
        flags |= 0x02
        tail += i64(time_ms(r["valid_until"]))
    if r.get("supersedes"):
        flags |= 0x04
        tail += id_set(r["supersedes"])
    if r.get("derived_from"):
        flags |= 0x08
        tail += id_set(r["derived_from"])
    if r.get("epoch"):
        flags |= 0x10
        tail += text(r["epoch"])
    if r.get("qualifiers"):
        flags |= 0x20
        q = r["qualifiers"]
        keys = sorted(q, key=lambda k: k.encode())  # bytewise, shorter first on a tie
        tail += u8(len(keys)) + b"".join(text(k) + value(q[k]) for k in keys)
    ev = r.get("evidence", {})
    if ev.get("quote"):
        flags |= 0x40
        tail += text(ev["quote"])
    if ev.get("url"):
        flags |= 0x80
        tail += text(ev["url"])
    return out + u8(flags) + tail


def vote(r):
    return (u8(1) + u8(2) + hexb(r["agent"]) + i64(time_ms(r["voted_at"])) + hexb(r["target"])
            + u8(1 if r["value"] == 1 else 0xFF) + text(r.get("reason", "")))


def event(r):
    t = r["type"]
    g = lambda k: text(r.get(k, ""))
    out = u8(1) + u8(3) + hexb(r["agent"]) + i64(time_ms(r["at"])) + u8(EVENT_TYPES.index(t) + 1)
    body = {
        "source_register": lambda: (g("source") + g("title") + g("url")
                                    + u8(TIERS.index(r["tier"]) + 1) + ppm(r["weight"])),
        "source_retract": lambda: g("source") + g("reason"),
        "source_reinstate": lambda: g("source") + g("reason"),
        "epoch_open": lambda: g("epoch") + g("reason"),
        "epoch_supersede": lambda: g("epoch") + g("successor") + g("reason"),
        "gold_set": lambda: g("subject") + g("predicate") + value(r["value"]),
        "assertion_retract": lambda: hexb(r["target"]) + g("reason"),
        "quarantine_decision": lambda: (hexb(r["target"])
                                        + u8(1 if r["decision"] == "approve" else 2) + g("reason")),
        "agent_profile": lambda: hexb(r["target_agent"]) + g("display_name") + g("role"),
        "reaffirm": lambda: hexb(r["target"]) + g("epoch"),
    }[t]
    return out + body()


def main():
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
    bad = 0
    for v in doc["vectors"]:
        r = v["record"]
        b = {"assertion": assertion, "vote": vote, "event": event}[r["kind"]](r)
        if b.hex() != v["canonical_hex"]:
            bad += 1
            print("%s: bytes differ\n  spec %s\n  file %s" % (v["name"], b.hex(), v["canonical_hex"]))
        elif hashlib.blake2b(b, digest_size=32).hexdigest() != v["id_hex"]:
            bad += 1
            print("%s: id differs" % v["name"])
    print("%d vectors, %d differ" % (len(doc["vectors"]), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
