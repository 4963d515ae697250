"""Key refresh over real HTTP against go/cmd/uid2-testserver: success, each
failure mode keeping the old keys, key replacement, automatic refresh."""

from __future__ import annotations

import time

import pytest

from conftest import RAW_UID, TEST_API_KEY, TEST_SECRET, make_keys, make_token

from libuid2 import BidstreamClient, DecryptionStatus, SharingClient


@pytest.fixture
def keys():
    return make_keys(int(time.time()))


def _decrypt(client, token):
    if isinstance(client, BidstreamClient):
        return client.decrypt_token_into_raw_uid(token, "example.com")
    return client.decrypt_token_into_raw_uid(token)


@pytest.mark.parametrize("cls", [SharingClient, BidstreamClient])
def test_refresh_and_failures_keep_old_keys(key_server, keys, cls):
    server = key_server(keys)
    token = make_token(keys)
    with cls(server.url, TEST_API_KEY, TEST_SECRET) as client:
        assert _decrypt(client, token).status is DecryptionStatus.NOT_INITIALIZED
        first = client.refresh()
        assert first.success, first.reason
        result = _decrypt(client, token)
        assert result.success and result.uid == RAW_UID
        for mode in ("500", "garbage", "wrong-nonce", "wrong-secret"):
            server.fail(mode)
            response = client.refresh(timeout=5)
            assert response.success is False, mode
            assert response.reason, mode
            assert _decrypt(client, token).success, f"old keys lost after a {mode} failure"
        server.fail("slow")
        started = time.monotonic()
        response = client.refresh(timeout=1)
        assert response.success is False and time.monotonic() - started < 4.5
        assert _decrypt(client, token).success
        state = client.refresh_state()
        assert state.has_keys and state.consecutive_failures == 5 and state.last_error
        server.fail("none")
        assert client.refresh().success
        assert client.refresh_state().consecutive_failures == 0


def test_wrong_credentials(key_server, keys):
    server = key_server(keys)
    token = make_token(keys)
    other_secret = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="
    assert other_secret != TEST_SECRET
    for api_key, secret in (("wrong-key", TEST_SECRET), (TEST_API_KEY, other_secret)):
        with SharingClient(server.url, api_key, secret) as client:
            response = client.refresh(timeout=5)
            assert response.success is False and response.reason
            assert client.decrypt_token_into_raw_uid(token).status is DecryptionStatus.NOT_INITIALIZED


def test_new_keys_replace_old(key_server, keys):
    other = make_keys(int(time.time()), variant=2)
    server = key_server(keys)
    token, other_token = make_token(keys), make_token(other)
    with SharingClient(server.url, TEST_API_KEY, TEST_SECRET) as client:
        assert client.refresh().success
        assert client.decrypt_token_into_raw_uid(token).success
        assert client.decrypt_token_into_raw_uid(other_token).status is DecryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY
        server.set_keys(other)
        assert client.refresh().success
        assert client.decrypt_token_into_raw_uid(other_token).uid == RAW_UID
        assert client.decrypt_token_into_raw_uid(token).status is DecryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY


def test_auto_refresh(key_server, keys):
    server = key_server(keys)
    token = make_token(keys)
    with SharingClient(server.url, TEST_API_KEY, TEST_SECRET) as client:
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


def test_refresh_while_decrypting_over_http(key_server, keys):
    """8 threads decrypt while the main thread refreshes over HTTP, with
    failures in between; every decrypt succeeds throughout."""
    import threading

    server = key_server(keys)
    token = make_token(keys)
    with SharingClient(server.url, TEST_API_KEY, TEST_SECRET) as client:
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
                server.fail("500" if i % 3 == 2 else "none")
                client.refresh(timeout=5)
        finally:
            server.fail("none")
            stop.set()
            for t in threads:
                t.join(30)
        assert not bad, bad[:1]
