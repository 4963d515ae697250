"""Key refresh over real HTTP from the local key service (`uid2 serve`): a
sender encrypts with keys it refreshed, receivers decrypt with theirs;
success, each failure mode keeping the old keys, credentials, rotation,
sharing permissions, automatic refresh, refresh during decrypts."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from conftest import RAW_UID

from libuid2 import BidstreamClient, DecryptionStatus, SharingClient


@pytest.fixture
def sites(key_service):
    """A sender that shares with a receiver, and a bidder, which gets the
    sender's keys because the sender generates tokens for the bidstream."""
    sender = key_service.participant("sender", ["publisher"], ["sharer", "generator"], ["example.com"])
    receiver = key_service.participant("receiver", ["advertiser"], ["sharer"])
    bidder = key_service.participant("bidder", ["dsp"], ["bidder"])
    key_service.grant(sender, receiver)
    return SimpleNamespace(sender=sender, receiver=receiver, bidder=bidder)


def connect(service, who, cls=SharingClient):
    return cls(service.url, who.api_key, who.secret)


def sender_token(service, sender) -> str:
    """A token for RAW_UID from the sender's client, its keys refreshed over HTTP."""
    with connect(service, sender) as client:
        response = client.refresh()
        assert response.success, response.reason
        result = client.encrypt_raw_uid_into_token(RAW_UID)
        assert result.success, result
        return result.encrypted_data


def _decrypt(client, token):
    if isinstance(client, BidstreamClient):
        return client.decrypt_token_into_raw_uid(token, "example.com")
    return client.decrypt_token_into_raw_uid(token)


@pytest.mark.parametrize("cls,who", [(SharingClient, "receiver"), (BidstreamClient, "bidder")])
def test_refresh_and_failures_keep_old_keys(key_service, sites, cls, who):
    token = sender_token(key_service, sites.sender)
    with connect(key_service, getattr(sites, who), cls) as client:
        assert _decrypt(client, token).status is DecryptionStatus.NOT_INITIALIZED
        first = client.refresh()
        assert first.success, first.reason
        result = _decrypt(client, token)
        assert result.success and result.uid == RAW_UID
        # What a failed refresh must not install: a key made after the last success.
        key_service.rotate(sites.sender)
        rotated = sender_token(key_service, sites.sender)
        for mode in ("500", "garbage", "wrong-nonce", "wrong-secret", "slow"):
            key_service.fault(mode)
            started = time.monotonic()
            response = client.refresh(timeout=1 if mode == "slow" else 5)
            assert response.success is False and response.reason, mode
            assert time.monotonic() - started < 4.5, mode
            assert _decrypt(client, token).success, f"old keys lost after a {mode} failure"
            assert _decrypt(client, rotated).status is DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, mode
        state = client.refresh_state()
        assert state.has_keys and state.consecutive_failures == 5 and state.last_error
        key_service.fault("none")
        assert client.refresh().success
        assert client.refresh_state().consecutive_failures == 0
        assert _decrypt(client, rotated).uid == RAW_UID


def test_wrong_credentials(key_service, sites):
    token = sender_token(key_service, sites.sender)
    receiver = sites.receiver
    other_secret = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="
    assert other_secret != receiver.secret
    for api_key, secret in (("wrong-key", receiver.secret), (receiver.api_key, other_secret)):
        with SharingClient(key_service.url, api_key, secret) as client:
            response = client.refresh(timeout=5)
            assert response.success is False and response.reason
            assert client.decrypt_token_into_raw_uid(token).status is DecryptionStatus.NOT_INITIALIZED


def test_rotated_keys_arrive_with_the_next_refresh(key_service, sites):
    old_token = sender_token(key_service, sites.sender)
    with connect(key_service, sites.receiver) as client:
        assert client.refresh().success
        assert client.decrypt_token_into_raw_uid(old_token).uid == RAW_UID
        key_service.rotate(sites.sender)
        new_token = sender_token(key_service, sites.sender)
        assert client.decrypt_token_into_raw_uid(new_token).status is DecryptionStatus.NOT_AUTHORIZED_FOR_KEY
        assert client.refresh().success
        assert client.decrypt_token_into_raw_uid(new_token).uid == RAW_UID
        # The old key stays until the tokens it made expire.
        assert client.decrypt_token_into_raw_uid(old_token).uid == RAW_UID


def test_sharing_permission_follows_grant_and_revoke(key_service, sites):
    """A site decrypts the sender's tokens only while the sender grants it
    sharing, as of its latest refresh."""
    token = sender_token(key_service, sites.sender)
    outsider = key_service.participant("outsider", ["advertiser"], ["sharer"])
    with connect(key_service, outsider) as client:
        assert client.refresh().success
        assert client.decrypt_token_into_raw_uid(token).status is DecryptionStatus.NOT_AUTHORIZED_FOR_KEY
        key_service.grant(sites.sender, outsider)
        assert client.decrypt_token_into_raw_uid(token).status is DecryptionStatus.NOT_AUTHORIZED_FOR_KEY
        assert client.refresh().success
        result = client.decrypt_token_into_raw_uid(token)
        assert result.success and result.uid == RAW_UID and result.site_id == sites.sender.site_id
        key_service.revoke(sites.sender, outsider)
        assert client.refresh().success
        assert client.decrypt_token_into_raw_uid(token).status is DecryptionStatus.NOT_AUTHORIZED_FOR_KEY


def test_auto_refresh(key_service, sites):
    token = sender_token(key_service, sites.sender)
    with connect(key_service, sites.receiver) as client:
        client.start_auto_refresh(interval=3600)
        deadline = time.monotonic() + 10
        while not client.refresh_state().has_keys and time.monotonic() < deadline:
            time.sleep(0.02)
        state = client.refresh_state()
        assert state.has_keys and state.auto_refresh_running and state.last_success is not None
        assert client.decrypt_token_into_raw_uid(token).success
        client.stop_auto_refresh()
        assert client.refresh_state().auto_refresh_running is False
        client.start_auto_refresh(interval=3600)
    # close() stopped it and freed the handle: nothing left to keep the process alive


def test_refresh_while_decrypting_over_http(key_service, sites):
    """8 threads decrypt while the main thread refreshes over HTTP, with
    failures in between; every decrypt succeeds throughout."""
    token = sender_token(key_service, sites.sender)
    with connect(key_service, sites.receiver) as client:
        assert client.refresh().success
        stop = threading.Event()
        bad: list = []

        def worker():
            while not stop.is_set():
                r = client.decrypt_token_into_raw_uid(token)
                b = client.decrypt_tokens_into_raw_uids([token] * 8)
                if not (r.success and all(x.uid == RAW_UID for x in b)):
                    bad.append(r)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        try:
            for i in range(20):
                key_service.fault("500" if i % 3 == 2 else "none")
                client.refresh(timeout=5)
        finally:
            key_service.fault("none")
            stop.set()
            for t in threads:
                t.join(30)
        assert not bad, bad[:1]
