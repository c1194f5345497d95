/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policies: small "key = value" files.  A typo is an error that names the
 * file, the line and the keys or values that would be right; nothing is
 * guessed and nothing is ignored.
 */
#define _GNU_SOURCE
#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "veneer/policy.h"

#ifndef VENEER_POLICY_DIRS
#define VENEER_POLICY_DIRS "/usr/local/share/veneer/policies"
#endif

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int parse_capabilities(char *value, struct policy *p, const char *origin, int line,
			      struct vn_error *err)
{
	char *save = NULL;

	p->all_capabilities = false;
	p->capabilities = 0;
	if (strcmp(value, "all") == 0) {
		p->all_capabilities = true;
		return 0;
	}
	if (strcmp(value, "none") == 0)
		return 0;
	for (char *name = strtok_r(value, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		char *cap = trim(name);
		int nr;

		if (strncasecmp(cap, "cap_", 4) == 0)
			cap += 4;
		nr = capng_name_to_capability(cap);
		if (nr < 0 || nr >= 64)
			return vn_fail(err, 0, "%s:%d: unknown capability '%s'; give all, none, or names "
				       "such as chown,dac_override,fowner", origin, line, cap);
		p->capabilities |= 1ull << nr;
	}
	return 0;
}

/* A key whose value is one of two words. */
static int parse_choice(const char *key, const char *value, const char *const words[2],
			int *out, const char *origin, int line, struct vn_error *err)
{
	for (int i = 0; i < 2; i++)
		if (strcmp(value, words[i]) == 0) {
			*out = i;
			return 0;
		}
	return vn_fail(err, 0, "%s:%d: %s = '%s'; use %s or %s", origin, line, key, value, words[0],
		       words[1]);
}

static int parse_setting(const char *key, char *value, struct policy *p, const char *origin,
			 int line, struct vn_error *err)
{
	/* in the order of the enums: POLICY_NETWORK_HOST, POLICY_SYS_READ_ONLY first */
	static const char *const network[2] = { "host", "none" };
	static const char *const sys[2] = { "read-only", "none" };
	int choice = 0, r;

	if (strcmp(key, "network") == 0) {
		r = parse_choice(key, value, network, &choice, origin, line, err);
		p->network = (enum policy_network)choice;
		return r;
	}
	if (strcmp(key, "sys") == 0) {
		r = parse_choice(key, value, sys, &choice, origin, line, err);
		p->sys = (enum policy_sys)choice;
		return r;
	}
	if (strcmp(key, "capabilities") == 0)
		return parse_capabilities(value, p, origin, line, err);
	return vn_fail(err, 0, "%s:%d: unknown key '%s'; the keys are network, sys and "
		       "capabilities", origin, line, key);
}

int policy_parse(const char *text, const char *origin, struct policy *p, struct vn_error *err)
{
	char *copy = strdup(text);
	int line = 0, r = 0;
	unsigned seen = 0;

	if (!copy)
		return vn_fail(err, 0, "out of memory");
	p->network = POLICY_NETWORK_HOST;
	p->sys = POLICY_SYS_READ_ONLY;
	p->all_capabilities = true;
	p->capabilities = 0;
	/* strtok_r would skip empty lines and miscount; walk lines by hand */
	for (char *cur = copy; cur && r == 0; line++) {
		char *next = strchr(cur, '\n');
		char *hash, *eq, *key, *value;
		static const char *const keys[] = { "network", "sys", "capabilities" };

		if (next)
			*next++ = '\0';
		hash = strchr(cur, '#');
		if (hash)
			*hash = '\0';
		key = trim(cur);
		cur = next;
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			r = vn_fail(err, 0, "%s:%d: '%s' is not 'key = value'", origin, line + 1, key);
			break;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		for (unsigned k = 0; k < 3; k++)
			if (strcmp(key, keys[k]) == 0) {
				if (seen & (1u << k))
					r = vn_fail(err, 0, "%s:%d: '%s' is set twice", origin, line + 1, key);
				seen |= 1u << k;
			}
		if (r == 0)
			r = parse_setting(key, value, p, origin, line + 1, err);
	}
	free(copy);
	return r;
}

static int read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	size_t cap = 4096, len = 0;
	char *buf;

	if (!f)
		return -errno;
	buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			char *grown = realloc(buf, cap * 2);

			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf)
		return -ENOMEM;
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* The policy directories: the source tree's (a build run in place), then
 * the installed one; colon-separated, fixed at build time. */
static int find_policy(const char *name, char *path, size_t size)
{
	char dirs[] = VENEER_POLICY_DIRS;
	char *save = NULL;

	for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, size, "%s/%s.policy", dir, name);
		if (access(path, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

int policy_load(const char *name_or_path, struct policy *p, struct vn_error *err)
{
	char *text = NULL;
	int r;

	if (strchr(name_or_path, '/')) {
		snprintf(p->path, sizeof(p->path), "%s", name_or_path);
	} else {
		for (const char *c = name_or_path; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
				return vn_fail(err, 0, "--policy %s: a name is letters, digits, - and _; "
					       "give a path for a file", name_or_path);
		if (find_policy(name_or_path, p->path, sizeof(p->path)) < 0)
			return vn_fail(err, 0, "--policy %s: no such policy in %s; the shipped ones are "
				       "default, build, lab and container", name_or_path,
				       VENEER_POLICY_DIRS);
	}
	r = read_file(p->path, &text);
	if (r < 0)
		return vn_fail(err, -r, "--policy: read %s", p->path);
	r = policy_parse(text, p->path, p, err);
	free(text);
	return r;
}
