"""The sharing demo (README): UID2 sharing from start to end, every language.

A local key service (`uid2 serve`) on a free loopback port with a fresh data
directory; an advertiser (the sender) grants sharing to the DSP type and
accepts a data provider's request, and grants a publisher nothing. Every site
has its own API key (role sharer). Python, as the advertiser, refreshes its
keys over HTTP and encrypts a few raw UID2s into sharing tokens; then each
receiver, in every language, refreshes its keys over HTTP with its own API key
and decrypts them. The advertiser revokes the data provider's permission, and
the data provider, at its next refresh, can decrypt no more. Every cell of
the table (language x receiver) is checked: the status, and for SUCCESS the
raw UID2 and the sender's site, of every token. Exit status 1 on any
difference.

The programs are the conformance drivers (tests/conformance/drivers.py), in
their `encrypt`/`decrypt` modes with a key service's URL for KEYS; the API
key and secret reach them in UID2_API_KEY and UID2_SECRET_KEY, not on their
command line, where every user of the machine could read them (ps).

Usage: run.py UID2 LIBUID2_SO LANG=DRIVER...
  UID2: the uid2 command (//go/cmd/uid2); LIBUID2_SO: libuid2.so;
  LANG=DRIVER: a driver per language (python, go, c, cpp, java, csharp), as
  check.py takes them. //tools/demo:demo and :demo_test pass them all.
"""

import base64
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import drivers
from serve import KeyService  # tests/keyservice/serve.py

NAMES = {"python": "Python", "go": "Go", "c": "C", "cpp": "C++", "java": "Java", "csharp": "C#"}
SENDER_LANGUAGE = "python"
SUCCESS = "SUCCESS"
NOT_AUTHORIZED = "NOT_AUTHORIZED_FOR_KEY"


class Site:
    def __init__(self, service, name, site_type):
        self.name = name
        self.id = service.admin("site", "create", "--name", name, "--types", site_type)["id"]
        key = service.admin("apikey", "create", "--site", self.id, "--roles", "sharer")
        self.credentials = {"UID2_API_KEY": key["api_key"], "UID2_SECRET_KEY": key["secret"]}

    def __str__(self):
        return "%s %d" % (self.name, self.id)


class Receiver:
    """A row of the check: a receiving site at one moment, what it must get, and what it got."""

    def __init__(self, site, how, expected):
        self.site, self.how, self.expected = site, how, expected
        self.results = {}  # language -> list of decrypt results, or the error that stopped the driver


def raw_uid2s():
    """Made-up raw UID2s (32 bytes, base64): v3-style email (A...) and phone (B...) ones, a v2-style one."""
    return [base64.b64encode(bytes([first]) + secrets.token_bytes(31)).decode() for first in (0x00, 0x04, 0x80)]


def encrypt(sender_driver, service, sender, raw_uids, tmp):
    raw_path, out = os.path.join(tmp, "raw-uid2s.txt"), os.path.join(tmp, "encrypted.jsonl")
    with open(raw_path, "w") as f:
        f.write("".join(u + "\n" for u in raw_uids))
    sender_driver.run("encrypt", service.url, raw_path, out, env=sender.credentials)
    with open(out) as f:
        results = [json.loads(line) for line in f]
    tokens = [r.get("token", "") for r in results]
    if len(results) != len(raw_uids) or any(r.get("status") != SUCCESS or not r.get("token") for r in results):
        raise RuntimeError("the sender could not encrypt: %s" % results)
    if len(set(tokens)) != len(tokens):
        raise RuntimeError("the sender made the same token twice")
    tokens_path = os.path.join(tmp, "tokens.txt")
    with open(tokens_path, "w") as f:
        f.write("".join(t + "\n" for t in tokens))
    return tokens, tokens_path


def decrypt_everywhere(specs, service, receiver, tokens_path, tmp):
    for d in specs:
        out = os.path.join(tmp, "decrypted.%d.%s.%s.jsonl" % (receiver.site.id, receiver.how.replace(" ", "-"), d.lang))
        try:
            d.run("decrypt", service.url, tokens_path, out, env=receiver.site.credentials)
            with open(out) as f:
                receiver.results[d.lang] = [json.loads(line) for line in f]
        except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
            receiver.results[d.lang] = str(e)


def problems(receiver, lang, raw_uids, sender):
    """What differs from the expected outcome in one cell; [] when nothing does."""
    got = receiver.results.get(lang)
    if got is None:
        return ["did not run"]
    if isinstance(got, str):
        return [got]
    out = []
    if len(got) != len(raw_uids):
        out.append("%d results for %d tokens" % (len(got), len(raw_uids)))
    for i, (raw, r) in enumerate(zip(raw_uids, got)):
        want = {"status": receiver.expected, "uid": raw if receiver.expected == SUCCESS else ""}
        if receiver.expected == SUCCESS:
            want["site_id"] = sender.id
        diffs = ["%s %s, expected %s" % (k, json.dumps(r.get(k)), json.dumps(v))
                 for k, v in want.items() if r.get(k) != v]
        if diffs:
            out.append("token %d: %s" % (i + 1, "; ".join(diffs)))
    return out


def cell(receiver, lang, bad):
    got = receiver.results.get(lang)
    if not isinstance(got, list):
        return "ERROR ✗"
    statuses = sorted({r.get("status", "?") for r in got}) or ["NO RESULT"]
    return "%s %s" % ("/".join(statuses), "✗" if bad else "✓")


def print_table(receivers, langs, raw_uids, sender):
    header1 = [""] + [str(r.site) for r in receivers]
    header2 = [""] + [r.how for r in receivers]
    failures = []
    rows = []
    for lang in langs:
        row = [NAMES[lang]]
        for r in receivers:
            bad = problems(r, lang, raw_uids, sender)
            failures += ["%s, %s, %s: %s" % (NAMES[lang], r.site, r.how, p) for p in bad]
            row.append(cell(r, lang, bad))
        rows.append(row)
    widths = [max(len(line[i]) for line in [header1, header2] + rows) for i in range(len(header1))]
    rule = "  ".join("-" * w for w in widths)
    for line in [header1, header2, None] + rows:
        print(rule if line is None else "  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
    return failures


def scenario(service, specs, tmp):
    """Runs the story; returns the sender, its raw UID2s and the receivers with their results."""
    sender = Site(service, "advertiser", "advertiser")
    dsp = Site(service, "DSP", "dsp")
    provider = Site(service, "data provider", "data-provider")
    publisher = Site(service, "publisher", "publisher")
    print("sites: %s (the sender), %s, %s, %s; each with its own API key, role sharer"
          % (sender, dsp, provider, publisher))

    # As in the UID2 Portal, a permission for a type covers the sites that join it later too.
    service.admin("sharing", "grant", "--site", sender.id, "--type", "dsp", "--future")
    print("%s grants sharing to every DSP" % sender)
    request = service.admin("sharing", "request", "--site", provider.id, "--from", sender.id)["id"]
    service.admin("sharing", "accept", "--site", sender.id, "--request", request)
    print("%s asks %s for sharing (request %d); the sender accepts" % (provider, sender, request))
    print("%s is granted nothing" % publisher)

    raw_uids = raw_uid2s()
    sender_driver = next(d for d in specs if d.lang == SENDER_LANGUAGE)
    tokens, tokens_path = encrypt(sender_driver, service, sender, raw_uids, tmp)
    print("%s, in %s, refreshes its keys over HTTP and encrypts %d raw UID2s into sharing tokens:"
          % (sender, NAMES[SENDER_LANGUAGE], len(raw_uids)))
    for i, (raw, token) in enumerate(zip(raw_uids, tokens)):
        print("  %d  %s -> %s... (%d chars)" % (i + 1, raw, token[:24], len(token)))

    receivers = [Receiver(dsp, "granted by type", SUCCESS),
                 Receiver(provider, "request accepted", SUCCESS),
                 Receiver(publisher, "not granted", NOT_AUTHORIZED)]
    print("each receiver, in each language, refreshes its keys over HTTP with its own API key and"
          " decrypts the tokens")
    for r in receivers:
        decrypt_everywhere(specs, service, r, tokens_path, tmp)

    service.admin("sharing", "revoke", "--site", sender.id, "--to", provider.id)
    receivers.append(Receiver(provider, "after revoke", NOT_AUTHORIZED))
    print("%s revokes %s's permission; the data provider refreshes again, in each language,"
          " and decrypts" % (sender, provider))
    decrypt_everywhere(specs, service, receivers[-1], tokens_path, tmp)
    return sender, raw_uids, receivers


def run(uid2, specs, tmp):
    """The demo; returns what differs from the expected outcome."""
    try:
        service = KeyService(uid2, os.path.join(tmp, "service.log"), "--data", os.path.join(tmp, "data"))
    except RuntimeError as e:
        return [str(e)]
    try:
        print("key service: %s (uid2 serve, fresh data directory)" % service.url)
        sender, raw_uids, receivers = scenario(service, specs, tmp)
    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
        return ["the scenario could not run: %s\nthe key service's log:\n%s" % (e, service.log())]
    finally:
        service.stop()
    print()
    failures = print_table(receivers, [d.lang for d in specs], raw_uids, sender)
    print()
    print("each cell: the %d tokens, each with the status shown and, for SUCCESS, exactly the sender's"
          " raw UID2 and site (✓ as expected, ✗ not)" % len(raw_uids))
    print("driver time: %s" % ", ".join("%s %.1f s" % (NAMES[d.lang], d.seconds) for d in specs))
    return failures


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 2
    sys.stdout.reconfigure(encoding="utf-8", line_buffering=True)
    # Bazel stops a test with SIGTERM: stop the key service then too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    specs = drivers.from_specs(argv[3:], argv[2])
    missing = [lang for lang in drivers.LANGUAGES if lang not in [d.lang for d in specs]]
    if missing:
        print("demo FAILED: no driver for %s" % ", ".join(missing))
        return 1
    start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="libuid2-demo.", dir=os.environ.get("TEST_TMPDIR"))
    try:
        failures = run(argv[1], specs, tmp)
    except BaseException:  # stopped (SIGTERM, Ctrl-C): the key service is stopped already
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if failures:
        print("\ndemo FAILED (%d differences; files kept in %s):" % (len(failures), tmp))
        for f in failures:
            print("  - " + f)
        return 1
    shutil.rmtree(tmp)
    print("demo OK in %.1f s: every cell as expected" % (time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
