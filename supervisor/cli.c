/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line parsing: `veneer run` options into struct run_options. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void cli_usage(FILE *out)
{
	fputs("Usage: veneer COMMAND [OPTIONS]\n"
	      "\n"
	      "Give a process a private, writable view of a read-only file tree: a union\n"
	      "of layers resolved in user space (no root, no overlayfs, no FUSE).\n"
	      "\n"
	      "Commands:\n"
	      "  run       run a command with a union as its root file system\n"
	      "  diff      list the changes an upper layer holds\n"
	      "  export    write an upper layer as an OCI layer tarball\n"
	      "  commit    apply what an upper layer holds to a directory\n"
	      "  import    unpack a layer tarball into a directory, a layer to run over\n"
	      "  check     what a crash or a hand edit left in an upper layer (--repair)\n"
	      "  rm        remove an upper layer, read-only directories included\n"
	      "  image     import OCI images into a local store, list and remove them\n"
	      "            (`veneer run --image NAME` runs one)\n"
	      "  doctor    what this machine gives veneer, and what `run` would choose\n"
	      "  help      show this help, or a command's: `veneer help COMMAND`\n"
	      "            (the same as `veneer COMMAND --help`)\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n",
	      out);
}

void cli_run_usage(FILE *out)
{
	fputs("Usage: veneer run [OPTIONS] [--] COMMAND [ARG...]\n"
	      "       veneer run --image NAME[:TAG] [OPTIONS] [-- COMMAND [ARG...]]\n"
	      "\n"
	      "Run COMMAND in a sandbox whose root is the union of the layers.\n"
	      "\n"
	      "  --lower DIR           a read-only layer; repeat for more (at most 31),\n"
	      "                        topmost first (default: /)\n"
	      "  --image NAME[:TAG]    an image of `veneer image import` (TAG: latest): its\n"
	      "                        layers are the lowers, its config's Env, WorkingDir,\n"
	      "                        Entrypoint and Cmd (when no COMMAND is given) apply,\n"
	      "                        and its User is who the command runs as (presented\n"
	      "                        ownership); not with --lower\n"
	      "  --upper DIR           the writable layer, created if missing (default: a\n"
	      "                        throwaway upper in memory, gone at exit; on a\n"
	      "                        terminal, what it held is summed up at exit)\n"
	      "  --keep                keep the throwaway upper: it is made on disk, in\n"
	      "                        $XDG_DATA_HOME/veneer/uppers/ (~/.local/share/...),\n"
	      "                        and its path is printed at exit\n"
	      "  --commit              at exit, apply the changes to the lower the command\n"
	      "                        ran over (one --lower, default /), as `veneer\n"
	      "                        commit` does: asked first on a terminal; when they\n"
	      "                        are not applied, the upper is kept and named\n"
	      "  --record FILE         at exit, write to FILE every path the command read\n"
	      "                        (with its layer and, for a file, its SHA-256) and\n"
	      "                        every path it changed, as JSON lines sorted by\n"
	      "                        path (docs/design.md, \"The record\")\n"
	      "  --bind SRC[:DEST][:ro]\n"
	      "                        mount host path SRC at DEST (default: SRC) as it\n"
	      "                        is, not unioned; :ro makes it read-only; DEST is\n"
	      "                        taken lexically (/a//b/.. is /a) and may not be\n"
	      "                        /, /proc, /dev, /sys or below\n"
	      "  --chdir DIR           working directory inside (default: the current\n"
	      "                        directory when the union has it, else /)\n"
	      "  --policy NAME|FILE    network, /sys, capabilities and host sockets:\n"
	      "                        default, build, lab, container, or a .policy file\n"
	      "                        (default: default; policies/README.md)\n"
	      "  --backend NAME        auto, notify, notify-hostroot (no user namespace:\n"
	      "                        the host's root with the union's paths answered)\n"
	      "                        or ptrace (the same without seccomp notification:\n"
	      "                        every call a seccomp stop of a tracer); the last\n"
	      "                        two experimental, docs/design.md (default: auto,\n"
	      "                        which picks notify where a user namespace works,\n"
	      "                        else notify-hostroot, and ptrace where no seccomp\n"
	      "                        listener can be installed)\n"
	      "  --unsafe-lowers       with --backend notify-hostroot or ptrace on a\n"
	      "                        kernel without Landlock: run although nothing but\n"
	      "                        veneer's own answers keeps the target from\n"
	      "                        writing to the lowers and the host\n"
	      "  --ids MODE            ownership inside: presented (veneer shows every\n"
	      "                        file's real owner, keeps owners set inside in the\n"
	      "                        upper, and tracks setuid & co.), kernel (the user\n"
	      "                        namespace's: ids other than yours show as nobody),\n"
	      "                        or auto: presented when a layer holds files you\n"
	      "                        do not own or keeps owners (an import, an upper,\n"
	      "                        user.rootlesscontainers xattrs) (default: auto;\n"
	      "                        `veneer doctor` says)\n"
	      "  --env NAME=VALUE      set NAME in the command's environment; repeat for\n"
	      "                        more\n"
	      "  --unsetenv NAME       remove NAME (NAME* removes every name it starts);\n"
	      "                        repeat for more\n"
	      "  --clearenv            start from an empty environment (then --env)\n"
	      "  --hostname NAME       the sandbox's host name (default: the policy's,\n"
	      "                        else the host's)\n"
	      "  --build-user NAME     run the command as the unprivileged user NAME of\n"
	      "                        the union (made in the upper's /etc/passwd and\n"
	      "                        /etc/group when the base has none; presented\n"
	      "                        ownership)\n"
	      "  -v, --verbose         log every intercepted call and its answer to stderr\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "The command's environment is root's own (an --image's User's), as after a\n"
	      "login: HOME, USER, LOGNAME and SHELL from the union's /etc/passwd (else\n"
	      "/root, root and /bin/sh),\n"
	      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin, and of\n"
	      "yours only TERM, COLORTERM, TZ and the locale (LANG, LANGUAGE, LC_*); then\n"
	      "an --image's Env; then the policy's env settings apply; --clearenv empties\n"
	      "all that, and --env and --unsetenv apply last, in their order.  Pass a\n"
	      "variable of yours with --env \"NAME=$NAME\".\n"
	      "The sandbox has its own host name (UTS namespace).\n"
	      "\n"
	      "Changes go to the upper (copy-up, OCI whiteouts); the lowers are never\n"
	      "written.  --bind directories are the host's, written in place.  Standard\n"
	      "input, output and error must not be directories.\n"
	      "\n"
	      "Exit status: the command's; when signal N ended it, veneer ends by the\n"
	      "same signal (a shell shows 128+N; no core is dumped); 125 if veneer\n"
	      "itself failed; 126 if COMMAND cannot be executed; 127 if it is not found.\n",
	      out);
}

static int push(char ***list, size_t *n, const char *value)
{
	char **grown = realloc(*list, (*n + 1) * sizeof(**list));

	if (!grown)
		return -1;
	*list = grown;
	grown[*n] = strdup(value);
	if (!grown[*n])
		return -1;
	(*n)++;
	return 0;
}

/* SRC[:DEST][:ro] */
static int parse_bind(const char *arg, struct bind_option *b, struct vn_error *err)
{
	char *copy = strdup(arg);
	char *first, *second;
	size_t len;

	if (!copy)
		return vn_fail(err, 0, "out of memory");
	b->read_only = false;
	len = strlen(copy);
	if (len > 3 && strcmp(copy + len - 3, ":ro") == 0) {
		b->read_only = true;
		copy[len - 3] = '\0';
	}
	first = copy;
	second = strchr(copy, ':');
	if (second)
		*second++ = '\0';
	if (!*first) {
		free(copy);
		return vn_fail(err, 0, "--bind %s: SRC is empty; use --bind SRC[:DEST][:ro]", arg);
	}
	if (second && second[0] != '/') {
		free(copy);
		return vn_fail(err, 0, "--bind %s: DEST must be an absolute path", arg);
	}
	b->source = strdup(first);
	b->dest = strdup(second ? second : first);
	free(copy);
	if (!b->source || !b->dest)
		return vn_fail(err, 0, "out of memory");
	return 0;
}

static int parse_backend(const char *arg, enum backend *out, struct vn_error *err)
{
	if (strcmp(arg, "auto") == 0)
		*out = BACKEND_AUTO;
	else if (strcmp(arg, "notify") == 0)
		*out = BACKEND_NOTIFY;
	else if (strcmp(arg, "notify-hostroot") == 0)
		*out = BACKEND_HOSTROOT;
	else if (strcmp(arg, "ptrace") == 0)
		*out = BACKEND_PTRACE;
	else
		return vn_fail(err, 0, "--backend %s: unknown backend; use auto, notify, "
			       "notify-hostroot or ptrace", arg);
	return 0;
}

static int parse_ids(const char *arg, enum ids_mode *out, struct vn_error *err)
{
	if (strcmp(arg, "auto") == 0)
		*out = IDS_AUTO;
	else if (strcmp(arg, "presented") == 0)
		*out = IDS_PRESENTED;
	else if (strcmp(arg, "kernel") == 0)
		*out = IDS_KERNEL;
	else
		return vn_fail(err, 0, "--ids %s: unknown mode; use auto, presented or kernel", arg);
	return 0;
}

static int push_env(struct run_options *opt, bool unset, const char *text)
{
	struct env_option *grown = realloc(opt->env, (opt->nenv + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	opt->env = grown;
	grown[opt->nenv].unset = unset;
	grown[opt->nenv].text = strdup(text);
	if (!grown[opt->nenv].text)
		return -1;
	opt->nenv++;
	return 0;
}

enum {
	OPT_LOWER = 256, OPT_UPPER, OPT_BIND, OPT_CHDIR, OPT_BACKEND, OPT_POLICY, OPT_IDS,
	OPT_ENV, OPT_UNSETENV, OPT_CLEARENV, OPT_HOSTNAME, OPT_UNSAFE_LOWERS, OPT_KEEP,
	OPT_COMMIT, OPT_IMAGE, OPT_BUILD_USER, OPT_RECORD,
};

int cli_parse_run(int argc, char **argv, struct run_options *opt, struct vn_error *err)
{
	static const struct option options[] = {
		{ "lower", required_argument, NULL, OPT_LOWER },
		{ "upper", required_argument, NULL, OPT_UPPER },
		{ "bind", required_argument, NULL, OPT_BIND },
		{ "chdir", required_argument, NULL, OPT_CHDIR },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "ids", required_argument, NULL, OPT_IDS },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "unsetenv", required_argument, NULL, OPT_UNSETENV },
		{ "clearenv", no_argument, NULL, OPT_CLEARENV },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "unsafe-lowers", no_argument, NULL, OPT_UNSAFE_LOWERS },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "commit", no_argument, NULL, OPT_COMMIT },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "build-user", required_argument, NULL, OPT_BUILD_USER },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(opt, 0, sizeof(*opt));
	opt->image_hold = -1;
	opt->record_dir_fd = opt->record_tmp_fd = -1;
	opterr = 0;
	optind = 1;
	/* "+": stop at the command, so its own options stay its own */
	while ((c = getopt_long(argc, argv, "+vh", options, NULL)) != -1) {
		switch (c) {
		case OPT_LOWER:
			if (push(&opt->lowers, &opt->nlowers, optarg) < 0)
				return vn_fail(err, 0, "out of memory");
			break;
		case OPT_UPPER:
			if (opt->upper)
				return vn_fail(err, 0, "--upper given twice; there is one upper layer");
			opt->upper = strdup(optarg);
			break;
		case OPT_BIND: {
			struct bind_option *grown = realloc(opt->binds, (opt->nbinds + 1) * sizeof(*grown));

			if (!grown)
				return vn_fail(err, 0, "out of memory");
			opt->binds = grown;
			if (parse_bind(optarg, &grown[opt->nbinds], err) < 0)
				return -1;
			opt->nbinds++;
			break;
		}
		case OPT_CHDIR:
			free(opt->chdir);
			opt->chdir = strdup(optarg);
			break;
		case OPT_POLICY:
			free(opt->policy_name);
			opt->policy_name = strdup(optarg);
			break;
		case OPT_BACKEND:
			if (parse_backend(optarg, &opt->backend, err) < 0)
				return -1;
			break;
		case OPT_IDS:
			if (parse_ids(optarg, &opt->ids, err) < 0)
				return -1;
			break;
		case OPT_ENV:
		case OPT_UNSETENV:
			if (push_env(opt, c == OPT_UNSETENV, optarg) < 0)
				return vn_fail(err, 0, "out of memory");
			break;
		case OPT_CLEARENV:
			opt->clear_env = true;
			break;
		case OPT_HOSTNAME:
			free(opt->hostname);
			opt->hostname = strdup(optarg);
			break;
		case OPT_UNSAFE_LOWERS:
			opt->unsafe_lowers = true;
			break;
		case OPT_KEEP:
			opt->keep = true;
			break;
		case OPT_COMMIT:
			opt->commit = true;
			break;
		case OPT_BUILD_USER:
			free(opt->build_user);
			opt->build_user = strdup(optarg);
			break;
		case OPT_IMAGE:
			if (opt->image)
				return vn_fail(err, 0, "--image given twice; a sandbox runs one image");
			opt->image = strdup(optarg);
			break;
		case OPT_RECORD:
			if (opt->record)
				return vn_fail(err, 0, "--record given twice; a run writes one record");
			if (!optarg[0])
				return vn_fail(err, 0, "--record needs a file name");
			opt->record = strdup(optarg);
			if (!opt->record)
				return vn_fail(err, 0, "out of memory");
			break;
		case 'v':
			opt->verbose = true;
			break;
		case 'h':
			cli_run_usage(stdout);
			exit(0);
		case ':':
			return vn_fail(err, 0, "%s needs a value; see `veneer run --help`", argv[optind - 1]);
		default:
			return vn_fail(err, 0, "unknown option %s; see `veneer run --help`", argv[optind - 1]);
		}
	}
	if (opt->image && opt->nlowers)
		return vn_fail(err, 0, "--image and --lower together: an image's layers are the lowers; "
			       "give one or the other");
	if (opt->image && opt->commit)
		return vn_fail(err, 0, "--commit applies the changes to the lower the command ran "
			       "over, and an image's layers are the store's, shared; use --keep");
	/* an image may bring its command (Entrypoint, Cmd) */
	if (optind >= argc && !opt->image)
		return vn_fail(err, 0, "no COMMAND given; use `veneer run [OPTIONS] -- COMMAND [ARG...]`");
	opt->argv = argv + optind;
	if (!opt->image && opt->nlowers == 0 && push(&opt->lowers, &opt->nlowers, "/") < 0)
		return vn_fail(err, 0, "out of memory");
	return 0;
}

void cli_free_run(struct run_options *opt)
{
	for (size_t i = 0; i < opt->nlowers; i++)
		free(opt->lowers[i]);
	free(opt->lowers);
	for (size_t i = 0; i < opt->nbinds; i++) {
		free(opt->binds[i].source);
		free(opt->binds[i].dest);
	}
	free(opt->binds);
	free(opt->upper);
	free(opt->chdir);
	free(opt->policy_name);
	for (size_t i = 0; i < opt->nenv; i++)
		free(opt->env[i].text);
	free(opt->env);
	free(opt->hostname);
	free(opt->source_date_epoch);
	free(opt->image);
	free(opt->record);
	free(opt->record_tmp);
	/* only a parsed --record set them (doctor's options are zeroed) */
	if (opt->record && opt->record_dir_fd >= 0)
		close(opt->record_dir_fd);
	if (opt->record && opt->record_tmp_fd >= 0)
		close(opt->record_tmp_fd);
	for (size_t i = 0; i < opt->nimage_env; i++)
		free(opt->image_env[i]);
	free(opt->image_env);
	for (size_t i = 0; opt->image_argv && opt->image_argv[i]; i++)
		free(opt->image_argv[i]);
	free(opt->image_argv);
	free(opt->image_workdir);
	free(opt->image_user);
	free(opt->build_user);
	if (opt->image_hold >= 0)
		close(opt->image_hold); /* the store's layers are free to go */
}

int cli_option_error(const char *cmd, int c, char **argv, struct vn_error *err)
{
	if (c == ':')
		return vn_fail(err, 0, "%s: %s needs a value; see `veneer %s --help`", cmd,
			       argv[optind - 1], cmd);
	if (optopt)
		return vn_fail(err, 0, "%s: unknown option -%c; see `veneer %s --help`", cmd, optopt,
			       cmd);
	return vn_fail(err, 0, "%s: unknown option %s; see `veneer %s --help`", cmd,
		       argv[optind - 1], cmd);
}
