"""libuid2 demo, Python's part: one participant encrypts a raw UID2 into a
sharing token, another decrypts it; both get their keys over HTTP, through
the real v2 envelope, from the local key service (uid2-testserver). The
raw UID2 and the token are written to OUT_DIR for the other languages.

Run by tools/demo.sh: demo.py URL API_KEY SECRET OUT_DIR
"""
import os
import base64
import hashlib
import sys

import libuid2

url, api_key, secret, out_dir = sys.argv[1:5]

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
    if not dec.success or dec.uid != raw_uid:
        print("demo FAILED: the receiver did not get the sender's raw UID2")
        sys.exit(1)
print("receiver : python  libuid2, keys over HTTP           SUCCESS matches")
with open(os.path.join(out_dir, "raw_uid"), "w") as f:
    f.write(raw_uid + "\n")
with open(os.path.join(out_dir, "token"), "w") as f:
    f.write(token + "\n")
