/* SPDX-License-Identifier: Apache-2.0 */
/* veneer: a thin CLI over the sandbox and the union core. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "image.h"
#include "layer_tools.h"
#include "record.h"
#include "report.h"

#ifndef VENEER_VERSION
#define VENEER_VERSION "unknown"
#endif

/* The command died of `sig`: so does veneer, everything released first,
 * so that a shell sees what it would have seen natively (a loop stops at
 * Ctrl-C; $? is still 128+N).  Not dumpable and no core limit: the
 * command's crash leaves no core of veneer.  Returns only when the
 * signal did not end us (one the default action ignores). */
static void die_of_signal(int sig)
{
	struct rlimit none = { 0, 0 };
	sigset_t set;

	/* SIGKILL's action is its default and cannot be set */
	if (setrlimit(RLIMIT_CORE, &none) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    (sig != SIGKILL && signal(sig, SIG_DFL) == SIG_ERR))
		return;
	fflush(NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	if (raise(sig) < 0 || sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
		return;
}

static int cmd_run(int argc, char **argv)
{
	struct run_options opt;
	struct vn_error err = { 0 };
	int status;

	if (cli_parse_run(argc, argv, &opt, &err) < 0 || image_apply(&opt, &err) < 0 ||
	    validate_run_options(&opt, &err) < 0 ||
	    ((opt.keep || opt.commit) &&
	     (kept_upper_make(&opt, &err) < 0 || validate_kept_upper(&opt, &err) < 0)) ||
	    (opt.record && record_file_open(&opt, &err) < 0)) {
		vn_error_print(&err);
		kept_upper_drop(&opt);
		record_file_drop(&opt);
		cli_free_run(&opt);
		return EXIT_VENEER_ERROR;
	}
	status = sandbox_run(&opt, &err);
	record_file_drop(&opt); /* renamed over FILE unless the run failed */
	if (status < 0) {
		vn_error_print(&err);
		kept_upper_drop(&opt);
		status = EXIT_VENEER_ERROR;
	}
	cli_free_run(&opt);
	if (opt.died_of)
		die_of_signal(opt.died_of);
	return status;
}

/* Every command, with its help: `veneer help CMD` and `veneer CMD --help`
 * print the same text because both call the same function. */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *out);
} commands[] = {
	{ "run", cmd_run, cli_run_usage },
	{ "diff", cmd_diff, cmd_diff_usage },
	{ "export", cmd_export, cmd_export_usage },
	{ "commit", cmd_commit, cmd_commit_usage },
	{ "import", cmd_import, cmd_import_usage },
	{ "check", cmd_check, cmd_check_usage },
	{ "rm", cmd_rm, cmd_rm_usage },
	{ "image", cmd_image, cmd_image_usage },
	{ "doctor", cmd_doctor, cmd_doctor_usage },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* "run, diff, ..., doctor and help": the table's, so never stale. */
static void print_command_list(FILE *out)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "%s, ", commands[i].name);
	fputs("and help", out);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static bool is_help_flag(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* `veneer help [TOPIC]`: argv[0] is "help". */
static int cmd_help(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2 || strcmp(argv[1], "help") == 0 || is_help_flag(argv[1])) {
		cli_usage(stdout);
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "veneer: help takes one topic (got '%s' after '%s'); see `veneer "
			"help`\n", argv[2], argv[1]);
		return EXIT_VENEER_ERROR;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "veneer: help: unknown topic '%s'; the commands are ", argv[1]);
		print_command_list(stderr);
		fputc('\n', stderr);
		return EXIT_VENEER_ERROR;
	}
	cmd->usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		fputs("veneer: no command given; use `veneer run [OPTIONS] -- COMMAND`, or see "
		      "`veneer --help`\n", stderr);
		return EXIT_VENEER_ERROR;
	}
	cmd = find_command(argv[1]);
	if (cmd)
		return cmd->run(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0)
		return cmd_help(argc - 1, argv + 1);
	if (is_help_flag(argv[1])) {
		cli_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("veneer %s\n", VENEER_VERSION);
		return 0;
	}
	if (argv[1][0] == '-')
		fprintf(stderr, "veneer: unknown option '%s' (options follow the command); see "
			"`veneer --help`\n", argv[1]);
	else {
		fprintf(stderr, "veneer: unknown command '%s'; the commands are ", argv[1]);
		print_command_list(stderr);
		fputs(" (see `veneer --help`)\n", stderr);
	}
	return EXIT_VENEER_ERROR;
}
