#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora from the test vectors under testdata/ (run from the repository
root; the output is committed, so the build never runs this). Each seed is one raw input as a target
reads it: a compact JWS, CBOR bytes, a SIWE message, a timestamp, a URI, a config file."""
import glob, hashlib, json, os, re, sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VEC = os.path.join(ROOT, "testdata")
BROKER = os.path.join(ROOT, "broker/src/test/resources/io/edgeauth/broker")
WALLET = os.path.join(ROOT, "wallet-login/src/test/resources/io/edgeauth/wallet")

def write(folder, data):
    if isinstance(data, str):
        data = data.encode()
    os.makedirs(folder, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)

def walk_json(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from walk_json(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk_json(v)
    else:
        yield node

def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)

# --- JWT: every compact JWS in the JOSE vectors
jws = set()
for p in glob.glob(os.path.join(VEC, "jose", "**", "*.json"), recursive=True):
    for v in walk_json(load(p)):
        if isinstance(v, str) and re.fullmatch(r"ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*", v):
            jws.add(v)
for v in jws:
    write(os.path.join(BROKER, "token/JwtFuzzTestInputs/decode"), v)
    write(os.path.join(BROKER, "token/TokenVerifierFuzzTestInputs/verify"), v)

# --- CBOR / COSE / CWT: every CBOR hex in the COSE and CWT vectors
cbor = set()
for p in glob.glob(os.path.join(VEC, "cose", "**", "*.json"), recursive=True) + \
         glob.glob(os.path.join(VEC, "cwt-rfc8392", "**", "*.json"), recursive=True):
    doc = load(p)
    out = doc.get("output", {}) if isinstance(doc, dict) else {}
    if isinstance(out, dict) and isinstance(out.get("cbor"), str):
        cbor.add(out["cbor"].lower())
    if isinstance(doc, dict):
        for k, v in doc.items():
            if isinstance(v, dict) and isinstance(v.get("hex"), str):
                cbor.add(v["hex"].lower())
for h in cbor:
    if not re.fullmatch(r"([0-9a-f]{2})+", h):
        continue
    b = bytes.fromhex(h)
    for target in ("token/CborFuzzTestInputs/scan", "token/CoseFuzzTestInputs/decode",
                   "token/CwtFuzzTestInputs/decode", "token/TokenVerifierFuzzTestInputs/verify"):
        write(os.path.join(BROKER, target), b)

# --- SIWE: messages from the EIP examples and the spruceid vectors (positive and negative)
msgs = []
for p in glob.glob(os.path.join(VEC, "siwe", "eip4361_examples", "*.txt")):
    with open(p, encoding="utf-8") as f:
        msgs.append(f.read().rstrip("\n"))
for name in ("parsing_positive", "parsing_negative"):
    for v in load(os.path.join(VEC, "siwe/spruceid-siwe/test", name + ".json")).values():
        msgs.append(v["message"] if isinstance(v, dict) else v)
times, uris = set(), set()
for m in msgs:
    write(os.path.join(WALLET, "SiweParserFuzzTestInputs/parse"), m)
    for line in m.split("\n"):
        for tag in ("Issued At: ", "Expiration Time: ", "Not Before: "):
            if line.startswith(tag):
                times.add(line[len(tag):])
        if line.startswith("URI: "):
            uris.add(line[5:])
        if line.startswith("- "):
            uris.add(line[2:])
for t in times:
    write(os.path.join(WALLET, "internal/Rfc3339FuzzTestInputs/parse"), t)
for u in uris:
    write(os.path.join(WALLET, "internal/Rfc3986FuzzTestInputs/isUri"), u)
print("seeds: %d JWS, %d CBOR, %d SIWE, %d timestamps, %d URIs" % (len(jws), len(cbor), len(msgs), len(times), len(uris)))

# --- claims for the signed-claims targets: what the broker issues, and near misses (fixed clock 2026-01-01T10:00Z)
def cbor(v):
    def head(major, n):
        if n < 24: return bytes([major << 5 | n])
        for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * size): return bytes([major << 5 | ai]) + n.to_bytes(size, "big")
    if isinstance(v, bool): return bytes([0xf5 if v else 0xf4])
    if isinstance(v, int): return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes): return head(2, len(v)) + v
    if isinstance(v, str): return head(3, len(v.encode())) + v.encode()
    if isinstance(v, list): return head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict): return head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(v)

NOW = 1767261600
base = {"iss": "https://fuzz.example", "sub": "dev-1", "aud": "mqtt://fuzz.example", "iat": NOW - 100,
        "exp": NOW + 200, "jti": "j-1", "tenant_id": "fuzz", "scope": "telemetry:write cmd:read",
        "geo": ["u33d", "u33e"], "region": "eu", "cnf": {"jkt": "abc"}, "act": {"sub": "svc-1"},
        "owner": "did:pkh:eip155:1:0xabc", "nbf": NOW - 100}
variants = [base, dict(base, exp=NOW - 31), dict(base, aud=["x", "mqtt://fuzz.example"]), dict(base, nbf=NOW + 31),
            dict(base, exp=NOW + 1000), dict(base, tenant_id="other"), dict(base, iat=NOW + 31), dict(base, sub="")]
for v in variants:
    write(os.path.join(BROKER, "token/SignedClaimsFuzzTestInputs/jwt"), json.dumps(v, separators=(",", ":")))
    keys = {"iss": 1, "sub": 2, "aud": 3, "exp": 4, "nbf": 5, "iat": 6, "jti": 7, "cnf": 8, "scope": 9}
    c = {}
    for k, x in v.items():
        if k == "jti": x = x.encode()
        if k == "cnf": x = {3: b"abc"}
        if k == "act": x = {2: x["sub"]}
        c[keys.get(k, k)] = x
    write(os.path.join(BROKER, "token/SignedClaimsFuzzTestInputs/cwt"), cbor(c))

# --- MQTT: first byte 0 = raw (own CONNECT), 1 = after an accepted 3.1.1 CONNECT, 2 = after an accepted MQTT 5 CONNECT
def varint(n):
    out = b""
    while True:
        d, n = n % 128, n // 128
        out += bytes([d | 0x80 if n else d])
        if not n: return out
def mstr(s):
    b = s.encode() if isinstance(s, str) else s
    return len(b).to_bytes(2, "big") + b
def packet(first, body): return bytes([first]) + varint(len(body)) + body
def props(*items):
    b = b"".join(items); return varint(len(b)) + b
MQ = os.path.join(BROKER, "mqtt/MqttPacketFuzzTestInputs/packets")
tok = "dev1|t1|600"
c5 = packet(0x10, mstr("MQTT") + bytes([5, 0xC2, 0, 60, 0]) + mstr("dev1") + mstr("dev1") + mstr(tok))
c4 = packet(0x10, mstr("MQTT") + bytes([4, 0xC2, 0, 60]) + mstr("dev1") + mstr("dev1") + mstr(tok))
pub5 = packet(0x30, mstr("d/dev1/up/temp") + props() + b"21.5")
pub5q1 = packet(0x32, mstr("d/dev1/up/temp") + b"\x00\x01" + props(b"\x26" + mstr("geo") + mstr("u33d")) + b"21.5")
pub4q1 = packet(0x32, mstr("d/dev1/up/temp") + b"\x00\x01" + b"21.5")
sub5 = packet(0x82, b"\x00\x02" + props() + mstr("d/dev1/down/#") + b"\x01")
sub4 = packet(0x82, b"\x00\x02" + mstr("d/dev1/down/#") + b"\x01")
auth5 = packet(0xF0, b"\x19" + props(b"\x15" + mstr("edgeauth-token") + b"\x16" + mstr(tok)))
renew4 = packet(0x32, mstr("$auth/renew") + b"\x00\x03" + tok.encode())
unsub5 = packet(0xA2, b"\x00\x04" + props() + mstr("d/dev1/down/#"))
for seed in (bytes([0]) + c5, bytes([0]) + c4, bytes([0]) + c5 + pub5, bytes([2]) + pub5 + pub5q1, bytes([2]) + sub5 + unsub5,
             bytes([2]) + auth5, bytes([1]) + pub4q1 + sub4, bytes([1]) + renew4, bytes([2]) + packet(0xE0, b"\x00"),
             bytes([0]) + packet(0x10, mstr("MQTT") + bytes([5, 0xC2, 0, 60]) + props(b"\x15" + mstr("edgeauth-token") + b"\x16" + mstr(tok)) + mstr("dev1") + mstr("dev1") + mstr("")),
             bytes([2]) + packet(0x30, mstr("d/dev2/up/x") + props() + b"x"), bytes([0]) + b"\x10\xff\xff\xff\x7f"):
    write(MQ, seed)
