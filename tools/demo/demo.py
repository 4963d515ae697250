"""libuid2 demo: one participant encrypts a raw UID2 into a sharing token,
another decrypts it; both get their keys over HTTP, through the real v2
envelope, from the local key service (uid2-testserver).

Run by tools/demo.sh, which builds libuid2.so and the key service with Bazel.
"""
import base64
import hashlib
import sys

import libuid2

url, api_key, secret = sys.argv[1:4]

# A raw UID2 is 32 bytes, base64; this one is made up for the demo.
raw_uid = base64.b64encode(hashlib.sha256(b"demo@example.com").digest()).decode()

with libuid2.SharingClient(url, api_key, secret) as sender:
    refresh = sender.refresh()
    print(f"sender   : refreshed keys from {url}: {refresh}")
    enc = sender.encrypt_raw_uid_into_token(raw_uid)
    assert enc.success, enc
    token = enc.encrypted_data
    print(f"sender   : raw UID2 {raw_uid}")
    print(f"sender   : token    {token[:60]}... ({len(token)} chars)")

with libuid2.SharingClient(url, api_key, secret) as receiver:
    receiver.refresh()
    dec = receiver.decrypt_token_into_raw_uid(token)
    print(f"receiver : decrypted {dec.uid} (status {dec.status})")
    if not dec.success or dec.uid != raw_uid:
        print("demo FAILED: the receiver did not get the sender's raw UID2")
        sys.exit(1)
print("demo OK: the receiver decrypted exactly what the sender encrypted")
