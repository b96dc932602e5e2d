// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/* Field codec: text -> bytes -> text, and what is refused. */
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "fields.h"

static const char *const verdicts[] = { "drop", "pass", "redirect" };

static struct nfc_field field(enum nfc_ftype t)
{
	struct nfc_field f = { .type = t, .size = nfc_ftype_size(t) };

	if (t == NFC_FT_ENUM) {
		f.values = (char **)verdicts;
		f.n_values = 3;
	}
	return f;
}

/* Encode text, compare the bytes, format back and compare the text. */
static void round_trip(enum nfc_ftype t, __u32 size, const char *text,
		       const void *bytes, const char *back)
{
	struct nfc_field f = field(t);
	char eb[256], buf[128];
	__u8 out[32];

	if (size)
		f.size = size;
	memset(out, 0xaa, sizeof(out));
	eb[0] = '\0';
	if (nfc_field_encode(&f, text, out, eb, sizeof(eb)))
		fail_msg("%s '%s': %s", nfc_ftype_str(t), text, eb);
	assert_memory_equal(out, bytes, f.size);
	assert_int_equal(out[f.size], 0xaa);
	assert_int_equal(nfc_field_format(&f, out, buf, sizeof(buf)), 0);
	assert_string_equal(buf, back ? back : text);
}

/* Encoding must fail and say what it wanted. */
static void refuse(enum nfc_ftype t, const char *text, const char *want)
{
	struct nfc_field f = field(t);
	char eb[256] = "";
	__u8 out[32];

	if (!nfc_field_encode(&f, text, out, eb, sizeof(eb)))
		fail_msg("%s '%s' was accepted", nfc_ftype_str(t), text);
	if (!strstr(eb, want))
		fail_msg("%s '%s': '%s' does not say '%s'", nfc_ftype_str(t),
			 text, eb, want);
}

static void test_type_names(void **state)
{
	enum nfc_ftype t;
	int i;

	for (i = 0; i < NFC_FT_MAX; i++) {
		assert_int_equal(nfc_ftype_parse(nfc_ftype_str(i), &t), 0);
		assert_int_equal(t, i);
	}
	assert_int_equal(nfc_ftype_parse("interface", &t), 0);
	assert_int_equal(t, NFC_FT_IFACE);
	assert_int_equal(nfc_ftype_parse("u24", &t), -EINVAL);
	assert_int_equal(nfc_ftype_size(NFC_FT_MAC), 6);
	assert_int_equal(nfc_ftype_size(NFC_FT_CIDR6), 20);
	assert_int_equal(nfc_ftype_size(NFC_FT_LIST), 0);
}

static void test_uint(void **state)
{
	__u8 u8 = 255;
	__u16 u16 = 0x1234;
	__u32 u32 = 4294967295u;
	__u64 u64 = UINT64_MAX, v;

	round_trip(NFC_FT_U8, 0, "255", &u8, NULL);
	round_trip(NFC_FT_U16, 0, "0x1234", &u16, "4660");
	round_trip(NFC_FT_U32, 0, "4294967295", &u32, NULL);
	round_trip(NFC_FT_U64, 0, "18446744073709551615", &u64, NULL);
	u8 = 7;
	round_trip(NFC_FT_U8, 0, "007", &u8, "7");

	refuse(NFC_FT_U8, "256", "expected an integer 0..255");
	refuse(NFC_FT_U16, "65536", "0..65535");
	refuse(NFC_FT_U16, "-1", "decimal or 0x hex");
	refuse(NFC_FT_U32, "+1", "expected an integer");
	refuse(NFC_FT_U32, " 1", "expected an integer");
	refuse(NFC_FT_U32, "1 ", "expected an integer");
	refuse(NFC_FT_U32, "0x", "expected an integer");
	refuse(NFC_FT_U32, "0x0x5", "expected an integer");
	refuse(NFC_FT_U32, "12abc", "expected an integer");
	refuse(NFC_FT_U32, "", "expected an integer");
	refuse(NFC_FT_U64, "18446744073709551616", "expected an integer");

	assert_int_equal(nfc_parse_u64("0XfF", &v), 0);
	assert_int_equal(v, 255);
	assert_int_equal(nfc_parse_u64("99999999999999999999", &v), -ERANGE);
}

static void test_be(void **state)
{
	const __u8 port[] = { 0x12, 0xb5 };
	const __u8 word[] = { 0x0a, 0x0b, 0x0c, 0x0d };

	round_trip(NFC_FT_BE16, 0, "4789", port, NULL);
	round_trip(NFC_FT_BE32, 0, "0x0a0b0c0d", word, "168496141");
	refuse(NFC_FT_BE16, "65536", "0..65535");
}

static void test_bool(void **state)
{
	const __u32 one = 1, zero = 0;
	const __u8 b1 = 1;

	round_trip(NFC_FT_BOOL, 0, "true", &one, NULL);
	round_trip(NFC_FT_BOOL, 0, "yes", &one, "true");
	round_trip(NFC_FT_BOOL, 0, "1", &one, "true");
	round_trip(NFC_FT_BOOL, 0, "False", &zero, "false");
	round_trip(NFC_FT_BOOL, 0, "no", &zero, "false");
	round_trip(NFC_FT_BOOL, 0, "0", &zero, "false");
	round_trip(NFC_FT_BOOL, 1, "TRUE", &b1, "true");
	refuse(NFC_FT_BOOL, "2", "expected true or false");
	refuse(NFC_FT_BOOL, "on", "expected true or false");
}

static void test_mac(void **state)
{
	const __u8 mac[] = { 0xaa, 0xbb, 0xcc, 0x0d, 0xee, 0xff };

	round_trip(NFC_FT_MAC, 0, "AA:bb:Cc:0d:EE:ff", mac,
		   "aa:bb:cc:0d:ee:ff");
	refuse(NFC_FT_MAC, "aa:bb:cc:dd:ee", "expected a MAC address");
	refuse(NFC_FT_MAC, "aa:bb:cc:dd:ee:ff:00", "expected a MAC address");
	refuse(NFC_FT_MAC, "a:b:c:d:e:f", "expected a MAC address");
	refuse(NFC_FT_MAC, "aa-bb-cc-dd-ee-ff", "expected a MAC address");
	refuse(NFC_FT_MAC, "aa:bb:cc:dd:ee:fg", "expected a MAC address");
	refuse(NFC_FT_MAC, "aa:bb:cc:dd:ee:f", "02:00:00:00:00:01");
}

static void test_ip(void **state)
{
	const __u8 v4[] = { 192, 0, 2, 1 };
	const __u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	round_trip(NFC_FT_IPV4, 0, "192.0.2.1", v4, NULL);
	round_trip(NFC_FT_IPV6, 0, "2001:DB8::1", v6, "2001:db8::1");
	refuse(NFC_FT_IPV4, "256.0.0.1", "expected an IPv4 address");
	refuse(NFC_FT_IPV4, "1.2.3", "expected an IPv4 address");
	refuse(NFC_FT_IPV4, "2001:db8::1", "expected an IPv4 address");
	refuse(NFC_FT_IPV6, "2001:db8:::1", "expected an IPv6 address");
	refuse(NFC_FT_IPV6, "192.0.2.1", "expected an IPv6 address");
}

static void test_cidr(void **state)
{
	const __u8 c4[] = { 8, 0, 0, 0, 10, 0, 0, 0 };
	const __u8 c4z[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	const __u8 c6[20] = { 32, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8 };

	round_trip(NFC_FT_CIDR4, 0, "10.0.0.0/8", c4, NULL);
	round_trip(NFC_FT_CIDR4, 0, "0.0.0.0/0", c4z, NULL);
	round_trip(NFC_FT_CIDR6, 0, "2001:db8::/32", c6, NULL);
	refuse(NFC_FT_CIDR4, "10.0.0.1/8", "host bits set");
	refuse(NFC_FT_CIDR4, "10.0.0.0/33", "expected an IPv4 prefix");
	refuse(NFC_FT_CIDR4, "10.0.0.0", "expected an IPv4 prefix");
	refuse(NFC_FT_CIDR4, "10.0.0.0/", "expected an IPv4 prefix");
	refuse(NFC_FT_CIDR4, "10.0.0/8", "expected an IPv4 prefix");
	refuse(NFC_FT_CIDR6, "2001:db8::/129", "expected an IPv6 prefix");
	refuse(NFC_FT_CIDR6, "2001:db8::1/64", "host bits set");
}

/* Either family in one field: IPv4 mapped, printed back as IPv4. */
static void test_ip_any_family(void **state)
{
	const __u8 m4[16] = { [10] = 0xff, 0xff, 192, 0, 2, 1 };
	const __u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	const __u8 c4[20] = { 120, [14] = 0xff, 0xff, 10, 1, 2, 0 };
	const __u8 c4all[20] = { 96, [14] = 0xff, 0xff };
	const __u8 c6[20] = { 32, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8 };
	const __u8 any[20] = { 0 };

	round_trip(NFC_FT_IP, 0, "192.0.2.1", m4, NULL);
	round_trip(NFC_FT_IP, 0, "2001:db8::1", v6, NULL);
	round_trip(NFC_FT_IP, 0, "::ffff:192.0.2.1", m4, "192.0.2.1");
	refuse(NFC_FT_IP, "192.0.2", "expected an IPv4 or IPv6 address");
	round_trip(NFC_FT_CIDR, 0, "10.1.2.0/24", c4, NULL);
	round_trip(NFC_FT_CIDR, 0, "0.0.0.0/0", c4all, NULL);
	round_trip(NFC_FT_CIDR, 0, "2001:db8::/32", c6, NULL);
	round_trip(NFC_FT_CIDR, 0, "any", any, NULL);
	round_trip(NFC_FT_CIDR, 0, "::/0", any, "any");
	refuse(NFC_FT_CIDR, "10.1.2.1/24", "host bits set");
	refuse(NFC_FT_CIDR, "10.1.2.0/33", "expected an IPv4 prefix");
	refuse(NFC_FT_CIDR, "2001:db8::/129", "expected an IPv6 prefix");
}

static void test_iface(void **state)
{
	struct nfc_field f = field(NFC_FT_IFACE);
	__u32 lo = if_nametoindex("lo"), missing = 0x7ffffff0;
	char buf[32], num[16];

	assert_true(lo > 0);
	round_trip(NFC_FT_IFACE, 0, "lo", &lo, NULL);
	snprintf(num, sizeof(num), "%u", lo);
	round_trip(NFC_FT_IFACE, 0, num, &lo, "lo");
	refuse(NFC_FT_IFACE, "nfc-noexist0", "there is no 'nfc-noexist0'");
	refuse(NFC_FT_IFACE, "2147483632", "there is no");
	refuse(NFC_FT_IFACE, "an-interface-name-too-long", "there is no");
	/* an interface that is gone prints as its number */
	assert_int_equal(nfc_field_format(&f, &missing, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2147483632");
}

static void test_enum(void **state)
{
	struct nfc_field f = field(NFC_FT_ENUM);
	const __u32 two = 2, seven = 7;
	const __u8 one = 1;
	char buf[32];

	round_trip(NFC_FT_ENUM, 0, "redirect", &two, NULL);
	round_trip(NFC_FT_ENUM, 1, "pass", &one, NULL);
	refuse(NFC_FT_ENUM, "Pass", "expected one of drop, pass, redirect");
	refuse(NFC_FT_ENUM, "1", "expected one of drop, pass, redirect");
	assert_int_equal(nfc_field_format(&f, &seven, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "7");
}

static void test_misuse(void **state)
{
	struct nfc_field f = field(NFC_FT_U32);
	char eb[128] = "", buf[4];
	__u8 out[32];

	f.size = 3;
	assert_int_equal(nfc_field_encode(&f, "1", out, eb, sizeof(eb)),
			 -EINVAL);
	assert_non_null(strstr(eb, "cannot be 3 bytes"));
	f = field(NFC_FT_LIST);
	assert_int_equal(nfc_field_encode(&f, "1", out, eb, sizeof(eb)),
			 -EINVAL);
	assert_int_equal(nfc_field_format(&f, out, buf, sizeof(buf)),
			 -EINVAL);
	f = field(NFC_FT_IPV4);
	assert_int_equal(nfc_field_encode(&f, "192.0.2.1", out, NULL, 0), 0);
	assert_int_equal(nfc_field_format(&f, out, buf, sizeof(buf)),
			 -ENOSPC);
	/* a size of 0 means the natural one */
	f.size = 0;
	assert_int_equal(nfc_field_encode(&f, "192.0.2.1", out, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_be),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_ip_any_family),
		cmocka_unit_test(test_iface),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests_name("descriptor_fields", tests, NULL,
					   NULL);
}
