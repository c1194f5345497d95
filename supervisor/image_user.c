/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An image's User ("user", "uid", "user:group", "uid:gid", ...) as the
 * identity the command starts with, found as runc finds it: names in the
 * union's /etc/passwd and /etc/group (a name that is not there is
 * refused); a numeric uid needs no entry (its group is then 0 unless
 * given); the supplementary groups are those whose members list the
 * user's name.  A user other than root holds no capability, but keeps
 * the bounding set, as after a container runtime's setuid.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "image.h"
#include "veneer/cleanup.h"

/* A whole decimal id, or false. */
static bool parse_id(const char *text, unsigned long *id)
{
	char *end;

	if (!text[0] || text[0] == '-' || text[0] == '+')
		return false;
	errno = 0;
	*id = strtoul(text, &end, 10);
	return !errno && !*end && *id < 0xffffffffUL;
}

/* Fields of a passwd or group line (at least n of them) into f. */
static bool split_line(char *line, char **f, int n)
{
	line[strcspn(line, "\n")] = '\0';
	for (int i = 0; i < n; i++)
		if (!(f[i] = strsep(&line, ":")))
			return false;
	return true;
}

/* The passwd entry of user (a name, or a number: its uid): *uid, *gid
 * and its name (name_size bytes).  False when there is none. */
static bool find_passwd(struct vn_union *u, const char *user, uid_t *uid, gid_t *gid, char *name,
			size_t name_size)
{
	cleanup_free char *line = NULL;
	FILE *f = union_file_open(u, "/etc/passwd");
	unsigned long want = 0, id, g;
	bool by_id = parse_id(user, &want), found = false;
	size_t size = 0;

	while (f && !found && getline(&line, &size, f) > 0) {
		char *field[7];

		if (!split_line(line, field, 7) || !parse_id(field[2], &id) || !parse_id(field[3], &g))
			continue;
		found = by_id ? id == want : strcmp(field[0], user) == 0;
		if (found) {
			*uid = (uid_t)id;
			*gid = (gid_t)g;
			snprintf(name, name_size, "%s", field[0]);
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* group (a name) in /etc/group: its gid, or false. */
static bool find_group(struct vn_union *u, const char *group, gid_t *gid)
{
	cleanup_free char *line = NULL;
	FILE *f = union_file_open(u, "/etc/group");
	unsigned long id;
	size_t size = 0;
	bool found = false;

	while (f && !found && getline(&line, &size, f) > 0) {
		char *field[4];

		if (split_line(line, field, 4) && strcmp(field[0], group) == 0 && parse_id(field[2], &id)) {
			*gid = (gid_t)id;
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* Whether the member list "a,b,c" names name. */
static bool lists(char *members, const char *name)
{
	for (char *m; (m = strsep(&members, ","));)
		if (strcmp(m, name) == 0)
			return true;
	return false;
}

/* cred's groups: its own, then every group listing name. */
static void add_groups(struct vn_union *u, const char *name, struct vn_cred *cred)
{
	cleanup_free char *line = NULL;
	FILE *f = name[0] ? union_file_open(u, "/etc/group") : NULL;
	unsigned long id;
	size_t size = 0;

	cred->groups[0] = cred->rgid;
	cred->ngroups = 1;
	while (f && cred->ngroups < VN_NGROUPS && getline(&line, &size, f) > 0) {
		char *field[4];

		if (split_line(line, field, 4) && parse_id(field[2], &id) && (gid_t)id != cred->rgid &&
		    lists(field[3], name))
			cred->groups[cred->ngroups++] = (gid_t)id;
	}
	if (f)
		fclose(f);
}

static int find_ids(struct vn_union *u, const char *image, char *user, const char *group,
		    struct vn_cred *cred, char *name, size_t name_size, struct vn_error *err)
{
	unsigned long id;
	uid_t uid = 0;
	gid_t gid = 0;

	name[0] = '\0';
	if (!find_passwd(u, user, &uid, &gid, name, name_size)) {
		if (!parse_id(user, &id))
			return vn_fail(err, 0, "image %s runs as user '%.64s', who is not in its "
				       "/etc/passwd", image, user);
		uid = (uid_t)id;
	}
	if (group && parse_id(group, &id))
		gid = (gid_t)id;
	else if (group && !find_group(u, group, &gid))
		return vn_fail(err, 0, "image %s runs as group '%.64s', which is not in its /etc/group",
			       image, group);
	cred->ruid = cred->euid = cred->suid = cred->fsuid = uid;
	cred->rgid = cred->egid = cred->sgid = cred->fsgid = gid;
	return 0;
}

int image_user_resolve(struct vn_union *u, const char *image, const char *spec, uint64_t caps,
		       struct vn_cred *cred, struct vn_error *err)
{
	cleanup_free char *user = strdup(spec);
	char name[256], *group;

	if (!user)
		return vn_fail(err, ENOMEM, "image %s", image);
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	if (!user[0] || (group && !group[0]))
		return vn_fail(err, 0, "image %s: its User '%.64s' is not USER[:GROUP]", image, spec);
	vn_cred_root(cred, caps);
	if (find_ids(u, image, user, group, cred, name, sizeof(name), err) < 0)
		return -1;
	add_groups(u, name, cred);
	/* a user other than root: no capability (the bounding set stays) */
	if (cred->euid != 0)
		cred->cap_effective = cred->cap_permitted = 0;
	return 0;
}
