/* SPDX-License-Identifier: Apache-2.0 */
/* `veneer image` (import, ls, rm) and `veneer run --image`. */
#ifndef VENEER_IMAGE_H
#define VENEER_IMAGE_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "image_store.h"
#include "veneer/error.h"

/* cmd_image.c: exit statuses for main */
int cmd_image(int argc, char **argv);
void cmd_image_usage(FILE *out);

/* image_import.c: `veneer image import` (argv[0] is "import") */
int image_import(int argc, char **argv);

/* image_run.c: `veneer run --image NAME[:TAG]`: the image's layers
 * become opt's lowers (topmost first), its config's Env, Entrypoint and
 * Cmd, WorkingDir opt's image_env, argv and image_workdir; a User that
 * is not root is refused.  Nothing without --image. */
int image_apply(struct run_options *opt, struct vn_error *err);

/* image_user.c: the identity an image's User names (spec: USER[:GROUP],
 * names looked up in the union's /etc/passwd and /etc/group), with the
 * root inside's capabilities caps for uid 0 and none for another uid. */
struct vn_union;
struct vn_cred;
int image_user_resolve(struct vn_union *u, const char *image, const char *spec, uint64_t caps,
		       struct vn_cred *cred, struct vn_error *err);

#endif
