/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * Files that must fail carry their expected messages as comments:
 *
 *   # expect: 7:15: unknown module
 *
 * one line per message, in the order the library reports them (by
 * position). The check wants exactly these messages: each must start with
 * "FILE:LINE:COL: " and contain the text.
 */
#ifndef NFC_TEST_EXPECT_H
#define NFC_TEST_EXPECT_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"

#define EXPECT_MAX NFC_ERR_MAX

struct expect {
	int line, col;
	char text[256];
};

struct expect_case {
	char path[512];
	struct expect ex[EXPECT_MAX];
	int n;
};

static inline int case_read(struct expect_case *c)
{
	char buf[512], *p;
	FILE *f = fopen(c->path, "r");
	int n = 0, pos;

	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "# expect: ", 10))
			continue;
		if (n == EXPECT_MAX ||
		    sscanf(buf + 10, "%d:%d: %n", &c->ex[n].line, &c->ex[n].col,
			   &pos) != 2) {
			fclose(f);
			return -1;
		}
		p = buf + 10 + pos;
		p[strcspn(p, "\n")] = '\0';
		snprintf(c->ex[n].text, sizeof(c->ex[n].text), "%s", p);
		n++;
	}
	fclose(f);
	c->n = n;
	return n ? 0 : -1;
}

/* 0 when err holds exactly the expected messages; else prints why. */
static inline int case_check(const struct expect_case *c,
			       const struct nfc_err *err)
{
	char prefix[600];
	int i, bad = 0;

	if (err->n != c->n) {
		printf("%s: %d messages, expected %d\n", c->path, err->n,
		       c->n);
		bad = 1;
	}
	for (i = 0; !bad && i < c->n; i++) {
		snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", c->path,
			 c->ex[i].line, c->ex[i].col);
		if (strncmp(err->msg[i], prefix, strlen(prefix)) ||
		    !strstr(err->msg[i] + strlen(prefix), c->ex[i].text)) {
			printf("%s: message %d does not match '%d:%d: %s'\n",
			       c->path, i, c->ex[i].line, c->ex[i].col,
			       c->ex[i].text);
			bad = 1;
		}
	}
	if (bad) {
		for (i = 0; i < err->n; i++)
			printf("  got: %s\n", err->msg[i]);
	}
	return bad;
}

static int case_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct expect_case *)a)->path,
		      ((const struct expect_case *)b)->path);
}

/* Every *.yaml of dir, sorted; NULL on error. */
static inline struct expect_case *case_dir(const char *dir, int *n)
{
	struct expect_case *cs = NULL, *tmp;
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t len;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
			continue;
		tmp = realloc(cs, (*n + 1) * sizeof(*cs));
		if (!tmp)
			break;
		cs = tmp;
		memset(&cs[*n], 0, sizeof(*cs));
		snprintf(cs[*n].path, sizeof(cs[*n].path), "%s/%s", dir,
			 e->d_name);
		(*n)++;
	}
	closedir(d);
	if (cs)
		qsort(cs, *n, sizeof(*cs), case_name_cmp);
	return cs;
}


/*
 * Run the fixed tests of a group, then @fn once per case file in @dir (each
 * case as its state); fewer than @min case files is a failure of its own.
 * Include <cmocka.h> first.
 */
static inline int expect_run_group(const char *group,
				   const struct CMUnitTest *fixed, int n_fixed,
				   const char *dir, int min,
				   CMUnitTestFunction fn,
				   CMFixtureFunction setup,
				   CMFixtureFunction teardown)
{
	struct CMUnitTest *tests;
	struct expect_case *cs;
	int i, n, ret;

	cs = case_dir(dir, &n);
	if (!cs || n < min) {
		printf("%s: expected at least %d case files\n", dir, min);
		return 1;
	}
	tests = calloc(n_fixed + n, sizeof(*tests));
	if (!tests)
		return 1;
	memcpy(tests, fixed, n_fixed * sizeof(*fixed));
	for (i = 0; i < n; i++) {
		if (case_read(&cs[i])) {
			printf("%s: no '# expect: LINE:COL: TEXT'\n", cs[i].path);
			return 1;
		}
		tests[n_fixed + i].name = strrchr(cs[i].path, '/') + 1;
		tests[n_fixed + i].test_func = fn;
		tests[n_fixed + i].initial_state = &cs[i];
	}
	ret = _cmocka_run_group_tests(group, tests, n_fixed + n, setup, teardown);
	free(tests);
	free(cs);
	return ret;
}

#endif /* NFC_TEST_EXPECT_H */
