#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Re-applying a descriptor is a new version, not a teardown: a changed
# config reloads that node, a changed topology adds a node and keeps the
# unchanged one's program, an identical descriptor loads nothing, and
# traffic never stops.
. "$(dirname "$0")/lib.sh"

nfc_topology 2
write() { # DEFAULT WITH_NOP
	{
		cat <<YAML
chain: re-$TAG
attach:
  - {interface: $HV1, hook: tc-ingress}
  - {interface: $HV2, hook: tc-ingress}
YAML
		if [ "$2" = yes ]; then
			printf 'entry: first\nnodes:\n  - {name: first, module: nop}\n'
		else
			printf 'entry: mr\nnodes:\n'
		fi
		cat <<YAML
$(nfc_mr_node macrouter "$1")
YAML
		if [ "$2" = yes ]; then
			printf 'links:\n  - {from: first, on: pass, to: mr}\n'
		fi
	} > "$WORK/chain.yaml"
}
mr_prog() {
	"$NFCTL" -j chain show "re-$TAG" | json - '[n["prog_id"]["tc"] for n in j["nodes"] if n["name"] == "mr"][0]'
}
apply() { # EXPECT_VERSION EXPECT_LOADED
	"$NFCTL" -j chain apply "$WORK/chain.yaml" > "$WORK/apply.json" || fail "apply"
	[ "$(json "$WORK/apply.json" 'j["version"]')" = "$1" ] || fail "version: $(cat "$WORK/apply.json")"
	[ "$(json "$WORK/apply.json" 'j["programs_loaded"]')" = "$2" ] ||
		fail "programs loaded: $(cat "$WORK/apply.json")"
}

write drop no
apply 1 1
p1=$(mr_prog)
bg ip netns exec "$NS1" ping -c 60 -i 0.05 -W 1 "$IP2" > "$WORK/ping.txt"
ping_pid=${NFC_PIDS[-1]}
sleep 0.3

write pass no          # config change: mr reloaded
apply 2 1
p2=$(mr_prog)
[ "$p2" != "$p1" ] || fail "changed config kept the old program"
pass "config change: version 2, mr reloaded ($p1 -> $p2)"

write pass yes         # topology change: a node in front, mr unchanged
apply 3 1
[ "$(mr_prog)" = "$p2" ] || fail "unchanged mr was reloaded"
"$NFCTL" -j chain show "re-$TAG" > "$WORK/show.json"
[ "$(json "$WORK/show.json" '[n["name"] for n in j["nodes"]]')" = "['first', 'mr']" ] || fail "hop order"
[ "$(json "$WORK/show.json" 'j["nodes"][0]["links"]["pass"]')" = mr ] || fail "link first -> mr"
pass "topology change: version 3, mr kept its program"

apply 4 0              # identical: nothing loaded
pass "identical descriptor: version 4, no program loaded"

write pass no          # the node goes away again
apply 5 0
[ ! -e "$ULTRANIO_BPFFS/chains/re-$TAG/first" ] || fail "removed node's pins left"
pass "removed node unpinned"

wait "$ping_pid" || fail "pings lost: $(tail -2 "$WORK/ping.txt")"
grep -q " 0% packet loss" "$WORK/ping.txt" || fail "loss: $(tail -2 "$WORK/ping.txt")"
pass "traffic never stopped: $(grep -o '[0-9]* received' "$WORK/ping.txt")"

routes() { "$NFCTL" -j nf "re-$TAG" mr routes list | json - 'sorted(r["mac"] for r in j)'; }
want_routes="['$MAC1', '$MAC2']"
gen() { "$NFCTL" -j chain show "re-$TAG" | json - '[n["generation"] for n in j["nodes"] if n["name"] == "mr"][0]'; }

# Pins of the running instance lost (an operator's rm, a crash): the node
# is loaded again with its tables filled from the descriptor, not empty.
rm -rf "$ULTRANIO_BPFFS/chains/re-$TAG/mr/g$(gen)"
apply 6 1
[ "$(routes)" = "$want_routes" ] || fail "routes after lost pins: $(routes)"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping after lost pins"
pass "lost pins: mr loaded again with the descriptor's routes"

# A state file that does not describe what the kernel runs is refused
# before anything is touched (the builder would take a live block).
cp "$ULTRANIO_STATE/state.json" "$WORK/state.v6"
apply 7 0
cp "$WORK/state.v6" "$ULTRANIO_STATE/state.json"
"$NFCTL" chain apply "$WORK/chain.yaml" 2> "$WORK/err" >/dev/null && fail "apply over a stale state"
grep -q "the kernel runs block [0-9]* version 7, the state file says block [0-9]* version 6: the state is stale" "$WORK/err" ||
	fail "stale state: $(cat "$WORK/err")"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping after the refused apply"
"$NFCTL" chain delete "re-$TAG" || fail "delete over a stale state"
[ ! -e "$ULTRANIO_BPFFS/chains/re-$TAG" ] || fail "pins left by the delete"
write pass no
apply 1 1
pass "a stale state is refused; delete and apply recover"

# A node whose module changes is another instance: its counters restart.
# (The endpoints' own traffic, IPv6 router solicitations among it, may
# reach the new instance at once: all it counts, the chain counted since.)
counts() { "$NFCTL" -j chain show "re-$TAG" | json - '"%d %d" % (j["nodes"][0]["counters"]["packets"], j["counters"]["packets"])'; }
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping"
read -r node0 chain0 <<< "$(counts)"
sed -i 's/module: macrouter/module: nop/; /config:/,$d' "$WORK/chain.yaml"
apply 2 1
read -r node1 chain1 <<< "$(counts)"
((node1 <= chain1 - chain0)) ||
	fail "mr became a nop and kept macrouter's counters ($node0 -> $node1; the chain counted $((chain1 - chain0)) since)"
pass "a node of another module starts its counters anew ($node0 -> $node1)"
