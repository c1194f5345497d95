# echo >> on lower files: the copy-up keeps the old content, mode, xattrs
# and (until the write) the time; the write makes it new.
set -e
source "$DIFF_LIB"
echo "appended line" >>files/small.txt
echo "to an empty file" >>files/empty
printf 'no newline' >>files/onebyte
echo "appended to a 0600 file" >>modes/m600
echo "appended, xattr kept" >>xattr/many
echo "appended in a 0700 dir" >>modes/d700/inside
tail -n 3 files/small.txt
cat files/empty files/onebyte modes/m600 modes/d700/inside
getfattr -d -m 'user\.' xattr/many
st files/small.txt files/empty files/onebyte modes/m600 xattr/many
# the sibling that was not written stays as it was
times files/words.txt files
