"""A service's own unit tests, as users write them against the official
SDK: results built with the constructors and factories (no keys, no
network) fed to the service's code through a mock client, and the enums
compared as numbers and strings."""

import datetime as dt
import json
import sys
import unittest
from unittest import mock

from uid2_client import (AdvertisingTokenVersion, BidstreamClient, DecryptedToken, DecryptionStatus,
                         EncryptionDataResponse, EncryptionError, EncryptionStatus, IdentityScope,
                         IdentityType, RefreshResponse, SharingClient)


def classify(client, token, domain):
    """The service's code under test."""
    result = client.decrypt_token_into_raw_uid(token, domain)
    if result.success:
        return "phone" if result.identity_type == IdentityType.Phone else "email", result.uid
    if result.status == DecryptionStatus.EXPIRED_TOKEN:
        return "expired", None
    return "unknown", None


def share(client, raw_uid):
    response = client.encrypt_raw_uid_into_token(raw_uid)
    if not response.success:
        raise EncryptionError(response.status.value)
    return response.encrypted_data


class ServiceTests(unittest.TestCase):
    now = dt.datetime(2030, 1, 2, tzinfo=dt.timezone.utc)

    def test_decrypted(self):
        client = mock.Mock(spec=BidstreamClient)
        client.decrypt_token_into_raw_uid.return_value = DecryptedToken(
            DecryptionStatus.SUCCESS, "raw-uid", self.now, 17, 17, IdentityScope.UID2, IdentityType.Phone,
            AdvertisingTokenVersion.ADVERTISING_TOKEN_V4, False, self.now + dt.timedelta(days=3))
        self.assertEqual(classify(client, "token", "example.com"), ("phone", "raw-uid"))
        result = client.decrypt_token_into_raw_uid.return_value
        self.assertEqual((result.uid2, result.site_id, result.expiry.day), ("raw-uid", 17, 5))

    def test_errors(self):
        client = mock.Mock(spec=BidstreamClient)
        client.decrypt_token_into_raw_uid.return_value = DecryptedToken.make_error(DecryptionStatus.EXPIRED_TOKEN)
        self.assertEqual(classify(client, "token", "example.com"), ("expired", None))
        client.decrypt_token_into_raw_uid.return_value = DecryptedToken.make_error(DecryptionStatus.INVALID_PAYLOAD)
        self.assertEqual(classify(client, "token", None), ("unknown", None))
        self.assertFalse(client.decrypt_token_into_raw_uid.return_value.success)

    def test_sharing(self):
        client = mock.Mock(spec=SharingClient)
        client.encrypt_raw_uid_into_token.return_value = EncryptionDataResponse.make_success("AIAA-token")
        self.assertEqual(share(client, "raw"), "AIAA-token")
        client.encrypt_raw_uid_into_token.return_value = EncryptionDataResponse.make_error(
            EncryptionStatus.KEYS_NOT_SYNCED)
        with self.assertRaises(EncryptionError):
            share(client, "raw")
        built = EncryptionDataResponse(EncryptionStatus.ENCRYPTION_FAILURE, None)
        self.assertEqual((built.success, built.status, built.encrypted_data),
                         (False, EncryptionStatus.ENCRYPTION_FAILURE, None))

    def test_refresh_responses(self):
        ok = RefreshResponse.make_success(keys=None)
        failed = RefreshResponse.make_error("HTTP 401")
        self.assertTrue(ok.success)
        self.assertEqual((failed.success, failed.reason, failed.keys), (False, "HTTP 401", None))
        self.assertTrue(RefreshResponse(True, None, None).success)

    def test_enums_as_numbers_and_strings(self):
        self.assertEqual(IdentityScope.UID2, 0)
        self.assertEqual(int(IdentityScope.EUID), 1)
        self.assertIs(IdentityType(1), IdentityType.Phone)
        self.assertEqual(json.dumps({"type": IdentityType.Email, "scope": IdentityScope.EUID}),
                         '{"type": 0, "scope": 1}')
        self.assertEqual(AdvertisingTokenVersion.ADVERTISING_TOKEN_V4, 128)
        self.assertEqual(DecryptionStatus("success"), DecryptionStatus.SUCCESS)
        self.assertEqual(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY.value, "not authorized for key")
        self.assertEqual(EncryptionStatus.NOT_AUTHORIZED_FOR_KEY.value, "No Keyset Key Found")
        self.assertTrue(issubclass(EncryptionError, Exception))


if __name__ == "__main__":
    outcome = unittest.main(argv=sys.argv[:1], exit=False).result
    print("ok" if outcome.wasSuccessful() else "FAILED")
    sys.exit(0 if outcome.wasSuccessful() else 1)
