// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Aging on a thread of its own: a pass over full tables takes a good part
 * of a second when much expires at once (each entry is looked up again
 * before it goes), and the event loop must go on draining the ring
 * meanwhile. Like a scrape, each pass opens a handle of its own and shares
 * nothing with the loop.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "nfmgrd.h"

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void pass(struct nfmgrd *d)
{
	/* the catalog: which tables of which modules expire */
	NFC_OPTS(nfc_open_opts, oo, .lock = false);
	NFC_OPTS(nfc_gc_opts, go, .flow_idle_s = d->flow_idle_s);
	struct nfc_gc_result res;
	struct nfc_err err = {};
	struct nfc_handle *h;
	double t0 = mono_ms();
	int r;

	r = nfc_open(&h, &oo, &err);
	if (!r) {
		r = nfc_gc__run(h, &go, &res, &err);
		nfc_close(h);
	}
	if (r) {
		nfmgrd_log(NFC_WARN, "aging: %s\n",
			   err.n ? err.msg[0] : strerror(-r));
		return;
	}
	nfmgrd_log(res.ct_expired || res.flows_expired || res.ep_removed ||
				   res.entries_expired || res.aliases_removed ?
			   NFC_INFO :
			   NFC_DEBUG,
		   "aged %d of %d connections, %d of %d flows, %d of %d table entries, %d translated tuples, the counters of %d gone interfaces (%.1f ms)\n",
		   res.ct_expired, res.ct_seen, res.flows_expired,
		   res.flows_seen, res.entries_expired, res.entries_seen,
		   res.aliases_removed, res.ep_removed, mono_ms() - t0);
}

static void *aging_main(void *arg)
{
	struct nfmgrd *d = arg;
	struct pollfd p[2] = {
		{ .fd = d->aging_stop, .events = POLLIN },
		{ .fd = d->aging_timer, .events = POLLIN },
	};
	__u64 n;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			nfmgrd_log(NFC_WARN, "aging: poll: %s\n", strerror(errno));
			return NULL;
		}
		if (p[0].revents)
			return NULL;
		if (read(d->aging_timer, &n, sizeof(n)) == sizeof(n))
			pass(d);
	}
}

int aging_start(struct nfmgrd *d)
{
	int r;

	d->aging_stop = eventfd(0, EFD_CLOEXEC);
	d->aging_timer = nfmgrd_timer(d->gc_interval_s);
	if (d->aging_stop < 0 || d->aging_timer < 0) {
		r = -errno;
		goto fail;
	}
	r = -pthread_create(&d->aging_thread, NULL, aging_main, d);
	if (!r) {
		d->aging_running = true;
		return 0;
	}
fail:
	nfmgrd_log(NFC_WARN, "aging thread: %s\n", strerror(-r));
	return r;
}

void aging_stop(struct nfmgrd *d)
{
	__u64 one = 1;

	if (d->aging_running &&
	    write(d->aging_stop, &one, sizeof(one)) == sizeof(one))
		pthread_join(d->aging_thread, NULL);
	d->aging_running = false;
	if (d->aging_stop >= 0)
		close(d->aging_stop);
	if (d->aging_timer >= 0)
		close(d->aging_timer);
	d->aging_stop = d->aging_timer = -1;
}
