/* SPDX-License-Identifier: Apache-2.0 */
/* The command's environment (env.c). */
#ifndef VENEER_ENV_H
#define VENEER_ENV_H

#include <stdio.h>
#include <sys/types.h>

#include "cli.h"
#include "veneer/error.h"
#include "veneer/union.h"

/*
 * The environment the command starts with, as user `uid` of the union:
 * that user's own (HOME, USER, LOGNAME, SHELL from the union's
 * /etc/passwd; a standard PATH), the caller's TERM, COLORTERM, TZ and
 * locale; then an image's Env (opt->image_env); then the policy's
 * clearenv, env and unsetenv; then the command
 * line's --clearenv, --env and --unsetenv.  `caller` is the caller's
 * environment.  Returns a NULL-terminated array for env_free, or NULL
 * (err says why).
 */
char **env_build(struct vn_union *u, uid_t uid, const struct run_options *opt,
		 char *const *caller, struct vn_error *err);
void env_free(char **envp);
/* A regular file of the union (path absolute, symlinks followed in the
 * union), opened for reading as the command would see it; NULL when it
 * is missing, not a regular file, or cannot be opened. */
FILE *union_file_open(struct vn_union *u, const char *path);

#endif
