/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --build-user NAME: the command runs as an unprivileged user of the
 * union (sbuild's habit: a build as root hides the files it would fail to
 * write).  When the base has no such user, one is made in the upper, as
 * a `useradd --system --no-create-home` would: NAME:x:ID:ID::/nonexistent:
 * /bin/sh in /etc/passwd and NAME:x:ID: in /etc/group, ID the least one
 * from 1000 that neither file uses -- the same on every machine for the
 * same base, as a reproducible build wants.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_user.h"
#include "env.h"
#include "veneer/cleanup.h"

#define FIRST_ID 1000
#define LAST_ID 59999 /* Debian's dynamically allocated user ids end here */

/* One pass over path (passwd or group: NAME:x:ID:...): whether it names
 * name, and each id from FIRST_ID to LAST_ID it uses marked in used. */
static bool scan_ids(struct vn_union *u, const char *path, const char *name, bool *used)
{
	cleanup_free char *line = NULL;
	FILE *f = union_file_open(u, path);
	size_t size = 0;
	bool named = false;

	while (f && getline(&line, &size, f) > 0) {
		char *rest = line, *field0 = strsep(&rest, ":"), *field2, *end;
		unsigned long id;

		(void)strsep(&rest, ":");
		field2 = strsep(&rest, ":");
		named |= strcmp(field0, name) == 0;
		if (!field2 || field2[0] < '0' || field2[0] > '9')
			continue;
		id = strtoul(field2, &end, 10);
		if (id >= FIRST_ID && id <= LAST_ID)
			used[id - FIRST_ID] = true;
	}
	if (f)
		fclose(f);
	return named;
}

/* Append text to the union's path (copied up first), as root would. */
static int append_to(struct vn_union *u, const char *path, const char *text)
{
	struct vn_node node;
	size_t len = strlen(text);
	int fd, r;

	vn_union_write_lock(u);
	r = vn_resolve(u, "/", path, 0, &node);
	if (r == 0 && !S_ISREG(node.st.st_mode))
		r = -EINVAL;
	if (r == 0)
		r = vn_copy_up(u, &node, 0);
	fd = r == 0 ? vn_open_node(u, &node, O_WRONLY | O_APPEND | O_CLOEXEC) : r;
	vn_union_unlock(u);
	if (fd < 0)
		return fd;
	r = write(fd, text, len) == (ssize_t)len ? 0 : -EIO;
	close(fd);
	return r;
}

int build_user_make(struct vn_union *u, const char *name, struct vn_error *err)
{
	cleanup_free bool *used = calloc(LAST_ID - FIRST_ID + 1, sizeof(*used));
	char line[256];
	unsigned long id;
	bool has_group;
	int r;

	if (!used)
		return vn_fail(err, ENOMEM, "--build-user %s", name);
	if (scan_ids(u, "/etc/passwd", name, used))
		return 0;
	has_group = scan_ids(u, "/etc/group", name, used);
	for (id = FIRST_ID; id <= LAST_ID && used[id - FIRST_ID]; id++)
		;
	if (id > LAST_ID)
		return vn_fail(err, 0, "--build-user %s: no id from %d to %d is free in the union's "
			       "/etc/passwd and /etc/group", name, FIRST_ID, LAST_ID);
	snprintf(line, sizeof(line), "%s:x:%lu:%lu::/nonexistent:/bin/sh\n", name, id, id);
	r = append_to(u, "/etc/passwd", line);
	if (r < 0)
		return vn_fail(err, -r, "--build-user %s: add it to the union's /etc/passwd", name);
	if (has_group)
		return 0;
	snprintf(line, sizeof(line), "%s:x:%lu:\n", name, id);
	r = append_to(u, "/etc/group", line);
	return r < 0 ? vn_fail(err, -r, "--build-user %s: add its group to the union's /etc/group",
			       name) : 0;
}

const char *build_user_name_problem(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 32)
		return "give 1 to 32 characters";
	if (!(name[0] >= 'a' && name[0] <= 'z') && name[0] != '_')
		return "it must start with a lowercase letter or _";
	for (size_t i = 1; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_' || name[i] == '-'))
			return "only lowercase letters, digits, _ and - (Debian's NAME_REGEX)";
	return NULL;
}
