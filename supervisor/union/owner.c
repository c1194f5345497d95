/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Presented ownership.  The sandbox's user namespace maps one id (the
 * caller, as 0), so the kernel shows every other owner as the overflow id
 * and refuses to give any other.  When ownership is presented the union
 * answers for it instead:
 *
 *  - a lower object shows its real (host) owner, except that the caller
 *    is 0 inside as with the kernel's ids; an id the namespace does not
 *    map is asked of the host once (a helper in the host's user namespace
 *    stats the object) and cached -- lowers do not change under us;
 *  - an upper object shows the owner recorded for its inode in the owner
 *    store, a file of records in the state directory (works on any file
 *    system and for every file type: user xattrs exist on neither tmpfs
 *    before 6.6 nor symlinks); unrecorded, its real owner;
 *  - a lower that has a store of its own (made by `veneer import`, or an
 *    earlier sandbox's upper used as a lower) shows its records the same
 *    way, read once, never written;
 *  - an object shown as the caller's may keep the owner an image gave it
 *    in user.rootlesscontainers (umoci's rootless unpack: rootless.c),
 *    read once per inode.
 *
 * Every object the union creates in the upper gets a record before it can
 * be seen, so a record left by a removed inode is overwritten before its
 * number can show again.
 *
 * A character device the sandbox's root makes (union_device_may_make: the
 * numbers a container may make) is an empty regular file of the upper
 * whose record says so: a device record, two slots of a plain record's
 * size, each with a magic of its own, so that a veneer that knows only
 * plain records skips both (the node shows there as the empty file it
 * is).  The record holds the number and the file's birth time: it
 * presents a device only for that very inode -- an empty regular file of
 * that number and birth time -- so a stale record (a forget lost, an
 * unlink by a run without presented ownership) never turns a later file
 * into a device.  The permission bits stay the file's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "veneer/grow.h"

#define STORE_NAME VN_OWNER_STORE
#define STORE_TMP  "owners.new"
#define RECORD_MAGIC 0x6e776f76u /* "vown" */
#define DEVICE_MAGIC 0x76656476u /* "vdev": a device record's head */
#define DEVICE_TAIL_MAGIC 0x32766476u /* "vdv2": and its tail */
#define RECORD_FORGET 1u

/* A plain record, or (DEVICE_MAGIC) the head of a device record. */
struct owner_record {
	uint32_t magic;
	uint32_t flags;
	uint64_t ino;
	uint32_t uid;
	uint32_t gid;
};

/* The second slot of a device record: a character device's number and
 * the birth time of the inode it was made as. */
struct device_tail {
	uint32_t magic;
	uint32_t major;
	int64_t btime_sec;
	uint32_t btime_nsec;
	uint32_t minor;
};

union store_slot {
	struct owner_record rec;
	struct device_tail tail;
};

_Static_assert(sizeof(struct owner_record) == 24 && sizeof(struct device_tail) == 24,
	       "a device record is two slots of a plain record's size");

/* A presented device: its number and the birth time of its inode. */
struct device_mark {
	dev_t rdev;
	int64_t btime_sec;
	uint32_t btime_nsec;
};

struct id_slot {
	uint64_t dev, ino;
	uint32_t uid, gid;
	bool used, present;
	bool device; /* the store's: its mark is in the store's marks */
};

/* Open addressing, keyed by (dev, ino); never shrinks. */
struct id_table {
	struct id_slot *slots;
	size_t cap, used, present;
};

/* The mark of a device inode of the store; apart from the table, whose
 * slots (the lowers' owners use them too) stay small: devices are few. */
struct device_entry {
	uint64_t ino;
	struct device_mark mark;
};

struct vn_owner_store {
	struct id_table table;
	struct device_entry *marks;   /* one per inode that was a device */
	size_t nmarks, marks_cap;
	size_t records; /* in the file, for compaction */
};

/* A lower's own store, found by the device of the objects it records. */
struct lower_store {
	int layer;
	dev_t dev;
	struct vn_owner_store *store;
};

struct vn_owners {
	struct vn_owner_config cfg;
	uid_t overflow_uid;
	gid_t overflow_gid;
	uid_t shown_caller;           /* the caller's uid as stat shows it here */
	struct lower_store lower_stores[VN_MAX_LAYERS];
	size_t nlower_stores;
	pthread_mutex_t lock;
	struct vn_owner_store *store; /* the upper's inodes */
	struct id_table lower;        /* lower objects' host owners */
	struct id_table listed;       /* lower directories whose entries are in `lower` */
	struct id_table kept;         /* objects shown as the caller's: their owners
				       * (kept_rootless_owner) */
	int store_fd;                 /* for appending; opened on first record */
};

/* ------------------------------------------------------------ id table */

static uint64_t id_hash(uint64_t dev, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ull ^ dev * 0xc2b2ae3d27d4eb4full;

	return h ^ (h >> 29);
}

static struct id_slot *table_find(const struct id_table *t, uint64_t dev, uint64_t ino)
{
	if (!t->cap)
		return NULL;
	for (size_t i = id_hash(dev, ino) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct id_slot *s = &t->slots[i];

		if (!s->used)
			return NULL;
		if (s->dev == dev && s->ino == ino)
			return s;
	}
}

static int table_grow(struct id_table *t)
{
	struct id_table bigger = { .cap = t->cap ? t->cap * 2 : 1024 };

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		struct id_slot *old = &t->slots[i];
		size_t j;

		if (!old->used)
			continue;
		for (j = id_hash(old->dev, old->ino) & (bigger.cap - 1); bigger.slots[j].used;
		     j = (j + 1) & (bigger.cap - 1))
			;
		bigger.slots[j] = *old;
		bigger.used++;
	}
	bigger.present = t->present;
	free(t->slots);
	*t = bigger;
	return 0;
}

/* Set (present) or clear (!present) the entry of (dev, ino); NULL when
 * out of memory.  It is no device until the caller says so. */
static struct id_slot *table_set(struct id_table *t, uint64_t dev, uint64_t ino, uid_t uid,
				 gid_t gid, bool present)
{
	struct id_slot *s = table_find(t, dev, ino);

	if (!s) {
		size_t i;

		if ((t->used + 1) * 4 > t->cap * 3 && table_grow(t) < 0)
			return NULL;
		for (i = id_hash(dev, ino) & (t->cap - 1); t->slots[i].used; i = (i + 1) & (t->cap - 1))
			;
		s = &t->slots[i];
		*s = (struct id_slot){ .dev = dev, .ino = ino, .used = true };
		t->used++;
	}
	t->present += (size_t)present - (size_t)s->present;
	s->uid = uid;
	s->gid = gid;
	s->present = present;
	s->device = false;
	return s;
}

static int table_put(struct id_table *t, uint64_t dev, uint64_t ino, uid_t uid, gid_t gid,
		     bool present)
{
	return table_set(t, dev, ino, uid, gid, present) ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------ devices */

/* The character devices the sandbox's root may make: those a container
 * may (systemd's device policy); null..tty open as the host's node of
 * their number, console and ptmx do not open at all (render.c). */
static const struct {
	unsigned major, minor;
} makeable_devices[] = {
	{ 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, /* null zero full random urandom */
	{ 5, 0 }, { 5, 1 }, { 5, 2 },                     /* tty console ptmx */
};

bool union_device_may_make(dev_t rdev)
{
	for (size_t i = 0; i < sizeof(makeable_devices) / sizeof(makeable_devices[0]); i++)
		if (major(rdev) == makeable_devices[i].major && minor(rdev) == makeable_devices[i].minor)
			return true;
	return false;
}

/* The birth time of dirfd/name, which must be the inode ino when given:
 * 0, -ESTALE (another inode), or -EOPNOTSUPP (its file system keeps no
 * birth time: no device can be made there). */
static int birth_of(int dirfd, const char *name, ino_t ino, struct statx *stx)
{
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH),
		  STATX_TYPE | STATX_INO | STATX_SIZE | STATX_BTIME, stx) < 0)
		return -errno;
	if (ino && stx->stx_ino != ino)
		return -ESTALE;
	return stx->stx_mask & STATX_BTIME ? 0 : -EOPNOTSUPP;
}

/* ---------------------------------------------------------- the store */

static struct device_mark *store_mark(const struct vn_owner_store *s, uint64_t ino)
{
	for (size_t i = 0; i < s->nmarks; i++)
		if (s->marks[i].ino == ino)
			return &s->marks[i].mark;
	return NULL;
}

static int store_set_mark(struct vn_owner_store *s, uint64_t ino, const struct device_mark *mark)
{
	struct device_mark *have = store_mark(s, ino);

	if (!have) {
		struct device_entry *grown = vn_grow(s->marks, &s->marks_cap, s->nmarks,
						     sizeof(*grown), 16);

		if (!grown)
			return -ENOMEM;
		s->marks = grown;
		s->marks[s->nmarks].ino = ino;
		have = &s->marks[s->nmarks++].mark;
	}
	*have = *mark;
	return 0;
}

/* The mark of ino when the store says it is a device (its last record). */
static const struct device_mark *store_device(const struct vn_owner_store *s, uint64_t ino)
{
	const struct id_slot *slot = table_find(&s->table, 0, ino);

	return slot && slot->present && slot->device ? store_mark(s, ino) : NULL;
}

/* Whether the store presents dirfd/name (inode ino) as a device: its
 * record is a device's, of a number one may make, and the object is the
 * inode it was made as, still the empty regular file it was made. */
static const struct device_mark *store_presents_device(const struct vn_owner_store *s, int dirfd,
						       const char *name, ino_t ino)
{
	const struct device_mark *mark = store_device(s, ino);
	struct statx stx;

	if (!mark || !union_device_may_make(mark->rdev) || birth_of(dirfd, name, ino, &stx) < 0)
		return NULL;
	if (!S_ISREG(stx.stx_mode) || stx.stx_size != 0 || stx.stx_btime.tv_sec != mark->btime_sec ||
	    stx.stx_btime.tv_nsec != mark->btime_nsec)
		return NULL;
	return mark;
}

/* One record (tail: a device record's second slot, else NULL): each
 * record is the whole state of its inode, the last one wins. */
static void store_apply(struct vn_owner_store *s, const struct owner_record *rec,
			const struct device_tail *tail)
{
	struct id_slot *slot = table_set(&s->table, 0, rec->ino, rec->uid, rec->gid,
					 !(rec->flags & RECORD_FORGET));
	struct device_mark mark;

	if (slot && tail) {
		mark = (struct device_mark){ makedev(tail->major, tail->minor), tail->btime_sec,
					     tail->btime_nsec };
		/* out of memory: the inode shows as the file it is */
		slot->device = store_set_mark(s, rec->ino, &mark) == 0;
	}
	s->records++;
}

/* Apply the records in v[0..n): how many slots were used.  A device
 * head that is the last slot read waits for its tail (more: the file
 * goes on); a head without its tail, or a slot of no known kind, is
 * skipped (a torn append, or a record kind of a later veneer). */
static size_t store_apply_slots(struct vn_owner_store *s, const union store_slot *v, size_t n,
				bool more)
{
	size_t i = 0;

	while (i < n) {
		if (v[i].rec.magic == RECORD_MAGIC) {
			store_apply(s, &v[i].rec, NULL);
			i++;
		} else if (v[i].rec.magic == DEVICE_MAGIC && i + 1 == n && more) {
			break;
		} else if (v[i].rec.magic == DEVICE_MAGIC && i + 1 < n &&
			   v[i + 1].tail.magic == DEVICE_TAIL_MAGIC) {
			store_apply(s, &v[i].rec, &v[i + 1].tail);
			i += 2;
		} else {
			i++;
		}
	}
	return i;
}

static int store_read(int fd, struct vn_owner_store *s)
{
	union store_slot buf[512];
	size_t have = 0; /* bytes in buf */

	for (;;) {
		ssize_t n = read(fd, (char *)buf + have, sizeof(buf) - have);
		size_t used;

		if (n < 0)
			return -errno;
		have += (size_t)n;
		/* a torn last slot (a crash mid-append) is dropped */
		used = store_apply_slots(s, buf, have / sizeof(buf[0]), n > 0);
		if (n == 0)
			return 0;
		have -= used * sizeof(buf[0]);
		memmove(buf, buf + used, have);
	}
}

/* The slots of a record (one, or two for a device: with mark). */
static size_t record_slots(uint64_t ino, uid_t uid, gid_t gid, uint32_t flags,
			   const struct device_mark *mark, union store_slot out[2])
{
	out[0].rec = (struct owner_record){ mark ? DEVICE_MAGIC : RECORD_MAGIC, flags, ino, uid, gid };
	if (!mark)
		return 1;
	out[1].tail = (struct device_tail){ DEVICE_TAIL_MAGIC, major(mark->rdev), mark->btime_sec,
					    mark->btime_nsec, minor(mark->rdev) };
	return 2;
}

/* Rewrite the store with its live records only, when most are dead. */
static int store_compact(int state_fd, struct vn_owner_store *s)
{
	/* a name of its own, never a link planted there */
	int fd = (unlinkat(state_fd, STORE_TMP, 0), openat(state_fd, STORE_TMP, O_WRONLY | O_CREAT |
							  O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
	int r = fd < 0 ? -errno : 0;

	for (size_t i = 0; r == 0 && i < s->table.cap; i++) {
		const struct id_slot *slot = &s->table.slots[i];
		union store_slot rec[2];
		size_t size;

		if (!slot->used || !slot->present)
			continue;
		size = record_slots(slot->ino, slot->uid, slot->gid, 0,
				    slot->device ? store_mark(s, slot->ino) : NULL, rec) *
		       sizeof(rec[0]);
		if (write(fd, rec, size) != (ssize_t)size)
			r = -EIO;
	}
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(state_fd, STORE_TMP, state_fd, STORE_NAME) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(state_fd, STORE_TMP, 0);
	else
		s->records = s->table.present;
	return r;
}

int vn_owner_store_load(int upper_root, struct vn_owner_store **out)
{
	struct vn_owner_store *s = calloc(1, sizeof(*s));
	int state_fd, fd, r;

	if (!s)
		return -ENOMEM;
	*out = s;
	state_fd = union_openat_beneath(upper_root, VN_STATE_DIR, O_PATH | O_DIRECTORY);
	if (state_fd < 0)
		return state_fd == -ENOENT ? 0 : state_fd;
	fd = union_openat_beneath(state_fd, STORE_NAME, O_RDONLY);
	r = fd < 0 ? (fd == -ENOENT ? 0 : fd) : store_read(fd, s);
	if (fd >= 0)
		close(fd);
	close(state_fd);
	return r;
}

/* The sandbox's store, compacted when most of its records are dead (the
 * tools only read it: vn_owner_store_load never writes). */
static int store_load_compacted(int upper_root, struct vn_owner_store **out)
{
	int state_fd, r = vn_owner_store_load(upper_root, out);

	if (r < 0 || (*out)->records <= 2 * (*out)->table.present + 4096)
		return r;
	state_fd = union_openat_beneath(upper_root, VN_STATE_DIR, O_PATH | O_DIRECTORY);
	if (state_fd < 0)
		return state_fd;
	r = store_compact(state_fd, *out);
	close(state_fd);
	return r;
}

bool vn_owner_store_get(const struct vn_owner_store *s, ino_t ino, uid_t *uid, gid_t *gid)
{
	const struct id_slot *slot = table_find(&s->table, 0, ino);

	if (!slot || !slot->present)
		return false;
	*uid = slot->uid;
	*gid = slot->gid;
	return true;
}

bool vn_owner_store_device(const struct vn_owner_store *s, int dirfd, const char *name, ino_t ino,
			   dev_t *rdev)
{
	const struct device_mark *mark = store_presents_device(s, dirfd, name, ino);

	if (!mark)
		return false;
	*rdev = mark->rdev;
	return true;
}

struct vn_owner_store *vn_owner_store_new(void)
{
	return calloc(1, sizeof(struct vn_owner_store));
}

int vn_owner_store_set(struct vn_owner_store *s, ino_t ino, uid_t uid, gid_t gid)
{
	if (!table_set(&s->table, 0, ino, uid, gid, true))
		return -ENOMEM;
	s->records++;
	return 0;
}

void vn_owner_store_forget(struct vn_owner_store *s, ino_t ino)
{
	struct id_slot *slot = table_find(&s->table, 0, ino);

	if (slot && slot->present) {
		slot->present = false;
		s->table.present--;
	}
}

/* As union_owner_set_new_device records a mknod inside: the same checks
 * (a number one may make, an empty regular file, a birth time kept),
 * so what a tool records is what a sandbox would have. */
int vn_owner_store_set_device(struct vn_owner_store *s, int dirfd, const char *name, uid_t uid,
			      gid_t gid, dev_t rdev)
{
	struct device_mark mark = { .rdev = rdev };
	struct id_slot *slot;
	struct statx stx;
	int r;

	if (!union_device_may_make(rdev))
		return -EPERM;
	r = birth_of(dirfd, name, 0, &stx);
	if (r < 0)
		return r;
	if (!S_ISREG(stx.stx_mode) || stx.stx_size != 0)
		return -EINVAL;
	mark.btime_sec = stx.stx_btime.tv_sec;
	mark.btime_nsec = stx.stx_btime.tv_nsec;
	slot = table_set(&s->table, 0, stx.stx_ino, uid, gid, true);
	if (!slot || store_set_mark(s, stx.stx_ino, &mark) < 0)
		return -ENOMEM;
	slot->device = true;
	s->records++;
	return 0;
}

size_t vn_owner_store_count(const struct vn_owner_store *s)
{
	return s->table.present;
}

size_t vn_owner_store_stale(struct vn_owner_store *s, bool (*alive)(void *arg, ino_t ino),
			    void *arg, ino_t *first, bool forget)
{
	size_t n = 0;

	for (size_t i = 0; i < s->table.cap; i++) {
		struct id_slot *slot = &s->table.slots[i];

		if (!slot->used || !slot->present || alive(arg, (ino_t)slot->ino))
			continue;
		if (n++ == 0 && first)
			*first = (ino_t)slot->ino;
		if (forget) {
			slot->present = false;
			s->table.present--;
		}
	}
	return n;
}

int vn_owner_store_rewrite(int upper_root, struct vn_owner_store *s)
{
	int state_fd = union_openat_beneath(upper_root, VN_STATE_DIR, O_PATH | O_DIRECTORY), r;

	if (state_fd < 0)
		return state_fd;
	r = store_compact(state_fd, s);
	close(state_fd);
	return r;
}

void vn_owner_store_free(struct vn_owner_store *s)
{
	if (!s)
		return;
	free(s->table.slots);
	free(s->marks);
	free(s);
}

/* ------------------------------------------------------- set-up */

static unsigned read_overflow(const char *path)
{
	unsigned v = 65534;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 65534;
		fclose(f);
	}
	return v;
}

static int owners_adopt_upper_root(struct vn_union *u);

/* The lowers' stores: those that have records. */
static int load_lower_stores(struct vn_owners *o, const struct vn_union *u)
{
	for (size_t i = 0; i < u->nlayers; i++) {
		struct vn_owner_store *s = NULL;
		int r;

		if (u->layers[i].writable)
			continue;
		r = vn_owner_store_load(u->layers[i].root_fd, &s);
		if (r < 0 || vn_owner_store_count(s) == 0) {
			vn_owner_store_free(s);
			if (r < 0)
				return r;
			continue;
		}
		o->lower_stores[o->nlower_stores++] = (struct lower_store){ (int)i, u->layers[i].dev, s };
	}
	return 0;
}

int vn_owners_enable(struct vn_union *u, const struct vn_owner_config *cfg)
{
	struct vn_owners *o = calloc(1, sizeof(*o));
	int r;

	if (!o)
		return -ENOMEM;
	o->cfg = *cfg;
	o->store_fd = -1;
	o->overflow_uid = read_overflow("/proc/sys/kernel/overflowuid");
	o->overflow_gid = read_overflow("/proc/sys/kernel/overflowgid");
	/* in the user namespace the caller shows as 0; without one, as itself */
	o->shown_caller = geteuid();
	pthread_mutex_init(&o->lock, NULL);
	r = u->nlayers && u->layers[0].writable
		    ? store_load_compacted(u->layers[0].root_fd, &o->store)
		    : (o->store = calloc(1, sizeof(*o->store))) ? 0 : -ENOMEM;
	if (r == 0)
		r = load_lower_stores(o, u);
	if (r < 0) {
		for (size_t i = 0; i < o->nlower_stores; i++)
			vn_owner_store_free(o->lower_stores[i].store);
		vn_owner_store_free(o->store);
		pthread_mutex_destroy(&o->lock);
		free(o);
		return r;
	}
	u->owners = o;
	return owners_adopt_upper_root(u);
}

void vn_owners_release(struct vn_union *u)
{
	struct vn_owners *o = u->owners;

	if (!o)
		return;
	if (o->store_fd >= 0)
		close(o->store_fd);
	vn_owner_store_free(o->store);
	for (size_t i = 0; i < o->nlower_stores; i++)
		vn_owner_store_free(o->lower_stores[i].store);
	free(o->lower.slots);
	free(o->listed.slots);
	free(o->kept.slots);
	pthread_mutex_destroy(&o->lock);
	free(o);
	u->owners = NULL;
}

/* -------------------------------------------------- the current identity */

static __thread const struct vn_cred *current_cred;

void vn_set_cred(const struct vn_cred *cred)
{
	current_cred = cred;
}

const struct vn_cred *vn_current_cred(void)
{
	return current_cred;
}

void vn_cred_root(struct vn_cred *cred, uint64_t caps)
{
	memset(cred, 0, sizeof(*cred));
	cred->cap_effective = cred->cap_permitted = cred->cap_bounding = caps;
	cred->ngroups = 1;
}

bool vn_capable(const struct vn_cred *cred, int cap)
{
	return !cred || (cred->cap_effective >> cap) & 1;
}

bool vn_cred_in_group(const struct vn_cred *cred, gid_t gid)
{
	if (cred->fsgid == gid)
		return true;
	for (int i = 0; i < cred->ngroups; i++)
		if (cred->groups[i] == gid)
			return true;
	return false;
}

/* As the kernel's generic_permission (ACLs are not consulted). */
int vn_permission(const struct stat *st, int mask)
{
	const struct vn_cred *c = current_cred;
	bool dir = S_ISDIR(st->st_mode);
	mode_t granted;

	if (!c)
		return 0;
	if (st->st_uid == c->fsuid)
		granted = (st->st_mode >> 6) & 7;
	else if (vn_cred_in_group(c, st->st_gid))
		granted = (st->st_mode >> 3) & 7;
	else
		granted = st->st_mode & 7;
	mask &= 7;
	if (!(mask & ~granted))
		return 0;
	/* CAP_DAC_OVERRIDE: anything but executing what nobody may execute */
	if (vn_capable(c, CAP_DAC_OVERRIDE) &&
	    (dir || !(mask & VN_MAY_EXEC) || (st->st_mode & 0111)))
		return 0;
	/* CAP_DAC_READ_SEARCH: reading, and searching directories */
	if (vn_capable(c, CAP_DAC_READ_SEARCH) &&
	    !(mask & ~(dir ? VN_MAY_READ | VN_MAY_EXEC : VN_MAY_READ)))
		return 0;
	return -EACCES;
}

int vn_may_own(const struct stat *st)
{
	const struct vn_cred *c = current_cred;

	return !c || c->fsuid == st->st_uid || vn_capable(c, CAP_FOWNER) ? 0 : -EPERM;
}

/* ------------------------------------------------------ presenting */

/* st's owner in the table t (of o, under its lock): whether it has one. */
static bool cached_in(struct vn_owners *o, const struct id_table *t, const struct stat *st,
		      uid_t *uid, gid_t *gid)
{
	struct id_slot *slot;

	pthread_mutex_lock(&o->lock);
	slot = table_find(t, st->st_dev, st->st_ino);
	if (slot) {
		*uid = slot->uid;
		*gid = slot->gid;
	}
	pthread_mutex_unlock(&o->lock);
	return slot != NULL;
}

/* Entries of one directory asked of the host one by one before it is
 * asked for all of them at once (a tree walk asks for every entry; a few
 * lookups in /usr/bin should not pay for its thousand). */
#define DIR_MISSES_BEFORE_LISTING 4
#define DIR_LISTED UINT32_MAX

/* A miss for an entry of the directory dirfd (or, with `now`, a listing
 * of it: stats of its entries follow): past a few misses, every entry's
 * owner is asked at once; each directory is listed once. */
static void host_owners_of_dir(struct vn_owners *o, int dirfd, bool now)
{
	struct vn_host_owner *batch;
	struct id_slot *slot;
	struct stat dir;
	bool list;
	int n;

	if (!o->cfg.host_dir_owners || fstat(dirfd, &dir) < 0)
		return;
	pthread_mutex_lock(&o->lock);
	slot = table_find(&o->listed, dir.st_dev, dir.st_ino);
	if (!slot) {
		list = now;
		table_put(&o->listed, dir.st_dev, dir.st_ino, now ? DIR_LISTED : 1, 0, true);
	} else {
		list = slot->uid != DIR_LISTED && (now || slot->uid + 1 == DIR_MISSES_BEFORE_LISTING);
		if (slot->uid != DIR_LISTED)
			slot->uid = list ? DIR_LISTED : slot->uid + 1;
	}
	pthread_mutex_unlock(&o->lock);
	if (!list)
		return;
	n = o->cfg.host_dir_owners(o->cfg.host_arg, dirfd, &batch);
	pthread_mutex_lock(&o->lock);
	for (int i = 0; i < n; i++)
		table_put(&o->lower, batch[i].dev, batch[i].ino, batch[i].uid, batch[i].gid, true);
	pthread_mutex_unlock(&o->lock);
	free(batch);
}

void union_owners_listing(struct vn_union *u, int dirfd)
{
	if (u->owners)
		host_owners_of_dir(u->owners, dirfd, true);
}

static int host_owner_cached(struct vn_union *u, const struct stat *st, int dirfd,
			     const char *name, uid_t *uid, gid_t *gid)
{
	struct vn_owners *o = u->owners;
	int r;

	if (cached_in(o, &o->lower, st, uid, gid))
		return 0;
	if (dirfd < 0)
		return -EAGAIN; /* the caller has no fd at hand yet */
	if (name[0]) {
		host_owners_of_dir(o, dirfd, false);
		if (cached_in(o, &o->lower, st, uid, gid))
			return 0;
	}
	r = o->cfg.host_owner(o->cfg.host_arg, dirfd, name, uid, gid);
	if (r < 0)
		return r;
	pthread_mutex_lock(&o->lock);
	r = table_put(&o->lower, st->st_dev, st->st_ino, *uid, *gid, true);
	pthread_mutex_unlock(&o->lock);
	return r;
}

/* An object shown as the caller's: the owner an image gave it when it
 * keeps one in user.rootlesscontainers, else its own (*uid, *gid as
 * they are).  Read once per inode (dirfd/name: the object; with no fd
 * at hand, -EAGAIN asks for one). */
static int kept_rootless_owner(struct vn_owners *o, const struct stat *st, int dirfd,
			       const char *name, uid_t *uid, gid_t *gid)
{
	int r;

	if (cached_in(o, &o->kept, st, uid, gid))
		return 0;
	if (dirfd < 0)
		return -EAGAIN;
	r = vn_rootless_owner_at(dirfd, name, st, uid, gid);
	if (r < 0 && r != -ENOENT && r != -ENOTDIR)
		return r;
	pthread_mutex_lock(&o->lock);
	r = table_put(&o->kept, st->st_dev, st->st_ino, *uid, *gid, true);
	pthread_mutex_unlock(&o->lock);
	return r;
}

/* The owner of an object whose stat (seen through the namespace) is st.
 * The caller is 0 inside, as the kernel shows it (its own files are the
 * root's inside, as in any rootless container); ids the namespace does
 * not map are the host's to tell, and are shown as they are. */
static int real_owner(struct vn_union *u, const struct stat *st, int dirfd, const char *name,
		      uid_t *uid, gid_t *gid)
{
	struct vn_owners *o = u->owners;
	int r;

	*uid = st->st_uid;
	*gid = st->st_gid;
	if (st->st_uid == o->shown_caller)
		return kept_rootless_owner(o, st, dirfd, name, uid, gid);
	if (st->st_uid != o->overflow_uid && st->st_gid != o->overflow_gid)
		return 0;
	r = host_owner_cached(u, st, dirfd, name, uid, gid);
	if (r < 0)
		return r;
	if (*uid == o->cfg.caller_uid)
		*uid = 0;
	if (*gid == o->cfg.caller_gid)
		*gid = 0;
	return 0;
}

static bool upper_recorded(struct vn_owners *o, ino_t ino, uid_t *uid, gid_t *gid)
{
	bool found;

	pthread_mutex_lock(&o->lock);
	found = vn_owner_store_get(o->store, ino, uid, gid);
	pthread_mutex_unlock(&o->lock);
	return found;
}

/* Whether the upper's dirfd/name, of inode ino, is a device the union
 * made: its number to rdev.  Only a recorded device costs a statx. */
static bool upper_device(struct vn_owners *o, int dirfd, const char *name, ino_t ino, dev_t *rdev)
{
	bool found;

	pthread_mutex_lock(&o->lock);
	found = vn_owner_store_device(o->store, dirfd, name, ino, rdev);
	pthread_mutex_unlock(&o->lock);
	return found;
}

bool union_owner_is_device(struct vn_union *u, int dirfd, const char *name, ino_t ino)
{
	dev_t rdev;

	return u->owners && upper_device(u->owners, dirfd, name, ino, &rdev);
}

static bool recorded_device(struct vn_owners *o, ino_t ino)
{
	bool device;

	pthread_mutex_lock(&o->lock);
	device = store_device(o->store, ino) != NULL;
	pthread_mutex_unlock(&o->lock);
	return device;
}

/* The empty file shows as the device, of its own permission bits. */
static void show_as_device(struct stat *st, dev_t rdev)
{
	st->st_mode = S_IFCHR | (st->st_mode & 07777);
	st->st_rdev = rdev;
	st->st_size = 0;
	st->st_blocks = 0;
}

/* An upper object the union made a device shows as one, of its own
 * permission bits (its file's), empty.  Telling needs the object: with
 * no dirfd, -EAGAIN asks for one (as for a host's owner). */
static int present_device(struct vn_owners *o, int dirfd, const char *name, struct stat *st)
{
	dev_t rdev;

	if (!S_ISREG(st->st_mode))
		return 0;
	if (dirfd < 0)
		return recorded_device(o, st->st_ino) ? -EAGAIN : 0;
	if (upper_device(o, dirfd, name, st->st_ino, &rdev))
		show_as_device(st, rdev);
	return 0;
}

/* The lower store that records st's inode, or NULL: the store of the
 * object's own layer, or when that is not known (an fd's object) of its
 * device.  Not any store of the device: a record a store keeps of an
 * inode its layer no longer has (a file removed from an import by hand)
 * would give its owner to whatever file of another layer on that file
 * system got the inode number since. */
static const struct vn_owner_store *lower_recorded(const struct vn_owners *o, int layer,
						   const struct stat *st, uid_t *uid, gid_t *gid)
{
	for (size_t i = 0; i < o->nlower_stores; i++) {
		const struct lower_store *l = &o->lower_stores[i];

		if ((layer == UNION_SOME_LOWER || l->layer == layer) && l->dev == st->st_dev &&
		    vn_owner_store_get(l->store, st->st_ino, uid, gid))
			return l->store;
	}
	return NULL;
}

/* A lower's recorded device: as present_device, from a store no one
 * writes (no lock). */
static int present_lower_device(const struct vn_owner_store *s, int dirfd, const char *name,
				struct stat *st)
{
	dev_t rdev;

	if (!S_ISREG(st->st_mode))
		return 0;
	if (dirfd < 0)
		return store_device(s, st->st_ino) ? -EAGAIN : 0;
	if (vn_owner_store_device(s, dirfd, name, st->st_ino, &rdev))
		show_as_device(st, rdev);
	return 0;
}

int union_owner_present(struct vn_union *u, int layer, int dirfd, const char *name,
			struct stat *st)
{
	const struct vn_owner_store *lower_store;
	uid_t uid;
	gid_t gid;
	int r;

	if (!u->owners)
		return 0;
	if (layer == 0 && upper_recorded(u->owners, st->st_ino, &uid, &gid)) {
		st->st_uid = uid;
		st->st_gid = gid;
		return present_device(u->owners, dirfd, name, st);
	}
	if (layer != 0 && (lower_store = lower_recorded(u->owners, layer, st, &uid, &gid))) {
		st->st_uid = uid;
		st->st_gid = gid;
		return present_lower_device(lower_store, dirfd, name, st);
	}
	r = real_owner(u, st, dirfd, name, &uid, &gid);
	if (r < 0)
		return r;
	st->st_uid = uid;
	st->st_gid = gid;
	return 0;
}

int vn_present_fd(struct vn_union *u, int fd, struct stat *st)
{
	struct vn_owners *o = u->owners;
	bool on_layer = false;
	int r;

	if (!o)
		return 0;
	for (size_t i = 0; i < u->nlayers; i++)
		on_layer |= st->st_dev == u->layers[i].dev;
	/* not a layer's, nor owned by an id we cannot show: the kernel's */
	if (!on_layer && st->st_uid != o->overflow_uid && st->st_gid != o->overflow_gid)
		return 0;
	/* the upper's file system may hold a lower too: its inode numbers
	 * are its own, so a record found is the upper object's */
	r = union_owner_present(u, st->st_dev == u->layers[0].dev ? 0 : UNION_SOME_LOWER, fd, "", st);
	return r < 0 ? r : 1;
}

/* ------------------------------------------------------ recording */

static int store_append(struct vn_union *u, const union store_slot *rec, size_t n)
{
	struct vn_owners *o = u->owners;

	if (o->store_fd < 0) {
		int r = union_state_ready(u);

		if (r < 0)
			return r;
		o->store_fd = openat(u->state_fd, STORE_NAME,
				     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (o->store_fd < 0)
			return -errno;
	}
	/* one write: O_APPEND keeps a device record's two slots together */
	if (write(o->store_fd, rec, n * sizeof(*rec)) != (ssize_t)(n * sizeof(*rec)))
		return -EIO;
	store_apply(o->store, &rec[0].rec, n == 2 ? &rec[1].tail : NULL);
	return 0;
}

/* Record ino's owner and, with mark, that it is that device. */
static int record(struct vn_union *u, ino_t ino, uid_t uid, gid_t gid, uint32_t flags,
		  const struct device_mark *mark)
{
	union store_slot rec[2];
	int r;

	pthread_mutex_lock(&u->owners->lock);
	r = store_append(u, rec, record_slots(ino, uid, gid, flags, mark, rec));
	pthread_mutex_unlock(&u->owners->lock);
	return r;
}

/* Record dirfd/name (the inode of st) with this owner as the device rdev. */
static int record_device(struct vn_union *u, int dirfd, const char *name, const struct stat *st,
			 uid_t uid, gid_t gid, dev_t rdev)
{
	struct device_mark mark = { .rdev = rdev };
	struct statx stx;
	int r = birth_of(dirfd, name, st->st_ino, &stx);

	if (r < 0)
		return r;
	mark.btime_sec = stx.stx_btime.tv_sec;
	mark.btime_nsec = stx.stx_btime.tv_nsec;
	return record(u, st->st_ino, uid, gid, 0, &mark);
}

static int stat_at(int dirfd, const char *name, struct stat *st)
{
	return fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH)) < 0
		       ? -errno
		       : 0;
}

int union_owner_set(struct vn_union *u, int dirfd, const char *name, uid_t uid, gid_t gid)
{
	struct stat st;
	dev_t rdev;
	int r;

	if (!u->owners)
		return 0;
	r = stat_at(dirfd, name, &st);
	if (r < 0)
		return r;
	if (uid == (uid_t)-1 || gid == (gid_t)-1) {
		struct stat cur = st;

		r = union_owner_present(u, 0, dirfd, name, &cur);
		if (r < 0)
			return r;
		if (uid == (uid_t)-1)
			uid = cur.st_uid;
		if (gid == (gid_t)-1)
			gid = cur.st_gid;
	}
	/* a device the union made stays one (a chown); a new inode of a
	 * number a device had is not that device (its birth differs) */
	if (S_ISREG(st.st_mode) && upper_device(u->owners, dirfd, name, st.st_ino, &rdev))
		return record_device(u, dirfd, name, &st, uid, gid, rdev);
	return record(u, st.st_ino, uid, gid, 0, NULL);
}

/* The owner of a new object in the upper directory parent: the current
 * identity's, with the group of a setgid parent. */
static int new_owner(struct vn_union *u, int parent, uid_t *uid, gid_t *gid)
{
	const struct vn_cred *c = current_cred;
	struct stat dir;
	int r = stat_at(parent, "", &dir);

	if (r == 0)
		r = union_owner_present(u, 0, parent, "", &dir);
	if (r < 0)
		return r;
	*uid = c ? c->fsuid : 0;
	*gid = (dir.st_mode & S_ISGID) ? dir.st_gid : c ? c->fsgid : 0;
	return 0;
}

int union_owner_set_new(struct vn_union *u, int parent, int dirfd, const char *name)
{
	uid_t uid;
	gid_t gid;
	int r;

	if (!u->owners)
		return 0;
	r = new_owner(u, parent, &uid, &gid);
	return r < 0 ? r : union_owner_set(u, dirfd, name, uid, gid);
}

int union_owner_set_new_device(struct vn_union *u, int parent, int dirfd, const char *name,
			       dev_t rdev)
{
	struct stat st;
	uid_t uid;
	gid_t gid;
	int r;

	if (!u->owners || !union_device_may_make(rdev))
		return -EPERM;
	r = new_owner(u, parent, &uid, &gid);
	if (r == 0)
		r = stat_at(dirfd, name, &st);
	if (r == 0 && (!S_ISREG(st.st_mode) || st.st_size != 0))
		r = -EINVAL;
	if (r < 0)
		return r;
	r = record_device(u, dirfd, name, &st, uid, gid, rdev);
	/* no birth time kept there: the device could not be told from a
	 * later file of its inode number */
	return r == -EOPNOTSUPP ? -EPERM : r;
}

ino_t union_owner_doomed(struct vn_union *u, int dirfd, const char *name)
{
	struct stat st;
	uid_t uid;
	gid_t gid;

	if (!u->owners || stat_at(dirfd, name, &st) < 0)
		return 0;
	/* the last name of a file, or a directory: its inode goes */
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1)
		return 0;
	return upper_recorded(u->owners, st.st_ino, &uid, &gid) ? st.st_ino : 0;
}

void union_owner_forget(struct vn_union *u, ino_t ino)
{
	/* best effort: a record left behind is overwritten before its inode
	 * number can show again (every new object gets one) */
	if (u->owners && ino)
		(void)record(u, ino, 0, 0, RECORD_FORGET, NULL);
}

/* The upper's root was never copied up (it is there from the start): it
 * shows the owner of the root below it until something else is recorded. */
static int owners_adopt_upper_root(struct vn_union *u)
{
	struct stat upper, below;
	uid_t uid;
	gid_t gid;
	int r;

	if (u->nlayers < 2 || !u->layers[0].writable)
		return 0;
	if (fstat(u->layers[0].root_fd, &upper) < 0 || fstat(u->layers[1].root_fd, &below) < 0)
		return -errno;
	if (upper_recorded(u->owners, upper.st_ino, &uid, &gid))
		return 0;
	r = union_owner_present(u, 1, u->layers[1].root_fd, "", &below);
	if (r == 0)
		r = union_owner_set(u, u->layers[0].root_fd, "", below.st_uid, below.st_gid);
	return r;
}
