# Names with spaces, tabs, unicode and leading dashes: renamed, copied,
# removed, created.
set -e
source "$DIFF_LIB"
cd names
mv "with space.txt" "still with space.txt"
mv ünïcödé.txt "ÜNÏCÖDÉ.txt"
cp -a "dir with space" "コピー"
rm -- -leading-dash
echo new >./--new-dash
echo "日本" >"日本語/新しい.txt"
mv "tab	name" "tab	renamed"
echo "tab" >>"tab	renamed"
mkdir "ẞpace dir" && mv .hidden "ẞpace dir/"
cd ..
find names | sort
sums names
