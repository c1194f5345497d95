/* SPDX-License-Identifier: Apache-2.0 */
/* Policy files: every setting parses, every mistake names file and line. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lexpath.h"
#include "veneer/policy.h"

static struct policy parsed(const char *text)
{
	struct policy p;
	struct vn_error err = { 0 };

	cr_assert_eq(policy_parse(text, "t.policy", &p, &err), 0, "parse failed: %s", err.msg);
	return p;
}

static void expect_error(const char *text, const char *message)
{
	struct policy p;
	struct vn_error err = { 0 };

	cr_assert_eq(policy_parse(text, "t.policy", &p, &err), -1, "parsed: %s", text);
	cr_assert(strstr(err.msg, message), "error '%s' lacks '%s'", err.msg, message);
}

Test(policy, defaults_when_empty)
{
	struct policy p = parsed("# nothing\n\n");

	cr_assert_eq(p.network, POLICY_NETWORK_HOST);
	cr_assert_eq(p.sys, POLICY_SYS_READ_ONLY);
	cr_assert(p.all_capabilities);
}

Test(policy, every_setting)
{
	struct policy p = parsed("network = none\n  sys=none # no sysfs\ncapabilities = chown, CAP_FOWNER,kill\n");

	cr_assert_eq(p.network, POLICY_NETWORK_NONE);
	cr_assert_eq(p.sys, POLICY_SYS_NONE);
	cr_assert_not(p.all_capabilities);
	cr_assert_eq(p.capabilities,
		     (1ull << CAP_CHOWN) | (1ull << CAP_FOWNER) | (1ull << CAP_KILL));
}

Test(policy, capabilities_none)
{
	struct policy p = parsed("capabilities = none");

	cr_assert_not(p.all_capabilities);
	cr_assert_eq(p.capabilities, 0);
}

Test(policy, mistakes_name_file_and_line)
{
	expect_error("network = host\nnetwrok = none\n", "t.policy:2: unknown key 'netwrok'; the keys "
		     "are network, sys, capabilities, host-sockets, env, unsetenv, clearenv, "
		     "hostname, domainname, umask, readdir, source-date-epoch, uname-release, "
		     "uname-version and uname-machine");
	expect_error("uname-release = \n", "t.policy:1: uname-release = ''");
	/* the fuzzer's: a tab in the value (it was read past its end) */
	expect_error("uname-version= Ye\tative /abs\n", "t.policy:1: uname-version = 'Ye\tative /abs'");
	expect_error("network = off\n", "t.policy:1: network = 'off'; use host, none or private");
	expect_error("umask = 8\n", "t.policy:1: umask = '8': give octal digits");
	expect_error("umask = -022\n", "t.policy:1: umask = '-022'");
	expect_error("umask = 01000\n", "t.policy:1: umask = '01000'");
	expect_error("readdir = random\n", "t.policy:1: readdir = 'random'");
	expect_error("source-date-epoch = now\n", "t.policy:1: source-date-epoch = 'now'");
	expect_error("domainname = -bad\n", "t.policy:1: domainname = '-bad'");
	expect_error("umask = 022\numask = 077\n", "t.policy:2: 'umask' is set twice");
	expect_error("\n\nsys = rw\n", "t.policy:3: sys = 'rw'");
	expect_error("capabilities = chown,fly\n", "t.policy:1: unknown capability 'fly'");
	expect_error("network\n", "t.policy:1: 'network' is not 'key = value'");
	expect_error("sys = none\nsys = none\n", "t.policy:2: 'sys' is set twice");
}

Test(policy, shipped_policies_load)
{
	static const char *const names[] = { "default", "build", "lab", "container" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct policy p;
		struct vn_error err = { 0 };

		cr_assert_eq(policy_load(names[i], &p, &err), 0, "%s: %s", names[i], err.msg);
		cr_assert_eq(p.nhost_sockets, 0, "%s: host sockets", names[i]);
	}
}

Test(policy, host_sockets_default_none)
{
	struct policy p = parsed("network = none\n");

	cr_assert_eq(p.nhost_sockets, 0);
	p = parsed("host-sockets = none\n");
	cr_assert_eq(p.nhost_sockets, 0);
}

Test(policy, host_sockets_canonical)
{
	struct policy p = parsed("host-sockets = /tmp/.X11-unix/X0 \t //run/user/1000/./wayland-0/ "
				 "/home/u/x/../.ssh/agent.sock # ssh-agent\n");

	cr_assert_eq(p.nhost_sockets, 3);
	cr_assert_str_eq(p.host_sockets[0], "/tmp/.X11-unix/X0");
	cr_assert_str_eq(p.host_sockets[1], "/run/user/1000/wayland-0");
	cr_assert_str_eq(p.host_sockets[2], "/home/u/.ssh/agent.sock");
}

Test(policy, host_sockets_longest)
{
	char text[256], path[POLICY_SOCKET_PATH_MAX];
	struct policy p;

	/* 107 bytes: what sun_path holds with its NUL */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[POLICY_SOCKET_PATH_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "host-sockets = %s\n", path);
	p = parsed(text);
	cr_assert_eq(p.nhost_sockets, 1);
	cr_assert_str_eq(p.host_sockets[0], path);
	/* longer as written, short enough once canonical */
	snprintf(text, sizeof(text), "host-sockets = /x/..%s\n", path);
	p = parsed(text);
	cr_assert_str_eq(p.host_sockets[0], path);
	snprintf(text, sizeof(text), "host-sockets = %sb\n", path);
	expect_error(text, "t.policy:1: host-sockets: '/aaa");
	expect_error(text, "is too long; a socket path has at most 107 bytes");
}

Test(policy, host_sockets_most)
{
	char text[1024];
	size_t len = (size_t)snprintf(text, sizeof(text), "host-sockets =");
	struct policy p;

	for (int i = 0; i < POLICY_HOST_SOCKETS_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, " /s/%d", i);
	p = parsed(text);
	cr_assert_eq(p.nhost_sockets, POLICY_HOST_SOCKETS_MAX);
	cr_assert_str_eq(p.host_sockets[POLICY_HOST_SOCKETS_MAX - 1], "/s/15");
	snprintf(text + len, sizeof(text) - len, " /s/x");
	expect_error(text, "t.policy:1: host-sockets: more than 16 paths");
}

Test(policy, host_sockets_refused)
{
	expect_error("host-sockets = tmp/.X11-unix/X0\n",
		     "t.policy:1: host-sockets: 'tmp/.X11-unix/X0' is not an absolute path");
	expect_error("\nhost-sockets = /a none\n", "t.policy:2: host-sockets: 'none' is not an absolute");
	expect_error("host-sockets = $SSH_AUTH_SOCK\n", "'$SSH_AUTH_SOCK' is not an absolute path");
	expect_error("host-sockets = ~/agent\n", "'~/agent' is not an absolute path");
	expect_error("host-sockets =\n", "t.policy:1: host-sockets is empty; give absolute socket");
	expect_error("host-sockets = /..\n", "t.policy:1: host-sockets: '/..' names the root");
	expect_error("host-sockets = /a/b /a//b/\n", "'/a//b/' is named twice (as /a/b)");
	expect_error("host-sockets = /a\nhost-sockets = /b\n", "t.policy:2: 'host-sockets' is set twice");
}

Test(policy, host_sockets_reset_by_each_parse)
{
	struct policy p = parsed("host-sockets = /a\n");

	cr_assert_eq(p.nhost_sockets, 1);
	cr_assert_eq(policy_parse("sys = none\n", "t.policy", &p, &(struct vn_error){ 0 }), 0);
	cr_assert_eq(p.nhost_sockets, 0);
}

Test(policy, env_defaults)
{
	struct policy p = parsed("network = none\n");

	cr_assert_not(p.clear_env);
	cr_assert_eq(p.nenv, 0);
	cr_assert_str_eq(p.hostname, "");
}

Test(policy, env_in_file_order)
{
	struct policy p = parsed("env = LANG=C.UTF-8\n"
				 "unsetenv = LC_* LANGUAGE # the locale\n"
				 "  env=PS1 = a b=c  \n"
				 "env = EMPTY=\n"
				 "clearenv = yes\n"
				 "unsetenv = TERM\n");

	cr_assert(p.clear_env);
	cr_assert_eq(p.nenv, 6);
	cr_assert_not(p.env[0].unset);
	cr_assert_str_eq(p.env[0].text, "LANG=C.UTF-8");
	cr_assert(p.env[1].unset);
	cr_assert_str_eq(p.env[1].text, "LC_*");
	cr_assert(p.env[2].unset);
	cr_assert_str_eq(p.env[2].text, "LANGUAGE");
	/* the name as written (blanks in it are its own), the value to the line's end */
	cr_assert_str_eq(p.env[3].text, "PS1 = a b=c");
	cr_assert_str_eq(p.env[4].text, "EMPTY=");
	cr_assert_str_eq(p.env[5].text, "TERM");
	p = parsed("clearenv = no\n");
	cr_assert_not(p.clear_env);
}

Test(policy, env_refused)
{
	char text[POLICY_ENV_TEXT_MAX + 32];
	size_t len = 0;

	expect_error("env = LANG\n", "t.policy:1: env = 'LANG'; give NAME=VALUE");
	expect_error("\nenv = =C\n", "t.policy:2: env = '=C': an empty name; give NAME=VALUE");
	expect_error("env =\n", "t.policy:1: env = ''; give NAME=VALUE");
	expect_error("unsetenv =\n", "t.policy:1: unsetenv is empty");
	expect_error("unsetenv = A=b\n", "t.policy:1: unsetenv 'A=b': a name with '='");
	expect_error("unsetenv = LANG *\n", "t.policy:1: unsetenv '*': '*' alone names every variable");
	expect_error("clearenv = true\n", "t.policy:1: clearenv = 'true'; use no or yes");
	expect_error("clearenv = yes\nclearenv = no\n", "t.policy:2: 'clearenv' is set twice");
	/* at most POLICY_ENV_MAX settings, each shorter than POLICY_ENV_TEXT_MAX */
	for (int i = 0; i < POLICY_ENV_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "unsetenv = V%d\n", i);
	cr_assert_eq(parsed(text).nenv, POLICY_ENV_MAX);
	snprintf(text + len, sizeof(text) - len, "env = X=1\n");
	expect_error(text, "t.policy:33: more than 32 env and unsetenv settings");
	len = (size_t)snprintf(text, sizeof(text), "env = X=");
	memset(text + len, 'v', POLICY_ENV_TEXT_MAX - 1 - 2);
	text[len + POLICY_ENV_TEXT_MAX - 1 - 2] = '\0';
	cr_assert_eq(strlen(parsed(text).env[0].text), POLICY_ENV_TEXT_MAX - 1);
	strcat(text, "v");
	expect_error(text, "t.policy:1: env: longer than 1023 bytes");
}

Test(policy, hostname)
{
	char text[128], name[POLICY_HOSTNAME_MAX + 2];

	cr_assert_str_eq(parsed("hostname = lab-7.example.org\n").hostname, "lab-7.example.org");
	cr_assert_str_eq(parsed("hostname = X1\n").hostname, "X1");
	/* 64 bytes in labels of at most 63 */
	memset(name, 'a', sizeof(name));
	name[62] = '.';
	name[POLICY_HOSTNAME_MAX] = '\0';
	snprintf(text, sizeof(text), "hostname = %s\n", name);
	cr_assert_str_eq(parsed(text).hostname, name);
	name[POLICY_HOSTNAME_MAX] = 'a';
	name[POLICY_HOSTNAME_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "hostname = %s\n", name);
	expect_error(text, "longer than 64 bytes");
	expect_error("hostname =\n", "t.policy:1: hostname = '': an empty host name");
	expect_error("hostname = -a\n", "t.policy:1: hostname = '-a': not a host name");
	expect_error("hostname = a-\n", "not a host name");
	expect_error("hostname = a..b\n", "not a host name");
	expect_error("hostname = a.\n", "not a host name");
	expect_error("hostname = a_b\n", "not a host name");
	expect_error("hostname = a b\n", "not a host name");
	expect_error("hostname = a\nhostname = b\n", "t.policy:2: 'hostname' is set twice");
	cr_assert_null(policy_hostname_problem("x"));
	cr_assert_not_null(policy_hostname_problem("caf\xc3\xa9"));
}

Test(policy, env_name_problem)
{
	cr_assert_null(policy_env_name_problem("LANG", false));
	cr_assert_null(policy_env_name_problem("LC_*", true));
	cr_assert_null(policy_env_name_problem("*", false));
	cr_assert_not_null(policy_env_name_problem("*", true));
	cr_assert_not_null(policy_env_name_problem("", false));
	cr_assert_not_null(policy_env_name_problem("A=B", true));
}

Test(policy, env_reset_by_each_parse)
{
	struct policy p = parsed("env = A=1\nclearenv = yes\nhostname = h\n");
	struct vn_error err = { 0 };

	cr_assert_eq(policy_parse("sys = none\n", "t.policy", &p, &err), 0, "%s", err.msg);
	cr_assert_eq(p.nenv, 0);
	cr_assert_not(p.clear_env);
	cr_assert_str_eq(p.hostname, "");
}

/* a string literal and its length, NUL bytes inside included */
#define BYTES(literal) literal, sizeof(literal) - 1

static void expect_bytes_error(const char *data, size_t len, const char *message)
{
	struct policy p;
	struct vn_error err = { 0 };

	cr_assert_eq(policy_parse_bytes(data, len, "t.policy", &p, &err), -1, "parsed %zu bytes",
		     len);
	cr_assert(strstr(err.msg, message), "error '%s' lacks '%s'", err.msg, message);
}

Test(policy, bytes_must_be_text)
{
		struct policy p;
	struct vn_error err = { 0 };

	expect_bytes_error(BYTES("network = none\n# \0 hidden\n"), "t.policy:2: a NUL byte; a policy is UTF-8 text");
	expect_bytes_error(BYTES("sys = none\n\xff\n"), "t.policy:2: byte 0xff is not UTF-8");
	/* overlong "/", a surrogate, past U+10FFFF, a sequence cut short */
	expect_bytes_error(BYTES("# \xc0\xaf\n"), "byte 0xc0 is not UTF-8");
	expect_bytes_error(BYTES("# \xed\xa0\x80\n"), "byte 0xed is not UTF-8");
	expect_bytes_error(BYTES("# \xf4\x90\x80\x80\n"), "byte 0xf4 is not UTF-8");
	expect_bytes_error(BYTES("# \xe2\x82"), "byte 0xe2 is not UTF-8");
	expect_bytes_error(BYTES("network = none\x1b" "[2J\n"), "t.policy:1: control character 0x1b");
	expect_bytes_error(BYTES("network = none\rsys = none\n"), "control character 0x0d");
	cr_assert_eq(policy_parse_bytes(BYTES("# caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7\r\n"
					      "network = none\r\n\tsys = none\n"),
					"t.policy", &p, &err),
		     0, "%s", err.msg);
	cr_assert_eq(p.network, POLICY_NETWORK_NONE);
	cr_assert_eq(p.sys, POLICY_SYS_NONE);
}

Test(policy, bytes_bounded)
{
	size_t len = POLICY_FILE_MAX + 1;
	char *text = malloc(len);
	struct policy p;
	struct vn_error err = { 0 };

	cr_assert_not_null(text);
	memset(text, '#', len);
	text[len - 2] = '\n';
	expect_bytes_error(text, len, "t.policy is larger than 64 KiB");
	text[len - 3] = '\n';
	cr_assert_eq(policy_parse_bytes(text, len - 1, "t.policy", &p, &err), 0, "%s", err.msg);
	free(text);
}

/* policy_load refuses what is not a policy file, from the opened file */
static void expect_load_error(const char *path, const char *message)
{
	struct policy p;
	struct vn_error err = { 0 };

	cr_assert_eq(policy_load(path, &p, &err), -1, "loaded %s", path);
	cr_assert(strstr(err.msg, message), "error '%s' lacks '%s'", err.msg, message);
}

Test(policy, load_refuses_non_files, .timeout = 10)
{
	char dir[] = "/tmp/veneer-unit-policy.XXXXXX", path[64];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	expect_load_error(dir, "is a directory; give a policy file");
	expect_load_error("/dev/zero", "--policy /dev/zero is a character device");
	/* a FIFO is refused, not waited on */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	expect_load_error(path, "is a FIFO");
	cr_assert_eq(unlink(path), 0);
	/* one byte over the bound, growing no further than it is read */
	snprintf(path, sizeof(path), "%s/big.policy", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	for (size_t i = 0; i < POLICY_FILE_MAX; i++)
		fputc(i % 64 == 63 ? '\n' : '#', f);
	fputs("\n", f);
	cr_assert_eq(fclose(f), 0);
	expect_load_error(path, "big.policy is larger than 64 KiB");
	cr_assert_eq(truncate(path, POLICY_FILE_MAX), 0);
	{
		struct policy p;
		struct vn_error err = { 0 };

		cr_assert_eq(policy_load(path, &p, &err), 0, "%s", err.msg);
	}
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(rmdir(dir), 0);
	expect_load_error(dir, "cannot be read");
	expect_load_error("", "--policy is empty");
}

static void expect_canonical(const char *path, const char *canonical)
{
	char out[64];

	cr_assert_eq(lexpath_canonical(path, out, sizeof(out)), 0, "%s", path);
	cr_assert_str_eq(out, canonical, "%s", path);
}

Test(lexpath, canonical)
{
	char out[8];

	expect_canonical("/", "/");
	expect_canonical("/.", "/");
	expect_canonical("//", "/");
	expect_canonical("/..", "/");
	expect_canonical("/../../a/..", "/");
	expect_canonical("/usr/../proc", "/proc");
	expect_canonical("/a//b/", "/a/b");
	expect_canonical("/bin/../x", "/x");
	expect_canonical("/a/./b/./", "/a/b");
	expect_canonical("/a/b/c/../../d", "/a/d");
	expect_canonical("/.../..a/a..", "/.../..a/a..");
	cr_assert_eq(lexpath_canonical("a/b", out, sizeof(out)), -EINVAL);
	cr_assert_eq(lexpath_canonical("", out, sizeof(out)), -EINVAL);
	cr_assert_eq(lexpath_canonical("/1234567", out, sizeof(out)), -ENAMETOOLONG);
	cr_assert_eq(lexpath_canonical("/123456", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/123456");
	cr_assert_eq(lexpath_canonical("/", out, 1), -ENAMETOOLONG);
}
