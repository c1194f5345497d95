/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SOURCE_DATE_EPOCH for a policy's `source-date-epoch = source-tree`: the
 * caller's when it has one (dpkg, reprotest and most build drivers set
 * it), else one the source defines -- the newest modification time of
 * the files below the current directory -- so that two builds of one
 * source agree without a flag, whoever runs them and whenever.
 * Version-control metadata (.git, .hg, .svn, .bzr) is not the source.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* A walk that large is not a source tree (veneer run from $HOME, or /). */
#define SOURCE_ENTRIES_MAX 1000000

struct newest {
	int64_t mtime;
	bool found;
	size_t entries;
};

static bool is_vcs_dir(const char *name)
{
	static const char *const vcs[] = { ".git", ".hg", ".svn", ".bzr" };

	for (size_t i = 0; i < sizeof(vcs) / sizeof(vcs[0]); i++)
		if (strcmp(name, vcs[i]) == 0)
			return true;
	return false;
}

/* The newest mtime of the files below the directory fd (taken): 0 or
 * -errno (-E2BIG: too many entries). */
static int walk_newest(int fd, struct newest *n)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++n->entries > SOURCE_ENTRIES_MAX)
			r = -E2BIG;
		else if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = errno == ENOENT ? 0 : -errno;
		else if (S_ISDIR(st.st_mode)) {
			int sub = is_vcs_dir(de->d_name) ? -1
				: openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				r = walk_newest(sub, n);
			else if (!is_vcs_dir(de->d_name) && errno != EACCES && errno != ENOENT)
				r = -errno;
		} else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
			   (!n->found || st.st_mtim.tv_sec > n->mtime)) {
			n->mtime = st.st_mtim.tv_sec;
			n->found = true;
		}
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	return r;
}

int source_date_epoch_settle(struct run_options *opt, struct vn_error *err)
{
	const char *given = getenv("SOURCE_DATE_EPOCH");
	struct newest n = { 0 };
	char cwd[4096];
	int r;

	if (!opt->policy.source_date_epoch)
		return 0;
	if (given && given[0]) {
		if (given[strspn(given, "0123456789")] != '\0')
			return vn_fail(err, 0, "SOURCE_DATE_EPOCH=%s is not a number of seconds", given);
		return asprintf(&opt->source_date_epoch, "SOURCE_DATE_EPOCH=%s", given) < 0
			? vn_fail(err, ENOMEM, "SOURCE_DATE_EPOCH") : 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return vn_fail(err, errno, "source-date-epoch: find the current directory");
	r = walk_newest(open(cwd, O_RDONLY | O_DIRECTORY | O_CLOEXEC), &n);
	if (r == -E2BIG)
		return vn_fail(err, 0, "source-date-epoch: %s holds more than %d entries, not a source "
			       "tree; run from the source's directory, or set SOURCE_DATE_EPOCH", cwd,
			       SOURCE_ENTRIES_MAX);
	if (r < 0)
		return vn_fail(err, -r, "source-date-epoch: read %s", cwd);
	if (!n.found)
		return vn_fail(err, 0, "source-date-epoch: %s holds no file to date the build by; run "
			       "from the source's directory, or set SOURCE_DATE_EPOCH", cwd);
	return asprintf(&opt->source_date_epoch, "SOURCE_DATE_EPOCH=%" PRId64, n.mtime) < 0
		? vn_fail(err, ENOMEM, "SOURCE_DATE_EPOCH") : 0;
}
