// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Options structs (manager/spec/opts.h): a caller built against a newer
 * header is accepted when the fields this library does not know are zero,
 * refused when one is set; the padding of the library's own struct is
 * never held against a caller, whatever the compiler left in it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/types.h>
#include "opts.h"

/* what the library knows: 12 bytes of fields, 4 of tail padding */
struct t_opts {
	size_t sz;
	__u32 a;
};

/* what a newer caller passes */
struct t_opts_v2 {
	size_t sz;
	__u32 a;
	__u32 pad;
	__u64 b;
};

static bool valid(const void *o)
{
	const struct t_opts *opts = o;

	return NFC_OPTS_VALID(opts, t_opts, a);
}

static __u32 get_a(const struct t_opts *opts, __u32 def)
{
	return NFC_OPTS_GET(opts, a, def);
}

static void test_same_version(void **state)
{
	NFC_OPTS(t_opts, o, .a = 7);

	assert_int_equal(o.sz, sizeof(struct t_opts));
	assert_true(valid(&o));
	assert_true(valid(NULL));
	assert_int_equal(get_a(&o, 0), 7);
}

static void test_padding_ignored(void **state)
{
	struct t_opts o;

	memset(&o, 0xa5, sizeof(o)); /* padding as a compiler may leave it */
	o.sz = sizeof(o);
	o.a = 1;
	assert_true(valid(&o));
}

static void test_newer_caller(void **state)
{
	struct t_opts_v2 o = { .sz = sizeof(o), .a = 1 };

	assert_true(valid(&o));
	o.b = 1;
	assert_false(valid(&o));
}

static void test_too_short(void **state)
{
	struct t_opts o = { .sz = 4 };

	assert_false(valid(&o));
	o.sz = sizeof(size_t);
	assert_true(valid(&o));
	assert_int_equal(get_a(&o, 42), 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_version),
		cmocka_unit_test(test_padding_ignored),
		cmocka_unit_test(test_newer_caller),
		cmocka_unit_test(test_too_short),
	};

	return cmocka_run_group_tests_name("opts", tests, NULL, NULL);
}
