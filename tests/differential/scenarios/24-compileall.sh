# python3 -m compileall over the lower package (new __pycache__ dirs in
# lower dirs), then run the compiled code, the package through its
# caches, and recompile after a change.
set -e
source "$DIFF_LIB"
python3 -m compileall pypkg
find pypkg -name '*.pyc' | sort
python3 pypkg/pkg/__pycache__/__init__.cpython-*.pyc
cd pypkg
python3 -c 'import pkg.a, sys; print(pkg.a.report()); print(pkg.a.__cached__ is not None)'
python3 main.py
echo 'def word(): return "changed bee"' >pkg/sub/b.py
python3 -m compileall -q .
python3 main.py
sums . | grep -v '\.pyc$' || true
cd ..
tree_list pypkg
