#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# A macrouter chain between two namespaces: ICMP, TCP and a non-IP ethertype
# cross it; a drop route and an unknown MAC are dropped and counted by
# reason; the routes table is edited at run time; delete leaves no pins.
# At tc-ingress the endpoints keep their default settings; at xdp they turn
# checksum offload off, which nfctl warns about when the chain is applied.
# Usage: macrouter.sh HOOK   (xdp | tc-ingress)
. "$(dirname "$0")/lib.sh"
hook=${1:-tc-ingress}

nfc_topology 3
[ "$hook" = xdp ] && nfc_xdp_endpoints 1 2 3
cat > "$WORK/chain.yaml" <<YAML
chain: mr-$TAG
attach:
  - {interface: $HV1, hook: $hook}
  - {interface: $HV2, hook: $hook}
  - {interface: $HV3, hook: $hook}
entry: mr
nodes:
$(nfc_mr_node)
        - {mac: "$MAC3", action: drop}
YAML

"$NFCTL" chain apply "$WORK/chain.yaml" > "$WORK/apply.txt" 2> "$WORK/apply.err" || fail "apply: $(cat "$WORK/apply.err")"
grep -qE '^load_ms: [0-9]+\.[0-9]{2}$' "$WORK/apply.txt" || fail "apply output: $(cat "$WORK/apply.txt")"
if [ "$hook" = xdp ]; then
	# one warning per veth, naming the attachment and the fix
	[ "$(grep -c "warning: .*attach\[[0-9]\]: '.*' is a veth.*attach it at tc-ingress" "$WORK/apply.err")" = 3 ] ||
		fail "no warning for xdp on veths: $(cat "$WORK/apply.err")"
else
	[ ! -s "$WORK/apply.err" ] || fail "unexpected output: $(cat "$WORK/apply.err")"
fi
"$NFCTL" -j chain show "mr-$TAG" > "$WORK/show.json"
[ "$(json "$WORK/show.json" 'j["version"]')" = 1 ] || fail "version 1 expected"
[ "$(json "$WORK/show.json" 'j["nodes"][0]["links"]["pass"]')" = pass ] || fail "pass link"
pass "applied ($hook)"

ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping h1 -> h2"
pass "ICMP h1 -> h2"

nfc_tcp_1mib 1 2
pass "TCP 1 MiB h1 -> h2 intact"

# A non-IP ethertype (0x88b5) is routed by MAC as well.
nfc_frames 1 2 0x88b5 500 1000
[ "$sent" = 500 ] && [ "$got" = 500 ] || fail "ethertype 0x88b5: sent $sent, received $got"
pass "non-IP frames: $got of $sent"

# h1 -> h3 hits the drop route: counted as policy drops.
before=$("$NFCTL" -j stats "mr-$TAG" | json - 'j[0]["counters"]["drops"]["policy"]')
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP3" >/dev/null && fail "drop route let ICMP through"
after=$("$NFCTL" -j stats "mr-$TAG" | json - 'j[0]["counters"]["drops"]["policy"]')
[ $((after - before)) -ge 2 ] || fail "policy drops $before -> $after"
pass "drop route: $((after - before)) policy drops"

# The routes table at run time: route h3, then remove h2's route.
"$NFCTL" nf "mr-$TAG" mr routes add mac "$MAC3" interface "$HV3" || fail "routes add"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP3" >/dev/null || fail "h3 unreachable after routes add"
"$NFCTL" -j nf "mr-$TAG" mr routes list > "$WORK/routes.json"
[ "$(json "$WORK/routes.json" 'len(j)')" = 3 ] || fail "3 routes expected"
[ "$(json "$WORK/routes.json" "[r['interface'] for r in j if r['mac']=='$MAC3'][0]")" = "$HV3" ] ||
	fail "route to $MAC3 lists the wrong interface"
"$NFCTL" nf "mr-$TAG" mr routes del mac "$MAC2" || fail "routes del"
before=$("$NFCTL" -j stats "mr-$TAG" | json - 'j[0]["counters"]["drops"]["no-route"]')
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null && fail "deleted route still forwards"
after=$("$NFCTL" -j stats "mr-$TAG" | json - 'j[0]["counters"]["drops"]["no-route"]')
[ $((after - before)) -ge 2 ] || fail "no-route drops $before -> $after"
"$NFCTL" nf "mr-$TAG" mr routes del mac "$MAC2" 2>/dev/null && fail "deleting a missing route succeeded"
"$NFCTL" nf "mr-$TAG" mr routes add mac "zz:00" interface "$HV2" 2>/dev/null && fail "bad MAC accepted"
pass "routes add/del/list at run time"

missed=$("$NFCTL" -j stats "mr-$TAG" | json - 'j[0]["counters"]["missed_tail_calls"]')
[ "$missed" = 0 ] || fail "missed tail calls: $missed"

"$NFCTL" chain delete "mr-$TAG" || fail "delete"
[ -z "$(ls -A "$ULTRANIO_BPFFS/chains" 2>/dev/null)" ] || fail "pins left: $(ls -R "$ULTRANIO_BPFFS/chains")"
[ "$("$NFCTL" -j chain list)" = "[]" ] || fail "chain still listed"
for hv in "$HV1" "$HV2" "$HV3"; do
	if [ "$hook" = xdp ]; then
		ip link show "$hv" | grep -q "prog/xdp" && fail "$hv: XDP program left attached"
	else
		[ -z "$(tc filter show dev "$hv" ingress)" ] || fail "$hv: tc filter left"
	fi
done
pass "delete detached everything and left no pins"
