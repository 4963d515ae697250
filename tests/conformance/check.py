"""The conformance suite (//tests/conformance:conformance_test).

1. Every language's driver runs every case of every file in tests/vectors
   through its binding and writes one canonical JSON line per case. Each file
   must be byte-identical to the expected lines built from the vectors' own
   `expect` objects (hence to each other).
2. Round trip: each language encrypts the same raw UIDs with the real nonce
   source and clock, and every language decrypts every token (a 6 x 6 matrix,
   every cell asserted).

Usage: check.py VECTORS_DIR LIBUID2_SO LANG=DRIVER... (DRIVER: the driver
executable; for java the classpath, for csharp the .exe). See README.md.
"""

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

from drivers import LANGUAGES, from_specs

DECRYPT_FIELDS = ("status", "uid", "established_ms", "expiry_ms", "site_id", "site_key_site_id",
                  "identity_scope", "identity_type", "version", "is_client_side_generated")
ENCRYPT_FIELDS = ("status", "token")
CALLER_SITE_ID = 9000
TOKEN_EXPIRY_SECONDS = 2592000


def canonical(obj):
    """The canonical form every driver writes: sorted keys, no spaces, \\u escapes for non-ASCII."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def short(value, limit=90):
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 25] + "..." + text[-20:] + " (%d chars)" % len(text)


def expected_vector_lines(vectors_dir):
    lines = []
    for name in sorted(f for f in os.listdir(vectors_dir) if f.endswith(".json")):
        with open(os.path.join(vectors_dir, name), encoding="utf-8") as f:
            vector = json.load(f)
        for case in vector["cases"]:
            lines.append(canonical({"file": name, "case": case["name"], "result": case["expect"]}))
    if not lines:
        raise SystemExit("no vector cases in %s: every driver would match nothing" % vectors_dir)
    return lines


def field_diffs(expected, got, fields):
    if not isinstance(got, dict):
        return ["result is %s, not an object" % short(got)]
    diffs = ["field %s: expected %s, got %s" % (k, short(expected.get(k)), short(got.get(k)))
             for k in fields if expected.get(k) != got.get(k) or (k in expected) != (k in got)]
    extra = sorted(set(got) - set(fields))
    if extra:
        diffs.append("unexpected fields %s" % ", ".join(extra))
    return diffs


def first_vector_difference(expected_lines, got_lines):
    """None if identical, else a readable description of the first differing case."""
    for i, want in enumerate(expected_lines):
        if i >= len(got_lines):
            case = json.loads(want)
            return "%s / %r: missing (output ends after %d of %d cases)" % (
                case["file"], case["case"], len(got_lines), len(expected_lines))
        if got_lines[i] == want:
            continue
        case = json.loads(want)
        where = "%s / %r" % (case["file"], case["case"])
        try:
            got = json.loads(got_lines[i])
        except ValueError as e:
            return "%s: output line %d is not JSON (%s): %s" % (where, i + 1, e, short(got_lines[i]))
        if not isinstance(got, dict) or (got.get("file"), got.get("case")) != (case["file"], case["case"]):
            return "%s: expected this case at line %d, got %s" % (where, i + 1, short(got_lines[i]))
        fields = DECRYPT_FIELDS if "uid" in case["result"] else ENCRYPT_FIELDS
        diffs = field_diffs(case["result"], got.get("result"), fields)
        if not diffs:
            diffs = ["same values, different bytes (not canonical JSON):",
                     "  expected %s" % want, "  got      %s" % got_lines[i]]
        return "%s: %s" % (where, "\n      ".join(diffs))
    if len(got_lines) > len(expected_lines):
        return "%d extra output lines after the last case: %s" % (
            len(got_lines) - len(expected_lines), short(got_lines[len(expected_lines)]))
    return None


def read_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    return data, data.decode("utf-8", "replace").splitlines()


def check_vectors(drivers, vectors_dir, tmp):
    expected = expected_vector_lines(vectors_dir)
    expected_bytes = ("\n".join(expected) + "\n").encode("ascii")
    print("== vectors: %d cases, expected sha256 %s" % (len(expected), hashlib.sha256(expected_bytes).hexdigest()[:16]))
    failures = []
    for d in drivers:
        out = os.path.join(tmp, "vectors.%s.jsonl" % d.lang)
        try:
            d.run("vectors", vectors_dir, out)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            failures.append("%s: %s" % (d.lang, e))
            print("  %-7s FAILED TO RUN" % d.lang)
            continue
        data, lines = read_lines(out)
        if data == expected_bytes:
            print("  %-7s %d cases, byte-identical (sha256 %s)" % (
                d.lang, len(lines), hashlib.sha256(data).hexdigest()[:16]))
            continue
        difference = first_vector_difference(expected, lines) or "bytes differ (line endings?)"
        bad = sum(1 for i, want in enumerate(expected) if i >= len(lines) or lines[i] != want)
        print("  %-7s DIFFERS in %d of %d cases" % (d.lang, bad, len(expected)))
        failures.append("%s: first differing case: %s" % (d.lang, difference))
    return failures


def round_trip_keys(now_s):
    def key(key_id, keyset_id):
        return {"id": key_id, "keyset_id": keyset_id, "created": now_s - 3600, "activates": now_s - 3600,
                "expires": now_s + 86400, "secret": base64.b64encode(secrets.token_bytes(32)).decode()}

    return {"status": "success", "body": {
        "caller_site_id": CALLER_SITE_ID, "master_keyset_id": 1, "default_keyset_id": 99999,
        "token_expiry_seconds": str(TOKEN_EXPIRY_SECONDS), "identity_scope": "UID2",
        "allow_clock_skew_seconds": 1800, "max_sharing_lifetime_seconds": TOKEN_EXPIRY_SECONDS + 10,
        "keys": [key(1001, 1), key(2001, 99999)]}}


def round_trip_raw_uids():
    def b64(prefix_byte, n):
        return base64.b64encode(bytes([prefix_byte]) + secrets.token_bytes(n - 1)).decode()

    # v3-style email (A...) and phone (B...) raw UIDs, a v2-style one, and one
    # longer than the 256-byte inline buffer of the C ABI.
    return [b64(0x00, 33), b64(0x04, 33), b64(0x80, 32), b64(0x00, 300)]


def check_round_trip(drivers, tmp):
    now_s = int(time.time())
    keys_path = os.path.join(tmp, "roundtrip-keys.json")
    with open(keys_path, "w") as f:
        json.dump(round_trip_keys(now_s), f)
    raw_uids = round_trip_raw_uids()
    raw_path = os.path.join(tmp, "roundtrip-raw.txt")
    with open(raw_path, "w") as f:
        f.write("".join(u + "\n" for u in raw_uids))
    print("== round trip: %d raw UIDs (lengths %s), each language encrypts with real nonces and clock,"
          " every language decrypts" % (len(raw_uids), ", ".join(str(len(u)) for u in raw_uids)))

    failures = []
    t0 = int(time.time() * 1000)
    tokens = []  # (encrypting language, raw UID, token)
    encrypters = []
    for d in drivers:
        out = os.path.join(tmp, "encrypt.%s.jsonl" % d.lang)
        try:
            d.run("encrypt", keys_path, raw_path, out)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            failures.append("round trip: %s encrypt: %s" % (d.lang, e))
            continue
        _, lines = read_lines(out)
        ok = len(lines) == len(raw_uids)
        for i, (raw, line) in enumerate(zip(raw_uids, lines)):
            result = json.loads(line)
            if result.get("status") != "SUCCESS" or not result.get("token"):
                failures.append("round trip: %s encrypt of raw UID %d: %s" % (d.lang, i, short(result)))
                ok = False
            tokens.append((d.lang, raw, result.get("token", "")))
        if len(lines) != len(raw_uids):
            failures.append("round trip: %s encrypt wrote %d lines for %d raw UIDs" % (d.lang, len(lines), len(raw_uids)))
        if ok:
            encrypters.append(d.lang)
    t1 = int(time.time() * 1000)
    made = [t for _, _, t in tokens if t]
    if len(set(made)) != len(made):
        failures.append("round trip: the same token came out twice (nonces not random?)")

    tokens_path = os.path.join(tmp, "roundtrip-tokens.txt")
    with open(tokens_path, "w") as f:
        f.write("".join(t + "\n" for _, _, t in tokens))
    matrix = {}
    for d in drivers:
        out = os.path.join(tmp, "decrypt.%s.jsonl" % d.lang)
        try:
            d.run("decrypt", keys_path, tokens_path, out)
            _, lines = read_lines(out)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            failures.append("round trip: %s decrypt: %s" % (d.lang, e))
            continue
        for i, (enc_lang, raw, token) in enumerate(tokens):
            cell = matrix.setdefault((enc_lang, d.lang), [])
            if i >= len(lines):
                cell.append("raw UID %d: no result" % (i % len(raw_uids)))
                continue
            got = json.loads(lines[i])
            want = {"status": "SUCCESS", "uid": raw, "site_id": CALLER_SITE_ID, "site_key_site_id": 0,
                    "identity_scope": "UID2", "identity_type": "PHONE" if raw[0] in "BF" else "EMAIL",
                    "version": 4, "is_client_side_generated": False,
                    "established_ms": got.get("established_ms"),
                    "expiry_ms": got.get("established_ms", 0) + TOKEN_EXPIRY_SECONDS * 1000}
            diffs = field_diffs(want, got, DECRYPT_FIELDS)
            established = got.get("established_ms")
            if not isinstance(established, int) or not t0 - 1000 <= established <= t1 + 1000:
                diffs.append("field established_ms: %s is not the real clock at encryption (%d..%d)" % (
                    short(established), t0, t1))
            if diffs:
                cell.append("raw UID %d (%d chars): %s" % (i % len(raw_uids), len(raw), "; ".join(diffs)))

    langs = [d.lang for d in drivers]
    def mark(enc, dec):
        problems = matrix.get((enc, dec))
        return "-" if problems is None else "FAIL" if problems else "ok"

    print("  %-22s %s" % ("encrypted by \\ decrypted by", " ".join("%-7s" % l for l in langs)))
    for enc in langs:
        print("  %-22s %s" % (enc, " ".join("%-7s" % mark(enc, dec) for dec in langs)))
    cells = sum(1 for enc in langs for dec in langs if mark(enc, dec) == "ok")
    if cells != len(langs) ** 2:
        failures.append("round trip: %d of %d cells passed (-: not run, see above)" % (cells, len(langs) ** 2))
    for (enc, dec), problems in sorted(matrix.items()):
        if problems:
            failures.append("round trip: encrypted by %s, decrypted by %s: %s" % (enc, dec, problems[0]))
    return failures


def main(argv):
    vectors_dir = os.path.abspath(argv[1])
    drivers = from_specs(argv[3:], argv[2])
    missing = [lang for lang in LANGUAGES if lang not in [d.lang for d in drivers]]
    if missing and os.environ.get("CONFORMANCE_ALLOW_MISSING") != "1":
        print("CONFORMANCE FAILED: no driver for %s (set CONFORMANCE_ALLOW_MISSING=1 for a partial run)"
              % ", ".join(missing))
        return 1
    start = time.monotonic()
    with tempfile.TemporaryDirectory(dir=os.environ.get("TEST_TMPDIR")) as tmp:
        failures = check_vectors(drivers, vectors_dir, tmp)
        failures += check_round_trip(drivers, tmp)
    print("== driver time: %s; total %.1f s" % (
        ", ".join("%s %.1f s" % (d.lang, d.seconds) for d in drivers), time.monotonic() - start))
    if failures:
        print("\nCONFORMANCE FAILED (%d):" % len(failures))
        for f in failures:
            print("  - " + f)
        return 1
    print("CONFORMANCE PASSED: %s agree byte for byte" % ", ".join(d.lang for d in drivers))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
