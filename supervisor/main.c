/* SPDX-License-Identifier: Apache-2.0 */
/* veneer: a thin CLI over the sandbox and the union core. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "layer_tools.h"

#ifndef VENEER_VERSION
#define VENEER_VERSION "unknown"
#endif

static int cmd_run(int argc, char **argv)
{
	struct run_options opt;
	struct vn_error err = { 0 };
	int status;

	if (cli_parse_run(argc, argv, &opt, &err) < 0 || validate_run_options(&opt, &err) < 0) {
		vn_error_print(&err);
		cli_free_run(&opt);
		return EXIT_VENEER_ERROR;
	}
	status = sandbox_run(&opt, &err);
	if (status < 0) {
		vn_error_print(&err);
		status = EXIT_VENEER_ERROR;
	}
	cli_free_run(&opt);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage(stderr);
		return EXIT_VENEER_ERROR;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "diff") == 0)
		return cmd_diff(argc - 1, argv + 1);
	if (strcmp(argv[1], "export") == 0)
		return cmd_export(argc - 1, argv + 1);
	if (strcmp(argv[1], "doctor") == 0)
		return cmd_doctor(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("veneer %s\n", VENEER_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[2], "run") == 0)
			cli_run_usage(stdout);
		else if (argc > 2 && strcmp(argv[2], "diff") == 0)
			cmd_diff_usage(stdout);
		else if (argc > 2 && strcmp(argv[2], "export") == 0)
			cmd_export_usage(stdout);
		else
			cli_usage(stdout);
		return 0;
	}
	fprintf(stderr, "veneer: unknown command '%s'; see `veneer --help`\n", argv[1]);
	return EXIT_VENEER_ERROR;
}
