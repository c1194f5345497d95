# touch -d on lower files, dirs and symlinks (a times-only copy-up), with
# nanoseconds, -m/-a only, -r, -h, and on new files.
set -e
source "$DIFF_LIB"
touch -d '2005-06-07 08:09:10' files/small.txt
touch -m -d '2006-01-01 00:00:00.123456789' files/words.txt
touch -a -d '2007-01-01 00:00:00' files/onebyte     # atime only
touch -d '2004-04-04 04:04:04' tree/a
touch -h -d '2003-03-03 03:03:03' links/rel
touch -r files/small.txt tree/b/x/f1
touch -d '1999-12-31 23:59:59' newfile
mkdir newdir && touch -d '2002-02-02 02:02:02' newdir
touch -c no-such-file                                 # -c: creates nothing
touch deep/l1/l2/f.txt                                # now
stat -c '%n %y' files/small.txt files/words.txt files/onebyte tree/a \
	links/rel tree/b/x/f1 newfile newdir
times deep/l1/l2/f.txt deep/l1/l2 files
rc ls no-such-file
