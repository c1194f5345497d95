/* SPDX-License-Identifier: Apache-2.0 */
/* --ids auto: presented ownership when the layers hold ids the sandbox's
 * user namespace cannot map, the kernel's when every layer is the caller's. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "veneer/union.h"

/* Whether the layer at path keeps presented owners in a store of its own. */
static bool layer_keeps_store(const char *path)
{
	char store[PATH_MAX];

	snprintf(store, sizeof(store), "%s/%s/%s", path, VN_STATE_DIR, VN_OWNER_STORE);
	return access(store, F_OK) == 0;
}

bool ids_upper_keeps_owners(const struct run_options *opt)
{
	return opt->upper && layer_keeps_store(opt->upper);
}

/* Whether the lower at path keeps owners umoci's rootless unpack wrote. */
static bool layer_keeps_rootless_owners(const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	bool keeps;

	if (fd < 0)
		return false;
	keeps = vn_layer_keeps_rootless_owners(fd);
	close(fd);
	return keeps;
}

enum ids_mode ids_choose(const struct run_options *opt, char *why, size_t size)
{
	uid_t uid = getuid();
	struct stat st;

	if (ids_upper_keeps_owners(opt)) {
		snprintf(why, size, "upper %s keeps owners recorded by an earlier run", opt->upper);
		return IDS_PRESENTED;
	}
	if (geteuid() == 0) {
		snprintf(why, size, "you are root: the user namespace maps every id");
		return IDS_KERNEL;
	}
	for (size_t i = 0; i < opt->nlowers; i++) {
		if (stat(opt->lowers[i], &st) == 0 && st.st_uid != uid) {
			snprintf(why, size, "lower %s is owned by uid %u, not by you (uid %u)",
				 opt->lowers[i], (unsigned)st.st_uid, (unsigned)uid);
			return IDS_PRESENTED;
		}
	}
	for (size_t i = 0; i < opt->nlowers; i++) {
		if (layer_keeps_store(opt->lowers[i])) {
			snprintf(why, size, "lower %s keeps owners in %s/%s (an import, or an upper)",
				 opt->lowers[i], VN_STATE_DIR, VN_OWNER_STORE);
			return IDS_PRESENTED;
		}
		if (layer_keeps_rootless_owners(opt->lowers[i])) {
			snprintf(why, size, "lower %s keeps owners in user.rootlesscontainers xattrs "
				 "(a rootless unpack)", opt->lowers[i]);
			return IDS_PRESENTED;
		}
	}
	if (opt->upper && layer_keeps_rootless_owners(opt->upper)) {
		snprintf(why, size, "upper %s keeps owners in user.rootlesscontainers xattrs",
			 opt->upper);
		return IDS_PRESENTED;
	}
	snprintf(why, size, "every layer is yours (uid %u)", (unsigned)uid);
	return IDS_KERNEL;
}
