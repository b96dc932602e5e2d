// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The kernel's neighbours and routes, watched over rtnetlink (libmnl). A
 * router's next hop may take its gateway's MAC from the kernel's neighbour
 * table (`neighbor: kernel`) or its whole way out from the kernel's routes
 * (`action: kernel`), both through bpf_fib_lookup(); the flow cache then
 * keeps the answer with each flow, and would go on sending a flow to a MAC
 * the kernel no longer has. So when the kernel's answer may have changed
 * (a neighbour's MAC, a neighbour gone or failed, a route added, changed
 * or removed), every cached flow is made a miss and the next packet of
 * each asks again (nfc_flow__kernel_changed(): once a chain has asked the
 * kernel at all; until then changes cost nothing). A neighbour that only ages
 * (REACHABLE, STALE, DELAY, PROBE: its MAC stays usable) changes nothing,
 * nor does one that becomes usable (its flows were never cached: the
 * packets went to the stack). The neighbours' MACs are kept here to tell;
 * those that existed before the daemon are read once at start.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "nfmgrd.h"

/* the states with a MAC bpf_fib_lookup() answers with (the kernel's own
 * NUD_VALID, which its UAPI lacks) */
#define NEIGH_USABLE                                                          \
	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE |  \
	 NUD_DELAY)

struct neigh {
	__u32 ifindex;
	__u8 family;
	__u8 mac[6];
	__u8 addr[16];
};

/* The neighbours seen with a usable MAC; removed when they lose it. */
static struct neigh *neighs;
static size_t n_neighs, cap_neighs;
/* what the batch being read asks for */
static bool dirty;
static const char *why;
static char why_buf[96];

static struct neigh *neigh_find(const struct neigh *k)
{
	size_t i;

	for (i = 0; i < n_neighs; i++)
		if (neighs[i].ifindex == k->ifindex &&
		    neighs[i].family == k->family &&
		    !memcmp(neighs[i].addr, k->addr, sizeof(k->addr)))
			return &neighs[i];
	return NULL;
}

static void changed(const char *what, const struct neigh *k)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	dirty = true;
	if (!k) {
		why = what;
		return;
	}
	inet_ntop(k->family, k->addr, addr, sizeof(addr));
	snprintf(why_buf, sizeof(why_buf), "%s %s (if%u)", what, addr,
		 k->ifindex);
	why = why_buf;
}

static int neigh_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, NDA_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static void on_neigh(const struct nlmsghdr *nlh)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1] = {};
	struct neigh k = {}, *e, *grown;
	size_t alen = 0;
	bool usable;

	if (nd->ndm_family == AF_INET)
		alen = 4;
	else if (nd->ndm_family == AF_INET6)
		alen = 16;
	else
		return;
	mnl_attr_parse(nlh, sizeof(*nd), neigh_attr, tb);
	if (!tb[NDA_DST] || mnl_attr_get_payload_len(tb[NDA_DST]) != alen)
		return;
	k.ifindex = nd->ndm_ifindex;
	k.family = nd->ndm_family;
	memcpy(k.addr, mnl_attr_get_payload(tb[NDA_DST]), alen);
	usable = nlh->nlmsg_type == RTM_NEWNEIGH &&
		 (nd->ndm_state & NEIGH_USABLE) && tb[NDA_LLADDR] &&
		 mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6;
	if (usable)
		memcpy(k.mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	e = neigh_find(&k);
	if (!usable) {
		if (!e)
			return;
		changed("neighbour gone:", e);
		*e = neighs[--n_neighs];
		return;
	}
	if (e) {
		if (memcmp(e->mac, k.mac, 6)) {
			changed("neighbour's MAC changed:", &k);
			memcpy(e->mac, k.mac, 6);
		}
		return;
	}
	if (n_neighs == cap_neighs) {
		size_t cap = cap_neighs ? 2 * cap_neighs : 64;

		grown = realloc(neighs, cap * sizeof(*neighs));
		if (!grown) {
			/* not knowing it, a later change to it is taken as
			 * one: flows invalidated more often, never less */
			changed("neighbour not kept (out of memory):", &k);
			return;
		}
		neighs = grown;
		cap_neighs = cap;
	}
	neighs[n_neighs++] = k;
}

static void on_route(const struct nlmsghdr *nlh)
{
	const struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);

	if (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6)
		return;
	/* (the local table's too: an address of the host's changes what
	 * bpf_fib_lookup() answers); cached routes (IPv6's, RTM_F_CLONED)
	 * come and go with use */
	if (rt->rtm_flags & RTM_F_CLONED)
		return;
	changed(nlh->nlmsg_type == RTM_NEWROUTE ? "route added or changed" :
						 "route removed", NULL);
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	switch (nlh->nlmsg_type) {
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		on_neigh(nlh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		on_route(nlh);
		break;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		changed("next hop object changed", NULL);
		break;
	}
	return MNL_CB_OK;
}

/* Netlink messages as they come: a dump's batches, a route with many
 * next hops (libmnl 1.0.5's MNL_SOCKET_DUMP_SIZE; Debian 12 has 1.0.4) */
static char buf[32768];

/* The neighbours there are now, into the table (a dump on a socket of its
 * own, so that it does not mix with the events). */
static int read_neighbours(void)
{
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ndmsg *nd;
	unsigned int seq = time(NULL), port;
	int r;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		mnl_socket_close(nl);
		return r;
	}
	port = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		mnl_socket_close(nl);
		return r;
	}
	do {
		r = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (r <= 0)
			break;
		r = mnl_cb_run(buf, r, seq, port, on_msg, NULL);
	} while (r > 0);
	if (r < 0)
		r = -errno;
	mnl_socket_close(nl);
	return r;
}

int kernel_watch_start(struct nfmgrd *d)
{
	unsigned int groups = RTMGRP_NEIGH | RTMGRP_IPV4_ROUTE |
			      RTMGRP_IPV6_ROUTE;
	int r, rcvbuf = 1 << 20, nhgrp = RTNLGRP_NEXTHOP;

	d->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!d->nl || mnl_socket_bind(d->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		nfmgrd_log(NFC_WARN, "kernel watch: rtnetlink: %s\n",
			   strerror(errno));
		return -1;
	}
	/* next hop objects (`ip nexthop`), which routes may point to: a
	 * group of their own, joined by number */
	if (mnl_socket_setsockopt(d->nl, NETLINK_ADD_MEMBERSHIP, &nhgrp,
				  sizeof(nhgrp)))
		nfmgrd_log(NFC_DEBUG, "kernel watch: next hop objects: %s\n",
			   strerror(errno));
	/* room for a burst (a link going down takes its neighbours and routes
	 * with it); what overflows is a resync */
	setsockopt(mnl_socket_get_fd(d->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));
	/* subscribed first: a change during the dump is read after it */
	r = read_neighbours();
	dirty = false;
	if (r < 0) {
		nfmgrd_log(NFC_WARN, "kernel watch: neighbours: %s\n",
			   strerror(-r));
		return -1;
	}
	d->kernel_src.kind = SRC_KERNEL;
	d->kernel_src.fd = mnl_socket_get_fd(d->nl);
	if (nfmgrd_watch(d, &d->kernel_src, EPOLLIN)) {
		nfmgrd_log(NFC_WARN, "kernel watch: %s\n", strerror(errno));
		return -1;
	}
	nfmgrd_log(NFC_DEBUG, "kernel watch: %zu neighbours\n", n_neighs);
	return 0;
}

void kernel_watch_read(struct nfmgrd *d)
{
	struct nfc_err err = {};
	bool done, lost = false;
	int n, r;

	for (;;) {
		n = mnl_socket_recvfrom(d->nl, buf, sizeof(buf));
		if (n < 0 && (errno == ENOBUFS || errno == ENOSPC)) {
			/* events were lost (the socket's queue overran, or one
			 * did not fit): any of them may have mattered */
			lost = true;
			continue;
		}
		if (n <= 0)
			break;
		mnl_cb_run(buf, n, 0, 0, on_msg, NULL);
	}
	if (lost) {
		/* what the neighbours are now, for the next changes */
		n_neighs = 0;
		r = read_neighbours();
		if (r < 0)
			nfmgrd_log(NFC_WARN, "kernel watch: neighbours: %s\n",
				   strerror(-r));
		changed("kernel events lost", NULL);
	}
	if (!dirty)
		return;
	dirty = false;
	r = d->h ? nfc_flow__kernel_changed(d->h, &done, &err) : 0;
	if (r) {
		nfmgrd_log(NFC_WARN, "kernel watch: %s: %s\n", why,
			   err.n ? err.msg[0] : strerror(-r));
		return;
	}
	if (!done) {
		nfmgrd_log(NFC_DEBUG, "kernel watch: %s (no chain asks the kernel)\n",
			   why);
		return;
	}
	__atomic_add_fetch(&d->kernel_invalidations, 1, __ATOMIC_RELAXED);
	nfmgrd_log(NFC_INFO, "kernel watch: %s: cached flows invalidated\n",
		   why);
}

void kernel_watch_stop(struct nfmgrd *d)
{
	if (d->nl) {
		nfmgrd_unwatch(d, &d->kernel_src);
		mnl_socket_close(d->nl);
		d->nl = NULL;
	}
	free(neighs);
	neighs = NULL;
	n_neighs = cap_neighs = 0;
}
