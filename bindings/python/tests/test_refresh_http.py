"""Key refresh over real HTTP against go/cmd/uid2-testserver: success, each
failure mode keeping the old keys, key replacement, automatic refresh."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from conftest import TEST_API_KEY, TEST_SECRET, first_success, load_vectors

from libuid2 import BidstreamClient, DecryptionStatus, SharingClient

UTC = dt.timezone.utc


def when(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=ms)


def _other_keys(data: dict):
    """Keys of another vector file of the same client type, or None."""
    for other in load_vectors():
        if other["client"] == data["client"] and other["keys"] is not None and other["keys"] != data["keys"]:
            return other["keys"]
    return None


@pytest.mark.parametrize("kind", ["sharing", "bidstream"])
def test_refresh_and_failures_keep_old_keys(key_server, kind):
    data, case = first_success("decrypt", kind)
    server = key_server(data["keys"])
    cls = SharingClient if kind == "sharing" else BidstreamClient
    now = when(case["now_ms"])
    args = (case["token"], case["domain"]) if kind == "bidstream" else (case["token"],)

    def decrypt():
        return client.decrypt_token_into_raw_uid(*args, now=now)

    with cls(server.url, TEST_API_KEY, TEST_SECRET) as client:
        assert decrypt().status is DecryptionStatus.NOT_INITIALIZED
        first = client.refresh()
        assert first.success, first.reason
        assert decrypt().success and decrypt().uid == case["expect"]["uid"]
        for mode in ("500", "garbage", "wrong-nonce", "wrong-secret"):
            server.fail(mode)
            response = client.refresh(timeout=5)
            assert response.success is False, mode
            assert response.reason, mode
            assert decrypt().success, f"old keys lost after a {mode} failure"
        server.fail("slow")
        started = time.monotonic()
        response = client.refresh(timeout=1)
        assert response.success is False and time.monotonic() - started < 4.5
        assert decrypt().success
        state = client.refresh_state()
        assert state.has_keys and state.consecutive_failures == 5 and state.last_error
        server.fail("none")
        assert client.refresh().success
        assert client.refresh_state().consecutive_failures == 0


def test_wrong_credentials(key_server):
    data, case = first_success("decrypt", "sharing")
    server = key_server(data["keys"])
    other_secret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    assert other_secret != TEST_SECRET
    for api_key, secret in (("wrong-key", TEST_SECRET), (TEST_API_KEY, other_secret)):
        with SharingClient(server.url, api_key, secret) as client:
            response = client.refresh(timeout=5)
            assert response.success is False and response.reason
            assert client.decrypt_token_into_raw_uid(case["token"]).status is DecryptionStatus.NOT_INITIALIZED


def test_new_keys_replace_old(key_server):
    data, case = first_success("decrypt", "sharing")
    other = _other_keys(data)
    if other is None:
        pytest.skip("only one sharing key set in the vectors")
    server = key_server(other)
    now = when(case["now_ms"])
    with SharingClient(server.url, TEST_API_KEY, TEST_SECRET) as client:
        assert client.refresh().success
        before = client.decrypt_token_into_raw_uid(case["token"], now=now)
        server.set_keys(data["keys"])
        assert client.refresh().success
        after = client.decrypt_token_into_raw_uid(case["token"], now=now)
        assert after.success and after.uid == case["expect"]["uid"]
        assert before != after


def test_auto_refresh(key_server):
    data, case = first_success("decrypt", "sharing")
    server = key_server(data["keys"])
    now = when(case["now_ms"])
    with SharingClient(server.url, TEST_API_KEY, TEST_SECRET) as client:
        client.start_auto_refresh(interval=3600)
        deadline = time.monotonic() + 10
        while not client.refresh_state().has_keys and time.monotonic() < deadline:
            time.sleep(0.02)
        state = client.refresh_state()
        assert state.has_keys and state.auto_refresh_running and state.last_success is not None
        assert client.decrypt_token_into_raw_uid(case["token"], now=now).success
        client.stop_auto_refresh()
        assert client.refresh_state().auto_refresh_running is False
        client.start_auto_refresh(interval=3600)
    # close() stopped it and freed the handle (no thread left behind to hang exit)
