# Appending to a lower file through one name of a lower hard-link group:
# natively every name of the group sees the change.
set -e
source "$DIFF_LIB"
echo "appended through pair2" >>hard/pair2
cat hard/pair1
echo "appended through trio3" >>other/trio3
cat hard/trio1 hard/sub/trio2
st hard/pair1 hard/pair2 hard/trio1 hard/sub/trio2 other/trio3
# removing one name: the others stay, with one link less
rm hard/sub/trio2
st hard/trio1 other/trio3
