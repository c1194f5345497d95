# access(2) answers for the real ids (--root-owned mode only): with a
# real uid other than 0 the kernel drops the capabilities for the
# check, whatever the effective uid; with AT_EACCESS (eaccess, bash's
# test) the effective ids and capabilities count.
set -e
source "$DIFF_LIB"
echo secret >secret
chmod 0600 secret
python3 - <<'PY'
import os


def show(what):
    print(what, "access:", os.access("secret", os.R_OK),
          "eaccess:", os.access("secret", os.R_OK, effective_ids=True),
          "owner's file:", os.access("owners/u42", os.W_OK))


os.setresuid(42, 0, 0)
show("real 42, effective 0:")
os.setresuid(0, 0, 0)
os.setresuid(0, 42, 0)
show("real 0, effective 42:")
os.setresuid(0, 0, 0)
os.setresuid(42, 42, 0)
show("real 42, effective 42:")
PY
