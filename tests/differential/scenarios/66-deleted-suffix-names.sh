# Directories whose names end in " (deleted)", as the kernel's text for a
# removed directory does: they are live directories like any other, as
# cwd and as a dirfd, and only a truly removed one reads as removed.
set -e
source "$DIFF_LIB"
mkdir -p "tree/live (deleted)/sub"
cd "tree/live (deleted)"
touch made
mkdir made-dir
cd sub
echo from-sub >../from-sub
ls -a ..
python3 -c '
import os
d = os.open("..", os.O_RDONLY | os.O_DIRECTORY)
os.mkdir("via-dirfd", dir_fd=d)
print(sorted(os.listdir(d)))
'
cd ../..
mkdir gone
cd gone
rmdir ../gone
rc touch x
ls -a
cd ..
tree_list "tree"
