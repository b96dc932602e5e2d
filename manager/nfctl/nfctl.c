// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfctl - control UltraNIO network-function chains.
 *
 * main() only parses the global options and dispatches through the
 * command tables; every verb is a short function over libultranio, and
 * print.c makes JSON or text of what it returns.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "print.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const char global_usage[] =
	"Usage: nfctl [OPTIONS] OBJECT { VERB [ARGS] | help }\n"
	"       nfctl help\n"
	"       OBJECT := { module | chain | nf | stats }\n"
	"       OPTIONS := { -j|--json | -p|--pretty | -d|--debug | -h|--help |\n"
	"                    -V|--version }\n";

static const char module_usage[] =
	"       nfctl module { list | show NAME[@VERSION] | load PATH |\n"
	"                      unload NAME[@VERSION] }\n";
static const char chain_usage[] =
	"       nfctl chain { apply [--dry-run] FILE | list | show NAME |\n"
	"                     delete NAME | swap NAME NODE MODULE@VERSION | capacity }\n";
static const char nf_usage[] =
	"       nfctl nf CHAIN NODE TABLE { add FIELD VALUE... | del FIELD VALUE... |\n"
	"                                   list }\n";
static const char stats_usage[] = "       nfctl stats [CHAIN]\n";

static const char usage_notes[] =
	"\n"
	"Objects and verbs may be abbreviated to any unique prefix. -d prints\n"
	"libbpf's and libxdp's messages and a rejected program's whole verifier log.\n"
	"Environment: ULTRANIO_BPFFS (pin root), ULTRANIO_STATE (state directory),\n"
	"             ULTRANIO_CATALOG (more module directories, colon-separated).\n";

static bool debug;

static void print_usage(FILE *f, const char *only)
{
	if (!only) {
		fputs(global_usage, f);
		fputs("\n", f);
	}
	if (!only || !strcmp(only, "module"))
		fputs(module_usage, f);
	if (!only || !strcmp(only, "chain"))
		fputs(chain_usage, f);
	if (!only || !strcmp(only, "nf"))
		fputs(nf_usage, f);
	if (!only || !strcmp(only, "stats"))
		fputs(stats_usage, f);
	if (!only)
		fputs(usage_notes, f);
}

static int usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "nfctl: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n\n");
	}
	print_usage(stderr, NULL);
	return EXIT_USAGE;
}

/* The library's warnings always; with -d, libbpf's and libxdp's messages
 * and whole verifier logs too. */
static int print_msg(enum nfc_print_level level, const char *fmt, va_list ap)
{
	if (level == NFC_WARN)
		fputs("nfctl: ", stderr);
	else if (!debug)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int open_handle(struct nfc_handle **h, bool lock, struct nfc_err *err)
{
	NFC_OPTS(nfc_open_opts, oo, .lock = lock);

	return nfc_open(h, &oo, err);
}

/* Run the command whose name ARGV[0] is a unique prefix of. */
static int dispatch(const struct cmd *cmds, const char *what, int argc,
		    char **argv)
{
	const struct cmd *c, *hit = NULL;

	if (argc < 1)
		return usage("%s: missing verb", what);
	/* the top level: objects */
	if (!strcmp(what, "nfctl"))
		what = "object";
	for (c = cmds; c->name; c++) {
		if (strncmp(c->name, argv[0], strlen(argv[0])))
			continue;
		if (!strcmp(c->name, argv[0])) {
			hit = c;
			break;
		}
		if (hit)
			return usage("%s: '%s' is ambiguous (%s, %s, ...)", what,
				     argv[0], hit->name, c->name);
		hit = c;
	}
	if (!hit)
		return usage(strcmp(what, "object") ? "%s: unknown verb '%s'" :
						      "unknown %s '%s'",
			     what, argv[0]);
	return hit->fn(argc - 1, argv + 1);
}

/* module */

static int do_module_list(int argc, char **argv)
{
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *arr;
	int i, r;

	if (argc)
		return usage("module list: unexpected '%s'", argv[0]);
	r = open_handle(&h, false, &err);
	if (r)
		return fail(&err, r);
	arr = json_object_new_array();
	for (i = 0; i < nfc_catalog(h)->n_mods; i++)
		json_object_array_add(arr, module_json(h, nfc_catalog(h)->mods[i],
						       false));
	nfc_close(h);
	return show(arr);
}

static int do_module_show(int argc, char **argv)
{
	char name[NFC_NAME_MAX + NFC_VERSION_MAX + 2], *at;
	const struct nfc_catalog *cat;
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *arr;
	int i, r;

	if (argc != 1)
		return usage("module show NAME[@VERSION]");
	snprintf(name, sizeof(name), "%s", argv[0]);
	at = strchr(name, '@');
	if (at)
		*at++ = '\0';
	r = open_handle(&h, false, &err);
	if (r)
		return fail(&err, r);
	cat = nfc_catalog(h);
	arr = json_object_new_array();
	for (i = 0; i < cat->n_mods; i++) {
		const struct nfc_module *m = cat->mods[i];

		if (!strcmp(m->name, name) && (!at || !nfc_version_cmp(m->version, at)))
			json_object_array_add(arr, module_json(h, m, true));
	}
	nfc_close(h);
	if (!json_object_array_length(arr)) {
		json_object_put(arr);
		nfc_errf(&err, -ENOENT, "module '%s' is not in the catalog",
			 argv[0]);
		return fail(&err, -ENOENT);
	}
	return show(arr);
}

static int do_module_load(int argc, char **argv)
{
	const struct nfc_module **mods;
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *arr;
	int i, n, r;

	if (argc != 1)
		return usage("module load PATH");
	r = open_handle(&h, true, &err);
	if (!r)
		r = nfc_module__register(h, argv[0], &mods, &n, &err);
	if (r) {
		nfc_close(h);
		return fail(&err, r);
	}
	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(arr, module_json(h, mods[i], false));
	free(mods);
	nfc_close(h);
	return show(arr);
}

static int do_module_unload(int argc, char **argv)
{
	struct nfc_err err = {};
	struct nfc_handle *h;
	int r;

	if (argc != 1)
		return usage("module unload NAME[@VERSION]");
	r = open_handle(&h, true, &err);
	if (!r) {
		r = nfc_module__unregister(h, argv[0], &err);
		nfc_close(h);
	}
	return r ? fail(&err, r) : EXIT_OK;
}

static const struct cmd module_cmds[] = {
	{ "list", do_module_list },
	{ "show", do_module_show },
	{ "load", do_module_load },
	{ "unload", do_module_unload },
	{}
};

/* chain */

static int applied(const char *what, const char *name,
		   const struct nfc_apply_result *res)
{
	int i;

	for (i = 0; i < res->n_warnings; i++)
		warn(res->warnings[i]);
	return show(apply_json(what, name, res));
}

static int do_chain_apply(int argc, char **argv)
{
	struct nfc_apply_result res;
	struct nfc_err err = {};
	struct nfc_handle *h;
	bool dry = false;
	const char *file = NULL;
	json_object *o;
	int i, r;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n"))
			dry = true;
		else if (!file)
			file = argv[i];
		else
			return usage("chain apply: unexpected '%s'", argv[i]);
	}
	if (!file)
		return usage("chain apply [--dry-run] FILE");
	NFC_OPTS(nfc_apply_opts, ao, .dry_run = dry);
	r = open_handle(&h, !dry, &err);
	if (!r) {
		r = nfc_chain__apply(h, file, &ao, &res, &err);
		nfc_close(h);
	}
	if (r)
		return fail(&err, r);
	if (!dry)
		return applied("applied", file, &res);
	for (i = 0; i < res.n_warnings; i++)
		warn(res.warnings[i]);
	o = json_object_new_object();
	json_object_object_add(o, "valid", json_object_new_string(file));
	json_object_object_add(o, "programs_verified",
			       json_object_new_int(res.loaded));
	return show(o);
}

static int do_chain_list(int argc, char **argv)
{
	const struct nfc_state *s;
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *arr;
	int i, r;

	if (argc)
		return usage("chain list: unexpected '%s'", argv[0]);
	r = open_handle(&h, false, &err);
	if (r)
		return fail(&err, r);
	s = nfc_state(h);
	arr = json_object_new_array();
	for (i = 0; i < s->n_chains; i++)
		json_object_array_add(arr, chain_info_json(&s->chains[i]));
	nfc_close(h);
	return show(arr);
}

/* One chain's view (show), or every chain's counters (stats). */
static int views(const char *chain, bool stats)
{
	struct nfc_chain_view *v;
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *arr = NULL;
	const struct nfc_state *s;
	int i, r;

	r = open_handle(&h, false, &err);
	if (r)
		return fail(&err, r);
	s = nfc_state(h);
	if (stats)
		arr = json_object_new_array();
	if (chain && !nfc_chain__info(h, chain))
		r = nfc_errf(&err, -ENOENT, "chain '%s' does not exist", chain);
	for (i = 0; !r && i < s->n_chains; i++) {
		if (chain && strcmp(chain, s->chains[i].name))
			continue;
		r = nfc_chain__view(h, s->chains[i].name, &v, &err);
		if (r)
			break;
		if (stats) {
			json_object_array_add(arr, chain_view_json(v, true));
		} else {
			arr = chain_view_json(v, false);
		}
		nfc_chain_view__free(v);
	}
	nfc_close(h);
	if (r) {
		json_object_put(arr);
		return fail(&err, r);
	}
	return show(arr);
}

static int do_chain_show(int argc, char **argv)
{
	if (argc != 1)
		return usage("chain show NAME");
	return views(argv[0], false);
}

static int do_chain_delete(int argc, char **argv)
{
	struct nfc_err err = {};
	struct nfc_handle *h;
	int r;

	if (argc != 1)
		return usage("chain delete NAME");
	r = open_handle(&h, true, &err);
	if (!r) {
		r = nfc_chain__delete(h, argv[0], &err);
		nfc_close(h);
	}
	return r ? fail(&err, r) : EXIT_OK;
}

static int do_chain_swap(int argc, char **argv)
{
	struct nfc_apply_result res;
	struct nfc_err err = {};
	struct nfc_handle *h;
	int r;

	if (argc != 3 || !strchr(argv[2], '@'))
		return usage("chain swap NAME NODE MODULE@VERSION");
	r = open_handle(&h, true, &err);
	if (!r) {
		r = nfc_chain__swap(h, argv[0], argv[1], argv[2], &res, &err);
		nfc_close(h);
	}
	return r ? fail(&err, r) : applied("swapped", argv[0], &res);
}

static int do_chain_capacity(int argc, char **argv)
{
	struct nfc_limits l;
	struct nfc_err err = {};
	struct nfc_handle *h;
	int r;

	if (argc)
		return usage("chain capacity: unexpected '%s'", argv[0]);
	r = open_handle(&h, false, &err);
	if (r)
		return fail(&err, r);
	nfc_limits__get(h, &l);
	nfc_close(h);
	return show(limits_json(&l));
}

static const struct cmd chain_cmds[] = {
	{ "apply", do_chain_apply },
	{ "list", do_chain_list },
	{ "show", do_chain_show },
	{ "delete", do_chain_delete },
	{ "swap", do_chain_swap },
	{ "capacity", do_chain_capacity },
	{}
};

/* nf CHAIN NODE TABLE VERB ... */

static const char *nf_chain, *nf_node, *nf_table;

static int nf_edit(int argc, char **argv, bool add)
{
	struct nfc_err err = {};
	struct nfc_handle *h;
	int r;

	if (!argc)
		return usage("nf CHAIN NODE TABLE %s FIELD VALUE...",
			     add ? "add" : "del");
	r = open_handle(&h, true, &err);
	if (!r) {
		r = add ? nfc_table__add(h, nf_chain, nf_node, nf_table, argc,
					 argv, &err) :
			  nfc_table__del(h, nf_chain, nf_node, nf_table, argc,
					 argv, &err);
		nfc_close(h);
	}
	return r ? fail(&err, r) : EXIT_OK;
}

static int do_nf_add(int argc, char **argv)
{
	return nf_edit(argc, argv, true);
}

static int do_nf_del(int argc, char **argv)
{
	return nf_edit(argc, argv, false);
}

static int do_nf_list(int argc, char **argv)
{
	struct nfc_table_entries *e;
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *o;
	int r;

	if (argc)
		return usage("nf CHAIN NODE TABLE list: unexpected '%s'",
			     argv[0]);
	r = open_handle(&h, false, &err);
	if (!r)
		r = nfc_table__list(h, nf_chain, nf_node, nf_table, &e, &err);
	if (r) {
		nfc_close(h);
		return fail(&err, r);
	}
	o = table_json(e);
	nfc_table_entries__free(e);
	nfc_close(h);
	return show(o);
}

static const struct cmd nf_cmds[] = {
	{ "add", do_nf_add },
	{ "del", do_nf_del },
	{ "list", do_nf_list },
	{}
};

static int do_module(int argc, char **argv)
{
	return dispatch(module_cmds, "module", argc, argv);
}

static int do_chain(int argc, char **argv)
{
	return dispatch(chain_cmds, "chain", argc, argv);
}

static int do_nf(int argc, char **argv)
{
	if (argc < 4)
		return usage("nf CHAIN NODE TABLE { add | del | list } ...");
	nf_chain = argv[0];
	nf_node = argv[1];
	nf_table = argv[2];
	return dispatch(nf_cmds, "nf", argc - 3, argv + 3);
}

static int do_stats(int argc, char **argv)
{
	if (argc > 1)
		return usage("stats [CHAIN]");
	return views(argc ? argv[0] : NULL, true);
}

static int do_help(int argc, char **argv)
{
	print_usage(stdout, NULL);
	return EXIT_OK;
}

static const struct cmd objects[] = {
	{ "module", do_module },
	{ "chain", do_chain },
	{ "nf", do_nf },
	{ "stats", do_stats },
	{ "help", do_help },
	{}
};

/* `nfctl OBJECT help` (any prefix of OBJECT): that object's grammar. */
static bool object_help(int argc, char **argv)
{
	static const char *const names[] = { "module", "chain", "nf", "stats" };
	const char *hit = NULL;
	unsigned int i;

	if (argc < 2 || strcmp(argv[argc - 1], "help") ||
	    (argc > 2 && strcmp(argv[0], "nf")))
		return false;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strncmp(names[i], argv[0], strlen(argv[0])))
			continue;
		if (hit)
			return false;
		hit = names[i];
	}
	if (!hit)
		return false;
	printf("Usage:\n");
	print_usage(stdout, hit);
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "+jpdhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json_out = true;
			break;
		case 'p':
			json_out = pretty = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			print_usage(stdout, NULL);
			return EXIT_OK;
		case 'V':
			printf("nfctl %s (ABI %d)\n", NFC_VERSION,
			       NFC_ABI_VERSION);
			return EXIT_OK;
		default:
			return usage(NULL);
		}
	}
	nfc_set_print(print_msg);
	if (optind >= argc)
		return usage("missing OBJECT");
	if (object_help(argc - optind, argv + optind))
		return EXIT_OK;
	return dispatch(objects, "nfctl", argc - optind, argv + optind);
}
