/* SPDX-License-Identifier: Apache-2.0 */
/* Where veneer keeps what is the user's: the image store, kept uppers. */
#ifndef VENEER_DATA_DIR_H
#define VENEER_DATA_DIR_H

#include "veneer/error.h"

/* ${XDG_DATA_HOME:-$HOME/.local/share}/veneer/SUB (an XDG_DATA_HOME that
 * is not absolute is ignored, as the XDG spec says): malloc'd, or NULL
 * with err set (what: the message's head). */
char *data_dir_path(const char *sub, const char *what, struct vn_error *err);
/* mkdir -p path, what it makes private to the user: 0 or -errno. */
int data_dir_make(char *path);

#endif
