/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the union core: presented ownership: the owner store, creators, chown, permissions. */
#define _GNU_SOURCE
#include "fixture.h"

/* Release the union and build it again on the same directories: what a
 * restart of the sandbox sees. */
static void restart_union(int nlayers)
{
	vn_union_release(&g_u);
	memset(&g_u, 0, sizeof(g_u));
	for (int i = 0; i < nlayers; i++) {
		char p[PATH_MAX];
		int fd = open(lpath(p, i, ""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		cr_assert_geq(fd, 0);
		cr_assert_eq(vn_union_add_layer(&g_u, fd, p, i == 0), 0);
	}
	present_owners();
}

static void expect_owner(const char *path, uid_t uid, gid_t gid)
{
	struct vn_node n;

	cr_assert_eq(res(path, 0, &n), 0, "resolve %s", path);
	cr_assert_eq(n.st.st_uid, uid, "%s: uid %u, want %u", path, (unsigned)n.st.st_uid, (unsigned)uid);
	cr_assert_eq(n.st.st_gid, gid, "%s: gid %u, want %u", path, (unsigned)n.st.st_gid, (unsigned)gid);
}

static struct vn_cred cred_of(uid_t uid, gid_t gid)
{
	struct vn_cred c;

	vn_cred_root(&c, uid == 0 ? ~0ull : 0);
	c.ruid = c.euid = c.suid = c.fsuid = uid;
	c.rgid = c.egid = c.sgid = c.fsgid = gid;
	c.groups[0] = gid;
	return c;
}

UT(owners, chown_and_creations_persist_across_a_restart)
{
	struct vn_cred user = cred_of(1000, 1000);
	struct vn_node n;
	char p[PATH_MAX];
	int fd;

	layers(2);
	put(1, "etc/conf", "x");
	mkd(1, "pub");
	chmod(lpath(p, 1, "pub"), 0777);
	present_owners();
	expect_owner("/etc/conf", getuid(), getgid()); /* as this namespace shows it */
	cr_assert_eq(res("/etc/conf", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 42, 43), 0);
	expect_owner("/etc/conf", 42, 43);
	cr_assert_eq(res("/pub/made", 0, &n), -ENOENT);
	vn_set_cred(&user);
	fd = vn_create(&g_u, &n, O_WRONLY, 0644);
	vn_set_cred(NULL);
	cr_assert_geq(fd, 0, "create: %s", strerror(-fd));
	close(fd);
	expect_owner("/pub/made", 1000, 1000);
	cr_assert_eq(res("/sym", 0, &n), -ENOENT);
	cr_assert_eq(vn_symlink(&g_u, &n, "made"), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 7, 8), -ENOENT, "a stale node is refused");
	cr_assert_eq(res("/sym", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 7, 8), 0);

	restart_union(2);
	expect_owner("/etc/conf", 42, 43);
	expect_owner("/etc", getuid(), getgid());
	expect_owner("/pub/made", 1000, 1000);
	expect_owner("/sym", 7, 8);
}

UT(owners, a_removed_inode_leaves_no_record_and_a_reused_one_gets_its_own)
{
	struct vn_node n;
	struct vn_owner_store *store;
	char p[PATH_MAX];
	int fd, root;

	layers(2);
	present_owners();
	cr_assert_eq(res("/f", 0, &n), -ENOENT);
	fd = vn_create(&g_u, &n, O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(res("/f", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 5, 6), 0);
	cr_assert_eq(vn_unlink(&g_u, &n), 0);
	root = open(lpath(p, 0, ""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_eq(vn_owner_store_load(root, &store), 0);
	/* the upper's root is recorded (it shows the root below); f is gone */
	cr_assert_eq(vn_owner_store_count(store), 1);
	vn_owner_store_free(store);
	close(root);
	/* whatever inode the next file gets, it shows its creator */
	cr_assert_eq(res("/g", 0, &n), -ENOENT);
	fd = vn_create(&g_u, &n, O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	expect_owner("/g", 0, 0);
}

/* Presented devices (mknod inside, owner.c): the store's device record. */

static void expect_device(const char *path, unsigned maj, unsigned min, mode_t perm)
{
	struct vn_node n;

	cr_assert_eq(res(path, 0, &n), 0, "resolve %s", path);
	cr_assert(S_ISCHR(n.st.st_mode), "%s: mode %o, want a character device", path,
		  (unsigned)n.st.st_mode);
	cr_assert_eq(n.st.st_rdev, makedev(maj, min), "%s: %u:%u", path, major(n.st.st_rdev),
		     minor(n.st.st_rdev));
	cr_assert_eq(n.st.st_mode & 07777, perm, "%s: perm %o", path, (unsigned)n.st.st_mode & 07777);
	cr_assert_eq(n.st.st_size, 0);
}

static unsigned char listed_type(const char *dir, const char *name)
{
	struct vn_listing l;
	struct vn_node n;
	unsigned char type = DT_UNKNOWN;

	cr_assert_eq(res(dir, 0, &n), 0);
	cr_assert_eq(vn_readdir(&g_u, &n, &l), 0);
	for (size_t i = 0; i < l.count; i++)
		if (strcmp(l.entries[i].name, name) == 0)
			type = l.entries[i].type;
	vn_listing_free(&l);
	return type;
}

static int mknod_at(const char *path, mode_t mode, dev_t dev)
{
	struct vn_node n;

	cr_assert_eq(res(path, 0, &n), -ENOENT, "%s exists", path);
	return vn_mknod(&g_u, &n, mode, dev);
}

UT(owners, mknod_makes_a_presented_device_kept_by_chown_rename_link_and_restart)
{
	struct vn_node n, to;
	struct stat real;
	char p[PATH_MAX];

	layers(2);
	present_owners();
	cr_assert_eq(mknod_at("/null", S_IFCHR | 0666, makedev(1, 3)), 0);
	expect_device("/null", 1, 3, 0666);
	expect_owner("/null", 0, 0);
	cr_assert_eq(listed_type("/", "null"), DT_CHR);
	/* on disk: an empty regular file, nothing with a device number */
	cr_assert_eq(lstat(lpath(p, 0, "null"), &real), 0);
	cr_assert(S_ISREG(real.st_mode) && real.st_size == 0 && real.st_rdev == 0);

	cr_assert_eq(res("/null", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 5, 6), 0);
	cr_assert_eq(res("/null", 0, &n), 0);
	cr_assert_eq(vn_chmod(&g_u, &n, 0640), 0);
	expect_device("/null", 1, 3, 0640);
	expect_owner("/null", 5, 6);
	cr_assert_eq(res("/null", 0, &n), 0);
	cr_assert_eq(res("/moved", 0, &to), -ENOENT);
	cr_assert_eq(vn_rename(&g_u, &n, &to, 0), 0);
	cr_assert_eq(res("/moved", 0, &n), 0);
	cr_assert_eq(res("/linked", 0, &to), -ENOENT);
	cr_assert_eq(vn_link(&g_u, &n, &to), 0);
	expect_device("/moved", 1, 3, 0640);
	expect_device("/linked", 1, 3, 0640);
	cr_assert_eq(res("/moved", 0, &n), 0);
	cr_assert_eq(vn_truncate(&g_u, &n, 10), -EINVAL, "a device is not truncated");

	restart_union(2);
	expect_device("/moved", 1, 3, 0640);
	expect_device("/linked", 1, 3, 0640);
	expect_owner("/linked", 5, 6);
	cr_assert_eq(listed_type("/", "linked"), DT_CHR);

	/* unlinked, its record goes with its last name */
	cr_assert_eq(res("/moved", 0, &n), 0);
	cr_assert_eq(vn_unlink(&g_u, &n), 0);
	expect_device("/linked", 1, 3, 0640);
	cr_assert_eq(res("/linked", 0, &n), 0);
	cr_assert_eq(vn_unlink(&g_u, &n), 0);
	cr_assert_eq(res("/linked", 0, &n), -ENOENT);
}

UT(owners, mknod_refuses_other_devices_and_identities_without_cap_mknod)
{
	/* a user who owns nothing here: not the one running the test, who
	 * owns the layers (uid 1000 is a fresh machine's first user) */
	struct vn_cred user = cred_of(getuid() + 1, getgid() + 1);
	struct vn_cred no_mknod = cred_of(0, 0);
	struct vn_node n;

	layers(2);
	/* with the kernel's ids: as the kernel in a user namespace */
	cr_assert_eq(mknod_at("/null", S_IFCHR | 0666, makedev(1, 3)), -EPERM);
	present_owners();
	cr_assert_eq(mknod_at("/sda", S_IFCHR | 0660, makedev(8, 0)), -EPERM);
	cr_assert_eq(mknod_at("/loop", S_IFCHR | 0660, makedev(7, 0)), -EPERM);
	cr_assert_eq(mknod_at("/mem", S_IFCHR | 0660, makedev(1, 1)), -EPERM);
	cr_assert_eq(mknod_at("/blk", S_IFBLK | 0660, makedev(1, 3)), -EPERM);
	cr_assert_eq(mknod_at("/wh", S_IFCHR | 0, makedev(0, 0)), -EPERM);
	no_mknod.cap_effective &= ~(1ull << CAP_MKNOD);
	vn_set_cred(&no_mknod);
	cr_assert_eq(mknod_at("/null", S_IFCHR | 0666, makedev(1, 3)), -EPERM);
	vn_set_cred(&user);
	cr_assert_eq(mknod_at("/null", S_IFCHR | 0666, makedev(1, 3)), -EACCES,
		     "the name's checks come first, as the kernel's");
	vn_set_cred(NULL);
	cr_assert_eq(res("/null", 0, &n), -ENOENT);
	cr_assert_eq(res("/sda", 0, &n), -ENOENT);
	cr_assert_eq(res("/blk", 0, &n), -ENOENT);
	cr_assert_eq(mknod_at("/tty", S_IFCHR | 0666, makedev(5, 0)), 0);
	cr_assert_eq(res("/tty", 0, &n), 0);
	cr_assert_eq(vn_mknod(&g_u, &n, S_IFCHR | 0666, makedev(5, 0)), -EEXIST);
}

/* The store's raw slots: what a veneer that knows only plain records
 * ("vown", 24 bytes) reads there. */
struct raw_slot {
	uint32_t magic, flags;
	uint64_t ino;
	uint32_t a, b;
};

static size_t read_store(struct raw_slot *v, size_t max)
{
	char p[PATH_MAX];
	int fd = open(lpath(p, 0, VN_STATE_DIR "/" VN_OWNER_STORE), O_RDONLY | O_CLOEXEC);
	ssize_t n;

	cr_assert_geq(fd, 0);
	n = read(fd, v, max * sizeof(*v));
	close(fd);
	cr_assert_geq(n, 0);
	cr_assert_eq(n % (ssize_t)sizeof(*v), 0, "the store holds whole slots");
	return (size_t)n / sizeof(*v);
}

static void append_store(const void *data, size_t size)
{
	char p[PATH_MAX];
	int fd = open(lpath(p, 0, VN_STATE_DIR "/" VN_OWNER_STORE), O_WRONLY | O_APPEND | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, size), (ssize_t)size);
	close(fd);
}

UT(owners, a_device_record_is_unreadable_to_older_veneers_and_tied_to_its_inode)
{
	struct raw_slot v[64], dev[2];
	struct vn_owner_store *store;
	struct statx stx;
	struct vn_node n;
	char p[PATH_MAX];
	size_t count, found = 0;
	dev_t rdev;
	int root, fd;

	layers(2);
	present_owners();
	cr_assert_eq(mknod_at("/zero", S_IFCHR | 0666, makedev(1, 5)), 0);
	cr_assert_eq(res("/zero", 0, &n), 0);
	count = read_store(v, 64);
	for (size_t i = 0; i < count; i++) {
		/* an older veneer applies "vown" slots only: none is the device's */
		if (v[i].magic == 0x6e776f76u)
			cr_assert_neq(v[i].ino, (uint64_t)n.st.st_ino, "a plain record of the device");
		if (v[i].magic == 0x76656476u && v[i].ino == n.st.st_ino) {
			cr_assert_lt(i + 1, count);
			cr_assert_eq(v[i + 1].magic, 0x32766476u, "the head's tail follows it");
			memcpy(dev, &v[i], sizeof(dev));
			found++;
		}
	}
	cr_assert_eq(found, 1);

	/* the tools read it (vn_owner_store_device checks the inode) */
	root = open(lpath(p, 0, ""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(root, 0);
	cr_assert_eq(vn_owner_store_load(root, &store), 0);
	cr_assert(vn_owner_store_device(store, root, "zero", n.st.st_ino, &rdev));
	cr_assert_eq(rdev, makedev(1, 5));
	vn_owner_store_free(store);

	/* the device's record copied onto another empty file of the upper
	 * (a stale record meeting a reused inode number): its birth time is
	 * not the record's, so it stays a file */
	put(0, "plain", "");
	cr_assert_eq(statx(AT_FDCWD, lpath(p, 0, "plain"), AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_BTIME,
			   &stx), 0);
	if (!(stx.stx_mask & STATX_BTIME)) {
		close(root);
		cr_skip_test("no birth time on this file system");
	}
	/* zero's record again, with another owner, across the reader's
	 * 512-slot buffer: read whole */
	{
		struct raw_slot filler = { 0x6e776f76u, 1, 1, 0, 0 }; /* forget inode 1 */
		struct stat sz;

		cr_assert_eq(stat(lpath(p, 0, VN_STATE_DIR "/" VN_OWNER_STORE), &sz), 0);
		for (size_t i = (size_t)sz.st_size / sizeof(filler); i % 512 != 511; i++)
			append_store(&filler, sizeof(filler));
		dev[0].a = 77;
		append_store(dev, sizeof(dev));
		dev[0].a = 0;
	}
	dev[0].ino = stx.stx_ino;
	append_store(dev, sizeof(dev));
	/* a torn device record (its head alone) last: skipped */
	append_store(dev, sizeof(dev[0]));
	restart_union(2);
	expect_owner("/zero", 77, 0);
	cr_assert_eq(res("/plain", 0, &n), 0);
	cr_assert(S_ISREG(n.st.st_mode), "a stale device record made a file a device");
	cr_assert_eq(listed_type("/", "plain"), DT_REG);
	expect_device("/zero", 1, 5, 0666);
	cr_assert_eq(vn_owner_store_load(root, &store), 0);
	cr_assert(!vn_owner_store_device(store, root, "plain", stx.stx_ino, &rdev));
	vn_owner_store_free(store);

	/* a chown of that file does not make it the device either */
	cr_assert_eq(vn_chown(&g_u, &n, 3, 4), 0);
	cr_assert_eq(res("/plain", 0, &n), 0);
	cr_assert(S_ISREG(n.st.st_mode));

	/* and a device that got data (written by a run with the kernel's
	 * ids, where it is a file) is a file from then on */
	fd = open(lpath(p, 0, "zero"), O_WRONLY | O_APPEND | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "x", 1), 1);
	close(fd);
	cr_assert_eq(res("/zero", 0, &n), 0);
	cr_assert(S_ISREG(n.st.st_mode) && n.st.st_size == 1);
	close(root);
}

UT(owners, setgid_directories_give_their_group)
{
	struct vn_cred user = cred_of(1000, 1000);
	struct vn_node n;

	layers(2);
	mkd(1, "shared");
	present_owners();
	cr_assert_eq(res("/shared", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 0, 50), 0);
	cr_assert_eq(res("/shared", 0, &n), 0);
	cr_assert_eq(vn_chmod(&g_u, &n, 02777), 0);
	cr_assert_eq(res("/shared/sub", 0, &n), -ENOENT);
	vn_set_cred(&user);
	cr_assert_eq(vn_mkdir(&g_u, &n, 0755), 0);
	vn_set_cred(NULL);
	expect_owner("/shared/sub", 1000, 50);
}

UT(owners, who_may_chown_chmod_and_change_names)
{
	struct vn_cred user = cred_of(1000, 1000), other = cred_of(2000, 2000);
	struct vn_node n;
	struct stat st;
	char p[PATH_MAX];

	layers(2);
	put(1, "tmp/owned", "x");
	put(1, "etc/rootfile", "x");
	chmod(lpath(p, 1, "tmp"), 01777);
	chmod(lpath(p, 1, "etc"), 0755);
	present_owners();
	cr_assert_eq(res("/tmp/owned", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 1000, 1000), 0);
	cr_assert_eq(res("/tmp/owned", 0, &n), 0);
	cr_assert_eq(vn_chmod(&g_u, &n, 04755), 0);

	vn_set_cred(&other);
	cr_assert_eq(res("/tmp/owned", 0, &n), 0);
	cr_assert_eq(vn_chmod(&g_u, &n, 0600), -EPERM, "chmod of another's file");
	cr_assert_eq(vn_unlink(&g_u, &n), -EPERM, "unlink of another's file in a sticky dir");
	cr_assert_eq(res("/etc/new", 0, &n), -ENOENT);
	cr_assert_eq(vn_mkdir(&g_u, &n, 0755), -EACCES, "mkdir in root's 0755 dir");

	vn_set_cred(&user);
	cr_assert_eq(res("/tmp/owned", 0, &n), 0);
	cr_assert_eq(vn_chown(&g_u, &n, 0, (gid_t)-1), -EPERM, "giving a file away");
	cr_assert_eq(vn_chown(&g_u, &n, (uid_t)-1, 1000), 0, "to one's own group");
	lstat_layer(0, "tmp/owned", &st);
	cr_assert_eq(st.st_mode & 07777, 0755, "chown kills setuid: mode %o", st.st_mode & 07777);
	cr_assert_eq(vn_unlink(&g_u, &n), 0, "unlink of one's own file in a sticky dir");
	vn_set_cred(NULL);
}

UT(owners, permission_follows_owner_group_and_other_bits)
{
	struct vn_cred user = cred_of(1000, 1000);
	struct stat st = { .st_mode = S_IFREG | 0640, .st_uid = 0, .st_gid = 1000 };

	vn_set_cred(&user);
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), 0, "group read");
	cr_assert_eq(vn_permission(&st, VN_MAY_WRITE), -EACCES, "group has no write");
	st.st_gid = 5;
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), -EACCES, "other has nothing");
	user.groups[1] = 5;
	user.ngroups = 2;
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), 0, "a supplementary group");
	st.st_uid = 1000;
	st.st_mode = S_IFREG | 0070;
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), -EACCES, "the owner class decides alone");
	vn_set_cred(NULL);
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), 0, "no identity: the kernel's business");
	user = cred_of(0, 0);
	vn_set_cred(&user);
	st.st_mode = S_IFREG | 0600;
	cr_assert_eq(vn_permission(&st, VN_MAY_EXEC), -EACCES, "root needs one x bit to exec");
	cr_assert_eq(vn_permission(&st, VN_MAY_READ | VN_MAY_WRITE), 0, "root reads and writes");
	/* a root without CAP_DAC_OVERRIDE (a policy keeping no capabilities) */
	user.cap_effective = 1ull << 2; /* CAP_DAC_READ_SEARCH */
	st.st_uid = 42;
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), 0, "CAP_DAC_READ_SEARCH reads");
	cr_assert_eq(vn_permission(&st, VN_MAY_WRITE), -EACCES, "but does not write");
	user.cap_effective = 0;
	cr_assert_eq(vn_permission(&st, VN_MAY_READ), -EACCES, "no capability, no bypass");
	vn_set_cred(NULL);
}

/* A store built outside a sandbox (veneer import): owners and devices
 * set in memory, written with vn_owner_store_rewrite, are what a
 * sandbox over that upper presents. */
UT(owners, a_store_built_by_a_tool_is_what_the_sandbox_presents)
{
	struct vn_owner_store *store = vn_owner_store_new(), *loaded;
	struct stat file, gone, null_st;
	char p[PATH_MAX];
	dev_t rdev;
	uid_t uid;
	gid_t gid;
	int root;

	cr_assert_not_null(store);
	layers(2);
	put(0, "file", "x");
	put(0, "gone", "y");
	put(0, "null", "");
	put(0, "big", "not empty");
	root = open(lpath(p, 0, ""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(root, 0);
	cr_assert_eq(stat(lpath(p, 0, "file"), &file), 0);
	cr_assert_eq(stat(lpath(p, 0, "gone"), &gone), 0);
	cr_assert_eq(stat(lpath(p, 0, "null"), &null_st), 0);
	cr_assert_eq(vn_owner_store_set(store, file.st_ino, 42, 43), 0);
	cr_assert_eq(vn_owner_store_set(store, gone.st_ino, 7, 7), 0);
	vn_owner_store_forget(store, gone.st_ino);
	cr_assert_eq(vn_owner_store_set_device(store, root, "big", 0, 0, makedev(1, 3)), -EINVAL,
		     "a file with data is no device");
	cr_assert_eq(vn_owner_store_set_device(store, root, "null", 0, 0, makedev(8, 0)), -EPERM,
		     "a number a sandbox may not make");
	int r = vn_owner_store_set_device(store, root, "null", 5, 6, makedev(1, 3));
	if (r == -EOPNOTSUPP) {
		vn_owner_store_free(store);
		close(root);
		skip_test("no birth time on this file system");
	}
	cr_assert_eq(r, 0);
	cr_assert_eq(vn_owner_store_count(store), 2);
	cr_assert_eq(vn_owner_store_rewrite(root, store), 0);
	vn_owner_store_free(store);

	cr_assert_eq(vn_owner_store_load(root, &loaded), 0);
	cr_assert(vn_owner_store_get(loaded, file.st_ino, &uid, &gid));
	cr_assert(uid == 42 && gid == 43);
	cr_assert(!vn_owner_store_get(loaded, gone.st_ino, &uid, &gid), "a forgotten record was written");
	cr_assert(vn_owner_store_device(loaded, root, "null", null_st.st_ino, &rdev));
	cr_assert_eq(rdev, makedev(1, 3));
	vn_owner_store_free(loaded);
	close(root);

	present_owners();
	expect_owner("/file", 42, 43);
	expect_device("/null", 1, 3, null_st.st_mode & 07777);
	expect_owner("/null", 5, 6);
}
