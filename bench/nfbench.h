/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * nfbench internals: what every scenario gets (the run's settings, an open
 * libultranio handle in a network namespace of nfbench's own) and how it
 * reports (one JSON line per figure through nfb_emit()).
 */
#ifndef NFBENCH_H
#define NFBENCH_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "ultranio.h"

/* Every figure is the median of this many interleaved rounds. */
#define NFB_ROUNDS 5
/* Distinct flows in a BPF_PROG_TEST_RUN mix. */
#define NFB_FLOWS 64

struct bench {
	bool quick;
	__u32 repeat;           /* BPF_PROG_TEST_RUN repeat count */
	FILE *json;
	FILE *md;
	char kernel[128];
	char cpu[128];
	struct nfc_handle *h;   /* private pin root and state */
	char workdir[64];       /* private scratch directory */
	json_object *rows;      /* for the Markdown report */
};

struct scenario {
	const char *name;
	int order;              /* run and report order */
	const char *desc;
	int (*run)(struct bench *b);
};

void nfb_register(const struct scenario *s);

/* Each scenario is one file ending with NFB_SCENARIO(name, order, "...", fn). */
#define NFB_SCENARIO(NAME, ORDER, DESC, FN)                                   \
	static const struct scenario nfb_scn_##NAME = { #NAME, ORDER, DESC,   \
							 FN };                \
	__attribute__((constructor)) static void nfb_reg_##NAME(void)         \
	{                                                                     \
		nfb_register(&nfb_scn_##NAME);                                \
	}

/* One figure; params (may be NULL) is taken over, "x_floor" in it is shown
 * in the report. */
void nfb_emit(struct bench *b, const char *scenario, const char *variant,
	      const char *metric, double value, const char *unit,
	      json_object *params);
/* A UDP/IPv4 frame of len bytes (>= 42) of flow number @flow. */
void nfb_udp_frame(__u8 *buf, size_t len, __u32 flow);
/* Average ns per run of a program over b->repeat runs of a flow mix. */
double nfb_run_ns(struct bench *b, int prog_fd);
double nfb_median(double *v, int n);

/* Reports over every figure emitted so far (report.c). */
void nfb_markdown(struct bench *b, FILE *f);
int nfb_plot(struct bench *b, const char *dir);

#endif /* NFBENCH_H */
