#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# The flow cache on real traffic: a TCP transfer of at least 10,000 packets
# through a 5-node chain at tc-ingress (acl, three nops, macrouter) runs the
# chain for the handshake and the teardown only, the rest on the fast path;
# the same transfer with `flow_cache: false` runs every packet through the
# chain and delivers the same bytes. Then a swap, a re-apply and a flow
# flush during a cached flow: the next packet runs the (new) chain.
. "$(dirname "$0")/lib.sh"
export ULTRANIO_CATALOG=$NFC_BUILD/tests/catalog
C=fl-$TAG
BYTES=${1:-400000000}

nfc_topology 2

# chain CACHE [EXTRA_NODE]: the 5-node chain, with the flow cache on or off
chain() {
	cat <<YAML
chain: $C
flow_cache: $1
attach:
  - {interface: $HV1, hook: tc-ingress}
  - {interface: $HV2, hook: tc-ingress}
entry: acl
nodes:
  - {name: acl, module: acl}
  - {name: n2, module: nop}
  - {name: n3, module: nop}
  - {name: n4, module: nop}
$(nfc_mr_node macrouter@1.0.0)
${2:-}
links:
  - {from: acl, on: pass, to: n2}
  - {from: n2, on: pass, to: n3}
  - {from: n3, on: pass, to: n4}
  - {from: n4, on: pass, to: ${3:-mr}}
${4:-}
YAML
}

# packets that ran the acl node, per connection handle: the largest
ran_max() {
	"$NFCTL" -j nf "$C" acl conns list |
		json - 'max([int(e["packets"]) for e in j] or [0])'
}

counters() {
	"$NFCTL" -j stats "$C" | json - "j[0]['counters']['$1']"
}

# the packets each of the five nodes ran, in hop order
nodes() {
	"$NFCTL" -j chain show "$C" | json - '" ".join(str(n["counters"]["packets"]) for n in j["nodes"])'
}

# one run: TCP to port 5001 allowed by rule 1, BYTES through the chain
transfer() {
	"$NFCTL" nf "$C" acl conns flush >/dev/null 2>&1 || true
	local p0 c0 n0 n1 i
	p0=$(counters packets)
	c0=$(counters cached)
	read -ra n0 <<< "$(nodes)"
	nfc_tcp_stream 1 2 "$BYTES"
	sleep 0.3
	ran=$(ran_max)
	packets=$(( $(counters packets) - p0 ))
	cached=$(( $(counters cached) - c0 ))
	read -ra n1 <<< "$(nodes)"
	hops=()
	for i in 0 1 2 3 4; do
		hops+=($(( n1[i] - n0[i] )))
	done
	rule=$("$NFCTL" -j stats rule | json - \
		"sum(r['packets'] for r in j if r['chain'] == '$C' and r['policy'] == 1)")
}

chain true > "$WORK/on.yaml"
"$NFCTL" chain apply "$WORK/on.yaml" >/dev/null || fail "apply"
"$NFCTL" nf "$C" acl rules add id 1 proto 6 dport 5001 action allow name tcp-5001 >/dev/null ||
	fail "acl rule"

transfer
echo "cache on: $packets packets through the chain, $cached cached; each node ran ${hops[*]} times, the connection $ran; rule 1 counted $rule"
((packets >= 10000)) || fail "only $packets packets: make the transfer bigger"
# SYN, SYN-ACK, the first packet each way after them, a FIN each way,
# and room for a retransmission or two
((ran >= 4 && ran <= 10)) || fail "the connection ran the chain $ran times"
((cached >= packets - 50)) || fail "only $cached of $packets packets took the fast path"
# every hop: the handshake and teardown, and the endpoints' own odd packet
for h in "${hops[@]}"; do
	((h >= 4 && h <= 40)) || fail "a node ran $h times (${hops[*]}) for $packets packets"
done
rule_on=$rule
pass "cached: the chain ran for the handshake and the teardown only"

# the chain's result per flow is listed with its counters
"$NFCTL" -j flow list chain "$C" proto tcp port 5001 > "$WORK/flows.json"
nflows=$(json "$WORK/flows.json" 'len(j)')
fpk=$(json "$WORK/flows.json" 'sum(f["packets"] for f in j)')
[ "$nflows" = 2 ] || fail "expected the 2 flows of the connection, got $nflows"
((fpk >= packets - 50 && fpk <= packets + 10)) || fail "flows counted $fpk of $packets packets"

# the same with the cache off
chain false > "$WORK/off.yaml"
"$NFCTL" chain apply "$WORK/off.yaml" >/dev/null || fail "apply without cache"
transfer
echo "cache off: $packets packets through the chain, $cached cached; each node ran ${hops[*]} times, the connection $ran; rule 1 counted $rule"
[ "$cached" = 0 ] || fail "$cached packets cached with the cache off"
((packets >= 10000)) || fail "only $packets packets"
((ran >= packets - 50)) || fail "the connection ran the chain $ran of $packets times"
# (the counters are read one after the other: a late packet may fall
# between the chain's and the nodes')
for h in "${hops[@]}"; do
	((h >= packets - 50 && h <= packets + 10)) || fail "a node ran $h times (${hops[*]}) for $packets packets"
done
((rule >= rule_on)) || fail "rule 1 counted $rule packets, $rule_on with the cache"
pass "uncached: every packet ran the chain, the same bytes arrived"

# a swap during a cached flow: the next packet runs the new version
"$NFCTL" chain apply "$WORK/on.yaml" >/dev/null || fail "apply"
bg "$TRAFFIC" send --netns "$NS1" --dev eth0 --src "$MAC1" --dst "$MAC2" \
	--ethertype 0x88b5 --run-id 7 --rate 2000 --duration 30
SENDER=$!
sleep 1
hits() {
	"$NFCTL" -j nf "$C" mr hits list 2>/dev/null |
		json - "sum(int(e['frames']) for e in j if e['mac'] == '$MAC2')" 2>/dev/null || echo 0
}
"$NFCTL" chain swap "$C" mr macrouter@1.1.0 >/dev/null || fail "swap"
sleep 0.5
h1=$(hits)
sleep 0.5
h2=$(hits)
echo "after the swap: macrouter 1.1.0 counted $h1, then $h2 frames"
# 1.1.0 counts the frames it routes: it ran once for the flow after the
# swap (a new version's first packet), and the cache serves the rest
((h2 >= 1)) || fail "macrouter 1.1.0 never ran after the swap"
((h2 - h1 <= 2)) || fail "the new version ran for every frame ($h1, then $h2): no cache"
pass "swap: the next packet ran the new chain"

# a re-apply with another node during the same flow (the flow slots that
# serve it from then on fold once a minute: the flush below must not wait
# for that)
"$NFCTL" config set flow-refresh-ms 60000 >/dev/null || fail "config set"
chain true "  - {name: n5, module: nop}" n5 "  - {from: n5, on: pass, to: mr}" > "$WORK/more.yaml"
"$NFCTL" chain apply "$WORK/more.yaml" >/dev/null || fail "re-apply"
sleep 0.5
n5=$("$NFCTL" -j chain show "$C" | json - '[n for n in j["nodes"] if n["name"] == "n5"][0]["counters"]["packets"]')
echo "after the re-apply: the new node n5 ran $n5 times"
((n5 >= 1)) || fail "the re-applied chain never ran"
((n5 <= 5)) || fail "n5 ran $n5 times: no cache after the re-apply"
pass "re-apply: the next packet ran the new chain"

# a flow flush during the same flow: the next packet runs the chain again
n5=$("$NFCTL" -j chain show "$C" | json - '[n for n in j["nodes"] if n["name"] == "n5"][0]["counters"]["packets"]')
"$NFCTL" flow flush chain "$C" >/dev/null || fail "flow flush"
sleep 0.3
n6=$("$NFCTL" -j chain show "$C" | json - '[n for n in j["nodes"] if n["name"] == "n5"][0]["counters"]["packets"]')
echo "after a flow flush: n5 ran $((n6 - n5)) more times"
((n6 - n5 >= 1 && n6 - n5 <= 5)) || fail "after a flow flush n5 ran $((n6 - n5)) times"
"$NFCTL" config set flow-refresh-ms 0 >/dev/null || fail "config set"
pass "flow flush: the next packet ran the chain"

# a chain deleted and made again has the same id and starts again at
# version 1: what the old one cached must not serve it. A chain routes h1's
# frames to h2 (cached); made again without that route, it drops them.
kill "$SENDER" 2>/dev/null || true
"$NFCTL" chain delete "$C" >/dev/null || fail "delete"
# (and the rule counters of its nodes went with it)
[ "$("$NFCTL" -j stats rule | json - 'len(j)')" = 0 ] ||
	fail "rule counters outlived their chain: $("$NFCTL" -j stats rule)"
recreate() {
	cat > "$WORK/again.yaml" <<YAML
chain: $C
attach:
  - {interface: $HV1, hook: tc-ingress}
entry: mr
nodes:
  - name: mr
    module: macrouter
    config:
      default: drop
      routes:
        - {mac: "$MAC1", interface: $HV1}
$1
YAML
	"$NFCTL" chain apply "$WORK/again.yaml" >/dev/null || fail "apply"
	[ "$("$NFCTL" -j chain show "$C" | json - 'j["version"]')" = 1 ] || fail "not version 1"
}
recreate "        - {mac: \"$MAC2\", interface: $HV2}"
nfc_frames 1 2 0x88b5 200 2000
[ "$got" = 200 ] || fail "routed: $got of 200 frames"
"$NFCTL" chain delete "$C" >/dev/null || fail "delete"
recreate ""
nfc_frames 1 2 0x88b5 200 2000
echo "made again without the route: $got of $sent frames arrived"
[ "$got" = 0 ] || fail "the old chain's cached route served the new chain: $got frames"
pass "a chain deleted and made again starts with none of the old one's results"
