/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The end of a run, as the "what would this command change?" user wants
 * it: a summary of what the upper holds (on a terminal), the upper kept
 * on disk (--keep), or applied to the lower the command ran over
 * (--commit, asked first on a terminal, as `veneer commit` asks).
 *
 * The report is made by a process forked before the supervisor enters
 * its namespaces: inside the user namespace the lowers' owners read as
 * nobody (every copied-up directory would look changed), and a commit
 * made there could neither keep owners nor make what the caller may make.
 * The supervisor hands it the upper's root at the end (a throwaway
 * upper's tmpfs lives on while it holds that fd) and waits for its word
 * before letting the upper go.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "layer_tools.h"
#include "report.h"
#include "veneer/fdpass.h"
#include "veneer/union.h"

/* At most this many paths in a summary: a glance, not a diff. */
#define SUMMARY_PATHS 8

enum { MSG_REPORT = 'R', MSG_RELEASED = 'D' };

/* The supervisor's word at the end. */
struct report_msg {
	char kind;      /* MSG_REPORT */
	int status;     /* the command's, as veneer exits with it */
};

bool report_wanted(const struct run_options *opt)
{
	return opt->keep || opt->commit || (!opt->upper && isatty(STDERR_FILENO));
}

/* ------------------------------------------------------ the kept upper */

/* $XDG_DATA_HOME (when absolute, as the spec says), else ~/.local/share. */
static int data_home(char *out, size_t size, struct vn_error *err)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	struct passwd *pw;

	if (xdg && xdg[0] == '/')
		return (size_t)snprintf(out, size, "%s", xdg) < size ? 0
			: vn_fail(err, ENAMETOOLONG, "$XDG_DATA_HOME");
	if (!home || home[0] != '/') {
		pw = getpwuid(getuid());
		if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/')
			return vn_fail(err, 0, "--keep: no home directory to keep the upper in "
				       "(set XDG_DATA_HOME, or give --upper DIR)");
		home = pw->pw_dir;
	}
	return (size_t)snprintf(out, size, "%s/.local/share", home) < size ? 0
		: vn_fail(err, ENAMETOOLONG, "$HOME");
}

/* mkdir -p, each directory made private. */
static int make_dirs(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*p = saved;
			return -1;
		}
		*p = saved;
		if (!saved)
			return 0;
	}
}

int kept_upper_make(struct run_options *opt, struct vn_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;

	if (data_home(dir, sizeof(dir), err) < 0)
		return -1;
	if (strlen(dir) + sizeof("/veneer/uppers") > sizeof(dir))
		return vn_fail(err, ENAMETOOLONG, "%s", dir);
	strcat(dir, "/veneer/uppers");
	if (make_dirs(dir) < 0)
		return vn_fail(err, errno, "%s: make %s for the upper", opt->keep ? "--keep" :
			       "--commit", dir);
	if (!localtime_r(&now, &tm))
		return vn_fail(err, errno, "read the time");
	if ((size_t)snprintf(path, sizeof(path), "%s/run-%04d%02d%02d-%02d%02d%02d-XXXXXX", dir,
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec) >= sizeof(path))
		return vn_fail(err, ENAMETOOLONG, "%s", dir);
	if (!mkdtemp(path))
		return vn_fail(err, errno, "make an upper in %s", dir);
	opt->upper = strdup(path);
	if (!opt->upper) {
		rmdir(path);
		return vn_fail(err, ENOMEM, "--keep");
	}
	opt->kept_upper = true;
	return 0;
}

/* Whether the upper holds anything but its state directory. */
static bool holds_changes(const char *upper)
{
	DIR *d = opendir(upper);
	struct dirent *de;
	bool found = false;

	if (!d)
		return errno != ENOENT;
	while (!found && (de = readdir(d)))
		found = strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			strcmp(de->d_name, VN_STATE_DIR);
	closedir(d);
	return found;
}

void kept_upper_drop(struct run_options *opt)
{
	struct vn_error err = { 0 };

	if (!opt->kept_upper)
		return;
	if (holds_changes(opt->upper))
		fprintf(stderr, "veneer: the upper is kept: %s\n", opt->upper);
	else if (lt_remove_upper(opt->upper, true, &err) < 0)
		vn_error_print(&err);
}

/* ------------------------------------------------------------- summary */

struct counts {
	size_t added, changed, deleted;
};

static struct counts count_changes(const struct lt_diff *d)
{
	struct counts c = { 0 };

	for (size_t i = 0; i < d->n; i++) {
		switch (d->changes[i].change) {
		case 'A': c.added++; break;
		case 'C': c.changed++; break;
		case 'D': c.deleted++; break;
		default: break; /* O: its directory's line counts */
		}
	}
	return c;
}

/* "2 added, 1 changed, 1 deleted" */
static void print_counts(FILE *out, struct counts c)
{
	fprintf(out, "%zu added, %zu changed, %zu deleted", c.added, c.changed, c.deleted);
}

/* The first paths, one a line, on a terminal only: a script gets the
 * counts, and `veneer diff` of a kept upper for the rest. */
static void print_paths(FILE *out, const struct lt_diff *d, struct counts c)
{
	size_t shown = 0, total = c.added + c.changed + c.deleted;

	if (!isatty(STDERR_FILENO))
		return;
	for (size_t i = 0; i < d->n && shown < SUMMARY_PATHS; i++) {
		if (d->changes[i].change == 'O')
			continue;
		fprintf(out, "  %c ", d->changes[i].change);
		lt_print_path(out, d->changes[i].path);
		putc('\n', out);
		shown++;
	}
	if (total > shown)
		fprintf(out, "  ... and %zu more\n", total - shown);
}

/* The changes the upper holds against the run's lowers. */
static int collect(const struct run_options *opt, int upper_fd, struct lt_diff *d,
		   struct lt_upper *up, int **lower_fds, struct vn_error *err)
{
	const char *name = opt->upper ? opt->upper : "(throwaway)";

	if (lt_upper_open_fd(upper_fd, name, up, err) < 0 ||
	    lt_open_lowers((const char *const *)opt->lowers, opt->nlowers, lower_fds, "summary",
			   err) < 0)
		return -1;
	d->up = up;
	d->lower_fds = *lower_fds;
	d->nlowers = opt->nlowers;
	return lt_diff_collect(d, err);
}

/* --commit: 0 applied; 1 not, as asked (declined) or fit (the command
 * failed); -1 not, as veneer failed (said why). */
static int apply(const struct run_options *opt, struct counts c, int status)
{
	struct lt_commit_options commit = { .upper = opt->upper, .into = opt->lowers[0] };
	struct vn_error err = { 0 };
	int r;

	if (status != 0) {
		fprintf(stderr, "veneer: --commit: the command failed (exit status %d); nothing was "
			"applied\n", status);
		return 1;
	}
	if (c.added + c.changed + c.deleted == 0)
		return 0;
	r = lt_commit(&commit, &err);
	if (r < 0)
		vn_error_print(&err);
	return r;
}

/* Say what the upper holds, apply it when asked: the answer's byte. */
static char report(const struct run_options *opt, int upper_fd, int status)
{
	struct lt_upper up = { .fd = -1, .lock_fd = -1 };
	struct lt_diff d = { 0 };
	struct vn_error err = { 0 };
	int *lower_fds = NULL;
	struct counts c;
	char result = REPORT_SAID;

	if (collect(opt, upper_fd, &d, &up, &lower_fds, &err) < 0) {
		vn_error_print(&err);
		result = opt->commit ? REPORT_NOT_APPLIED : REPORT_SAID;
		goto out;
	}
	c = count_changes(&d);
	if (!opt->kept_upper && c.added + c.changed + c.deleted == 0)
		goto out; /* a throwaway that held nothing: nothing to say */
	fputs("veneer: ", stderr);
	print_counts(stderr, c);
	if (opt->commit)
		fprintf(stderr, "; to apply to %s\n", opt->lowers[0]);
	else if (opt->keep)
		fprintf(stderr, "; the upper is kept: %s\n", opt->upper);
	else
		fputs(" (gone with the throwaway upper; --keep keeps it)\n", stderr);
	print_paths(stderr, &d, c);
	if (opt->commit) {
		int r = apply(opt, c, status);

		result = r < 0 ? REPORT_NOT_APPLIED : r > 0 ? REPORT_KEPT : REPORT_SAID;
	}
out:
	if (result != REPORT_SAID || (opt->commit && opt->keep))
		fprintf(stderr, "veneer: the upper is kept: %s (`veneer commit %s --into %s` "
			"applies it, `veneer rm %s` removes it)\n", opt->upper, opt->upper,
			opt->lowers[0], opt->upper);
	fflush(stderr);
	lt_upper_close(&up);
	lt_close_lowers(lower_fds, lower_fds ? opt->nlowers : 0);
	lt_diff_free(&d);
	return result;
}

/* ------------------------------------------------------------- process */

/* The caller's terminal (stdin's, else stderr's: the summary's), -1
 * for none, and its modes as the caller had them, before the command
 * ran. */
static int terminal_fd(void)
{
	return isatty(STDIN_FILENO) ? STDIN_FILENO : isatty(STDERR_FILENO) ? STDERR_FILENO : -1;
}

static struct termios caller_modes;
static bool have_caller_modes;

static void save_terminal(void)
{
	int tty = terminal_fd();

	have_caller_modes = tty >= 0 && tcgetattr(tty, &caller_modes) == 0;
}

/* The command shares our terminal and may have left another process
 * group in its foreground: the prompt's read would stop us.  Ours again
 * (SIGTTOU ignored: we are a background group asking).  It may also have
 * left its modes (no echo; no canonical input, VMIN 0: the question read
 * end-of-file at once, a "y" typed at it unseen) or the output stopped
 * (TCOOFF, IXON off: our summary's write, and veneer, hung for good):
 * the caller's modes again, the output running, as a shell does when a
 * job ends. */
static void take_terminal(void)
{
	int tty = terminal_fd();

	if (tty < 0)
		return;
	signal(SIGTTOU, SIG_IGN);
	(void)tcsetpgrp(tty, getpgrp());
	if (have_caller_modes)
		(void)tcsetattr(tty, TCSANOW, &caller_modes);
	(void)tcflow(tty, TCOON);
}

static _Noreturn void reporter_main(int sock, const struct run_options *opt)
{
	/* a Ctrl-C for the command is not for us; at our prompt it is */
	static const int ignored[] = { SIGINT, SIGQUIT, SIGTSTP, SIGHUP, SIGTERM };
	struct report_msg msg;
	int upper_fd = -1;
	char result, released;
	size_t nfds = 0;
	ssize_t n;

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	(void)prctl(PR_SET_NAME, "veneer-report");
	n = vn_recv_msg(sock, &msg, sizeof(msg), &upper_fd, &nfds);
	if (n != (ssize_t)sizeof(msg) || msg.kind != MSG_REPORT || nfds != 1)
		_exit(0); /* veneer failed before the command ended: no report */
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	take_terminal();
	result = report(opt, upper_fd, msg.status);
	if (send(sock, &result, 1, MSG_NOSIGNAL) != 1)
		_exit(1);
	/* the committed upper goes once the supervisor let go of it */
	if (result == REPORT_SAID && opt->commit && !opt->keep &&
	    recv(sock, &released, 1, 0) == 1 && released == MSG_RELEASED) {
		struct vn_error err = { 0 };

		if (lt_remove_upper(opt->upper, false, &err) < 0)
			vn_error_print(&err);
	}
	_exit(0);
}

int reporter_start(struct reporter *r, const struct run_options *opt, struct vn_error *err)
{
	int s[2];

	r->pid = 0;
	r->sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s) < 0)
		return vn_fail(err, errno, "start the process that reports at exit");
	save_terminal(); /* now, before the command can change them */
	r->pid = fork();
	if (r->pid < 0) {
		int e = errno;

		close(s[0]);
		close(s[1]);
		r->pid = 0;
		return vn_fail(err, e, "start the process that reports at exit");
	}
	if (r->pid == 0) {
		/* nothing of the supervisor's but our socket: a helper's
		 * socket held here would keep that helper from seeing the
		 * supervisor's end, and the supervisor waits for it */
		if (dup2(s[1], 3) < 0 || close_range(4, ~0U, 0) < 0)
			_exit(1);
		reporter_main(3, opt);
	}
	close(s[1]);
	r->sock = s[0];
	return 0;
}

enum report_result reporter_report(struct reporter *r, const struct run_options *opt,
				   int upper_fd, int status)
{
	struct report_msg msg = { .kind = MSG_REPORT, .status = status };
	char result;

	if (r->pid <= 0)
		return REPORT_LOST;
	fflush(stderr);
	if (vn_send_msg(r->sock, &msg, sizeof(msg), &upper_fd, 1) < 0 ||
	    recv(r->sock, &result, 1, 0) != 1 ||
	    (result != REPORT_SAID && result != REPORT_KEPT && result != REPORT_NOT_APPLIED)) {
		if (opt->kept_upper)
			fprintf(stderr, "veneer: the report at exit was cut short; the upper is "
				"kept: %s\n", opt->upper);
		return REPORT_LOST;
	}
	return (enum report_result)result;
}

void reporter_finish(struct reporter *r)
{
	char msg = MSG_RELEASED;

	if (r->pid <= 0)
		return;
	(void)send(r->sock, &msg, 1, MSG_NOSIGNAL);
	close(r->sock);
	r->sock = -1;
	while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
		;
	r->pid = 0;
}
