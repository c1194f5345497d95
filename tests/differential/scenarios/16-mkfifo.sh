# mkfifo in lower and new dirs, over existing names (fails), replacing a
# lower fifo; data passes through a fifo created in the union.
set -e
source "$DIFF_LIB"
mkfifo newfifo
mkfifo -m 0600 tree/a/fifo
rc mkfifo files/small.txt
rc mkfifo special/fifo
rm special/fifo
mkfifo -m 0640 special/fifo
( echo "through the fifo" >newfifo ) &
cat newfifo
wait
st newfifo tree/a/fifo special/fifo
tree_list special
