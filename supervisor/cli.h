/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VENEER_CLI_H
#define VENEER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "veneer/error.h"
#include "veneer/policy.h"

#define EXIT_VENEER_ERROR 125

enum backend {
	BACKEND_AUTO,
	BACKEND_NOTIFY,
	BACKEND_HOSTROOT,  /* notify without a user namespace (notify-hostroot) */
	BACKEND_PTRACE,
};

/* Who owns what inside (docs/design.md, "Ownership"). */
enum ids_mode {
	IDS_AUTO,       /* presented when the layers hold ids we cannot map */
	IDS_PRESENTED,  /* veneer shows and keeps owners, tracks identities */
	IDS_KERNEL,     /* the user namespace's own: one id, or all for root */
};

struct bind_option {
	char *source;     /* as given, then made absolute */
	char *dest;       /* absolute path inside the sandbox */
	bool read_only;
};

/* --env NAME=VALUE or --unsetenv NAME (a trailing * is a prefix) */
struct env_option {
	bool unset;
	char *text;
};

struct run_options {
	char **lowers;        /* topmost first; {"/"} when none given */
	size_t nlowers;
	char *upper;          /* NULL: a throwaway directory */
	struct bind_option *binds;
	size_t nbinds;
	char *chdir;          /* NULL: the caller's cwd when the union has it */
	char *policy_name;    /* --policy NAME|FILE (default "default") */
	struct policy policy; /* loaded by validate_run_options */
	enum backend backend; /* as asked; validate_run_options settles auto */
	char backend_why[640]; /* why that backend (for -v) */
	/* ptrace under another seccomp listener: its nested mode (SIGSYS) */
	bool ptrace_nested;
	bool unsafe_lowers;   /* notify-hostroot without Landlock (--unsafe-lowers) */
	enum ids_mode ids;    /* as asked; sandbox_run settles IDS_AUTO */
	bool verbose;
	struct env_option *env; /* --env and --unsetenv, in their order */
	size_t nenv;
	bool clear_env;       /* --clearenv */
	char *hostname;       /* --hostname; NULL: the policy's, else the host's */
	bool keep;            /* --keep: the throwaway upper on disk, kept */
	bool commit;          /* --commit: applied to the lower at exit */
	bool kept_upper;      /* upper is the one --keep/--commit made */
	char *source_date_epoch; /* "SOURCE_DATE_EPOCH=N" the policy's rule gave */
	char *record;         /* --record FILE: what the command read and changed */
	/* its file, opened before the sandbox starts (record_file_open):
	 * the directory that holds FILE, and a new file beside it renamed
	 * over FILE at the end; -1 when none */
	int record_dir_fd, record_tmp_fd;
	char *record_tmp;     /* the new file's name in that directory */
	char *image;          /* --image NAME[:TAG]; image_apply fills in the rest */
	char **image_env;     /* its config's Env (NAME=VALUE), before the policy's */
	size_t nimage_env;
	char **image_argv;    /* its Entrypoint + (COMMAND or Cmd), NULL-terminated */
	char *image_workdir;  /* its WorkingDir ("/" when it has none) */
	char *image_user;     /* its User, when not root: the command's identity */
	char *build_user;     /* --build-user NAME: the command's, over an image's */
	int image_hold;       /* the store held while the sandbox runs (-1: not) */
	char **argv;          /* the command (image_argv with an image) */
	int died_of;          /* set by sandbox_run: the signal that ended the
			       * command (its status is then 128+N), else 0 */
};

/* cli.c */
int cli_parse_run(int argc, char **argv, struct run_options *opt, struct vn_error *err);
void cli_free_run(struct run_options *opt);
void cli_usage(FILE *out);
void cli_run_usage(FILE *out);
/* What getopt_long (opterr 0, optstring starting with ':') returned c
 * for, a missing value or an unknown option, as the one line of the
 * command cmd: always -1. */
int cli_option_error(const char *cmd, int c, char **argv, struct vn_error *err);

/* validate.c: bad input is refused before anything is touched */
int validate_run_options(struct run_options *opt, struct vn_error *err);
/* The upper --keep made, checked as --upper is (after it was made). */
int validate_kept_upper(struct run_options *opt, struct vn_error *err);
/* The lowers and the upper alone, made canonical (for doctor too). */
int validate_layers(struct run_options *opt, struct vn_error *err);

/* source_date.c: the policy's source-date-epoch = source-tree, settled
 * (opt->source_date_epoch) before anything is touched */
int source_date_epoch_settle(struct run_options *opt, struct vn_error *err);

/* ids.c: what IDS_AUTO means for these layers, and why (for doctor) */
enum ids_mode ids_choose(const struct run_options *opt, char *why, size_t size);
/* Whether the upper holds an owner store (an earlier presented run's). */
bool ids_upper_keeps_owners(const struct run_options *opt);

/* sandbox.c: returns the exit status for veneer */
int sandbox_run(struct run_options *opt, struct vn_error *err);

/* doctor.c: `veneer doctor` */
int cmd_doctor(int argc, char **argv);
void cmd_doctor_usage(FILE *out);

#endif
