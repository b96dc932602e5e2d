#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Tests that fail when the code is wrong: each deliberate break below is
# applied alone to a copy of the tree (the working tree as it is, untracked
# files included), the copy is rebuilt, and the tests that must catch the
# break are run. A break the tests do not catch (or that does not apply any
# more) fails this script. Run it before resolving an issue; add a break for
# every behaviour you add.
#
# Usage: tests/break-check.sh [--full] [--list] [NAME...]
#   --full   run the unit and integration tiers for every break, not only
#            the tests named for it
#   NAME     only these breaks
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
full=false
list=false
only=()
for a in "$@"; do
	case "$a" in
	--full) full=true ;;
	--list) list=true ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	*) only+=("$a") ;;
	esac
done

names=() files=() edits=() tests=() whys=()
# brk NAME FILE PERL-EDIT CTEST-REGEX WHY: PERL-EDIT runs as `perl -0pi -e`
# on FILE and must change it. (A pattern with `|` in it wants another
# delimiter than `|`: escaped, it would be an alternation.) CTEST-REGEX
# `build` means the build itself must fail; any other break must build, or
# it proves nothing about the tests.
brk() {
	names+=("$1") files+=("$2") edits+=("$3") tests+=("$4") whys+=("$5")
}

brk glibc-in-bpf bpf/parse.h \
	's|#include <linux/if_ether.h>|#include <sys/socket.h>\n#include <linux/if_ether.h>|' \
	'build' \
	'a libc header in a BPF program (fresh machines lack gnu/stubs-32.h)'
brk tc-csum-complete bpf/exec.h \
	's|if \(fix && fix != 0xffff\)\n\t\t\tbpf_csum_update\(pkt, fix\);|(void)fix;|' \
	'datapath_exec_tc' \
	'no skb->csum repair for CHECKSUM_COMPLETE skbs at tc'
brk tc-csum-helper bpf/exec.h \
	's|nfc_csum_add\(w.region,\s+nfc_csum_neg\(w.helper\)\)|w.region|' \
	'datapath_exec_tc' \
	'the repair ignores what bpf_l4_csum_replace did to skb->csum'
brk ct-no-synack bpf/ct.h \
	's|if \(dir == NFC_CT_REPLY && s == NFC_CT_NEW\)\n\t\t\te->state = NFC_CT_SYN_RECV;|;|' \
	'datapath_flow' \
	'conntrack misses the SYN-ACK: no handshake is ever complete'
brk ct-not-canonical bpf/ct.h \
	's|\tif \(swap\) \{\n\t\tk->addr\[0\] = \*dst;|\tif (0) {\n\t\tk->addr[0] = *dst;|' \
	'datapath_flow|integration-conntrack' \
	'the key is the packet tuple as is: a reply is a new connection'
brk ct-wrapped-time bpf/ct.h \
	's|\(__s64\)\(now - e->last_ns\) >\n\t\t\t    \(__s64\)nfc_ct_timeout|(now - e->last_ns) >\n\t\t\t    nfc_ct_timeout|' \
	'datapath_flow' \
	'another CPU stamping an entry after our clock read makes it look dead'
brk ct-no-related bpf/ct.h \
	's|if \(!nfc_ct_related\(pkt, c\)\) \{|if (0) {|' \
	'datapath_flow|integration-conntrack' \
	'ICMP errors not matched to the connection they quote'
brk flow-ignores-version bpf/flow.h \
	's|return f->version == c->version && !nfc_flow_slow_only|return !nfc_flow_slow_only|' \
	'datapath_flow|integration-flow' \
	'a swap or apply leaves cached results of the old version in force'
brk flow-digest-only bpf/flow.h \
	's|return f && nfc_key_eq\(&f->key, &fk\) \? f : NULL;|return f;|' \
	'datapath_flow_adv' \
	'two flows of one digest: one gets the cached result of the other'
brk flow-collider-counters bpf/flow.h \
	's|if \(old && nfc_key_eq\(&old->key, &f->key\)\) \{|if (old) {|' \
	'datapath_flow_adv' \
	'a flow taking over a digest inherits the counters and age of the other'
brk flows-forget-every-zone manager/runtime/infra.c \
	's|return \(\(const struct nfc_flow \*\)value\)->key.zone == zone;|return true;|' \
	'integration-flow|integration-nfctl-cli|integration-reapply' \
	'deleting one chain forgets the flows of every chain'
brk fast-path-parsed-key bpf/root.h \
	's|if \(a->flags & NFC_ACT_KEY\)\n\t\tc->act.key = a->key;|if (0)\n\t\tc->act.key = a->key;|' \
	'datapath_flow_adv' \
	'a cached flow whose chain rewrote the key is sent with the key as parsed'
brk fast-path-stale-key bpf/root.h \
	's|\telse\n\t\tc->act.key = c->key;\n||' \
	'datapath_flow_adv' \
	'a cached flow without rewrites carries the final key of the packet before into its events'
brk malformed-stale-action bpf/root.bpf.c \
	's|\t\tnfc_root_count_in\(pkt, c\);\n\t\tnfc_root_act_init\(c\);|\t\tnfc_root_count_in(pkt, c);|' \
	'datapath_flow_adv' \
	'a malformed frame is dropped with the action set of the packet before (rule, verdict) in its event'
brk flow-caches-syn bpf/flow.h \
	's|return k->tcp_flags & NFC_TCP_SLOW;|return false;|' \
	'datapath_flow' \
	'SYNs cached: the handshake ACK takes the fast path and conntrack never sees it'
brk flow-no-nocache bpf/flow.h \
	's#if \(c->nocache \|\| \(c->act.flags & NFC_ACT_NOCACHE\)\)#if (0)#' \
	'datapath_flow|integration-flow' \
	'the chain switch and the NF mark do not keep results out of the cache'
brk flow-no-ct-refresh bpf/flow.h \
	's|\tif \(now > e->last_ns\)\n\t\te->last_ns = now;\n||' \
	'datapath_flow' \
	'the fast path leaves its connection to time out in conntrack'
brk flow-hit-ignores-timeout bpf/flow.h \
	's#\|\|\n\t    \(__s64\)\(now - e->last_ns\) >\n\t\t    \(__s64\)nfc_ct_timeout\(f->ct.proto, e->state\)\)#)#' \
	'datapath_flow_adv' \
	'a cached flow brings a timed-out connection back to life on the fast path'
brk echo-id-both-sides bpf/ct.h \
	's|\*sport = request \? id : 0;\n\t\*dport = request \? 0 : id;|*sport = id;\n\t*dport = request ? id : id;|' \
	'datapath_flow' \
	'an echo request the other way rides on a connection as its reply'
brk fast-path-no-rule-count bpf/exec.h \
	's|if \(c->act.policy && mode != NFC_EXEC_BY_SLOT\)|if (c->act.policy \&\& mode == NFC_EXEC_BY_CHAIN)|' \
	'datapath_flow|integration-flow' \
	'cached packets are not counted for the rule that decided them'
brk decision-every-packet bpf/exec.h \
	's|\tif \(same\)\n\t\treturn;\n|\t(void)same;\n|' \
	'datapath_flow' \
	'a decision event for every packet of a connection that runs the chain'
brk decisions-one-chain bpf/exec.h \
	's|\telse if \(nfc_decision_slot\(e, 1, &d, &same\)\)\n\t\tslot = 1;\n\telse\n\t\tslot = \(e->flags & NFC_CT_F_DECIDED\) \? 1 : 0;|\telse\n\t\tslot = 0;|' \
	'datapath_flow_adv' \
	'two chains on one connection report a decision at every packet between them'
brk drop-events-unlimited bpf/nfc.h \
	's|if \(l->sent >= rate\) \{|if (0) {|' \
	'datapath_flow' \
	'drop events not rate-limited: a flood fills the ring'
brk ep-no-out bpf/nfc.h \
	's|\tif \(out\) \{\n\t\tep = nfc_ep_get\(out\);|\tif (0) {\n\t\tep = nfc_ep_get(out);|' \
	'datapath_flow' \
	'endpoints do not count what chains send to them'
brk table-edit-no-version manager/runtime/tables.c \
	's|\t\tr = nfc_chain_bump\(h, chain, err\);|\t\tr = 0;|' \
	'integration-conntrack' \
	'a table edit leaves cached results of the old rules in force'
brk root-ignores-nocache bpf/root.h \
	's|c->nocache = NFC_ACTIVE_NOCACHE\(active\);|c->nocache = 0;|' \
	'datapath_flow|integration-flow' \
	'flow_cache: false is not honoured'
brk gc-never-expires manager/runtime/gc.c \
	's|return now > last && now - last > limit_s \* 1000000000ULL;|return false;|' \
	'integration-conntrack|integration-nfmgrd' \
	'nfmgrd never ages a connection or a flow out'
brk client-lost-silent manager/nfmgrd/server.c \
	's|if \(c->len \+ n \+ need <= CLIENT_BUF && append\(c, line, n\)\)|if (0)|' \
	'integration-nfmgrd' \
	'a slow monitor loses lines without being told'
brk suppressed-unsaid manager/nfmgrd/events.c \
	's|\tadd_str\(o, "type", "suppressed"\);\n(.*\n){2}\tsend_json\(d, o, false\);|\tadd_str(o, "type", "suppressed");|' \
	'integration-nfmgrd|integration-events' \
	'suppressed drop events are never reported'
brk flows-outlive-chain chain/runtime/txn.c \
	's|r = nfc_flows_forget_zone\(h, c->id\);|r = 0;|' \
	'integration-flow' \
	'a chain deleted and made again (same id, version 1) gets the old results'
brk rules-outlive-chain chain/runtime/txn.c \
	's|r = nfc_rule_stats_forget\(h, c->nodes\[i\].counter\);|r = 0;|' \
	'integration-flow' \
	'rule counters of deleted nodes stay (and a new instance inherits them)'
brk flow-serves-new-connection bpf/root.bpf.c \
	's|\tnfc_flow_forget_stale\(c, f\);\n||' \
	'datapath_flow' \
	'a reused 5-tuple gets the cached result of the connection before'
brk ct-rst-reopens bpf/ct.h \
	's|\t\t\t/\* an RST of a dead connection opens nothing \*/\n\t\t\tif \(k->proto == IPPROTO_TCP &&\n\t\t\t    \(k->tcp_flags & NFC_TCP_RST\)\)\n\t\t\t\tgoto untracked;\n||' \
	'datapath_flow' \
	'an RST of a timed-out connection opens a new established one'
brk icmp-errors-cached bpf/flow.h \
	's|return nfc_icmp_is_error\(k->l3, \*\(__u8 \*\)&k->dport\);|return false;|' \
	'datapath_flow' \
	'ICMP errors cached: one entry hides every later error between two hosts'
brk allow-undone-reported bpf/exec.h \
	's|!\(c->act.flags & NFC_ACT_DENIED\)\)\n\t\t\tc->act.policy = 0;|0)\n\t\t\tc->act.policy = 0;|' \
	'datapath_flow' \
	'an allow undone by a later drop reported as a decision of the allowing rule'
brk opts-padding-checked manager/spec/opts.h \
	's|sizeof\(struct TYPE\) \+\s+\\\n\s+0 \* nfc_offsetofend|nfc_offsetofend|' \
	'descriptor_opts' \
	'options refused for padding the compiler left unzeroed'
brk reap-mid-batch manager/nfmgrd/nfmgrd.c \
	's|\t\t\t}\n\t\t}\n\t\tserver_reap\(d\);|\t\t\t}\n\t\t\tserver_reap(d);\n\t\t}|' \
	'integration-nfmgrd' \
	'monitors freed while the epoll batch that saw them hang up still refers to them'
brk counters-per-slot bpf/nfc.h \
	's|bpf_map_lookup_elem\(&nfc_node_stats, &h->counter\)|bpf_map_lookup_elem(&nfc_node_stats, &slot)|' \
	'datapath_chain|integration-swap$' \
	'node counters kept per slot, so every swap restarts them'
brk swap-no-map-reuse chain/runtime/instance.c \
	's|prev_dir = access\(prev, F_OK\) \? NULL : prev;|prev_dir = NULL;|' \
	'integration-swap$' \
	'a swap does not carry the maps over (the previous generation ignored)'
brk swap-incompatible-map chain/runtime/instance.c \
	's|if \(fd >= 0 && !nfc_map_compatible\(fd, m, why,|if (fd >= 0 \&\& 0 \&\& !nfc_map_compatible(fd, m, why,|' \
	'integration-swap$' \
	'a map of other max_entries taken over silently'
brk swap-new-table-refused chain/runtime/instance.c \
	's|if \(!a\)\n\t\t\tcontinue;|if (!a)\n\t\t\treturn -EINVAL;|' \
	'integration-swap$' \
	'a swap refused for a table only one version has'
brk no-spare-block bpf/nfc_shared.h \
	's|#define NFC_MAX_BLOCKS \(NFC_MAX_CHAINS \+ 1\)|#define NFC_MAX_BLOCKS NFC_MAX_CHAINS|' \
	'integration-capacity' \
	'no spare block: at the limit no chain can change'
brk xdp-detach-unspec chain/runtime/attach.c \
	's|mode = xdp_multiprog__attach_mode\(mp\);|mode = XDP_MODE_UNSPEC;|' \
	'integration-attach' \
	'XDP roots detached without their mode (generic ones stay)'
brk no-put-back chain/runtime/attach.c \
	's|int r = root_attach\(t->h, txn_chain\(t\), t->old->id,|int r = -EIO; if (0) r = root_attach(t->h, txn_chain(t), t->old->id,|' \
	'integration-attach' \
	'a failed replacement leaves the interface without its old root'
brk replace-first chain/runtime/attach.c \
	's#if \(rt->info.prog_id \|\| !!o != pass\)#if (rt->info.prog_id || !o != pass)#' \
	'integration-attach' \
	'running XDP roots taken off before new interfaces are tried'
brk tc-prio-double chain/runtime/attach.c \
	's|\t\tif \(!stays\)\n\t\t\tnfc_root_detach\(o, NULL\);|\t\t(void)stays;|' \
	'integration-attach' \
	'a dropped or moved attachment left behind after the switch'
brk kept-root-gone chain/runtime/attach.c \
	's|if \(o && root_present\(o\)\)|if (o)|' \
	'integration-attach' \
	'a kept attachment whose root was removed is not attached again'
brk kind-change chain/runtime/txn.c \
	's|if \(kinds == t->old->kinds\)\n\t\treturn 0;|return 0;|' \
	'integration-attach' \
	'a chain moved between xdp and tc in one apply'
brk stale-state chain/runtime/txn.c \
	's|if \(a == nfc_chain_active\(o->block, o->version, o->nocache\)\)|if (1)|' \
	'integration-reapply' \
	'a state file that does not match the kernel is trusted'
brk lost-pins-empty chain/runtime/instance.c \
	's|prev_dir = access\(prev, F_OK\) \? NULL : prev;|prev_dir = prev;|' \
	'integration-reapply' \
	'a node whose pins were lost comes back with empty tables'
brk counter-across-modules chain/runtime/instance.c \
	's|if \(in->old && !strcmp\(in->old->module, in->node->mod->name\)\)|if (in->old)|' \
	'integration-reapply' \
	'a node of another module inherits the counters'
brk xdp-replace-detaches chain/runtime/attach.c \
	's|r = replace_atomic\(t, rt, o\);|r = 0;|' \
	'integration-attach' \
	'an XDP priority change takes the running root off first (pings lost)'
brk foreign-objects manager/runtime/object.c \
	's|if \(strcmp\(bpf_program__name\(prog\), name\)\)|if (0)|' \
	'integration-nfctl-cli' \
	'objects of another module accepted under a manifest'
brk rodata-unchecked manager/runtime/object.c \
	's|r = check_rodata\(obj, m, what, err\);|r = 0;|' \
	'integration-nfctl-cli' \
	'a manifest naming a rodata variable the object lacks is accepted'
brk registration-locks-out manager/runtime/handle.c \
	's|else if \(e.n\)\n|else if (e.n \&\& (r = -EINVAL))\n|' \
	'integration-nfctl-cli' \
	'one broken registered manifest makes every command fail'
brk filter-takeover chain/runtime/txn.c \
	's|r = check_kinds\(&t\) \?: check_conflicts\(&t\);|r = check_kinds(\&t);|' \
	'integration-nfctl-cli' \
	'a second chain silently takes over the filter of another'
brk field-twice manager/runtime/tables.c \
	's|if \(!strcmp\(argv\[j\], argv\[i\]\)\)|if (0)|' \
	'integration-nfctl-cli' \
	'a field given twice: the first value silently wins'
brk fifo-read manager/spec/ydoc.c \
	's|else if \(!S_ISREG\(st.st_mode\)\)\n\t\tret = -NFC_ENOTFILE;|else if (0)\n\t\tret = 0;|' \
	'integration-nfctl-cli' \
	'a FIFO as descriptor read (and the lock held) forever'
brk state-names manager/runtime/state.c \
	's|if \(!r->ret && !nfc_name_ok\(buf\)\)|if (0)|' \
	'integration-nfctl-cli' \
	'a state naming paths outside the pin root trusted'
brk no-debug-log manager/nfctl/nfctl.c \
	's|\telse if \(!debug\)\n\t\treturn 0;|\telse\n\t\treturn 0;|' \
	'integration-rollback' \
	'nfctl -d does not print the whole verifier log'
brk yaml-depth manager/spec/ydoc.c \
	's|if \(\+\+depth <= NFC_YAML_DEPTH_MAX\)|if (++depth)|' \
	'descriptor_parse' \
	'nesting unbounded'
brk yaml-alias manager/spec/ydoc.c \
	's|case YAML_ALIAS_EVENT:\n|case 12345:\n|' \
	'descriptor_parse' \
	'aliases accepted'
brk perm-as-empty manager/runtime/state.c \
	's|if \(ret == -ENOENT\) \{ /\* nothing applied yet \*/|if (ret == -ENOENT \|\| ret == -EACCES) {|' \
	'integration-nfctl-cli' \
	'permission denied read as an empty state'
brk veth-warning chain/runtime/attach.c \
	's|if \(strcmp\(drv, "veth"\) && strcmp\(drv, "tun"\)\)|if (1)|' \
	'integration-macrouter-xdp' \
	'no warning for xdp on a veth'
brk router-ecmp-modulo nf/router/router.bpf.c \
	's|\treturn pick;\n\}|\treturn nh[h % 3] ? nh[h % 3] : pick;\n}|' \
	'datapath_router_tc|integration-router-tc' \
	'ECMP by the hash modulo the places: uneven, and a path that leaves moves other flows'
brk router-hash-no-ports bpf/nfc.h \
	's#return nfc_mix64\(h \^ \(\(__u64\)k->sport << 16 \| k->dport\)\);#return h;#' \
	'datapath_router_tc|integration-router-tc' \
	'the flow hash leaves the ports out: one host pair takes one path'
brk router-no-ttl-dec nf/router/router.bpf.c \
	's|\tnfc_ttl_dec\(c\);\n||' \
	'datapath_router_tc|integration-router-tc' \
	'the router does not decrement the TTL'
brk router-ttl-expiring-forwarded nf/router/router.bpf.c \
	's|if \(c->ttl <= 1\) \{|if (0) {|' \
	'datapath_router_tc' \
	'a packet with no hop left is not handed to the stack'
brk router-neigh-ignores-gateway nf/router/router.bpf.c \
	's|k4.addr = nh->gateway \? nh->gateway : k->daddr.v4;|k4.addr = k->daddr.v4;|' \
	'datapath_router_tc|integration-router-tc' \
	'a next hop with a gateway gets the destination'"'"'s MAC'
brk router-policy-highest-wins nf/router/router.bpf.c \
	's|\t\tk.priority = i;|\t\tk.priority = ROUTER_POLICIES_MAX - 1 - i;|' \
	'datapath_router_tc' \
	'policies by the highest priority number first'
brk router-policy-any-family nf/router/router.bpf.c \
	's|\t\tif \(v6 && !v4\)\n\t\t\treturn false;\n||' \
	'datapath_router_tc' \
	'an IPv6 policy routes IPv4 packets'
brk router-smac-kept nf/router/router.bpf.c \
	's|\t\tnfc_set_smac\(c, nh->smac\);|\t\t;|' \
	'datapath_router_tc' \
	'the source MAC is not the router'"'"'s'
brk router-v6-in-v4-table nf/router/router.bpf.c \
	's|return router_lookup\(&c->act.key, routes_id, routes6_id\);|return router_lookup(&c->act.key, routes_id, routes_id);|' \
	'integration-router-tc' \
	'IPv6 destinations looked up in the IPv4 routes'
brk mr-tenant-ignored nf/macrouter/macrouter.bpf.c \
	's|\tk.tenant = c->act.key.tenant;\n||' \
	'integration-macrouter-tc' \
	'one table for every tenant: a tenant'"'"'s routes are not looked up by it'
brk mr-no-decap nf/macrouter/macrouter.bpf.c \
	's|\t\tnfc_decap\(c, from, cfg_vtep\);\n||' \
	'integration-macrouter-tc' \
	'a VXLAN frame routed to an interface keeps its outer headers'
brk mr-vtep-unchecked nf/macrouter/macrouter.bpf.c \
	's#if \(!vt \|\| vt->ifindex != c->key.ifindex\)\n\t\t\treturn nfc_deny\(c, NFC_DROP_SPOOFED, 0\);#if (0)\n\t\t\treturn nfc_deny(c, NFC_DROP_SPOOFED, 0);#' \
	'integration-macrouter-tc' \
	'VXLAN from any VTEP is taken as the tenant'"'"'s'
brk exec-quiet-reported bpf/exec.h \
	's|\(c->act.policy && !\(c->act.flags & NFC_ACT_QUIET\)\)|c->act.policy|' \
	'datapath_flow_tc' \
	'a route'"'"'s counting reported as a decision on every flow'
brk tc-encap-ip-only bpf/exec.h \
	's|\t\tif \(!ip\) \{\n\t\t\tif \(bpf_skb_change_head|\t\tif (0) {\n\t\t\tif (bpf_skb_change_head|' \
	'integration-macrouter-tc' \
	'TC encapsulates IP alone: bpf_skb_adjust_room() refuses other frames'
brk key-default-ignored chain/spec/config.c \
	's|c.keys\[i\].required = i < t->n_key && t->key\[i\].required;|c.keys[i].required = i < t->n_key;|' \
	'integration-macrouter-tc' \
	'a descriptor must name a key field that has a default (tenant)'
brk router-kernel-neigh-ignored nf/router/router.bpf.c \
	's#\|\|\n\t    nh->neigh == ROUTER_NEIGH_KERNEL\)#)#' \
	'integration-router-tc' \
	'a next hop whose neighbour is the kernel'"'"'s looks in the table'
brk router-link-scope-routed nf/router/router.bpf.c \
	's|\tif \(router_link_scope\(&c->act.key\)\)\n\t\treturn NFC_PASS;\n||' \
	'datapath_router_tc|integration-router-tc' \
	'ARP and link-scope IPv6 dropped as not routable: the kernel never resolves its neighbours'
brk unless-first-value-only chain/spec/config.c \
	's|for \(i = 0; i < f->n_unless; i\+\+\)|for (i = 0; i < 1; i++)|' \
	'descriptor_parse' \
	'`unless` with a list of values honours its first alone'
brk flood-uncounted bpf/exec.h \
	's|\t\tnfc_count_ep\(0, out, 1, len\);|\t\t(void)len;|' \
	'integration-switch-tc' \
	'a flood counts out of no port: per-port counters miss every flooded frame'
brk unless-default-ignored manager/runtime/tables.c \
	's|\t\t\tif \(!u && o\)\n\t\t\t\tu = o->def;\n||' \
	'integration-macrouter-tc' \
	'nfctl ignores what the `unless` field defaults to: a forward route needs a vtep'
brk flow-entry-ignores-epoch bpf/flow.h \
	's|epoch && f->epoch == \*epoch &&|epoch \&\&|' \
	'datapath_flow_adv_tc|integration-router-tc' \
	'a flow entry outlives an epoch bump (a MAC move, a VRF table edit): its slot is refilled with the old result'
brk lpm-host-edit-no-bump manager/runtime/lpm.c \
	's|\treturn nfc_flow_epoch_bump\(l->h, err\);|\treturn 0;|' \
	'integration-router-tc' \
	'an edit of a host LPM table (a VPC'"'"'s routes) leaves cached flows on the old next hop'
brk count-as-overrides-decision bpf/nfc.h \
	's|\tif \(c->act.policy && !\(c->act.flags & NFC_ACT_QUIET\)\)\n\t\treturn;\n||' \
	'datapath_flow_tc' \
	'a counting route after a rule takes the rule'"'"'s decision away: unreported, uncounted'
brk router-vrf-ignored nf/router/router.bpf.c \
	's|\tif \(vrf\)\n|\tif (0)\n|' \
	'integration-router-tc' \
	'a VPC with its own tables is routed by the node'"'"'s: VPCs reach each other'
brk router-vrf-v6-by-v4 nf/router/router.bpf.c \
	's|vrf->table, vrf->table6\)|vrf->table, vrf->table)|' \
	'integration-router-tc' \
	'a VPC'"'"'s IPv6 destinations looked up in its IPv4 table'
brk router-policy-miss-stops nf/router/router.bpf.c \
	's|\t\t\tif \(via\)\n\t\t\t\treturn via;|\t\t\treturn via;|' \
	'integration-router-tc' \
	'a policy whose table misses ends the search: no route, where ip-rule goes on'
brk port-vxlan-looked-into bpf/root.h \
	's|port_tenant \? 0 : bpf_htons\(vxlan_port\)|bpf_htons(vxlan_port)|' \
	'datapath_vpc_tc' \
	'an endpoint of a VPC passes for another VPC by sending VXLAN'
brk port-tenant-dropped bpf/root.h \
	's|\tc->key.tenant = port_tenant;\n||' \
	'datapath_vpc_tc' \
	'frames the parser reads are of no VPC on a VPC'"'"'s port'
brk fast-key-no-tenant bpf/root.h \
	's#nfc_ifindex\(pkt\) \| \(__u64\)port_tenant << 32#nfc_ifindex(pkt)#' \
	'datapath_vpc_tc' \
	'the common frame'"'"'s key (and its flow'"'"'s) leaves the port'"'"'s VPC out'
brk encap-no-ip-csum bpf/exec.h \
	's|h->check = ~nfc_csum_fold\(sum\);|h->check = 0;|' \
	'datapath_vpc_tc' \
	'the outer IPv4 header of an encap goes without its checksum'
brk encap-sport-fixed bpf/nfc.h \
	's|\(__u16\)\(nfc_flow_hash\(&c->act.key\) %\n\s+\(65536 - NFC_VXLAN_SPORT_MIN\)\)|0|' \
	'datapath_vpc_tc' \
	'every tunnel flow from one UDP port: the underlay cannot spread them'
brk encap-tc-no-inner-eth bpf/exec.h \
	's|w\[NFC_VXLAN_OVERHEAD / 2 \+ i\] = w\[i\];|;|' \
	'datapath_vpc_tc' \
	'TC makes room for the outer headers but leaves the inner Ethernet header zero'
brk decap-skipped bpf/exec.h \
	's|\tif \(flags & NFC_ACT_DECAP\) \{|\tif (0) {|' \
	'datapath_vpc_tc' \
	'a decapsulated packet leaves with its outer headers'
brk slot-no-tunnel bpf/flow.h \
	's|\t\te->act_tun = f->act.tun;|\t\t;|' \
	'datapath_vpc_tc' \
	'a flow slot serves an encap with a tunnel it never stored'
brk entry-no-tunnel bpf/root.h \
	's|\t\tc->act.tun = a->tun;|\t\t;|' \
	'datapath_vpc_tc' \
	'a flow entry serves an encap without its tunnel'
brk vpc-no-spoof-check nf/vpc/vpc.bpf.c \
	's#\t\tif \(!src \|\| src->ifindex \|\| src->vtep != from\)\n\t\t\treturn nfc_deny\(c, NFC_DROP_SPOOFED, 0\);\n##' \
	'datapath_vpc_tc|integration-vpc-tc' \
	'VXLAN with any inner source is taken, from any VTEP'
brk vpc-any-vtep bpf/exec.h \
	's#\tif \(addrs\[1\] != c->act.tun.daddr\)\n\t\treturn NFC_TUN_TO_OTHER;\n##' \
	'datapath_vpc_tc|integration-vpc-tc' \
	'VXLAN of one VPC is taken at another VPC'"'"'s VTEP'
brk vpc-retunnel nf/vpc/vpc.bpf.c \
	's#\t\tif \(!ep \|\| !ep->ifindex\)#\t\tif (!ep)#' \
	'datapath_vpc_tc' \
	'VXLAN for a remote endpoint is not refused as no-route'
brk vpc-no-malformed nf/vpc/vpc.bpf.c \
	's|\t\t\treturn nfc_deny\(c, NFC_DROP_VXLAN_MALFORMED, 0\);|\t\t\treturn NFC_PASS;|' \
	'datapath_vpc_tc|integration-vpc-tc' \
	'UDP to the VXLAN port that is not VXLAN goes to the underlay host'"'"'s stack'
brk encap-no-mtu-check bpf/exec.h \
	's|\tif \(!r\)\n\t\treturn NFC_TUN_OK;|\treturn NFC_TUN_OK;|' \
	'integration-vpc-tc|integration-vpc-xdp' \
	'a frame too long once encapsulated is sent, and lost without a count'
brk attach-tenant-ignored chain/runtime/attach.c \
	's|r = nfc_obj_set_rodata\(o->obj, "port_tenant", &tenant,|r = nfc_obj_set_rodata(o->obj, "chain_id", \&id,|' \
	'integration-vpc-tc' \
	'an attachment'"'"'s tenant never reaches its root'
brk conflicts-across-netns chain/runtime/txn.c \
	's#if \(\(!o->attach\[j\].netns \|\| !here \|\|\n\t\t\t\t     o->attach\[j\].netns == here\) &&#if (#' \
	'integration-vpc-tc' \
	'an interface of another network namespace with the same ifindex counts as taken'
brk lane-ttl-no-csum bpf/root.h \
	's|\t\t\t\*check = nfc_csum_apply\(\*check,\n\s+nfc_csum_diff16\(old, \*word\)\);|\t\t\t(void)check; (void)old;|' \
	'datapath_flow_adv_xdp|datapath_flow_adv_tc' \
	'the express lane decrements the TTL and leaves the IPv4 checksum as it was'
brk lane-ttl-one bpf/root.h \
	's#if \(!e \|\| \(\(flags & NFC_ACT_TTL_DEC\) && h->ttl <= 1\)\)#if (!e)#' \
	'datapath_flow_adv_xdp|datapath_router_xdp' \
	'the express lane forwards a packet with no hop left (TTL 1 becomes 0)'
brk lane-encap-no-outer bpf/root.h \
	's|\t\tnfc_vxlan_hdrs_put\(vx, &e->act_tun, len\);|\t\t(void)vx;|' \
	'datapath_vpc_xdp' \
	'the express lane makes room for the outer headers and leaves it zero'
brk decap-no-outer-check bpf/exec.h \
	's|\tif \(addrs\[0\] != c->act.tun.saddr\)\n\t\treturn NFC_TUN_FROM_OTHER;\n||' \
	'datapath_vpc_tc|integration-vpc-tc' \
	'a cached decap takes the flow'"'"'s inner frame from any VTEP'
brk vpc-vtep-any-interface nf/vpc/vpc.bpf.c \
	's#if \(!vt \|\| vt->ifindex != k->ifindex\)#if (!vt)#' \
	'datapath_vpc_tc' \
	'a VTEP'"'"'s VXLAN is taken on any interface (an endpoint port with no tenant can send it)'
brk vpc-vlan-allowed nf/vpc/vpc.bpf.c \
	's|\t\treturn nfc_deny\(c, NFC_DROP_VLAN, 0\);|\t\t;|' \
	'datapath_vpc_tc' \
	'a tagged frame goes on into its VPC with its tag'
brk ttl-one-from-cache bpf/flow.h \
	's#return !\(flags & NFC_ACT_TTL_DEC\) \|\| c->ttl > 1;#return true;#' \
	'datapath_router_tc|datapath_flow_adv_tc' \
	'a cached result that decrements the TTL serves a packet with no hop left (the executor drops what the router would hand to the stack)'
brk table-load-no-version manager/runtime/tables.c \
	's|\tr = nfc_chain_bump\(h, chain, err\);\n\tif \(r\) \{\n\t\tconst struct nfc_chain_info \*c = nfc_state__chain\(h->state, chain\);|\tr = 0;\n\tif (r) {\n\t\tconst struct nfc_chain_info *c = nfc_state__chain(h->state, chain);|' \
	'integration-router-tc' \
	'a table load leaves the cached results of the old table in use'
brk table-load-partial manager/runtime/tables.c \
	's|r = nfc_lpm__load_file\(ref.lpm, ref.lpm_id, path, err\);|r = nfc_lpm__load_file(ref.lpm, ref.lpm_id, path, err); r = 0;|' \
	'integration-router-tc' \
	'a failed load is reported as done'
brk table-optional-required manager/runtime/tables.c \
	's|\t\tif \(!v && !f\[i\].required\)\n\t\t\tcontinue; /\* left zero, as in a descriptor \*/\n||' \
	'integration-router-tc' \
	'nfctl nf add requires the fields a manifest leaves optional (a descriptor does not)'
brk table-array-empty-listed manager/runtime/tables.c \
	's|if \(array && all_zero\(|if (0 \&\& all_zero(|' \
	'integration-router-tc' \
	'an array table lists its empty places'
brk table-array-range manager/runtime/tables.c \
	's|if \(places && \*\(__u32 \*\)key >= places\) \{|if (0) {|' \
	'integration-router-tc' \
	'a key past an array table is the kernel'"'"'s E2BIG, not a message naming the table'"'"'s places'
brk gen-frames-as-left bench/gen.bpf.c \
	's|\t\teth->h_dest\[i\] = dst_mac\[i\];\n\t\teth->h_source\[i\] = src_mac\[i\];|\t\t;|' \
	'integration-nfbench' \
	'the live generator sends pages as a forwarder left them (the kernel drops what a router readdressed)'
brk abi-unchecked manager/runtime/object.c \
	's|if \(have.version != want.version\)|if (0)|' \
	'integration-sdk-module' \
	'an object built against another ABI is loaded'
brk btf-unchecked manager/runtime/object.c \
	's|r = check_side\(btf, bpf_map__btf_key_type_id|r = 0; if (0) r = check_side(btf, bpf_map__btf_key_type_id|' \
	'integration-sdk-module' \
	'a manifest table laid out unlike its struct is accepted'

# Flow slots, the per-CPU front of the flow cache, and the inline parser
brk slot-epoch-unchecked bpf/flow.h \
	's#\(s->version \^ version\) \| \(s->epoch \^ epoch\) \|\|#(s->version ^ version) \|\|#' \
	'datapath_flow_adv' \
	'a slot goes on serving a flow userspace flushed'
brk slot-one-way bpf/flow.h \
	's#\tidx \|= 1;\n#\tidx &= ~1U;\n#' \
	'datapath_flow_adv' \
	'the second way of a set is never looked up: two flows of one set take turns at their entries'
brk slot-fill-first-way bpf/flow.h \
	's|\t\tpick = free >= 0 \? free : old;|\t\tpick = 0;|' \
	'datapath_flow_adv' \
	'a slot is always filled in the first way of its set, evicting the flow there'
brk slot-find-one-set bpf/flow.h \
	's|nfc_flow_set_holds\(nfc_flow_set_b\(h\)|nfc_flow_set_holds(nfc_flow_set_a(h)|' \
	'datapath_flow_adv|datapath_flow' \
	'a flow'"'"'s second set of slots is filled but never looked up: its slot there never serves'
brk slot-ways-one-set bpf/nfc_shared.h \
	's|\tway\[2\] = nfc_flow_set_b\(h\);|\tway[2] = way[0];|' \
	'datapath_flow_adv' \
	'a flow has one set of slots: where both serve others hit a moment ago, it stays on its entry'
brk slot-set-b-may-be-a bpf/nfc_shared.h \
	's|\treturn b == nfc_flow_set_a\(h\) \? b \^ 2 : b;|\treturn b;|' \
	'datapath_flow_adv' \
	'a flow whose digest makes its two sets one has two slots, not four'
brk slot-forget-one-set bpf/flow.h \
	's|\tfor \(i = 0; i < NFC_FLOW_SLOT_WAYS; i\+\+\)\n\t\tnfc_flow_slot_forget_one|\tfor (i = 0; i < 2; i++)\n\t\tnfc_flow_slot_forget_one|' \
	'datapath_flow' \
	'a new connection of a 5-tuple whose old slot is in its second set is served by it'
brk slot-fold-no-chain bpf/flow.h \
	's|\t\tif \(ours\)\n\t\t\tnfc_count_chain|\t\tif (0)\n\t\t\tnfc_count_chain|' \
	'datapath_flow_adv' \
	'a fold leaves the hits out of the chain counters'
brk slot-fold-no-rule bpf/flow.h \
	's|\t\tif \(ours && s->act.policy\)\n\t\t\tnfc_count_rule|\t\tif (0)\n\t\t\tnfc_count_rule|' \
	'datapath_flow_adv' \
	'a fold leaves the hits out of the counters of the rule that decided the flow'
brk slot-no-keep bpf/flow.h \
	's|now - s->last_ns < NFC_FLOW_SLOT_KEEP_NS\)|now < s->last_ns)|' \
	'datapath_flow_adv' \
	'a fifth flow of two sets takes a slot another flow hit a moment ago: where more flows than ways take turns, each evicts the next'
brk slot-forget-skipped bpf/flow.h \
	's|\tnfc_flow_slot_forget\(&fk\);\n||' \
	'datapath_flow' \
	'a new connection of a 5-tuple is served by the slot of the old one'
brk slot-forget-this-cpu bpf/flow.h \
	's|&fg->way\[0\], cpu\)\)\n\t\treturn 1; /\* past the last CPU \*/|\&fg->way[0], cpu) \|\| cpu)\n\t\treturn 1; /* past the last CPU */|' \
	'datapath_flow' \
	'a new connection clears the slots of its 5-tuple on CPU 0 alone'
brk slot-hits-unread-ep manager/runtime/slots.c \
	's|\t\t\ts->in_packets \+= v->packets;\n||' \
	'datapath_flow' \
	'readers leave the hits the slots hold out of the endpoint counters'
brk slot-hits-unread-rule manager/runtime/slots.c \
	's|\t\t\ts->packets \+= v->packets;\n\t\t\ts->bytes \+= v->bytes;\n\t\t\}\n\t\}\n\}\n\nvoid nfc_slot_hits_flow|\t\t}\n\t}\n}\n\nvoid nfc_slot_hits_flow|' \
	'datapath_flow' \
	'readers leave the hits the slots hold out of the rule counters'
brk slot-hits-wide-key manager/runtime/slots.c \
	's|if \(e->key.wide && !\*xread\)|if (0 \&\& !*xread)|' \
	'datapath_flow_adv' \
	'readers rebuild an IPv6 slot'"'"'s key without its addresses: its hits count for no flow'
brk slot-hits-any-chain manager/runtime/slots.c \
	's|\*ours = \(__u32\)gens\[zone\] == v->gen;|*ours = true;|' \
	'integration-swap' \
	'the hits of a deleted chain count for the chain made again under its id'
brk slot-fold-any-chain bpf/flow.h \
	's|ours = gen && \*gen == s->gen;|ours = gen != 0;|' \
	'datapath_flow_adv' \
	'a fold counts the hits of a deleted chain for the chain made again under its id'
brk slot-wide-half-compared bpf/flow.h \
	's#return !s->key.wide \|\|#return 1 \|\|#' \
	'datapath_flow_adv' \
	'two IPv6 flows of one slot key (set and address fold) share a slot: one gets the other'"'"'s result'
brk slot-act-key-unkept bpf/flow.h \
	's|\t\te->act_key = f->act.key;|\t\t;|' \
	'datapath_flow_adv' \
	'a slot of a flow whose chain rewrote the key sends it with a key it never had'
brk slot-act-key-unread bpf/root.h \
	's|\tc->act.key = e->act_key;|\tc->act.key = c->key;|' \
	'datapath_flow_adv' \
	'a slot hit of a flow whose chain rewrote the key sends it as parsed'
brk express-never-serves bpf/root.h \
	's|nfc_root_fast_key\(pkt, h, w, 0, chain\);|nfc_root_fast_key(pkt, h, w, 0, 0);|' \
	'datapath_flow_adv' \
	'the express lane makes a key no slot holds: every hit goes the regular way'
brk express-rewrites bpf/root.h \
	's#\(s->act.flags & NFC_ACT_REWRITES\) \|\|##' \
	'datapath_flow_adv' \
	'the express lane serves a flow whose result rewrites, and sends it unrewritten'
brk express-fold-due bpf/root.h \
	's#if \(now >= s->fold_ns \|\| #if (#' \
	'datapath_flow_adv' \
	'the express lane serves a slot due a fold: its hits stay out of the maps, a dead connection is served on'
brk express-tcp-fin bpf/root.h \
	's#\|\| \(h.tcp_flags & NFC_TCP_SLOW\)\)#)#' \
	'datapath_flow_adv|datapath_flow' \
	'the express lane serves TCP FIN and RST: conntrack never sees the connection end'
brk express-v6-off bpf/root.h \
	's|\t\treturn nfc_root_express_hit\(pkt, &h, active, chain, rc\);\n\t}\n\treturn nfc_root_express_hit\(pkt, &h, active, chain, rc\);|\t\treturn nfc_root_express_hit(pkt, \&h, active, chain, rc);\n\t}\n\treturn 0;|' \
	'datapath_flow_adv' \
	'the express lane serves IPv4 frames only: every IPv6 hit goes the regular way'
brk express-clock-unbased bpf/root.h \
	's|\treturn j - nfc_tick_base;|\treturn j;|' \
	'datapath_flow_adv' \
	'the lane'"'"'s clock is the jiffies in ns, not the datapath'"'"'s clock: every slot looks due a fold, the lane never serves'
brk express-clock-late bpf/root.h \
	's|nfc_tick_base = j \+ nfc_tick_ns - nfc_now\(\);|nfc_tick_base = j - nfc_tick_ns - nfc_now();|' \
	'datapath_flow_adv' \
	'the lane'"'"'s clock runs ahead of the datapath'"'"'s: a slot'"'"'s last hit is later than the regular way'"'"'s now'
brk hz-misread manager/runtime/clock.c \
	's|\? \(1000000000ULL \+ hz / 2\) / hz|? (1000000000ULL + hz / 2) / hz * 2|' \
	'datapath_flow_adv' \
	'the tick is taken twice as long as the kernel'"'"'s: the lane'"'"'s clock runs twice as fast as the datapath'"'"'s'
brk live-few-many-flows bench/scn_cache.c \
	's|live_pass\(b, NFB_FLOWS, live_few,|live_pass(b, LIVE_FLOWS, live_few,|' \
	'integration-nfbench' \
	'nfbench'"'"'s second live pass runs as many flows as the first: the cost of the flows'"'"' state is not told from the programs'"'"''
brk gc-ignores-slots manager/runtime/gc.c \
	's|\tnfc_slot_hits_flow\(&p->sh, &g\);\n||' \
	'integration-nfmgrd' \
	'aging takes a flow its slot serves for idle and removes its entry'
brk flush-no-epoch manager/runtime/conn.c \
	's|\tif \(!r && \*removed\)\n\t\tr = nfc_flow_epoch_bump\(h, err\);\n||' \
	'integration-flow' \
	'a flow flush leaves the slots serving the flushed flows'
brk fast-parse-doff bpf/root.h \
	's|doff \* 4 > l4len\)|doff * 4 > l4len + 20)|' \
	'datapath_parse' \
	'the inline parser takes a TCP header longer than its datagram'
brk fast-parse-vxlan bpf/root.h \
	's|\(vxlan_port && \*\(__be16 \*\)\(l4 \+ 2\) ==|(0 \&\& *(__be16 *)(l4 + 2) ==|' \
	'datapath_parse' \
	'the inline parser takes VXLAN for plain UDP'
brk fast-parse-v6-plen bpf/root.h \
	's|tot > len - sizeof\(\*ip6\)\)|tot > len)|' \
	'datapath_parse' \
	'the inline parser takes an IPv6 payload longer than the frame'
brk fast-parse-v6-version bpf/root.h \
	's#\*\(__u8 \*\)ip6 >> 4 != 6 \|\| !tot#!tot#' \
	'datapath_parse' \
	'the inline parser takes any version under the IPv6 ethertype'
brk fast-parse-frag bpf/root.h \
	's#\(ip->frag_off & bpf_htons\(NFC_IP_MF \| NFC_IP_OFFSET\)\)\)#0)#' \
	'datapath_parse' \
	'the inline parser takes a fragment for a whole datagram'

# LPM tables (bpf/lpm.h, manager/runtime/lpm.c, lpm_trie.c)
brk lpm-rank-short bpf/lpm.h \
	's|\(\(2ULL << slot\) - 1\)|((1ULL << slot) - 1)|' \
	'^lpm$' \
	'the datapath counts one bit too few: the walk takes the neighbour child or leaf'
brk lpm-no-default bpf/lpm.h \
	's|\tif \(v == NFC_LPM_NONE\)\n\t\tv = dflt;\n||' \
	'^lpm$' \
	'the datapath ignores the default route'
brk lpm-lens-uncounted manager/runtime/lpm_trie.c \
	's|here = d \+ STRIDE >= len \? 1u << lens_shift\[len - d\] : 0;|here = 0;|' \
	'^lpm$' \
	'a rebuilt node finds no length in its region: the prefixes ending there are lost'
brk lpm-never-deeper manager/runtime/lpm_trie.c \
	's|\*deeper = e->val > ending;|*deeper = false;|' \
	'^lpm$' \
	'a rebuilt node looks for no children: the longer prefixes below it are lost'
brk lpm-lens-overlap manager/runtime/lpm_trie.c \
	's|\{ 0, 0, 2, 5, 9, 14, 20 \}|{ 0, 0, 1, 3, 6, 10, 15 }|' \
	'^lpm$' \
	'per-length counts too narrow: a full length overflows into the next'
brk lpm-userspace-rank manager/runtime/lpm_trie.c \
	's|return __builtin_popcountll\(slot == 63 \? v : v & \(\(2ULL << slot\) - 1\)\);|return __builtin_popcountll(v \& ((1ULL << slot) - 1)) + 1;|' \
	'^lpm$' \
	'copy-on-write updates read the old node wrong'
brk lpm-stale-children manager/runtime/lpm_trie.c \
	's|\t\t\tretire_below\(u, &s->child\[k\]\);\n\t\t\tr = build_probe\(u, d \+ STRIDE, with_slot\(reg, d, k\),\n\t\t\t\t\ts->val\[k\], &s->child\[k\]\);|\t\t\tcontinue;|' \
	'^lpm$' \
	'a short prefix changed: the nodes below it keep the old inherited value'
brk lpm-child-kept manager/runtime/lpm_trie.c \
	's|\t\t\ts->vector &= ~\(1ULL << sp\);\n||' \
	'^lpm$' \
	'the last long prefix under a slot deleted: the slot stays a child node'
brk lpm-run-vs-slot manager/runtime/lpm_trie.c \
	's#if \(first \|\| s->val\[i\] != vals\[n - 1\]\) \{#if (first || s->val[i] != s->val[i - 1]) {#' \
	'^lpm$' \
	'a leaf run is compared with the slot before it, a child, not the leaf before it'
brk lpm-reuse-at-once manager/runtime/lpm.c \
	's|for \(i = 0; i < u->nretired && published; i\+\+\) \{|for (i = 0; i < u->nretired \&\& published; i++) { pool_give(\&l->pool[u->retired[i].kind], u->retired[i].start, u->retired[i].len); continue;|' \
	'^lpm$' \
	'replaced slots are reused before lookups left them (and counted twice)'
brk lpm-load-first-wins manager/runtime/lpm.c \
	's|\t\tif \(i \+ 1 < m && v\[i \+ 1\]\.len == v\[i\]\.len &&|\t\tif (i > 0 \&\& v[i - 1].len == v[i].len \&\& v[i - 1].a.hi == v[i].a.hi \&\& v[i - 1].a.lo == v[i].a.lo)\n\t\t\tcontinue;\n\t\tif (0 \&\& i + 1 < m \&\& v[i + 1].len == v[i].len \&\&|' \
	'^lpm$|lpm-cli' \
	'a prefix loaded twice keeps its first value'
brk lpm-bits-past manager/runtime/lpm.c \
	's#\tif \(a.hi != lpm_mask\(a, p->len\).hi \|\| a.lo != lpm_mask\(a, p->len\).lo\)\n\t\treturn "bits set past the length";\n##' \
	'^lpm$|lpm-cli' \
	'a prefix with host bits is taken as given'
brk lpm-full-unchecked manager/runtime/lpm.c \
	's|if \(!existed && l->hdr\[table\].prefixes >= l->hdr\[table\].capacity\)|if (0)|' \
	'^lpm$|lpm-cli' \
	'a full table takes more prefixes'
brk lpm-file-line manager/runtime/lpm.c \
	's|\t\tlineno\+\+;\n|\t\tlineno += lineno > 1;\n|' \
	'^lpm$|lpm-cli' \
	'errors of a table file name the wrong line'
brk lpm-records-lost manager/runtime/lpm.c \
	's|\t\tr = rec_new\(l, t, p->len, p->addr, p->value, &rec, err\);\n|\t\tr = rec_new(l, t, p->len, p->addr, p->value, \&rec, err);\n\t\tif (!r) lpm_rec(l, rec)->table = 0;\n|' \
	'^lpm$|lpm-cli' \
	'an added prefix is not kept for the next process'
brk lpm-slot-shared chain/runtime/instance.c \
	's|\t\tin->lpm_slot = !in->old->lpm_slot;|\t\tin->lpm_slot = in->old->lpm_slot;|' \
	'integration-lpm-module' \
	'a node loaded anew refills the LPM tables the running generation reads'
brk lpm-tables-outlive-chain chain/runtime/txn.c \
	's|\tnfc_txn_lpm_forget\(h, c\);\n||' \
	'integration-lpm-module' \
	'a deleted chain leaves its instances'"'"' LPM tables behind'
brk lpm-id-wrong-slot chain/runtime/instance.c \
	's|\t\t\t\t\t nfc_lpm_table_index\(n->mod, tb\),\n\t\t\t\t\t in->lpm_slot\);|\t\t\t\t\t nfc_lpm_table_index(n->mod, tb), 0);|' \
	'integration-lpm-module' \
	'the module looks up another slot'"'"'s table than the one filled'
brk lpm-instance-writable manager/runtime/lpm.c \
	's#if \(table < NFC_LPM_INSTANCE_BASE \|\| table >= NFC_LPM_MAX_TABLES \|\|\n\t    l->runtime\)#if (1)#' \
	'integration-lpm-module' \
	'nfctl lpm changes a node instance'"'"'s table behind its chain'
brk lpm-direct-stale manager/runtime/lpm.c \
	's|\tdirect_fill\(l, t, root, a, p->len\);\n||' \
	'^lpm$' \
	'a change leaves the direct array of a big table as it was'
brk lpm-direct-no-walk bpf/lpm.h \
	's|\t\tkey <<= NFC_LPM_DIRECT_BITS;\n|\t\tkey <<= NFC_LPM_DIRECT_BITS - 6;\n|' \
	'^lpm$' \
	'past the direct array the walk reads the wrong bits'
brk lpm-path-unchecked bpf/lpm.h \
	's|if \(\(key \^ n->vector\) >> \(64 - nb\)\) \{|if (0) {|' \
	'^lpm$' \
	'a path node taken without comparing its bits: addresses beside the prefix match it'
brk lpm-skip-one-stride bpf/lpm.h \
	's#\t\thi = hi << bits \| lo >> \(64 - bits\);\n\t\tlo <<= bits;#\t\thi = hi << NFC_LPM_STRIDE | lo >> (64 - NFC_LPM_STRIDE);\n\t\tlo <<= NFC_LPM_STRIDE;#' \
	'^lpm$' \
	'an IPv6 walk past a skip goes on from the wrong bits'
brk lpm-path-any-miss manager/runtime/lpm_trie.c \
	's|if \(is_path\(c\) && path_miss\(c\) == miss &&|if (is_path(c) \&\&|' \
	'^lpm$' \
	'a path folded into its parent whose miss value differs: the slot'"'"'s own prefix is lost'
brk lpm-tail-read-as-miss manager/runtime/lpm_trie.c \
	's|\t\t\t\ts->val\[k\] = old->base1;|\t\t\t\ts->val[k] = path_miss(old);|' \
	'^lpm$' \
	'a change read a short tail as its miss value: its prefix is lost from the new node'
brk lpm-walk-tail-miss manager/runtime/lpm_trie.c \
	's|\t\t\tif \(is_tail\(n\)\)\n\t\t\t\treturn n->base1;|\t\t\tif (is_tail(n))\n\t\t\t\treturn path_miss(n);|' \
	'^lpm$|lpm-cli' \
	'the userspace walk (nfc_lpm__lookup, nfctl lpm lookup) answers a tail with its miss value'
brk lpm-skip-not-retired manager/runtime/lpm_trie.c \
	's|\t\t\tlpm_upd_retire\(u, LPM_NODES, n->base1, 1\);\n\t\t\tretire_below\(u, &c\);|\t\t\tretire_below(u, \&c);|' \
	'^lpm$' \
	'a skip'"'"'s next node is never given back: the store leaks a node per replaced path'
brk lpm-all-miss-tail manager/runtime/lpm_trie.c \
	's|\*out = path_node\(0, 1, true, miss, miss\);|*out = path_node(0, 1, true, NFC_LPM_NONE, miss);|' \
	'^lpm$' \
	'a node whose slots all hold what it inherits answers no match for half its region'
brk lpm-skip-unmarked manager/runtime/lpm_trie.c \
	's|\t\t\tfn\(ctx, LPM_NODES, n.base1, 1\);\n\t\t\tif \(n.base1 < l->pool|\t\t\tif (n.base1 < l->pool|' \
	'^lpm$' \
	'a reopened store takes the node after a skip for free and hands it out again'
brk lpm-load-enomem-kept manager/runtime/lpm.c \
	's|\t\tupd_finish\(&u, false\);\n\t\tnfc_errf\(err, r, "lpm table %u: load: %s"|\t\tupd_finish(\&u, true);\n\t\tnfc_errf(err, r, "lpm table %u: load: %s"|' \
	'^lpm$' \
	'a load that ran out of memory keeps the slots it took: the store leaks'
brk lpm-direct6-bits bpf/lpm.h \
	's|hi >> \(64 - NFC_LPM_DIRECT6_BITS\), &idx,|hi >> (64 - NFC_LPM_DIRECT_BITS), \&idx,|' \
	'^lpm$' \
	'an IPv6 direct array read at the /24 of the address, not its /18'
brk lpm-direct6-no-shift bpf/lpm.h \
	's|\t\tlo <<= NFC_LPM_DIRECT6_BITS;\n||' \
	'^lpm$' \
	'past an IPv6 direct array the walk reads the wrong low bits'
brk lpm-direct-path-above manager/runtime/lpm_trie.c \
	's#return !u->t->dbits \|\| d >= u->t->dbits;#return true;#' \
	'^lpm$' \
	'path nodes above a direct array: its entries are filled from nodes read as plain ones'
brk lpm-direct6-outer manager/runtime/lpm.c \
	's|return l->direct_fd\[t->family == AF_INET6\];|return l->direct_fd[0];|' \
	'^lpm$|lpm-cli' \
	'IPv6 direct arrays put in the IPv4 tables'"'"' outer map'
brk lpm-file-why manager/runtime/lpm.c \
	's|"prefix \x27%s\x27: %s", f\[0\],\n\t\t\t\t       bad\);|"prefix \x27%s\x27: the table is IPv6", f[0]);|' \
	'lpm-cli' \
	'a refused line of a file says the wrong reason'
brk lpm-manifest-any-key manager/spec/manifest_tables.c \
	's#if \(t->lpm_family && \(t->n_key != 1 \|\| t->key\[0\].type != want\)\)#if (0)#' \
	'descriptor_catalog' \
	'an LPM table keyed by anything but its family'"'"'s prefix is accepted'

brk nfbench-keeps-bpffs bench/nfbench.c \
	's|"rm -rf /sys/fs/bpf/nfbench-%d /run/nfbench-%d"|"rm -rf /run/nfbench-%d /run/nfbench-%d"|' \
	'integration-nfbench' \
	'nfbench leaves its bpffs directory behind'
brk nfbench-signal-kept bench/nfbench.c \
	's|\tsigaction\(SIGTERM, &sa, NULL\);\n||' \
	'integration-nfbench' \
	'a SIGTERM stops nfbench before it removes its bpffs directory'
brk bare-flow-never-taken bench/fwd.bpf.c \
	's|\t\ts->out_ifindex = out_ifindex;|\t\ts->out_ifindex = 0;|' \
	'integration-nfbench' \
	'the bare per-flow forwarder redirects nowhere: its figures are of nothing'
brk live-run-time-unread bench/forwarder.c \
	's|\t\tif \(!r && runs1 > runs0\)|\t\tif (0)|' \
	'integration-nfbench' \
	'live_ns_per_run is never read: the figure is missing from the report'

brk count-chain-mask-dropped bpf/nfc.h \
	's|\tbarrier_var\(v\);\n||' \
	'datapath_exec_xdp|datapath_exec_tc' \
	'the compiler drops the verdict index mask: the executor fails to load'
brk exec-frame-null-ctx bpf/exec.h \
	's|\tif \(!c\)\n\t\treturn NFC_FRAME_FAILED;\n\tr = nfc_exec_frame_do|\tr = nfc_exec_frame_do|' \
	'datapath_exec_xdp|datapath_exec_tc' \
	'the global frame rewrite trusts a context the verifier cannot: no load'
brk vxlan-outer-csum bpf/exec.h \
	's#bpf_htons\(64 << 8 \| IPPROTO_UDP\)#bpf_htons(63 << 8 | IPPROTO_UDP)#' \
	'datapath_vpc' \
	'the outer IPv4 checksum of an encapsulation is wrong'
brk flood-cached bpf/flow.h \
	's|if \(c->act.verdict == NFC_V_FLOOD\)\n\t\treturn false;||' \
	'datapath_switch' \
	'a flood is cached: the flow keeps flooding after its address is learned'
brk flood-includes-ingress bpf/exec.h \
	's#BPF_F_BROADCAST \| BPF_F_EXCLUDE_INGRESS#BPF_F_BROADCAST#; s#if \(out && out != in\)#if (out || out == in)#' \
	'integration-switch' \
	'a flood goes back out of the port it came in on'
brk flood-no-group bpf/exec.h \
	's|if \(rc < 0\)\n\t\t\treturn nfc_drop\(pkt, c, NFC_DROP_NO_PORTS\);||' \
	'datapath_switch' \
	'a flood to a domain without ports is not a named drop'
brk switch-no-learning nf/switch/switch.bpf.c \
	's|\t\tlearn\(&k, pk.ifindex, now\);\n||' \
	'datapath_switch|integration-switch' \
	'source addresses are not learned'
brk switch-static-moves nf/switch/switch.bpf.c \
	's|if \(e->kind == SWITCH_FDB_STATIC\)\n\t\treturn;||' \
	'datapath_switch|integration-switch' \
	'learning moves a static FDB entry'
brk switch-move-keeps-cache nf/switch/switch.bpf.c \
	's|\t\tflows_stale\(\);\n||' \
	'datapath_switch' \
	'an address that moved leaves the flows cached toward its old port'
brk switch-never-expires nf/switch/switch.bpf.c \
	's|\(e->kind != SWITCH_FDB_STATIC && e->expires_ns <= now\)|0|' \
	'datapath_switch' \
	'the datapath forwards to a learned address past its expiry'
brk switch-same-port nf/switch/switch.bpf.c \
	's|if \(e->ifindex == pk.ifindex\)|if (0)|' \
	'datapath_switch' \
	'a frame is switched back out of the port it came from'
brk flood-domains-not-synced manager/runtime/tables.c \
	's|\tr = nfc_flood_sync\(h, c, err\);\n\tif \(r\) \{|\tif (r) {|' \
	'integration-switch' \
	'ports edited at run time do not change the flood domains'
brk flood-domains-kept manager/runtime/flood.c \
	's|if \(key / NFC_FLOOD_DOMAINS != chain\)\n\t\t\tcontinue;|continue;|' \
	'integration-switch' \
	'a deleted chain (or domain) keeps its flood domain'
brk fdb-not-aged manager/runtime/gc.c \
	's|if \(at && at < now && !bpf_map_delete_elem\(fd, key\)\)|if (0)|' \
	'integration-switch' \
	'nfmgrd never removes learned FDB entries'
brk fdb-static-aged manager/runtime/gc.c \
	's|if \(at && at < now|if (at < now|' \
	'integration-switch' \
	'nfmgrd ages static FDB entries'

brk arp-reply-payload bpf/exec.h \
	's|\tif \(flags & NFC_ACT_ARP_REPLY\) \{\n\t\tr = nfc_exec_arp\(pkt, c, &w\);|\tif (0) {\n\t\tr = nfc_exec_arp(pkt, c, &w);|' \
	'datapath_switch|integration-switch' \
	'an ARP reply goes out as the request it was, with new MACs'
brk switch-arp-floods nf/switch/switch.bpf.c \
	's|if \(c->key.l3 == NFC_L3_ARP && c->key.proto == 1\)|if (0)|' \
	'datapath_switch|integration-switch' \
	'ARP requests for addresses the switch knows are flooded, not answered'
brk drop-count-unmasked bpf/nfc.h \
	's|\tbarrier_var\(reason\);\n||' \
	'datapath_exec_xdp|datapath_exec_tc' \
	'the compiler drops the drop reason check: programs fail to load'

brk nd-reply-payload bpf/exec.h \
	's|\tif \(flags & NFC_ACT_ND_REPLY\) \{\n\t\tr = nfc_exec_nd\(pkt, c, &w\);|\tif (0) {\n\t\tr = nfc_exec_nd(pkt, c, &w);|' \
	'datapath_switch|integration-switch' \
	'a neighbour advertisement goes out as the solicitation it was'
brk nd-reply-csum bpf/exec.h \
	's|if \(nfc_csum_fix\(pkt, w, w->l4csum, diff, NFC_CSUM_L4\)\)\n\t\treturn NFC_DROP_REWRITE;\n\treturn 0;\n\}\n\nstatic __always_inline int nfc_exec_addr|return 0;\n}\n\nstatic __always_inline int nfc_exec_addr|' \
	'datapath_switch|integration-switch' \
	'the advertisement keeps the solicitation'"'"'s ICMPv6 checksum'
brk switch-nd-dad nf/switch/switch.bpf.c \
	's#!\(s->v6\[0\] \| s->v6\[1\] \| s->v6\[2\] \| s->v6\[3\]\)\)#!s)#' \
	'datapath_switch' \
	'the switch answers duplicate address detection for another host'

brk vpc-no-proxy-arp nf/vpc/vpc.bpf.c \
	's|if \(!tunnelled && vpc_answer\(pkt, c, vk.vni\)\)|if (0 \&\& vpc_answer(pkt, c, vk.vni))|' \
	'datapath_vpc|integration-vpc' \
	'endpoints'"'"' ARP and ND go unanswered: they cannot reach their peers'
brk vpc-answers-strangers nf/vpc/vpc.bpf.c \
	's#if \(!src \|\| src->ifindex != k->ifindex\)\n\t\treturn 0;\n\tfor#if (!src && src)\n\t\treturn 0;\n\tfor#' \
	'datapath_vpc' \
	'ARP from an address of no endpoint on the port is answered'
brk vlan-trunk-unchecked nf/switch/switch.bpf.c \
	's|if \(!port_carries\(pk.ifindex, vlan\)\)|if (0 \&\& !port_carries(pk.ifindex, vlan))|' \
	'datapath_switch|integration-switch-vlan' \
	'a tagged frame of a VLAN its port does not carry is switched'
brk vlan-domain-ignored nf/switch/switch.bpf.c \
	's|\t\t\tk.domain = vlan;|\t\t\tk.domain = p->domain;|' \
	'datapath_switch|integration-switch-vlan' \
	'a trunk'"'"'s tagged frame is switched in the native VLAN, not its own'
brk vlan-out-tag-unset nf/switch/switch.bpf.c \
	's|\t\tnfc_set_vlan\(c, vid\);|\t\t(void)vid;|' \
	'datapath_switch|integration-switch-vlan' \
	'unicast frames leave with the tag they came with, whatever the port wants'
brk vlan-priority-lost bpf/nfc.h \
	's#\t\ttci \|= bpf_ntohs\(k->vlan\[0\]\) & 0xf000;#\t\ttci |= 0;#' \
	'datapath_switch' \
	'a retagged frame loses its priority bits'
brk exec-vlan-xdp-tci bpf/exec.h \
	's|\tw\[ETH_ALEN \+ 1\] = tci;|\tw[ETH_ALEN + 1] = 0;|' \
	'datapath_switch_xdp|integration-switch-vlan-xdp' \
	'XDP pushes a tag without its VLAN id'
brk exec-vlan-tc-nopush bpf/exec.h \
	's|\tif \(want && bpf_skb_vlan_push\(|\tif (0 \&\& want \&\& bpf_skb_vlan_push(|' \
	'integration-switch-vlan-tc' \
	'TC pops but never pushes: trunks get untagged frames'
brk flood-tc-no-trunk-tag bpf/exec.h \
	's|\tif \(nfc_exec_vlan\(pkt, had, true, tci\)\)\n\t\treturn NFC_FLOOD_NO_TAG;\n|\t(void)tci;\n|' \
	'integration-switch-vlan-tc' \
	'a TC flood leaves out of the trunks as it came: untagged from an access port'
brk flood-tc-no-untag bpf/exec.h \
	's|\tif \(l->tagged != ~0ULL\) \{|\tif (0) {|' \
	'integration-switch-vlan-tc' \
	'a TC flood from a trunk leaves the access ports tagged'
brk flood-xdp-untagged bpf/exec.h \
	's#if \(\(had \|\| l->tagged\) &&\n\t\t    nfc_exec_vlan#if (0 &&\n\t\t    nfc_exec_vlan#' \
	'datapath_switch_xdp|integration-switch-vlan-xdp' \
	'an XDP flood is broadcast as it came: trunks get untagged frames'
brk flood-no-untag-prog manager/runtime/flood.c \
	's|\t\t\tv.bpf_prog.fd = untag;|\t\t\tv.bpf_prog.fd = -1;|' \
	'integration-switch-vlan-xdp' \
	'access ports of a domain with trunks get its XDP floods tagged'
brk flood-tagged-bit manager/runtime/flood.c \
	's#\t\t\tg->l.tagged \|= 1ULL << g->l.n;#\t\t\t;#' \
	'integration-switch-vlan' \
	'the runtime marks no port as a trunk: floods leave untagged everywhere'
brk flood-vlan-range manager/runtime/flood.c \
	's#if \(t->flood_tagged && \(!domain \|\| domain > 4094\)\)#if (0)#' \
	'integration-switch-vlan' \
	'a trunk of VLAN 4095 (or 0) is taken'
brk devmap-prog-attach-type manager/runtime/object.c \
	's|\t\t    bpf_program__expected_attach_type\(prog\) == BPF_XDP\)|\t\t    1)|' \
	'integration-switch-vlan-xdp' \
	'the untagging program loses BPF_XDP_DEVMAP: device maps refuse it, XDP chains with trunks do not apply'
brk kernel-watch-no-invalidate manager/runtime/conn.c \
	's|\t\*invalidated = true;\n\treturn nfc_flow_epoch_bump\(h, err\);|\t*invalidated = true;\n\treturn 0;|' \
	'integration-router-tc' \
	'nfmgrd sees the kernel'"'"'s neighbour change, the cached flows keep the old MAC'
brk kernel-watch-mac-ignored manager/nfmgrd/kernel.c \
	's|\t\tif \(memcmp\(e->mac, k.mac, 6\)\) \{|\t\tif (0) {|' \
	'integration-router-tc' \
	'a neighbour whose MAC changes is taken as the same: no invalidation'
brk ptb-none bpf/exec.h \
	's|if \(reason == NFC_DROP_MTU && !nfc_exec_ptb\(pkt, c\)\)|if (0 \&\& !nfc_exec_ptb(pkt, c))|' \
	'integration-vpc' \
	'a datagram too long for the tunnel is dropped silently: TCP at a larger MTU stalls'
brk ptb-mtu-with-eth bpf/exec.h \
	's|\tmtu -= NFC_VXLAN_OVERHEAD;|\tmtu -= NFC_VXLAN_OVERHEAD - ETH_HLEN;|' \
	'integration-vpc' \
	'the MTU told counts the inner Ethernet header as outside the tunnel: 14 bytes too many'
brk ptb-xdp-no-ethertype bpf/exec.h \
	's|\tw\[6\] = bpf_htons\(type\);|\t(void)type;|' \
	'integration-vpc-xdp' \
	'at XDP the error'"'"'s Ethernet type is whatever bytes were there'
brk ptb-icmp-csum bpf/exec.h \
	's|\tw\[18\] = ~nfc_csum_fold\(sum\);|\tw[18] = nfc_csum_fold(sum);|' \
	'integration-vpc' \
	'the ICMP error'"'"'s checksum is wrong: its sender ignores it'
brk ptb-icmp6-csum bpf/exec.h \
	's|\tw\[28\] = ~nfc_csum_fold\(sum\);|\tw[28] = nfc_csum_fold(sum);|' \
	'integration-vpc' \
	'the ICMPv6 error'"'"'s checksum is wrong: its sender ignores it'
brk kernel-watch-unasked manager/runtime/conn.c \
	's|\tif \(!asked\)\n\t\treturn 0;\n\t\*invalidated = true;|\t*invalidated = true;|' \
	'integration-nfmgrd' \
	'every neighbour change invalidates every flow, for chains that never ask the kernel too'
brk xdp-vlan-no-warning chain/runtime/attach.c \
	's|\t\tif \(tagged\)\n\t\t\tnfc_txn_warn|\t\tif (0 \&\& tagged)\n\t\t\tnfc_txn_warn|' \
	'integration-switch-vlan-xdp' \
	'a VLAN-aware chain at XDP says nothing of the tags XDP cannot see'
brk flow-str-no-vlan manager/runtime/conn.c \
	's|\t\tsput\(&s, "vlan %u", ntohs\(k->vlan\[0\]\) & 0xfff\);|\t\t;|' \
	'conn' \
	'nfctl flow list says nothing of a tag pushed'

brk fw-ingress-unjudged nf/firewall/firewall.bpf.c \
	's|\tif \(dst\) \{\n\t\t__builtin_memcpy\(s.w, saddr|\tif (0) {\n\t\t__builtin_memcpy(s.w, saddr|' \
	'datapath_firewall|integration-firewall' \
	'only the source side is judged: the destination'"'"'s ingress rules never deny'
brk fw-side-unnamed nf/firewall/firewall.bpf.c \
	's|return nfc_deny\(c, NFC_DROP_POLICY_INGRESS, s.id\);|return nfc_deny(c, NFC_DROP_POLICY_EGRESS, s.id);|' \
	'datapath_firewall|integration-firewall' \
	'a denial by the destination'"'"'s ingress is reported as the source'"'"'s egress'
brk fw-replies-judged nf/firewall/firewall.bpf.c \
	's|\t\tif \(conn\)\n\t\t\treturn nfc_allow\(c, conn->rule\);|\t\tif (conn \&\& 0)\n\t\t\treturn nfc_allow(c, conn->rule);|' \
	'datapath_firewall|integration-firewall' \
	'replies of an allowed connection are judged by their own direction'"'"'s rules'
brk fw-priority-ignored nf/firewall/firewall.c \
	's|\tif \(x->r.priority != y->r.priority\)\n\t\treturn x->r.priority < y->r.priority \? -1 : 1;\n||' \
	'datapath_firewall' \
	'rules are tried by id, not by priority'
brk fw-prefix-unmasked nf/firewall/firewall.bpf.c \
	's|return !\(\(a \^ p\) >> \(32 - bits\)\);|return a == p;|' \
	'datapath_firewall' \
	'a peer prefix shorter than a word matches its own address only'
brk fw-compile-half nf/firewall/firewall.c \
	's|\tt.gen = !\(gen & 1\);|\tt.gen = gen \& 1;|' \
	'datapath_firewall' \
	'the compile writes the generation in force, entry by entry, under the packets reading it'
brk fw-bad-rule-compiled nf/firewall/firewall.c \
	's|\t\tif \(r->port_end && r->port_end < r->port\) \{|\t\tif (0) {|' \
	'datapath_firewall|integration-firewall' \
	'a port range that ends before it starts is taken (and matches nothing)'

brk fw-tree-cover-dropped nf/firewall/firewall.c \
	's|\t\t\tn = i \+ 1;\n\t\t\tbreak;|\t\t\tn = i;\n\t\t\tbreak;|' \
	'datapath_firewall' \
	'a leaf cut after the rule that covers its region loses that rule'
brk fw-tree-child-span nf/firewall/firewall.c \
	's|\t\t\tif \(c >= f && c <= l\)|\t\t\tif (c > f \&\& c <= l)|' \
	'datapath_firewall' \
	'a rule is left out of the first child its span reaches'
brk fw-tree-descent nf/firewall/firewall.bpf.c \
	's|\(n->shift & 31\)|((n->shift + 1) \& 31)|' \
	'datapath_firewall' \
	'the walk takes its child from the wrong bits of the word'

brk fw-tree-inexact-cover nf/firewall/firewall.c \
	's|\tif \(!b->exact\)\n\t\treturn false;\n||' \
	'datapath_firewall' \
	'a rule of any protocol but some ports is taken to cover its region: the rules after it in the leaf are lost'
brk fw-load-not-undone manager/runtime/tables.c \
	's|\t\tcontent_put\(ref->fd, &old, &new, ref->compiled\);\n||' \
	'integration-firewall' \
	'a loaded rules file that does not compile stays in the table'

brk fw-peer-group-unchecked nf/firewall/firewall.bpf.c \
	's|\tif \(r->groups && !\(r->groups & s->peer_groups\)\)\n\t\treturn 0;\n||' \
	'datapath_firewall|integration-firewall' \
	'a rule about a peer group matches peers of any group'
brk fw-selector-ne nf/firewall/firewall.c \
	's|all &= ne \? !hit : hit;|all \&= hit;|' \
	'datapath_firewall' \
	'key!=value selects the endpoints whose key is that value'
brk fw-members-wrong-gen nf/firewall/firewall.c \
	's|mem\[\(size_t\)t.gen \* FW_ENDPOINTS_MAX \+ i\]|mem[(size_t)!t.gen * FW_ENDPOINTS_MAX + i]|' \
	'datapath_firewall|integration-firewall' \
	'membership is written to the generation in force, not with the rules it goes with'
brk fw-group-rules-dropped nf/firewall/firewall.c \
	's|\t\t\te\[rs->n\+\+\].r.endpoint = ep->id;|\t\t\te[rs->n++].r.endpoint = 0;|' \
	'datapath_firewall|integration-firewall' \
	'a group'"'"'s rules are each member'"'"'s in no set'

brk fw-related-judged nf/firewall/firewall.bpf.c \
	's|\t\tif \(conn\)\n\t\t\treturn nfc_allow\(c, conn->rule\);\n\t\treturn fw_judge|\t\treturn fw_judge|' \
	'datapath_firewall' \
	'an ICMP error about an allowed connection is judged as a connection of its own (path MTU discovery breaks)'
brk fw-stale-conn-kept nf/firewall/firewall.bpf.c \
	's|\tif \(conn && conn->gen == g\)|\tif (conn)|' \
	'datapath_firewall' \
	'replies pass on a connection judged by rules since removed'
brk fw-spoof-unchecked nf/firewall/firewall.bpf.c \
	's|\tif \(src && src->ifindex && src->ifindex != key->ifindex\)|\tif (0 \&\& src)|' \
	'datapath_firewall' \
	'an endpoint'"'"'s address is taken from any interface'
brk fw-nd-judged nf/firewall/firewall.bpf.c \
	's|\tif \(fw_icmp6_link\(key\)\)\n\t\treturn NFC_PASS;\n||' \
	'datapath_firewall' \
	'neighbour discovery is judged as a connection: an endpoint with a deny default loses IPv6'
brk fw-proto0-ports-icmp nf/firewall/firewall.bpf.c \
	's#\tif \(!r->proto && \(r->lo \|\| r->hi != 0xffff\) &&\n\t    !fw_has_ports\(s->w\[4\] >> 16\)\)\n\t\treturn 0;\n##' \
	'datapath_firewall' \
	'a rule of any protocol with ports matches ICMP by its type and code'
brk fw-rule-id-zero nf/firewall/firewall.c \
	's|\tif \(!e->id\) \{|\tif (0) {|' \
	'datapath_firewall' \
	'rule id 0, the no-rule id, is taken'

brk fw-nic-src-ignored nf/firewall/firewall.bpf.c \
	's|\tif \(!src\)\n\t\tsrc = fw_nic\(in\);\n||' \
	'datapath_firewall' \
	'a NIC endpoint'"'"'s traffic is nobody'"'"'s as it comes in'
brk fw-nic-out-ignored nf/firewall/firewall.bpf.c \
	's|\tout = c->act.verdict == NFC_V_REDIRECT \? c->act.out_ifindex : 0;|\tout = 0;|' \
	'datapath_firewall' \
	'the way out an earlier node chose does not make its NIC endpoint the destination'

brk nat-no-alias bpf/ct.h \
	's|\ta = bpf_map_lookup_elem\(&nfc_ct_nat, ck\);\n\tif \(!a\)|\ta = NULL;\n\tif (!a)|' \
	'integration-nat-tc' \
	'conntrack does not know a connection by its translated tuple: translated replies are connections of their own'
brk nat-reply-untranslated nf/nat/nat.bpf.c \
	's|\t\tif \(n->nsaddr != n->osaddr\)\n\t\t\tnat_daddr\(c, n->osaddr\);\n||' \
	'integration-nat-tc' \
	'replies of a source-NATed connection keep the pool address as their destination'
brk nat-tuple-stolen nf/nat/nat.bpf.c \
	's|\t\tif \(old && old->handle != a->alias.handle &&|\t\tif (0 \&\& old \&\& old->handle != a->alias.handle \&\&|' \
	'integration-nat-tc' \
	'a live connection'"'"'s translated tuple is given to the next one'
brk nat-exempt-ignored nf/nat/nat.bpf.c \
	's|\tif \(s.kind == NAT_EXEMPT\)\n\t\treturn 0;\n||' \
	'integration-nat-tc' \
	'an exempt destination is translated all the same'
brk nat-exhaustion-silent nf/nat/nat.bpf.c \
	's|\tif \(!a.found\)\n\t\treturn NFC_DROP_NAT_EXHAUSTED;|\tif (!a.found)\n\t\treturn 0;|' \
	'integration-nat-tc' \
	'an exhausted pool lets the connection out untranslated'
brk nat-quote-unwritten bpf/exec.h \
	's|\tif \(flags & NFC_ACT_QUOTE\) \{\n\t\tr = nfc_exec_quote|\tif (0) {\n\t\tr = nfc_exec_quote|' \
	'integration-nat-tc' \
	'an ICMP error about a translated connection quotes the translated packet: its sender never learns'
brk nat-quote-csum bpf/exec.h \
	's|\tw->region = nfc_csum_add\(w->region, pd\);\n\tif \(nfc_csum_fix\(pkt, w, w->l4csum, pd, NFC_CSUM_L4\)\)\n\t\treturn NFC_DROP_REWRITE;\n||' \
	'integration-nat-tc' \
	'the ICMP checksum does not take the quoted ports'"'"' change'
brk nat-closed-blocks nf/nat/nat.bpf.c \
	's|\tif \(!nat_ct_live\(&k, 0, false\)\)\n\t\tbpf_map_delete_elem\(&nfc_ct, &k\);\n||' \
	'integration-nat-tc' \
	'a timed-out or closed connection of the translated tuple stays in conntrack, before the alias'
brk nat-rules-by-id nf/nat/nat.c \
	's|\tif \(x->r.priority != y->r.priority\)\n\t\treturn x->r.priority < y->r.priority \? -1 : 1;\n||' \
	'integration-nat-tc' \
	'rules are tried by id, not by priority'
brk nat-pool-unchecked nf/nat/nat.c \
	's|\tif \(r->to_port_end && r->to_port_end < r->to_port\) \{|\tif (0) {|' \
	'integration-nat-tc' \
	'a pool whose ports end before they start is taken'
brk nat-masq-pool-src nf/nat/nat.bpf.c \
	's|a.first = bpf_ntohl\(fib_src\);|a.first = bpf_ntohl(s.to);|' \
	'integration-nat-tc' \
	'masquerade takes the rule pool (none), not the source the kernel would send from'
brk nat-masq-unrouted nf/nat/nat.bpf.c \
	's#\t\t\tif \(!fib \|\| !fib_src\)\n\t\t\t\treturn NFC_DROP_NO_ROUTE;#\t\t\tif ((!fib || !fib_src) && 0)\n\t\t\t\treturn NFC_DROP_NO_ROUTE;#' \
	'integration-nat-tc' \
	'masquerade with no route (forwarding off) translates to nothing instead of dropping as no-route'
brk lane-nat-l4csum bpf/root.h \
	's|\tsum = nfc_csum_apply\(\*check, nfc_csum_add\(d3, d4\)\);|\tsum = nfc_csum_apply(*check, nfc_csum_add(d3, 0 * d4));|' \
	'datapath_flow_adv_xdp' \
	'the express lane leaves the ports out of the TCP and UDP checksums'
brk lane-nat-udp-nocsum bpf/root.h \
	's|\tif \(proto == IPPROTO_UDP && !\*check\)\n\t\treturn;\n||' \
	'datapath_flow_adv_xdp' \
	'the express lane gives a UDP datagram sent without a checksum a wrong one'
brk lane-nat-regular bpf/root.h \
	's|\t NFC_ACT_LANE_L34\)\n|\t 0)\n|' \
	'datapath_flow_adv_xdp' \
	'a NAT flow at XDP takes the regular way (108 of its 190 ns cached in nfbench nat)'
brk fw-uncompacted nf/firewall/firewall.c \
	's|\tif \(!n\)\n\t\treturn;\n\tfor \(w = 0; w < FW_WORDS; w\+\+\) \{\n\t\tend =|\tif (t)\n\t\treturn;\n\tfor (w = 0; w < FW_WORDS; w++) {\n\t\tend =|' \
	'datapath_firewall_xdp' \
	'regions are not compacted: nested prefixes take more nodes than the capacity, an IPv4 set 12 levels for nothing'
brk fw-compact-unaligned nf/firewall/firewall.c \
	's|\t\tbase\[w\] \+= \(\(lo - base\[w\]\) >> nb\) << nb;|\t\tbase[w] = lo;|' \
	'datapath_firewall_xdp' \
	'a compacted region starts where its rules do, not on a block the cuts below can address'
brk fw-cut-widest nf/firewall/firewall.c \
	's|\t\t\tbest_k = lo;|\t\t\tbest_k = k;|' \
	'datapath_firewall_xdp' \
	'every cut takes the most bits the space measure allows, where fewer part the rules as well'
brk fw-tcp-invalid-judged nf/firewall/firewall.bpf.c \
	's|\tif \(key->proto == IPPROTO_TCP && \(key->flags & NFC_KEY_F_L4\) &&\n\t    nfc_tcp_flags_invalid\(key->tcp_flags\)\)\n\t\treturn nfc_deny\(c, NFC_DROP_TCP_INVALID, 0\);\n||' \
	'datapath_firewall' \
	'SYN+FIN and other scans are judged as connections and pass where a port is open'
brk ct-tcp-invalid-tracked bpf/ct.h \
	's|\t    nfc_tcp_flags_invalid\(k->tcp_flags\)\) \{|\t    0) {|' \
	'datapath_firewall' \
	'TCP flags no connection sends open connections'
brk fw-frag-judged nf/firewall/firewall.bpf.c \
	's|\tif \(key->flags & NFC_KEY_F_LATER_FRAG\) \{\n\t\tif \(conn\)|\tif (0) {\n\t\tif (conn)|' \
	'datapath_firewall' \
	'a later fragment is judged as a connection to port 0, not as its datagram'
brk ct-frag-unfollowed bpf/root.bpf.c \
	's|\tif \(c->key.flags & NFC_KEY_F_FRAG\)\n\t\tnfc_root_frag\(\);\n||' \
	'datapath_firewall|datapath_flow_adv|integration-nat-tc' \
	'later fragments are no connection'"'"'s: an allowed datagram loses them, a translated one keeps its real addresses'
brk ct-frag-id-ignored bpf/ct.h \
	's|\tfk->id = c->frag_id;|\tfk->id = 0;|' \
	'datapath_firewall|datapath_flow_adv' \
	'fragments of another datagram between the same hosts follow the wrong first fragment'
brk nat-frag-ports nf/nat/nat.bpf.c \
	's|\tif \(c->ct_flags & NFC_CTI_FRAG\)\n\t\treturn NFC_PASS;|\tif (0)\n\t\treturn NFC_PASS;|' \
	'integration-nat-tc' \
	'a later fragment'"'"'s ports are rewritten where it has none: dropped'
brk fw-denied-uncached bpf/flow.h \
	's#\t\t       c->act.reason == NFC_DROP_POLICY_EGRESS \|\|\n\t\t       c->act.reason == NFC_DROP_POLICY_INGRESS \|\|\n##' \
	'datapath_firewall' \
	'a connection the firewall denied runs the chain for every packet (its side-named drops are not cached)'
brk config-sizes-ignored chain/runtime/instance.c \
	's|\tif \(!k->n_sizes\)\n\t\treturn 0;|\tif (1)\n\t\treturn 0;|' \
	'integration-firewall-tc' \
	'a config that sizes maps (the firewall'"'"'s capacity) leaves them as built'
brk fw-stride-constant nf/firewall/firewall.bpf.c \
	's|\t__u32 k = s->gen \* cfg_capacity \+ s->node;|\t__u32 k = s->gen * FW_NODES_MAX + s->node;|' \
	'integration-firewall-tc' \
	'the datapath reads the second generation of a resized instance'"'"'s trees where it is not'
brk fw-children-dealt-wrong nf/firewall/firewall.c \
	's|\t\tfor \(c = f; c <= l; c\+\+\)\n\t\t\tsub\[pos\[c\]\+\+\] = rules\[i\];|\t\tsub[pos[f]++] = rules[i];|' \
	'datapath_firewall' \
	'a rule that spans several children of a cut is dealt to the first only'
brk nat-closed-tuple-reused nf/nat/nat.bpf.c \
	's|\t\t    nat_ct_live\(&old->orig, 0, !a->dst\)\)|\t\t    nat_ct_live(\&old->orig, 0, false))|' \
	'integration-nat-tc' \
	'a closed connection'"'"'s tuple goes to the next connection at once (a peer in TIME_WAIT on it)'
brk fw-peer-unexpanded nf/firewall/firewall.c \
	's|\t\t\t\te\[rs->n\].peer = ep->id;|\t\t\t\te[rs->n].peer = 0;|' \
	'datapath_firewall' \
	'a rule about a peer group is compiled for any peer'
brk fw-peer-unchecked nf/firewall/firewall.bpf.c \
	's|\tif \(r->peer && r->peer != s->w\[5\]\)|\tif (0 \&\& r->peer != s->w[5])|' \
	'datapath_firewall' \
	'a leaf'"'"'s rule about one peer endpoint matches any'
brk fw-groups-capped nf/firewall/firewall.h \
	's|#define FW_GROUPS_MAX 1024 |#define FW_GROUPS_MAX 64 |' \
	'datapath_firewall' \
	'group ids end at 64'
brk nat-aliases-unaged manager/runtime/gc.c \
	's|\tr = alias_forget\(fd\[4\], fd\[0\], &res->aliases_removed\);|\tr = 0;|' \
	'integration-nat-tc' \
	'the translated tuples of connections gone stay for ever'

if $list; then
	for i in "${!names[@]}"; do
		printf '%-24s %-28s %s\n' "${names[$i]}" "${tests[$i]}" "${whys[$i]}"
	done
	exit 0
fi

work=$(mktemp -d /tmp/nfc-breaks.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/src
build=$src/build-breaks
echo "break-check: copying the tree to $src" >&2
mkdir -p "$src"
# tar, not cpio: a fresh Debian image has tar only
(cd "$top" && git ls-files -co --exclude-standard -z |
	tar -c --null -T - -f -) | tar -x -C "$src" -f -
cmake -S "$src" -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

results=()
missed=0
for i in "${!names[@]}"; do
	name=${names[$i]} file=$src/${files[$i]}
	if ((${#only[@]})) && [[ ! " ${only[*]} " =~ " $name " ]]; then
		continue
	fi
	cp "$file" "$work/saved"
	perl -0pi -e "${edits[$i]}" "$file"
	if cmp -s "$file" "$work/saved"; then
		results+=("$(printf '%-24s DOES NOT APPLY (the code moved: update the break)' "$name")")
		missed=$((missed + 1))
		continue
	fi
	echo "break-check: $name: ${whys[$i]}" >&2
	log=$work/$name.log
	if ! cmake --build "$build" -j"$(nproc)" > "$log" 2>&1; then
		if [ "${tests[$i]}" = build ]; then
			verdict="caught: the build fails"
		else
			verdict="DOES NOT BUILD (fix the break: $(grep -m1 -E 'error' "$log"))"
			missed=$((missed + 1))
		fi
	elif [ "${tests[$i]}" = build ]; then
		verdict="NOT CAUGHT: the build passes"
		missed=$((missed + 1))
	else
		if $full; then
			set -- -L 'unit|integration'
		else
			set -- -R "${tests[$i]}"
		fi
		if (cd "$build" && ctest "$@" --timeout 600 >> "$log" 2>&1); then
			verdict="NOT CAUGHT by ${tests[$i]}"
			missed=$((missed + 1))
		else
			verdict="caught: $(grep -oE '^[[:space:]]+[0-9]+ - [^ ]+' "$log" | awk '{print $3}' | paste -sd, -) failed"
		fi
	fi
	results+=("$(printf '%-24s %s' "$name" "$verdict")")
	cp "$work/saved" "$file"
	touch "$file"
done
cmake --build "$build" -j"$(nproc)" >/dev/null 2>&1 || true

echo
printf '%s\n' "${results[@]}"
if ((missed)); then
	echo "break-check: $missed break(s) not caught" >&2
	exit 1
fi
echo "break-check: every break was caught (${#results[@]})"
