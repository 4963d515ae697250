"""Code written against the official SDK's deprecated data encryption: a
legacy client loads keys that name their sites (a key response its tests
keep as JSON), encrypt_data for a site and for an advertising token's site,
decrypt_data."""

import base64
import datetime as dt
import json
import time

from uid2_client import EncryptionError, IdentityScope, Uid2Client, decrypt_data, encrypt_data

now = int(time.time())
SITE_ID = 4242


def key(key_id, site_id, keyset_id, fill):
    return {"id": key_id, "site_id": site_id, "keyset_id": keyset_id, "created": now - 3600,
            "activates": now - 3600, "expires": now + 86400,
            "secret": base64.b64encode(bytes([fill]) * 32).decode()}


response = {"body": {"caller_site_id": SITE_ID, "master_keyset_id": 1, "default_keyset_id": 99,
                     "token_expiry_seconds": 2592000, "identity_scope": "UID2",
                     "keys": [key(1, -1, 1, 1), key(2, SITE_ID, 99, 2)]}}

client = Uid2Client("https://prod.uidapi.com", "unused-api-key", base64.b64encode(bytes(32)).decode())
keys = client.refresh_json(json.dumps(response))

at = dt.datetime.now(tz=dt.timezone.utc).replace(microsecond=0)
encrypted = encrypt_data(b"user segment 17", IdentityScope.UID2, keys=keys, site_id=SITE_ID, now=at)
decrypted = decrypt_data(encrypted, keys)
print("Encrypted =", encrypted)
print("Decrypted =", decrypted.data)
print("Encrypted at (UTC) =", decrypted.encrypted_at)
assert decrypted.data == b"user segment 17" and decrypted.encrypted_at == at

ad_token = client.encrypt(base64.b64encode(bytes(range(32))).decode())
for_token = encrypt_data(b"for the token's site", IdentityScope.UID2, keys=keys, advertising_token=ad_token)
assert decrypt_data(for_token, keys).data == b"for the token's site"

for wrong in ({"site_id": 1234}, {"site_id": SITE_ID, "advertising_token": ad_token}):
    try:
        encrypt_data(b"x", IdentityScope.UID2, keys=keys, **wrong)
        raise AssertionError(f"encrypt_data accepted {sorted(wrong)}")
    except (EncryptionError, ValueError) as e:
        print(type(e).__name__, e)
try:
    decrypt_data(encrypted[:-8], keys)  # truncated
    raise AssertionError("garbage decrypted")
except EncryptionError as e:
    print("EncryptionError:", e)
print("ok")
