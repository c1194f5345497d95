# Lower entries with the longest possible names (255 bytes) and 251-byte
# ones: appended to, removed, recreated, renamed; new 255-byte names.
set -e
source "$DIFF_LIB"
long=$(printf 'L%.0s' $(seq 255))
short=$(printf 'S%.0s' $(seq 251))
new=$(printf 'N%.0s' $(seq 255))
echo "appended" >>"names/long/$long"
cat "names/long/$long"
rm "names/long/$short"
rc cat "names/long/$short"
echo "recreated" >"names/long/$short"
mv "names/long/$long" "names/long/$new"
rc ls "names/long/$long"
mkdir "names/$new"
echo inside >"names/$new/$long"
rm -rf "names/$new"
ls names/long | cut -c1-10
tree_list names/long | cut -c1-30,250-
sums names/long | cut -c1-80
