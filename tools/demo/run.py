"""The demo (README): UID2 sharing from start to end, every language; then a
publisher's tokens in the bid stream and an advertiser's identity map.

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

Then the publisher's story, with API keys of other roles: the publisher
(generator) generates a token for a user's email with `uid2 token generate`
and refreshes it with `uid2 token refresh` once it is due (the service runs
with --refresh-after 2s, not the operator's hour); a user who opted out gets
no token; the advertiser (mapper) maps the email with `uid2 map`; and the
DSP (bidder), in every language, refreshes its keys from /v2/key/bidstream
and decrypts both advertising tokens as from bid requests (the drivers'
`bidstream` mode): each must give the raw UID2 identity map gave and the
publisher's site.

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
import csv
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

# The publisher's tokens are due for refresh this long after they are made (the operator's hour,
# shortened so that the demo refreshes one for real).
REFRESH_AFTER = "2s"
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


def decrypt_everywhere(specs, service, receiver, tokens_path, tmp, mode="decrypt", credentials=None):
    """Each language decrypts the tokens as the receiver: with a sharing client (mode decrypt), or
    as a DSP with a bidstream client (mode bidstream, the credentials of a bidder key)."""
    for d in specs:
        out = os.path.join(tmp, "decrypted.%d.%s.%s.jsonl" % (receiver.site.id, receiver.how.replace(" ", "-"), d.lang))
        try:
            d.run(mode, service.url, tokens_path, out, env=credentials or receiver.site.credentials)
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


class Uid2:
    """The uid2 command as a participant runs it, with an API key of its site in the environment."""

    def __init__(self, service, site, role):
        key = service.admin("apikey", "create", "--site", site.id, "--roles", role)
        self.service, self.site = service, site
        self.env = dict(service.env, UID2_API_KEY=key["api_key"], UID2_SECRET=key["secret"])
        # The drivers read the secret from UID2_SECRET_KEY.
        self.driver_env = {"UID2_API_KEY": key["api_key"], "UID2_SECRET_KEY": key["secret"]}

    def __call__(self, *args, stdin=None):
        proc = subprocess.run([self.service.uid2] + list(args) + ["--url", self.service.url], env=self.env,
                              input=stdin, capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError("uid2 %s failed (exit %d): %s" % (" ".join(args[:2]), proc.returncode, proc.stderr.strip()))
        return proc.stdout


def publisher_story(service, specs, sites, tmp):
    """The publisher's tokens in the bid stream, and the advertiser's identity map: returns the
    row of the DSP decrypting bid requests, the raw UID2 it must see (identity map's) and the
    publisher; raises RuntimeError when a step does not go as it must."""
    advertiser, dsp, publisher = sites
    generator, bidder, mapper = Uid2(service, publisher, "generator"), Uid2(service, dsp, "bidder"), Uid2(service, advertiser, "mapper")
    print()
    print("%s gets an API key with the role generator, %s one with the role bidder, %s one with the role"
          " mapper" % (publisher, dsp, advertiser))
    email = "Jane.Doe@example.com"
    generated = json.loads(generator("token", "generate", "--email", email))
    if generated.get("status") != "success":
        raise RuntimeError("token generate for %s: %s" % (email, generated))
    identity = generated["identity"]
    wait_s = max(0.0, identity["refresh_from"] / 1000 - time.time())
    print("%s generates a UID2 token for a user's email (%s) with uid2 token generate: advertising token"
          " %s... (%d chars), due for refresh in %.1f s (uid2 serve --refresh-after %s)"
          % (publisher, email, identity["advertising_token"][:24], len(identity["advertising_token"]), wait_s,
             REFRESH_AFTER))
    time.sleep(wait_s + 0.05)
    refreshed = json.loads(generator("token", "refresh", stdin=json.dumps(identity) + "\n"))
    if refreshed.get("status") != "success":
        raise RuntimeError("token refresh once due: %s" % refreshed)
    new_token = refreshed["identity"]["advertising_token"]
    if new_token == identity["advertising_token"]:
        raise RuntimeError("the refresh returned the same advertising token")
    print("once it is due, %s refreshes it (uid2 token refresh, the identity JSON on standard input):"
          " a new advertising token %s..." % (publisher, new_token[:24]))

    opted_out = "Opted.Out@example.com"
    service.admin("optout", "add", "--email", opted_out)
    answer = json.loads(generator("token", "generate", "--email", opted_out))
    if answer != {"status": "optout"}:
        raise RuntimeError("token generate for an opted-out user: %s" % answer)
    print("a user who opted out (uid2 optout add --email %s) gets no token: %s" % (opted_out, json.dumps(answer)))

    customers, mapped = os.path.join(tmp, "customers.csv"), os.path.join(tmp, "mapped.csv")
    with open(customers, "w") as f:
        f.write("customer,email\n1,jane.doe@example.com\n2,%s\n" % opted_out)
    mapper("map", "--in", customers, "--out", mapped)
    with open(mapped, newline="") as f:
        rows = list(csv.DictReader(f))
    raw_uid = rows[0]["raw_uid"]
    if not raw_uid or rows[1]["unmapped"] != "optout":
        raise RuntimeError("uid2 map: %s" % rows)
    print("%s maps its customers' emails with uid2 map (identity map v3): %s -> raw UID2 %s; %s -> unmapped"
          " (optout)" % (advertiser, rows[0]["email"], raw_uid, rows[1]["email"]))

    bids = os.path.join(tmp, "bid-requests.txt")
    with open(bids, "w") as f:
        f.write(identity["advertising_token"] + "\n" + new_token + "\n")
    row = Receiver(dsp, "bid requests", SUCCESS)
    print("%s, in each language, refreshes its keys from /v2/key/bidstream with its bidder key and decrypts"
          " both tokens from bid requests: each must give the raw UID2 identity map gave and the publisher's"
          " site" % dsp)
    decrypt_everywhere(specs, service, row, bids, tmp, mode="bidstream", credentials=bidder.driver_env)
    return row, raw_uid, publisher


def run(uid2, specs, tmp):
    """The demo; returns what differs from the expected outcome."""
    try:
        service = KeyService(uid2, os.path.join(tmp, "service.log"), "--data", os.path.join(tmp, "data"),
                             "--refresh-after", REFRESH_AFTER)
    except RuntimeError as e:
        return [str(e)]
    try:
        print("key service: %s (uid2 serve, fresh data directory)" % service.url)
        sender, raw_uids, receivers = scenario(service, specs, tmp)
        bidder_row, bid_uid, publisher = publisher_story(service, specs, (sender, receivers[0].site, receivers[2].site), tmp)
    except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError, IndexError) as e:
        return ["the scenario could not run: %s\nthe key service's log:\n%s" % (e, service.log())]
    finally:
        service.stop()
    langs = [d.lang for d in specs]
    print()
    print("sharing:")
    failures = print_table(receivers, langs, raw_uids, sender)
    print("each cell: the %d tokens, each with the status shown and, for SUCCESS, exactly the sender's"
          " raw UID2 and site (✓ as expected, ✗ not)" % len(raw_uids))
    print()
    print("the publisher's tokens in the bid stream:")
    failures += print_table([bidder_row], langs, [bid_uid, bid_uid], publisher)
    print("each cell: the generated and the refreshed token, each SUCCESS with exactly the raw UID2"
          " identity map gave for the email and the publisher's site")
    print()
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
