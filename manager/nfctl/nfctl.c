// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfctl - control UltraNIO network-function chains.
 *
 * main() only parses the global options and dispatches through the
 * command tables; every verb is a short function over libultranio.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ultranio.h"

static bool json_out, pretty;

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
	"Usage: nfctl [OPTIONS] OBJECT VERB [ARGS]\n"
	"       OBJECT := { module | chain | nf | stats }\n"
	"       OPTIONS := { -j|--json | -p|--pretty | -h|--help | -V|--version }\n"
	"\n"
	"       nfctl module { list | show NAME[@VERSION] | load PATH | unload NAME[@VERSION] }\n"
	"       nfctl chain { apply [--dry-run] FILE | list | show NAME | delete NAME |\n"
	"                     swap NAME NODE MODULE@VERSION }\n"
	"       nfctl nf CHAIN NODE TABLE { add FIELD VALUE... | del FIELD VALUE... | list }\n"
	"       nfctl stats [CHAIN]\n"
	"\n"
	"Objects and verbs may be abbreviated to any unique prefix.\n"
	"Environment: ULTRANIO_BPFFS (pin root), ULTRANIO_STATE (state directory),\n"
	"             ULTRANIO_CATALOG (more module directories, colon-separated).\n";

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
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int json_flags(void)
{
	return JSON_C_TO_STRING_NOSLASHESCAPE |
	       (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			 JSON_C_TO_STRING_PLAIN);
}

/* Failures: plain text on stderr, or {"error": ...} on stdout with -j. */
static int fail(const struct nfc_err *err, int r)
{
	int i;

	if (json_out) {
		json_object *o = json_object_new_object(), *a = json_object_new_array();

		for (i = 0; i < err->n; i++)
			json_object_array_add(a, json_object_new_string(err->msg[i]));
		if (!err->n)
			json_object_array_add(a, json_object_new_string(strerror(-r)));
		json_object_object_add(o, "error", a);
		puts(json_object_to_json_string_ext(o, json_flags()));
		json_object_put(o);
		return EXIT_FAIL;
	}
	for (i = 0; i < err->n; i++)
		fprintf(stderr, "nfctl: %s\n", err->msg[i]);
	if (err->dropped)
		fprintf(stderr, "nfctl: ... and %d more\n", err->dropped);
	if (!err->n)
		fprintf(stderr, "nfctl: %s\n", strerror(-r));
	return EXIT_FAIL;
}

/* Text rendering of any JSON value, indented like YAML. */
static void print_text(json_object *o, int indent, bool in_list)
{
	size_t i;

	switch (json_object_get_type(o)) {
	case json_type_object: {
		bool first = true;

		json_object_object_foreach(o, k, v) {
			bool nested = json_object_is_type(v, json_type_object) ||
				      json_object_is_type(v, json_type_array);

			/* a list item's first key follows its "- " */
			printf("%*s%s:", first && in_list ? 0 : indent, "", k);
			first = false;
			if (nested && (json_object_is_type(v, json_type_object) ?
					       (size_t)json_object_object_length(v) :
					       json_object_array_length(v))) {
				printf("\n");
				print_text(v, indent + 2, false);
			} else if (nested) {
				printf(" %s\n", json_object_is_type(v, json_type_object) ? "{}" : "[]");
			} else {
				printf(" %s\n", json_object_get_string(v));
			}
		}
		break;
	}
	case json_type_array:
		for (i = 0; i < json_object_array_length(o); i++) {
			json_object *v = json_object_array_get_idx(o, i);

			printf("%*s- ", indent, "");
			if (json_object_is_type(v, json_type_object) ||
			    json_object_is_type(v, json_type_array))
				print_text(v, indent + 2, true);
			else
				printf("%s\n", json_object_get_string(v));
		}
		break;
	default:
		printf("%*s%s\n", indent, "", json_object_get_string(o));
	}
}

static int show(json_object *o)
{
	if (json_out)
		puts(json_object_to_json_string_ext(o, json_flags()));
	else
		print_text(o, 0, false);
	json_object_put(o);
	return EXIT_OK;
}

static int open_handle(struct nfc_handle **h, bool lock, struct nfc_err *err)
{
	NFC_OPTS(nfc_open_opts, oo, .lock = lock);

	return nfc_open(h, &oo, err);
}

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* Run the command whose name ARGV[0] is a unique prefix of. */
static int dispatch(const struct cmd *cmds, const char *what, int argc,
		    char **argv)
{
	const struct cmd *c, *hit = NULL;

	if (argc < 1)
		return usage("%s: missing verb", what);
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
		return usage("%s: unknown verb '%s'", what, argv[0]);
	return hit->fn(argc - 1, argv + 1);
}

/* One library call that yields JSON, over an unlocked handle. */
#define VIEW(call)                                                            \
	({                                                                    \
		struct nfc_err err = {};                                      \
		struct nfc_handle *h;                                         \
		json_object *out = NULL;                                      \
		int _r = open_handle(&h, false, &err);                        \
		if (!_r) {                                                    \
			_r = call;                                            \
			nfc_close(h);                                         \
		}                                                             \
		_r ? fail(&err, _r) : show(out);                              \
	})

/* module */

static int do_module_list(int argc, char **argv)
{
	if (argc)
		return usage("module list: unexpected '%s'", argv[0]);
	return VIEW(nfc_module__list(h, &out, &err));
}

static int do_module_show(int argc, char **argv)
{
	if (argc != 1)
		return usage("module show NAME[@VERSION]");
	return VIEW(nfc_module__show(h, argv[0], &out, &err));
}

static int do_module_load(int argc, char **argv)
{
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *out;
	int r;

	if (argc != 1)
		return usage("module load PATH");
	r = open_handle(&h, true, &err);
	if (!r) {
		r = nfc_module__register(h, argv[0], &out, &err);
		nfc_close(h);
	}
	return r ? fail(&err, r) : show(out);
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

static json_object *result_json(const char *what, const char *chain,
				const struct nfc_apply_result *res)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, what, json_object_new_string(chain));
	json_object_object_add(o, "version", json_object_new_int64(res->version));
	json_object_object_add(o, "block", json_object_new_int64(res->block));
	json_object_object_add(o, "programs_loaded", json_object_new_int(res->loaded));
	json_object_object_add(o, "load_ms", json_object_new_double(res->load_ms));
	json_object_object_add(o, "flip_ms", json_object_new_double(res->flip_ms));
	json_object_object_add(o, "total_ms", json_object_new_double(res->total_ms));
	return o;
}

static int do_chain_apply(int argc, char **argv)
{
	struct nfc_apply_result res;
	struct nfc_err err = {};
	struct nfc_handle *h;
	bool dry = false;
	const char *file = NULL;
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
	if (dry) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "valid", json_object_new_string(file));
		json_object_object_add(o, "programs_verified",
				       json_object_new_int(res.loaded));
		return show(o);
	}
	return show(result_json("applied", file, &res));
}

static int do_chain_list(int argc, char **argv)
{
	if (argc)
		return usage("chain list: unexpected '%s'", argv[0]);
	return VIEW(nfc_chain__list(h, &out, &err));
}

static int do_chain_show(int argc, char **argv)
{
	if (argc != 1)
		return usage("chain show NAME");
	return VIEW(nfc_chain__show(h, argv[0], &out, &err));
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
	return r ? fail(&err, r) : show(result_json("swapped", argv[0], &res));
}

static const struct cmd chain_cmds[] = {
	{ "apply", do_chain_apply },
	{ "list", do_chain_list },
	{ "show", do_chain_show },
	{ "delete", do_chain_delete },
	{ "swap", do_chain_swap },
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
		return usage("nf CHAIN NODE TABLE %s FIELD VALUE...", add ? "add" : "del");
	r = open_handle(&h, true, &err);
	if (!r) {
		r = add ? nfc_table__add(h, nf_chain, nf_node, nf_table, argc, argv, &err) :
			  nfc_table__del(h, nf_chain, nf_node, nf_table, argc, argv, &err);
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
	if (argc)
		return usage("nf CHAIN NODE TABLE list: unexpected '%s'", argv[0]);
	return VIEW(nfc_table__list(h, nf_chain, nf_node, nf_table, &out, &err));
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
	return VIEW(nfc_stats__get(h, argc ? argv[0] : NULL, &out, &err));
}

static const struct cmd objects[] = {
	{ "module", do_module },
	{ "chain", do_chain },
	{ "nf", do_nf },
	{ "stats", do_stats },
	{}
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "+jphV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json_out = true;
			break;
		case 'p':
			json_out = pretty = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'V':
			printf("nfctl %s\n", NFC_VERSION);
			return EXIT_OK;
		default:
			return usage(NULL);
		}
	}
	if (optind >= argc)
		return usage("missing OBJECT");
	return dispatch(objects, "nfctl", argc - optind, argv + optind);
}
