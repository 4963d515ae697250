"""A sharer, as the official SDK's sharing guide shows it: SharingClient,
refresh, encrypt a raw UID2 into a token for a partner, decrypt a
partner's token."""

import sys

from uid2_client import EncryptionStatus, SharingClient

base_url, auth_key, secret_key, partner_token, raw_uid = sys.argv[1:6]

client = SharingClient(base_url, auth_key, secret_key)
refresh_response = client.refresh()
if not refresh_response.success:
    print("Failed to refresh keys:", refresh_response.reason)
    sys.exit(1)

encrypted = client.encrypt_raw_uid_into_token(raw_uid)
if encrypted.success:
    print("Sharing token =", encrypted.encrypted_data)
else:
    print("Failed to encrypt:", encrypted.status)
assert encrypted.status == EncryptionStatus.SUCCESS

# The official parameter names, as keywords.
by_keyword = client.encrypt_raw_uid_into_token(uid2=raw_uid, keyset_id=None)
assert by_keyword.success and by_keyword.encrypted_data != encrypted.encrypted_data

for token in (encrypted.encrypted_data, partner_token):
    decrypted = client.decrypt_token_into_raw_uid(token)
    assert decrypted.success, decrypted.status
    print("Raw UID2 =", decrypted.uid, "from site", decrypted.site_id)
    assert decrypted.uid == raw_uid

not_ours = client.encrypt_raw_uid_into_token(raw_uid, keyset_id=987654)
assert not not_ours.success and not_ours.status == EncryptionStatus.NOT_AUTHORIZED_FOR_KEY
assert not_ours.encrypted_data is None
print("ok")
