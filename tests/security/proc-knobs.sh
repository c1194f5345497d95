#!/bin/bash
# finding: continued/kernel-resolved paths in /proc: the kernel's global knobs
# invariant: the kernel's knobs under /proc (/proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus, /proc/fs) are read-only inside under every policy, so a sandbox run as root (every id mapped to itself, the target's uid 0 is the knobs' owner) cannot write core_pattern or trigger sysrq
# attack: open for writing the sysctls the sandbox's root owns (its IPC namespace's kernel.shmmax, kernel.msgmax) and the host-wide ones (kernel.core_pattern, vm.drop_caches), and check that every knob is a read-only mount
source "$(dirname "$0")/lib.sh"
unless_hostroot "/proc of its own: the host's /proc, where Landlock refuses every write (t-hostroot), has no read-only mounts to check"
require_veneer
require_cmd python3
sec_guard_start

PROBE='
import errno, os
for p in ["/proc/sys/kernel/shmmax", "/proc/sys/kernel/msgmax",
          "/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger"]:
    try:
        os.close(os.open(p, os.O_WRONLY)); print(p, "writable")
    except OSError as e:
        print(p, errno.errorcode.get(e.errno, e.errno))
ro = {}
for line in open("/proc/self/mountinfo"):
    f = line.split()
    ro[f[4]] = "ro" in f[5].split(",")
for m in ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"]:
    if os.path.exists(m):
        print(m, "mount", "ro" if ro.get(m) else "NOT-READ-ONLY")
'
for policy in default build lab container; do
	vrun_ok "$T/o" "$T/e" --policy "$policy" -- python3 -c "$PROBE"
	note "$policy: $(tr '\n' ' ' <"$T/o")"
	grep -q ' writable$' "$T/o" && fail "under $policy a /proc knob opened for writing: $(grep writable "$T/o")"
	grep -q 'NOT-READ-ONLY' "$T/o" && fail "under $policy a /proc knob is not a read-only mount"
	grep -q '^/proc/sys/kernel/shmmax EROFS$' "$T/o" ||
		fail "under $policy the IPC namespace's own sysctl was not refused as read-only"
done
sec_guard_check
echo "the kernel's knobs under /proc are read-only inside"
