/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * nfmgrd, the manager daemon: one epoll loop (nfmgrd.c) over the event
 * ring (events.c), the monitor clients (server.c), the kernel's
 * neighbours and routes (kernel.c) and a timer, an aging
 * thread (aging.c) and an HTTP thread for Prometheus (metrics.c). Everything
 * it reports lives in pinned maps; the daemon holds nothing a restart would
 * lose.
 */
#ifndef NFMGRD_H
#define NFMGRD_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include "ultranio.h"

/* What an epoll event belongs to: the first member of each source. */
enum src_kind {
	SRC_SIGNAL,
	SRC_LISTEN,
	SRC_CLIENT,
	SRC_RING,
	SRC_TICK,
	SRC_KERNEL,
};

struct src {
	enum src_kind kind;
	int fd;
};

struct client;
struct MHD_Daemon;
struct mnl_socket;

struct nfmgrd {
	char state_dir[PATH_MAX];  /* as nfc_open() resolves it */
	char sock_path[PATH_MAX];
	int verbose;
	unsigned int gc_interval_s;
	__u32 flow_idle_s;
	const char *metrics;       /* ADDR:PORT or "off" */

	int epfd;
	/* the loop's handle for names; reopened when the state file changes */
	struct nfc_handle *h;
	struct stat state_st;
	long open_failed_s;        /* CLOCK_MONOTONIC second of the last
				      failed reopen */

	/* events.c */
	struct src ring_src;
	struct nfc_events *ev;
	bool ring_waiting;            /* said that it is not pinned yet */
	struct nfc_ev_stats ev_prev;  /* nfc_ev_stats as last read */
	bool ev_have_prev;
	__s64 sup_balance[NFC_DROP_MAX]; /* suppressed counted, not reported */
	__u64 sup_credit[NFC_DROP_MAX];  /* reported by lines, not yet by events */

	/* server.c */
	struct src listen_src;
	struct client *clients;

	/* shared with the HTTP thread: __atomic_* */
	unsigned long n_clients;
	unsigned long events_read;
	unsigned long events_sent;

	/* kernel.c */
	struct mnl_socket *nl;
	struct src kernel_src;
	unsigned long kernel_invalidations; /* shared: __atomic_* */

	/* aging.c */
	pthread_t aging_thread;
	bool aging_running;
	int aging_stop;            /* eventfd: written to stop the thread */
	int aging_timer;

	/* metrics.c; scrapes run one at a time on libmicrohttpd's thread */
	struct MHD_Daemon *mhd;
	__u64 evicted;             /* conntrack evictions last published */
	__u64 ct_created;          /* connections created then */
};

void nfmgrd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern int nfmgrd_verbose;

/* nfmgrd.c */
int nfmgrd_watch(struct nfmgrd *d, struct src *s, unsigned int events);
/* A timerfd (non-blocking) that fires every @sec; -1 and errno. */
int nfmgrd_timer(unsigned int sec);
void nfmgrd_unwatch(struct nfmgrd *d, struct src *s);
/* Reopen the handle when the state file changed since it was read (or
 * there is none). True when the handle was replaced: what pointed into the
 * old one is gone, and d->h is NULL if the state could not be read. */
bool nfmgrd_refresh(struct nfmgrd *d);

/* events.c */
/* Open the ring when it is pinned and not open yet (or was replaced). */
void events_ring_check(struct nfmgrd *d);
void events_consume(struct nfmgrd *d);
/* Lost and suppressed events since the last call, as lines to clients. */
void events_account(struct nfmgrd *d);
void events_close(struct nfmgrd *d);

/* server.c */
int server_open(struct nfmgrd *d);
void server_accept(struct nfmgrd *d);
/* Reading, writing and broadcasting only mark a client that went away:
 * the loop frees them with server_reap() once its batch of epoll events is
 * done, as a later event of the batch may be that client's. */
void server_client_io(struct nfmgrd *d, struct client *c, unsigned int ev);
/* One line (ending in '\n') to every client. */
void server_broadcast(struct nfmgrd *d, const char *line, size_t len,
		      bool event);
void server_reap(struct nfmgrd *d);
void server_close(struct nfmgrd *d);

/* kernel.c: the kernel's neighbours and routes; a change that may alter
 * what bpf_fib_lookup() answers makes the cached flows misses */
int kernel_watch_start(struct nfmgrd *d);
void kernel_watch_read(struct nfmgrd *d);
void kernel_watch_stop(struct nfmgrd *d);

/* aging.c: a pass every gc_interval_s on its own thread */
int aging_start(struct nfmgrd *d);
void aging_stop(struct nfmgrd *d);

/* metrics.c */
int metrics_start(struct nfmgrd *d);
void metrics_stop(struct nfmgrd *d);

#endif /* NFMGRD_H */
