// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/* nfctl's output: structs -> JSON tree -> JSON or text (see print.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "print.h"

bool json_out, pretty;

enum { EXIT_OK = 0, EXIT_FAIL = 1 };

static int json_flags(void)
{
	return JSON_C_TO_STRING_NOSLASHESCAPE |
	       (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			 JSON_C_TO_STRING_PLAIN);
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ?: "");
}

static json_object *ju(unsigned long long v)
{
	return json_object_new_uint64(v);
}

/* Milliseconds as a person reads them, in JSON and text alike. */
static json_object *jms(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.2f", v);
	return json_object_new_double_s(v, buf);
}

static void add(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

/* A scalar as YAML reads it back: strings that YAML would take for
 * something else are quoted (a JSON string is a YAML double-quoted one). */
static const char *scalar(json_object *v)
{
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string))
		return s;
	if (!*s || strchr("-?:,[]{}#&*!|>'\"%@` ", *s) || strstr(s, ": ") ||
	    strstr(s, " #") || s[strlen(s) - 1] == ':' || s[strlen(s) - 1] == ' ' ||
	    strchr(s, '\n'))
		return json_object_to_json_string_ext(v, JSON_C_TO_STRING_NOSLASHESCAPE);
	return s;
}

/* Text rendering of any JSON value, indented like YAML. */
static void print_text(json_object *o, int indent, bool in_list)
{
	size_t i;

	switch (json_object_get_type(o)) {
	case json_type_object: {
		bool first = true;

		json_object_object_foreach(o, k, v) {
			bool obj = json_object_is_type(v, json_type_object);
			bool nested = obj || json_object_is_type(v, json_type_array);
			size_t len = !nested ? 0 :
				     obj ? (size_t)json_object_object_length(v) :
					   json_object_array_length(v);

			/* a list item's first key follows its "- " */
			printf("%*s%s:", first && in_list ? 0 : indent, "", k);
			first = false;
			if (len) {
				printf("\n");
				print_text(v, indent + 2, false);
			} else if (nested) {
				printf(" %s\n", obj ? "{}" : "[]");
			} else {
				printf(" %s\n", scalar(v));
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
				printf("%s\n", scalar(v));
		}
		break;
	default:
		printf("%*s%s\n", indent, "", scalar(o));
	}
}

int show(json_object *o)
{
	if (json_out)
		puts(json_object_to_json_string_ext(o, json_flags()));
	else
		print_text(o, 0, false);
	json_object_put(o);
	return EXIT_OK;
}

int fail(const struct nfc_err *err, int r)
{
	int i;

	if (json_out) {
		json_object *o = json_object_new_object(), *a = json_object_new_array();

		for (i = 0; i < err->n; i++)
			json_object_array_add(a, jstr(err->msg[i]));
		if (!err->n)
			json_object_array_add(a, jstr(strerror(-r)));
		add(o, "error", a);
		if (err->dropped)
			add(o, "more_errors", ju(err->dropped));
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

void warn(const char *msg)
{
	fprintf(stderr, "nfctl: warning: %s\n", msg);
}

static json_object *fields_json(const struct nfc_field *f, int n)
{
	json_object *arr = json_object_new_array(), *o, *v;
	int i, j;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		add(o, "name", jstr(f[i].name));
		add(o, "type", jstr(nfc_ftype_str(f[i].type)));
		if (nfc_ftype_sized(f[i].type))
			add(o, "size", ju(f[i].size));
		if (f[i].n_values) {
			v = json_object_new_array();
			for (j = 0; j < f[i].n_values; j++)
				json_object_array_add(v, jstr(f[i].values[j]));
			add(o, "values", v);
		}
		if (f[i].def)
			add(o, "default", jstr(f[i].def));
		if (f[i].table)
			add(o, "table", jstr(f[i].table));
		if (f[i].description)
			add(o, "description", jstr(f[i].description));
		json_object_array_add(arr, o);
	}
	return arr;
}

json_object *module_json(struct nfc_handle *h, const struct nfc_module *m,
			 bool full)
{
	json_object *o = json_object_new_object(), *v;
	const char *users[64];
	int i, n;

	add(o, "name", jstr(m->name));
	add(o, "version", jstr(m->version));
	add(o, "description", jstr(m->description));
	v = json_object_new_array();
	if (m->object[NFC_OBJ_XDP])
		json_object_array_add(v, jstr("xdp"));
	if (m->object[NFC_OBJ_TC]) {
		json_object_array_add(v, jstr("tc-ingress"));
		json_object_array_add(v, jstr("tc-egress"));
	}
	add(o, "hooks", v);
	n = nfc_module__users(h, m->name, m->version, users, 64);
	v = json_object_new_array();
	for (i = 0; i < n && i < 64; i++)
		json_object_array_add(v, jstr(users[i]));
	add(o, "used_by", v);
	if (!full)
		return o;
	add(o, "manifest", jstr(m->manifest));
	v = json_object_new_array();
	for (i = 0; i < m->n_outcomes; i++)
		json_object_array_add(v, jstr(m->outcomes[i]));
	add(o, "outcomes", v);
	add(o, "config", fields_json(m->config, m->n_config));
	v = json_object_new_array();
	for (i = 0; i < m->n_tables; i++) {
		json_object *t = json_object_new_object();

		add(t, "name", jstr(m->tables[i].name));
		add(t, "map", jstr(m->tables[i].map));
		add(t, "key", fields_json(m->tables[i].key, m->tables[i].n_key));
		add(t, "value", fields_json(m->tables[i].value,
					    m->tables[i].n_value));
		json_object_array_add(v, t);
	}
	add(o, "tables", v);
	if (m->policy_table) {
		v = json_object_new_object();
		add(v, "table", jstr(m->policy_table));
		add(v, "name", jstr(m->policy_name));
		add(o, "policies", v);
	}
	return o;
}

static json_object *attach_json(const struct nfc_attach_info *a, int n)
{
	json_object *arr = json_object_new_array(), *o;
	int i;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		add(o, "interface", jstr(a[i].ifname));
		add(o, "ifindex", ju(a[i].ifindex));
		add(o, "hook", jstr(nfc_hook_str(a[i].hook)));
		if (a[i].hook == NFC_HOOK_XDP)
			add(o, "mode", jstr(nfc_mode_str(a[i].mode)));
		add(o, "priority", ju(a[i].priority));
		if (a[i].tenant)
			add(o, "tenant", ju(a[i].tenant));
		add(o, "prog_id", ju(a[i].prog_id));
		json_object_array_add(arr, o);
	}
	return arr;
}

json_object *chain_info_json(const struct nfc_chain_info *c)
{
	json_object *o = json_object_new_object();

	add(o, "name", jstr(c->name));
	add(o, "version", ju(c->version));
	add(o, "file", jstr(c->file));
	add(o, "nodes", ju(c->n_nodes));
	add(o, "attach", attach_json(c->attach, c->n_attach));
	return o;
}

static json_object *chain_counters_json(const struct nfc_chain_stats *s)
{
	json_object *o = json_object_new_object(), *v;
	int i;

	add(o, "packets", ju(s->packets));
	add(o, "bytes", ju(s->bytes));
	v = json_object_new_object();
	for (i = 0; i < NFC_V_NAMED; i++)
		add(v, nfc_verdict_str(i), ju(s->verdict[i]));
	add(o, "verdicts", v);
	v = json_object_new_object();
	for (i = 1; i < NFC_DROP_MAX; i++)
		add(v, nfc_drop_reason_str(i), ju(s->drop[i]));
	add(o, "drops", v);
	add(o, "missed_tail_calls", ju(s->drop[NFC_DROP_MISSED_TAIL_CALL]));
	add(o, "no_version", ju(s->no_version));
	add(o, "cached", ju(s->cached));
	add(o, "flows", ju(s->flows));
	return o;
}

static json_object *node_json(const struct nfc_chain_view *v, int i,
			      __u32 block)
{
	const struct nfc_node_view *nv = &v->nodes[i];
	const struct nfc_node_info *n = nv->info;
	const struct nfc_module *m = nv->module;
	json_object *o = json_object_new_object(), *x, *y;
	int k;

	add(o, "name", jstr(n->name));
	add(o, "module", jstr(n->module));
	add(o, "version", jstr(n->version));
	add(o, "hop", ju(n->hop));
	add(o, "slot", ju(block * NFC_BLOCK_SIZE + n->hop));
	add(o, "generation", ju(n->gen));
	x = json_object_new_object();
	for (k = 0; k < NFC_OBJ_MAX; k++)
		if (n->prog_id[k])
			add(x, k == NFC_OBJ_XDP ? "xdp" : "tc", ju(n->prog_id[k]));
	add(o, "prog_id", x);
	x = json_object_new_object();
	for (k = 0; m && k < m->n_outcomes; k++)
		add(x, m->outcomes[k], jstr(nfc_chain_view__next(v, i, k)));
	add(o, "links", x);
	x = json_object_new_object();
	add(x, "packets", ju(nv->counters.packets));
	add(x, "bytes", ju(nv->counters.bytes));
	y = json_object_new_object();
	for (k = 0; m && k < m->n_outcomes; k++)
		add(y, m->outcomes[k], ju(nv->counters.outcome[k]));
	add(x, "outcomes", y);
	add(o, "counters", x);
	return o;
}

json_object *chain_view_json(const struct nfc_chain_view *v, bool stats)
{
	const struct nfc_chain_info *c = v->info;
	json_object *o = json_object_new_object(), *x;
	int i;

	if (stats) {
		add(o, "chain", jstr(c->name));
		add(o, "version", ju(c->version));
	} else {
		add(o, "name", jstr(c->name));
		add(o, "id", ju(c->id));
		add(o, "version", ju(c->version));
		add(o, "block", ju(c->block));
		add(o, "file", jstr(c->file));
		if (c->n_overrides) {
			x = json_object_new_object();
			for (i = 0; i < c->n_overrides; i++) {
				char mv[NFC_NAME_MAX + NFC_VERSION_MAX + 2];

				snprintf(mv, sizeof(mv), "%s@%s",
					 c->overrides[i].module,
					 c->overrides[i].version);
				add(x, c->overrides[i].node, jstr(mv));
			}
			add(o, "swapped", x);
		}
		add(o, "attach", attach_json(c->attach, c->n_attach));
	}
	x = json_object_new_array();
	for (i = 0; i < v->n_nodes; i++)
		json_object_array_add(x, node_json(v, i, c->block));
	if (stats)
		add(o, "counters", chain_counters_json(&v->counters));
	add(o, "nodes", x);
	if (!stats)
		add(o, "counters", chain_counters_json(&v->counters));
	return o;
}

json_object *table_json(const struct nfc_table_entries *e)
{
	const struct nfc_table *t = e->table;
	json_object *arr = json_object_new_array(), *o;
	char buf[128];
	int i, j;

	for (i = 0; i < e->n; i++) {
		const __u8 *k = e->keys + i * t->key_size;
		const __u8 *v = e->values + i * t->value_size;

		o = json_object_new_object();
		for (j = 0; j < t->n_key + t->n_value; j++) {
			const struct nfc_field *f = j < t->n_key ?
							    &t->key[j] :
							    &t->value[j - t->n_key];

			if (nfc_field_format(f, (j < t->n_key ? k : v) + f->offset,
					     buf, sizeof(buf)))
				snprintf(buf, sizeof(buf), "?");
			add(o, f->name, jstr(buf));
		}
		json_object_array_add(arr, o);
	}
	return arr;
}

json_object *apply_json(const char *what, const char *name,
			const struct nfc_apply_result *res)
{
	json_object *o = json_object_new_object(), *w;
	int i;

	add(o, what, jstr(name));
	add(o, "version", ju(res->version));
	add(o, "block", ju(res->block));
	add(o, "programs_loaded", ju(res->loaded));
	add(o, "load_ms", jms(res->load_ms));
	add(o, "flip_ms", jms(res->flip_ms));
	add(o, "total_ms", jms(res->total_ms));
	if (res->n_warnings) {
		w = json_object_new_array();
		for (i = 0; i < res->n_warnings; i++)
			json_object_array_add(w, jstr(res->warnings[i]));
		add(o, "warnings", w);
	}
	return o;
}

static json_object *used_max(__u32 used, __u32 max)
{
	json_object *o = json_object_new_object();

	add(o, "used", ju(used));
	add(o, "max", ju(max));
	return o;
}

json_object *limits_json(const struct nfc_limits *l)
{
	json_object *o = json_object_new_object();

	add(o, "chains", used_max(l->chains, l->chains_max));
	add(o, "blocks", used_max(l->blocks, l->blocks_max));
	add(o, "instances", used_max(l->instances, l->instances_max));
	add(o, "nodes_per_chain", ju(l->hops_max));
	add(o, "abi", ju(l->abi));
	return o;
}

/* Connections, flows, counters */

const char *ct_class_str(int c)
{
	static const char *const names[NFC_CTC_MAX] = {
		[NFC_CTC_TCP] = "tcp",
		[NFC_CTC_UDP] = "udp",
		[NFC_CTC_ICMP] = "icmp",
		[NFC_CTC_OTHER] = "other",
	};

	return c >= 0 && c < NFC_CTC_MAX ? names[c] : "unknown";
}

/* Seconds with a tenth, from nanoseconds. */
static json_object *jsec(__u64 ns)
{
	char buf[32];
	double v = ns / 1e9;

	snprintf(buf, sizeof(buf), "%.1f", v);
	return json_object_new_double_s(v, buf);
}

static json_object *jproto(__u8 p)
{
	char buf[8];

	switch (p) {
	case IPPROTO_TCP:
		return jstr("tcp");
	case IPPROTO_UDP:
		return jstr("udp");
	case IPPROTO_ICMP:
		return jstr("icmp");
	case IPPROTO_ICMPV6:
		return jstr("icmpv6");
	}
	snprintf(buf, sizeof(buf), "%u", p);
	return jstr(buf);
}

static bool is_icmp(__u8 p)
{
	return p == IPPROTO_ICMP || p == IPPROTO_ICMPV6;
}

static json_object *jaddr(__u8 l3, const union nfc_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(l3 == NFC_L3_IPV6 ? AF_INET6 : AF_INET, a->b, buf,
		  sizeof(buf));
	return jstr(buf);
}

static json_object *jmac(const __u8 *m)
{
	char buf[18];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		 m[2], m[3], m[4], m[5]);
	return jstr(buf);
}

/* An interface by name; one that is gone as "if17". */
static json_object *jif(__u32 ifindex)
{
	char buf[IF_NAMESIZE + 8];

	if (!ifindex)
		return jstr("");
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, sizeof(buf), "if%u", ifindex);
	return jstr(buf);
}

static const char *chain_by_id(struct nfc_handle *h, __u32 id)
{
	const struct nfc_state *s = nfc_state(h);
	int i;

	for (i = 0; i < s->n_chains; i++)
		if (s->chains[i].id == id)
			return s->chains[i].name;
	return "";
}

/* The rule of node instance @node: its node's name, its id, its name. */
static json_object *rule_json(struct nfc_handle *h, __u32 node, __u32 policy)
{
	json_object *o = json_object_new_object();
	const char *chain = "", *name = "";
	char rule[64] = "";

	nfc_policy__name(h, node, policy, &chain, &name, rule, sizeof(rule));
	add(o, "chain", jstr(chain));
	add(o, "node", jstr(name));
	add(o, "policy", ju(policy));
	add(o, "name", jstr(rule));
	return o;
}

static json_object *ct_json(struct nfc_handle *h, const struct nfc_ct_entry *e)
{
	const struct nfc_ct *ct = &e->ct;
	json_object *o = json_object_new_object(), *x, *arr = NULL;
	int i;

	add(o, "tenant", ju(e->key.tenant));
	add(o, "proto", jproto(e->key.proto));
	add(o, "src", jaddr(e->key.l3, &e->src));
	if (is_icmp(e->key.proto))
		add(o, "id", ju(e->sport));
	else
		add(o, "sport", ju(e->sport));
	add(o, "dst", jaddr(e->key.l3, &e->dst));
	if (!is_icmp(e->key.proto))
		add(o, "dport", ju(e->dport));
	add(o, "state", jstr(nfc_ct_state__str(ct->state)));
	x = json_object_new_array();
	if (ct->flags & NFC_CT_F_SEEN_REPLY)
		json_object_array_add(x, jstr("seen-reply"));
	if (ct->flags & NFC_CT_F_MIDSTREAM)
		json_object_array_add(x, jstr("midstream"));
	add(o, "flags", x);
	x = json_object_new_object();
	/* ifindex[] is by direction, not by side */
	add(x, "orig", jif(ct->ifindex[NFC_CT_ORIG]));
	add(x, "reply", jif(ct->ifindex[NFC_CT_REPLY]));
	add(o, "interfaces", x);
	add(o, "age_s", jsec(e->age_ns));
	add(o, "idle_s", jsec(e->idle_ns));
	add(o, "timeout_s", ju(e->timeout_s));
	add(o, "handle", ju(ct->handle));
	/* what each chain (of the two kept) decided last */
	for (i = 0; i < NFC_CT_DECISIONS; i++) {
		const struct nfc_ct_decision *d = &ct->decision[i];

		if (!(ct->flags & (NFC_CT_F_DECIDED << i)))
			continue;
		x = d->node ? rule_json(h, d->node, d->policy) :
			      json_object_new_object();
		if (!d->node)
			add(x, "chain", jstr(chain_by_id(h, d->chain)));
		add(x, "verdict", jstr(nfc_verdict_str(d->verdict)));
		if (!arr)
			arr = json_object_new_array();
		json_object_array_add(arr, x);
	}
	if (arr)
		add(o, "decisions", arr);
	return o;
}

json_object *ct_list_json(struct nfc_handle *h, const struct nfc_ct_entry *e,
			  int n)
{
	json_object *arr = json_object_new_array();
	int i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, ct_json(h, &e[i]));
	return arr;
}

json_object *ct_summary_json(const struct nfc_ct_summary *s,
			     const __u64 *states)
{
	json_object *o = json_object_new_object(), *x;
	int i;

	add(o, "live", ju(s->live));
	add(o, "max", ju(s->max));
	add(o, "created", ju(s->dp.created));
	add(o, "reopened", ju(s->dp.reopened));
	add(o, "evicted", ju(s->evicted));
	add(o, "expired", ju(s->gc.expired));
	add(o, "flushed", ju(s->gc.flushed));
	add(o, "related", ju(s->dp.related));
	add(o, "untracked", ju(s->dp.untracked));
	add(o, "insert_failed", ju(s->dp.insert_failed));
	add(o, "fragments", ju(s->dp.frags));
	add(o, "fragments_unknown", ju(s->dp.frags_unknown));
	add(o, "tcp_invalid", ju(s->dp.invalid));
	x = json_object_new_object();
	for (i = NFC_CT_NEW; i < NFC_CT_STATE_MAX; i++)
		add(x, nfc_ct_state__str(i), ju(states[i]));
	add(o, "states", x);
	return o;
}

static void ports_json(json_object *o, const struct nfc_key *k)
{
	if (!(k->flags & NFC_KEY_F_L4))
		return;
	if (is_icmp(k->proto)) {
		add(o, "type", ju(ntohs(k->dport) >> 8));
		add(o, "code", ju(ntohs(k->dport) & 0xff));
		add(o, "id", ju(ntohs(k->sport)));
		return;
	}
	add(o, "sport", ju(ntohs(k->sport)));
	add(o, "dport", ju(ntohs(k->dport)));
}

static json_object *flow_json(struct nfc_handle *h,
			      const struct nfc_flow_entry *e)
{
	const struct nfc_key *k = &e->key;
	const struct nfc_action *a = &e->flow.act;
	json_object *o = json_object_new_object(), *x;
	char buf[512];
	int i;

	add(o, "chain", jstr(e->chain));
	add(o, "interface", jif(k->ifindex));
	add(o, "tenant", ju(k->tenant));
	add(o, "smac", jmac(k->smac));
	add(o, "dmac", jmac(k->dmac));
	if (k->flags & (NFC_KEY_F_VLAN0 | NFC_KEY_F_VLAN1)) {
		x = json_object_new_array();
		for (i = 0; i < 2; i++)
			if (k->flags & (i ? NFC_KEY_F_VLAN1 : NFC_KEY_F_VLAN0))
				json_object_array_add(x, ju(ntohs(k->vlan[i]) & 0xfff));
		add(o, "vlan", x);
	}
	snprintf(buf, sizeof(buf), "0x%04x", ntohs(k->ethertype));
	add(o, "ethertype", jstr(buf));
	if (k->l3 == NFC_L3_IPV4 || k->l3 == NFC_L3_IPV6) {
		add(o, "proto", jproto(k->proto));
		add(o, "src", jaddr(k->l3, &k->saddr));
		add(o, "dst", jaddr(k->l3, &k->daddr));
		ports_json(o, k);
	}
	nfc_action__str(k, a, buf, sizeof(buf));
	add(o, "action", jstr(buf));
	add(o, "verdict", jstr(nfc_verdict_str(a->verdict)));
	if (a->policy)
		add(o, "rule", rule_json(h, a->policy_node, a->policy));
	add(o, "packets", ju(e->flow.packets));
	add(o, "bytes", ju(e->flow.bytes));
	add(o, "age_s", jsec(e->age_ns));
	add(o, "idle_s", jsec(e->idle_ns));
	add(o, "version", ju(e->flow.version));
	add(o, "stale", json_object_new_boolean(e->stale));
	return o;
}

json_object *flow_list_json(struct nfc_handle *h,
			    const struct nfc_flow_entry *e, int n)
{
	json_object *arr = json_object_new_array();
	int i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, flow_json(h, &e[i]));
	return arr;
}

json_object *flow_summary_json(const struct nfc_flow_entry *e, int n,
			       const struct nfc_ct_summary *s)
{
	json_object *o = json_object_new_object(), *chains, *c;
	__u64 stale = 0;
	int i;

	chains = json_object_new_object();
	for (i = 0; i < n; i++) {
		const char *name = e[i].chain[0] ? e[i].chain : "(deleted)";

		stale += e[i].stale;
		if (json_object_object_get_ex(chains, name, &c))
			json_object_set_uint64(c, json_object_get_uint64(c) + 1);
		else
			add(chains, name, ju(1));
	}
	add(o, "flows", ju(n));
	add(o, "max", ju(NFC_FLOW_ENTRIES));
	add(o, "stale", ju(stale));
	add(o, "chains", chains);
	add(o, "expired", ju(s->gc.flows_expired));
	add(o, "flushed", ju(s->gc.flows_flushed));
	return o;
}

json_object *flushed_json(int n)
{
	json_object *o = json_object_new_object();

	add(o, "flushed", ju(n));
	return o;
}

json_object *config_json(const struct nfc_config *c)
{
	json_object *o = json_object_new_object(), *t, *x;
	int i, j;

	t = json_object_new_object();
	for (i = 0; i < NFC_CTC_MAX; i++) {
		x = json_object_new_object();
		for (j = NFC_CT_NEW; j < NFC_CT_STATE_MAX; j++)
			add(x, nfc_ct_state__str(j), ju(c->ct_timeout[i][j]));
		add(t, ct_class_str(i), x);
	}
	add(o, "ct_timeout", t);
	add(o, "drop_events_per_sec", ju(c->drop_events_per_sec));
	add(o, "flow_refresh_ms", ju(c->flow_refresh_ms));
	return o;
}

json_object *node_stats_json(const struct nfc_chain_view *v, int i)
{
	const struct nfc_node_view *nv = &v->nodes[i];
	const struct nfc_module *m = nv->module;
	json_object *o = json_object_new_object(), *x;
	int k;

	add(o, "chain", jstr(v->info->name));
	add(o, "node", jstr(nv->info->name));
	add(o, "module", jstr(nv->info->module));
	add(o, "version", jstr(nv->info->version));
	add(o, "instance", ju(nv->info->counter));
	add(o, "packets", ju(nv->counters.packets));
	add(o, "bytes", ju(nv->counters.bytes));
	x = json_object_new_object();
	for (k = 0; m && k < m->n_outcomes; k++)
		add(x, m->outcomes[k], ju(nv->counters.outcome[k]));
	add(o, "outcomes", x);
	return o;
}

static json_object *pkts_bytes(__u64 packets, __u64 bytes)
{
	json_object *o = json_object_new_object();

	add(o, "packets", ju(packets));
	add(o, "bytes", ju(bytes));
	return o;
}

json_object *ep_stats_json(const struct nfc_ep_view *e)
{
	json_object *o = json_object_new_object(), *x;
	int i;

	add(o, "interface", e->ifname[0] ? jstr(e->ifname) : jif(e->ifindex));
	add(o, "ifindex", ju(e->ifindex));
	add(o, "in", pkts_bytes(e->s.in_packets, e->s.in_bytes));
	add(o, "out", pkts_bytes(e->s.out_packets, e->s.out_bytes));
	add(o, "new_connections", ju(e->s.new_conns));
	x = json_object_new_object();
	for (i = 1; i < NFC_DROP_MAX; i++)
		add(x, nfc_drop_reason_str(i), ju(e->s.drop[i]));
	add(o, "drops", x);
	return o;
}

json_object *rule_stats_json(const struct nfc_rule_view *r)
{
	json_object *o = json_object_new_object();

	add(o, "chain", jstr(r->chain));
	add(o, "node", jstr(r->node));
	add(o, "instance", ju(r->key.node));
	add(o, "policy", ju(r->key.policy));
	add(o, "name", jstr(r->name));
	if (r->deleted)
		add(o, "deleted", json_object_new_boolean(1));
	add(o, "packets", ju(r->s.packets));
	add(o, "bytes", ju(r->s.bytes));
	return o;
}

/* LPM tables */

static json_object *jprefix(const struct nfc_lpm_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];

	if (nfc_lpm_prefix__str(p, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "?");
	return jstr(buf);
}

json_object *lpm_info_json(const struct nfc_lpm_info *i)
{
	json_object *o = json_object_new_object();
	char buf[32];

	add(o, "table", ju(i->table));
	add(o, "family", jstr(i->family == AF_INET ? "ipv4" : "ipv6"));
	add(o, "prefixes", ju(i->prefixes));
	add(o, "capacity", ju(i->capacity));
	add(o, "nodes", ju(i->nodes));
	add(o, "leaves", ju(i->leaves));
	add(o, "trie_bytes", ju(i->trie_bytes));
	add(o, "direct_bytes", ju(i->direct_bytes));
	add(o, "record_bytes", ju(i->record_bytes));
	if (i->prefixes) {
		double v = (double)(i->trie_bytes + i->direct_bytes +
				    i->record_bytes) / i->prefixes;

		snprintf(buf, sizeof(buf), "%.1f", v);
		add(o, "bytes_per_prefix", json_object_new_double_s(v, buf));
	}
	return o;
}

json_object *lpm_store_json(json_object *tables,
			    const struct nfc_lpm_store_info *s)
{
	json_object *o = json_object_new_object(), *x;

	add(o, "tables", tables);
	x = json_object_new_object();
	add(x, "tables", ju(s->tables));
	add(x, "node_chunks", ju(s->node_chunks));
	add(x, "leaf_chunks", ju(s->leaf_chunks));
	add(x, "node_slots", ju(s->node_slots));
	add(x, "leaf_slots", ju(s->leaf_slots));
	add(x, "nodes_used", ju(s->nodes_used));
	add(x, "leaves_used", ju(s->leaves_used));
	add(x, "nodes_pending", ju(s->nodes_pending));
	add(x, "leaves_pending", ju(s->leaves_pending));
	add(x, "bytes", ju(s->bytes));
	add(o, "store", x);
	return o;
}

json_object *lpm_list_json(const struct nfc_lpm_prefix *p, size_t n)
{
	json_object *arr = json_object_new_array(), *o;
	size_t i;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		add(o, "prefix", jprefix(&p[i]));
		add(o, "value", ju(p[i].value));
		json_object_array_add(arr, o);
	}
	return arr;
}

json_object *lpm_lookup_json(const char *addr, const struct nfc_lpm_prefix *p,
			     __u32 value)
{
	json_object *o = json_object_new_object();

	add(o, "address", jstr(addr));
	if (p)
		add(o, "prefix", jprefix(p));
	add(o, "value", ju(value));
	return o;
}
