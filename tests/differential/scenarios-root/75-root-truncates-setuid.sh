# Root truncates its setuid and setgid files by name (--root-owned
# mode only): truncate(2) and open(O_TRUNC), of upper files and of lower
# files (copied up first).  Natively root keeps the bits (CAP_FSETID);
# these calls are the union's, so veneer must keep them too.
set -e
source "$DIFF_LIB"
printf 'data\n' >u
chmod 4755 u
python3 -c 'import os; os.truncate("u", 2)'
printf 'data\n' >g
chmod 2775 g
: >g                                  # open(O_TRUNC)
python3 -c 'import os; os.truncate("owners/suid42", 3)'
: >owners/sgid42
stat -c '%n %a' u g owners/suid42 owners/sgid42
owners u g owners/suid42 owners/sgid42
