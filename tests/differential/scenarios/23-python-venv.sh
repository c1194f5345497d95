# python3 -m venv --without-pip in the tree, then use it.  The venv
# writes its absolute path into a few files, and ROOT differs between
# the two sides: those paths are rewritten to @ROOT@ before listing.
set -e
source "$DIFF_LIB"
python3 -m venv --without-pip venv
grep -rlF "$ROOT" venv | sort | while read -r f; do
	sed -i "s|$ROOT|@ROOT@|g" "$f"
	echo "rewrote $f"
done
venv/bin/python -c 'import sys; print(sys.prefix != sys.base_prefix)'
tree_list venv | grep -v '/__pycache__' || true
cat venv/pyvenv.cfg
