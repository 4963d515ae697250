"""A DSP's bid handler, as the official SDK's DSP guide shows it:
BidstreamClient, refresh, decrypt the token of a bid request with the
site's domain or the app's name, and branch on the result."""

import sys

from uid2_client import BidstreamClient, DecryptionStatus

base_url, auth_key, secret_key, ad_token, raw_uid, domain = sys.argv[1:7]

client = BidstreamClient(base_url, auth_key, secret_key)
refresh_response = client.refresh()
if not refresh_response.success:
    print("Failed to refresh keys:", refresh_response.reason)
    sys.exit(1)

decrypted = client.decrypt_token_into_raw_uid(ad_token, domain)
if decrypted.success:
    print("UID2 =", decrypted.uid)
    print("Established =", decrypted.established, "Site ID =", decrypted.site_id)
    print("Identity =", decrypted.identity_scope, decrypted.identity_type, decrypted.advertising_token_version)
elif decrypted.status == DecryptionStatus.EXPIRED_TOKEN:
    print("expired")
else:
    print("Failed to decrypt:", decrypted.status)
assert decrypted.success and decrypted.uid == raw_uid and decrypted.uid2 == raw_uid
assert decrypted.status == DecryptionStatus.SUCCESS and decrypted.expiry > decrypted.established

# The keyword of the official signature.
again = client.decrypt_token_into_raw_uid(ad_token, domain_name=domain)
assert again.uid == decrypted.uid
print("ok")
