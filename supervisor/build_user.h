/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VENEER_BUILD_USER_H
#define VENEER_BUILD_USER_H

#include "veneer/error.h"
#include "veneer/union.h"

/* --build-user NAME: in the union's /etc/passwd and /etc/group, made in
 * the upper when the base has no such user (build_user.c).  0, or -1
 * with err set. */
int build_user_make(struct vn_union *u, const char *name, struct vn_error *err);
/* NULL when name may name a user (Debian's NAME_REGEX), else why not. */
const char *build_user_name_problem(const char *name);

#endif
