"""Waiting for the first keys (wait_for_keys) and the log of automatic
refreshes (logger "libuid2"), against the local key service."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest

from conftest import RAW_UID, make_keys

from libuid2 import LOGGER_NAME, SharingClient


def refresh_loggers() -> list:
    return [t for t in threading.enumerate() if t.name == "libuid2-refresh-log"]


@pytest.fixture
def site(key_service):
    return key_service.participant("waiter", ["publisher"], ["sharer"])


def test_wait_for_keys_after_start_auto_refresh(key_service, site):
    with SharingClient(key_service.url, site.api_key, site.secret) as client:
        client.start_auto_refresh()
        client.wait_for_keys(timeout=10)
        assert client.refresh_state().has_keys
        assert client.encrypt_raw_uid_into_token(RAW_UID).success
        started = time.monotonic()
        client.wait_for_keys(timeout=0)  # has keys: at once
        assert time.monotonic() - started < 1


def test_wait_for_keys_times_out_with_the_reason(key_service, site):
    with SharingClient(key_service.url, "wrong-key", site.secret) as client:
        client.start_auto_refresh()
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            client.wait_for_keys(timeout=1.5)
        assert 1.0 < time.monotonic() - started < 5
        assert "401" in str(info.value) and site.secret not in str(info.value)
    with SharingClient() as client:
        with pytest.raises(TimeoutError):
            client.wait_for_keys(timeout=0)
        assert client.refresh_json(json.dumps(make_keys(int(time.time())))).success
        client.wait_for_keys(timeout=0)  # keys from JSON count too
        with pytest.raises(ValueError):
            client.wait_for_keys(timeout=-1)
    with pytest.raises(ValueError, match="closed"):
        client.wait_for_keys(timeout=1)


def test_a_waiting_thread_is_released_by_close(key_service, site):
    client = SharingClient(key_service.url, "wrong-key", site.secret)
    outcome = []

    def wait():
        try:
            client.wait_for_keys(timeout=30)
        except Exception as e:  # noqa: BLE001 - recorded for the assertion
            outcome.append(type(e))

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)
    client.close()
    waiter.join(5)
    assert not waiter.is_alive() and outcome == [ValueError]


def test_failed_automatic_refreshes_are_logged(key_service, site, caplog):
    before = len(refresh_loggers())
    with SharingClient(key_service.url, site.api_key, site.secret) as client:
        assert len(refresh_loggers()) == before  # only with automatic refresh
        client.refresh()
        assert len(refresh_loggers()) == before
        with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
            key_service.fault("500")
            client.start_auto_refresh(interval=3600)
            assert len(refresh_loggers()) == before + 1
            deadline = time.monotonic() + 10
            while not caplog.records and time.monotonic() < deadline:
                time.sleep(0.02)
            key_service.fault("none")
            client.start_auto_refresh(interval=3600)  # restart: refreshes at once
            deadline = time.monotonic() + 10
            while caplog.records[-1].levelno != logging.INFO and time.monotonic() < deadline:
                time.sleep(0.02)
            client.start_auto_refresh(interval=3600)
            assert len(refresh_loggers()) == before + 1  # one per client
        warning = caplog.records[0]
        info = next(r for r in caplog.records if r.levelno == logging.INFO)
        assert warning.name == "libuid2" and warning.levelno == logging.WARNING
        assert "automatic key refresh of SharingClient failed" in warning.getMessage()
        assert "500" in warning.getMessage()
        assert "succeeded again" in info.getMessage()
        for record in caplog.records:
            assert site.secret not in record.getMessage() and site.api_key not in record.getMessage()
    deadline = time.monotonic() + 5
    while len(refresh_loggers()) > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(refresh_loggers()) == before  # close() ended it


EXIT_DURING_REFRESH = """
import sys, time
import libuid2
client = libuid2.SharingClient(sys.argv[1], sys.argv[2], sys.argv[3])
client.start_auto_refresh(timeout=0.2)  # the key service answers after 5 s: it fails at 0.2 s
time.sleep(float(sys.argv[4]))          # exit around then, the logger thread waiting in the library
"""


def test_exit_while_the_logger_waits(key_service, site, tmp_path):
    """A process exits normally however its refresh logger thread is placed:
    waiting in the library, or woken by a failed refresh while Python
    finalizes."""
    import os
    import subprocess
    import sys

    from conftest import SRC

    key_service.fault("slow")
    script = tmp_path / "exit.py"
    script.write_text(EXIT_DURING_REFRESH)
    env = dict(os.environ, PYTHONPATH=SRC)
    for delay in ("0.0", "0.15", "0.19", "0.2", "0.21", "0.25"):
        proc = subprocess.run([sys.executable, str(script), key_service.url, site.api_key, site.secret, delay],
                              capture_output=True, text=True, timeout=30, env=env)
        assert proc.returncode == 0, (delay, proc.stderr)
        assert site.secret not in proc.stderr
