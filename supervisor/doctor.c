/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer doctor`: what this machine gives veneer, and what `veneer run`
 * would choose here -- the backend, and how ownership is shown (--ids).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "probe.h"
#include "veneer/landlock.h"
#include "veneer/union.h"

void cmd_doctor_usage(FILE *out)
{
	fputs("Usage: veneer doctor [--lower DIR]... [--upper DIR]\n"
	      "\n"
	      "Say what this machine gives veneer and what `veneer run` with the same\n"
	      "layers would choose: the backend, and how ownership is shown inside\n"
	      "(--ids auto).  Changes nothing.\n"
	      "\n"
	      "  --lower DIR   a lower layer as for `veneer run` (default: /)\n"
	      "  --upper DIR   an upper layer as for `veneer run`\n"
	      "  -h, --help    show this help\n"
	      "\n"
	      "The layers are checked as `veneer run` checks them.  Exit status: 0 when\n"
	      "`veneer run` can work here, 1 when it cannot, 125 on bad input (one line\n"
	      "on stderr).\n",
	      out);
}

static void line(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%-12s ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The caller's line in /etc/subuid or /etc/subgid, if any. */
static bool has_subordinate_ids(const char *file, const char *user, uid_t uid)
{
	char buf[512], id[32];
	bool found = false;
	FILE *f = fopen(file, "re");

	if (!f)
		return false;
	snprintf(id, sizeof(id), "%u", (unsigned)uid);
	while (!found && fgets(buf, sizeof(buf), f)) {
		char *colon = strchr(buf, ':');

		if (!colon)
			continue;
		*colon = '\0';
		found = strcmp(buf, user) == 0 || strcmp(buf, id) == 0;
	}
	fclose(f);
	return found;
}

static bool on_path(const char *prog)
{
	char path[PATH_MAX];
	const char *dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], prog);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

static void report_ownership(struct run_options *opt)
{
	char why[PATH_MAX + 128], store[PATH_MAX];
	struct passwd *pw = getpwuid(getuid());
	const char *user = pw ? pw->pw_name : "?";
	enum ids_mode mode = ids_choose(opt, why, sizeof(why));
	bool subuid = has_subordinate_ids("/etc/subuid", user, getuid());
	bool subgid = has_subordinate_ids("/etc/subgid", user, getuid());

	line("ownership", "%s: %s", mode == IDS_PRESENTED ? "presented" : "kernel", why);
	if (mode == IDS_PRESENTED)
		line("", "veneer shows real owners, keeps owners set inside in the upper's "
		     "%s/%s and emulates setuid & co.", VN_STATE_DIR, VN_OWNER_STORE);
	else if (geteuid() == 0)
		line("", "every id is mapped: owners and setuid & co. are the kernel's own");
	else
		line("", "ids other than yours would show as nobody; --ids presented changes that");
	line("subids", "%s in /etc/subuid, %s in /etc/subgid; newuidmap %s, newgidmap %s "
	     "(not used: presented ownership works without them, see docs/design.md)",
	     subuid ? "yes" : "none", subgid ? "yes" : "none",
	     on_path("newuidmap") ? "present" : "missing", on_path("newgidmap") ? "present" : "missing");
	if (opt->upper) {
		snprintf(store, sizeof(store), "%s/%s/%s", opt->upper, VN_STATE_DIR, VN_OWNER_STORE);
		line("owner store", "%s: %s", store,
		     access(store, F_OK) == 0 ? "present" : "none yet (made on the first change)");
	}
}

/* Abstract AF_UNIX sockets follow the network namespace: with
 * `network = host` only Landlock's scoping keeps the host's out. */
static void report_abstract_sockets(void)
{
	int abi = vn_landlock_abi();

	if (abi >= VN_LANDLOCK_ABI_SCOPE)
		line("abstract", "host abstract sockets refused inside (Landlock ABI %d scopes them)", abi);
	else
		line("abstract", "host abstract sockets reachable under network = host: this kernel has "
		     "no Landlock scoping (Linux 6.12+%s); use a policy with network = none or private",
		     abi ? "" : ", Landlock enabled");
}

/* The layers as `veneer run` takes them; 0, 1 (help shown) or -1. */
static int parse_doctor_args(int argc, char **argv, struct run_options *opt, struct vn_error *err)
{
	static const struct option options[] = {
		{ "lower", required_argument, NULL, 'l' },
		{ "upper", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (c) {
		case 'l': {
			char **grown = realloc(opt->lowers, (opt->nlowers + 1) * sizeof(*grown));

			if (!grown)
				return vn_fail(err, ENOMEM, "doctor");
			opt->lowers = grown;
			grown[opt->nlowers] = strdup(optarg);
			if (!grown[opt->nlowers])
				return vn_fail(err, ENOMEM, "doctor");
			opt->nlowers++;
			break;
		}
		case 'u':
			if (opt->upper)
				return vn_fail(err, 0, "--upper given twice; there is one upper layer");
			opt->upper = strdup(optarg);
			if (!opt->upper)
				return vn_fail(err, ENOMEM, "doctor");
			break;
		case 'h':
			return 1;
		case ':':
			return vn_fail(err, 0, "doctor: %s needs a value; see `veneer doctor --help`",
				       argv[optind - 1]);
		default:
			return vn_fail(err, 0, "doctor: unknown option %s; see `veneer doctor --help`",
				       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vn_fail(err, 0, "doctor takes no arguments (got '%s'); see `veneer doctor "
			       "--help`", argv[optind]);
	if (opt->nlowers == 0) {
		opt->lowers = malloc(sizeof(*opt->lowers));
		if (!opt->lowers || !(opt->lowers[0] = strdup("/")))
			return vn_fail(err, ENOMEM, "doctor");
		opt->nlowers = 1;
	}
	return 0;
}

int cmd_doctor(int argc, char **argv)
{
	struct run_options opt = { 0 };
	struct vn_error err = { 0 };
	struct utsname un;
	char why[512];
	char notify_why[512];
	bool usable = true, userns, notify, hostroot, nested;
	int r = parse_doctor_args(argc, argv, &opt, &err);

	/* the same layers `run` would refuse, with the same line */
	if (r == 0)
		r = validate_layers(&opt, &err);
	if (r != 0) {
		if (r > 0)
			cmd_doctor_usage(stdout);
		else
			vn_error_print(&err);
		cli_free_run(&opt);
		return r > 0 ? 0 : EXIT_VENEER_ERROR;
	}

	line("kernel", "%s %s", uname(&un) == 0 ? un.sysname : "?", uname(&un) == 0 ? un.release : "?");
	userns = probe_user_namespace(why, sizeof(why)) == 0;
	if (userns)
		line("user ns", "yes: a user namespace can be made, mapped and mounted in");
	else
		line("user ns", "no: %s", why);
	notify = probe_notify(true, &nested, notify_why, sizeof(notify_why)) == 0;
	hostroot = probe_hostroot(false, why, sizeof(why)) == 0;
	if (notify && userns) {
		line("backend", "notify: seccomp user notification works (--backend auto picks it)");
	} else if (notify && hostroot) {
		line("backend", "notify-hostroot: auto picks it, as the user namespace above does not "
		     "work (experimental)");
	} else if (notify) {
		line("backend", "none: no user namespace, and notify-hostroot: %s", why);
		usable = false;
	} else if (probe_ptrace(false, nested, why, sizeof(why)) == 0) {
		line("backend", "ptrace: auto picks it, as %s (experimental)", notify_why);
	} else {
		line("backend", "none: %s; and ptrace: %s", notify_why, why);
		usable = false;
	}
	if (notify && hostroot)
		line("hostroot", "usable: --backend notify-hostroot runs without a user namespace "
		     "(experimental)");
	else
		line("hostroot", "no: %s", notify ? why : notify_why);
	if (probe_ptrace(false, nested, why, sizeof(why)) == 0)
		line("ptrace", "usable: --backend ptrace runs without a user namespace and without "
		     "seccomp notification%s (experimental)",
		     nested ? ", in its nested mode (calls trapped with SIGSYS, as USER_NOTIF above "
			      "would take traced ones)" : "");
	else
		line("ptrace", "no: %s", why);
	line("", "notify-hostroot and ptrace lack: pid, IPC, UTS and network namespaces (the");
	line("", "host's processes and /proc are seen), root inside, --bind, presented ids,");
	line("", "a /dev/shm of its own, devices of the union (docs/design.md)");
	report_ownership(&opt);
	report_abstract_sockets();
	cli_free_run(&opt);
	return usable ? 0 : 1;
}
