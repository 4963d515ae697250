"""Code written against the official SDK's legacy client: a factory,
refresh_keys, encrypt/decrypt that raise EncryptionError, and the
EncryptionKeysAutoRefresher thread polled as its sample polls it."""

import datetime as dt
import sys
import time

from uid2_client import EncryptionError, EncryptionKeysAutoRefresher, Uid2ClientFactory
from uid2_client import EuidClientFactory  # noqa: F401 - imported as user code does

base_url, auth_key, secret_key, ad_token, raw_uid = sys.argv[1:6]

client = Uid2ClientFactory.create(base_url, auth_key, secret_key)
keys = client.refresh_keys()
print("Keys:", len(keys))
assert len(keys) > 0

result = client.decrypt(ad_token)
print("UID2 =", result.uid2)
assert result.uid2 == raw_uid

sharing_token = client.encrypt(raw_uid)
assert client.decrypt(sharing_token).uid == raw_uid

try:
    client.decrypt(ad_token[:-8])  # truncated
    raise AssertionError("a truncated token decrypted")
except EncryptionError as e:
    print("EncryptionError:", e)

fresh = Uid2ClientFactory.create(base_url, auth_key, secret_key)
with EncryptionKeysAutoRefresher(fresh, dt.timedelta(seconds=4), dt.timedelta(seconds=7)) as refresher:
    for _ in range(100):
        refresh_result = refresher.current_result()
        if refresh_result.ready:
            print("Keys are ready, last refreshed (UTC):", refresh_result.last_success_time)
            print("UID2 =", fresh.decrypt(ad_token).uid2)
            break
        print("Keys are not ready yet, last error:", refresh_result.last_error[1])
        time.sleep(0.1)
    else:
        raise AssertionError("the refresher never got keys")
assert refresher.current_result().last_error is None
print("ok")
