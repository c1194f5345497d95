#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# As root: FIXTURES/owners-bigdir, a directory of 5,000 files owned by 50
# different ids (file N by uid N % 50 + 100, gid N % 7 + 100), bigger than
# one message of the owner helper's answer (4,096 entries): t-ownership
# checks that every owner shows.  Made once (cached).
set -euo pipefail
fixtures=${1:?usage: owners-bigdir.sh FIXTURES}
dir=$fixtures/owners-bigdir
[ -e "$dir/.complete" ] && exit 0
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp/big"
python3 - "$dir.tmp/big" <<'PY'
import os, sys
top = sys.argv[1]
for n in range(5000):
    p = os.path.join(top, "f%04d" % n)
    with open(p, "w") as f:
        f.write("x")
    os.chown(p, n % 50 + 100, n % 7 + 100)
PY
chmod -R a+rX "$dir.tmp"
: >"$dir.tmp/.complete"
mv "$dir.tmp" "$dir"
echo "owners-bigdir: 5,000 files of 50 owners in $dir/big"
