"""Checks what each language decrypted in tools/demo.sh: the sender's raw
UID2, with status SUCCESS, from every receiver."""
import json
import os
import sys

tmp = sys.argv[1]
with open(os.path.join(tmp, "raw_uid")) as f:
    raw_uid = f.read().strip()
receivers = [("go", "uid2 command, keys over HTTP"), ("c", "uid2.h, keys from JSON"),
             ("cpp", "uid2.hpp, keys from JSON"), ("java", "io.libuid2, keys from JSON"),
             ("csharp", "LibUid2 on Mono, keys from JSON")]
ok = True
for lang, how in receivers:
    with open(os.path.join(tmp, lang + ".out")) as f:
        r = json.loads(f.readline())
    r = r.get("result", r)  # conformance drivers wrap results
    good = r["status"] == "SUCCESS" and r["uid"] == raw_uid
    ok &= good
    print("receiver : %-7s %-32s %s %s" % (lang, how, r["status"], "matches" if good else "DIFFERS: " + r["uid"]))
if not ok:
    print("demo FAILED: a receiver did not get the sender's raw UID2")
    sys.exit(1)
print("demo OK: Python encrypted; Python, Go, C, C++, Java and C# all decrypted the sender's raw UID2")
