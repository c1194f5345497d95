# ln: new hard links to lower files, then writing through one name: every
# name of the file sees the change, and the link counts agree.
set -e
source "$DIFF_LIB"
ln files/words.txt words-link
ln files/words.txt tree/a/words-link2
echo "written through words-link" >>words-link
cat files/words.txt tree/a/words-link2
st files/words.txt words-link tree/a/words-link2
# a link to a new file, then the original removed
echo one >new1
ln new1 new2
rm new1
st new2
# ln onto an existing name fails
rc ln files/small.txt files/onebyte
rc ln -f files/small.txt files/onebyte
cat files/onebyte | head -n 2
st files/small.txt files/onebyte
