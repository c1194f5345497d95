/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command's environment.  Inside, the command is another user (root)
 * on another system (the union), so the caller's HOME, USER and PATH
 * would be wrong there: it starts as after a login, with the inside
 * user's own, and keeps of the caller's only what belongs to the
 * terminal and the person at it (TERM, COLORTERM, TZ, the locale).
 * Everything else of the caller's stays outside unless asked for: it
 * names host paths, sessions and sockets (SSH_AUTH_SOCK, XDG_RUNTIME_DIR,
 * DBUS_SESSION_BUS_ADDRESS) the sandbox does not have or may not reach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "env.h"
#include "veneer/cleanup.h"

/* Debian's login.defs ENV_SUPATH and ENV_PATH */
static const char root_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
static const char user_path[] = "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games";

struct env {
	char **vars; /* NAME=VALUE, NULL-terminated */
	size_t n;
};

struct passwd_entry {
	char *name, *home, *shell; /* NULL: not in the union's /etc/passwd */
};

void env_free(char **envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		free(envp[i]);
	free(envp);
}

static size_t name_length(const char *var)
{
	const char *eq = strchr(var, '=');

	return eq ? (size_t)(eq - var) : strlen(var);
}

/* `pattern` is NAME, or PREFIX* for every name PREFIX starts. */
static bool name_matches(const char *var, const char *pattern)
{
	size_t plen = strlen(pattern), nlen = name_length(var);

	if (plen && pattern[plen - 1] == '*')
		return nlen >= plen - 1 && strncmp(var, pattern, plen - 1) == 0;
	return nlen == plen && strncmp(var, pattern, plen) == 0;
}

static void env_unset(struct env *e, const char *pattern)
{
	size_t kept = 0;

	for (size_t i = 0; i < e->n; i++) {
		if (name_matches(e->vars[i], pattern))
			free(e->vars[i]);
		else
			e->vars[kept++] = e->vars[i];
	}
	e->n = kept;
	e->vars[kept] = NULL;
}

static void env_clear(struct env *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->vars[i]);
	e->n = 0;
	e->vars[0] = NULL;
}

/* NAME=VALUE replaces NAME where it is, else comes last. */
static int env_set(struct env *e, const char *assignment)
{
	size_t nlen = name_length(assignment);
	char *copy = strdup(assignment);
	char **grown;

	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < e->n; i++)
		if (name_length(e->vars[i]) == nlen && strncmp(e->vars[i], assignment, nlen) == 0) {
			free(e->vars[i]);
			e->vars[i] = copy;
			return 0;
		}
	grown = realloc(e->vars, (e->n + 2) * sizeof(*grown));
	if (!grown) {
		free(copy);
		return -ENOMEM;
	}
	e->vars = grown;
	e->vars[e->n++] = copy;
	e->vars[e->n] = NULL;
	return 0;
}

static int env_set_pair(struct env *e, const char *name, const char *value)
{
	cleanup_free char *var = NULL;

	if (asprintf(&var, "%s=%s", name, value) < 0)
		return -ENOMEM;
	return env_set(e, var);
}

/* What the terminal and the person at it need, whoever runs inside. */
static bool kept_from_caller(const char *var)
{
	static const char *const names[] = { "TERM", "COLORTERM", "TZ", "LANG", "LANGUAGE",
					      "LC_*" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (name_matches(var, names[i]))
			return true;
	return false;
}

/* name:password:uid:gid:gecos:home:shell; true when it is uid's entry */
static bool passwd_line_of(char *line, uid_t uid, struct passwd_entry *pw)
{
	char *field[7], *end;
	unsigned long id;

	line[strcspn(line, "\n")] = '\0';
	for (int i = 0; i < 7; i++)
		if (!(field[i] = strsep(&line, ":")))
			return false;
	errno = 0;
	id = strtoul(field[2], &end, 10);
	/* "+name" and "-name" are NIS compat entries, not users */
	if (field[0][0] == '\0' || field[0][0] == '+' || field[0][0] == '-' || errno ||
	    end == field[2] || *end || id != uid)
		return false;
	pw->name = strdup(field[0]);
	pw->home = field[5][0] ? strdup(field[5]) : NULL;
	pw->shell = field[6][0] ? strdup(field[6]) : NULL;
	return true;
}

FILE *union_file_open(struct vn_union *u, const char *path)
{
	struct vn_node node;
	FILE *f;
	int fd;

	if (vn_resolve(u, "/", path, VN_FOLLOW, &node) < 0 || node.passthrough ||
	    !S_ISREG(node.st.st_mode))
		return NULL;
	fd = vn_open_node(u, &node, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

/* The union's /etc/passwd, as the command will see it: a lower's, or
 * the upper's once changed inside.  Missing or unreadable (or a --bind,
 * which the union does not hold), it names nobody. */
static void read_union_passwd(struct vn_union *u, uid_t uid, struct passwd_entry *pw)
{
	cleanup_free char *line = NULL;
	size_t size = 0;
	FILE *f = union_file_open(u, "/etc/passwd");

	if (!f)
		return;
	while (getline(&line, &size, f) > 0)
		if (passwd_line_of(line, uid, pw))
			break;
	fclose(f);
}

/* HOME, USER, LOGNAME and SHELL as login(1) sets them, PATH as Debian's
 * login.defs; login's fallbacks where the union's /etc/passwd has none. */
static int set_user_environment(struct env *e, struct vn_union *u, uid_t uid)
{
	struct passwd_entry pw = { 0 };
	int r;

	read_union_passwd(u, uid, &pw);
	r = env_set_pair(e, "HOME", pw.home ? pw.home : uid == 0 ? "/root" : "/");
	if (r == 0 && (pw.name || uid == 0))
		r = env_set_pair(e, "USER", pw.name ? pw.name : "root");
	if (r == 0 && (pw.name || uid == 0))
		r = env_set_pair(e, "LOGNAME", pw.name ? pw.name : "root");
	if (r == 0)
		r = env_set_pair(e, "SHELL", pw.shell ? pw.shell : "/bin/sh");
	if (r == 0)
		r = env_set_pair(e, "PATH", uid == 0 ? root_path : user_path);
	free(pw.name);
	free(pw.home);
	free(pw.shell);
	return r;
}

/* One --env/--unsetenv or policy env/unsetenv line. */
static int apply_one(struct env *e, bool unset, const char *text)
{
	if (!unset)
		return env_set(e, text);
	env_unset(e, text);
	return 0;
}

/* An image's config Env: the image's own settings, as docker applies them. */
static int apply_image(struct env *e, const struct run_options *opt)
{
	int r = 0;

	for (size_t i = 0; i < opt->nimage_env && r == 0; i++)
		r = env_set(e, opt->image_env[i]);
	return r;
}

static int apply_policy(struct env *e, const struct policy *p)
{
	int r = 0;

	if (p->clear_env)
		env_clear(e);
	for (size_t i = 0; i < p->nenv && r == 0; i++)
		r = apply_one(e, p->env[i].unset, p->env[i].text);
	return r;
}

static int apply_options(struct env *e, const struct run_options *opt)
{
	int r = 0;

	if (opt->clear_env)
		env_clear(e);
	for (size_t i = 0; i < opt->nenv && r == 0; i++)
		r = apply_one(e, opt->env[i].unset, opt->env[i].text);
	return r;
}

char **env_build(struct vn_union *u, uid_t uid, const struct run_options *opt,
		 char *const *caller, struct vn_error *err)
{
	struct env e = { .vars = calloc(1, sizeof(char *)) };
	int r = e.vars ? 0 : -ENOMEM;

	if (r == 0)
		r = set_user_environment(&e, u, uid);
	for (size_t i = 0; r == 0 && caller && caller[i]; i++)
		if (strchr(caller[i], '=') && kept_from_caller(caller[i]))
			r = env_set(&e, caller[i]);
	if (r == 0)
		r = apply_image(&e, opt);
	if (r == 0)
		r = apply_policy(&e, &opt->policy);
	if (r == 0 && opt->source_date_epoch)
		r = env_set(&e, opt->source_date_epoch);
	if (r == 0)
		r = apply_options(&e, opt);
	if (r < 0) {
		env_free(e.vars);
		vn_fail(err, -r, "build the command's environment");
		return NULL;
	}
	return e.vars;
}
