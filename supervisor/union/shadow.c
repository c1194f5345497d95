/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Made-up shadow files.  Over a root-owned base the caller cannot read
 * /etc/shadow or /etc/gshadow (0640 root:shadow), so the union could
 * neither show them nor copy them up, and everything that adds a user or
 * a group failed.  For the paths it is given (vn_shadow_enable), when the
 * topmost layer that has the name holds a file the caller may not read,
 * the union shows in its place one made up from a file the caller may
 * read: /etc/shadow from /etc/passwd, /etc/gshadow from /etc/group, every
 * password locked ("*", as a fresh base has them).  Nothing of the real
 * file but its metadata (which anyone may stat on the host) is shown: the
 * real file is never read.
 *
 * The made-up file is built once, at its first open, in the work area,
 * with the lower file's mode, times and presented owner (recorded in the
 * owner store, so fstat of an fd on it shows root:shadow), and unlinked:
 * only our fd holds it, so it is gone with the supervisor.  Opens of the
 * node for reading get a new read-only open of it; a copy-up copies its
 * data.  Once the upper has the name, that copy is the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* /etc/passwd and /etc/group are small; a larger one is not made up */
#define SOURCE_MAX (16u << 20)

enum decision { UNDECIDED, REAL, MADE_UP };

struct shadow_entry {
	struct vn_synth_file file;
	enum decision decision;
	dev_t dev;   /* the lower object decided on */
	ino_t ino;
	int fd;      /* MADE_UP: the made-up file (unlinked) */
	ino_t made_ino;
};

struct vn_shadow {
	pthread_mutex_t lock; /* decisions are made by readers, who share the union */
	size_t count;
	struct shadow_entry entries[];
};

static void drop_file(struct vn_union *u, struct shadow_entry *e);

int vn_shadow_enable(struct vn_union *u, const struct vn_synth_file *files, size_t n)
{
	struct vn_shadow *s = calloc(1, sizeof(*s) + n * sizeof(s->entries[0]));

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	for (size_t i = 0; i < n; i++) {
		s->entries[i] = (struct shadow_entry){ .file = files[i], .fd = -1 };
		s->entries[i].file.path = strdup(files[i].path);
		s->entries[i].file.from = strdup(files[i].from);
		s->count++;
		if (!s->entries[i].file.path || !s->entries[i].file.from) {
			u->shadow = s;
			vn_shadow_release(u);
			return -ENOMEM;
		}
	}
	u->shadow = s;
	return 0;
}

void vn_shadow_release(struct vn_union *u)
{
	struct vn_shadow *s = u->shadow;

	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++) {
		struct shadow_entry *e = &s->entries[i];

		drop_file(u, e);
		free((char *)e->file.path);
		free((char *)e->file.from);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
	u->shadow = NULL;
}

/* ---------------------------------------------------------- content */

struct text {
	char *data;
	size_t len, cap;
};

static int text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *grown = realloc(t->data, cap);

		if (!grown)
			return -ENOMEM;
		t->data = grown;
		t->cap = cap;
	}
	memcpy(t->data + t->len, s, n);
	t->len += n;
	t->data[t->len] = '\0';
	return 0;
}

/* node's own file in its layer, never a made-up one */
static int layer_open(struct vn_union *u, const struct vn_node *node, int flags)
{
	return union_openat_beneath(u->layers[node->layer].root_fd, vn_rel(node->path), flags);
}

/* The source, read as the caller through the union (never a lower file
 * the caller may not read: the kernel refuses it). */
static int read_source(struct vn_union *u, const char *path, struct text *out)
{
	struct vn_node node;
	char buf[65536];
	ssize_t n;
	int fd, r;

	r = vn_resolve(u, "/", path, VN_FOLLOW, &node);
	if (r < 0)
		return r;
	if (node.layer < 0 || !S_ISREG(node.st.st_mode))
		return -EINVAL;
	fd = layer_open(u, &node, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	r = 0;
	while (r == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0)
			r = errno == EINTR ? 0 : -errno;
		else if (out->len + (size_t)n > SOURCE_MAX)
			r = -EFBIG;
		else
			r = text_add(out, buf, (size_t)n);
	}
	close(fd);
	return r;
}

/* Field `index` (0-based) of a colon-separated line, without its end. */
static void field(const char *line, size_t len, int index, const char **start, size_t *flen)
{
	const char *p = line, *end = line + len;

	for (int i = 0; i < index && p < end; i++) {
		const char *colon = memchr(p, ':', (size_t)(end - p));

		p = colon ? colon + 1 : end;
	}
	*start = p;
	*flen = (size_t)((const char *)(memchr(p, ':', (size_t)(end - p)) ?: end) - p);
}

/* One made-up line for a line of the source (nothing for a line with no
 * name): "name:*:DAYS:0:99999:7:::" (shadow(5), what debootstrap writes
 * for its system users) or "name:*::members" (gshadow(5)). */
static int made_up_line(enum vn_synth_kind kind, const char *line, size_t len, long days,
			struct text *out)
{
	const char *name, *members;
	size_t name_len, members_len;
	char tail[64];
	int r;

	if (!memchr(line, ':', len))
		return 0;
	field(line, len, 0, &name, &name_len);
	if (name_len == 0)
		return 0;
	r = text_add(out, name, name_len);
	if (r < 0)
		return r;
	if (kind == VN_SYNTH_SHADOW) {
		snprintf(tail, sizeof(tail), ":*:%ld:0:99999:7:::\n", days);
		return text_add(out, tail, strlen(tail));
	}
	field(line, len, 3, &members, &members_len);
	r = text_add(out, ":*::", 4);
	if (r == 0)
		r = text_add(out, members, members_len);
	return r < 0 ? r : text_add(out, "\n", 1);
}

static int made_up_text(struct vn_union *u, const struct shadow_entry *e, const struct stat *lower,
			struct text *out)
{
	struct text src = { 0 };
	long days = (long)(lower->st_mtim.tv_sec / 86400);
	int r = read_source(u, e->file.from, &src);

	for (size_t off = 0; r == 0 && off < src.len;) {
		const char *line = src.data + off;
		const char *nl = memchr(line, '\n', src.len - off);
		size_t len = nl ? (size_t)(nl - line) : src.len - off;

		r = made_up_line(e->file.kind, line, len, days, out);
		off += len + 1;
	}
	if (r == 0 && !out->data)
		r = text_add(out, "", 0);
	free(src.data);
	return r;
}

/* ------------------------------------------------------------- file */

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The made-up file of e, for the lower node: built in the work area with
 * the node's mode, times and (presented) owner, then unlinked. */
static int make_file(struct vn_union *u, struct shadow_entry *e, const struct vn_node *node)
{
	struct timespec times[2] = { node->st.st_atim, node->st.st_mtim };
	struct text text = { 0 };
	char name[64];
	struct stat st;
	int fd, r;

	r = made_up_text(u, e, &node->st, &text);
	if (r == 0)
		r = union_state_ready(u);
	if (r < 0) {
		free(text.data);
		return r;
	}
	union_work_name(u, name, sizeof(name), "shadow");
	fd = openat(u->work_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(text.data);
		return -errno;
	}
	r = write_all(fd, text.data, text.len);
	free(text.data);
	if (r == 0 && fchmod(fd, node->st.st_mode & 07777) < 0)
		r = -errno;
	if (r == 0 && futimens(fd, times) < 0)
		r = -errno;
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r == 0)
		r = union_owner_set(u, fd, "", node->st.st_uid, node->st.st_gid);
	if (unlinkat(u->work_fd, name, 0) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	e->fd = fd;
	e->made_ino = st.st_ino;
	return 0;
}

static void drop_file(struct vn_union *u, struct shadow_entry *e)
{
	if (e->fd < 0)
		return;
	close(e->fd);
	union_owner_forget(u, e->made_ino);
	e->fd = -1;
}

/* Decide, once per lower object, whether it is shown made up: only a
 * file the caller may not read (EACCES from the kernel). */
static void decide(struct vn_union *u, struct shadow_entry *e, const struct vn_node *node)
{
	int fd = layer_open(u, node, O_RDONLY | O_CLOEXEC);

	drop_file(u, e); /* made for another object (none while lowers stay) */
	e->dev = node->st.st_dev;
	e->ino = node->st.st_ino;
	if (fd >= 0)
		close(fd);
	e->decision = fd == -EACCES ? MADE_UP : REAL;
}

static struct shadow_entry *entry_for(struct vn_union *u, const struct vn_node *node)
{
	struct vn_shadow *s = u->shadow;

	if (!s || node->layer <= 0 || !S_ISREG(node->st.st_mode))
		return NULL;
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->entries[i].file.path, node->path) == 0)
			return &s->entries[i];
	return NULL;
}

bool union_shadowed(struct vn_union *u, const struct vn_node *node, int flags)
{
	struct shadow_entry *e = entry_for(u, node);
	bool made_up;

	if (!e || (flags & O_PATH))
		return false;
	pthread_mutex_lock(&u->shadow->lock);
	if (e->decision == UNDECIDED || e->dev != node->st.st_dev || e->ino != node->st.st_ino)
		decide(u, e, node);
	made_up = e->decision == MADE_UP;
	pthread_mutex_unlock(&u->shadow->lock);
	return made_up;
}

int union_shadow_open(struct vn_union *u, const struct vn_node *node, int flags)
{
	struct shadow_entry *e = entry_for(u, node);
	char proc[64];
	int r = 0, fd;

	if (!e)
		return -ENOENT;
	/* the made-up file stands for a lower one: read-only, as a lower is */
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return -EROFS;
	pthread_mutex_lock(&u->shadow->lock);
	if (e->fd < 0)
		r = make_file(u, e, node);
	if (r == 0) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", e->fd);
		fd = open(proc, O_RDONLY | O_CLOEXEC | (flags & (O_NONBLOCK | O_NOCTTY | O_LARGEFILE)));
		r = fd < 0 ? -errno : fd;
	}
	pthread_mutex_unlock(&u->shadow->lock);
	return r;
}
