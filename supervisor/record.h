/* SPDX-License-Identifier: Apache-2.0 */
/* `veneer run --record FILE`: what the command read and what it changed,
 * as JSON lines sorted by path (docs/design.md, "The record"). */
#ifndef VENEER_RECORD_H
#define VENEER_RECORD_H

#include "cli.h"
#include "layer_tools.h"
#include "veneer/error.h"

struct record;
struct vn_union;

/* Before anything runs: a new file beside opt->record, renamed over it
 * at the end (opt->record_dir_fd, record_tmp_fd, record_tmp): 0, or -1
 * with err set (the one line veneer says before it stops). */
int record_file_open(struct run_options *opt, struct vn_error *err);
/* The run is over: the new file is gone unless it was renamed. */
void record_file_drop(struct run_options *opt);

/* The supervisor, once the calls are over: the reads, sorted, each file
 * hashed once (opened in the layer it was read from, never by a host
 * path), into a memfd for the reporter: its fd, or -errno. */
int record_reads_export(struct record *r, struct vn_union *u);

/* The reporter: the reads (reads_fd, from record_reads_export) and the
 * changes the upper holds (d, collected; up: the upper) written to the
 * record file, renamed over FILE: 0, or -1 with err set. */
int record_write(const struct run_options *opt, int reads_fd, const struct lt_diff *d,
		 const struct lt_upper *up, struct vn_error *err);

#endif
