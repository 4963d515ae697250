"""The interop suite (//tests/interop:interop_test): libuid2 against the official SDKs.

Eight drivers take part: libuid2's six languages (the conformance drivers of
tests/conformance: Go, C, C++, Python, Java, C#) and the official Python and Java SDKs
(official/). All speak the same driver contract, so the run is data-driven:

1. Encrypt. Every driver encrypts the same raw UID2s with a sender's key set, once with
   identity scope UID2 and once with EUID (real clock, real nonces).
2. Decrypt. One directory of cases in the vectors' format (a file per receiver key set,
   every case with its token and the time to decrypt at) goes to every driver; each
   writes its results. The good cases are every token of step 1 (official -> us, us ->
   official, and both within each side); the bad cases are derived from each driver's
   tokens (expired, no sharing grant, unknown master key, tampered, truncated, wrong
   scope, lifetime too long, generated in the future).
3. Check, pair by pair. A good token must decrypt, in every driver, to the raw UID and
   fields it was made from (each SDK is checked on the fields it exposes). For a bad
   case, each libuid2 language must return the official Java SDK's status (and the same
   fields as it), which must be the status the case is built for; where the official
   Python SDK disagrees with the Java one, the disagreement must be one recorded in
   PYTHON_SDK_DISAGREES below, with the reason we follow Java (uid2-spec.md §6.4).
4. Key refresh. `uid2 serve` runs on loopback with a sender site, a receiver it granted
   sharing, one it did not and one whose grant it revoked. Every driver, as the sender,
   refreshes its keys over HTTP and encrypts; every driver, as each receiver, refreshes
   (the official SDKs over their own HTTP stacks) and decrypts every sender's tokens:
   the raw UIDs for the granted receiver, NOT_AUTHORIZED_FOR_KEY for the others.
5. Publisher tokens and identity map (check_publisher). Each official SDK (Python, Java)
   generates, refreshes and maps against `uid2 serve`; its tokens decrypt, in libuid2 and in
   the Python SDK, to the raw UID identity map gives; salt rotation and opt-out show as the
   operator's do.

Usage: interop.py LIBUID2_SO LANG=DRIVER... uid2=UID2_COMMAND with the six conformance
drivers as tests/conformance/drivers.py takes them, official-python=DRIVER_PY and
official-java=DRIVER_JAR; the SDKs come from $UID2_OFFICIAL_PYTHON (the interpreter of
their venv) and $UID2_OFFICIAL_JAVA_CLASSPATH (their jars, space separated). Without
uid2=, step 4 is skipped.
See README.md.
"""

import base64
import calendar
import collections
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

import check as conformance  # tests/conformance/check.py: read_lines, short, field_diffs
from drivers import LANGUAGES as OURS  # go, c, cpp, python, java, csharp
from drivers import Driver, from_specs
from serve import KeyService  # tests/keyservice/serve.py

OFFICIAL = ("official-python", "official-java")
REFERENCE = "official-java"  # whose statuses we follow (uid2-spec.md §6.4)

SENDER_SITE, RECEIVER_SITE = 9000, 9001
MASTER_KEYSET = 9999999  # what the operator calls the master keyset for SDKs
SENDER_KEYSET, RECEIVER_KEYSET = 99999, 88888
MASTER_KEY, SENDER_KEY, RECEIVER_KEY = 1001, 2001, 3001
TOKEN_EXPIRY_S = 2592000  # 30 days
DAY_MS = 86400 * 1000

# Fields an official SDK reports otherwise than the other SDKs and libuid2, for every token
# (checked: each must be seen, else this table is out of date).
FIELD_QUIRKS = {
    ("official-python", "site_key_site_id"): (
        -1, "uid2-client (Python) gives keys without a site_id (the /v2/key/sharing keyset format) "
            "site id -1; Java gives 0, and so do we"),
}

# Encrypters whose tokens' expiry is not exactly established + token_expiry_seconds:
# encrypter -> (how many ms short it may be, why). Not checked to be seen (it is timing).
EXPIRY_SHORT_BY_MS = {
    "official-java": (
        1000, "uid2-client (Java) stamps a token's established time with a second reading of the "
              "wall clock, taken after the `now` its expiry is counted from, so expiry - established "
              "can fall a few ms short of token_expiry_seconds; libuid2 uses one `now` for both"),
}

# Bad cases where the official Python SDK's status differs from the official Java SDK's:
# case kind -> (Python's status, why libuid2 follows Java). Checked both ways: a
# disagreement not listed fails, and so does a listed one that no longer happens.
RAISES = ("uid2-client (Python) raises EncryptionError('invalid payload') from "
          "decrypt_token_into_raw_uid where Java returns INVALID_PAYLOAD; libuid2 returns a "
          "status for every token, as Java and .NET do")
NO_SCOPE_CHECK = ("uid2-client (Python) does not check the token's identity scope against the "
                  "keys'; Java, .NET and C++ do, and so does libuid2")
PYTHON_SDK_DISAGREES = {
    "tampered ciphertext": ("raised EncryptionError: invalid payload", RAISES),
    "tampered tag": ("raised EncryptionError: invalid payload", RAISES),
    "truncated by 1 character": ("raised EncryptionError: invalid payload", RAISES),
    "truncated by 4 characters": ("raised EncryptionError: invalid payload", RAISES),
    "truncated to 40 characters": ("raised EncryptionError: invalid payload", RAISES),
    "EUID token, UID2 receiver": ("SUCCESS", NO_SCOPE_CHECK),
    "UID2 token, EUID receiver": ("SUCCESS", NO_SCOPE_CHECK),
}


def key(key_id, now_s, keyset_id):
    k = {"id": key_id, "created": now_s - 86400, "activates": now_s - 86400,
         "expires": now_s + 365 * 86400, "secret": base64.b64encode(secrets.token_bytes(32)).decode()}
    if keyset_id is not None:
        k["keyset_id"] = keyset_id
    return k


def key_sets(now_s):
    """The sender's key sets (one per scope) and the receivers', as /v2/key/sharing bodies.

    Keys are made now: activated a day ago, expiring in a year. A receiver gets the master
    key, its own keyset and, when the sender granted it, the sender's key without a
    keyset_id (decrypt-only), as the operator sends another site's keys."""
    master, sender, receiver = (key(MASTER_KEY, now_s, MASTER_KEYSET), key(SENDER_KEY, now_s, SENDER_KEYSET),
                                key(RECEIVER_KEY, now_s, RECEIVER_KEYSET))
    granted = dict(sender)
    del granted["keyset_id"]

    def body(site, default_keyset, scope, keys, **extra):
        b = {"caller_site_id": site, "master_keyset_id": MASTER_KEYSET, "default_keyset_id": default_keyset,
             "token_expiry_seconds": str(TOKEN_EXPIRY_S), "identity_scope": scope,
             "allow_clock_skew_seconds": 1800, "max_sharing_lifetime_seconds": TOKEN_EXPIRY_S + 10,
             "keys": keys}
        b.update(extra)
        return {"status": "success", "body": b}

    sets = {"sender-" + s.lower(): body(SENDER_SITE, SENDER_KEYSET, s, [master, sender]) for s in ("UID2", "EUID")}
    for s in ("UID2", "EUID"):
        sets["receiver-" + s.lower()] = body(RECEIVER_SITE, RECEIVER_KEYSET, s, [master, receiver, granted])
    sets["receiver-not-granted"] = body(RECEIVER_SITE, RECEIVER_KEYSET, "UID2", [master, receiver])
    sets["receiver-no-master"] = body(RECEIVER_SITE, RECEIVER_KEYSET, "UID2", [receiver, granted])
    sets["receiver-short-lifetime"] = body(RECEIVER_SITE, RECEIVER_KEYSET, "UID2", [master, receiver, granted],
                                           max_sharing_lifetime_seconds=86400)
    return sets


def raw_uids(scope):
    """(label, raw UID) pairs: v3-style email and phone raw UIDs of the scope, and a v2-style one."""
    def b64(prefix_byte, n):
        return base64.b64encode(bytes([prefix_byte]) + secrets.token_bytes(n - 1)).decode()
    scope_bits = 0x10 if scope == "EUID" else 0x00
    return [("email", b64(scope_bits, 33)), ("phone", b64(scope_bits | 0x04, 33)), ("v2-style", b64(0x80, 32))]


def flip(token, i):
    """token with its i-th character replaced by another base64url character."""
    return token[:i] + ("B" if token[i] != "B" else "C") + token[i + 1:]


# Bad cases: (kind, receiver key set, which token, how it is spoiled, decrypt time offset ms, status).
BAD_CASES = [
    ("expired", "receiver-uid2", "uid2", lambda t: t, TOKEN_EXPIRY_S * 1000 + DAY_MS, "EXPIRED_TOKEN"),
    ("not granted (no sender key)", "receiver-not-granted", "uid2", lambda t: t, 0, "NOT_AUTHORIZED_FOR_KEY"),
    ("unknown master key", "receiver-no-master", "uid2", lambda t: t, 0, "NOT_AUTHORIZED_FOR_MASTER_KEY"),
    ("tampered ciphertext", "receiver-uid2", "uid2", lambda t: flip(t, 100), 0, "INVALID_PAYLOAD"),
    ("tampered tag", "receiver-uid2", "uid2", lambda t: flip(t, len(t) - 5), 0, "INVALID_PAYLOAD"),
    ("truncated by 1 character", "receiver-uid2", "uid2", lambda t: t[:-1], 0, "INVALID_PAYLOAD"),
    ("truncated by 4 characters", "receiver-uid2", "uid2", lambda t: t[:-4], 0, "INVALID_PAYLOAD"),
    ("truncated to 40 characters", "receiver-uid2", "uid2", lambda t: t[:40], 0, "INVALID_PAYLOAD"),
    ("truncated to 3 characters", "receiver-uid2", "uid2", lambda t: t[:3], 0, "INVALID_PAYLOAD"),
    ("EUID token, UID2 receiver", "receiver-uid2", "euid", lambda t: t, 0, "INVALID_IDENTITY_SCOPE"),
    ("UID2 token, EUID receiver", "receiver-euid", "uid2", lambda t: t, 0, "INVALID_IDENTITY_SCOPE"),
    ("lifetime too long", "receiver-short-lifetime", "uid2", lambda t: t, 0, "INVALID_TOKEN_LIFETIME"),
    ("generated in the future", "receiver-uid2", "uid2", lambda t: t, -2 * 3600 * 1000, "INVALID_TOKEN_LIFETIME"),
]


class OfficialDriver(Driver):
    """An official SDK's driver: the same contract, its own command line."""

    def __init__(self, lang, argv, env):
        super().__init__(lang, argv[-1], env)
        self.argv = argv


def make_drivers(specs, libuid2_so):
    """libuid2's drivers as drivers.py makes them, and the official SDKs' (same environment)."""
    drivers = {d.lang: d for d in from_specs([s for s in specs if not s.startswith("official-")], libuid2_so)}
    env = dict(os.environ, UID2_LIBRARY_PATH=os.path.abspath(libuid2_so))
    env.pop("JAVA_TOOL_OPTIONS", None)
    for spec in specs:
        lang, path = spec.split("=", 1)
        if lang == "official-python":
            # The SDK's venv alone: nothing of the test's Python path (libuid2's package).
            sdk_env = {k: v for k, v in env.items() if not k.startswith("PYTHON")}
            drivers[lang] = OfficialDriver(lang, [os.path.abspath(os.environ["UID2_OFFICIAL_PYTHON"]), "-I", "-B",
                                                  os.path.abspath(path)], sdk_env)
        elif lang == "official-java":
            classpath = [path] + os.environ["UID2_OFFICIAL_JAVA_CLASSPATH"].split()
            drivers[lang] = OfficialDriver(lang, ["java", "-Xshare:auto", "-cp", ":".join(
                os.path.abspath(p) for p in classpath), "com.uid2.client.InteropDriver"], env)
    return drivers


class Run:
    def __init__(self, drivers, tmp):
        self.drivers = drivers
        self.tmp = tmp
        self.failures = []

    def fail(self, message):
        self.failures.append(message)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write_json(self, name, obj):
        with open(self.path(name), "w", encoding="ascii") as f:
            json.dump(obj, f, indent=1, sort_keys=True)
        return self.path(name)

    def run(self, driver, *args, env=None):
        """driver.run(*args), with env added to its environment; a failure is recorded."""
        try:
            driver.run(*args, env=env)
            return True
        except Exception as e:  # a driver that cannot run fails every pair it is in
            self.fail("%s: %s %s" % (driver.lang, args[0], e))
            return False

    def encrypt(self, sets):
        """Every driver encrypts every raw UID of both scopes: [(encrypter, scope, label, raw, token)]."""
        made = []
        for scope in ("UID2", "EUID"):
            keys = self.write_json("sender-%s-keys.json" % scope.lower(), sets["sender-" + scope.lower()])
            uids = raw_uids(scope)
            raw_path = self.path("raw-%s.txt" % scope.lower())
            with open(raw_path, "w") as f:
                f.write("".join(raw + "\n" for _, raw in uids))
            for lang, d in self.drivers.items():
                out = self.path("encrypt.%s.%s.jsonl" % (scope.lower(), lang))
                t0 = int(time.time() * 1000)
                if not self.run(d, "encrypt", keys, raw_path, out):
                    continue
                t1 = int(time.time() * 1000)
                _, lines = conformance.read_lines(out)
                if len(lines) != len(uids):
                    self.fail("%s encrypt (%s) wrote %d lines for %d raw UIDs" % (lang, scope, len(lines), len(uids)))
                for (label, raw), line in zip(uids, lines):
                    r = json.loads(line)
                    if r.get("status") != "SUCCESS" or not r.get("token"):
                        self.fail("%s could not encrypt the %s %s raw UID: %s" % (
                            lang, scope, label, conformance.short(r)))
                        continue
                    problem = header_problem(r["token"], scope, raw)
                    if problem:
                        self.fail("%s encrypted the %s %s raw UID into a token with %s" % (lang, scope, label, problem))
                    made.append({"by": lang, "scope": scope, "label": label, "raw": raw, "token": r["token"],
                                 "window": (t0, t1)})
        tokens = [m["token"] for m in made]
        if len(set(tokens)) != len(tokens):
            self.fail("the same token came out twice (nonces not random?)")
        return made

    def decrypt(self, cases, sets):
        """Writes the cases as vector files (one per receiver key set) and runs every driver on them.

        Returns {lang: {case name: result}}."""
        vectors = self.path("cases")
        os.mkdir(vectors)
        by_set = collections.defaultdict(list)
        for c in cases:
            by_set[c["key_set"]].append({"name": c["name"], "op": "decrypt", "token": c["token"],
                                         "domain": None, "now_ms": c["now_ms"]})
        for name, vector_cases in sorted(by_set.items()):
            with open(os.path.join(vectors, name + ".json"), "w", encoding="ascii") as f:
                json.dump({"description": "tests/interop cases for the receiver key set " + name,
                           "client": "sharing", "keys": sets[name], "cases": vector_cases}, f, indent=1)
        results = {}
        for lang, d in self.drivers.items():
            out = self.path("decrypt.%s.jsonl" % lang)
            if self.run(d, "vectors", vectors, out):
                _, lines = conformance.read_lines(out)
                results[lang] = {json.loads(line)["case"]: json.loads(line)["result"] for line in lines}
        return results


def header_problem(token, scope, raw):
    """What is wrong with a new sharing token's first two bytes (None if nothing): v4, with the
    identity scope and type of the raw UID (phone iff it starts with B or F)."""
    try:
        head = base64.urlsafe_b64decode(token[:4])
    except ValueError:
        return "a header that is not base64url: %r" % token[:4]
    want = ((1 if scope == "EUID" else 0) << 4) | ((1 if raw[0] in "BF" else 0) << 2) | 3
    if head[0] != want or head[1] != 0x80:
        return "header bytes %02x %02x, expected %02x 80 (v4, %s, %s)" % (
            head[0], head[1], want, scope, "phone" if raw[0] in "BF" else "email")
    return None


def build_cases(made, now_ms):
    """Every token of `made` as a good case, and the bad cases derived from each encrypter's tokens."""
    cases = []
    for m in made:
        cases.append({"name": "%s %s by %s" % (m["scope"], m["label"], m["by"]), "kind": "good",
                      "key_set": "receiver-" + m["scope"].lower(), "token": m["token"], "now_ms": now_ms, "made": m})
    email = {(m["by"], m["scope"]): m for m in made if m["label"] == "email"}
    for by in sorted({m["by"] for m in made}):
        for kind, key_set, which, spoil, offset, status in BAD_CASES:
            m = email.get((by, which.upper()))
            if m:
                cases.append({"name": "%s: %s token by %s" % (kind, which.upper(), by), "kind": kind,
                              "key_set": key_set, "token": spoil(m["token"]), "now_ms": now_ms + offset,
                              "made": m, "status": status})
    return cases


def expected_good(m):
    return {"status": "SUCCESS", "uid": m["raw"], "site_id": SENDER_SITE, "site_key_site_id": 0,
            "identity_scope": m["scope"], "identity_type": "PHONE" if m["raw"][0] in "BF" else "EMAIL",
            "version": 4, "is_client_side_generated": False}


def check_good(run, cases, results):
    """Each good token, decrypted by every driver: the fields it was made from."""
    langs = list(run.drivers)
    cells = collections.defaultdict(list)  # (encrypter, decrypter) -> problems
    quirks_seen = set()
    for c in (c for c in cases if c["kind"] == "good"):
        m = c["made"]
        got = {lang: results[lang].get(c["name"]) for lang in langs if lang in results}
        # established/expiry: one value every decrypter agrees on, from the encryption time
        common = {}
        for field in ("established_ms", "expiry_ms"):
            values = collections.Counter(r.get(field) for r in got.values() if r and field in r)
            common[field] = values.most_common(1)[0][0] if values else None
        short_by = EXPIRY_SHORT_BY_MS.get(m["by"], (0, ""))[0]
        for lang, r in got.items():
            cell = cells[(m["by"], lang)]
            if r is None:
                cell.append("%s: no result" % c["name"])
                continue
            want = expected_good(m)
            for (sdk, field), (value, _) in FIELD_QUIRKS.items():
                if sdk == lang and r.get(field) == value != want[field]:
                    want[field] = value
                    quirks_seen.add((sdk, field))
            # An SDK may not expose every field, but every driver reports status and raw UID, and
            # ours report every field.
            required = want if lang in OURS else ("status", "uid")
            diffs = ["field %s: missing" % k for k in required if k not in r]
            diffs += ["field %s: expected %s, got %s" % (k, conformance.short(v), conformance.short(r[k]))
                      for k, v in want.items() if k in r and r[k] != v]
            t0, t1 = m["window"]
            if "established_ms" in r:
                e = r["established_ms"]
                # the official Python SDK writes whole seconds; 1 s of slack either side
                if not isinstance(e, int) or not t0 - 1000 <= e <= t1 + 1000:
                    diffs.append("field established_ms: %s is not the clock at encryption (%d..%d)" % (e, t0, t1))
                elif e != common["established_ms"]:
                    diffs.append("field established_ms: %s, other decrypters got %s" % (e, common["established_ms"]))
                elif r.get("expiry_ms") != common["expiry_ms"]:
                    diffs.append("field expiry_ms: %s, other decrypters got %s" % (r.get("expiry_ms"), common["expiry_ms"]))
                elif not 0 <= e + TOKEN_EXPIRY_S * 1000 - r["expiry_ms"] <= short_by:
                    diffs.append("field expiry_ms: %s, expected established + %d s = %d%s" % (
                        r["expiry_ms"], TOKEN_EXPIRY_S, e + TOKEN_EXPIRY_S * 1000,
                        " (or up to %d ms less, EXPIRY_SHORT_BY_MS)" % short_by if short_by else ""))
            if diffs:
                cell.append("%s: %s" % (c["name"], "; ".join(diffs)))
    for q in FIELD_QUIRKS:
        if q[0] in results and q not in quirks_seen:
            run.fail("FIELD_QUIRKS says %s reports %s as %s, which it no longer does: update it and README.md" % (
                q[0], q[1], FIELD_QUIRKS[q][0]))

    print("== good tokens: %d, each decrypted by every driver (ok: every field as made)" % (
        sum(1 for c in cases if c["kind"] == "good")))
    width = max(len(l) for l in langs) + 1
    print("  %-*s %s" % (width + 8, "encrypted by \\ decrypted by", " ".join("%-*s" % (width, l) for l in langs)))
    for enc in langs:
        row = [mark(cells.get((enc, dec))) for dec in langs]
        print("  %-*s %s" % (width + 8, enc, " ".join("%-*s" % (width, x) for x in row)))
    for enc in langs:
        for dec in langs:
            if (enc, dec) not in cells:
                run.fail("encrypted by %s, decrypted by %s: not run (see the failures above)" % (enc, dec))
            elif cells[(enc, dec)]:
                run.fail("encrypted by %s, decrypted by %s: %d of the tokens wrong; first: %s" % (
                    enc, dec, len(cells[(enc, dec)]), cells[(enc, dec)][0]))


def check_bad(run, cases, results):
    """Each bad case: every libuid2 language returns the official Java SDK's status and fields,
    which is the status the case is built for; the official Python SDK agrees or is recorded."""
    langs = list(run.drivers)
    kinds = [k[0] for k in BAD_CASES]
    table = collections.defaultdict(dict)  # kind -> lang -> set of statuses
    python_seen = set()
    for c in (c for c in cases if c["kind"] != "good"):
        ref = results.get(REFERENCE, {}).get(c["name"])
        if ref is None:
            run.fail("%s: no result from the reference %s" % (c["name"], REFERENCE))
            continue
        if ref.get("status") != c["status"]:
            run.fail("%s: the official Java SDK returns %s, but the case is built for %s" % (
                c["name"], ref.get("status"), c["status"]))
        for lang in langs:
            r = results.get(lang, {}).get(c["name"])
            table[c["kind"]].setdefault(lang, set()).add(r.get("status") if r else "no result")
            if r is None or lang == REFERENCE:
                continue
            if lang == "official-python":
                known = PYTHON_SDK_DISAGREES.get(c["kind"])
                if r.get("status") == ref.get("status"):
                    continue
                if known and r.get("status") == known[0]:
                    python_seen.add(c["kind"])
                    continue
                run.fail("%s: the official Python SDK returns %s, the official Java SDK %s; not a known "
                         "disagreement (PYTHON_SDK_DISAGREES)" % (c["name"], r.get("status"), ref.get("status")))
                continue
            diffs = conformance.field_diffs(ref, {k: v for k, v in r.items() if k in ref}, tuple(ref))
            if diffs:
                run.fail("%s: libuid2 %s differs from the official Java SDK: %s" % (c["name"], lang, "; ".join(diffs)))
    if "official-python" in results:
        for kind in sorted(set(PYTHON_SDK_DISAGREES) - python_seen):
            run.fail("PYTHON_SDK_DISAGREES records that the official Python SDK returns %r for %r, "
                     "but it did not: update it and README.md" % (PYTHON_SDK_DISAGREES[kind][0], kind))

    print("== bad tokens: %d cases (%d kinds x each encrypter's token), status by decrypter" % (
        sum(1 for c in cases if c["kind"] != "good"), len(kinds)))
    short = {"official-python": "off-py", "official-java": "off-java"}
    print("  %-30s %s" % ("", " ".join("%-9s" % short.get(l, l) for l in langs)))
    for kind in kinds:
        cells = []
        for lang in langs:
            statuses = table[kind].get(lang, {"-"})
            s = statuses.pop() if len(statuses) == 1 else "MIXED"
            cells.append("%-9s" % abbreviate(s))
        print("  %-30s %s" % (kind, " ".join(cells)))


def abbreviate(status):
    if status.startswith("raised"):
        return "raises"
    return {"SUCCESS": "ok", "EXPIRED_TOKEN": "EXPIRED", "NOT_AUTHORIZED_FOR_KEY": "NOT_AUTH",
            "NOT_AUTHORIZED_FOR_MASTER_KEY": "NO_MASTER", "INVALID_PAYLOAD": "PAYLOAD",
            "INVALID_IDENTITY_SCOPE": "SCOPE", "INVALID_TOKEN_LIFETIME": "LIFETIME"}.get(status, status[:9])


def sharer_site(service, name, types):
    """A new site and a sharer API key of it: (site id, {UID2_API_KEY, UID2_SECRET_KEY})."""
    site = service.admin("site", "create", "--name", name, "--types", types)["id"]
    key = service.admin("apikey", "create", "--site", site, "--roles", "sharer")
    return site, {"UID2_API_KEY": key["api_key"], "UID2_SECRET_KEY": key["secret"]}


def check_refresh(run, uid2):
    """Key refresh over HTTP from `uid2 serve`, every driver as the sender and as each receiver:
    the sender refreshes its keys and encrypts; the receivers refresh (the official SDKs with
    their own HTTP stacks; the real v2 envelope) and decrypt. A receiver the sender granted gets
    the raw UIDs; one it did not, and one whose grant it revoked, get NOT_AUTHORIZED_FOR_KEY."""
    service = KeyService(uid2, os.path.join(run.tmp, "serve.log"), "--memory")
    try:
        sender, sender_auth = sharer_site(service, "interop sender", "advertiser")
        receivers = {}
        for name in ("granted", "not granted", "revoked"):
            receivers[name] = sharer_site(service, "interop receiver (%s)" % name, "dsp")
        for name in ("granted", "revoked"):
            service.admin("sharing", "grant", "--site", str(sender), "--to", str(receivers[name][0]))
        service.admin("sharing", "revoke", "--site", str(sender), "--to", str(receivers["revoked"][0]))

        uids = raw_uids("UID2")
        raw_path = run.path("refresh-raw.txt")
        with open(raw_path, "w") as f:
            f.write("".join(raw + "\n" for _, raw in uids))
        made = []  # (sender language, label, raw, token)
        for lang in run.drivers:
            out = run.path("refresh-encrypt.%s.jsonl" % lang)
            if not run.run(run.drivers[lang], "encrypt", service.url, raw_path, out, env=sender_auth):
                continue
            _, lines = conformance.read_lines(out)
            for (label, raw), line in zip(uids, lines):
                r = json.loads(line)
                if r.get("status") != "SUCCESS":
                    run.fail("refresh: %s, as the sender, could not encrypt the %s raw UID: %s" % (
                        lang, label, conformance.short(r)))
                    continue
                made.append((lang, label, raw, r["token"]))
        tokens_path = run.path("refresh-tokens.txt")
        with open(tokens_path, "w") as f:
            f.write("".join(t + "\n" for _, _, _, t in made))

        cells = {}  # (sender language, receiver driver, receiver name) -> problems
        for name, (site, auth) in receivers.items():
            for lang in run.drivers:
                out = run.path("refresh-decrypt.%s.%s.jsonl" % (name.replace(" ", "-"), lang))
                if not run.run(run.drivers[lang], "decrypt", service.url, tokens_path, out, env=auth):
                    continue
                _, lines = conformance.read_lines(out)
                for i, (by, label, raw, _) in enumerate(made):
                    cell = cells.setdefault((by, lang, name), [])
                    r = json.loads(lines[i]) if i < len(lines) else {"status": "no result"}
                    want = {"status": "NOT_AUTHORIZED_FOR_KEY", "uid": ""}
                    if name == "granted":
                        want = {"status": "SUCCESS", "uid": raw, "site_id": sender, "version": 4,
                                "identity_type": "PHONE" if raw[0] in "BF" else "EMAIL"}
                    diffs = ["field %s: expected %s, got %s" % (k, conformance.short(v), conformance.short(r.get(k)))
                             for k, v in want.items() if r.get(k) != v]
                    if diffs:
                        cell.append("%s raw UID: %s" % (label, "; ".join(diffs)))
    finally:
        service.stop()

    langs = list(run.drivers)
    width = max(len(l) for l in langs) + 1
    print("== key refresh over HTTP from uid2 serve: every driver as the sender and as each receiver")
    for name in receivers:
        print("  receiver %-19s %s" % ("(%s)" % name, " ".join("%-*s" % (width, l) for l in langs)))
        for by in langs:
            print("    sender %-19s %s" % (by, " ".join("%-*s" % (width, mark(cells.get((by, l, name)))) for l in langs)))
    for by in langs:
        for lang in langs:
            for name in receivers:
                problems = cells.get((by, lang, name))
                if problems is None:
                    run.fail("refresh: %s's tokens, %s as the %s receiver: not run" % (by, lang, name))
                elif problems:
                    run.fail("refresh: %s's tokens, %s as the %s receiver: %s" % (by, lang, name, problems[0]))


def sha256_base64(text):
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


# What every identity map client maps in check_publisher, as (kind, value): one email written
# three ways that normalise alike, a gmail address with dots and a tag, the operator's opt-out test
# identities (an email and a phone), phone numbers, and hashes (base64, and an email hash in hex,
# which the operator accepts too). Left out: inputs the official SDKs refuse for the whole batch (an
# invalid email or phone; libuid2 makes each an unmapped identity instead) and malformed hashes
# (the SDKs send them and the service answers "invalid identifier"; uid2 map refuses them before
# sending, with "invalid hash").
MAP_INPUTS = [
    ("email", "interop.mapper@example.com"), ("email", "Interop.Mapper@Example.com"),
    ("email", "interop.mapper@example.com"), ("email", "jane.doe+interop@gmail.com"),
    ("email", "optout@example.com"), ("phone", "+12345678901"), ("phone", "+00000000000"),
    ("phone", "+447700900123"), ("email_hash", sha256_base64("hashed.mapper@example.com")),
    ("email_hash", hashlib.sha256(b"hex.mapper@example.com").hexdigest()),
    ("phone_hash", sha256_base64("+15551234567")),
]
MAP_OPTED_OUT = {"optout@example.com": "optout", "+00000000000": "optout"}


def check_publisher(run, uid2, sdk_name):
    """Publisher tokens and identity map against `uid2 serve`, driven by an official SDK over its
    own HTTP stack (official/python/publisher.py, or PublisherInterop on the Java SDK's jars): its
    publisher client generates and refreshes, its IdentityMapV3Client maps the same email, and the
    advertising tokens decrypt — in libuid2's `uid2 decrypt --bidstream` and in the official Python
    SDK's BidstreamClient — to the raw UID identity map gives. Identity JSON crosses both ways
    (`uid2 token refresh` refreshes the SDK's; the SDK's IdentityTokens loads ours, getter by getter,
    and refreshes it). The SDK's IdentityMapV3Client and libuid2's Go client (`uid2 map`) map
    MAP_INPUTS to exactly the same result, before and after `uid2 salts rotate --all`, after which
    both see the new current and the previous raw UID, and a refresh carries the new one; after
    `uid2 optout add`, generate, refresh and map answer opt-out.

    Where libuid2's bindings join (Python, Java, C#, C++, as each gains the publisher and identity
    map clients): a mapper is one more entry of `mappers` below; a publisher client is one more
    function like `ours`, generating and refreshing with the binding and checked as `uid2 token
    generate|refresh` is (the SDK loads and refreshes its identity JSON, it refreshes the SDK's)."""
    python = run.drivers["official-python"]
    python_script = python.argv[:-1] + [os.path.join(os.path.dirname(python.argv[-1]), "publisher.py")]
    commands = {"official-python": (python_script, python.env),
                "official-java": (run.drivers["official-java"].argv[:-1] + ["com.uid2.client.PublisherInterop"],
                                  run.drivers["official-java"].env)}
    service = KeyService(uid2, os.path.join(run.tmp, "serve-publisher-%s.log" % sdk_name), "--memory")
    checks = []  # (what, ok, detail)

    def credentials(name, types, role):
        site = service.admin("site", "create", "--name", name, "--types", types)["id"]
        key = service.admin("apikey", "create", "--site", site, "--roles", role)
        return site, key["api_key"], key["secret"]

    def sdk(creds, *args, which=sdk_name):
        argv, env = commands[which]
        env = dict(env, UID2_API_KEY=creds[1], UID2_SECRET_KEY=creds[2])
        proc = subprocess.run(argv + [args[0], service.url] + list(args[1:]),
                              env=env, capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError("%s %s: %s" % (which, args[0], proc.stderr.strip()[-500:]))
        return json.loads(proc.stdout)

    def ours(creds, *args, stdin=None):
        env = dict(service.env, UID2_API_KEY=creds[1], UID2_SECRET=creds[2])
        proc = subprocess.run([service.uid2] + list(args), env=env, input=stdin, capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError("uid2 %s: %s" % (args[0], proc.stderr.strip()))
        return json.loads(proc.stdout)

    def check(what, got, want):
        checks.append((what, got == want, "expected %s, got %s" % (conformance.short(want), conformance.short(got))))

    def sdk_map(inputs):
        return sdk(mapper, "map", *["%s:%s" % kv for kv in inputs])

    def go_map(inputs):
        """libuid2's Go identity map client (package identitymap) through `uid2 map`, its result in
        the drivers' form: {"mapped": {input: {"u", "p", "r"}}, "unmapped": {input: reason}}."""
        path = os.path.join(run.tmp, "map-%s.jsonl" % sdk_name)
        with open(path, "w") as f:
            f.write("".join(json.dumps({kind: value}) + "\n" for kind, value in inputs))
        env = dict(service.env, UID2_API_KEY=mapper[1], UID2_SECRET=mapper[2])
        proc = subprocess.run([service.uid2, "map", "--url", service.url, "--in", path], env=env,
                              capture_output=True, text=True, timeout=120)
        rows = [json.loads(line) for line in proc.stdout.splitlines()]
        if proc.returncode != 0 or len(rows) != len(inputs):
            raise RuntimeError("uid2 map: %d rows for %d inputs: %s" % (len(rows), len(inputs), proc.stderr.strip()))
        out = {"mapped": {}, "unmapped": {}}
        for (_, value), row in zip(inputs, rows):
            if "raw_uid" in row:
                r = calendar.timegm(time.strptime(row["refresh_from"], "%Y-%m-%dT%H:%M:%SZ"))
                out["mapped"][value] = {"u": row["raw_uid"], "p": row["previous_raw_uid"], "r": r}
            else:
                out["unmapped"][value] = row["unmapped"]
        return out

    # The libuid2 clients that map MAP_INPUTS next to the SDK's IdentityMapV3Client, each a function
    # from the inputs to the drivers' form. The bindings' identity map clients (Python, Java, C#,
    # C++) join here as they gain one: ("libuid2 python", a function running the binding).
    mappers = [("libuid2 go (uid2 map)", go_map)]

    def compare_maps(when):
        """The SDK's map of MAP_INPUTS, asserted equal, input by input, to every libuid2 mapper's."""
        theirs = sdk_map(MAP_INPUTS)
        for name, mapper_of in mappers:
            got = mapper_of(MAP_INPUTS)
            diffs = ["%s: expected %s, got %s" % (value, conformance.short(theirs[part].get(value)),
                                                  conformance.short(got[part].get(value)))
                     for part in ("mapped", "unmapped") for value in sorted(set(theirs[part]) | set(got[part]))
                     if theirs[part].get(value) != got[part].get(value)]
            checks.append(("identity map v3 %s: %s gets exactly what the SDK's IdentityMapV3Client gets"
                           % (when, name), not diffs, "; ".join(diffs[:3])))
        return theirs

    email = "interop.publisher@example.com"
    try:
        pub = credentials("interop publisher", "publisher", "generator")
        bidder = credentials("interop dsp", "dsp", "bidder")
        mapper = credentials("interop advertiser", "advertiser", "mapper")

        def decrypted(token):
            """(libuid2's result, the SDK's) for a bid request's token: status, raw UID, site."""
            r = ours(bidder, "decrypt", "--bidstream", "--keys-url", service.url, token)
            o = sdk(bidder, "decrypt", token, which="official-python")
            return (r["status"], r["uid"], r["site_id"]), (o["status"], o["uid"], o["site_id"])

        gen = sdk(pub, "generate", email)
        check("generate: status", gen["status"], "success")
        mapped = sdk_map([("email", email)])["mapped"].get(email, {})
        check("identity map v3: no previous raw UID yet", mapped.get("p", "missing"), None)
        want = ("SUCCESS", mapped.get("u"), pub[0])
        ref = sdk(pub, "refresh", gen["identity"])
        check("refresh: status", ref["status"], "success")
        for what, identity in (("generated", gen), ("refreshed", ref)):
            if "identity" in identity:
                theirs, sdks = decrypted(json.loads(identity["identity"])["advertising_token"])
                check("the SDK's %s token in libuid2's bidstream client" % what, theirs, want)
                check("the SDK's %s token in the Python SDK's BidstreamClient" % what, sdks, want)
        # Identity JSON both ways.
        our_ref = ours(pub, "token", "refresh", "--url", service.url, ref.get("identity", "{}"))
        check("uid2 token refresh of the SDK's identity JSON", our_ref["status"], "success")
        mine = ours(pub, "token", "generate", "--url", service.url, "--email", email)
        loaded = sdk(pub, "load", json.dumps(mine.get("identity", {})))
        check("the SDK's IdentityTokens loads uid2 token generate's identity JSON: every getter",
              {k: v for k, v in loaded.items() if k not in ("json", "is_refreshable")},
              {k: mine.get("identity", {}).get(k) for k in loaded if k not in ("json", "is_refreshable")})
        check("the SDK's IdentityTokens of uid2 token generate's identity JSON: refreshable, the same JSON",
              (loaded.get("is_refreshable"), loaded.get("json")), (True, mine.get("identity")))
        back = sdk(pub, "refresh", json.dumps(mine.get("identity", {})))
        check("the SDK refreshes uid2 token generate's identity JSON", back["status"], "success")

        map_before = compare_maps("before a salt rotation")
        check("identity map v3: the opted-out test identities are unmapped, the others mapped",
              (map_before.get("unmapped"), sorted(map_before.get("mapped", {}))),
              (MAP_OPTED_OUT, sorted({v for _, v in MAP_INPUTS} - set(MAP_OPTED_OUT))))
        service.admin("salts", "rotate", "--all")
        map_after = compare_maps("after uid2 salts rotate --all")
        check("after salts rotate: every mapped input has a new current raw UID and the old one as previous",
              {k: (v.get("u") != map_before["mapped"].get(k, {}).get("u"), v.get("p"))
               for k, v in map_after.get("mapped", {}).items()},
              {k: (True, v["u"]) for k, v in map_before.get("mapped", {}).items()})
        after = sdk_map([("email", email)])["mapped"].get(email, {})
        check("after salts rotate: previous raw UID", after.get("p"), mapped.get("u"))
        checks.append(("after salts rotate: a new current raw UID", after.get("u") not in (None, mapped.get("u")), str(after)))
        rotated = sdk(pub, "refresh", back.get("identity", "{}"))
        if "identity" in rotated:
            theirs, _ = decrypted(json.loads(rotated["identity"])["advertising_token"])
            check("a refresh after the rotation carries the new raw UID", theirs, ("SUCCESS", after.get("u"), pub[0]))
        else:
            checks.append(("refresh after the rotation", False, str(rotated)))

        service.admin("optout", "add", "--email", email)
        check("generate after opt-out", sdk(pub, "generate", email)["status"], "optout")
        check("refresh after opt-out", sdk(pub, "refresh", rotated.get("identity", "{}"))["status"], "optout")
        check("identity map after opt-out", sdk_map([("email", email)])["unmapped"].get(email), "optout")
        check("identity map after opt-out: libuid2 agrees", go_map([("email", email)])["unmapped"].get(email), "optout")
    finally:
        service.stop()
    print("== publisher tokens and identity map: %s against uid2 serve" % sdk_name)
    for what, ok, detail in checks:
        print("  %-4s %s" % ("ok" if ok else "FAIL", what))
        if not ok:
            run.fail("publisher, %s: %s: %s" % (sdk_name, what, detail))


def mark(problems):
    return "-" if problems is None else "FAIL" if problems else "ok"


def main(argv):
    specs = [a for a in argv[2:] if not a.startswith("uid2=")]
    uid2 = [a.split("=", 1)[1] for a in argv[2:] if a.startswith("uid2=")]
    drivers = make_drivers(specs, argv[1])
    missing = [lang for lang in OURS + OFFICIAL if lang not in drivers]
    if missing:
        print("INTEROP FAILED: no driver for %s" % ", ".join(missing))
        return 1
    start = time.monotonic()
    with tempfile.TemporaryDirectory(dir=os.environ.get("TEST_TMPDIR")) as tmp:
        run = Run(drivers, tmp)
        now_s = int(time.time())
        sets = key_sets(now_s)
        made = run.encrypt(sets)
        print("== encrypt: %d tokens (%d drivers x UID2 and EUID x %s raw UIDs)" % (
            len(made), len(drivers), "/".join(label for label, _ in raw_uids("UID2"))))
        cases = build_cases(made, int(time.time() * 1000))
        results = run.decrypt(cases, sets)
        check_good(run, cases, results)
        check_bad(run, cases, results)
        if uid2:
            try:
                check_refresh(run, uid2[0])
            except RuntimeError as e:
                run.fail("refresh: %s" % e)
            for sdk_name in OFFICIAL:
                try:
                    check_publisher(run, uid2[0], sdk_name)
                except (RuntimeError, ValueError, KeyError) as e:
                    run.fail("publisher, %s: %s" % (sdk_name, e))
        keep = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR")
        if keep:  # inputs and every driver's outputs, for a failure's post-mortem
            shutil.copytree(tmp, os.path.join(keep, "interop"), dirs_exist_ok=True)
    print("== driver time: %s; total %.1f s" % (
        ", ".join("%s %.1f s" % (d.lang, d.seconds) for d in drivers.values()), time.monotonic() - start))
    print("== the official Python SDK differs from the official Java SDK (we follow Java, uid2-spec.md §6.4):")
    for kind, (status, why) in PYTHON_SDK_DISAGREES.items():
        print("  %-28s %s: %s" % (kind, status, why))
    for (sdk, field), (value, why) in FIELD_QUIRKS.items():
        print("  %-28s %s reports %s: %s" % (field, sdk, value, why))
    for sdk, (ms, why) in EXPIRY_SHORT_BY_MS.items():
        print("  %-28s %s: up to %d ms short: %s" % ("expiry of tokens it makes", sdk, ms, why))
    if run.failures:
        print("\nINTEROP FAILED (%d):" % len(run.failures))
        for f in run.failures:
            print("  - " + f)
        return 1
    print("INTEROP PASSED: %s and the official Python and Java SDKs agree, pair by pair" % ", ".join(OURS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
