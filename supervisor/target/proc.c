/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One reader of the target's /proc files of "Key:\tnumber" lines
 * (status, fdinfo/N): thread group, parent, umask, fd flags.  One place
 * knows their format, and one open reads several keys at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

int proc_fields(pid_t pid, const char *file, const struct proc_field *fields, size_t n)
{
	char path[96], line[256];
	size_t found = 0;
	FILE *f;

	if (snprintf(path, sizeof(path), "/proc/%d/%s", pid, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (found < n && fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(fields[i].key);
			char *end;

			if (strncmp(line, fields[i].key, len) != 0)
				continue;
			*fields[i].value = strtol(line + len, &end, fields[i].base);
			if (end != line + len)
				found++;
			break;
		}
	}
	fclose(f);
	return found == n ? 0 : -ESRCH;
}
