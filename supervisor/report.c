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

#include "data_dir.h"
#include "layer_tools.h"
#include "record.h"
#include "report.h"
#include "veneer/cleanup.h"
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

int kept_upper_make(struct run_options *opt, struct vn_error *err)
{
	const char *flag = opt->keep ? "--keep" : "--commit";
	cleanup_free char *dir = data_dir_path("uppers", flag, err);
	char path[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;
	int r;

	if (!dir)
		return -1;
	r = data_dir_make(dir);
	if (r < 0)
		return vn_fail(err, -r, "%s: make %s for the upper", flag, dir);
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
		return vn_fail(err, ENOMEM, "%s", flag);
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

/* Say what the upper holds (--record: write it down with the paths
 * read, reads_fd), apply it when asked: the answer's byte. */
static char report(const struct run_options *opt, int upper_fd, int reads_fd, int status)
{
	struct lt_upper up = { .fd = -1, .lock_fd = -1 };
	struct lt_diff d = { 0 };
	struct vn_error err = { 0 };
	int *lower_fds = NULL;
	struct counts c;
	char result = REPORT_SAID;

	if (collect(opt, upper_fd, &d, &up, &lower_fds, &err) < 0) {
		vn_error_print(&err);
		result = opt->commit ? REPORT_NOT_APPLIED : opt->record ? REPORT_FAILED : REPORT_SAID;
		goto out;
	}
	/* before a commit changes the lowers the changes are told against */
	if (opt->record && record_write(opt, reads_fd, &d, &up, &err) < 0) {
		vn_error_print(&err);
		result = REPORT_FAILED;
	}
	if (!report_wanted(opt))
		goto out; /* asked only for the record */
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

		if (r != 0 || result == REPORT_SAID)
			result = r < 0 ? REPORT_NOT_APPLIED : r > 0 ? REPORT_KEPT : REPORT_SAID;
	}
out:
	if ((result != REPORT_SAID && result != REPORT_FAILED) || (opt->commit && opt->keep))
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
	int fds[VN_FDS_MAX];
	char result, released;
	size_t nfds = 0;
	ssize_t n;

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	(void)prctl(PR_SET_NAME, "veneer-report");
	n = vn_recv_msg(sock, &msg, sizeof(msg), fds, &nfds);
	if (n != (ssize_t)sizeof(msg) || msg.kind != MSG_REPORT || nfds < 1 || nfds > 2)
		_exit(0); /* veneer failed before the command ended: no report */
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	take_terminal();
	result = report(opt, fds[0], nfds > 1 ? fds[1] : -1, msg.status);
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

/* The reporter's fds: its socket as 3 and, --record, the record's
 * directory and new file as 4 and 5 (in opt); nothing else. */
static int keep_fds(int sock, struct run_options *opt)
{
	int from[3] = { sock, opt->record_dir_fd, opt->record_tmp_fd };
	int high[3] = { -1, -1, -1 };
	int n = opt->record ? 3 : 1;

	/* out of the way first: one of them may be 3, 4 or 5 already */
	for (int i = 0; i < n; i++) {
		high[i] = fcntl(from[i], F_DUPFD, 64);
		if (high[i] < 0)
			return -1;
	}
	/* the record's close on exec: a commit's helpers have no use for them */
	for (int i = 0; i < n; i++)
		if (dup3(high[i], 3 + i, i ? O_CLOEXEC : 0) < 0)
			return -1;
	if (close_range((unsigned)(3 + n), ~0U, 0) < 0)
		return -1;
	opt->record_dir_fd = opt->record ? 4 : -1;
	opt->record_tmp_fd = opt->record ? 5 : -1;
	return 0;
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
		struct run_options mine = *opt;

		if (keep_fds(s[1], &mine) < 0)
			_exit(1);
		reporter_main(3, &mine);
	}
	close(s[1]);
	r->sock = s[0];
	return 0;
}

enum report_result reporter_report(struct reporter *r, const struct run_options *opt,
				   int upper_fd, int reads_fd, int status)
{
	struct report_msg msg = { .kind = MSG_REPORT, .status = status };
	int fds[2] = { upper_fd, reads_fd };
	char result;

	if (r->pid <= 0)
		return REPORT_LOST;
	fflush(stderr);
	if (vn_send_msg(r->sock, &msg, sizeof(msg), fds, reads_fd >= 0 ? 2 : 1) < 0 ||
	    recv(r->sock, &result, 1, 0) != 1 ||
	    (result != REPORT_SAID && result != REPORT_KEPT && result != REPORT_NOT_APPLIED &&
	     result != REPORT_FAILED)) {
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
