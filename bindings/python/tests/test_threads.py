"""8 threads decrypting (single and batch) while keys are refreshed; handles
are not leaked by threads, close or GC."""

from __future__ import annotations

import datetime as dt
import gc
import json
import threading
import time

from conftest import RAW_UID, make_keys, make_token

import libuid2
from libuid2 import BidstreamClient, DecryptionStatus, SharingClient

UTC = dt.timezone.utc
THREADS = 8
SECONDS = 2.0


def _run_workers(worker, refresher) -> list:
    errors: list = []
    stop = threading.Event()

    def guarded(fn, *args):
        try:
            fn(stop, *args)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=guarded, args=(worker, i)) for i in range(THREADS)]
    threads.append(threading.Thread(target=guarded, args=(refresher,)))
    for t in threads:
        t.start()
    time.sleep(SECONDS)
    stop.set()
    for t in threads:
        t.join(30)
        assert not t.is_alive()
    return errors


def test_decrypt_while_refreshing():
    keys_body = make_keys(int(time.time()))
    keys = json.dumps(keys_body)
    now = None
    token, uid = make_token(keys_body), RAW_UID
    counts = [0] * THREADS
    with SharingClient() as client:
        assert client.refresh_json(keys).success

        def worker(stop, i):
            while not stop.is_set():
                r = client.decrypt_token_into_raw_uid(token, now=now)
                assert r.success and r.uid == uid, r
                batch = client.decrypt_tokens_into_raw_uids([token] * 16, now=now)
                assert all(b.success and b.uid == uid for b in batch)
                bad = client.decrypt_token_into_raw_uid("AIAA" + token[4:-4], now=now)
                assert bad.status is not DecryptionStatus.SUCCESS
                counts[i] += 18

        def refresher(stop):
            while not stop.is_set():
                assert client.refresh_json(keys).success
                assert not client.refresh_json("{not json").success  # failed refresh keeps keys
                client.refresh_state()

        errors = _run_workers(worker, refresher)
    assert not errors, errors[0]
    assert all(counts), counts


def test_encrypt_and_decrypt_threads():
    keys = json.dumps(make_keys(int(time.time())))
    now = None
    raw = RAW_UID
    with SharingClient() as client:
        assert client.refresh_json(keys).success

        def worker(stop, i):
            while not stop.is_set():
                t = client.encrypt_raw_uid_into_token(raw, now=now)
                assert t.success
                assert client.decrypt_token_into_raw_uid(t.encrypted_data, now=now).uid == raw
                ts = client.encrypt_raw_uids_into_tokens([raw] * 8, now=now)
                back = client.decrypt_tokens_into_raw_uids([x.encrypted_data for x in ts], now=now)
                assert [b.uid for b in back] == [raw] * 8

        def refresher(stop):
            while not stop.is_set():
                assert client.refresh_json(keys).success

        errors = _run_workers(worker, refresher)
    assert not errors, errors[0]


def test_close_while_in_use():
    """Closing a client that other threads are using without pause: every
    call before the close gives the right result, close() does not wait for
    them, and each thread's next call raises ValueError('... is closed');
    nothing crashes, nothing leaks."""
    keys = make_keys(int(time.time()))
    token = make_token(keys)
    base = libuid2.client_count()
    for _ in range(5):
        client = SharingClient()
        assert client.refresh_json(json.dumps(keys)).success
        outcomes: list = []
        busy = threading.Barrier(THREADS + 1)

        def worker():
            calls = 0
            try:
                while True:  # until the client is closed
                    if not client.decrypt_token_into_raw_uid(token).success:
                        outcomes.append("wrong result")
                        return
                    if not all(r.success for r in client.decrypt_tokens_into_raw_uids([token] * 4)):
                        outcomes.append("wrong batch result")
                        return
                    calls += 1
                    if calls == 1:
                        busy.wait()
            except ValueError as exc:
                outcomes.append("closed" if "closed" in str(exc) and calls > 0 else f"{exc} after {calls} calls")

        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for t in threads:
            t.start()
        busy.wait(30)  # every thread has made calls and is still making them
        client.close()
        for t in threads:
            t.join(30)
        assert outcomes == ["closed"] * THREADS
    assert libuid2.client_count() == base


def test_no_handle_leaks_across_threads():
    base = libuid2.client_count()

    def churn():
        for _ in range(100):
            with SharingClient():
                pass
            BidstreamClient()  # dropped: freed by GC

    threads = [threading.Thread(target=churn) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    gc.collect()
    assert libuid2.client_count() == base
