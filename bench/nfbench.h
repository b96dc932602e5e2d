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
	char bpffs[64];         /* that pin root: bench objects that share the
				   runtime's maps pin under bpffs/maps */
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
/* A frame of len bytes of flow number @flow. */
typedef void (*nfb_frame_fn)(__u8 *buf, size_t len, __u32 flow);
/* UDP/IPv4, len >= 42. */
void nfb_udp_frame(__u8 *buf, size_t len, __u32 flow);
/* The header checksum of IPv4 header @ip (its ihl set). */
struct iphdr;
void nfb_ipv4_check(struct iphdr *ip);
/* TCP/IPv4 with ACK alone (an established connection's), len >= 54. */
void nfb_tcp_ack_frame(__u8 *buf, size_t len, __u32 flow);
/* Average ns per run of a program over b->repeat runs of a flow mix of
 * UDP frames (nfb_run_ns) or of frames made by @fn. */
double nfb_run_ns(struct bench *b, int prog_fd);
double nfb_run_frames_ns(struct bench *b, int prog_fd, nfb_frame_fn fn);
/* The same with frames of @len bytes, at most NFB_FRAME_MAX. */
#define NFB_FRAME_MAX 256
double nfb_run_frames_len_ns(struct bench *b, int prog_fd, nfb_frame_fn fn,
			     size_t len);
/* The same one run per call: for programs that move the frame's start,
 * which BPF_PROG_TEST_RUN's repeats at XDP do not undo (nfbench.c). */
double nfb_run_frames_once_ns(struct bench *b, int prog_fd, nfb_frame_fn fn,
			      size_t len);
double nfb_median(double *v, int n);
/* Figure @i's ns per packet, < 0 when it failed. */
typedef double (*nfb_fig_fn)(struct bench *b, int i, void *arg);
/* @n figures measured round by round: one unmeasured pass (it fills the
 * caches), then NFB_ROUNDS rounds in which each figure runs once, so that
 * the machine's drift is spread over all; their medians into @med[n].
 * 0, or -EIO when a run failed. */
int nfb_interleaved(struct bench *b, int n, nfb_fig_fn run, void *arg,
		    double *med);

enum nfb_hook { NFB_AT_XDP, NFB_AT_TC };

/* Applies chain @chain: @n nop nodes in a row, attached at @hook (XDP in
 * skb mode, or tc-ingress) to a veth of its own of the same name, made
 * here; @cache false: `flow_cache: false`. Nothing reaches the veth: the
 * chain is there to be run by BPF_PROG_TEST_RUN through its root
 * (nfc_chain__root_prog). */
int nfb_apply_nops(struct bench *b, const char *chain, int n,
		   enum nfb_hook hook, bool cache, struct nfc_err *err);
/* The veth chain @chain attaches to, of the same name, made here, and its
 * descriptor file opened for writing into *out (its path in @path);
 * nfb_chain_file_apply() closes and applies it. */
int nfb_chain_file(struct bench *b, const char *chain, char *path,
		   size_t len, FILE **out, struct nfc_err *err);
int nfb_chain_file_apply(struct bench *b, FILE *f, const char *path,
			 struct nfc_err *err);
/* A root program of chain @chain for BPF_PROG_TEST_RUN
 * (nfc_chain__root_prog()); at XDP held in the dispatcher (nfb_xdp_hold()),
 * *held the handle, else 0. Returns a program fd or -errno. */
int nfb_chain_root(struct bench *b, const char *chain, enum nfb_hook hook,
		   int *held, struct nfc_err *err);
void nfb_print_err(const struct nfc_err *err);

/*
 * An XDP program that BPF_PROG_TEST_RUN runs more than once enters the
 * kernel's XDP dispatcher for the call and leaves it after: two rebuilds
 * with an RCU grace period each, about 17 ms a call here, which a mix of
 * NFB_FLOWS frames pays for every frame. A program attached somewhere
 * stays in the dispatcher, so a call costs nothing more. nfb_xdp_hold()
 * attaches @prog_fd (generic mode) to a veth of its own; returns a handle
 * for nfb_xdp_release() or -errno. The figures are the same either way.
 */
int nfb_xdp_hold(int prog_fd);
/* The end of a chain nfb_chain_root() measured: its root (@fd, @held; 0:
 * none) released, the chain @name (empty: none) deleted. */
void nfb_chain_done(struct bench *b, const char *name, int fd, int held);
void nfb_xdp_release(int handle);

/* Reports over every figure emitted so far (report.c). */
void nfb_markdown(struct bench *b, FILE *f);
int nfb_plot(struct bench *b, const char *dir);

#endif /* NFBENCH_H */
