// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Root programs on interfaces: libxdp for XDP (priority-ordered behind its
 * dispatcher where the kernel has freplace, alone where it does not),
 * clsact filters for TC. A root carries its chain id; which version it
 * enters is read per packet, so a root attached before the switch runs
 * the old version (or passes packets while the chain has none).
 *
 * All or nothing: new attachments are made before the switch and taken off
 * again when a later step fails. An XDP attachment whose mode or priority
 * changes must take the running one's place (an interface has one XDP
 * program outside libxdp's dispatcher, and native and generic modes
 * exclude each other): in one step (XDP_FLAGS_REPLACE) where the running
 * root is alone on the interface and keeps its mode, else by taking it off
 * first; if the transaction then fails, the running one is put back. A TC
 * attachment at a new priority is one more filter: the old one is removed
 * after the switch.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <xdp/libxdp.h>
#include "txn.h"

static enum xdp_attach_mode xdp_mode(enum nfc_xdp_mode m)
{
	switch (m) {
	case NFC_MODE_NATIVE:
		return XDP_MODE_NATIVE;
	case NFC_MODE_SKB:
		return XDP_MODE_SKB;
	case NFC_MODE_HW:
		return XDP_MODE_HW;
	default:
		return XDP_MODE_UNSPEC;
	}
}

/* Open (not load) the root program of chain @id for one hook kind, for an
 * interface whose frames are VPC @tenant's (0: none). */
int nfc_root_open(struct nfc_handle *h, const char *chain, __u32 id,
		  __u16 vxlan_port, __u32 tenant, int kind, struct nfc_obj *o,
		  struct nfc_err *err)
{
	char path[PATH_MAX], what[96], msg[256];
	int r;

	snprintf(what, sizeof(what), "chain '%s': root program (%s)", chain,
		 nfc_kind_str(kind));
	nfc_path(path, sizeof(path), "%s/root.%s.o", h->bpf_dir,
		 nfc_kind_str(kind));
	r = nfc_obj_open(h, path, false, what, o, err);
	if (r)
		return r;
	r = nfc_obj_set_rodata(o->obj, "chain_id", &id, sizeof(id), msg,
			       sizeof(msg));
	if (!r)
		r = nfc_obj_set_rodata(o->obj, "vxlan_port", &vxlan_port,
				       sizeof(vxlan_port), msg, sizeof(msg));
	if (!r)
		r = nfc_obj_set_rodata(o->obj, "port_tenant", &tenant,
				       sizeof(tenant), msg, sizeof(msg));
	if (!r)
		r = nfc_root_clock_set(o->obj, msg, sizeof(msg));
	if (r) {
		nfc_obj_close(o);
		return nfc_errf(err, r, "%s: %s", what, msg);
	}
	return 0;
}

static int attach_xdp(struct nfc_obj *o, struct nfc_attach_info *a,
		      const char *what, struct nfc_err *err)
{
	struct xdp_program *xp;
	int r;

	xp = xdp_program__from_bpf_obj(o->obj, NULL);
	r = libxdp_get_error(xp);
	if (r)
		return nfc_errf(err, r, "%s: libxdp: %s", what, strerror(-r));
	xdp_program__set_run_prio(xp, a->priority);
	o->log[0] = '\0';
	r = xdp_program__attach(xp, a->ifindex, xdp_mode(a->mode), 0);
	if (r) {
		if (o->log[0])
			nfc_obj_load_failed(o, what, r, err);
		else
			nfc_errf(err, r, "%s: %s%s%s", what, strerror(-r),
				 r == -EBUSY ? " (another XDP program is attached there outside libxdp's dispatcher)" : "",
				 nfc_perm_hint(-r));
		xdp_program__close(xp);
		return r;
	}
	a->prog_id = xdp_program__id(xp);
	xdp_program__close(xp);
	return 0;
}

static int attach_tc(struct nfc_obj *o, struct nfc_attach_info *a,
		     const char *what, struct nfc_err *err)
{
	int r, fd;

	r = nfc_obj_load(o, what, err);
	if (r)
		return r;
	fd = bpf_program__fd(bpf_object__next_program(o->obj, NULL));
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = a->hook == NFC_HOOK_TC_EGRESS ?
					    BPF_TC_EGRESS : BPF_TC_INGRESS);
	r = bpf_tc_hook_create(&hook);
	if (r && r != -EEXIST)
		return nfc_errf(err, r, "%s: clsact: %s", what, strerror(-r));
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = fd,
		    .priority = a->priority);
	r = bpf_tc_attach(&hook, &opts);
	if (r)
		return nfc_errf(err, r, "%s: %s%s", what, strerror(-r),
				nfc_perm_hint(-r));
	a->prog_id = opts.prog_id;
	a->handle = opts.handle;
	return 0;
}

/* Attach the root of chain @id as @a says; @a gets its program id (and tc
 * handle). */
static int root_attach(struct nfc_handle *h, const char *chain, __u32 id,
		       __u16 vxlan_port, struct nfc_attach_info *a,
		       struct nfc_err *err)
{
	int kind = nfc_hook_objkind(a->hook);
	struct nfc_obj o;
	char what[128];
	int r;

	r = nfc_root_open(h, chain, id, vxlan_port, a->tenant, kind, &o, err);
	if (r)
		return r;
	if (a->hook == NFC_HOOK_XDP)
		snprintf(what, sizeof(what), "chain '%s': attach xdp (%s) to %s",
			 chain, nfc_mode_str(a->mode), a->ifname);
	else
		snprintf(what, sizeof(what), "chain '%s': attach %s to %s", chain,
			 nfc_hook_str(a->hook), a->ifname);
	if (a->hook == NFC_HOOK_XDP)
		r = attach_xdp(&o, a, what, err);
	else
		r = attach_tc(&o, a, what, err);
	nfc_obj_close(&o);
	return r;
}

/* Take a root off its interface; a vanished interface or program is fine. */
int nfc_root_detach(const struct nfc_attach_info *a, struct nfc_err *err)
{
	char name[IF_NAMESIZE];
	__u64 here = nfc_netns_id();
	int r;

	/* its ifindex is another interface's here, or none: unless its
	 * program is gone (its namespace with it), nothing to do here */
	if (a->netns && here && a->netns != here) {
		int fd = bpf_prog_get_fd_by_id(a->prog_id);

		if (fd < 0)
			return 0;
		close(fd);
		return nfc_errf(err, -EXDEV,
				"%s at %s was attached in another network namespace (net:[%llu]; this is net:[%llu]): run nfctl there",
				a->ifname, nfc_hook_str(a->hook),
				(unsigned long long)a->netns,
				(unsigned long long)here);
	}
	if (!if_indextoname(a->ifindex, name))
		return 0;
	if (a->hook == NFC_HOOK_XDP) {
		struct xdp_program *xp = xdp_program__from_id(a->prog_id);
		struct xdp_multiprog *mp;
		enum xdp_attach_mode mode = XDP_MODE_UNSPEC;

		if (libxdp_get_error(xp))
			return 0; /* no longer loaded: nothing attached */
		/* detach in the mode it runs in: libxdp's "unspecified"
		 * fails on a program it attached in generic mode */
		mp = xdp_multiprog__get_from_ifindex(a->ifindex);
		if (!libxdp_get_error(mp)) {
			mode = xdp_multiprog__attach_mode(mp);
			xdp_multiprog__close(mp);
		}
		r = xdp_program__detach(xp, a->ifindex, mode, 0);
		xdp_program__close(xp);
	} else {
		LIBBPF_OPTS(bpf_tc_hook, th, .ifindex = a->ifindex,
			    .attach_point = a->hook == NFC_HOOK_TC_EGRESS ?
						    BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = a->handle,
			    .priority = a->priority);
		r = bpf_tc_detach(&th, &o);
		if (r == -ENOENT)
			r = 0;
	}
	if (r)
		return nfc_errf(err, r, "detach %s from %s: %s%s",
				nfc_hook_str(a->hook), name, strerror(-r),
				nfc_perm_hint(-r));
	return 0;
}

/* Whether the root @a records is attached where it says: a kept
 * attachment whose root someone took off is attached again. */
static bool root_present(const struct nfc_attach_info *a)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	bool found = false;

	if (!a->prog_id)
		return false;
	if (a->hook != NFC_HOOK_XDP) {
		LIBBPF_OPTS(bpf_tc_hook, th, .ifindex = a->ifindex,
			    .attach_point = a->hook == NFC_HOOK_TC_EGRESS ?
						    BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = a->handle,
			    .priority = a->priority);

		return !bpf_tc_query(&th, &o) && o.prog_id == a->prog_id;
	}
	mp = xdp_multiprog__get_from_ifindex(a->ifindex);
	if (libxdp_get_error(mp))
		return false;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		found = p && xdp_program__id(p) == a->prog_id;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p && !found;
	     p = xdp_multiprog__next_prog(p, mp))
		found = xdp_program__id(p) == a->prog_id;
	xdp_multiprog__close(mp);
	return found;
}

/* Whether @o was attached in this network namespace (or says nothing). */
static bool attach_here(const struct nfc_attach_info *o)
{
	return !o->netns || o->netns == nfc_netns_id();
}

static bool same_attach(const struct nfc_attach_info *o,
			const struct nfc_attach *a)
{
	return !strcmp(o->ifname, a->ifname) && o->ifindex == a->ifindex &&
	       o->hook == a->hook && o->mode == a->mode &&
	       o->priority == a->priority && o->tenant == a->tenant &&
	       attach_here(o);
}

static const struct nfc_attach_info *old_attach_of(const struct txn *t,
						   const struct nfc_attach *a)
{
	int i;

	for (i = 0; t->old && i < t->old->n_attach; i++)
		if (same_attach(&t->old->attach[i], a))
			return &t->old->attach[i];
	return NULL;
}

static bool attach_kept(const struct txn *t, const struct nfc_attach_info *o)
{
	int i;

	for (i = 0; i < t->d->n_attach; i++)
		if (same_attach(o, &t->d->attach[i]))
			return true;
	return false;
}

/* Take the running root @o off to make room for its replacement. */
static int detach_replaced(struct txn *t, const struct nfc_attach_info *o)
{
	int r;

	if (!t->detached) {
		t->detached = calloc(t->old->n_attach, sizeof(*t->detached));
		if (!t->detached)
			return -ENOMEM;
	}
	r = nfc_root_detach(o, t->err);
	if (!r)
		t->detached[t->n_detached++] = *o;
	return r;
}

/*
 * Put the new root of @rt in the place of the running root @o in one step,
 * where @o runs alone on its interface (no dispatcher) and @rt keeps its
 * mode: 1 when done, 0 when it cannot be done this way, or -errno.
 */
static int replace_atomic(struct txn *t, struct root *rt,
			  const struct nfc_attach_info *o)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(o->ifindex);
	enum nfc_xdp_mode want = rt->a->mode;
	enum xdp_attach_mode cur;
	struct xdp_program *main;
	struct nfc_obj obj;
	char what[128];
	bool alone;
	int old_fd, new_fd, r;
	__u32 flags;

	if (libxdp_get_error(mp))
		return 0;
	cur = xdp_multiprog__attach_mode(mp);
	main = xdp_multiprog__main_prog(mp);
	alone = xdp_multiprog__is_legacy(mp) && main &&
		xdp_program__id(main) == o->prog_id;
	xdp_multiprog__close(mp);
	if (!alone || (cur != XDP_MODE_NATIVE && cur != XDP_MODE_SKB) ||
	    want == NFC_MODE_HW ||
	    (want == NFC_MODE_NATIVE && cur != XDP_MODE_NATIVE) ||
	    (want == NFC_MODE_SKB && cur != XDP_MODE_SKB))
		return 0;
	old_fd = bpf_prog_get_fd_by_id(o->prog_id);
	if (old_fd < 0)
		return 0;
	snprintf(what, sizeof(what), "chain '%s': replace the xdp root on %s",
		 txn_chain(t), o->ifname);
	r = nfc_root_open(t->h, txn_chain(t), t->id, t->d->vxlan_port,
			  rt->a->tenant, NFC_OBJ_XDP, &obj, t->err);
	if (!r)
		r = nfc_obj_load(&obj, what, t->err);
	if (r) {
		close(old_fd);
		if (obj.obj)
			nfc_obj_close(&obj);
		return r;
	}
	new_fd = bpf_program__fd(bpf_object__next_program(obj.obj, NULL));
	flags = cur == XDP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	LIBBPF_OPTS(bpf_xdp_attach_opts, ao, .old_prog_fd = old_fd);
	r = bpf_xdp_attach(o->ifindex, new_fd, flags | XDP_FLAGS_REPLACE, &ao);
	if (r) {
		nfc_errf(t->err, r, "%s: %s", what, strerror(-r));
		close(old_fd);
		nfc_obj_close(&obj);
		return r;
	}
	rt->info = *o;
	rt->info.mode = rt->a->mode;
	rt->info.priority = rt->a->priority;
	rt->info.tenant = rt->a->tenant;
	rt->info.netns = nfc_netns_id();
	rt->info.prog_id = nfc_prog_id(new_fd);
	rt->attached = true;
	rt->replaced_fd = old_fd;
	rt->replaced_id = o->prog_id;
	rt->xdp_flags = flags;
	nfc_obj_close(&obj); /* the interface holds the program */
	return 1;
}

/* The running XDP root that new attachment @a takes the place of. */
static const struct nfc_attach_info *replacing(const struct txn *t,
					       const struct nfc_attach *a)
{
	int i;

	for (i = 0; a->hook == NFC_HOOK_XDP && t->old && i < t->old->n_attach;
	     i++)
		if (t->old->attach[i].hook == NFC_HOOK_XDP &&
		    t->old->attach[i].ifindex == a->ifindex)
			return &t->old->attach[i];
	return NULL;
}

static int attach_one(struct txn *t, struct root *rt)
{
	int r;

	snprintf(rt->info.ifname, sizeof(rt->info.ifname), "%s", rt->a->ifname);
	rt->info.ifindex = rt->a->ifindex;
	rt->info.hook = rt->a->hook;
	rt->info.mode = rt->a->mode;
	rt->info.priority = rt->a->priority;
	rt->info.tenant = rt->a->tenant;
	rt->info.netns = nfc_netns_id();
	r = root_attach(t->h, txn_chain(t), t->id, t->d->vxlan_port, &rt->info,
			t->err);
	rt->attached = !r;
	return r;
}

/* Kept attachments stay; new interfaces come first, where a failure costs
 * nothing; XDP roots that must be replaced go last, so that a running root
 * is off its interface for as short a time as possible, if at all. */
int nfc_txn_attach(struct txn *t)
{
	int i, pass, r = 0;

	t->roots = calloc(t->d->n_attach, sizeof(*t->roots));
	if (!t->roots)
		return -ENOMEM;
	t->n_roots = t->d->n_attach;
	for (i = 0; i < t->n_roots; i++) {
		const struct nfc_attach_info *o;

		t->roots[i].a = &t->d->attach[i];
		t->roots[i].replaced_fd = -1;
		o = old_attach_of(t, t->roots[i].a);
		if (o && root_present(o))
			t->roots[i].info = *o;
	}
	for (pass = 0; !r && pass < 2; pass++) {
		for (i = 0; !r && i < t->n_roots; i++) {
			struct root *rt = &t->roots[i];
			const struct nfc_attach_info *o;

			o = rt->info.prog_id ? NULL : replacing(t, rt->a);
			if (rt->info.prog_id || !!o != pass)
				continue;
			if (o) {
				r = replace_atomic(t, rt, o);
				if (r > 0) {
					r = 0;
					continue;
				}
				if (!r)
					r = detach_replaced(t, o);
			}
			if (!r)
				r = attach_one(t, rt);
		}
	}
	return r;
}

/* After the switch: the old version's attachments the new one dropped. */
void nfc_txn_detach_dropped(struct txn *t)
{
	int i, j;

	for (i = 0; t->old && i < t->old->n_attach; i++) {
		const struct nfc_attach_info *o = &t->old->attach[i];
		/* kept, or taken off or replaced already by its successor */
		bool stays = attach_kept(t, o);

		for (j = 0; !stays && j < t->n_detached; j++)
			stays = t->detached[j].ifindex == o->ifindex &&
				t->detached[j].prog_id == o->prog_id;
		for (j = 0; !stays && j < t->n_roots; j++)
			stays = t->roots[j].replaced_fd >= 0 &&
				t->roots[j].replaced_id == o->prog_id;
		if (!stays)
			nfc_root_detach(o, NULL);
	}
}

/*
 * Before the switch: take off what this transaction attached and put back
 * what it took off. A put-back root is a new program: the running chain's
 * record of it is updated (the caller saves the state).
 */
void nfc_txn_attach_rollback(struct txn *t)
{
	int i, j;

	for (i = 0; i < t->n_roots; i++) {
		struct root *rt = &t->roots[i];

		if (!rt->attached)
			continue;
		if (rt->replaced_fd < 0) {
			nfc_root_detach(&rt->info, NULL);
			continue;
		}
		/* the replaced root goes back in the same one step */
		int cur = bpf_prog_get_fd_by_id(rt->info.prog_id);
		LIBBPF_OPTS(bpf_xdp_attach_opts, ao, .old_prog_fd = cur);

		if (cur < 0 || bpf_xdp_attach(rt->info.ifindex, rt->replaced_fd,
					      rt->xdp_flags | XDP_FLAGS_REPLACE,
					      &ao))
			nfc_errf(t->err, -EIO,
				 "chain '%s': could not put the running root back on %s: the interface runs the new version's root",
				 txn_chain(t), rt->info.ifname);
		if (cur >= 0)
			close(cur);
	}
	for (i = 0; i < t->n_detached; i++) {
		struct nfc_attach_info a = t->detached[i];
		int r = root_attach(t->h, txn_chain(t), t->old->id,
				    t->old->vxlan_port, &a, NULL);

		if (r) {
			/* recorded as gone: the next apply attaches it again */
			nfc_errf(t->err, r,
				 "chain '%s': could not put the running root back on %s (%s): the interface is without the chain until it is applied again",
				 txn_chain(t), a.ifname, strerror(-r));
			a.prog_id = 0;
		}
		for (j = 0; j < t->old->n_attach; j++)
			if (t->old->attach[j].ifindex == a.ifindex &&
			    t->old->attach[j].prog_id == t->detached[i].prog_id)
				t->old->attach[j] = a;
	}
}

/* The kernel driver of an interface ("veth", "tun"), or "". */
static void driver_of(const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	buf[0] = '\0';
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(buf, len, "%s", info.driver);
	close(fd);
}

/* Whether a node of chain @d takes VLAN tags: a table of trunks (its
 * manifest's `flood: {tagged: true}`). */
static bool chain_tagged(const struct nfc_descriptor *d)
{
	int i, j;

	for (i = 0; i < d->n_nodes; i++)
		for (j = 0; d->nodes[i].mod && j < d->nodes[i].mod->n_tables;
		     j++)
			if (d->nodes[i].mod->tables[j].flood_tagged)
				return true;
	return false;
}

/*
 * XDP on a veth or tap sees the frames a container or VM sends as frames,
 * without the skb's checksum state: with the sender's checksum offload on
 * (the default), partially checksummed TCP segments leave the chain with
 * bad checksums and TCP stalls while ping works. And XDP sees only the
 * VLAN tags in the frame, not one a device took off or kept beside it:
 * a VLAN-aware chain would take such a trunk's frames as untagged. Say so.
 */
void nfc_txn_warn_hooks(struct txn *t)
{
	bool tagged = chain_tagged(t->d);
	char drv[32];
	int i;

	for (i = 0; i < t->d->n_attach; i++) {
		const struct nfc_attach *a = &t->d->attach[i];

		if (a->hook != NFC_HOOK_XDP)
			continue;
		if (tagged)
			nfc_txn_warn(t,
				     "%s:%d:%d: attach[%d]: '%s': at xdp the chain sees only the VLAN tags in the frames, not one the device took off on receipt (rx-vlan-offload) or a veth peer kept beside the frame (tx-vlan-offload), whose frame it takes as untagged; attach trunks at tc-ingress, or turn those offloads off",
				     t->d->file, a->line, a->col, i,
				     a->ifname);
		driver_of(a->ifname, drv, sizeof(drv));
		if (strcmp(drv, "veth") && strcmp(drv, "tun"))
			continue;
		nfc_txn_warn(t,
			     "%s:%d:%d: attach[%d]: '%s' is a %s (a container or VM endpoint): at xdp, senders with checksum offload on (the default) have their TCP segments forwarded with bad checksums and TCP stalls; attach it at tc-ingress, or turn the offload off on every sender (ethtool -K IFACE tx off)",
			     t->d->file, a->line, a->col, i, a->ifname,
			     strcmp(drv, "tun") ? "veth" : "tap");
	}
}
