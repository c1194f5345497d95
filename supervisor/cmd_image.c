/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veneer image import|ls|rm`: the local image store (image_store.h) as
 * a user sees it.  Import is image_import.c; listing and removing are
 * here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "veneer/cleanup.h"

void cmd_image_usage(FILE *out)
{
	fputs("Usage: veneer image import OCI-LAYOUT-DIR[:TAG] [--name NAME[:TAG]]\n"
	      "       veneer image ls\n"
	      "       veneer image rm NAME[:TAG]\n"
	      "\n"
	      "Keep OCI images in a local store, for `veneer run --image NAME[:TAG]`.\n"
	      "The store is ${XDG_DATA_HOME:-$HOME/.local/share}/veneer/images; each layer\n"
	      "is unpacked there once, under its digest, and shared by every image that\n"
	      "has it.\n"
	      "\n"
	      "  import   take in the image TAG of an OCI image layout (what `skopeo copy\n"
	      "           docker://IMAGE oci:DIR:TAG` and umoci write; TAG may be left out\n"
	      "           when the layout holds one image), for this machine's platform.\n"
	      "           Every blob is checked against its digest and size, and each\n"
	      "           layer's content against the config's diff_ids, before the image\n"
	      "           is named; a missing or corrupt blob leaves the store as it was.\n"
	      "  ls       list the images: NAME, TAG, ID (the config's digest, short),\n"
	      "           LAYERS and SIZE (of the layers as imported, compressed)\n"
	      "  rm       remove the image NAME:TAG, and every layer no other image uses\n"
	      "\n"
	      "  --name NAME[:TAG]   import: the name to keep the image under (default:\n"
	      "                      the layout directory's name, and the layout's TAG,\n"
	      "                      else latest); NAME is lowercase letters, digits, and\n"
	      "                      . _ - /, as docker's\n"
	      "  -h, --help          show this help\n"
	      "\n"
	      "The store is locked while it changes: two imports at once wait for each\n"
	      "other.  While a sandbox runs an image, no layer is removed: rm says which\n"
	      "it kept, and the next rm or import removes them.\n"
	      "Exit status: 0, or 125 with one line on stderr.\n",
	      out);
}

/* ----------------------------------------------------------------- ls */

/* bytes as docker prints them: 1000-based, three significant digits */
static void human_size(int64_t bytes, char *out, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		u++;
	}
	snprintf(out, size, u == 0 ? "%.0f%s" : v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v,
		 units[u]);
}

static int print_image(struct image_store *s, const struct image_ref *ref, struct vn_error *err)
{
	struct oci_image img;
	int64_t bytes = 0;
	char size[32];

	if (image_store_load(s, ref->name, ref->tag, &img, err) < 0)
		return -1;
	for (size_t i = 0; i < img.nlayers; i++)
		bytes += img.layers[i].size;
	human_size(bytes, size, sizeof(size));
	printf("%-30s %-16s %-12.12s %6zu %9s\n", ref->name, ref->tag, img.config.hex, img.nlayers,
	       size);
	oci_image_free(&img);
	return 0;
}

static int image_ls(struct vn_error *err)
{
	struct image_store s;
	cleanup_free struct image_ref *refs = NULL;
	size_t n = 0;
	int r = image_store_open(&s, false, false, err);

	if (r == 0)
		r = image_store_refs(&s, &refs, &n, err);
	if (r < 0)
		vn_wrap(err, "image ls");
	if (r == 0)
		printf("%-30s %-16s %-12s %6s %9s\n", "NAME", "TAG", "ID", "LAYERS", "SIZE");
	for (size_t i = 0; r == 0 && i < n; i++)
		if ((r = print_image(&s, &refs[i], err)) < 0)
			vn_wrap(err, "image ls");
	image_store_close(&s);
	return r;
}

/* ----------------------------------------------------------------- rm */

static int image_rm(const char *text, struct vn_error *err)
{
	char name[IMAGE_NAME_MAX + 1], tag[IMAGE_TAG_MAX + 1];
	struct image_store s;
	size_t layers = 0, kept = 0;
	int r = image_ref_parse(text, "latest", name, tag, err);

	if (r < 0)
		return vn_wrap(err, "image rm");
	r = image_store_open(&s, true, false, err);
	if (r == 0)
		r = image_store_ref_remove(&s, name, tag, err);
	if (r == 0) {
		r = image_store_collect(&s, &layers, &kept, err);
		if (r < 0)
			vn_wrap(err, "removed %s:%s, but not its layers", name, tag);
	}
	if (r == 0 && kept)
		printf("removed %s:%s; %zu layer%s no image uses kept while a sandbox runs over the "
		       "store (the next rm or import removes them)\n", name, tag, kept,
		       kept == 1 ? "" : "s");
	else if (r == 0)
		printf("removed %s:%s, and %zu layer%s no other image uses\n", name, tag, layers,
		       layers == 1 ? "" : "s");
	else
		vn_wrap(err, "image rm");
	image_store_close(&s);
	return r;
}

/* ------------------------------------------------------------ command */

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* ls and rm take no option but --help: anything else is one line. */
static int plain_args(int argc, char **argv, int want, const char *usage, struct vn_error *err)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return vn_fail(err, 0, "image %s: unknown option %s; see `veneer image --help`",
				       argv[0], argv[i]);
	if (argc - 1 > want)
		return vn_fail(err, 0, "image %s: '%s' is one argument too many; use `veneer image %s`",
			       argv[0], argv[want + 1], usage);
	if (argc - 1 < want)
		return vn_fail(err, 0, "image %s: give NAME[:TAG]; use `veneer image %s`", argv[0], usage);
	return 0;
}

int cmd_image(int argc, char **argv)
{
	struct vn_error err = { 0 };
	int r;

	if (argc < 2) {
		fputs("veneer: image: give import, ls or rm; see `veneer image --help`\n", stderr);
		return EXIT_VENEER_ERROR;
	}
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (is_help(argv[i])) {
			cmd_image_usage(stdout);
			return 0;
		}
	if (strcmp(argv[1], "import") == 0)
		return image_import(argc - 1, argv + 1);
	if (strcmp(argv[1], "ls") == 0)
		r = plain_args(argc - 1, argv + 1, 0, "ls", &err) < 0 ? -1 : image_ls(&err);
	else if (strcmp(argv[1], "rm") == 0)
		r = plain_args(argc - 1, argv + 1, 1, "rm NAME[:TAG]", &err) < 0 ? -1 :
											image_rm(argv[2], &err);
	else
		r = vn_fail(&err, 0, "image: unknown command '%s'; give import, ls or rm (see `veneer "
			    "image --help`)", argv[1]);
	if (r < 0) {
		vn_error_print(&err);
		return EXIT_VENEER_ERROR;
	}
	return 0;
}
