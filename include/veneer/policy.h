/* SPDX-License-Identifier: Apache-2.0 */
/* What a sandbox may have besides the union: network, /sys, capabilities.
 * Loaded from policies/NAME.policy (see policies/README.md). */
#ifndef VENEER_POLICY_H
#define VENEER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veneer/error.h"

enum policy_network {
	POLICY_NETWORK_HOST,  /* the host's network namespace */
	POLICY_NETWORK_NONE,  /* a new one with only loopback, up */
	POLICY_NETWORK_PRIVATE, /* a new one, loopback up, outbound through pasta */
};

enum policy_sys {
	POLICY_SYS_READ_ONLY, /* the host's /sys, read-only */
	POLICY_SYS_NONE,      /* an empty, read-only /sys */
};

/* A policy is a few lines of text: a bigger file is a mistake (or not a
 * policy at all), refused rather than read until memory runs out. */
#define POLICY_FILE_MAX (64 * 1024)
#define POLICY_HOST_SOCKETS_MAX 16
#define POLICY_SOCKET_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */
#define POLICY_ENV_MAX 32
#define POLICY_ENV_TEXT_MAX 1024   /* NAME=VALUE (or a NAME), with its NUL */
#define POLICY_HOSTNAME_MAX 64     /* HOST_NAME_MAX: the kernel's limit */
#define POLICY_UNAME_MAX 64        /* a utsname field holds 64 bytes and a NUL */

/* One change to the command's environment, applied in file order. */
struct policy_env_op {
	bool unset;                     /* unsetenv = NAME; else env = NAME=VALUE */
	char text[POLICY_ENV_TEXT_MAX]; /* NAME=VALUE, or NAME (a trailing * is a prefix) */
};

struct policy {
	char path[4096];            /* the file it came from */
	enum policy_network network;
	enum policy_sys sys;
	bool all_capabilities;      /* keep every capability of root inside */
	uint64_t capabilities;      /* else: the ones to keep (bit = CAP_*) */
	/* host-sockets: union paths of pathname AF_UNIX sockets of a layer or
	 * a --bind that the target may connect to (every other socket the
	 * sandbox did not bind itself is refused); none in shipped policies.
	 * Each absolute, canonical (no "//", ".", ".." or trailing slash),
	 * distinct, NUL-terminated. */
	size_t nhost_sockets;
	char host_sockets[POLICY_HOST_SOCKETS_MAX][POLICY_SOCKET_PATH_MAX];
	/* The command's environment: clearenv = yes starts from an empty
	 * one instead of the inside user's own; then env and unsetenv lines
	 * in file order (the command line's --env & co. come after). */
	bool clear_env;
	size_t nenv;
	struct policy_env_op env[POLICY_ENV_MAX];
	/* hostname = NAME; "" keeps the host's name */
	char hostname[POLICY_HOSTNAME_MAX + 1];
	/* domainname = NAME (the NIS domain name uname shows); "" keeps the
	 * host's */
	char domainname[POLICY_HOSTNAME_MAX + 1];
	/* umask = OCTAL: the command's; -1 keeps the caller's */
	int umask;
	/* readdir = sorted: every listing in byte order (disorderfs's
	 * --sort-dirents); else as the layers give it */
	bool sorted_readdir;
	/* source-date-epoch = source-tree: SOURCE_DATE_EPOCH is the caller's,
	 * else the newest modification time of the files below the current
	 * directory (env.c); keep: only what the environment rules give */
	bool source_date_epoch;
	/* uname-release, uname-version, uname-machine: what uname(2) says
	 * instead of the host kernel's; "" keeps the kernel's */
	char uname_release[POLICY_UNAME_MAX + 1];
	char uname_version[POLICY_UNAME_MAX + 1];
	char uname_machine[POLICY_UNAME_MAX + 1];
};

/* Whether the policy changes what uname(2) reports (it is answered). */
bool policy_fixes_uname(const struct policy *p);

/* NAME (a file of the policy directory) or a path to a .policy file: a
 * regular, readable file of at most POLICY_FILE_MAX bytes of UTF-8 text
 * without NUL bytes (or other control characters than tab and line
 * ends), else refused with one line naming the file and the problem. */
int policy_load(const char *name_or_path, struct policy *policy, struct vn_error *err);
/* Parse `len` bytes of policy text (any bytes: the checks above are
 * made here); `origin` names it in errors. */
int policy_parse_bytes(const char *data, size_t len, const char *origin, struct policy *policy,
		       struct vn_error *err);
/* The same for NUL-terminated text. */
int policy_parse(const char *text, const char *origin, struct policy *policy,
		 struct vn_error *err);

/* NULL when `name` may name an environment variable (not empty, no
 * '='), else what is wrong with it, for a one-line message.  A
 * `pattern` (unsetenv's) ending in '*' names every variable it starts,
 * and may not be "*" alone. */
const char *policy_env_name_problem(const char *name, bool pattern);
/* NULL when `name` is a host name (RFC 1123: labels of letters, digits
 * and '-', not starting or ending with '-', joined by '.'; at most
 * POLICY_HOSTNAME_MAX bytes), else what is wrong with it. */
const char *policy_hostname_problem(const char *name);

#endif
