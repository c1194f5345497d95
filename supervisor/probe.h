/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What this machine lets an unprivileged user do, asked of the kernel
 * itself (in a throwaway child) rather than guessed from its version:
 * which backend rung can run here, and if none, why.
 */
#ifndef VENEER_PROBE_H
#define VENEER_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/* The sysctl that keeps unprivileged user namespaces from this user, in
 * words ("user.max_user_namespaces is 0", "AppArmor restricts ...
 * (kernel.apparmor_restrict_unprivileged_userns=1)"), or "" when none of
 * the known knobs is set against it. */
void probe_userns_knob(char *out, size_t size);

/* The notify rung's needs: a user namespace this user can enter, map
 * itself into (uid_map) and mount a tmpfs in.  0, or -1 with the step
 * that failed and why in `why`. */
int probe_user_namespace(char *why, size_t size);

/* What both notify rungs need of the kernel: seccomp user notification,
 * ADDFD with SEND (5.14), and a listener this process may install (the
 * probe forks only when a filter is on us, or always_probe).  0, or -1
 * with why; *nested when a listener already hangs over this process. */
int probe_notify(bool always_probe, bool *nested, char *why, size_t size);

/* The notify-hostroot rung's needs beyond seccomp user notification:
 * Landlock (unless the caller gave --unsafe-lowers), and leave to trace
 * one's children.  0, or -1 with why. */
int probe_hostroot(bool unsafe_lowers, char *why, size_t size);

/* The ptrace rung's: the same, and no tracer of this process (nested,
 * from probe_notify, says whether its nested mode is the one to run). */
int probe_ptrace(bool unsafe_lowers, bool nested, char *why, size_t size);

#endif
