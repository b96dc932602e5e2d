// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Descriptors: valid ones parse to the expected hops, next tables and
 * encoded config; every file under bad/ fails with exactly the messages
 * it announces.
 */
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "descriptor.h"
#include "expect.h"

#define P NFC_NEXT_PASS
#define D NFC_NEXT_DROP
#define N NFC_NEXT_NONE

static struct nfc_catalog *cat;
static __u32 lo;

static int setup(void **state)
{
	char *dirs[] = { NFC_BUILD_CATALOG, NFC_TEST_DATA "/testcat" };
	struct nfc_err err = {};
	int i;

	lo = if_nametoindex("lo");
	if (!lo || nfc_catalog__load(&cat, dirs, 2, &err)) {
		for (i = 0; i < err.n; i++)
			printf("%s\n", err.msg[i]);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	nfc_catalog__free(cat);
	return 0;
}

static struct nfc_descriptor *parse_ok(const char *name, const char *text)
{
	struct nfc_descriptor *d = NULL;
	struct nfc_err err = {};
	int i, ret;

	if (text)
		ret = nfc_descriptor__parse(&d, name, text, strlen(text), cat,
					    NULL, &err);
	else
		ret = nfc_descriptor__parse_file(&d, name, cat, NULL, &err);
	for (i = 0; i < err.n; i++)
		printf("%s\n", err.msg[i]);
	assert_int_equal(ret, 0);
	assert_int_equal(err.n, 0);
	assert_non_null(d);
	return d;
}

static void check_next(const struct nfc_node *n, const char *name,
		       const __u8 *next)
{
	assert_string_equal(n->name, name);
	assert_memory_equal(n->next, next, NFC_MAX_OUTCOMES);
}

static void check_order(const struct nfc_descriptor *d,
			const char *const *names, int n)
{
	int i;

	assert_int_equal(d->n_nodes, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(d->nodes[i].name, names[i]);
		assert_int_equal(d->nodes[i].hop, i);
		assert_ptr_equal(nfc_descriptor__node(d, names[i]),
				 &d->nodes[i]);
	}
}

static void test_dag(void **state)
{
	static const char *const order[] = { "cls", "fw", "mr", "log",
					     "tail" };
	const __u8 cls_next[] = { 2, D, 1, N, N, N, N, N };
	const __u8 fw_next[] = { 2, D, N, N, N, N, N, N };
	const __u8 mr_next[] = { 4, 3, N, N, N, N, N, N };
	const __u8 log_next[] = { D, D, N, N, N, N, N, N };
	const __u8 tail_next[] = { P, D, N, N, N, N, N, N };
	const __u8 route_keys[] = { 2, 0, 0, 0, 0, 1, 0, 0,
				    2, 0, 0, 0, 0, 2, 0, 0 };
	const __u8 rule_keys[] = { 8,  0, 0, 0, 10, 0, 0, 0, 6,  0, 0, 0,
				   16, 0, 0, 0, 10, 1, 0, 0, 17, 0, 0, 0 };
	const __u8 rule_vals_tail[] = { 4, 3, 2, 1, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0 };
	const __u8 vip[] = { 192, 0, 2, 1 }, dport[] = { 0, 0x35 };
	const __u8 zero[16] = {};
	const struct nfc_table_fill *fill;
	const struct nfc_cfg_value *cv;
	struct nfc_descriptor *d;
	const struct nfc_node *n;
	__u8 route_vals[16] = {}, one[4] = { 1 };
	__u16 port = 8080;
	__u32 u32;

	d = parse_ok(NFC_TEST_DATA "/good/dag.yaml", NULL);
	assert_string_equal(d->chain, "edge-1");
	assert_string_equal(d->description, "classify, then route by MAC");
	assert_string_equal(d->file, NFC_TEST_DATA "/good/dag.yaml");
	assert_int_equal(d->vxlan_port, 0);

	assert_int_equal(d->n_attach, 2);
	assert_string_equal(d->attach[0].ifname, "lo");
	assert_int_equal(d->attach[0].ifindex, lo);
	assert_int_equal(d->attach[0].hook, NFC_HOOK_TC_INGRESS);
	assert_int_equal(d->attach[0].priority, 10);
	assert_int_equal(d->attach[0].line, 7);
	assert_int_equal(d->attach[0].col, 5);
	assert_int_equal(d->attach[1].hook, NFC_HOOK_TC_EGRESS);
	assert_int_equal(d->attach[1].priority, NFC_PRIO_DEFAULT);
	assert_int_equal(d->attach[1].mode, NFC_MODE_AUTO);

	check_order(d, order, 5);
	check_next(&d->nodes[0], "cls", cls_next);
	check_next(&d->nodes[1], "fw", fw_next);
	check_next(&d->nodes[2], "mr", mr_next);
	check_next(&d->nodes[3], "log", log_next);
	check_next(&d->nodes[4], "tail", tail_next);

	/* macrouter@1.0.0: struct macrouter_key / macrouter_route */
	n = nfc_descriptor__node(d, "mr");
	assert_string_equal(n->mod->version, "1.0.0");
	assert_int_equal(n->line, 24);
	assert_int_equal(n->col, 5);
	assert_int_equal(n->n_cfg, 1);
	cv = &n->cfg[0];
	assert_string_equal(cv->key->name, "default");
	assert_memory_equal(cv->bytes, one, 4);
	assert_int_equal(cv->line, 27);
	assert_int_equal(cv->col, 16);
	assert_int_equal(n->n_fills, 1);
	fill = &n->fills[0];
	assert_string_equal(fill->table->name, "routes");
	assert_int_equal(fill->table->key_size, 8);
	assert_int_equal(fill->table->value_size, 8);
	assert_int_equal(fill->n, 2);
	assert_memory_equal(fill->keys, route_keys, sizeof(route_keys));
	memcpy(route_vals, &lo, 4);   /* ifindex, action forward (0) */
	route_vals[12] = 1;           /* no ifindex, action drop (1) */
	assert_memory_equal(fill->values, route_vals, sizeof(route_vals));

	n = nfc_descriptor__node(d, "cls");
	assert_int_equal(n->n_cfg, 8);
	assert_string_equal(n->cfg[0].key->name, "port");
	assert_memory_equal(n->cfg[0].bytes, &port, 2);
	assert_int_equal(n->cfg[0].line, 0);
	assert_string_equal(n->cfg[1].key->name, "vip");
	assert_memory_equal(n->cfg[1].bytes, vip, 4);
	assert_string_equal(n->cfg[2].key->name, "vip6");
	assert_memory_equal(n->cfg[2].bytes, zero, 16);
	assert_string_equal(n->cfg[3].key->name, "dport");
	assert_memory_equal(n->cfg[3].bytes, dport, 2);
	assert_string_equal(n->cfg[4].key->name, "strict");
	assert_int_equal(n->cfg[4].key->size, 1);
	assert_int_equal(n->cfg[4].bytes[0], 1);
	assert_string_equal(n->cfg[5].key->name, "zone");
	u32 = 7;
	assert_memory_equal(n->cfg[5].bytes, &u32, 4);
	assert_string_equal(n->cfg[6].key->name, "uplink");
	assert_memory_equal(n->cfg[6].bytes, &lo, 4);
	assert_string_equal(n->cfg[7].key->name, "net");
	assert_memory_equal(n->cfg[7].bytes, zero, 8);
	assert_int_equal(n->n_fills, 1);
	fill = &n->fills[0];
	assert_int_equal(fill->n, 2);
	assert_int_equal(fill->table->key_size, 12);
	assert_memory_equal(fill->keys, rule_keys, sizeof(rule_keys));
	u32 = 2; /* redirect */
	assert_memory_equal(fill->values, &u32, 4);
	assert_memory_equal(fill->values + 4, &lo, 4);
	assert_memory_equal(fill->values + 8, rule_vals_tail,
			    sizeof(rule_vals_tail));

	assert_null(nfc_descriptor__node(d, "nosuch"));
	nfc_descriptor__free(d);
}

static void test_minimal(void **state)
{
	const __u8 next[] = { P, D, N, N, N, N, N, N };
	struct nfc_descriptor *d;
	const struct nfc_node *n;

	d = parse_ok("inline",
		     "chain: c\n"
		     "attach: [{interface: lo, hook: xdp, mode: native}]\n"
		     "entry: mr\n"
		     "nodes: [{name: mr, module: macrouter}]\n");
	assert_string_equal(d->file, "inline");
	assert_null(d->description);
	assert_int_equal(d->vxlan_port, 4789);
	assert_int_equal(d->attach[0].hook, NFC_HOOK_XDP);
	assert_int_equal(d->attach[0].mode, NFC_MODE_NATIVE);
	assert_int_equal(d->attach[0].priority, 50);
	n = &d->nodes[0];
	/* no version: the newest */
	assert_string_equal(n->mod->version, "1.2.0");
	check_next(n, "mr", next);
	/* defaulted: drop (0), no VTEP, port 4789; no position */
	assert_int_equal(n->n_cfg, 3);
	assert_int_equal(n->cfg[0].bytes[0], 0);
	assert_int_equal(n->cfg[0].line, 0);
	assert_int_equal(n->n_fills, 0);
	nfc_descriptor__free(d);
}

/* A declared outcome without a link ends the chain as pass. */
static void test_unlinked_outcomes(void **state)
{
	const __u8 next[] = { P, D, P, N, N, N, N, N };
	struct nfc_descriptor *d;

	d = parse_ok("inline",
		     "chain: c\n"
		     "attach: [{interface: lo, hook: tc-ingress}]\n"
		     "entry: t\n"
		     "nodes: [{name: t, module: dtest-types, config: {zone: 1}}]\n"
		     "links: []\n");
	check_next(&d->nodes[0], "t", next);
	nfc_descriptor__free(d);
}

/* Breadth first, declaration order among nodes made ready together, and
 * a node waits for every link into it. */
static void test_hop_order(void **state)
{
	static const char *const order[] = { "e", "y", "x", "z" };
	const __u8 e_next[] = { 2, 1, P, N, N, N, N, N };
	const __u8 xy_next[] = { 3, D, N, N, N, N, N, N };
	const __u8 z_next[] = { P, D, N, N, N, N, N, N };
	struct nfc_descriptor *d;

	d = parse_ok("inline",
		     "chain: diamond\n"
		     "attach: [{interface: lo, hook: xdp}]\n"
		     "entry: e\n"
		     "nodes:\n"
		     "  - {name: e, module: dtest-types, config: {zone: 1}}\n"
		     "  - {name: z, module: nop}\n"
		     "  - {name: y, module: nop}\n"
		     "  - {name: x, module: nop}\n"
		     "links:\n"
		     "  - {from: e, on: pass, to: x}\n"
		     "  - {from: e, on: deny, to: y}\n"
		     "  - {from: x, on: pass, to: z}\n"
		     "  - {from: y, on: pass, to: z}\n");
	check_order(d, order, 4);
	check_next(&d->nodes[0], "e", e_next);
	check_next(&d->nodes[1], "y", xy_next);
	check_next(&d->nodes[2], "x", xy_next);
	check_next(&d->nodes[3], "z", z_next);
	nfc_descriptor__free(d);
}

/* Exactly NFC_MAX_HOPS nodes in a line is fine. */
static void test_max_hops(void **state)
{
	char text[8192];
	struct nfc_descriptor *d;
	size_t off;
	int i;

	off = snprintf(text, sizeof(text),
		       "chain: long\n"
		       "attach: [{interface: lo, hook: xdp}]\n"
		       "entry: n0\nnodes:\n");
	for (i = 0; i < NFC_MAX_HOPS; i++)
		off += snprintf(text + off, sizeof(text) - off,
				"  - {name: n%d, module: nop}\n", i);
	off += snprintf(text + off, sizeof(text) - off, "links:\n");
	for (i = 0; i + 1 < NFC_MAX_HOPS; i++)
		off += snprintf(text + off, sizeof(text) - off,
				"  - {from: n%d, on: pass, to: n%d}\n", i,
				i + 1);
	assert_true(off < sizeof(text));
	d = parse_ok("inline", text);
	assert_int_equal(d->n_nodes, NFC_MAX_HOPS);
	for (i = 0; i < NFC_MAX_HOPS; i++) {
		assert_int_equal(d->nodes[i].hop, i);
		assert_int_equal(d->nodes[i].next[0],
				 i + 1 < NFC_MAX_HOPS ? i + 1 : P);
	}
	nfc_descriptor__free(d);
}

/* More problems than an nfc_err holds: the rest are counted. */
static void test_error_cap(void **state)
{
	struct nfc_descriptor *d = (void *)1;
	struct nfc_err err = {};
	char text[4096];
	size_t off;
	int i;

	off = snprintf(text, sizeof(text), "chain: c\n");
	for (i = 0; i < NFC_ERR_MAX + 4; i++)
		off += snprintf(text + off, sizeof(text) - off, "k%d: 1\n", i);
	assert_int_equal(nfc_descriptor__parse(&d, "cap", text, strlen(text),
					       cat, NULL, &err),
			 -EINVAL);
	assert_null(d);
	assert_int_equal(err.n, NFC_ERR_MAX);
	/* NFC_ERR_MAX + 4 unknown keys, 3 missing keys */
	assert_int_equal(err.dropped, 7);
	assert_string_equal(err.msg[0], "cap:1:1: attach: missing required key");
}

static void test_missing_file(void **state)
{
	struct nfc_descriptor *d = (void *)1;
	struct nfc_err err = {};

	assert_int_equal(nfc_descriptor__parse_file(&d, NFC_TEST_DATA "/nfc-noexist0.yaml",
						    cat, NULL, &err),
			 -ENOENT);
	assert_null(d);
	assert_int_equal(err.n, 1);
	assert_non_null(strstr(err.msg[0], "nfc-noexist0.yaml: No such file"));
	nfc_descriptor__free(NULL);
}

static void test_mode_names(void **state)
{
	enum nfc_xdp_mode m;
	int i;

	for (i = NFC_MODE_AUTO; i <= NFC_MODE_HW; i++) {
		assert_int_equal(nfc_mode_parse(nfc_mode_str(i), &m), 0);
		assert_int_equal(m, i);
	}
	assert_string_equal(nfc_mode_str(NFC_MODE_SKB), "skb");
	assert_int_equal(nfc_mode_parse("generic", &m), -EINVAL);
}

static void test_bad_descriptor(void **state)
{
	const struct expect_case *c = *state;
	struct nfc_descriptor *d = (void *)1;
	struct nfc_err err = {};

	assert_int_equal(nfc_descriptor__parse_file(&d, c->path, cat, NULL, &err),
			 -EINVAL);
	assert_null(d);
	assert_int_equal(case_check(c, &err), 0);
}

int main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_dag),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_unlinked_outcomes),
		cmocka_unit_test(test_hop_order),
		cmocka_unit_test(test_max_hops),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_mode_names),
	};

	return expect_run_group("descriptor_parse", fixed,
				sizeof(fixed) / sizeof(fixed[0]),
				NFC_TEST_DATA "/bad", 25, test_bad_descriptor, setup,
				teardown);
}
