"""Interop driver for the official UID2 Python SDK (uid2-client, pinned in ../requirements.txt).

Runs under the interpreter of the SDK's own virtual environment, never with libuid2 on the
path. It speaks the conformance driver contract (tests/conformance/README.md) that
tests/interop/interop.py drives, writing only the fields this SDK exposes:

    driver.py vectors DIR OUT        decrypt cases of the vector files in DIR, at each case's now_ms
    driver.py encrypt KEYS IN OUT    a SharingClient with KEYS encrypts each raw UID (real clock)
    driver.py decrypt KEYS IN OUT    ... decrypts each token (real clock)

KEYS is a key file, or a key service's base URL: the client then refreshes over HTTP (the SDK's
own HTTP stack) with the API key and secret in UID2_API_KEY and UID2_SECRET_KEY.

Keys are loaded with SharingClient._refresh_json and a case's time is passed with
_decrypt_token_into_raw_uid(token, now): the seams the SDK's own tests use. The SDK raises
EncryptionError where the others return INVALID_PAYLOAD; that is written as the status
"raised EncryptionError: <message>" for the checker to judge.
"""

import base64
import datetime as dt
import json
import os
import sys

from uid2_client import SharingClient
from uid2_client.encryption import EncryptionError

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
MS = dt.timedelta(milliseconds=1)
VERSIONS = {2: 2, 112: 3, 128: 4}  # AdvertisingTokenVersion values -> token versions
UNUSED_SECRET = base64.b64encode(bytes(32)).decode()  # the constructor decodes a secret


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def ms_of(when):
    return 0 if when is None else (when - EPOCH) // MS


def decrypted(decrypt, token):
    try:
        r = decrypt(token)
    except EncryptionError as e:
        return {"status": "raised EncryptionError: %s" % e}
    return {
        "status": r.status.name,
        "uid": r.uid or "",
        "established_ms": ms_of(r.established),
        "expiry_ms": ms_of(r.expiry),
        "site_id": r.site_id or 0,
        "site_key_site_id": r.site_key_site_id or 0,
        "identity_scope": None if r.identity_scope is None else r.identity_scope.name,
        "identity_type": None if r.identity_type is None else r.identity_type.name.upper(),
        "version": VERSIONS.get(r.advertising_token_version, 0),
        "is_client_side_generated": bool(r.is_client_side_generated),
    }


def encrypted(r):
    if r is None:  # encrypt prints "No Site ID in keys" and returns None
        return {"status": "returned None", "token": ""}
    return {"status": r.status.name, "token": r.encrypted_data or ""}


def client_with(keys_text):
    client = SharingClient("http://127.0.0.1:9", "unused", UNUSED_SECRET)
    response = client._refresh_json(keys_text)
    if not response.success:
        sys.exit("official python driver: keys not loaded: %s" % (response.reason,))
    return client


def sharing_client_for(keys):
    if keys.startswith(("http://", "https://")):
        client = SharingClient(keys, os.environ["UID2_API_KEY"], os.environ["UID2_SECRET_KEY"])
        response = client.refresh()
        if not response.success:
            sys.exit("official python driver: refresh from %s failed: %s" % (keys, response.reason))
        return client
    with open(keys, encoding="utf-8") as f:
        return client_with(f.read())


def run_vectors(vectors_dir, out):
    for name in sorted(f for f in os.listdir(vectors_dir) if f.endswith(".json")):
        with open(os.path.join(vectors_dir, name), encoding="utf-8") as f:
            vector = json.load(f)
        if vector["client"] != "sharing":
            sys.exit("official python driver: %s: only sharing vectors are supported" % name)
        client = client_with(json.dumps(vector["keys"]))
        for case in vector["cases"]:
            if case["op"] != "decrypt":
                sys.exit("official python driver: %s: only decrypt cases are supported" % name)
            now = EPOCH + case["now_ms"] * MS
            result = decrypted(lambda t: client._decrypt_token_into_raw_uid(t, now), case["token"])
            out.write(canonical({"file": name, "case": case["name"], "result": result}) + "\n")


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def main(argv):
    mode, args = argv[1], argv[2:]
    if mode == "vectors":
        with open(args[1], "w", encoding="ascii") as out:
            run_vectors(args[0], out)
        return
    if mode not in ("encrypt", "decrypt"):
        sys.exit("official python driver: unknown mode %r" % mode)
    client = sharing_client_for(args[0])
    in_path, out_path = args[1], args[2]
    with open(out_path, "w", encoding="ascii") as out:
        for line in read_lines(in_path):  # the real clock and nonce source
            if mode == "encrypt":
                result = encrypted(client.encrypt_raw_uid_into_token(line))
            else:
                result = decrypted(client.decrypt_token_into_raw_uid, line)
            out.write(canonical(result) + "\n")


if __name__ == "__main__":
    main(sys.argv)
