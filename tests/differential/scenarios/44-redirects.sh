# Shell redirections on lower files: > truncates and rewrites, <> opens
# read-write without truncating, >> appends, exec'd fds keep offsets.
set -e
source "$DIFF_LIB"
echo "rewritten" >files/words.txt
exec 4<>files/small.txt
printf 'OVERWRITTEN-' >&4
exec 4>&-
exec 5>>tree/a/x/f1
echo "one" >&5
echo "two" >&5
exec 5>&-
: >files/4k.bin                     # truncate to nothing
exec 6<files/64k1.bin
head -c 10 <&6 >/dev/null
exec 6<&-
cat files/words.txt tree/a/x/f1
head -n 2 files/small.txt
st files/words.txt files/small.txt files/4k.bin files/64k1.bin
times files/64k1.bin
