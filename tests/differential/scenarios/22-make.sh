# make builds the C project in the lower; a second make does nothing;
# touching a header rebuilds only its dependents; make clean removes the
# products (new files) again.
set -e
cd cproj
make
./app
make
touch greet.h
make
touch calc.h
make
echo '#define EXTRA 1' >>strutil.h
make
make -q && echo "up to date"
./app
ls
make clean
ls
