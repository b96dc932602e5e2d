// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfctl - control UltraNIO network-function chains.
 *
 * main() only parses the global options and dispatches through the
 * command tables; every verb is a short function over libultranio, and
 * print.c makes JSON or text of what it returns.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "monitor.h"
#include "print.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const char global_usage[] =
	"Usage: nfctl [OPTIONS] OBJECT { VERB [ARGS] | help }\n"
	"       nfctl help\n";
static const char options_usage[] =
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
	"                                   list | load FILE }\n";
static const char ct_usage[] =
	"       nfctl ct { list [MATCH]... | show | flush [MATCH]... }\n";
static const char flow_usage[] =
	"       nfctl flow { list | show | flush } [MATCH]... [chain NAME]\n";
static const char match_usage[] =
	"       MATCH := { tenant N | addr ADDR[/LEN] | port N |\n"
	"                  proto { tcp | udp | icmp | icmpv6 | N } |\n"
	"                  state { new | syn-recv | established | closing | closed } }\n";
static const char stats_usage[] =
	"       nfctl stats [ { endpoint | chain | node | rule } [NAME] | CHAIN ]\n";
static const char config_usage[] =
	"       nfctl config { show | set KEY VALUE }\n"
	"       KEY := { ct-timeout { tcp | udp | icmp | other } STATE |\n"
	"                drop-events-per-sec | flow-refresh-ms }\n";

static const char lpm_usage[] =
	"       nfctl lpm { create ID { ipv4 | ipv6 } [capacity N] | destroy ID |\n"
	"                   { add | replace } ID PREFIX VALUE | del ID PREFIX |\n"
	"                   load ID { FILE | - } | list ID | lookup ID ADDRESS |\n"
	"                   show [ID] }\n"
	"       ID := 1-65535 (from 32768: node instances' tables, changed with nf)\n"
	"       PREFIX := ADDRESS[/LEN]   VALUE := 0-4294967294\n";

static const char usage_notes[] =
	"\n"
	"Objects and verbs may be abbreviated to any unique prefix. -d prints\n"
	"libbpf's and libxdp's messages and a rejected program's whole verifier log.\n"
	"Environment: ULTRANIO_BPFFS (pin root), ULTRANIO_STATE (state directory),\n"
	"             ULTRANIO_CATALOG (more module directories, colon-separated).\n";

static bool debug;

static int usage(const char *fmt, ...);

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

static int do_nf_load(int argc, char **argv)
{
	struct nfc_err err = {};
	struct nfc_handle *h;
	int r;

	if (argc != 1)
		return usage("nf CHAIN NODE TABLE load FILE (LPM tables: `PREFIX VALUE` lines; hash tables: `FIELD VALUE ...` lines as add takes them; - for stdin)");
	r = open_handle(&h, true, &err);
	if (!r) {
		r = nfc_table__load(h, nf_chain, nf_node, nf_table, argv[0],
				    &err);
		nfc_close(h);
	}
	return r ? fail(&err, r) : EXIT_OK;
}

static const struct cmd nf_cmds[] = {
	{ "add", do_nf_add },
	{ "del", do_nf_del },
	{ "load", do_nf_load },
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
		return usage("nf CHAIN NODE TABLE { add | del | list | load } ...");
	nf_chain = argv[0];
	nf_node = argv[1];
	nf_table = argv[2];
	return dispatch(nf_cmds, "nf", argc - 3, argv + 3);
}

/* What ct and flow select: MATCH... [chain NAME] */

static const char *const filter_words[] = { "tenant", "addr", "port", "proto",
					    "state", "chain" };

static int parse_u32(const char *s, __u64 max, __u64 *v)
{
	return nfc_parse_u64(s, v) || *v > max ? -EINVAL : 0;
}

static int filter_addr(const char *what, const char *s,
		       struct nfc_conn_filter *f)
{
	char a[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	__u64 plen = 0;

	if (len >= sizeof(a))
		goto bad;
	memcpy(a, s, len);
	a[len] = '\0';
	if (inet_pton(AF_INET, a, f->addr.b) == 1)
		f->l3 = NFC_L3_IPV4;
	else if (inet_pton(AF_INET6, a, f->addr.b) == 1)
		f->l3 = NFC_L3_IPV6;
	else
		goto bad;
	if (slash && (parse_u32(slash + 1, f->l3 == NFC_L3_IPV4 ? 32 : 128,
				&plen) || !plen))
		goto bad;
	f->prefix = plen;
	return 0;
bad:
	return usage("%s: addr '%s': expected an address like 192.0.2.1 or 2001:db8::1, with an optional /LEN (1-32, 1-128)",
		     what, s);
}

static int filter_proto(const char *what, const char *s,
			struct nfc_conn_filter *f)
{
	static const struct {
		const char *name;
		__u8 proto;
	} protos[] = { { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		       { "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 } };
	unsigned int i;
	__u64 v;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(s, protos[i].name)) {
			f->proto = protos[i].proto;
			return 0;
		}
	if (parse_u32(s, 255, &v) || !v)
		return usage("%s: proto '%s': expected tcp, udp, icmp, icmpv6 or a protocol number 1-255",
			     what, s);
	f->proto = v;
	return 0;
}

static int filter_state(const char *what, const char *s,
			struct nfc_conn_filter *f)
{
	int i;

	for (i = NFC_CT_NEW; i < NFC_CT_STATE_MAX; i++)
		if (!strcmp(s, nfc_ct_state__str(i))) {
			f->state = i;
			return 0;
		}
	return usage("%s: state '%s': expected new, syn-recv, established, closing or closed",
		     what, s);
}

/* MATCH... into @f; EXIT_OK or a usage error naming the bad word. */
static int parse_filter(const char *what, int argc, char **argv, bool flows,
			struct nfc_conn_filter *f)
{
	unsigned int given = 0, w, n = flows ? 6 : 5;
	const char *k, *v;
	__u64 u;
	int i, r = EXIT_OK;

	f->state = -1;
	for (i = 0; !r && i < argc; i += 2) {
		k = argv[i];
		for (w = 0; w < n && strcmp(k, filter_words[w]); w++)
			;
		if (w == n)
			return usage(flows ? "%s: unknown filter '%s' (expected tenant, addr, port, proto, state or chain)" :
					     "%s: unknown filter '%s' (expected tenant, addr, port, proto or state)",
				     what, k);
		if (given & 1u << w)
			return usage("%s: '%s' is given twice", what, k);
		given |= 1u << w;
		if (i + 1 >= argc)
			return usage("%s: '%s' needs a value", what, k);
		v = argv[i + 1];
		switch (w) {
		case 0:
			if (parse_u32(v, UINT32_MAX, &u))
				return usage("%s: tenant '%s': expected a VNI 0-4294967295",
					     what, v);
			f->has_tenant = true;
			f->tenant = u;
			break;
		case 1:
			r = filter_addr(what, v, f);
			break;
		case 2:
			if (parse_u32(v, 65535, &u) || !u)
				return usage("%s: port '%s': expected a port 1-65535",
					     what, v);
			f->port = u;
			break;
		case 3:
			r = filter_proto(what, v, f);
			break;
		case 4:
			r = filter_state(what, v, f);
			break;
		case 5:
			f->chain = v;
			break;
		}
	}
	return r;
}

/* ct */

static int do_ct_list(int argc, char **argv)
{
	NFC_OPTS(nfc_conn_filter, f);
	struct nfc_ct_entry *e;
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *o;
	int n, r;

	r = parse_filter("ct list", argc, argv, false, &f);
	if (r)
		return r;
	r = open_handle(&h, false, &err);
	if (r)
		return fail(&err, r);
	r = nfc_ct__list(h, &f, &e, &n, &err);
	if (r) {
		nfc_close(h);
		return fail(&err, r);
	}
	o = ct_list_json(h, e, n);
	free(e);
	nfc_close(h);
	return show(o);
}

static int do_ct_show(int argc, char **argv)
{
	__u64 states[NFC_CT_STATE_MAX] = {};
	struct nfc_ct_summary s;
	struct nfc_ct_entry *e = NULL;
	struct nfc_err err = {};
	struct nfc_handle *h;
	int i, n = 0, r;

	if (argc)
		return usage("ct show: unexpected '%s'", argv[0]);
	r = open_handle(&h, false, &err);
	if (r)
		return fail(&err, r);
	r = nfc_ct__summary(h, &s, &err);
	if (!r)
		r = nfc_ct__list(h, NULL, &e, &n, &err);
	nfc_close(h);
	if (r)
		return fail(&err, r);
	for (i = 0; i < n; i++)
		if (e[i].ct.state < NFC_CT_STATE_MAX)
			states[e[i].ct.state]++;
	free(e);
	return show(ct_summary_json(&s, states));
}

static int do_ct_flush(int argc, char **argv)
{
	NFC_OPTS(nfc_conn_filter, f);
	struct nfc_err err = {};
	struct nfc_handle *h;
	int n = 0, r;

	r = parse_filter("ct flush", argc, argv, false, &f);
	if (r)
		return r;
	r = open_handle(&h, true, &err);
	if (!r) {
		r = nfc_ct__flush(h, &f, &n, &err);
		nfc_close(h);
	}
	return r ? fail(&err, r) : show(flushed_json(n));
}

static const struct cmd ct_cmds[] = {
	{ "list", do_ct_list },
	{ "show", do_ct_show },
	{ "flush", do_ct_flush },
	{}
};

/* flow */

static int flows(const char *what, int argc, char **argv, bool list)
{
	NFC_OPTS(nfc_conn_filter, f);
	struct nfc_flow_entry *e;
	struct nfc_ct_summary s;
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *o;
	int n, r;

	r = parse_filter(what, argc, argv, true, &f);
	if (r)
		return r;
	r = open_handle(&h, false, &err);
	if (r)
		return fail(&err, r);
	r = nfc_flow__list(h, &f, &e, &n, &err);
	if (!r && !list)
		r = nfc_ct__summary(h, &s, &err);
	if (r) {
		free(e);
		nfc_close(h);
		return fail(&err, r);
	}
	o = list ? flow_list_json(h, e, n) : flow_summary_json(e, n, &s);
	free(e);
	nfc_close(h);
	return show(o);
}

static int do_flow_list(int argc, char **argv)
{
	return flows("flow list", argc, argv, true);
}

static int do_flow_show(int argc, char **argv)
{
	return flows("flow show", argc, argv, false);
}

static int do_flow_flush(int argc, char **argv)
{
	NFC_OPTS(nfc_conn_filter, f);
	struct nfc_err err = {};
	struct nfc_handle *h;
	int n = 0, r;

	r = parse_filter("flow flush", argc, argv, true, &f);
	if (r)
		return r;
	r = open_handle(&h, true, &err);
	if (!r) {
		r = nfc_flow__flush(h, &f, &n, &err);
		nfc_close(h);
	}
	return r ? fail(&err, r) : show(flushed_json(n));
}

static const struct cmd flow_cmds[] = {
	{ "list", do_flow_list },
	{ "show", do_flow_show },
	{ "flush", do_flow_flush },
	{}
};

/* stats */

static int do_stats_chain(int argc, char **argv)
{
	if (argc > 1)
		return usage("stats chain: unexpected '%s'", argv[1]);
	return views(argc ? argv[0] : NULL, true);
}

static int do_stats_node(int argc, char **argv)
{
	const char *name = argc ? argv[0] : NULL;
	struct nfc_chain_view *v;
	const struct nfc_state *s;
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *arr;
	int i, j, r;

	if (argc > 1)
		return usage("stats node: unexpected '%s'", argv[1]);
	r = open_handle(&h, false, &err);
	if (r)
		return fail(&err, r);
	s = nfc_state(h);
	arr = json_object_new_array();
	for (i = 0; !r && i < s->n_chains; i++) {
		r = nfc_chain__view(h, s->chains[i].name, &v, &err);
		for (j = 0; !r && j < v->n_nodes; j++)
			if (!name || !strcmp(name, v->nodes[j].info->name))
				json_object_array_add(arr, node_stats_json(v, j));
		if (!r)
			nfc_chain_view__free(v);
	}
	nfc_close(h);
	if (!r && name && !json_object_array_length(arr))
		r = nfc_errf(&err, -ENOENT, "no chain has a node '%s'", name);
	if (r) {
		json_object_put(arr);
		return fail(&err, r);
	}
	return show(arr);
}

static int do_stats_endpoint(int argc, char **argv)
{
	const char *name = argc ? argv[0] : NULL;
	struct nfc_ep_view *v;
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *arr;
	int i, n, r;

	if (argc > 1)
		return usage("stats endpoint: unexpected '%s'", argv[1]);
	if (name && !if_nametoindex(name)) {
		nfc_errf(&err, -ENODEV, "no interface '%s'", name);
		return fail(&err, -ENODEV);
	}
	r = open_handle(&h, false, &err);
	if (!r) {
		r = nfc_stats__endpoints(h, &v, &n, &err);
		nfc_close(h);
	}
	if (r)
		return fail(&err, r);
	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		if (!name || !strcmp(name, v[i].ifname))
			json_object_array_add(arr, ep_stats_json(&v[i]));
	free(v);
	return show(arr);
}

static int do_stats_rule(int argc, char **argv)
{
	const char *name = argc ? argv[0] : NULL;
	struct nfc_rule_view *v;
	struct nfc_err err = {};
	struct nfc_handle *h;
	json_object *arr;
	__u64 id = 0;
	int i, n, r;

	if (argc > 1)
		return usage("stats rule: unexpected '%s'", argv[1]);
	if (name && nfc_parse_u64(name, &id))
		id = 0;
	r = open_handle(&h, false, &err);
	if (!r) {
		r = nfc_stats__rules(h, &v, &n, &err);
		nfc_close(h);
	}
	if (r)
		return fail(&err, r);
	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		if (!name || !strcmp(name, v[i].name) ||
		    (id && id == v[i].key.policy))
			json_object_array_add(arr, rule_stats_json(&v[i]));
	free(v);
	return show(arr);
}

static const struct cmd stats_cmds[] = {
	{ "endpoint", do_stats_endpoint },
	{ "chain", do_stats_chain },
	{ "node", do_stats_node },
	{ "rule", do_stats_rule },
	{}
};

/* config */

static int do_config_show(int argc, char **argv)
{
	struct nfc_config c;
	struct nfc_err err = {};
	struct nfc_handle *h;
	int r;

	if (argc)
		return usage("config show: unexpected '%s'", argv[0]);
	r = open_handle(&h, false, &err);
	if (!r) {
		r = nfc_config__get(h, &c, &err);
		nfc_close(h);
	}
	return r ? fail(&err, r) : show(config_json(&c));
}

/* KEY VALUE: the tunable it names, or a usage error. */
static int config_key(int argc, char **argv, struct nfc_config *c,
		      __u32 **slot, const char **value)
{
	int k, s;

	if (!argc)
		return usage("config set KEY VALUE");
	if (!strcmp(argv[0], "drop-events-per-sec") ||
	    !strcmp(argv[0], "flow-refresh-ms")) {
		if (argc != 2)
			return usage("config set %s VALUE", argv[0]);
		*slot = argv[0][0] == 'd' ? &c->drop_events_per_sec :
					    &c->flow_refresh_ms;
	} else if (!strcmp(argv[0], "ct-timeout")) {
		if (argc != 4)
			return usage("config set ct-timeout { tcp | udp | icmp | other } STATE SECONDS");
		for (k = 0; k < NFC_CTC_MAX && strcmp(argv[1], ct_class_str(k)); k++)
			;
		if (k == NFC_CTC_MAX)
			return usage("config set ct-timeout: class '%s': expected tcp, udp, icmp or other",
				     argv[1]);
		for (s = NFC_CT_NEW; s < NFC_CT_STATE_MAX &&
				     strcmp(argv[2], nfc_ct_state__str(s));
		     s++)
			;
		if (s == NFC_CT_STATE_MAX)
			return usage("config set ct-timeout %s: state '%s': expected new, syn-recv, established, closing or closed",
				     argv[1], argv[2]);
		*slot = &c->ct_timeout[k][s];
	} else {
		return usage("config set: unknown key '%s' (expected ct-timeout, drop-events-per-sec or flow-refresh-ms)",
			     argv[0]);
	}
	*value = argv[argc - 1];
	return EXIT_OK;
}

static int do_config_set(int argc, char **argv)
{
	struct nfc_config c;
	struct nfc_err err = {};
	struct nfc_handle *h;
	const char *value = NULL;
	__u32 *slot = NULL;
	__u64 v;
	int r;

	memset(&c, 0, sizeof(c));
	r = config_key(argc, argv, &c, &slot, &value);
	if (r)
		return r;
	if (parse_u32(value, UINT32_MAX, &v))
		return usage("config set %s: '%s': expected a number 0-4294967295 (0: the default)",
			     argv[0], value);
	r = open_handle(&h, true, &err);
	if (r)
		return fail(&err, r);
	/* the slot was found in the zeroed copy: the same field of the read */
	r = nfc_config__get(h, &c, &err);
	if (!r) {
		*slot = v;
		r = nfc_config__set(h, &c, &err);
	}
	if (!r)
		r = nfc_config__get(h, &c, &err);
	nfc_close(h);
	return r ? fail(&err, r) : show(config_json(&c));
}

static const struct cmd config_cmds[] = {
	{ "show", do_config_show },
	{ "set", do_config_set },
	{}
};

/* lpm */

static int lpm_open(struct nfc_handle **h, struct nfc_lpm **l, bool lock,
		    struct nfc_err *err)
{
	NFC_OPTS(nfc_open_opts, oo, .lock = lock, .no_catalog = true);
	int r;

	r = nfc_open(h, &oo, err);
	if (r)
		return r;
	r = nfc_lpm__open(*h, l, err);
	if (r)
		nfc_close(*h);
	return r;
}

static void lpm_close(struct nfc_handle *h, struct nfc_lpm *l)
{
	nfc_lpm__close(l);
	nfc_close(h);
}

/* The calls that take no struct nfc_err: their -ENOENT in the words of
 * those that do. */
static int lpm_fail(struct nfc_err *err, int r, __u32 table)
{
	if (!err->n && r == -ENOENT)
		nfc_errf(err, r, "lpm table %u: no such table", table);
	return fail(err, r);
}

static int lpm_table(const char *what, const char *s, __u32 *table)
{
	__u64 v;

	if (parse_u32(s, NFC_LPM_MAX_TABLES - 1, &v) || !v)
		return usage("%s: table '%s': expected a table ID 1-%u", what, s,
			     NFC_LPM_MAX_TABLES - 1);
	*table = v;
	return EXIT_OK;
}

static int lpm_prefix(const char *what, const char *s,
		      struct nfc_lpm_prefix *p)
{
	char why[256];

	if (nfc_lpm_prefix__parse(s, p, why, sizeof(why)))
		return usage("%s: prefix '%s': %s", what, s, why);
	return EXIT_OK;
}

/* The table as `show TABLE` prints it, after create and load. */
static int lpm_show_one(struct nfc_lpm *l, __u32 table, struct nfc_err *err,
			json_object **o)
{
	struct nfc_lpm_info info;
	int r;

	r = nfc_lpm__info(l, table, &info);
	if (r == -ENOENT)
		return nfc_errf(err, r, "lpm table %u: no such table", table);
	if (!r)
		*o = lpm_info_json(&info);
	return r;
}

static int do_lpm_create(int argc, char **argv)
{
	NFC_OPTS(nfc_lpm_create_opts, co);
	struct nfc_err err = {};
	struct nfc_handle *h;
	struct nfc_lpm *l;
	json_object *o = NULL;
	__u32 table;
	__u64 cap;
	int family, r;

	if (argc != 2 && argc != 4)
		return usage("lpm create ID { ipv4 | ipv6 } [capacity N]");
	r = lpm_table("lpm create", argv[0], &table);
	if (r)
		return r;
	if (!strcmp(argv[1], "ipv4"))
		family = AF_INET;
	else if (!strcmp(argv[1], "ipv6"))
		family = AF_INET6;
	else
		return usage("lpm create: family '%s': expected ipv4 or ipv6",
			     argv[1]);
	if (argc == 4) {
		if (strcmp(argv[2], "capacity"))
			return usage("lpm create: unexpected '%s' (expected capacity N)",
				     argv[2]);
		if (parse_u32(argv[3], NFC_LPM_MAX_CAPACITY, &cap) || !cap)
			return usage("lpm create: capacity '%s': expected a number of prefixes 1-%u",
				     argv[3], NFC_LPM_MAX_CAPACITY);
		co.capacity = cap;
	}
	r = lpm_open(&h, &l, true, &err);
	if (r)
		return fail(&err, r);
	r = nfc_lpm__create(l, table, family, &co, &err);
	if (!r)
		r = lpm_show_one(l, table, &err, &o);
	lpm_close(h, l);
	return r ? fail(&err, r) : show(o);
}

static int do_lpm_destroy(int argc, char **argv)
{
	struct nfc_err err = {};
	struct nfc_handle *h;
	struct nfc_lpm *l;
	__u32 table;
	int r;

	if (argc != 1)
		return usage("lpm destroy ID");
	r = lpm_table("lpm destroy", argv[0], &table);
	if (r)
		return r;
	r = lpm_open(&h, &l, true, &err);
	if (r)
		return fail(&err, r);
	r = nfc_lpm__destroy(l, table, &err);
	lpm_close(h, l);
	return r ? fail(&err, r) : EXIT_OK;
}

/* add, replace: ID PREFIX VALUE */
static int lpm_set(const char *what, int argc, char **argv, int flags)
{
	struct nfc_lpm_prefix p;
	struct nfc_err err = {};
	struct nfc_handle *h;
	struct nfc_lpm *l;
	__u32 table;
	__u64 v;
	int r;

	if (argc != 3)
		return usage("%s ID PREFIX VALUE", what);
	r = lpm_table(what, argv[0], &table);
	if (!r)
		r = lpm_prefix(what, argv[1], &p);
	if (r)
		return r;
	if (parse_u32(argv[2], NFC_LPM_NONE - 1, &v))
		return usage("%s: value '%s': expected a number 0-%u", what,
			     argv[2], NFC_LPM_NONE - 1);
	p.value = v;
	r = lpm_open(&h, &l, true, &err);
	if (r)
		return fail(&err, r);
	r = nfc_lpm__add(l, table, &p, flags, &err);
	lpm_close(h, l);
	return r ? fail(&err, r) : EXIT_OK;
}

static int do_lpm_add(int argc, char **argv)
{
	return lpm_set("lpm add", argc, argv, NFC_LPM_ANY);
}

static int do_lpm_replace(int argc, char **argv)
{
	return lpm_set("lpm replace", argc, argv, NFC_LPM_EXIST);
}

static int do_lpm_del(int argc, char **argv)
{
	struct nfc_lpm_prefix p;
	struct nfc_err err = {};
	struct nfc_handle *h;
	struct nfc_lpm *l;
	__u32 table;
	int r;

	if (argc != 2)
		return usage("lpm del ID PREFIX");
	r = lpm_table("lpm del", argv[0], &table);
	if (!r)
		r = lpm_prefix("lpm del", argv[1], &p);
	if (r)
		return r;
	r = lpm_open(&h, &l, true, &err);
	if (r)
		return fail(&err, r);
	r = nfc_lpm__del(l, table, &p, &err);
	lpm_close(h, l);
	return r ? fail(&err, r) : EXIT_OK;
}

static int do_lpm_load(int argc, char **argv)
{
	struct nfc_err err = {};
	struct nfc_handle *h;
	struct nfc_lpm *l;
	json_object *o = NULL;
	const char *path;
	__u32 table;
	int r;

	if (argc != 2)
		return usage("lpm load ID { FILE | - }");
	r = lpm_table("lpm load", argv[0], &table);
	if (r)
		return r;
	path = strcmp(argv[1], "-") ? argv[1] : "/dev/stdin";
	r = lpm_open(&h, &l, true, &err);
	if (r)
		return fail(&err, r);
	r = nfc_lpm__load_file(l, table, path, &err);
	if (!r)
		r = lpm_show_one(l, table, &err, &o);
	lpm_close(h, l);
	return r ? fail(&err, r) : show(o);
}

static int do_lpm_list(int argc, char **argv)
{
	struct nfc_lpm_prefix *p;
	struct nfc_err err = {};
	struct nfc_handle *h;
	struct nfc_lpm *l;
	json_object *o;
	__u32 table;
	size_t n;
	int r;

	if (argc != 1)
		return usage("lpm list ID");
	r = lpm_table("lpm list", argv[0], &table);
	if (r)
		return r;
	r = lpm_open(&h, &l, false, &err);
	if (r)
		return fail(&err, r);
	r = nfc_lpm__list(l, table, &p, &n, &err);
	lpm_close(h, l);
	if (r)
		return lpm_fail(&err, r, table);
	o = lpm_list_json(p, n);
	free(p);
	return show(o);
}

/* The longest prefix of @table holding @a, by the table's own prefixes
 * (nfc_lpm__lookup() answers from the trie, with the value only). */
static int lpm_covering(struct nfc_lpm *l, __u32 table, int family,
			const __u8 *a, struct nfc_lpm_prefix *p)
{
	int len, i, bits = family == AF_INET ? 32 : 128;

	for (len = bits; len >= 0; len--) {
		memset(p, 0, sizeof(*p));
		p->family = family;
		p->len = len;
		for (i = 0; i < len / 8; i++)
			p->addr[i] = a[i];
		if (len % 8)
			p->addr[i] = a[i] & (0xff00 >> len % 8);
		if (!nfc_lpm__get(l, table, p))
			return 0;
	}
	return -ENOENT;
}

static int do_lpm_lookup(int argc, char **argv)
{
	char addr[INET6_ADDRSTRLEN], pfx[INET6_ADDRSTRLEN + 8];
	struct nfc_lpm_info info;
	struct nfc_lpm_prefix p;
	struct nfc_err err = {};
	struct nfc_handle *h;
	struct nfc_lpm *l;
	bool covered;
	__u8 a[16];
	__u32 table, value;
	int family, r;

	if (argc != 2)
		return usage("lpm lookup ID ADDRESS");
	r = lpm_table("lpm lookup", argv[0], &table);
	if (r)
		return r;
	if (inet_pton(AF_INET, argv[1], a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, argv[1], a) == 1)
		family = AF_INET6;
	else
		return usage("lpm lookup: address '%s': expected an address like 192.0.2.1 or 2001:db8::1",
			     argv[1]);
	inet_ntop(family, a, addr, sizeof(addr));
	r = lpm_open(&h, &l, false, &err);
	if (r)
		return fail(&err, r);
	r = nfc_lpm__info(l, table, &info);
	if (!r && info.family != family)
		r = nfc_errf(&err, -EINVAL,
			     "lpm table %u: address %s: the table is %s", table,
			     addr, info.family == AF_INET ? "IPv4" : "IPv6");
	if (!r) {
		r = nfc_lpm__lookup(l, table, a, &value);
		if (r == -ENOENT)
			nfc_errf(&err, r, "lpm table %u: no prefix covers %s",
				 table, addr);
	}
	covered = !r && !lpm_covering(l, table, family, a, &p);
	lpm_close(h, l);
	if (r)
		return lpm_fail(&err, r, table);
	/* a change between the two reads, or a trie out of step */
	if (!covered || p.value != value) {
		char msg[256];

		if (covered && !nfc_lpm_prefix__str(&p, pfx, sizeof(pfx)))
			snprintf(msg, sizeof(msg),
				 "lpm table %u: the trie answers %u for %s, the longest prefix holding it, %s, has %u",
				 table, value, addr, pfx, p.value);
		else
			snprintf(msg, sizeof(msg),
				 "lpm table %u: the trie answers %u for %s, no prefix of the table holds it",
				 table, value, addr);
		warn(msg);
	}
	return show(lpm_lookup_json(addr, covered ? &p : NULL, value));
}

static int do_lpm_show(int argc, char **argv)
{
	struct nfc_lpm_store_info si;
	struct nfc_lpm_info info;
	struct nfc_err err = {};
	struct nfc_handle *h;
	struct nfc_lpm *l;
	json_object *o = NULL, *arr;
	__u32 table, *ids;
	size_t i, n;
	int r;

	if (argc > 1)
		return usage("lpm show: unexpected '%s'", argv[1]);
	if (argc) {
		r = lpm_table("lpm show", argv[0], &table);
		if (r)
			return r;
	}
	r = lpm_open(&h, &l, false, &err);
	if (r)
		return fail(&err, r);
	if (argc) {
		r = lpm_show_one(l, table, &err, &o);
		lpm_close(h, l);
		return r ? fail(&err, r) : show(o);
	}
	r = nfc_lpm__tables(l, &ids, &n);
	if (r) {
		lpm_close(h, l);
		return fail(&err, r);
	}
	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		/* one destroyed since the list was read is left out */
		if (!nfc_lpm__info(l, ids[i], &info))
			json_object_array_add(arr, lpm_info_json(&info));
	free(ids);
	nfc_lpm__store_info(l, &si);
	lpm_close(h, l);
	return show(lpm_store_json(arr, &si));
}

static const struct cmd lpm_cmds[] = {
	{ "create", do_lpm_create },
	{ "destroy", do_lpm_destroy },
	{ "add", do_lpm_add },
	{ "replace", do_lpm_replace },
	{ "del", do_lpm_del },
	{ "load", do_lpm_load },
	{ "list", do_lpm_list },
	{ "lookup", do_lpm_lookup },
	{ "show", do_lpm_show },
	{}
};

/* objects */

static int do_ct(int argc, char **argv)
{
	return dispatch(ct_cmds, "ct", argc, argv);
}

static int do_flow(int argc, char **argv)
{
	return dispatch(flow_cmds, "flow", argc, argv);
}

/* Which verb of @cmds @word is (a unique prefix), or NULL. */
static const struct cmd *verb_of(const struct cmd *cmds, const char *word)
{
	const struct cmd *c, *hit = NULL;
	int n = 0;

	for (c = cmds; c->name; c++) {
		if (!strcmp(c->name, word))
			return c;
		if (!strncmp(c->name, word, strlen(word))) {
			hit = c;
			n++;
		}
	}
	return n == 1 ? hit : NULL;
}

/* `stats` and `stats CHAIN` are `stats chain [CHAIN]`: a chain whose name
 * a verb starts with is `stats chain NAME`. */
static int do_stats(int argc, char **argv)
{
	if (!argc)
		return views(NULL, true);
	if (verb_of(stats_cmds, argv[0]))
		return dispatch(stats_cmds, "stats", argc, argv);
	if (argc > 1)
		return usage("stats: unexpected '%s'", argv[1]);
	return views(argv[0], true);
}

static int do_config(int argc, char **argv)
{
	return dispatch(config_cmds, "config", argc, argv);
}

static int do_lpm(int argc, char **argv)
{
	return dispatch(lpm_cmds, "lpm", argc, argv);
}

static int do_monitor(int argc, char **argv)
{
	return nfctl_monitor(argc, argv, json_out);
}

static int do_help(int argc, char **argv);

static const struct cmd objects[] = {
	{ "module", do_module },
	{ "chain", do_chain },
	{ "nf", do_nf },
	{ "ct", do_ct },
	{ "flow", do_flow },
	{ "stats", do_stats },
	{ "config", do_config },
	{ "lpm", do_lpm },
	{ "monitor", do_monitor },
	{ "help", do_help },
	{}
};

/* Each object's grammar, in the order help prints them. */
static const struct {
	const char *name;
	const char *usage;
} grammar[] = {
	{ "module", module_usage },
	{ "chain", chain_usage },
	{ "nf", nf_usage },
	{ "ct", ct_usage },
	{ "flow", flow_usage },
	{ "stats", stats_usage },
	{ "config", config_usage },
	{ "lpm", lpm_usage },
	{ "monitor", NFCTL_MONITOR_USAGE },
};

#define N_GRAMMAR (sizeof(grammar) / sizeof(grammar[0]))

static void print_usage(FILE *f, const char *only)
{
	unsigned int i;

	if (!only) {
		fputs(global_usage, f);
		fputs("       OBJECT := {", f);
		for (i = 0; i < N_GRAMMAR; i++)
			fprintf(f, "%s %s", i ? " |" : "", grammar[i].name);
		fputs(" }\n", f);
		fputs(options_usage, f);
		fputs("\n", f);
	}
	for (i = 0; i < N_GRAMMAR; i++)
		if (!only || !strcmp(only, grammar[i].name))
			fputs(grammar[i].usage, f);
	if (!only || !strcmp(only, "ct") || !strcmp(only, "flow"))
		fputs(match_usage, f);
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

static int do_help(int argc, char **argv)
{
	print_usage(stdout, NULL);
	return EXIT_OK;
}

/* `nfctl OBJECT help` (any prefix of OBJECT): that object's grammar. */
static bool object_help(int argc, char **argv)
{
	const char *hit = NULL;
	unsigned int i;

	if (argc < 2 || strcmp(argv[argc - 1], "help") ||
	    (argc > 2 && strcmp(argv[0], "nf")))
		return false;
	for (i = 0; i < N_GRAMMAR; i++) {
		if (strncmp(grammar[i].name, argv[0], strlen(argv[0])))
			continue;
		if (!strcmp(grammar[i].name, argv[0])) {
			hit = grammar[i].name;
			break;
		}
		if (hit)
			return false;
		hit = grammar[i].name;
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
