// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/* The module catalog: the shipped manifests, versions, broken manifests. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "nfc_shared.h"
#include "catalog.h"
#include "expect.h"

static void test_version_cmp(void **state)
{
	assert_true(nfc_version_cmp("1.10.0", "1.9.2") > 0);
	assert_true(nfc_version_cmp("1.9.2", "1.10.0") < 0);
	assert_true(nfc_version_cmp("1.1.0", "1.0.0") > 0);
	assert_true(nfc_version_cmp("2", "1.99.99") > 0);
	assert_int_equal(nfc_version_cmp("1.0", "1.0.0"), 0);
	assert_int_equal(nfc_version_cmp("1.2.3", "1.2.3"), 0);
	assert_true(nfc_version_cmp("1.0.1", "1.0") > 0);
}

static void test_hook_names(void **state)
{
	enum nfc_hook h;
	int i;

	for (i = 0; i < NFC_HOOK_MAX; i++) {
		assert_int_equal(nfc_hook_parse(nfc_hook_str(i), &h), 0);
		assert_int_equal(h, i);
	}
	assert_string_equal(nfc_hook_str(NFC_HOOK_TC_EGRESS), "tc-egress");
	assert_int_equal(nfc_hook_parse("tc", &h), -EINVAL);
	assert_int_equal(nfc_hook_objkind(NFC_HOOK_TC_INGRESS), NFC_OBJ_TC);
}

static void test_build_catalog(void **state)
{
	char *dirs[] = { NFC_BUILD_CATALOG };
	const struct nfc_module *m, *old;
	const struct nfc_table *t;
	const struct nfc_field *f;
	struct nfc_catalog *cat;
	struct nfc_err err = {};
	size_t len;

	assert_int_equal(nfc_catalog__load(&cat, dirs, 1, &err), 0);
	assert_int_equal(err.n, 0);
	assert_int_equal(cat->n_dirs, 1);

	m = nfc_catalog__find(cat, "macrouter", NULL);
	assert_non_null(m);
	assert_string_equal(m->version, "1.2.0");
	old = nfc_catalog__find(cat, "macrouter", "1.0.0");
	assert_non_null(old);
	assert_string_equal(old->version, "1.0.0");
	assert_null(nfc_catalog__find(cat, "macrouter", "9.9.9"));
	assert_null(nfc_catalog__find(cat, "nosuchmodule", NULL));
	assert_non_null(nfc_catalog__find(cat, "nop", "1.0.0"));

	/* objects are absolute, next to the manifest */
	len = strlen(NFC_BUILD_CATALOG);
	assert_int_equal(m->manifest[0], '/');
	assert_string_equal(m->object[NFC_OBJ_XDP] +
				    strlen(m->object[NFC_OBJ_XDP]) -
				    strlen("/macrouter-1.2.0.xdp.o"),
			    "/macrouter-1.2.0.xdp.o");
	assert_string_equal(strrchr(m->object[NFC_OBJ_TC], '/'),
			    "/macrouter-1.2.0.tc.o");
	assert_memory_equal(m->manifest, NFC_BUILD_CATALOG, len);

	/* a key field with a default (a tenant) may be left out */
	t = nfc_module__table(m, "routes");
	assert_non_null(t);
	assert_int_equal(t->n_key, 2);
	assert_false(t->key[0].required);
	assert_string_equal(t->key[0].def, "0");
	assert_true(t->key[1].required);

	m = nfc_catalog__find(cat, "macrouter", "1.1.0");
	assert_non_null(m);
	assert_int_equal(m->n_outcomes, 2);
	assert_int_equal(nfc_module__outcome(m, "pass"), NFC_PASS);
	assert_int_equal(nfc_module__outcome(m, "deny"), NFC_DENY);
	assert_int_equal(nfc_module__outcome(m, "alt"), -ENOENT);

	f = nfc_module__config_key(m, "default");
	assert_non_null(f);
	assert_int_equal(f->type, NFC_FT_ENUM);
	assert_int_equal(f->n_values, 2);
	assert_string_equal(f->values[1], "pass");
	assert_string_equal(f->def, "drop");
	assert_string_equal(f->rodata, "cfg_default");
	f = nfc_module__config_key(m, "routes");
	assert_int_equal(f->type, NFC_FT_LIST);
	assert_string_equal(f->table, "routes");
	assert_null(nfc_module__config_key(m, "nosuchkey"));

	/* the layout of struct macrouter_key / macrouter_route */
	t = nfc_module__table(m, "routes");
	assert_non_null(t);
	assert_string_equal(t->map, "routes");
	assert_int_equal(t->key_size, 8);
	assert_int_equal(t->value_size, 8);
	assert_int_equal(t->n_value, 2);
	assert_string_equal(t->value[0].unless_field, "action");
	assert_int_equal(t->value[0].n_unless, 1);
	assert_string_equal(t->value[0].unless_values[0], "drop");
	assert_true(t->value[0].required);
	assert_false(t->value[1].required);
	assert_int_equal(t->value[1].offset, 4);
	assert_int_equal(t->value[1].size, 4);
	assert_true(t->key[0].required);
	t = nfc_module__table(m, "hits");
	assert_int_equal(t->key_size, 8);
	assert_int_equal(t->value_size, 8);
	assert_null(nfc_module__table(old, "hits"));

	m = nfc_catalog__find(cat, "nop", NULL);
	assert_int_equal(m->n_config, 0);
	assert_int_equal(m->n_tables, 0);
	nfc_catalog__free(cat);
}

static void test_test_catalog(void **state)
{
	char *dirs[] = { NFC_TEST_DATA "/testcat" };
	const struct nfc_module *m;
	const struct nfc_table *t;
	struct nfc_catalog *cat;
	struct nfc_err err = {};

	assert_int_equal(nfc_catalog__load(&cat, dirs, 1, &err), 0);
	m = nfc_catalog__find(cat, "dtest-types", NULL);
	assert_non_null(m);
	assert_int_equal(m->n_outcomes, 3);
	assert_int_equal(nfc_module__outcome(m, "alt"), 2);
	assert_int_equal(nfc_module__config_key(m, "strict")->size, 1);
	t = nfc_module__table(m, "rules");
	/* cidr4 (8) + u8 at 8 -> 9, aligned to 4 */
	assert_int_equal(t->key_size, 12);
	assert_int_equal(t->value_size, 12);
	m = nfc_catalog__find(cat, "dtest-xdponly", NULL);
	assert_non_null(m->object[NFC_OBJ_XDP]);
	assert_null(m->object[NFC_OBJ_TC]);
	nfc_catalog__free(cat);
}

/* A directory given twice, and a directory plus one of its manifests. */
static void test_same_file_twice(void **state)
{
	char *dirs[] = { NFC_TEST_DATA "/testcat", NFC_TEST_DATA "/testcat/",
			 NFC_TEST_DATA "/testcat/dtest-xdponly-1.0.0.yaml" };
	struct nfc_catalog *cat;
	struct nfc_err err = {};

	assert_int_equal(nfc_catalog__load(&cat, dirs, 3, &err), 0);
	assert_int_equal(cat->n_mods, 2);
	assert_int_equal(cat->n_dirs, 3);
	nfc_catalog__free(cat);
}

static void test_duplicate(void **state)
{
	char *dirs[] = { NFC_TEST_DATA "/dupcat" };
	struct nfc_catalog *cat = (void *)1;
	struct nfc_err err = {};

	assert_int_equal(nfc_catalog__load(&cat, dirs, 1, &err), -EEXIST);
	assert_null(cat);
	assert_int_equal(err.n, 1);
	assert_non_null(strstr(err.msg[0], NFC_TEST_DATA "/dupcat/b/twin.yaml: "));
	assert_non_null(strstr(err.msg[0], "module 'twin' version 1.0 is also defined by "));
	assert_non_null(strstr(err.msg[0], "/dupcat/a/twin.yaml"));
}

static void test_missing_path(void **state)
{
	char *dirs[] = { NFC_TEST_DATA "/testcat",
			 NFC_TEST_DATA "/nfc-noexist0" };
	struct nfc_catalog *cat = (void *)1;
	struct nfc_err err = {};

	assert_int_equal(nfc_catalog__load(&cat, dirs, 2, &err), -ENOENT);
	assert_null(cat);
	assert_int_equal(err.n, 1);
	assert_non_null(strstr(err.msg[0], "nfc-noexist0': No such file"));
	assert_int_equal(nfc_catalog__load(&cat, NULL, 0, &err), 0);
	assert_int_equal(cat->n_mods, 0);
	nfc_catalog__free(cat);
}

/* A catalog of broken manifests reports every one of them. */
static void test_bad_catalog(void **state)
{
	char *dirs[] = { NFC_TEST_DATA "/badcat" };
	struct expect_case *cs;
	struct nfc_catalog *cat;
	struct nfc_err err = {};
	int n, total = 0, i;

	cs = case_dir(dirs[0], &n);
	assert_non_null(cs);
	for (i = 0; i < n; i++) {
		assert_int_equal(case_read(&cs[i]), 0);
		total += cs[i].n;
	}
	assert_int_equal(nfc_catalog__load(&cat, dirs, 1, &err), -EINVAL);
	assert_null(cat);
	assert_int_equal(err.n + err.dropped, total);
	free(cs);
}

static void test_bad_manifest(void **state)
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
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_hook_names),
		cmocka_unit_test(test_build_catalog),
		cmocka_unit_test(test_test_catalog),
		cmocka_unit_test(test_same_file_twice),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_missing_path),
		cmocka_unit_test(test_bad_catalog),
	};

	return expect_run_group("descriptor_catalog", fixed,
				sizeof(fixed) / sizeof(fixed[0]),
				NFC_TEST_DATA "/badcat", 10, test_bad_manifest, NULL,
				NULL);
}
