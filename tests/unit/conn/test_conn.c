// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Connections and flows without the kernel: action sets in words, the
 * filters of nfctl ct/flow, the string field type and the manifest's
 * `policies` key (good, and each way it can be wrong).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "internal.h"
#include "expect.h"

static union nfc_addr v4(const char *s)
{
	union nfc_addr a = {};

	assert_int_equal(inet_pton(AF_INET, s, a.b), 1);
	return a;
}

static union nfc_addr v6(const char *s)
{
	union nfc_addr a = {};

	assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

static void action_is(const struct nfc_key *orig, const struct nfc_action *a,
		      const char *want)
{
	char buf[256];

	assert_int_equal(nfc_action__str(orig, a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_action_str(void **state)
{
	struct nfc_key k = { .l3 = NFC_L3_IPV4, .proto = IPPROTO_TCP };
	struct nfc_action a = {};
	char name[IF_NAMESIZE];

	a.key = k;
	action_is(&k, &a, "pass");
	a.verdict = NFC_V_TX;
	action_is(&k, &a, "tx");
	a.verdict = NFC_V_DROP;
	action_is(&k, &a, "drop");
	a.reason = NFC_DROP_POLICY;
	action_is(&k, &a, "drop (policy)");
	a.reason = NFC_DROP_NO_ROUTE;
	action_is(&k, &a, "drop (no-route)");

	/* every rewrite, in a fixed order */
	a.verdict = NFC_V_REDIRECT;
	a.out_ifindex = if_nametoindex("lo");
	a.key.daddr = v4("10.0.0.5");
	a.key.dport = htons(80);
	a.key.saddr = v4("192.0.2.1");
	a.key.sport = htons(40000);
	memcpy(a.key.dmac, "\x02\x00\x00\x00\x00\x0b", 6);
	memcpy(a.key.smac, "\x02\x00\x00\x00\x00\x0a", 6);
	a.flags = NFC_ACT_DADDR | NFC_ACT_DPORT | NFC_ACT_SADDR |
		  NFC_ACT_SPORT | NFC_ACT_DMAC | NFC_ACT_SMAC |
		  NFC_ACT_TTL_DEC | NFC_ACT_NOCACHE;
	assert_non_null(if_indextoname(a.out_ifindex, name));
	action_is(&k, &a,
		  "dnat 10.0.0.5:80, snat 192.0.2.1:40000, dmac 02:00:00:00:00:0b, smac 02:00:00:00:00:0a, dec-ttl, redirect lo, nocache");

	/* a tag pushed or rewritten, one popped; the tunnels */
	a.flags = NFC_ACT_VLAN;
	a.key.flags = NFC_KEY_F_VLAN0;
	a.key.vlan[0] = htons(0x2000 | 20);
	action_is(&k, &a, "vlan 20, redirect lo");
	a.key.flags = 0;
	action_is(&k, &a, "untag, redirect lo");
	a.flags = NFC_ACT_ENCAP;
	a.tun.vni = 100;
	a.tun.daddr = v4("192.0.2.7").v4;
	action_is(&k, &a, "vxlan-encap vni 100 to 192.0.2.7, redirect lo");
	a.flags = NFC_ACT_DECAP;
	action_is(&k, &a, "vxlan-decap, redirect lo");

	/* an address alone, a port alone */
	a.flags = NFC_ACT_DADDR | NFC_ACT_SPORT;
	action_is(&k, &a, "dnat 10.0.0.5, snat port 40000, redirect lo");

	/* an interface that is gone, by number */
	a.flags = 0;
	a.out_ifindex = 2147483000;
	action_is(&k, &a, "redirect if2147483000");

	/* IPv6 with a port: brackets */
	k.l3 = NFC_L3_IPV6;
	a.key.l3 = NFC_L3_IPV6;
	a.key.daddr = v6("2001:db8::5");
	a.flags = NFC_ACT_DADDR | NFC_ACT_DPORT;
	a.verdict = NFC_V_PASS;
	action_is(&k, &a, "dnat [2001:db8::5]:80, pass");
	/* without the original key: the family of the action's */
	action_is(NULL, &a, "dnat [2001:db8::5]:80, pass");
}

static void test_action_str_short(void **state)
{
	struct nfc_action a = { .verdict = NFC_V_DROP,
				.reason = NFC_DROP_POLICY,
				.flags = NFC_ACT_TTL_DEC };
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(nfc_action__str(NULL, &a, buf, sizeof(buf)),
			 -ENOSPC);
	assert_string_equal(buf, "dec-ttl");
	assert_int_equal(nfc_action__str(NULL, &a, buf, 0), -ENOSPC);
}

static void test_ct_state_str(void **state)
{
	static const char *const want[] = { "none",	   "new",
					    "syn-recv",	   "established",
					    "closing",	   "closed" };
	int i;

	for (i = 0; i < NFC_CT_STATE_MAX; i++)
		assert_string_equal(nfc_ct_state__str(i), want[i]);
	assert_string_equal(nfc_ct_state__str(NFC_CT_STATE_MAX), "unknown");
	assert_string_equal(nfc_ct_state__str(-1), "unknown");
}

/* 10.1.0.1:40000 -> 10.2.0.9:443 over TCP in tenant 7, established */
static void ct_sample(struct nfc_ct_key *k, struct nfc_ct *ct)
{
	memset(k, 0, sizeof(*k));
	memset(ct, 0, sizeof(*ct));
	k->tenant = 7;
	k->l3 = NFC_L3_IPV4;
	k->proto = IPPROTO_TCP;
	k->addr[0] = v4("10.1.0.1");
	k->port[0] = htons(40000);
	k->addr[1] = v4("10.2.0.9");
	k->port[1] = htons(443);
	ct->state = NFC_CT_ESTABLISHED;
}

static bool ct_match(const struct nfc_conn_filter *f)
{
	struct nfc_ct_key k;
	struct nfc_ct ct;

	ct_sample(&k, &ct);
	return nfc_conn_filter__ct(f, &k, &ct);
}

static void test_ct_filter(void **state)
{
	NFC_OPTS(nfc_conn_filter, f, .state = -1);

	assert_true(nfc_conn_filter__ct(NULL, &(struct nfc_ct_key){}, NULL));
	assert_true(ct_match(&f));
	/* a zeroed filter (state 0) selects everything too */
	f.state = 0;
	assert_true(ct_match(&f));

	f.has_tenant = true;
	f.tenant = 7;
	assert_true(ct_match(&f));
	f.tenant = 0;
	assert_false(ct_match(&f));
	f.has_tenant = false;

	f.proto = IPPROTO_UDP;
	assert_false(ct_match(&f));
	f.proto = IPPROTO_TCP;
	assert_true(ct_match(&f));

	/* either side, whole address or prefix */
	f.l3 = NFC_L3_IPV4;
	f.addr = v4("10.2.0.9");
	assert_true(ct_match(&f));
	f.addr = v4("10.1.0.1");
	assert_true(ct_match(&f));
	f.addr = v4("10.1.0.2");
	assert_false(ct_match(&f));
	f.prefix = 30;
	assert_true(ct_match(&f));
	f.addr = v4("10.3.0.0");
	f.prefix = 16;
	assert_false(ct_match(&f));
	f.prefix = 14;
	assert_true(ct_match(&f)); /* 10.0.0.0/14 holds 10.1 and 10.2 */
	f.addr = v4("10.2.0.8");
	f.prefix = 31;
	assert_true(ct_match(&f));
	f.prefix = 32;
	assert_false(ct_match(&f));
	/* an IPv6 filter never selects an IPv4 connection */
	f.l3 = NFC_L3_IPV6;
	f.addr = v6("::");
	f.prefix = 0;
	assert_false(ct_match(&f));
	f.l3 = 0;

	f.port = 443;
	assert_true(ct_match(&f));
	f.port = 40000;
	assert_true(ct_match(&f));
	f.port = 80;
	assert_false(ct_match(&f));
	f.port = 0;

	f.state = NFC_CT_ESTABLISHED;
	assert_true(ct_match(&f));
	f.state = NFC_CT_NEW;
	assert_false(ct_match(&f));
}

static void test_ct_filter_v6_icmp(void **state)
{
	NFC_OPTS(nfc_conn_filter, f, .state = -1);
	struct nfc_ct_key k = { .l3 = NFC_L3_IPV6, .proto = IPPROTO_ICMPV6 };
	struct nfc_ct ct = { .state = NFC_CT_NEW };

	k.addr[0] = v6("2001:db8:1::1");
	k.addr[1] = v6("2001:db8:2::1");
	k.port[0] = k.port[1] = htons(77); /* the echo identifier */
	f.l3 = NFC_L3_IPV6;
	f.addr = v6("2001:db8:2::");
	f.prefix = 48;
	assert_true(nfc_conn_filter__ct(&f, &k, &ct));
	f.prefix = 0;
	assert_false(nfc_conn_filter__ct(&f, &k, &ct));
	f.addr = v6("2001:db8::");
	f.prefix = 32;
	assert_true(nfc_conn_filter__ct(&f, &k, &ct));
	/* an echo identifier is not a port */
	f.port = 77;
	assert_false(nfc_conn_filter__ct(&f, &k, &ct));
}

static void test_flow_filter(void **state)
{
	NFC_OPTS(nfc_conn_filter, f, .state = -1);
	struct nfc_key k = { .l3 = NFC_L3_IPV4, .proto = IPPROTO_UDP,
			     .flags = NFC_KEY_F_L4, .tenant = 3 };
	struct nfc_flow fl = {};

	k.saddr = v4("10.1.0.1");
	k.daddr = v4("203.0.113.10");
	k.sport = htons(5000);
	k.dport = htons(53);
	fl.act.key = k;
	/* DNAT to a backend: the flow is selected by either address */
	fl.act.key.daddr = v4("10.9.0.5");
	fl.act.key.dport = htons(5353);
	fl.act.flags = NFC_ACT_DADDR | NFC_ACT_DPORT;

	assert_true(nfc_conn_filter__flow(NULL, &k, &fl, NFC_CT_NONE));
	assert_true(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NONE));
	f.l3 = NFC_L3_IPV4;
	f.addr = v4("203.0.113.10");
	assert_true(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NONE));
	f.addr = v4("10.9.0.5");
	assert_true(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NONE));
	/* a rewrite not flagged is not the flow's */
	fl.act.flags = NFC_ACT_DPORT;
	assert_false(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NONE));
	fl.act.flags = NFC_ACT_DADDR | NFC_ACT_DPORT;
	f.l3 = 0;

	f.port = 5353;
	assert_true(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NONE));
	f.port = 53;
	assert_true(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NONE));
	/* without L4 fields (a later fragment) there are no ports */
	k.flags = 0;
	assert_false(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NONE));
	k.flags = NFC_KEY_F_L4;
	f.port = 0;

	f.has_tenant = true;
	f.tenant = 4;
	assert_false(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NONE));
	f.tenant = 3;
	f.proto = IPPROTO_UDP;
	assert_true(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NONE));

	/* the state is the connection's, as the caller found it */
	f.state = NFC_CT_ESTABLISHED;
	assert_false(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NONE));
	assert_false(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_NEW));
	assert_true(nfc_conn_filter__flow(&f, &k, &fl, NFC_CT_ESTABLISHED));
}

static void test_string_field(void **state)
{
	struct nfc_field f = { .type = NFC_FT_STRING, .size = 8 };
	char eb[256] = "", buf[64];
	__u8 out[16];

	assert_true(nfc_ftype_sized(NFC_FT_STRING));
	assert_false(nfc_ftype_sized(NFC_FT_U32));
	assert_int_equal(nfc_ftype_size(NFC_FT_STRING), 0);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(nfc_field_encode(&f, "web-in", out, eb, sizeof(eb)),
			 0);
	assert_memory_equal(out, "web-in\0\0", 8);
	assert_int_equal(out[8], 0xaa);
	assert_int_equal(nfc_field_format(&f, out, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "web-in");
	/* a full array without its NUL still formats */
	memcpy(out, "abcdefgh", 8);
	assert_int_equal(nfc_field_format(&f, out, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "abcdefgh");
	assert_int_equal(nfc_field_encode(&f, "", out, eb, sizeof(eb)), 0);
	assert_memory_equal(out, "\0\0\0\0\0\0\0\0", 8);

	assert_int_equal(nfc_field_encode(&f, "12345678", out, eb, sizeof(eb)),
			 -EINVAL);
	assert_non_null(strstr(eb, "expected at most 7 characters"));
	assert_int_equal(nfc_field_encode(&f, "a\tb", out, eb, sizeof(eb)),
			 -EINVAL);
	assert_non_null(strstr(eb, "printable"));
	f.size = 0;
	assert_int_equal(nfc_field_encode(&f, "x", out, eb, sizeof(eb)),
			 -EINVAL);
	f.size = 65;
	assert_int_equal(nfc_field_encode(&f, "x", out, eb, sizeof(eb)),
			 -EINVAL);
}

static void test_policies_good(void **state)
{
	struct nfc_module *m;
	struct nfc_err err = {};
	const struct nfc_table *t;
	const struct nfc_field *f;

	assert_int_equal(nfc_module__load(&m, NFC_TEST_DATA "/policy-good.yaml",
					  &err),
			 0);
	assert_string_equal(m->policy_table, "rules");
	assert_string_equal(m->policy_name, "name");
	t = nfc_module__table(m, "rules");
	assert_non_null(t);
	f = nfc_fields_find(t->value, t->n_value, "name");
	assert_non_null(f);
	assert_int_equal(f->type, NFC_FT_STRING);
	assert_int_equal(f->size, 31);
	assert_int_equal(t->value_size, 32);
	nfc_module__free(m);
}

static void test_bad_policy(void **state)
{
	const struct expect_case *c = *state;
	struct nfc_module *m = (void *)1;
	struct nfc_err err = {};

	assert_int_equal(nfc_module__load(&m, c->path, &err), -EINVAL);
	assert_null(m);
	assert_int_equal(case_check(c, &err), 0);
}

int main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_action_str),
		cmocka_unit_test(test_action_str_short),
		cmocka_unit_test(test_ct_state_str),
		cmocka_unit_test(test_ct_filter),
		cmocka_unit_test(test_ct_filter_v6_icmp),
		cmocka_unit_test(test_flow_filter),
		cmocka_unit_test(test_string_field),
		cmocka_unit_test(test_policies_good),
	};

	return expect_run_group("conn", fixed, sizeof(fixed) / sizeof(fixed[0]),
				NFC_TEST_DATA "/badpolicy", 7, test_bad_policy,
				NULL, NULL);
}
