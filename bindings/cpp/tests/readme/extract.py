"""Writes the C++ programs of a README, as written, to files: each ```cpp block whose first line
is `// NAME.cpp` becomes OUTDIR/NAME.cpp. The names given must be exactly the README's, so that a
program added to or removed from the README cannot go unbuilt.

usage: extract.py README.md OUTDIR NAME.cpp...
"""

import os
import re
import sys


def main():
    readme, outdir, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(readme) as f:
        text = f.read()
    found = {}
    for block in re.findall(r"^```cpp\n(.*?)^```", text, re.S | re.M):
        first = block.split("\n", 1)[0]
        m = re.match(r"// (\w+\.cpp)$", first)
        if m:
            found[m.group(1)] = block
    if sorted(found) != sorted(names):
        sys.exit("%s has the programs %s; the build expects %s" % (readme, sorted(found), sorted(names)))
    for name, block in found.items():
        with open(os.path.join(outdir, name), "w") as f:
            f.write(block)


if __name__ == "__main__":
    main()
