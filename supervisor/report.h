/* SPDX-License-Identifier: Apache-2.0 */
/* What a run changed, said at its end: the summary on a terminal, the
 * upper --keep kept, the commit --commit asked for. */
#ifndef VENEER_REPORT_H
#define VENEER_REPORT_H

#include <stdbool.h>
#include <sys/types.h>

#include "cli.h"
#include "veneer/error.h"

/* The process that reports: forked before the supervisor enters any
 * namespace, so that it reads the upper and the lowers, and writes a
 * lower, as the caller on the host (owners shown as `veneer diff` shows
 * them, files committed owned as the caller's own). */
struct reporter {
	pid_t pid;   /* 0: none */
	int sock;
};

/* What the reporter answers. */
enum report_result {
	REPORT_SAID,        /* summed up (and, --commit, applied) */
	REPORT_KEPT,        /* --commit: declined, or the command failed; kept */
	REPORT_NOT_APPLIED, /* --commit: refused or failed; kept */
	REPORT_LOST,        /* the reporter is gone without a word */
	REPORT_FAILED,      /* --record: the record could not be written */
};

/* Whether this run reports at its end: a throwaway upper on a terminal,
 * --keep, --commit. */
bool report_wanted(const struct run_options *opt);
/* --keep, --commit: make the upper on disk, in the user's data directory
 * (opt->upper, opt->kept_upper); 0, or -1 with err set. */
int kept_upper_make(struct run_options *opt, struct vn_error *err);
/* veneer failed before the command ran: the kept upper holds nothing. */
void kept_upper_drop(struct run_options *opt);

int reporter_start(struct reporter *r, const struct run_options *opt, struct vn_error *err);
/* The command has ended with status (veneer's exit status for it): hand
 * the upper (its root's fd) and, --record, the paths read (reads_fd,
 * record_reads_export's; -1: none) and wait for the report.  The
 * supervisor no longer holds the upper's lock.  --commit applies only
 * after a status of 0. */
enum report_result reporter_report(struct reporter *r, const struct run_options *opt,
				   int upper_fd, int reads_fd, int status);
/* After the supervisor let go of the upper: the reporter removes an
 * upper it committed (but --keep), and is reaped. */
void reporter_finish(struct reporter *r);

#endif
