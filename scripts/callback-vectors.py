#!/usr/bin/env python3
"""Writes tests/fixtures/callback_vectors.json: DingTalk callback envelopes made by an
independent implementation (Python's `cryptography`), which tests/tests/callback_crypto.rs
opens and re-creates with the SDK. Usage: python3 scripts/callback-vectors.py > tests/fixtures/callback_vectors.json
"""
import base64
import hashlib
import json
import random
import string
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

rng = random.Random(20261201)
alnum = string.ascii_letters + string.digits


def word(n):
    return "".join(rng.choice(alnum) for _ in range(n))


def seal(key, owner, message, prefix):
    body = message.encode("utf-8")
    plain = prefix + struct.pack(">I", len(body)) + body + owner.encode("ascii")
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def sign(token, timestamp, nonce, encrypt):
    parts = sorted([token, timestamp, nonce, encrypt], key=lambda s: s.encode())
    return hashlib.sha1("".join(parts).encode()).hexdigest()


vectors = []
while len(vectors) < 50:
    raw_key = bytes(rng.randrange(256) for _ in range(32))
    aes_key = base64.b64encode(raw_key).decode().rstrip("=")
    if len(aes_key) != 43 or not aes_key.isalnum():
        continue  # keys with + or / are not DingTalk keys
    token = word(rng.randrange(6, 64))
    owner = rng.choice(["ding" + word(16), "suite" + word(16), word(20)])
    size = rng.choice([0, 1, 5, 31, 32, 33, 100, 1000, 4096])
    message = json.dumps({"EventType": "user_add_org", "userId": [word(8)], "pad": "中" * (size // 3) + word(size % 3)}, ensure_ascii=False)
    prefix = word(16).encode()
    timestamp = str(1700000000000 + rng.randrange(10**9))
    nonce = word(8)
    encrypt = seal(raw_key, owner, message, prefix)
    vectors.append({
        "token": token, "aes_key": aes_key, "owner_key": owner, "message": message,
        "prefix": prefix.decode(), "timestamp": timestamp, "nonce": nonce,
        "encrypt": encrypt, "signature": sign(token, timestamp, nonce, encrypt),
    })
print(json.dumps(vectors, ensure_ascii=False, indent=1))
