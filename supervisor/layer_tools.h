/* SPDX-License-Identifier: Apache-2.0 */
/* The layer tools: commands that read an upper on the host, outside any
 * sandbox (`veneer diff`, `veneer export`), and what they share: opening
 * an upper, the owners it presents, a sorted walk of its objects. */
#ifndef VENEER_LAYER_TOOLS_H
#define VENEER_LAYER_TOOLS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "veneer/error.h"

struct vn_owner_store;

/* An upper opened for reading. */
struct lt_upper {
	const char *path;             /* as given, for messages */
	int fd;                       /* its root directory */
	struct stat st;               /* of the root */
	int lock_fd;                  /* the state directory's lock, held shared */
	struct vn_owner_store *store; /* its records (empty when none) */
	uid_t caller_uid;             /* who runs the tool: 0 inside a */
	gid_t caller_gid;             /* kernel-mode sandbox */
};

/* What a name in the upper means. */
enum lt_kind {
	LT_OBJECT,   /* a file, directory, link... of the layer */
	LT_WHITEOUT, /* ".wh.NAME", or NAME as a 0/0 character device */
	LT_OPAQUE,   /* ".wh..wh..opq": its directory hides the lowers' */
};

/* One name met by lt_walk.  Paths are relative to the upper's root,
 * without a leading slash ("" is the root). */
struct lt_entry {
	const char *dir;     /* the directory holding it */
	const char *name;    /* its name on disk */
	const char *path;    /* dir/name */
	const char *hidden;  /* LT_WHITEOUT: the name it hides (in dir) */
	enum lt_kind kind;
	int dirfd;           /* the directory holding it */
	int fd;              /* a directory object: its own fd, else -1 */
	struct stat st;      /* lstat */
	uid_t uid;           /* the presented owner (lt_presented_owner) */
	gid_t gid;
};

typedef int (*lt_visit_fn)(void *arg, const struct lt_entry *e, struct vn_error *err);

/* layer_walk.c */
/* Open the upper at path, take its lock shared (refused while a sandbox
 * holds it) and load its owner store. */
int lt_upper_open(const char *path, struct lt_upper *up, struct vn_error *err);
/* The same for the upper whose root is fd (taken), named name in
 * messages; no lock is taken: the caller holds the upper (a sandbox's
 * own, at its end). */
int lt_upper_open_fd(int fd, const char *name, struct lt_upper *up, struct vn_error *err);
void lt_upper_close(struct lt_upper *up);
/* The owner an upper object shows inside (the "inside ids"). */
void lt_presented_owner(const struct lt_upper *up, const struct stat *st, uid_t *uid, gid_t *gid);
/* Visit every name of the upper but its root and its state directory,
 * depth first, a directory before its contents, names sorted bytewise. */
int lt_walk(struct lt_upper *up, lt_visit_fn visit, void *arg, struct vn_error *err);
/* Open dirfd/name (st: its lstat; never following a symlink): when its
 * owner, who runs the tool, may not read it (or, a directory, search it)
 * as a sandbox left it (a `chmod 000` inside), it is opened up for the
 * owner first (*opened_up: give it its mode back with lt_close_up, for a
 * directory once what is below it was read).  The fd, or -errno. */
int lt_open_as_owner(int dirfd, const char *name, const struct stat *st, int flags,
		     bool *opened_up);
int lt_close_up(int fd, const struct stat *st);
/* Whether the directory dirfd is top (a directory's stat) or below it:
 * 1, 0 or -errno.  Walks up by "..", so a symlink is no way round. */
int lt_dir_inside(int dirfd, const struct stat *top);
/* The same, and when it is below top (top_fd), its path from top
 * (without a leading slash; "" for top itself) into out (NULL: not
 * asked; top_fd is then not used). */
int lt_dir_path_below(int dirfd, int top_fd, const struct stat *top, char *out, size_t size);
/* "/" + path, a backslash and control characters (a newline) escaped:
 * a name cannot make a line of its own. */
void lt_print_path(FILE *out, const char *path);
/* text so escaped, without the slash. */
void lt_print_escaped(FILE *out, const char *text);
/* Hard links met in a walk (*seen: a tree, NULL at first): the path
 * e's inode was first met under in *first, or NULL (then it is e's from
 * now on); -1 when out of memory.  lt_links_free frees the tree. */
int lt_first_link(void **seen, const struct lt_entry *e, const char **first);
void lt_links_free(void **seen);
/* "dir/name", or name when dir is "" (NULL when out of memory). */
char *lt_join(const char *dir, const char *name);
/* One letter for the type of st: f d l p s c b. */
char lt_type_letter(const struct stat *st);

/* diff.c: the changes an upper holds against its lowers. */
enum {
	LT_CHANGED_TYPE = 1 << 0,
	LT_CHANGED_MODE = 1 << 1,
	LT_CHANGED_OWNER = 1 << 2,
	LT_CHANGED_DATA = 1 << 3,
	LT_CHANGED_TARGET = 1 << 4,
	LT_CHANGED_DEVICE = 1 << 5,
};

/* One change. */
struct lt_change {
	char *path;       /* relative to the root ("" is the root) */
	int rank;         /* for one path: D, then A/C, then O */
	char change;      /* A(dded) C(hanged) D(eleted) O(paque) */
	struct stat st;   /* A, C: the upper's object */
	uid_t uid;        /* its owner as the sandbox shows it */
	gid_t gid;
	unsigned changed; /* C: LT_CHANGED_* */
	char *target;     /* a symlink's */
};

struct lt_diff {
	/* set by the caller */
	struct lt_upper *up;
	const int *lower_fds;  /* topmost first */
	size_t nlowers;
	bool (*selected)(void *arg, const char *path); /* NULL: every path */
	void *arg;
	struct vn_owner_store **lower_stores; /* each lower's own (an import's) */
	/* the result */
	struct lt_change *changes; /* sorted by path */
	size_t n, cap;
	bool marked;      /* the upper holds a whiteout or an opaque directory */
};

/* Walk the upper and list its changes, sorted; a directory held only
 * for what is below it is left out. */
int lt_diff_collect(struct lt_diff *d, struct vn_error *err);
void lt_diff_free(struct lt_diff *d);
/* O_PATH fds of the lower directories (cmd names the command in the
 * message of one that cannot be opened). */
int lt_open_lowers(const char *const *paths, size_t n, int **fds, const char *cmd,
		   struct vn_error *err);
void lt_close_lowers(int *fds, size_t n);

/* filter_prog.c: a compressor (gzip, zstd) between two fds */
/* Spawn argv (argv[0] looked up on PATH) reading in and writing out,
 * its stderr errfd (-1: ours): 0 and *pid, or -1 with err set (what:
 * the message's head; a missing program says how to install it). */
int lt_spawn_filter(char *const argv[], int in, int out, int errfd, pid_t *pid,
		    const char *what, struct vn_error *err);
/* Wait for it (its input closed first): 0, or -1 when it failed. */
int lt_reap_filter(const char *name, pid_t pid, const char *what, struct vn_error *err);
/* The same once it ended (its output read to its end), without reaping
 * it: whether it failed, told before acting on what it wrote. */
int lt_check_filter(const char *name, pid_t pid, const char *what, struct vn_error *err);

/* cmd_diff.c, cmd_export.c: exit statuses for main */
int cmd_diff(int argc, char **argv);
void cmd_diff_usage(FILE *out);
int cmd_export(int argc, char **argv);
void cmd_export_usage(FILE *out);
/* cmd_commit.c */
struct lt_commit_options {
	const char *upper;
	const char *into;
	bool dry_run;
	bool yes;       /* do not ask on a terminal */
};
/* Apply the upper to the directory opt->into: 0 done (or, dry_run,
 * planned), 1 declined at the prompt (nothing changed), -1 (err). */
int lt_commit(const struct lt_commit_options *opt, struct vn_error *err);
int cmd_commit(int argc, char **argv);
void cmd_commit_usage(FILE *out);
/* cmd_check.c */
int cmd_check(int argc, char **argv);
void cmd_check_usage(FILE *out);
/* cmd_import.c */
int cmd_import(int argc, char **argv);
void cmd_import_usage(FILE *out);
/* cmd_rm.c */
/* Remove the upper at path, under its lock (force: what is not an upper
 * too): 0, or -1 with err set. */
int lt_remove_upper(const char *path, bool force, struct vn_error *err);
int cmd_rm(int argc, char **argv);
void cmd_rm_usage(FILE *out);

#endif
