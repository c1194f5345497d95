# Operations that must fail, and how: the error messages and statuses
# must be the native ones, and nothing may change.
set -e
source "$DIFF_LIB"
rc rmdir tree                         # not empty
rc rmdir files/small.txt              # not a dir
rc rmdir no-such-dir
rc mkdir tree                         # exists (lower dir)
rc mkdir files/small.txt              # exists (lower file)
rc mkdir links/dangling               # exists (dangling symlink)
rc mkdir no/such/parent
rc mv tree tree/a/inside              # a dir into itself
rc mv tree/a tree/a
rc mv no-such tree/
rc rm tree                            # a dir without -r
rc rm no-such-file
rc rm -d tree/a                       # not empty
rc ln tree tree-hard                  # hard link to a dir
rc ln -s x files/small.txt            # exists
rc cp tree tree-copy                  # dir without -r
rc cp files/small.txt files/small.txt # same file
rc cp files/small.txt no/such/dir/
rc touch no/such/file
rc truncate -s 0 no/such/file
rc chmod 0644 no-such
rc mkfifo tree/a
rc mv files/small.txt files/small.txt/x
rc cat tree
rc sh -c 'echo x >tree/a'
rc sh -c 'echo x >files/small.txt/sub'
rc ln files/small.txt tree/a/x/f1
rc mv -T tree/a tree/b               # non-empty target dir
tree_list tree files | sha256sum
times tree tree/a files files/small.txt
