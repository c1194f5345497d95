# Root writes to its setuid and setgid files through an open fd
# (--root-owned mode only): natively root keeps the bits (it holds
# CAP_FSETID); inside veneer the write is the kernel's, which clears
# them (known/root-owned/74-root-writes-setuid.diff says why).
set -e
source "$DIFF_LIB"
printf 'data\n' >s
chmod 6755 s
echo more >>s                         # write(2) on an O_APPEND fd
cp -p owners/suid42 suid42-copy       # 42:42 4755, copied by root
echo more >>suid42-copy
printf 'data\n' >f
chmod 4755 f
python3 -c 'import os; fd = os.open("f", os.O_RDWR); os.ftruncate(fd, 2)'
stat -c '%n %a' s suid42-copy f
owners s suid42-copy f
