#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Hot swap both ways, and what a node keeps:
#  - a route added at run time (nfctl nf ... add) survives downgrades and
#    upgrades (macrouter 1.1.0 <-> 1.0.0) while frames that need it flow:
#    every frame arrives;
#  - the table only 1.1.0 has (hits) is dropped by a downgrade and starts
#    empty after an upgrade;
#  - a swap to a version whose map cannot take over the running one (other
#    max_entries; 1.2.0's routes keyed by tenant too) is refused naming the
#    map and the difference, and changes nothing;
#  - node counters belong to the instance: across swaps and re-applies they
#    equal the chain's, and they restart only when the chain is deleted.
. "$(dirname "$0")/lib.sh"

nfc_topology 3
C=sw2-$TAG
cat > "$WORK/chain.yaml" <<YAML
chain: $C
attach:
  - {interface: $HV1, hook: tc-ingress}
  - {interface: $HV2, hook: tc-ingress}
  - {interface: $HV3, hook: tc-ingress}
entry: mr
nodes:
$(nfc_mr_node macrouter@1.1.0)
YAML

show() { "$NFCTL" -j chain show "$C" > "$WORK/show.json"; }
node() { show; json "$WORK/show.json" "$1"; }
counts() { # node packets, chain packets, chain packets on the fast path
	show
	json "$WORK/show.json" '"%d %d %d" % (j["nodes"][0]["counters"]["packets"], j["counters"]["packets"], j["counters"]["cached"])'
}

"$NFCTL" chain apply "$WORK/chain.yaml" >/dev/null || fail "apply"
[ "$(node 'j["nodes"][0]["version"]')" = 1.1.0 ] || fail "macrouter@1.1.0 runs"
"$NFCTL" nf "$C" mr routes add mac "$MAC3" interface "$HV3" || fail "routes add"
pass "applied at macrouter 1.1.0; route to h3 added at run time"

# frames h1 -> h3 need the run-time route; swap both ways under them
"$TRAFFIC" count --netns "$NS3" --dev eth0 --ethertype 0x88b5 --run-id 9 \
	--ready-file "$WORK/ready" > "$WORK/count.json" &
cpid=$!
NFC_PIDS+=($cpid)
wait_file "$WORK/ready"
"$TRAFFIC" send --netns "$NS1" --dev eth0 --src "$MAC1" --dst "$MAC3" \
	--ethertype 0x88b5 --run-id 9 --rate 20000 --duration 4 > "$WORK/send.json" &
spid=$!
NFC_PIDS+=($spid)
sleep 0.3
for v in 1.0.0 1.1.0 1.0.0 1.1.0 1.0.0 1.1.0; do
	"$NFCTL" -j chain swap "$C" mr "macrouter@$v" > "$WORK/swap.json" ||
		fail "swap to $v"
	[ "$(node 'j["nodes"][0]["version"]')" = "$v" ] || fail "not at $v"
	sleep 0.3
done
wait $spid || fail "sender"
sleep 0.3
kill -INT $cpid
wait $cpid || true
sent=$(json "$WORK/send.json" 'j["sent"]')
got=$(json "$WORK/count.json" 'j["received"]')
[ "$sent" -gt 0 ] && [ "$sent" = "$got" ] || fail "h1 -> h3 across 6 swaps: sent $sent, received $got"
"$NFCTL" -j nf "$C" mr routes list > "$WORK/routes.json"
[ "$(json "$WORK/routes.json" "[r['interface'] for r in j if r['mac'] == '$MAC3']")" = "['$HV3']" ] ||
	fail "run-time route lost: $(cat "$WORK/routes.json")"
pass "6 swaps (3 downgrades, 3 upgrades) under traffic: $got of $sent frames arrived; the run-time route stayed"

read -r n c k <<< "$(counts)"
# the node ran for every packet the cache did not serve: once per flow and
# version at least, and its count must hold them all, across the swaps
[ $((n + k)) = "$c" ] && [ "$c" -ge "$sent" ] && [ "$n" -ge 7 ] ||
	fail "node counted $n packets, the chain $c of which $k cached (sent $sent)"
pass "node counters followed the instance across 6 swaps: $n + $k cached = chain's $c"

# hits: only 1.1.0 has it
"$NFCTL" chain swap "$C" mr macrouter@1.0.0 >/dev/null || fail "downgrade"
"$NFCTL" nf "$C" mr hits list 2> "$WORK/err" && fail "1.0.0 lists hits"
grep -q "has no table 'hits'" "$WORK/err" || fail "hits on 1.0.0: $(cat "$WORK/err")"
"$NFCTL" chain swap "$C" mr macrouter@1.1.0 >/dev/null || fail "upgrade"
[ "$("$NFCTL" -j nf "$C" mr hits list)" = "[]" ] || fail "hits not empty after the upgrade"
"$TRAFFIC" send --netns "$NS1" --dev eth0 --src "$MAC1" --dst "$MAC3" \
	--ethertype 0x88b5 --run-id 10 --rate 1000 --count 10 > /dev/null
# (the node routes the flow's first frame; the flow cache the other nine)
[ "$("$NFCTL" -j nf "$C" mr hits list | json - "[h['frames'] for h in j if h['mac'] == '$MAC3']")" = "['1']" ] ||
	fail "hits after the upgrade: $("$NFCTL" -j nf "$C" mr hits list)"
pass "a downgrade drops the table only 1.1.0 has, an upgrade starts it empty"

# a map that cannot take over the running one: refused, nothing changed
snapshot() {
	show
	json "$WORK/show.json" '[(n["version"], n["generation"], n["prog_id"]) for n in j["nodes"]] + [j["version"]]'
	find "$ULTRANIO_BPFFS" | sort
	cat "$ULTRANIO_STATE/state.json"
}
snapshot > "$WORK/before"
if ULTRANIO_CATALOG=$NFC_BUILD/tests/catalog-small "$NFCTL" chain swap "$C" mr macrouter@0.9.0 2> "$WORK/err"; then
	fail "swap to a smaller routes map accepted"
fi
grep -q "cannot take over map 'routes' of macrouter@1.1.0: max_entries 65536 now, 1024 in the new version" "$WORK/err" ||
	fail "refusal does not name the map and the difference: $(cat "$WORK/err")"
snapshot > "$WORK/after"
diff -u "$WORK/before" "$WORK/after" || fail "the refused swap changed something"
pass "refused: $(cat "$WORK/err")"
"$NFCTL" chain swap "$C" mr macrouter@1.2.0 2> "$WORK/err" && fail "swap to routes of another key accepted"
grep -q "macrouter@1.2.0 lays out table 'routes' differently than macrouter@1.1.0" "$WORK/err" ||
	fail "refusal does not name the table: $(cat "$WORK/err")"
snapshot > "$WORK/after"
diff -u "$WORK/before" "$WORK/after" || fail "the refused swap changed something"
pass "refused: $(cat "$WORK/err")"

# counters survive a re-apply (config changed: fresh maps, same instance)
read -r n0 c0 k0 <<< "$(counts)"
sed -i 's/default: drop/default: pass/' "$WORK/chain.yaml"
"$NFCTL" chain apply "$WORK/chain.yaml" >/dev/null || fail "re-apply"
ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping after re-apply"
read -r n1 c1 k1 <<< "$(counts)"
[ $((n1 + k1)) = "$c1" ] && [ "$n1" -ge $((n0 + 1)) ] && [ "$c1" -ge $((c0 + 6)) ] ||
	fail "after re-apply: node $n1, chain $c1, $k1 cached (were $n0, $c0, $k0)"
pass "a re-apply kept the counters: node $n0 -> $n1, chain $c0 -> $c1"

# ... and restart when the chain is deleted
"$NFCTL" chain delete "$C" || fail "delete"
"$NFCTL" chain apply "$WORK/chain.yaml" >/dev/null || fail "apply after delete"
read -r n2 c2 k2 <<< "$(counts)"
# (the endpoints' own packets, IPv6 router solicitations, may already count)
((n2 <= c2 && c2 < 100)) || fail "a deleted chain's counters came back: node $n2, chain $c2 (were $n1, $c1)"
pass "delete resets the counters"
