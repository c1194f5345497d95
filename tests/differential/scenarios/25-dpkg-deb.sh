# dpkg-deb -x of the .deb into new and lower dirs; its listing and fields.
set -e
source "$DIFF_LIB"
dpkg-deb -f deb/vt-hello_1.0_all.deb
dpkg-deb -c deb/vt-hello_1.0_all.deb
dpkg-deb -x deb/vt-hello_1.0_all.deb out
dpkg-deb -x deb/vt-hello_1.0_all.deb tree/a
dpkg-deb -e deb/vt-hello_1.0_all.deb out/DEBIAN
out/usr/bin/vt-hello
tree/a/usr/bin/vt-hi
tree_list out tree/a/usr
sums out
