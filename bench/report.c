// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * nfbench reports. Markdown: one table per scenario, its variants side by
 * side, each cell with the ratios its figure carries (params "x_NAME":
 * value / NAME's value). Plots: every (scenario, metric) whose figures carry
 * a numeric params "x" becomes a PNG curve, one line per params "series".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nfbench.h"

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static double num(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : NAN;
}

static json_object *params(json_object *o)
{
	json_object *p = NULL;

	json_object_object_get_ex(o, "params", &p);
	return p;
}

/* Distinct values of KEY among the rows of one scenario, in first-seen order. */
static int distinct(json_object *rows, const char *scn, const char *key,
		    const char **out, int max)
{
	size_t i;
	int n = 0, k;

	for (i = 0; i < json_object_array_length(rows); i++) {
		json_object *o = json_object_array_get_idx(rows, i);
		const char *v = str(o, key);

		if (scn && strcmp(str(o, "scenario"), scn))
			continue;
		for (k = 0; k < n && strcmp(out[k], v); k++)
			;
		if (k == n && n < max)
			out[n++] = v;
	}
	return n;
}

static json_object *find(json_object *rows, const char *scn,
			 const char *variant, const char *metric)
{
	size_t i;

	for (i = 0; i < json_object_array_length(rows); i++) {
		json_object *o = json_object_array_get_idx(rows, i);

		if (!strcmp(str(o, "scenario"), scn) &&
		    !strcmp(str(o, "variant"), variant) &&
		    !strcmp(str(o, "metric"), metric))
			return o;
	}
	return NULL;
}

static void cell(FILE *f, json_object *o)
{
	json_object *p = params(o);
	double v = num(o, "value");

	if (fabs(v) >= 100 || v == floor(v))
		fprintf(f, " %.0f %s", v, str(o, "unit"));
	else
		fprintf(f, fabs(v) < 1 ? " %.3g %s" : " %.2f %s", v, str(o, "unit"));
	if (!p)
		return;
	json_object_object_foreach(p, k, x) {
		if (strncmp(k, "x_", 2) || !json_object_is_type(x, json_type_double))
			continue;
		fprintf(f, " (%.2f× %s)", json_object_get_double(x), k + 2);
	}
}

void nfb_markdown(struct bench *b, FILE *f)
{
	const char *scns[64], *variants[64], *metrics[32];
	int ns, nv, nm, s, v, m;

	fprintf(f, "# nfbench\n\nkernel %s, CPU %s; BPF_PROG_TEST_RUN figures are the median of %d interleaved rounds of %u runs%s.\n",
		b->kernel, b->cpu, NFB_ROUNDS, b->repeat, b->quick ? " (--quick)" : "");
	ns = distinct(b->rows, NULL, "scenario", scns, 64);
	for (s = 0; s < ns; s++) {
		nv = distinct(b->rows, scns[s], "variant", variants, 64);
		nm = distinct(b->rows, scns[s], "metric", metrics, 32);
		fprintf(f, "\n## %s\n\n| metric |", scns[s]);
		for (v = 0; v < nv; v++)
			fprintf(f, " %s |", variants[v]);
		fprintf(f, "\n|---|");
		for (v = 0; v < nv; v++)
			fprintf(f, "---:|");
		fprintf(f, "\n");
		for (m = 0; m < nm; m++) {
			fprintf(f, "| %s |", metrics[m]);
			for (v = 0; v < nv; v++) {
				json_object *o = find(b->rows, scns[s], variants[v], metrics[m]);

				if (o)
					cell(f, o);
				else
					fprintf(f, " –");
				fprintf(f, " |");
			}
			fprintf(f, "\n");
		}
	}
}

/* One PNG for a scenario's metric: value over params "x", per "series". */
static int plot_one(struct bench *b, const char *dir, const char *scn,
		    const char *metric)
{
	char data[512], png[512];
	const char *series[16], *xlabel = "";
	double xmin = INFINITY, xmax = 0;
	int nser = 0, k, s, points = 0;
	FILE *f, *g;
	size_t i;

	snprintf(data, sizeof(data), "%s/%s-%s.dat", dir, scn, metric);
	snprintf(png, sizeof(png), "%s/%s-%s.png", dir, scn, metric);
	f = fopen(data, "w");
	if (!f)
		return -errno;
	/* a series' points one after the other: gnuplot draws no line
	 * between two that another series' rows separate */
	for (i = 0; i < json_object_array_length(b->rows); i++) {
		json_object *o = json_object_array_get_idx(b->rows, i);

		if (strcmp(str(o, "scenario"), scn) || strcmp(str(o, "metric"), metric) ||
		    isnan(num(params(o), "x")))
			continue;
		for (k = 0; k < nser && strcmp(series[k], str(params(o), "series")); k++)
			;
		if (k == nser && nser < 16)
			series[nser++] = str(params(o), "series");
	}
	for (s = 0; s < nser; s++) {
		for (i = 0; i < json_object_array_length(b->rows); i++) {
			json_object *o = json_object_array_get_idx(b->rows, i);
			double x = num(params(o), "x");

			if (strcmp(str(o, "scenario"), scn) ||
			    strcmp(str(o, "metric"), metric) || isnan(x) ||
			    strcmp(series[s], str(params(o), "series")))
				continue;
			fprintf(f, "%d %g %g\n", s, x, num(o, "value"));
			if (!*xlabel)
				xlabel = str(params(o), "x_label");
			xmin = x < xmin ? x : xmin;
			xmax = x > xmax ? x : xmax;
			points++;
		}
	}
	fclose(f);
	if (points < 2) {
		unlink(data);
		return 0;
	}
	g = popen("gnuplot", "w");
	if (!g)
		return -errno;
	fprintf(g, "set terminal pngcairo size 800,500 noenhanced\nset output '%s'\n", png);
	fprintf(g, "set title '%s: %s (%s)'\nset grid\nset key left top\n", scn, metric, b->kernel);
	if (xmin > 0 && xmax / xmin >= 100)
		fprintf(g, "set logscale x\n");
	fprintf(g, "set xlabel '%s'\nset ylabel '%s'\nplot", xlabel, metric);
	for (k = 0; k < nser; k++)
		fprintf(g, "%s '%s' using 2:($1==%d?$3:1/0) with linespoints title '%s'",
			k ? "," : "", data, k, *series[k] ? series[k] : metric);
	fprintf(g, "\n");
	return pclose(g) ? -EIO : 0;
}

int nfb_plot(struct bench *b, const char *dir)
{
	const char *scns[64], *metrics[32];
	int ns, nm, s, m, r;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	ns = distinct(b->rows, NULL, "scenario", scns, 64);
	for (s = 0; s < ns; s++) {
		nm = distinct(b->rows, scns[s], "metric", metrics, 32);
		for (m = 0; m < nm; m++) {
			r = plot_one(b, dir, scns[s], metrics[m]);
			if (r)
				return r;
		}
	}
	return 0;
}
