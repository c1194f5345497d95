/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "data_dir.h"

char *data_dir_path(const char *sub, const char *what, struct vn_error *err)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char *path = NULL;
	int r;

	if (xdg && xdg[0] == '/')
		r = asprintf(&path, "%s/veneer/%s", xdg, sub);
	else if (home && home[0] == '/')
		r = asprintf(&path, "%s/.local/share/veneer/%s", home, sub);
	else {
		vn_fail(err, 0, "%s is under $XDG_DATA_HOME or $HOME, and neither is an absolute "
			"path; set HOME", what);
		return NULL;
	}
	if (r < 0) {
		vn_fail(err, ENOMEM, "%s", what);
		return NULL;
	}
	return path;
}

int data_dir_make(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*p = saved;
			return -errno;
		}
		*p = saved;
		if (!saved)
			return 0;
	}
}
