"""Conformance driver for Python: runs the vectors (and the round trip)
through the public API of the `libuid2` package. See ../README.md."""

import datetime as dt
import json
import os
import sys

from libuid2 import (AdvertisingTokenVersion, BidstreamClient, DecryptionStatus, IdentityScope,
                     IdentityType, SharingClient)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
MS = dt.timedelta(milliseconds=1)

# The binding's names -> the vector names (capi/uid2.h's). Anything not listed
# keeps its enum member name.
STATUS_NAMES = {DecryptionStatus.DOMAIN_NAME_CHECK_FAILED: "DOMAIN_OR_APP_NAME_CHECK_FAILED"}
TYPE_NAMES = {IdentityType.Email: "EMAIL", IdentityType.Phone: "PHONE", None: None}
SCOPE_NAMES = {IdentityScope.UID2: "UID2", IdentityScope.EUID: "EUID"}
VERSIONS = {
    AdvertisingTokenVersion.ADVERTISING_TOKEN_V2: 2,
    AdvertisingTokenVersion.ADVERTISING_TOKEN_V3: 3,
    AdvertisingTokenVersion.ADVERTISING_TOKEN_V4: 4,
    None: 0,
}


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def at(ms):
    return EPOCH + ms * MS


def ms_of(when):
    return 0 if when is None else (when - EPOCH) // MS


def decrypted(r):
    return {
        "status": STATUS_NAMES.get(r.status, r.status.name),
        "uid": r.uid or "",
        "established_ms": ms_of(r.established),
        "expiry_ms": ms_of(r.expiry),
        "site_id": r.site_id or 0,
        "site_key_site_id": r.site_key_site_id or 0,
        "identity_scope": SCOPE_NAMES[r.identity_scope],
        "identity_type": TYPE_NAMES[r.identity_type],
        "version": VERSIONS[r.advertising_token_version],
        "is_client_side_generated": bool(r.is_client_side_generated),
    }


def encrypted(r):
    return {"status": r.status.name, "token": r.encrypted_data or ""}


def client_with(kind, keys_text):
    client = kind(None, None, None)
    if keys_text is not None:
        response = client.refresh_json(keys_text)
        if not response.success:
            sys.exit("python driver: keys not loaded: %s" % response.reason)
    return client


def client_for(keys, kind=SharingClient):
    """A client with the keys of a key file, or refreshed over HTTP from a key service's base URL
    with the API key and secret in UID2_API_KEY and UID2_SECRET_KEY."""
    if keys.startswith(("http://", "https://")):
        client = kind(keys, os.environ.get("UID2_API_KEY"), os.environ.get("UID2_SECRET_KEY"))
        response = client.refresh()
        if not response.success:
            sys.exit("python driver: refresh from %s failed: %s" % (keys, response.reason))
        return client
    with open(keys, encoding="utf-8") as f:
        return client_with(kind, f.read())


def run_vectors(vectors_dir, out):
    for name in sorted(f for f in os.listdir(vectors_dir) if f.endswith(".json")):
        with open(os.path.join(vectors_dir, name), encoding="utf-8") as f:
            vector = json.load(f)
        keys = None if vector["keys"] is None else json.dumps(vector["keys"])
        kind = SharingClient if vector["client"] == "sharing" else BidstreamClient
        with client_with(kind, keys) as client:
            for case in vector["cases"]:
                now = at(case["now_ms"])
                if case["op"] == "encrypt":
                    result = encrypted(client._encrypt_with_nonces_insecure_for_tests(
                        case["raw_uid"], bytes.fromhex(case["nonces"]), case["keyset_id"], now))
                elif kind is SharingClient:
                    result = decrypted(client.decrypt_token_into_raw_uid(case["token"], now))
                else:
                    result = decrypted(client.decrypt_token_into_raw_uid(case["token"], case["domain"], now))
                out.write(canonical({"file": name, "case": case["name"], "result": result}) + "\n")


def main(argv):
    mode, args = argv[1], argv[2:]
    if mode == "vectors":
        with open(args[1], "w", encoding="ascii") as out:
            run_vectors(args[0], out)
        return
    with open(args[1], encoding="utf-8") as f:
        lines = f.read().splitlines()
    # bidstream: a DSP decrypts the tokens of bid requests (no domain: server-side generated tokens
    # carry none to check) with keys refreshed from a key service's URL.
    kind = BidstreamClient if mode == "bidstream" else SharingClient
    with client_for(args[0], kind) as client, open(args[2], "w", encoding="ascii") as out:
        for line in lines:  # the real clock and, for encrypt, the real nonce source
            if mode == "encrypt":
                result = encrypted(client.encrypt_raw_uid_into_token(line))
            else:
                result = decrypted(client.decrypt_token_into_raw_uid(line))
            out.write(canonical(result) + "\n")


if __name__ == "__main__":
    main(sys.argv)
