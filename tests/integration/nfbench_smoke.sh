#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# nfbench runs and reports in its formats: one JSON line per figure with
# the fields every figure must have, a Markdown report, PNG plots. It checks
# no speed: that is nfbench's job, not a test's.
. "$(dirname "$0")/lib.sh"
NFBENCH=$NFC_BUILD/bench/nfbench

# the bpffs directories of nfbench runs, ours removed at its end
pins() {
	local d
	for d in /sys/fs/bpf/nfbench-*; do
		[ ! -e "$d" ] || echo "$d"
	done
}
# the directories in pins.$1 that were not in pins.before: ours (another
# run on the machine may remove its own meanwhile)
new_pins() {
	comm -13 "$WORK/pins.before" "$WORK/pins.$1"
}
# fails if nfbench left directories of its own, removing them first
no_pins_left() { # WHAT
	local d left
	pins > "$WORK/pins.after"
	left=$(new_pins after)
	[ -n "$left" ] || return 0
	for d in $left; do
		rm -rf "$d" "/run/${d##*/}"
	done
	fail "$1 left its bpffs directory: $left"
}
pins > "$WORK/pins.before"
"$NFBENCH" --quick --json "$WORK/r.json" --markdown "$WORK/r.md" --plot "$WORK/plots" hops conntrack cache lpm router vxlan switch firewall nat \
	> "$WORK/stdout.json" 2> "$WORK/progress" || fail "nfbench failed: $(tail -3 "$WORK/progress")"
cmp -s "$WORK/r.json" "$WORK/stdout.json" || fail "--json differs from stdout"
python3 - "$WORK/r.json" <<'PY' || fail "JSON lines"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows, "no figures"
for r in rows:
    assert set(r) == {"scenario", "variant", "metric", "value", "unit", "params"}, r
    assert r["params"]["kernel"] and r["params"]["cpu"], r
    # a step's cost is a difference of two figures: it may come out <= 0;
    # a table below a million prefixes has no direct array
    if r["metric"].endswith("_ns_added"):
        assert r["value"] == r["value"], r
    elif r["metric"] == "direct":
        assert r["value"] >= 0, r
    else:
        assert r["value"] > 0, r
names = {(r["scenario"], r["variant"]) for r in rows}
for v in ("chain-1", "chain-4", "chain-16", "per-hop"):
    assert ("hops", v) in names, v
assert ("floor", "empty-xdp") in names
for hook in ("xdp", "tc"):
    for n in (1, 3, 5):
        for k in ("cached", "uncached", "tailcall"):
            assert ("cache", f"{hook}-{n}-{k}") in names, (hook, n, k)
for v in ("xdp-5-cached", "tc-5-cached", "bare-xdp", "bare-flow-xdp", "linux-bridge",
          "xdp-5-cached-few", "bare-xdp-few", "bare-flow-xdp-few"):
    assert any(r["variant"] == v and r["metric"] == "pps_delivered" for r in rows), v
# the second live pass: as few flows as the BPF_PROG_TEST_RUN half
for r in rows:
    if r["scenario"] == "cache" and r["metric"] == "pps_delivered":
        assert r["params"]["flows"] == (64 if r["variant"].endswith("-few") else 4096), r
# each program's live run time, where one runs at the forwarding side
for v in ("xdp-5-cached", "tc-5-cached", "bare-xdp", "bare-flow-xdp"):
    assert any(r["scenario"] == "cache" and r["variant"] == v and
               r["metric"] == "live_ns_per_run" for r in rows), v
assert not any(r["variant"] == "linux-bridge" and r["metric"] == "live_ns_per_run"
               for r in rows)
assert ("cache-steps", "exec") in names
for v in ("new-conn", "established-1k", "established-1M"):
    assert ("conntrack", v) in names, v
# our LPM tables beside the kernel trie, IPv4 and IPv6, finding what it finds
lpm = {(r["variant"], r["metric"]): r for r in rows if r["scenario"] == "lpm"}
for n in ("1k", "10k", "100k", "1M"):
    for v in (f"kernel-{n}", f"nfc-lpm-{n}"):
        for m in ("lookup", "insert", "add_median", "delete_p99", "bytes_per_prefix"):
            assert (v, m) in lpm, (v, m)
for n in ("1k", "10k", "100k"):
    assert (f"kernel-v6-{n}", "lookup") in lpm, n
    assert (f"nfc-lpm-v6-{n}", "lookup") in lpm, n
for (v, m), r in lpm.items():
    if v.startswith("nfc-lpm-") and m == "lookup":
        assert r["params"]["matches_kernel"] is True, (v, r["params"])
        assert r["params"]["x_kernel"] > 0, v
    if v.startswith("nfc-lpm-") and m in ("trie", "records", "store"):
        assert r["unit"] == "KiB", (v, m)
# the router over growing tables: every frame routed, ratios to 1k
rt = {r["variant"]: r for r in rows if r["scenario"] == "router"}
for v in ("xdp-nop-v4", "xdp-nop-v6", "xdp-v4-1000", "xdp-v4-1000000",
          "xdp-v6-1000", "xdp-v6-1000000"):
    assert v in rt and rt[v]["metric"] == "ns_per_packet", v
for v in ("xdp-v4-1000000", "xdp-v6-1000000"):
    assert rt[v]["params"]["x_1k"] > 0 and "goal_met" in rt[v]["params"], v
    assert rt[v]["params"]["routes"] == 1000000, v
# live: the router chain, the kernel's forwarding and a bare redirect, on
# frames addressed to the router; every frame the chain saw it redirected
live = {r["variant"]: r for r in rows
        if r["scenario"] == "router" and r["metric"] == "pps_delivered"}
for v in ("live-xdp-1000", "live-kernel-1000", "live-bare-xdp-1000"):
    assert v in live and live[v]["value"] > 0, v
p = live["live-xdp-1000"]["params"]
assert p["x_kernel"] > 0 and "goal_met" in p, p
assert p["chain_redirects"] == p["chain_packets"] > 0, p
# not a speed check: a bed whose frames do not reach the kernel's IP layer
# (not addressed to the router) shows as a kernel far below any forwarder
k, bare = live["live-kernel-1000"]["value"], live["live-bare-xdp-1000"]["value"]
assert k > bare / 10, f"kernel forwarding {k:.0f} pps against a bare redirect's {bare:.0f}: frames not for the router?"
# VXLAN: encap and decap beside a nop chain, cache on and off (every frame
# checked redirected and resized before), and live beside the kernel's
# VXLAN device, whose frames h2 counts inside VXLAN
vx = {(r["variant"], r["metric"]): r for r in rows if r["scenario"] == "vxlan"}
for v in ("xdp-encap", "xdp-decap", "xdp-encap-first", "xdp-decap-first"):
    assert "vxlan_ns" in vx[(v, "ns_per_packet")]["params"], v
for v in ("live-vpc-xdp", "live-kernel-vxlan", "live-bare-xdp"):
    assert vx[(v, "pps_delivered")]["value"] > 0, v
p = vx[("live-vpc-xdp", "pps_delivered")]["params"]
assert p["chain_redirects"] == p["chain_packets"] > 0 and "goal_met" in p, p
k = vx[("live-kernel-vxlan", "pps_delivered")]["value"]
bare = vx[("live-bare-xdp", "pps_delivered")]["value"]
assert k > bare / 20, f"the kernel's VXLAN device {k:.0f} pps against a bare redirect's {bare:.0f}: not encapsulating?"
# the switch beside the Linux bridge: every frame it saw switched to h2
sw = {r["variant"]: r for r in rows
      if r["scenario"] == "switch" and r["metric"] == "pps_delivered"}
for v in ("switch-xdp", "switch-tc", "linux-bridge", "bare-xdp"):
    assert v in sw and sw[v]["value"] > 0, v
for v in ("switch-xdp", "switch-tc"):
    p = sw[v]["params"]
    assert p["chain_redirects"] == p["chain_packets"] > 0, (v, p)
    assert p["x_bridge"] > 0 and "goal_met" in p, (v, p)
# the firewall's first packet over growing rule sets: frames allowed and
# denied both, ratios to 10 rules, the goal at 100k
fw = {r["variant"]: r for r in rows if r["scenario"] == "firewall"}
for v in ("xdp-fw-nop", "xdp-fw-10", "xdp-fw-1000", "xdp-fw-10000", "xdp-fw-100000"):
    assert v in fw and fw[v]["metric"] == "ns_per_packet" and fw[v]["value"] > 0, v
for v in ("xdp-fw-1000", "xdp-fw-10000", "xdp-fw-100000"):
    p = fw[v]["params"]
    assert p["x_10"] > 0 and p["compile_ms"] > 0, (v, p)
    assert 0 < p["allowed_frames"] < 64, (v, p)
assert "goal_met" in fw["xdp-fw-100000"]["params"]
# established: the flow cache on, cheaper than a first packet
for v in ("xdp-est-10", "xdp-est-100000"):
    assert fw[v]["params"]["flow_cache"] is True and 0 < fw[v]["value"] < fw["xdp-fw-100000"]["value"], v
# live: the firewall chain with 10k rules, nftables' linear chain and sets
for v in ("live-fw-xdp-10000", "live-nft-linear-10000", "live-nft-sets-10000"):
    assert v in fw and fw[v]["metric"] == "pps_delivered" and fw[v]["value"] > 0, v
p = fw["live-fw-xdp-10000"]["params"]
assert p["chain_redirects"] == p["chain_packets"] > 0, p
assert "goal_met" in p and p["x_nft_linear"] > 0 and p["x_nft_sets"] > 0, p
# nat: a translation's cost per packet, both ways of the cache; live, the
# source-NATing router chain (every frame it saw redirected), nftables'
# masquerade and a bare redirect
nat = {(r["variant"], r["metric"]): r for r in rows if r["scenario"] == "nat"}
for v in ("xdp-nat", "xdp-nat-c"):
    assert "nat_ns" in nat[(v, "ns_per_packet")]["params"], v
for v in ("live-nat-xdp", "live-kernel-nat", "live-bare-xdp"):
    assert nat[(v, "pps_delivered")]["value"] > 0, v
p = nat[("live-nat-xdp", "pps_delivered")]["params"]
assert p["chain_redirects"] == p["chain_packets"] > 0 and "goal_met" in p, p
PY
for s in hops cache conntrack lpm router vxlan switch firewall nat; do
	grep -q "^## $s\$" "$WORK/r.md" || fail "Markdown report: $s"
done
grep -q "× floor" "$WORK/r.md" || fail "ratios in the report"
[ -s "$WORK/plots/hops-ns_per_packet.png" ] || fail "plot"
[ -s "$WORK/plots/cache-ns_per_packet.png" ] || fail "plot: cache"
[ -s "$WORK/plots/lpm-lookup.png" ] || fail "plot: lpm"
grep -q "nfc-lpm-1M" "$WORK/r.md" || fail "Markdown report: lpm variants"
grep -q "round 1/" "$WORK/progress" || fail "progress on stderr"
no_pins_left nfbench

# stopped by a signal in the middle of a scenario, it removes them too
"$NFBENCH" --quick lpm > /dev/null 2> "$WORK/stopped" &
pid=$!
NFC_PIDS+=("$pid")
for ((i = 0; i < 200; i++)); do
	pins > "$WORK/pins.now"
	[ -z "$(new_pins now)" ] || break
	sleep 0.05
done
[ -n "$(new_pins now)" ] || fail "nfbench made no bpffs directory"
sleep 0.5
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 143 ] || fail "nfbench stopped by SIGTERM exited $rc"
grep -q "stopped by signal 15" "$WORK/stopped" || fail "no word of the signal: $(tail -2 "$WORK/stopped")"
no_pins_left "a stopped nfbench"
pass "nfbench: $(wc -l < "$WORK/r.json") figures, report and plot"
