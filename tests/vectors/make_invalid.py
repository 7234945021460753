#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make_invalid.py -- writes tests/vectors/invalid.json: canonical-looking byte strings that
the decoder must refuse, one per rule of docs/encoding.md, each with the field, the rule and the
offset that the refusal names. Each case is built from a valid record with one thing broken,
so that the expected offset can be computed here rather than copied from the decoder.

    python3 tests/vectors/make_invalid.py > tests/vectors/invalid.json
"""
import json
import struct

PK = bytes.fromhex("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8")
T = 1714564800000  # 2024-05-01T12:00:00.000Z
TIME_MAX = 253402300799999
ID_A = bytes([0x11] * 32)
ID_B = bytes([0x22] * 32)
ID_C = bytes([0x33] * 32)


def u8(x): return struct.pack(">B", x)
def u16(x): return struct.pack(">H", x)
def u32(x): return struct.pack(">I", x)
def u64(x): return struct.pack(">Q", x)
def i64(x): return struct.pack(">q", x)
def sraw(b): return u16(len(b)) + b
def s(x): return sraw(x.encode())
def f64(x): return struct.pack(">d", x)


class B:
    """A record under construction that remembers where each part starts."""

    def __init__(self):
        self.b = b""
        self.at = {}

    def add(self, name, data):
        self.at[name] = len(self.b)
        self.b += data
        return self


def assertion(subject=s("drug:x"), predicate=s("p"), obj=u8(3) + f64(0.5) + s("%"),
              confidence=u32(900000), source=s("src"), flags=0, tail=b"", asserted_at=u64(T),
              version=1, kind=1):
    r = B()
    r.add("version", u8(version)).add("kind", u8(kind)).add("agent", PK)
    r.add("asserted_at", asserted_at).add("subject", subject).add("predicate", predicate)
    r.add("object", obj).add("confidence", confidence).add("source", source)
    r.add("flags", u8(flags)).add("tail", tail)
    return r


def vote(value=1, reason=s("")):
    r = B()
    r.add("head", u8(1) + u8(2) + PK + u64(T) + ID_A).add("value", u8(value)).add("reason", reason)
    return r


def event(type, body):
    r = B()
    r.add("head", u8(1) + u8(3) + PK + u64(T)).add("type", u8(type)).add("body", body)
    return r


V = []


def bad(name, data, field, rule, offset, note=None):
    v = {"name": name, "hex": data.hex(), "field": field, "rule": rule, "offset": offset}
    if note:
        v["note"] = note
    V.append(v)


a = assertion()
base = a.b
# --- framing
bad("empty_input", b"", "version", "truncated", 0)
bad("version_0", u8(0) + base[1:], "version", "unsupported version", 0)
bad("version_2", u8(2) + base[1:], "version", "unsupported version", 0)
bad("kind_missing", u8(1), "kind", "truncated", 1)
bad("kind_0", u8(1) + u8(0) + base[2:], "kind", "unknown tag", 1)
bad("kind_4", u8(1) + u8(4) + base[2:], "kind", "unknown tag", 1)
bad("trailing_byte", base + b"\x00", "trailing", "trailing bytes after the record", len(base))
bad("trailing_record", base + base, "trailing", "trailing bytes after the record", len(base),
    "two records back to back")
# --- truncation at several points
bad("truncated_agent", base[:20], "agent", "truncated", 2)
bad("truncated_time", base[:a.at["asserted_at"] + 3], "asserted_at", "truncated", a.at["asserted_at"])
bad("truncated_length_prefix", base[:a.at["subject"] + 1], "subject", "truncated", a.at["subject"])
bad("truncated_string", base[:a.at["subject"] + 4], "subject", "truncated", a.at["subject"] + 2)
bad("truncated_value_type", base[:a.at["object"]], "object.type", "truncated", a.at["object"])
bad("truncated_number", base[:a.at["object"] + 5], "object.value", "truncated", a.at["object"] + 1)
bad("truncated_confidence", base[:a.at["confidence"] + 2], "confidence", "truncated", a.at["confidence"])
bad("truncated_flags", base[:a.at["flags"]], "flags", "truncated", a.at["flags"])
bad("truncated_optional", assertion(flags=0x01).b, "valid_from", "truncated", a.at["tail"],
    "flag bit 0 set but no valid_from follows")
# --- lengths
bad("subject_empty", assertion(subject=s("")).b, "subject", "empty", a.at["subject"])
bad("subject_513", assertion(subject=sraw(b"x" * 513)).b, "subject", "longer than 512 bytes", a.at["subject"])
bad("subject_length_past_end", assertion(subject=u16(400) + b"drug:x").b[:a.at["subject"] + 40],
    "subject", "truncated", a.at["subject"] + 2, "a length within the limit but past the end of the input")
bad("predicate_257", assertion(predicate=sraw(b"p" * 257)).b, "predicate", "longer than 256 bytes", a.at["predicate"])
bad("unit_33", assertion(obj=u8(3) + f64(1) + sraw(b"u" * 33)).b, "object.unit", "longer than 32 bytes",
    a.at["object"] + 9)
bad("string_value_4097", assertion(obj=u8(1) + sraw(b"v" * 4097)).b, "object.value",
    "longer than 4096 bytes", a.at["object"] + 1)
bad("ref_empty", assertion(obj=u8(5) + s("")).b, "object.value", "empty", a.at["object"] + 1)
# --- UTF-8
sub = a.at["subject"] + 2
bad("utf8_invalid_byte", assertion(subject=sraw(b"drug:\xff")).b, "subject", "invalid UTF-8", sub)
bad("utf8_continuation_alone", assertion(subject=sraw(b"drug:\x80")).b, "subject", "invalid UTF-8", sub)
bad("utf8_overlong_slash", assertion(subject=sraw(b"drug:\xc0\xaf")).b, "subject", "invalid UTF-8", sub,
    "overlong encoding of '/'")
bad("utf8_overlong_3byte", assertion(subject=sraw(b"drug:\xe0\x80\xaf")).b, "subject", "invalid UTF-8", sub)
bad("utf8_surrogate", assertion(subject=sraw(b"drug:\xed\xa0\x80")).b, "subject", "invalid UTF-8", sub,
    "U+D800 encoded as UTF-8")
bad("utf8_above_10ffff", assertion(subject=sraw(b"drug:\xf4\x90\x80\x80")).b, "subject", "invalid UTF-8", sub)
bad("utf8_cut_sequence", assertion(subject=sraw(b"drug:\xe2\x82")).b, "subject", "invalid UTF-8", sub,
    "a three-byte sequence cut at the end of the string")
bad("utf8_in_source", assertion(source=sraw(b"src\xfe")).b, "source", "invalid UTF-8", a.at["source"] + 2)
# --- control characters and spaces
bad("control_in_subject", assertion(subject=sraw(b"drug:\x01x")).b, "subject", "contains a control character", sub)
bad("nul_in_subject", assertion(subject=sraw(b"drug:\x00x")).b, "subject", "contains a control character", sub)
bad("del_in_predicate", assertion(predicate=sraw(b"p\x7f")).b, "predicate", "contains a control character",
    a.at["predicate"] + 2)
bad("newline_in_identifier", assertion(subject=sraw(b"drug:\nx")).b, "subject", "contains a control character",
    sub, "newline and tab are allowed in texts only")
bad("escape_in_text", assertion(obj=u8(1) + sraw(b"red\x1b[0m")).b, "object.value",
    "contains a control character", a.at["object"] + 3)
bad("cr_in_text", assertion(obj=u8(1) + sraw(b"a\r\nb")).b, "object.value", "contains a control character",
    a.at["object"] + 3)
bad("leading_space", assertion(subject=s(" drug:x")).b, "subject", "leading or trailing space", sub)
bad("trailing_space", assertion(predicate=s("p ")).b, "predicate", "leading or trailing space",
    a.at["predicate"] + 2)
bad("space_in_url", assertion(flags=0x80, tail=s("https://example.org/a b")).b, "evidence.url",
    "contains a space", a.at["tail"] + 2)
bad("tab_in_url", assertion(flags=0x80, tail=s("https://example.org/a\tb")).b, "evidence.url",
    "contains a control character", a.at["tail"] + 2)
# --- numbers
conf = a.at["confidence"]
bad("confidence_1000001", assertion(confidence=u32(1000001)).b, "confidence", "out of range 0..1000000", conf)
bad("confidence_ffffffff", assertion(confidence=u32(0xFFFFFFFF)).b, "confidence", "out of range 0..1000000", conf)
num = a.at["object"] + 1
bad("number_nan", assertion(obj=u8(3) + u64(0x7FF8000000000000) + s("")).b, "object.value", "not finite", num)
bad("number_nan_payload", assertion(obj=u8(3) + u64(0xFFF0000000000001) + s("")).b, "object.value", "not finite", num)
bad("number_infinity", assertion(obj=u8(3) + u64(0x7FF0000000000000) + s("")).b, "object.value", "not finite", num)
bad("number_minus_infinity", assertion(obj=u8(3) + u64(0xFFF0000000000000) + s("")).b, "object.value", "not finite", num)
bad("number_negative_zero", assertion(obj=u8(3) + u64(0x8000000000000000) + s("")).b, "object.value",
    "negative zero", num)
bad("boolean_2", assertion(obj=u8(4) + u8(2)).b, "object.value", "not 0 or 1", num)
bad("value_type_0", assertion(obj=u8(0) + u64(0)).b, "object.type", "unknown tag", a.at["object"])
bad("value_type_6", assertion(obj=u8(6) + u64(0)).b, "object.type", "unknown tag", a.at["object"])
# --- times
bad("time_above_max", assertion(asserted_at=u64(TIME_MAX + 1)).b, "asserted_at",
    "out of range 0..253402300799999", a.at["asserted_at"], "10000-01-01T00:00:00.000Z")
bad("time_negative", assertion(asserted_at=i64(-1)).b, "asserted_at", "out of range 0..253402300799999",
    a.at["asserted_at"])
bad("valid_from_negative", assertion(flags=0x01, tail=i64(-1000)).b, "valid_from",
    "out of range 0..253402300799999", a.at["tail"])
bad("valid_until_before_valid_from", assertion(flags=0x03, tail=u64(T) + u64(T - 1)).b, "valid_until",
    "before valid_from", a.at["tail"] + 8)
# --- sets
t = a.at["tail"]
bad("supersedes_count_0", assertion(flags=0x04, tail=u8(0)).b, "supersedes", "empty", t)
bad("supersedes_count_17", assertion(flags=0x04, tail=u8(17) + b"".join(bytes([i] * 32) for i in range(1, 18))).b,
    "supersedes", "more than 16 entries", t)
bad("supersedes_unsorted", assertion(flags=0x04, tail=u8(2) + ID_B + ID_A).b, "supersedes", "not strictly ascending",
    t + 1 + 32)
bad("supersedes_duplicate", assertion(flags=0x04, tail=u8(3) + ID_A + ID_B + ID_B).b, "supersedes",
    "not strictly ascending", t + 1 + 64)
bad("supersedes_truncated", assertion(flags=0x04, tail=u8(2) + ID_A + ID_B[:31]).b, "supersedes", "truncated", t + 1)
bad("derived_from_count_65", assertion(flags=0x08, tail=u8(65) + b"\x00" * 32 * 65).b, "derived_from",
    "more than 64 entries", t)
bad("derived_from_unsorted", assertion(flags=0x08, tail=u8(3) + ID_A + ID_C + ID_B).b, "derived_from",
    "not strictly ascending", t + 1 + 64)
bad("derived_from_count_0", assertion(flags=0x08, tail=u8(0)).b, "derived_from", "empty", t)
bad("epoch_empty", assertion(flags=0x10, tail=s("")).b, "epoch", "empty", t)
bad("epoch_129", assertion(flags=0x10, tail=sraw(b"e" * 129)).b, "epoch", "longer than 128 bytes", t)
qv = u8(4) + u8(1)
bad("qualifiers_count_0", assertion(flags=0x20, tail=u8(0)).b, "qualifiers", "empty", t)
bad("qualifiers_count_17", assertion(flags=0x20, tail=u8(17) + b"".join(s("k%02d" % i) + qv for i in range(17))).b,
    "qualifiers", "more than 16 entries", t)
bad("qualifiers_unsorted", assertion(flags=0x20, tail=u8(2) + s("b") + qv + s("a") + qv).b,
    "qualifiers[1].key", "not strictly ascending", t + 1 + 3 + 2)
bad("qualifiers_duplicate", assertion(flags=0x20, tail=u8(2) + s("a") + qv + s("a") + qv).b,
    "qualifiers[1].key", "not strictly ascending", t + 1 + 3 + 2)
bad("qualifiers_longer_first", assertion(flags=0x20, tail=u8(2) + s("ab") + qv + s("a") + qv).b,
    "qualifiers[1].key", "not strictly ascending", t + 1 + 4 + 2, "a key sorts after its own prefix")
bad("qualifier_key_empty", assertion(flags=0x20, tail=u8(1) + s("") + qv).b, "qualifiers[0].key", "empty", t + 1)
bad("qualifier_value_unit_33", assertion(flags=0x20, tail=u8(1) + s("k") + u8(3) + f64(1) + sraw(b"u" * 33)).b,
    "qualifiers[0].unit", "longer than 32 bytes", t + 1 + 3 + 9)
bad("qualifier_value_type_9", assertion(flags=0x20, tail=u8(2) + s("a") + qv + s("b") + u8(9)).b,
    "qualifiers[1].type", "unknown tag", t + 1 + 5 + 3)
bad("evidence_quote_empty", assertion(flags=0x40, tail=s("")).b, "evidence.quote", "empty", t)
bad("evidence_url_2049", assertion(flags=0x80, tail=sraw(b"u" * 2049)).b, "evidence.url", "longer than 2048 bytes", t)
bad("optional_fields_out_of_order", assertion(flags=0x30, tail=u8(1) + s("k") + qv + s("epoch")).b, "epoch",
    "longer than 128 bytes", t,
    "qualifiers written before epoch: the count byte 01 and the key length's 00 read as epoch length 256")
# --- votes
v = vote()
bad("vote_value_0", vote(value=0).b, "value", "not +1 or -1", v.at["value"])
bad("vote_value_2", vote(value=2).b, "value", "not +1 or -1", v.at["value"])
bad("vote_value_fe", vote(value=0xFE).b, "value", "not +1 or -1", v.at["value"], "-2")
bad("vote_reason_missing", vote().b[:-2], "reason", "truncated", v.at["reason"])
bad("vote_reason_control", vote(reason=sraw(b"no\x07")).b, "reason", "contains a control character", v.at["reason"] + 2)
bad("vote_trailing", vote().b + b"\x00", "trailing", "trailing bytes after the record", len(vote().b))
bad("vote_truncated_target", vote().b[:60], "target", "truncated", 42)
# --- events
e = event(1, b"")
ty = e.at["type"]
body = e.at["body"]
reg = lambda tier=1, weight=1000000, source=s("src"), title=s(""), url=s(""): source + title + url + u8(tier) + u32(weight)
bad("event_type_0", event(0, b"").b, "event.type", "unknown tag", ty)
bad("event_type_11", event(11, b"").b, "event.type", "unknown tag", ty)
bad("event_type_missing", event(1, b"").b[:ty], "event.type", "truncated", ty)
bad("tier_0", event(1, reg(tier=0)).b, "tier", "unknown tag", body + 9)
bad("tier_7", event(1, reg(tier=7)).b, "tier", "unknown tag", body + 9)
bad("weight_1000001", event(1, reg(weight=1000001)).b, "weight", "out of range 0..1000000", body + 10)
bad("source_register_url_space", event(1, reg(url=s("http://a b"))).b, "url", "contains a space", body + 9)
bad("source_register_title_control", event(1, reg(title=sraw(b"t\x0c"))).b, "title", "contains a control character",
    body + 7)
bad("source_retract_empty_source", event(2, s("") + s("")).b, "source", "empty", body)
bad("source_reinstate_truncated", event(3, s("src")).b, "reason", "truncated", body + 5)
bad("epoch_open_empty", event(4, s("") + s("")).b, "epoch", "empty", body)
bad("epoch_supersede_same", event(5, s("e1") + s("e1") + s("")).b, "successor", "same as epoch", body + 4)
bad("epoch_supersede_no_successor", event(5, s("e1") + s("") + s("")).b, "successor", "empty", body + 4)
bad("gold_set_value_type", event(6, s("drug:x") + s("p") + u8(7)).b, "value.type", "unknown tag", body + 11)
bad("gold_set_negative_zero", event(6, s("drug:x") + s("p") + u8(3) + u64(1 << 63) + s("")).b, "value.value",
    "negative zero", body + 12)
bad("retract_truncated_target", event(7, ID_A[:10]).b, "target", "truncated", body)
bad("decision_0", event(8, ID_A + u8(0) + s("")).b, "decision", "unknown tag", body + 32)
bad("decision_3", event(8, ID_A + u8(3) + s("")).b, "decision", "unknown tag", body + 32)
bad("display_name_leading_space", event(9, PK + s(" Ada") + s("")).b, "display_name", "leading or trailing space",
    body + 34)
bad("role_129", event(9, PK + s("Ada") + sraw(b"r" * 129)).b, "role", "longer than 128 bytes", body + 37)
bad("reaffirm_empty_epoch", event(10, ID_A + s("")).b, "epoch", "empty", body + 32)
bad("event_trailing", event(10, ID_A + s("e")).b + b"\xff", "trailing", "trailing bytes after the record",
    body + 35)

doc = {
    "description": "StemeDB canonical bytes that must be refused (docs/encoding.md, Errors). hex is the input; "
                   "field, rule and offset are what the refusal names. Generated by "
                   "tests/vectors/make_invalid.py.",
    "vectors": V,
}
print(json.dumps(doc, indent=2))
