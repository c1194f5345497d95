/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policies: small "key = value" files.  A typo is an error that names the
 * file, the line and the keys or values that would be right; nothing is
 * guessed and nothing is ignored.  A file that is not a policy at all (a
 * directory, a device, something huge, binary bytes) fails closed: it is
 * refused, never read as an empty policy, whose defaults are the host's
 * network and every capability.
 */
#define _GNU_SOURCE
#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lexpath.h"
#include "utf8.h"
#include "veneer/cleanup.h"
#include "veneer/policy.h"

#ifndef VENEER_INSTALLED_POLICY_DIR
#define VENEER_INSTALLED_POLICY_DIR "/usr/local/share/veneer/policies"
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
/* `words` ends with NULL; *out is the index of the one `value` is. */
static int parse_choice(const char *key, const char *value, const char *const words[],
			int *out, const char *origin, int line, struct vn_error *err)
{
	char list[128];
	size_t n = 0, len = 0;

	for (n = 0; words[n]; n++)
		if (strcmp(value, words[n]) == 0) {
			*out = (int)n;
			return 0;
		}
	/* "a or b", "a, b or c" */
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i == 0 ? "" : i + 1 == n ? " or " : ", ", words[i]);
	return vn_fail(err, 0, "%s:%d: %s = '%s'; use %s", origin, line, key, value, list);
}

/* Blanks between host-sockets paths: what trim() takes off a line. */
#define BLANKS " \t\v\f\r"

static bool host_socket_known(const struct policy *p, const char *path)
{
	for (size_t i = 0; i < p->nhost_sockets; i++)
		if (strcmp(p->host_sockets[i], path) == 0)
			return true;
	return false;
}

/* One path of host-sockets, stored in its canonical form: the connect
 * decoder compares it with the canonical union path of the target's call. */
static int add_host_socket(const char *path, struct policy *p, const char *origin, int line,
			   struct vn_error *err)
{
	char canon[POLICY_SOCKET_PATH_MAX];
	int r;

	if (path[0] != '/')
		return vn_fail(err, 0, "%s:%d: host-sockets: '%s' is not an absolute path; name "
			       "each socket by its absolute path inside the sandbox", origin, line, path);
	r = lexpath_canonical(path, canon, sizeof(canon));
	if (r < 0)
		return vn_fail(err, 0, "%s:%d: host-sockets: '%s' is too long; a socket path has at "
			       "most %d bytes", origin, line, path, POLICY_SOCKET_PATH_MAX - 1);
	if (strcmp(canon, "/") == 0)
		return vn_fail(err, 0, "%s:%d: host-sockets: '%s' names the root, not a socket",
			       origin, line, path);
	if (host_socket_known(p, canon))
		return vn_fail(err, 0, "%s:%d: host-sockets: '%s' is named twice (as %s)", origin,
			       line, path, canon);
	if (p->nhost_sockets == POLICY_HOST_SOCKETS_MAX)
		return vn_fail(err, 0, "%s:%d: host-sockets: more than %d paths", origin, line,
			       POLICY_HOST_SOCKETS_MAX);
	memcpy(p->host_sockets[p->nhost_sockets++], canon, strlen(canon) + 1);
	return 0;
}

/* host-sockets = none | PATH [PATH...] */
static int parse_host_sockets(char *value, struct policy *p, const char *origin, int line,
			      struct vn_error *err)
{
	char *save = NULL;

	p->nhost_sockets = 0;
	if (strcmp(value, "none") == 0)
		return 0;
	if (!*value)
		return vn_fail(err, 0, "%s:%d: host-sockets is empty; give absolute socket paths "
			       "or none", origin, line);
	for (char *path = strtok_r(value, BLANKS, &save); path; path = strtok_r(NULL, BLANKS, &save))
		if (add_host_socket(path, p, origin, line, err) < 0)
			return -1;
	return 0;
}

const char *policy_env_name_problem(const char *name, bool pattern)
{
	if (!*name)
		return "an empty name";
	if (strchr(name, '='))
		return "a name with '='";
	if (pattern && strcmp(name, "*") == 0)
		return "'*' alone names every variable; to start from none, clear the environment";
	return NULL;
}

static bool hostname_label_ok(const char *label, size_t len)
{
	if (len == 0 || len > 63 || label[0] == '-' || label[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)label[i]) && label[i] != '-')
			return false;
	return true;
}

const char *policy_hostname_problem(const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		return "an empty host name";
	if (len > POLICY_HOSTNAME_MAX)
		return "longer than 64 bytes";
	for (const char *label = name;;) {
		const char *dot = strchr(label, '.');
		size_t n = dot ? (size_t)(dot - label) : strlen(label);

		if (!hostname_label_ok(label, n))
			return "not a host name (labels of letters, digits and '-', not starting or "
			       "ending with '-', joined by '.')";
		if (!dot)
			return NULL;
		label = dot + 1;
	}
}

static int add_env_op(struct policy *p, bool unset, const char *text, const char *key,
		      const char *origin, int line, struct vn_error *err)
{
	if (p->nenv == POLICY_ENV_MAX)
		return vn_fail(err, 0, "%s:%d: more than %d env and unsetenv settings", origin, line,
			       POLICY_ENV_MAX);
	if (strlen(text) >= POLICY_ENV_TEXT_MAX)
		return vn_fail(err, 0, "%s:%d: %s: longer than %d bytes", origin, line, key,
			       POLICY_ENV_TEXT_MAX - 1);
	p->env[p->nenv].unset = unset;
	memcpy(p->env[p->nenv].text, text, strlen(text) + 1);
	p->nenv++;
	return 0;
}

/* env = NAME=VALUE (the value as written, blanks around it trimmed) */
static int parse_env(char *value, struct policy *p, const char *origin, int line,
		     struct vn_error *err)
{
	char *eq = strchr(value, '=');
	const char *problem;

	if (!eq)
		return vn_fail(err, 0, "%s:%d: env = '%s'; give NAME=VALUE", origin, line, value);
	*eq = '\0';
	problem = policy_env_name_problem(value, false);
	*eq = '=';
	if (problem)
		return vn_fail(err, 0, "%s:%d: env = '%s': %s; give NAME=VALUE", origin, line, value,
			       problem);
	return add_env_op(p, false, value, "env", origin, line, err);
}

/* unsetenv = NAME [NAME...]; NAME* for every name it starts */
static int parse_unsetenv(char *value, struct policy *p, const char *origin, int line,
			  struct vn_error *err)
{
	char *save = NULL;

	if (!*value)
		return vn_fail(err, 0, "%s:%d: unsetenv is empty; give names such as LANG or LC_*",
			       origin, line);
	for (char *name = strtok_r(value, BLANKS, &save); name; name = strtok_r(NULL, BLANKS, &save)) {
		const char *problem = policy_env_name_problem(name, true);

		if (problem)
			return vn_fail(err, 0, "%s:%d: unsetenv '%s': %s", origin, line, name, problem);
		if (add_env_op(p, true, name, "unsetenv", origin, line, err) < 0)
			return -1;
	}
	return 0;
}

/* hostname and domainname: a host name each (RFC 1123), into name. */
static int parse_hostname(const char *value, char *name, const char *key, const char *origin,
			  int line, struct vn_error *err)
{
	const char *problem = policy_hostname_problem(value);

	if (problem)
		return vn_fail(err, 0, "%s:%d: %s = '%s': %s", origin, line, key, value, problem);
	memcpy(name, value, strlen(value) + 1);
	return 0;
}

/* uname-*: printable ASCII, at most POLICY_UNAME_MAX bytes. */
static int parse_uname_field(const char *value, char *field, const char *key,
			     const char *origin, int line, struct vn_error *err)
{
	size_t n = strlen(value);
	bool printable = true;

	for (size_t i = 0; i < n; i++)
		printable &= value[i] >= 0x20 && value[i] <= 0x7e;
	if (n == 0 || n > POLICY_UNAME_MAX || !printable)
		return vn_fail(err, 0, "%s:%d: %s = '%s': give 1 to %d printable ASCII characters",
			       origin, line, key, value, POLICY_UNAME_MAX);
	memcpy(field, value, n + 1);
	return 0;
}

bool policy_fixes_uname(const struct policy *p)
{
	return p->uname_release[0] || p->uname_version[0] || p->uname_machine[0];
}

/* umask = 022: octal, at most 0777. */
static int parse_umask(const char *value, struct policy *p, const char *origin, int line,
		       struct vn_error *err)
{
	char *end;
	unsigned long mask;

	errno = 0;
	mask = strtoul(value, &end, 8);
	if (!*value || *end || errno || mask > 0777 || value[0] == '-' || value[0] == '+')
		return vn_fail(err, 0, "%s:%d: umask = '%s': give octal digits, at most 0777 "
			       "(022, 077)", origin, line, value);
	p->umask = (int)mask;
	return 0;
}

static int parse_setting(const char *key, char *value, struct policy *p, const char *origin,
			 int line, struct vn_error *err)
{
	/* in the order of the enums: POLICY_NETWORK_HOST, POLICY_SYS_READ_ONLY first */
	static const char *const network[] = { "host", "none", "private", NULL };
	static const char *const sys[] = { "read-only", "none", NULL };
	static const char *const yes_no[] = { "no", "yes", NULL };
	static const char *const readdir[] = { "as-is", "sorted", NULL };
	static const char *const source_date_epoch[] = { "keep", "source-tree", NULL };
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
	if (strcmp(key, "host-sockets") == 0)
		return parse_host_sockets(value, p, origin, line, err);
	if (strcmp(key, "env") == 0)
		return parse_env(value, p, origin, line, err);
	if (strcmp(key, "unsetenv") == 0)
		return parse_unsetenv(value, p, origin, line, err);
	if (strcmp(key, "clearenv") == 0) {
		r = parse_choice(key, value, yes_no, &choice, origin, line, err);
		p->clear_env = choice == 1;
		return r;
	}
	if (strcmp(key, "hostname") == 0)
		return parse_hostname(value, p->hostname, key, origin, line, err);
	if (strcmp(key, "domainname") == 0)
		return parse_hostname(value, p->domainname, key, origin, line, err);
	if (strcmp(key, "umask") == 0)
		return parse_umask(value, p, origin, line, err);
	if (strcmp(key, "uname-release") == 0)
		return parse_uname_field(value, p->uname_release, key, origin, line, err);
	if (strcmp(key, "uname-version") == 0)
		return parse_uname_field(value, p->uname_version, key, origin, line, err);
	if (strcmp(key, "uname-machine") == 0)
		return parse_uname_field(value, p->uname_machine, key, origin, line, err);
	if (strcmp(key, "readdir") == 0) {
		r = parse_choice(key, value, readdir, &choice, origin, line, err);
		p->sorted_readdir = choice == 1;
		return r;
	}
	if (strcmp(key, "source-date-epoch") == 0) {
		r = parse_choice(key, value, source_date_epoch, &choice, origin, line, err);
		p->source_date_epoch = choice == 1;
		return r;
	}
	return vn_fail(err, 0, "%s:%d: unknown key '%s'; the keys are network, sys, "
		       "capabilities, host-sockets, env, unsetenv, clearenv, hostname, domainname, "
		       "umask, readdir, source-date-epoch, uname-release, uname-version and "
		       "uname-machine", origin, line, key);
}

/* Parse `copy` (NUL-terminated, written over) into p. */
static int parse_lines(char *copy, const char *origin, struct policy *p, struct vn_error *err)
{
	/* env and unsetenv may repeat; these are set once */
	static const char *const keys[] = { "network", "sys", "capabilities", "host-sockets",
					    "clearenv", "hostname", "domainname", "umask",
					    "readdir", "source-date-epoch", "uname-release",
					    "uname-version", "uname-machine" };
	int line = 0, r = 0;
	unsigned seen = 0;

	p->network = POLICY_NETWORK_HOST;
	p->sys = POLICY_SYS_READ_ONLY;
	p->all_capabilities = true;
	p->capabilities = 0;
	p->nhost_sockets = 0;
	p->clear_env = false;
	p->nenv = 0;
	p->hostname[0] = '\0';
	p->domainname[0] = '\0';
	p->umask = -1;
	p->sorted_readdir = false;
	p->source_date_epoch = false;
	p->uname_release[0] = p->uname_version[0] = p->uname_machine[0] = '\0';
	/* strtok_r would skip empty lines and miscount; walk lines by hand */
	for (char *cur = copy; cur && r == 0; line++) {
		char *next = strchr(cur, '\n');
		char *hash, *eq, *key, *value;

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
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(key, keys[k]) == 0) {
				if (seen & (1u << k))
					r = vn_fail(err, 0, "%s:%d: '%s' is set twice", origin, line + 1, key);
				seen |= 1u << k;
			}
		if (r == 0)
			r = parse_setting(key, value, p, origin, line + 1, err);
	}
	return r;
}

/* Text: UTF-8, no control characters but tab and line ends (a NUL would
 * end the text early, unseen; others would let a message of ours span
 * lines or rewrite the terminal). */
static int check_text(const char *data, size_t len, const char *origin, struct vn_error *err)
{
	const unsigned char *s = (const unsigned char *)data;
	int line = 1;

	if (len > POLICY_FILE_MAX)
		return vn_fail(err, 0, "%s is larger than %d KiB; a policy is a few lines of "
			       "key = value", origin, POLICY_FILE_MAX / 1024);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_sequence(s + i, len - i);

		if (s[i] == '\0')
			return vn_fail(err, 0, "%s:%d: a NUL byte; a policy is UTF-8 text", origin,
				       line);
		if (n == 0)
			return vn_fail(err, 0, "%s:%d: byte 0x%02x is not UTF-8; a policy is UTF-8 "
				       "text", origin, line, s[i]);
		if (s[i] == '\n')
			line++;
		else if (s[i] < 0x20 && s[i] != '\t' &&
			 !(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			return vn_fail(err, 0, "%s:%d: control character 0x%02x; a policy is UTF-8 "
				       "text", origin, line, s[i]);
		i += n;
	}
	return 0;
}

int policy_parse_bytes(const char *data, size_t len, const char *origin, struct policy *p,
		       struct vn_error *err)
{
	cleanup_free char *copy = NULL;

	if (check_text(data, len, origin, err) < 0)
		return -1;
	copy = malloc(len + 1);
	if (!copy)
		return vn_fail(err, 0, "out of memory");
	memcpy(copy, data, len);
	copy[len] = '\0';
	return parse_lines(copy, origin, p, err);
}

static const char *file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	default:
		return "not a regular file";
	}
}

/* Read at most size bytes of fd: a file that holds more is too big, and
 * a file that grows while we read is not read past that. */
static ssize_t read_bounded(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/*
 * Opened once, then the opened file is judged (fstat): nothing can be
 * swapped in between.  O_NONBLOCK: a FIFO named by mistake is refused, not
 * waited on; O_NOCTTY: a terminal named by mistake does not become ours.
 */
static int load_file(const char *path, struct policy *p, struct vn_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	cleanup_free char *buf = NULL;
	struct stat st;
	ssize_t len;

	if (fd < 0)
		return vn_fail(err, errno, "--policy %s cannot be read", path);
	if (fstat(fd, &st) < 0)
		return vn_fail(err, errno, "--policy %s", path);
	if (!S_ISREG(st.st_mode))
		return vn_fail(err, 0, "--policy %s is %s; give a policy file (key = value lines)",
			       path, file_type(st.st_mode));
	/* one byte more than a policy may have: check_text refuses it */
	buf = malloc(POLICY_FILE_MAX + 1);
	if (!buf)
		return vn_fail(err, 0, "out of memory");
	len = read_bounded(fd, buf, POLICY_FILE_MAX + 1);
	if (len < 0)
		return vn_fail(err, errno, "--policy %s cannot be read", path);
	return policy_parse_bytes(buf, (size_t)len, path, p, err);
}

int policy_parse(const char *text, const char *origin, struct policy *p, struct vn_error *err)
{
	return policy_parse_bytes(text, strlen(text), origin, p, err);
}

/* Whether this binary runs from the directory it was built in: then the
 * source tree's policies come first (a build used in place); an installed
 * binary reads only the installed ones, whatever is left of the tree.
 * (Built without those paths, as the policy fuzzer is: installed only.) */
#if defined(VENEER_BUILD_ROOT) && defined(VENEER_SOURCE_POLICY_DIR)
static bool running_from_build(void)
{
	char exe[PATH_MAX];
	size_t len = strlen(VENEER_BUILD_ROOT);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	return strncmp(exe, VENEER_BUILD_ROOT, len) == 0 && exe[len] == '/';
}
#endif

/* The policy directories searched, colon-separated, for messages. */
static void policy_dirs(char *out, size_t size)
{
#if defined(VENEER_BUILD_ROOT) && defined(VENEER_SOURCE_POLICY_DIR)
	if (running_from_build()) {
		snprintf(out, size, "%s:%s", VENEER_SOURCE_POLICY_DIR, VENEER_INSTALLED_POLICY_DIR);
		return;
	}
#endif
	snprintf(out, size, "%s", VENEER_INSTALLED_POLICY_DIR);
}

static int find_policy(const char *name, char *path, size_t size)
{
	char dirs[2 * PATH_MAX + 2];
	char *save = NULL;

	policy_dirs(dirs, sizeof(dirs));
	for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		int n = snprintf(path, size, "%s/%s.policy", dir, name);

		if (n < 0 || (size_t)n >= size)
			continue;
		if (access(path, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

int policy_load(const char *name_or_path, struct policy *p, struct vn_error *err)
{
	if (strchr(name_or_path, '/')) {
		if (strlen(name_or_path) >= sizeof(p->path))
			return vn_fail(err, ENAMETOOLONG, "--policy %.64s...", name_or_path);
		memcpy(p->path, name_or_path, strlen(name_or_path) + 1);
	} else {
		if (!*name_or_path)
			return vn_fail(err, 0, "--policy is empty; give default, build, lab, container "
				       "or a path to a file");
		for (const char *c = name_or_path; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
				return vn_fail(err, 0, "--policy %s: a name is letters, digits, - and _; "
					       "give a path for a file", name_or_path);
		if (find_policy(name_or_path, p->path, sizeof(p->path)) < 0) {
			char dirs[2 * PATH_MAX + 2];

			policy_dirs(dirs, sizeof(dirs));
			return vn_fail(err, 0, "--policy %s: no such policy in %s; the shipped ones are "
				       "default, build, lab and container", name_or_path, dirs);
		}
	}
	return load_file(p->path, p, err);
}
