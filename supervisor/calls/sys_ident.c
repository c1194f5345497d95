/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The set*id, get*id, capset and prctl decoders of presented ownership:
 * the kernel's rules for changing identities, applied to the caller's
 * identity as target/ident.c keeps it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>

#include "calls.h"

#define UNCHANGED ((uint32_t)-1)

/* The capabilities the kernel drops from the effective set when the
 * fsuid leaves 0 (and restores from the permitted when it comes back). */
#define FS_CAPS                                                                        \
	((1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_DAC_READ_SEARCH) | \
	 (1ull << CAP_FOWNER) | (1ull << CAP_FSETID) | (1ull << CAP_LINUX_IMMUTABLE) |     \
	 (1ull << CAP_MKNOD) | (1ull << CAP_MAC_OVERRIDE))

/* What a change of uids does to capabilities (the kernel's
 * cap_emulate_setxuid): leaving uid 0 everywhere loses them unless
 * PR_SET_KEEPCAPS; leaving euid 0 clears the effective ones, coming back
 * restores them; the fsuid takes and gives back the file ones. */
static void caps_follow_uids(struct vn_cred *cr, const uint32_t old[4])
{
	bool had_root = old[0] == 0 || old[1] == 0 || old[2] == 0;
	bool has_root = cr->ruid == 0 || cr->euid == 0 || cr->suid == 0;

	if (had_root && !has_root && !cr->keepcaps) {
		cr->cap_permitted = 0;
		cr->cap_effective = 0;
	}
	if (old[1] == 0 && cr->euid != 0)
		cr->cap_effective = 0;
	if (old[1] != 0 && cr->euid == 0)
		cr->cap_effective = cr->cap_permitted;
	if (old[3] == 0 && cr->fsuid != 0)
		cr->cap_effective &= ~FS_CAPS;
	if (old[3] != 0 && cr->fsuid == 0)
		cr->cap_effective |= cr->cap_permitted & FS_CAPS;
}

static bool one_of(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
{
	return id == a || id == b || id == c;
}

/* setresuid/setresgid: each id given must be one the thread has already,
 * unless it is privileged; the file-system id follows the effective. */
static int set_res(bool privileged, uint32_t ids[4], uint32_t r, uint32_t e, uint32_t s)
{
	uint32_t *real = &ids[0], *eff = &ids[1], *saved = &ids[2], *fs = &ids[3];

	if (!privileged) {
		if ((r != UNCHANGED && !one_of(r, *real, *eff, *saved)) ||
		    (e != UNCHANGED && !one_of(e, *real, *eff, *saved)) ||
		    (s != UNCHANGED && !one_of(s, *real, *eff, *saved)))
			return -EPERM;
	}
	if (r != UNCHANGED)
		*real = r;
	if (e != UNCHANGED)
		*eff = e;
	if (s != UNCHANGED)
		*saved = s;
	*fs = *eff;
	return 0;
}

/* setreuid/setregid (the saved id follows the effective when the real is
 * set, or the effective becomes other than the old real). */
static int set_re(bool privileged, uint32_t ids[4], uint32_t r, uint32_t e)
{
	uint32_t old_real = ids[0];
	int err;

	if (!privileged && r != UNCHANGED && r != ids[0] && r != ids[1])
		return -EPERM;
	err = set_res(privileged, ids, r, e, UNCHANGED);
	if (err < 0)
		return err;
	if (r != UNCHANGED || (e != UNCHANGED && e != old_real))
		ids[2] = ids[1];
	return 0;
}

/* setuid/setgid: all of them when privileged, else the effective (to the
 * real or saved one). */
static int set_one(bool privileged, uint32_t ids[4], uint32_t id)
{
	if (id == UNCHANGED)
		return -EINVAL;
	if (privileged)
		return set_res(privileged, ids, id, id, id);
	if (id != ids[0] && id != ids[2])
		return -EPERM;
	return set_res(privileged, ids, UNCHANGED, id, UNCHANGED);
}

/* setfsuid/setfsgid: never fail; answer the old id. */
static int64_t set_fs(bool privileged, uint32_t ids[4], uint32_t id)
{
	uint32_t old = ids[3];

	if (privileged || one_of(id, ids[0], ids[1], ids[2]) || id == ids[3])
		ids[3] = id;
	return old;
}

static void uid_array(const struct vn_cred *cr, uint32_t ids[4])
{
	ids[0] = cr->ruid, ids[1] = cr->euid, ids[2] = cr->suid, ids[3] = cr->fsuid;
}

static void gid_array(const struct vn_cred *cr, uint32_t ids[4])
{
	ids[0] = cr->rgid, ids[1] = cr->egid, ids[2] = cr->sgid, ids[3] = cr->fsgid;
}

enum id_call { SET_ONE, SET_RE, SET_RES, SET_FS };

static struct answer change_ids(struct call *c, bool gid, enum id_call call)
{
	const uint64_t *a = c->args;
	bool priv = vn_capable(&c->cred, gid ? CAP_SETGID : CAP_SETUID);
	uint32_t ids[4];
	int64_t r;

	if (gid)
		gid_array(&c->cred, ids);
	else
		uid_array(&c->cred, ids);
	switch (call) {
	case SET_ONE: r = set_one(priv, ids, (uint32_t)a[0]); break;
	case SET_RE: r = set_re(priv, ids, (uint32_t)a[0], (uint32_t)a[1]); break;
	case SET_RES: r = set_res(priv, ids, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]); break;
	default: r = set_fs(priv, ids, (uint32_t)a[0]); break;
	}
	if (r < 0)
		return answer_error((int)-r);
	if (gid) {
		c->cred.rgid = ids[0], c->cred.egid = ids[1], c->cred.sgid = ids[2], c->cred.fsgid = ids[3];
	} else {
		uint32_t old[4];

		uid_array(&c->cred, old);
		c->cred.ruid = ids[0], c->cred.euid = ids[1], c->cred.suid = ids[2], c->cred.fsuid = ids[3];
		caps_follow_uids(&c->cred, old);
	}
	if (ident_commit(c) < 0)
		return answer_error(ENOMEM);
	return answer_value(call == SET_FS ? r : 0);
}

struct answer sys_setuid(struct call *c) { return change_ids(c, false, SET_ONE); }
struct answer sys_setgid(struct call *c) { return change_ids(c, true, SET_ONE); }
struct answer sys_setreuid(struct call *c) { return change_ids(c, false, SET_RE); }
struct answer sys_setregid(struct call *c) { return change_ids(c, true, SET_RE); }
struct answer sys_setresuid(struct call *c) { return change_ids(c, false, SET_RES); }
struct answer sys_setresgid(struct call *c) { return change_ids(c, true, SET_RES); }
struct answer sys_setfsuid(struct call *c) { return change_ids(c, false, SET_FS); }
struct answer sys_setfsgid(struct call *c) { return change_ids(c, true, SET_FS); }

struct answer sys_setgroups(struct call *c)
{
	const uint64_t *a = c->args;
	int64_t n = (int)a[0];
	int r;

	if (!vn_capable(&c->cred, CAP_SETGID))
		return answer_error(EPERM);
	if (n < 0 || n > VN_NGROUPS)
		return answer_error(EINVAL);
	r = n ? target_read(c, a[1], c->cred.groups, (size_t)n * sizeof(gid_t)) : 0;
	if (r < 0)
		return answer_error(-r);
	c->cred.ngroups = (int)n;
	return answer_result(ident_commit(c));
}

struct answer sys_getuid(struct call *c) { return answer_value(c->cred.ruid); }
struct answer sys_geteuid(struct call *c) { return answer_value(c->cred.euid); }
struct answer sys_getgid(struct call *c) { return answer_value(c->cred.rgid); }
struct answer sys_getegid(struct call *c) { return answer_value(c->cred.egid); }

static struct answer get_res(struct call *c, const uint32_t ids[3])
{
	const uint64_t *a = c->args;

	for (int i = 0; i < 3; i++)
		if (target_write(c, a[i], &ids[i], sizeof(ids[i])) < 0)
			return answer_error(EFAULT);
	return answer_value(0);
}

struct answer sys_getresuid(struct call *c)
{
	uint32_t ids[4];

	uid_array(&c->cred, ids);
	return get_res(c, ids);
}

struct answer sys_getresgid(struct call *c)
{
	uint32_t ids[4];

	gid_array(&c->cred, ids);
	return get_res(c, ids);
}

struct answer sys_getgroups(struct call *c)
{
	const uint64_t *a = c->args;
	int64_t size = (int)a[0];
	size_t bytes = (size_t)c->cred.ngroups * sizeof(gid_t);

	if (size < 0)
		return answer_error(EINVAL);
	if (size == 0)
		return answer_value(c->cred.ngroups);
	if (size < c->cred.ngroups)
		return answer_error(EINVAL);
	if (bytes && target_write(c, a[1], c->cred.groups, bytes) < 0)
		return answer_error(EFAULT);
	return answer_value(c->cred.ngroups);
}

/* PR_SET_KEEPCAPS and PR_CAPBSET_DROP are noted; the kernel runs every prctl. */
struct answer sys_prctl(struct call *c)
{
	const uint64_t *a = c->args;

	if (a[0] == PR_SET_KEEPCAPS && a[1] <= 1 && c->cred.keepcaps != (a[1] == 1)) {
		c->cred.keepcaps = a[1] == 1;
		if (ident_commit(c) < 0)
			return answer_error(ENOMEM);
	}
	if (a[0] == PR_CAPBSET_DROP && a[1] < 64 && vn_capable(&c->cred, CAP_SETPCAP) &&
	    (c->cred.cap_bounding >> a[1]) & 1) {
		c->cred.cap_bounding &= ~(1ull << a[1]);
		if (ident_commit(c) < 0)
			return answer_error(ENOMEM);
	}
	return answer_continue();
}

/* capset and PR_CAPBSET_DROP: the sets are noted (the kernel's own are
 * the policy's whole set, so it accepts what we note); the kernel runs
 * the call. */
struct answer sys_capset(struct call *c)
{
	const uint64_t *a = c->args;
	struct __user_cap_header_struct head;
	struct __user_cap_data_struct data[2];
	uint64_t effective, permitted;

	/* head.pid is in the target's pid namespace: any but its own is
	 * refused by the kernel, so it is taken as the caller's */
	if (target_read(c, a[0], &head, sizeof(head)) < 0 || !a[1] ||
	    head.version != _LINUX_CAPABILITY_VERSION_3 ||
	    target_read(c, a[1], data, sizeof(data)) < 0)
		return answer_continue(); /* the kernel says what is wrong */
	effective = data[0].effective | (uint64_t)data[1].effective << 32;
	permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
	permitted &= c->cred.cap_permitted;
	effective &= permitted;
	if (effective != c->cred.cap_effective || permitted != c->cred.cap_permitted) {
		c->cred.cap_effective = effective;
		c->cred.cap_permitted = permitted;
		if (ident_commit(c) < 0)
			return answer_error(ENOMEM);
	}
	return answer_continue();
}
