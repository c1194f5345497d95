/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer run --image NAME[:TAG]`: the image's layers, topmost (the
 * manifest's last) first, become the lowers, and its config applies as
 * docker applies it: Env before what veneer's options set, Entrypoint
 * followed by the COMMAND given or else by Cmd, WorkingDir unless
 * --chdir is given, User as the identity the command starts with
 * (sandbox.c, image_user.c: presented ownership; refused where veneer
 * cannot give it, never run as root behind the image's back).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

/* The strings of a config's array (absent or null: none), pushed on
 * *list (NULL-terminated). */
static int push_strings(const struct json *array, const char *what, const char *image,
			char ***list, size_t *n, struct vn_error *err)
{
	if (!array || json_is(array, JSON_NULL))
		return 0;
	if (!json_is(array, JSON_ARRAY))
		return vn_fail(err, 0, "image %s: its config's %s is not an array of strings", image, what);
	for (size_t i = 0; i < array->n; i++) {
		const char *text = json_string(array->items[i]);
		char **grown;

		if (!text)
			return vn_fail(err, 0, "image %s: its config's %s holds something not a string",
				       image, what);
		grown = realloc(*list, (*n + 2) * sizeof(**list));
		if (!grown)
			return vn_fail(err, ENOMEM, "image %s", image);
		*list = grown;
		if (!(grown[*n] = strdup(text)))
			return vn_fail(err, ENOMEM, "image %s", image);
		grown[++*n] = NULL;
	}
	return 0;
}

static int apply_env(struct run_options *opt, const struct json *config, struct vn_error *err)
{
	if (push_strings(json_get(config, "Env"), "Env", opt->image, &opt->image_env,
			 &opt->nimage_env, err) < 0)
		return -1;
	for (size_t i = 0; i < opt->nimage_env; i++)
		if (!strchr(opt->image_env[i], '=') || opt->image_env[i][0] == '=')
			return vn_fail(err, 0, "image %s: Env entry '%.80s' is not NAME=VALUE", opt->image,
				       opt->image_env[i]);
	return 0;
}

/* Entrypoint + the command given, else Entrypoint + Cmd. */
static int apply_command(struct run_options *opt, const struct json *config, struct vn_error *err)
{
	size_t n = 0;

	if (push_strings(json_get(config, "Entrypoint"), "Entrypoint", opt->image, &opt->image_argv,
			 &n, err) < 0)
		return -1;
	if (opt->argv && opt->argv[0]) {
		for (size_t i = 0; opt->argv[i]; i++) {
			char **grown = realloc(opt->image_argv, (n + 2) * sizeof(*grown));

			if (!grown)
				return vn_fail(err, ENOMEM, "image %s", opt->image);
			opt->image_argv = grown;
			if (!(grown[n] = strdup(opt->argv[i])))
				return vn_fail(err, ENOMEM, "image %s", opt->image);
			grown[++n] = NULL;
		}
	} else if (push_strings(json_get(config, "Cmd"), "Cmd", opt->image, &opt->image_argv, &n,
				err) < 0)
		return -1;
	if (n == 0)
		return vn_fail(err, 0, "image %s has neither Entrypoint nor Cmd; give a COMMAND: `veneer "
			       "run --image %s -- COMMAND`", opt->image, opt->image);
	opt->argv = opt->image_argv;
	return 0;
}

static int apply_workdir(struct run_options *opt, const struct json *config, struct vn_error *err)
{
	const struct json *w = json_get(config, "WorkingDir");
	const char *dir = json_string(w);

	if (w && !dir && !json_is(w, JSON_NULL))
		return vn_fail(err, 0, "image %s: its config's WorkingDir is not a string", opt->image);
	if (dir && dir[0] && dir[0] != '/')
		return vn_fail(err, 0, "image %s: its WorkingDir '%.80s' is not an absolute path",
			       opt->image, dir);
	/* the caller's directory means nothing in an image: its root */
	opt->image_workdir = strdup(dir && dir[0] ? dir : "/");
	return opt->image_workdir ? 0 : vn_fail(err, ENOMEM, "image %s", opt->image);
}

/* root, 0, and either with group root or 0 */
static bool is_root_user(const char *user)
{
	static const char *const roots[] = { "", "root", "0", "root:root", "root:0", "0:0", "0:root" };

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (strcmp(user, roots[i]) == 0)
			return true;
	return false;
}

/* A User other than root is the command's identity (sandbox.c finds
 * its ids in the union, and presents them). */
static int apply_user(struct run_options *opt, const struct json *config, struct vn_error *err)
{
	const struct json *u = json_get(config, "User");
	const char *user = json_string(u);

	if (u && !user && !json_is(u, JSON_NULL))
		return vn_fail(err, 0, "image %s: its config's User is not a string", opt->image);
	if (!user || is_root_user(user))
		return 0;
	opt->image_user = strdup(user);
	return opt->image_user ? 0 : vn_fail(err, ENOMEM, "image %s", opt->image);
}

/* Whether layer i is also a layer above it (an image may hold one
 * layer twice: the same content again). */
static bool again_above(const struct oci_image *img, size_t i)
{
	for (size_t j = i + 1; j < img->nlayers; j++)
		if (strcmp(img->diff_ids[j], img->diff_ids[i]) == 0)
			return true;
	return false;
}

/* The image's layers as lowers, topmost first; a layer that is also
 * higher up is left out below (every name it has, the one above has:
 * the union is the same, and a union takes each directory once). */
static int apply_layers(struct run_options *opt, const struct image_store *s,
			const struct oci_image *img, struct vn_error *err)
{
	opt->lowers = calloc(img->nlayers ? img->nlayers : 1, sizeof(*opt->lowers));
	if (!opt->lowers)
		return vn_fail(err, ENOMEM, "image %s", opt->image);
	if (img->nlayers == 0)
		return vn_fail(err, 0, "image %s has no layer", opt->image);
	for (size_t i = 0; i < img->nlayers; i++) {
		const char *hex = img->diff_ids[img->nlayers - 1 - i];
		char path[PATH_MAX];

		if (again_above(img, img->nlayers - 1 - i))
			continue;
		if (!image_store_has_layer(s, hex))
			return vn_fail(err, 0, "image %s: layer sha256:%.12s is missing from the store; "
				       "import the image again", opt->image, hex);
		image_store_layer_path(s, hex, true, path, sizeof(path));
		if (!(opt->lowers[opt->nlowers] = strdup(path)))
			return vn_fail(err, ENOMEM, "image %s", opt->image);
		opt->nlowers++;
	}
	return 0;
}

int image_apply(struct run_options *opt, struct vn_error *err)
{
	char name[IMAGE_NAME_MAX + 1], tag[IMAGE_TAG_MAX + 1];
	struct image_store s;
	struct oci_image img;
	const struct json *config;
	int r;

	if (!opt->image)
		return 0;
	if (image_ref_parse(opt->image, "latest", name, tag, err) < 0)
		return vn_wrap(err, "--image");
	/* shared: an import or rm waits until the layers are found */
	r = image_store_open(&s, false, false, err);
	if (r == 0)
		r = image_store_load(&s, name, tag, &img, err);
	if (r < 0) {
		image_store_close(&s);
		return -1;
	}
	config = json_get(img.config_json, "config");
	/* the layers stay until the sandbox ends, whatever rm does meanwhile */
	opt->image_hold = image_store_hold(&s, err);
	r = opt->image_hold < 0 ? -1 : apply_user(opt, config, err);
	if (r == 0)
		r = apply_layers(opt, &s, &img, err);
	if (r == 0)
		r = apply_env(opt, config, err);
	if (r == 0)
		r = apply_command(opt, config, err);
	if (r == 0)
		r = apply_workdir(opt, config, err);
	oci_image_free(&img);
	image_store_close(&s);
	return r;
}
