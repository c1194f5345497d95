/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The union core: resolves union paths against one writable upper and one
 * or more read-only lowers, merges directory listings and presents
 * attributes.  It takes union paths and returns real fds and results; it
 * knows nothing of seccomp or ptrace.
 */
#ifndef VENEER_UNION_H
#define VENEER_UNION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <pthread.h>
#include <linux/limits.h>

#define VN_MAX_LAYERS 32

/* Names of the on-disk format (OCI/AUFS style, see docs/design.md). */
#define VN_WH_PREFIX     ".wh."
#define VN_WH_OPAQUE     ".wh..wh..opq"
#define VN_STATE_DIR     ".wh..wh..veneer"
#define VN_STATE_LOCK    "lock"   /* in VN_STATE_DIR: the holder's pid */
#define VN_OWNER_STORE   "owners" /* in VN_STATE_DIR: presented owners */

struct vn_layer {
	int root_fd;          /* directory fd of the layer's root */
	char *host_path;      /* for messages only */
	/* the root's path as the kernel names it (/proc/self/fd): where a
	 * layer object is for a process that walks the host's tree */
	char *real_root;
	bool writable;        /* the upper */
	dev_t dev;
	/* A path (relative, no leading slash) this layer must not show: the
	 * upper's own directory when the upper lives inside lower "/". */
	char *masked;
};

/* A passthrough mount: a path of the view the kernel answers for. */
struct vn_passthrough {
	char *path;           /* absolute union path, e.g. "/proc" (read-only ones are
			       * enforced by the kernel: the mount is read-only) */
};

struct vn_view;
struct vn_dircache;
struct vn_owners;
struct vn_shadow;

struct vn_union {
	struct vn_layer layers[VN_MAX_LAYERS]; /* [0] is the upper */
	size_t nlayers;
	struct vn_passthrough *passthrough;
	size_t npassthrough;
	struct vn_view *view;   /* where renders go; NULL in tools and tests */
	struct vn_dircache *dircache; /* made on first use */
	/* The upper's state directory and its work area (copy-up temporaries,
	 * the journal of multi-step changes); opened on first write. */
	int state_fd, work_fd;
	bool state_open;
	uint64_t tmp_seq;
	/* Readers of the union share it; a change holds it alone, so nobody
	 * sees a change half made (zero-initialised = ready). */
	pthread_rwlock_t lock;
	/* Presented ownership (union/owner.c); NULL: the kernel's ids show. */
	struct vn_owners *owners;
	/* S_IFDIR | the union root's mode kept in the state directory;
	 * 0: the upper's root shows as it is (tools, tests). */
	mode_t root_mode;
	/* Lower files the caller may not read shown made up (union/shadow.c);
	 * NULL: none. */
	struct vn_shadow *shadow;
	/* Copies made without the lock, shared by the calls that ask for the
	 * same file's (union/copyup.c); NULL: none yet. */
	struct union_precopies *precopies;
	/* Every listing in byte order of its names, whatever the layers'
	 * file systems gave (a policy's readdir = sorted) */
	bool sorted_listings;
	/* Told of every symlink a walk follows, with its union path and the
	 * layer that holds it: the record of what a run read (`veneer run
	 * --record`, calls/record.c) counts the link as read.  NULL: nobody
	 * asks, and a walk costs one test of it per link. */
	void (*link_followed)(void *arg, const char *path, int layer);
	void *link_followed_arg;
};

/* How vn_resolve walks a path. */
enum {
	VN_FOLLOW      = 1 << 0, /* follow a trailing symlink */
	VN_BENEATH     = 1 << 1, /* never leave the start directory (RESOLVE_BENEATH) */
	VN_IN_ROOT     = 1 << 2, /* treat the start directory as "/" (RESOLVE_IN_ROOT) */
	VN_NO_SYMLINKS = 1 << 3, /* any symlink is ELOOP (RESOLVE_NO_SYMLINKS) */
	VN_NO_XDEV     = 1 << 4, /* never enter a passthrough mount (RESOLVE_NO_XDEV) */
	VN_RENDER      = 1 << 5, /* mirror every directory and symlink met into the view */
	VN_NO_MAGICLINKS = 1 << 7, /* RESOLVE_NO_MAGICLINKS (for /proc, which the notify side redirects) */
	/* the last component as itself even with a trailing slash (a symlink
	 * is not followed, a file is no ENOTDIR): the calls that act on a
	 * name (create, remove, rename) judge "NAME/" by their own rules */
	VN_NOFOLLOW_LAST = 1 << 8,
};

/* What a path resolved to. */
struct vn_node {
	char path[PATH_MAX];       /* canonical union path ("/" for the root) */
	int layer;                 /* topmost layer holding it, -1 when it does not exist */
	uint32_t dir_layers;       /* for directories: every layer contributing (bit i = layer i) */
	struct stat st;            /* lstat of the object in `layer` */
	bool passthrough;          /* the path leads into a passthrough mount */
	const struct vn_passthrough *mount; /* which one, when passthrough */
	char rest[PATH_MAX];       /* passthrough: what is left below the mount point */
	bool parent_exists;        /* ENOENT: the parent directory resolved */
	bool trailing_slash;       /* the last component was written "NAME/" */
	/* Directories present the identity of their bottom-most layer, which
	 * a copy-up never changes (tools compare it across a walk). */
	dev_t origin_dev;
	ino_t origin_ino;
	int links;                 /* symlinks followed so far (vn_resolve_counted) */
};

/* union/layer.c */
/* Readers of the union share it; changes hold it alone. */
void vn_union_read_lock(struct vn_union *u);
void vn_union_write_lock(struct vn_union *u);
void vn_union_unlock(struct vn_union *u);
int vn_union_add_layer(struct vn_union *u, int root_fd, const char *host_path, bool writable);
int vn_union_add_passthrough(struct vn_union *u, const char *path);
/* What the kernel says this process's fd is (/proc/self/fd/N's link):
 * its length, or -errno (-ENAMETOOLONG past size). */
int vn_fd_path(int fd, char *out, size_t size);
const struct vn_passthrough *vn_union_passthrough_at(const struct vn_union *u, const char *path);
/* The passthrough mount path lies in (at or below its mount point), or NULL. */
const struct vn_passthrough *vn_union_passthrough_under(const struct vn_union *u, const char *path);
void vn_union_release(struct vn_union *u);
/* The union path of a layer object the supervisor sees at host_path (as
 * /proc prints an fd we opened in a layer): 1 and the layer, or 0. */
int vn_layer_path_to_union(struct vn_union *u, const char *host_path, char *out, size_t size,
			   int *layer);
/* The layer-relative form of a union path: "" for the root, "a/b" otherwise. */
const char *vn_rel(const char *union_path);

/* union/cache.c: drop cached directories at or below path (the union
 * changed there). */
void vn_dircache_forget(struct vn_union *u, const char *path);

/* union/lookup.c */
/* Resolve `path` (absolute, or relative to the union directory `start`).
 * Returns 0 (node filled; node->passthrough may be set) or -errno.  On
 * -ENOENT node->path names what was looked for and node->parent_exists
 * says whether only the last component was missing. */
int vn_resolve(struct vn_union *u, const char *start, const char *path, int flags,
	       struct vn_node *node);
/* The same for a process whose root is the union directory `root` (a
 * chroot inside; "/" otherwise): absolute paths and symlinks start there
 * and ".." stops there, continuing a walk that already followed `links`
 * symlinks (across /proc magic links); node->links says how many in all. */
int vn_resolve_counted(struct vn_union *u, const char *root, const char *start, const char *path,
		       int flags, int links, struct vn_node *node);
/* Open the resolved object in its layer with open(2) flags (O_TRUNC
 * keeps setuid/setgid bits for a presented identity with CAP_FSETID). */
int vn_open_node(struct vn_union *u, const struct vn_node *node, int flags);
/* The host path of the resolved object in its layer (the real root of
 * the layer, then the node's path, which no layer renames), for a
 * process whose kernel walks the host's tree to reach it again: 0,
 * -ENOENT, -ENAMETOOLONG, or -EOPNOTSUPP for an object the union makes
 * up when opened with flags (shadow.c), which no host path holds. */
int vn_node_host_path(struct vn_union *u, const struct vn_node *node, int flags, char *out,
		      size_t size);
/* Read a symlink the union resolved (node->layer must hold it). */
ssize_t vn_readlink_node(struct vn_union *u, const struct vn_node *node, char *buf, size_t size);

/* union/attr.c */
/* The stat the union presents for a resolved node (merged nlink). */
int vn_getattr(struct vn_union *u, const struct vn_node *node, struct stat *st);
/* statx variant: fills from the real object then presents. */
int vn_statx(struct vn_union *u, const struct vn_node *node, unsigned int mask, void *statx_buf);
int vn_access(struct vn_union *u, const struct vn_node *node, int mode, int flags);

/* union/readdir.c */
struct vn_dirent {
	uint64_t ino;
	unsigned char type;  /* DT_* */
	char *name;
};

struct vn_listing {
	struct vn_dirent *entries;
	size_t count;
};

int vn_readdir(struct vn_union *u, const struct vn_node *dir, struct vn_listing *out);
void vn_listing_free(struct vn_listing *l);
/* 2 + the number of subdirectories of a merged directory. */
int vn_count_subdirs(struct vn_union *u, const struct vn_node *dir, nlink_t *nlink);

/* union/xattr.c */
ssize_t vn_getxattr(struct vn_union *u, const struct vn_node *node, const char *name,
		    void *value, size_t size);
ssize_t vn_listxattr(struct vn_union *u, const struct vn_node *node, char *list, size_t size);

/* union/copyup.c */
enum { VN_COPYUP_NO_DATA = 1 }; /* the caller empties the file anyway */
/* Copy a lower object into the upper (its parents first); node is
 * resolved again after.  Nothing when it is in the upper already. */
int vn_copy_up(struct vn_union *u, struct vn_node *node, int flags);
/* What a copy-up of node would be refused for that is known before
 * anything changes (the caller may not read the data): 0 or -errno. */
int vn_copy_up_check(struct vn_union *u, const struct vn_node *node, int flags);
/* Take back the copy vn_copy_up made of the file at path (the call that
 * wanted it failed): the lower file shows again. */
int vn_copy_up_undo(struct vn_union *u, const char *path);

/* A long copy-up's data, copied without the union's lock.  The copy-up
 * of a lower regular file of VN_PRECOPY_MIN bytes or more, under a
 * dispatcher that allowed it (vn_precopy_allow), is not made under the
 * lock: it fails with -EAGAIN and the file's version noted
 * (vn_precopy_asked); the dispatcher drops the lock, has the data copied
 * into an unnamed file of the work area (vn_precopy_make, anywhere, any
 * thread), takes the lock again and runs the call again with the copy
 * offered (vn_precopy_offer), which its copy-up links into place when
 * the node is still that version of that file (layer, path, inode, size
 * and times), and otherwise copies as before. */
#define VN_PRECOPY_MIN (1 << 20)
struct vn_precopy {
	int fd;                  /* the unnamed copy, -1: none (yet) */
	int layer;
	char path[PATH_MAX];
	struct stat id;          /* the version of the data: dev, ino, size, times */
};
/* This thread's next copy-ups may ask (one ask; never while a copy is
 * offered, even one whose making failed). */
void vn_precopy_allow(bool allowed);
/* Whether a copy-up asked since vn_precopy_allow: into *out (fd -1). */
bool vn_precopy_asked(struct vn_precopy *out);
/* Make the copy: 0 (pc->fd is it), or -errno (pc->fd -1; -ESTALE: the
 * file is no longer, or was changed during the copy from, that version). */
int vn_precopy_make(struct vn_union *u, struct vn_precopy *pc);
/* Offer pc to this thread's copy-ups (NULL: none), the call's second
 * run; one taken has fd -1. */
void vn_precopy_offer(struct vn_precopy *pc);
void vn_precopy_drop(struct vn_precopy *pc);

/* union/dir.c: names.  The node of a new name is vn_resolve's -ENOENT
 * answer (parent_exists set); modes are final (the caller applied the
 * umask).  All return 0, an fd, or -errno. */
int vn_create(struct vn_union *u, const struct vn_node *node, int open_flags, mode_t mode);
/* What vn_create would be refused for before it changes anything. */
int vn_create_check(struct vn_union *u, const struct vn_node *node);
/* Take back the name vn_create made at path (the call failed after). */
int vn_create_undo(struct vn_union *u, const char *path);
int vn_mkdir(struct vn_union *u, const struct vn_node *node, mode_t mode);
int vn_mknod(struct vn_union *u, const struct vn_node *node, mode_t mode, dev_t dev);
int vn_symlink(struct vn_union *u, const struct vn_node *node, const char *target);
/* Bind the AF_UNIX socket sock at node's name: its socket file lives in
 * the upper, as any other (its address reads as a path of ours). */
int vn_bind_unix(struct vn_union *u, const struct vn_node *node, int sock, mode_t mode);
int vn_link(struct vn_union *u, struct vn_node *from, const struct vn_node *to);
/* Give a name to a file of the upper held by fd (an O_TMPFILE file). */
int vn_link_fd(struct vn_union *u, int fd, const struct vn_node *to);
/* An unnamed file in the upper's copy of directory dir (O_TMPFILE). */
int vn_tmpfile(struct vn_union *u, const struct vn_node *dir, int open_flags, mode_t mode);
/* The unnamed file ino went unused (its fd was never handed over). */
void vn_tmpfile_undo(struct vn_union *u, ino_t ino);
int vn_unlink(struct vn_union *u, const struct vn_node *node);
int vn_rmdir(struct vn_union *u, const struct vn_node *node);
/* flags: RENAME_NOREPLACE, RENAME_EXCHANGE */
int vn_rename(struct vn_union *u, struct vn_node *from, struct vn_node *to, unsigned int flags);

/* union/inode.c: attributes (a lower object is copied up first) */
int vn_chmod(struct vn_union *u, struct vn_node *node, mode_t mode);
int vn_chown(struct vn_union *u, struct vn_node *node, uid_t uid, gid_t gid);
int vn_utimens(struct vn_union *u, struct vn_node *node, const struct timespec times[2]);
int vn_truncate(struct vn_union *u, struct vn_node *node, off_t length);
/* O_TRUNC's truncation of node, on an fd the union opened for writing
 * without it (done last: it cannot be taken back). */
int vn_truncate_opened(struct vn_union *u, const struct vn_node *node, int fd);
int vn_setxattr(struct vn_union *u, struct vn_node *node, const char *name, const void *value,
		size_t size, int flags);
int vn_removexattr(struct vn_union *u, struct vn_node *node, const char *name);

/* union/layer.c: open dirfd/rel ("" is dirfd) with openat2's
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS: never
 * out of dirfd, never through a symlink (ELOOP).  The fd, or -errno. */
int vn_openat_beneath(int dirfd, const char *rel, int flags);

/* union/copyup.c: size bytes of src into dst (reflinked where the file
 * system can; else only the data segments: holes stay holes): 0 or
 * -errno. */
int vn_copy_data(int src, int dst, off_t size);

/* union/rootless.c: owners kept in user.rootlesscontainers, as umoci's
 * rootless unpack keeps them (the protobuf message: uid, gid). */
int vn_rootless_parse(const void *buf, size_t n, uint32_t *uid, uint32_t *gid);
/* dirfd/name's ("" for dirfd itself; never through a symlink; st its
 * lstat: only files and directories are asked): 1 with
 * *uid and *gid set (a "noop" field leaves its own), 0 when it keeps
 * none, -errno. */
int vn_rootless_owner_at(int dirfd, const char *name, const struct stat *st, uid_t *uid,
			 gid_t *gid);
/* Whether the layer looks unpacked so: its root, a name of its root or
 * of its /etc carries the xattr (for --ids auto). */
bool vn_layer_keeps_rootless_owners(int root_fd);

/* union/state.c: the upper's work area and journal */
struct vn_recovery {
	unsigned journals;      /* interrupted changes completed */
	unsigned work_entries;  /* leftovers removed from the work area */
};
/* Complete or undo what a crash interrupted; call before the first use. */
int vn_upper_recover(struct vn_union *u, struct vn_recovery *rep);
/* Settle the union root's mode, kept in the upper's state directory (the
 * upper's own root is private on the host): at an upper's first run, its
 * root's mode when others may enter it, else the mode of the root below;
 * then what chmod inside made it. */
int vn_root_mode_load(struct vn_union *u);
/* rm -rf of parent/name, never following a symlink nor entering another
 * file system, opening up directories their owner may not search or
 * change (best effort: what stays, stays). */
void vn_remove_tree(int parent, const char *name);

/* union/render.c: the view, a tmpfs that is the target's root. */
int vn_view_open(struct vn_union *u, const char *view_path, int view_fd);
void vn_view_close(struct vn_union *u);
bool vn_view_owns(const struct vn_union *u, dev_t dev);
/* The view's root as the target's mount namespace has it (takes the fd). */
void vn_view_set_target_root(struct vn_union *u, int fd);
/* That fd (the view's root as the sandbox's init had it at the start), or -1. */
int vn_view_target_root(const struct vn_union *u);
int vn_render_dir(struct vn_union *u, const char *path);
int vn_render_symlink(struct vn_union *u, const char *path, const char *target);
/* A read-only bind of the real object on an empty placeholder (exec). */
int vn_render_bind(struct vn_union *u, const struct vn_node *node);
/* A FIFO or socket node the kernel opens itself (never blocks a worker). */
int vn_render_special(struct vn_union *u, const struct vn_node *node);
/* An empty directory or file for a passthrough mount to sit on. */
int vn_render_mountpoint(struct vn_union *u, const char *path, bool is_dir);
/* The union changed: drop what the view has at or below path, or move it
 * (a directory someone holds moves with them). */
void vn_view_forget(struct vn_union *u, const char *path);
void vn_view_rename(struct vn_union *u, const char *from, const char *to);
/* A directory goes from the union: its view directory goes too, keeping
 * the union's last mode and times for whoever still holds it (the kernel
 * answers fstat of a removed directory from it). */
void vn_view_retire_dir(struct vn_union *u, const char *path, const struct stat *st);
/* Changes whenever a view path moves or goes (for caches of view paths). */
uint64_t vn_view_generation(const struct vn_union *u);

/* union/owner.c: presented ownership.  Over a base owned by ids the
 * sandbox's user namespace does not map, the union shows every object's
 * real owner (a lower's by asking the host, an upper's from the owner
 * store in the state directory) and keeps owners set inside in that
 * store; permission checks follow the presented owners and the calling
 * process's presented identity. */
#define VN_NGROUPS 256
struct vn_cred {
	uid_t ruid, euid, suid, fsuid;
	gid_t rgid, egid, sgid, fsgid;
	/* capabilities (bit = CAP_*) as the kernel keeps them; keepcaps
	 * is PR_SET_KEEPCAPS (kept over a change to non-zero uids) */
	uint64_t cap_effective, cap_permitted, cap_bounding;
	bool keepcaps;
	int ngroups;
	gid_t groups[VN_NGROUPS];
};
/* The real (host) owner of dirfd/name ("" for dirfd itself): 0 or -errno. */
typedef int (*vn_host_owner_fn)(void *arg, int dirfd, const char *name, uid_t *uid, gid_t *gid);
/* The real owners of every entry of directory dirfd in one round trip:
 * how many (in *out, malloc'd), or -errno (NULL: ask one at a time). */
struct vn_host_owner {
	uint64_t dev, ino;
	uint32_t uid, gid;
};
typedef int (*vn_host_dir_owners_fn)(void *arg, int dirfd, struct vn_host_owner **out);
struct vn_owner_config {
	uid_t caller_uid;            /* the host ids the namespace's 0 stands for: */
	gid_t caller_gid;            /* shown as 0, as the kernel shows them */
	vn_host_owner_fn host_owner; /* for ids the namespace does not map */
	vn_host_dir_owners_fn host_dir_owners;
	void *host_arg;
};
/* Start presenting (loads the upper's store); call before the first use. */
int vn_owners_enable(struct vn_union *u, const struct vn_owner_config *cfg);
void vn_owners_release(struct vn_union *u);
/* The identity the calling thread acts for (NULL: the kernel's, unchecked). */
void vn_set_cred(const struct vn_cred *cred);
const struct vn_cred *vn_current_cred(void);
/* The root inside: every id 0, group 0 only, the capabilities caps. */
void vn_cred_root(struct vn_cred *cred, uint64_t caps);
bool vn_cred_in_group(const struct vn_cred *cred, gid_t gid);
/* Whether cred holds capability cap (CAP_*) effective; NULL holds all. */
bool vn_capable(const struct vn_cred *cred, int cap);
enum { VN_MAY_EXEC = 1, VN_MAY_WRITE = 2, VN_MAY_READ = 4 };
/* Whether the current identity may read/write/exec an object with the
 * presented attributes st: 0 or -EACCES. */
int vn_permission(const struct stat *st, int mask);
/* May the current identity change st's owner/mode/times? 0 or -EPERM. */
int vn_may_own(const struct stat *st);
/* Present st, the real stat of an object held by fd: 1 when presented, 0
 * when it is nothing of the union's (the kernel's answer stands).  fd may
 * be -1: -EAGAIN then says the host must be asked, with an fd. */
int vn_present_fd(struct vn_union *u, int fd, struct stat *st);
/* The owner store (a small file in the state directory), for the tools
 * that read an upper without a sandbox: presented ids of an upper inode. */
struct vn_owner_store;
int vn_owner_store_load(int upper_root, struct vn_owner_store **out);
bool vn_owner_store_get(const struct vn_owner_store *s, ino_t ino, uid_t *uid, gid_t *gid);
/* Whether the store presents the upper's dirfd/name, of inode ino, as a
 * character device the sandbox made (mknod inside): its number to rdev. */
bool vn_owner_store_device(const struct vn_owner_store *s, int dirfd, const char *name, ino_t ino,
			   dev_t *rdev);
/* Building an upper's store outside a sandbox (`veneer import`): an
 * empty store, records set or dropped in memory, written with
 * vn_owner_store_rewrite.  set_device: dirfd/name, an empty regular
 * file, is presented as the character device rdev (as a mknod inside
 * makes it): 0, -EPERM (a number the union does not make), -EINVAL (not
 * an empty regular file), -EOPNOTSUPP (its file system keeps no birth
 * time), -ENOMEM. */
struct vn_owner_store *vn_owner_store_new(void);
int vn_owner_store_set(struct vn_owner_store *s, ino_t ino, uid_t uid, gid_t gid);
int vn_owner_store_set_device(struct vn_owner_store *s, int dirfd, const char *name, uid_t uid,
			      gid_t gid, dev_t rdev);
void vn_owner_store_forget(struct vn_owner_store *s, ino_t ino);
size_t vn_owner_store_count(const struct vn_owner_store *s);
/* Records of inodes alive() says the upper does not hold (a crash, or a
 * hand edit, took the object; a new one may get its inode number, and
 * its owner): how many, the first's inode in *first; forget: dropped
 * from s (vn_owner_store_rewrite writes s back). */
size_t vn_owner_store_stale(struct vn_owner_store *s, bool (*alive)(void *arg, ino_t ino),
			    void *arg, ino_t *first, bool forget);
int vn_owner_store_rewrite(int upper_root, struct vn_owner_store *s);
void vn_owner_store_free(struct vn_owner_store *s);

/* union/shadow.c: a file of a lower that the caller may not read (the
 * kernel says EACCES), at one of these union paths, is shown made up from
 * a file the caller may read, every password locked: /etc/shadow from
 * /etc/passwd ("name:*:DAYS:0:99999:7:::", DAYS the day of the lower
 * file's mtime), /etc/gshadow from /etc/group ("name:*::members").  Only
 * while the topmost layer with the name is that lower; a copy-up copies
 * the made-up data, and from then on the upper's copy is the file. */
enum vn_synth_kind { VN_SYNTH_SHADOW, VN_SYNTH_GSHADOW };
struct vn_synth_file {
	const char *path;  /* canonical union path, e.g. "/etc/shadow" */
	const char *from;  /* the readable file it is made from */
	enum vn_synth_kind kind;
};
int vn_shadow_enable(struct vn_union *u, const struct vn_synth_file *files, size_t n);
void vn_shadow_release(struct vn_union *u);

#endif
