/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-file API of the union core, grouped by the file that defines it. */
#ifndef VENEER_UNION_INTERNAL_H
#define VENEER_UNION_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "veneer/union.h"

struct vn_view {
	int fd;                /* O_PATH fd of the view's root (ours: to render) */
	int target_fd;         /* the same root seen from the target's mount
				* namespace: directory fds we inject come from here,
				* so ".." from them can never leave the target's root */
	char *path;            /* where the supervisor sees the view */
	dev_t dev;
	pthread_mutex_t bind_lock; /* one bind per placeholder, even when workers race */
	uint64_t generation;   /* bumped when a view path moves or goes */
	struct view_rendered *rendered; /* directories known to be in the view */
};

/* cache.c */
struct dircache_entry {
	char *path;
	uint64_t hash;
	int fds[VN_MAX_LAYERS];      /* per layer, -1 when it does not contribute */
	uint32_t layers;
	dev_t origin_dev;            /* the bottom-most layer's identity */
	ino_t origin_ino;
	unsigned refs;
	bool detached;               /* out of the table; freed by the last holder */
	struct dircache_entry *hnext;
	struct dircache_entry *lru_prev, *lru_next;
};
int union_dircache_new(struct vn_union *u);
void union_dircache_free(struct vn_union *u);
/* A referenced entry, or NULL when the path is not cached. */
struct dircache_entry *union_dircache_get(struct vn_union *u, const char *path);
/* attr.c: where the walk found node -- its layer's parent directory,
 * cached (put it back), and its name there; NULL for the root or when
 * the parent is no longer cached. */
struct dircache_entry *union_node_parent(struct vn_union *u, const struct vn_node *node,
					 const char **name);
/* Cache (and reference) a directory; takes the fds (sets them to -1).
 * top: the lookup's stat of it in its topmost layer, or NULL. */
struct dircache_entry *union_dircache_add(struct vn_union *u, const char *path, int *fds,
					  uint32_t layers, const struct stat *top);
void union_dircache_put(struct vn_union *u, struct dircache_entry *e);

/* cache.c: a directory's presented link count, as a listing found it */
struct union_nlink {
	uint32_t layers;             /* the layers it was listed from */
	/* false: the count itself; true: what the topmost layer's own count
	 * is over it (subdirectories the union does not show), so the
	 * kernel's count, which follows the layer, stays the answer */
	bool relative;
	int64_t value;
};
/* Taken before listing; union_nlink_put keeps nothing when the union
 * changed since (vn_dircache_forget). */
uint64_t union_nlink_epoch(struct vn_union *u);
bool union_nlink_get(struct vn_union *u, const char *path, uint32_t layers,
		     struct union_nlink *memo);
void union_nlink_put(struct vn_union *u, const char *path, const struct union_nlink *memo,
		     uint64_t epoch);

/* layer.c */
/* openat2 beneath a layer root: never leaves it, never follows a symlink. */
int union_openat_beneath(int dirfd, const char *rel, int flags);
uint64_t union_hash(const char *s);
uint64_t union_hash_n(const char *s, size_t len);
bool union_layer_masks(const struct vn_layer *layer, const char *union_path);
/* Join a directory union path and a name into out ("/" + "a" = "/a"). */
int union_join(char *out, size_t size, const char *dir, const char *name);

/* whiteout.c */
bool union_is_reserved_name(const char *name);
bool union_is_whiteout_stat(const struct stat *st);
int union_has_oci_whiteout(int dirfd, const char *name);
int union_dir_is_opaque(int dirfd);

/* whiteout.c: writing the upper's (OCI) format */
/* NAME is too long for ".wh.NAME": its whiteout is a 0/0 character device
 * named NAME, which occupies the name itself. */
bool union_whiteout_is_inline(const char *name);
/* Whether dirfd holds a whiteout of name, in the form the upper uses. */
int union_has_whiteout(int dirfd, const char *name);
/* Make (nothing when there already) or remove the whiteout of name. */
int union_whiteout_create(int dirfd, const char *name);
int union_whiteout_remove(int dirfd, const char *name);
/* ".wh..wh..opq" in the directory dirfd. */
int union_opaque_mark(int dirfd);

/* state.c: the work area and the journal */
int union_state_ready(struct vn_union *u);
/* copyup.c: the shared precopies' table, freed (vn_union_release). */
void union_precopies_free(struct vn_union *u);
void union_state_close(struct vn_union *u);
/* A fresh name for a temporary in the work area. */
void union_work_name(struct vn_union *u, char *name, size_t size, const char *kind);
/* chmod of the union root: kept in the state directory (the upper's own
 * root stays 0700); a node of the upper's root shows it. */
int union_root_mode_store(struct vn_union *u, mode_t mode);
void union_present_root_mode(const struct vn_union *u, int layer, const char *path,
			     struct stat *st);

#define JOURNAL_MAX_STEPS 8
enum journal_op { JOURNAL_MOVE, JOURNAL_WHITEOUT, JOURNAL_UNWHITEOUT, JOURNAL_OPAQUE };
/* Locations are "u/REL" (the upper) or "w/NAME" (the work area).  A move
 * happens only while its source exists and its destination does not, so
 * applying a journal twice is applying it once. */
struct journal_step {
	enum journal_op op;
	char a[PATH_MAX + 2], b[PATH_MAX + 2];
};
struct journal {
	size_t count;
	struct journal_step steps[JOURNAL_MAX_STEPS];
};
void journal_init(struct journal *j);
int journal_move(struct journal *j, const char *from, const char *to);
int journal_whiteout(struct journal *j, const char *upper_rel);
int journal_unwhiteout(struct journal *j, const char *upper_rel);
int journal_opaque(struct journal *j, const char *upper_rel);
/* Put the journal in place: from here on the change happens. */
int union_journal_write(struct vn_union *u, const struct journal *j);
/* Write the journal (the commit point), apply it, remove it. */
int journal_commit(struct vn_union *u, const struct journal *j);

/* copyup.c */
/* The upper's directory for a union directory path (O_PATH), copying it
 * and its ancestors up first when needed. */
int union_upper_dir(struct vn_union *u, const char *dir_path);
/* The upper's directory holding `path`, and path's last component. */
int union_upper_parent(struct vn_union *u, const char *path, char *name, size_t size);
/* Build in the work area a copy of the whole union directory `dir` that
 * needs no lower (opaque); its work name goes to work_name. */
int union_copy_tree(struct vn_union *u, const struct vn_node *dir, char *work_name, size_t size);

/* owner.c (no-ops unless ownership is presented) */
/* Replace st's ids (the real stat of dirfd/name in `layer`) by the
 * presented ones.  UNION_SOME_LOWER: a lower's, which one not known. */
#define UNION_SOME_LOWER (-1)
int union_owner_present(struct vn_union *u, int layer, int dirfd, const char *name,
			struct stat *st);
/* Record the owner of the upper's dirfd/name ("" for dirfd); -1 keeps
 * that id. */
int union_owner_set(struct vn_union *u, int dirfd, const char *name, uid_t uid, gid_t gid);
/* A new object in the upper directory parent: the current identity's,
 * with the group of a setgid parent. */
int union_owner_set_new(struct vn_union *u, int parent, int dirfd, const char *name);
/* A lower directory is being listed for the target: the owners of its
 * entries are likely asked next, so ask the host for all at once. */
void union_owners_listing(struct vn_union *u, int dirfd);
/* dirfd/name of the upper is about to go: the inode whose record goes
 * with it (0: none); union_owner_forget drops it once it went. */
ino_t union_owner_doomed(struct vn_union *u, int dirfd, const char *name);
void union_owner_forget(struct vn_union *u, ino_t ino);
/* Presented devices: a character device of one of the numbers a container
 * may make (null zero full random urandom tty console ptmx). */
bool union_device_may_make(dev_t rdev);
/* Record the new empty regular file dirfd/name (made in the upper
 * directory parent) as that device, owned as a new object: -EPERM without
 * presented ownership, for another number, or where the upper's file
 * system keeps no birth time. */
int union_owner_set_new_device(struct vn_union *u, int parent, int dirfd, const char *name,
			       dev_t rdev);
/* Whether the upper's dirfd/name (inode ino) is a device the union made. */
bool union_owner_is_device(struct vn_union *u, int dirfd, const char *name, ino_t ino);

/* attr.c */
/* getxattr of node by its name in its layer's cached parent directory
 * (getxattrat(2): no open, no /proc); -ENOSYS when that cannot be done
 * (the root, a parent not cached, an older kernel): ask vn_open_node's fd. */
ssize_t union_getxattr_at(struct vn_union *u, const struct vn_node *node, const char *name,
			  void *value, size_t size);

/* inode.c */
/* A truncation we made for the target (truncate, O_TRUNC) cleared the
 * setuid/setgid bits of `before` (we hold no CAP_FSETID outside our user
 * namespace): put them back on fd when the presented identity holds it. */
int union_keep_setid(const struct stat *before, int fd);

/* shadow.c */
/* Whether node is a lower file the caller may not read that the union
 * shows made up (vn_shadow_enable): its data is then union_shadow_open's. */
bool union_shadowed(struct vn_union *u, const struct vn_node *node, int flags);
/* A read-only fd on the made-up file of a shadowed node (-EROFS for
 * writing, as a lower). */
int union_shadow_open(struct vn_union *u, const struct vn_node *node, int flags);

/* lookup.c */
/* Resolve node's canonical path again (after a change). */
int union_refresh(struct vn_union *u, struct vn_node *node);
/* Whether a layer below the upper shows `name` in the union directory
 * dir_path (so removing the upper's entry needs a whiteout). */
int union_lower_has(struct vn_union *u, const char *dir_path, const char *name);
/* Open a layer directory of `node` for reading entries. */
int union_open_layer_dir(struct vn_union *u, const struct vn_node *node, size_t layer);

#endif
