#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# A macrouter chain between two namespaces: ICMP, TCP and a non-IP ethertype
# cross it; a drop route and an unknown MAC are dropped and counted by
# reason; the routes table is edited at run time; delete leaves no pins.
# Then 1.2.0's tables per tenant and tunnels: h1 a port of tenant V, whose
# route to a kernel VXLAN device in h4 (VNI V, h4's eth0 its VTEP) goes
# into VXLAN and back out of it decapsulated (non-IP frames, ICMP, TCP
# 1 MiB); h2, of tenant 7, has no route there; VXLAN from h3, no VTEP of
# the table, is spoofed; each route counts what it carried, cached frames
# included.
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

# 1.2.0: tenants and VXLAN
nfc_host 4
[ "$hook" = xdp ] && nfc_xdp_endpoints 4
V=$((4000 + T)) VTEP=10.$T.0.254
VXMAC=$(printf '02:00:00:%02x:01:04' "$T")
HVMAC=$(cat "/sys/class/net/$HV4/address")
ip -n "$NS4" link add vx0 type vxlan id "$V" local "$IP4" remote "$VTEP" dstport 4789
ip -n "$NS4" link set vx0 address "$VXMAC" up
ip -n "$NS4" addr add "192.168.$T.4/24" dev vx0
ip -n "$NS4" neigh replace "$VTEP" lladdr "$HVMAC" dev eth0 nud permanent
ip -n "$NS4" neigh replace "192.168.$T.1" lladdr "$MAC1" dev vx0 nud permanent
# h1 is a tenant's endpoint: its MTU leaves room for the outer headers,
# as the kernel's VXLAN device's does
ip -n "$NS1" link set eth0 mtu 1450
ip -n "$NS1" addr add "192.168.$T.1/24" dev eth0
ip -n "$NS1" neigh replace "192.168.$T.4" lladdr "$VXMAC" dev eth0 nud permanent
cat > "$WORK/tun.yaml" <<YAML
chain: mt-$TAG
attach:
  - {interface: $HV1, hook: $hook, tenant: $V}
  - {interface: $HV2, hook: $hook, tenant: 7}
  - {interface: $HV3, hook: $hook}
  - {interface: $HV4, hook: $hook}
entry: mr
nodes:
  - name: mr
    module: macrouter@1.2.0
    config:
      vtep: $VTEP
      routes:
        - {tenant: $V, mac: "$VXMAC", action: vxlan, vtep: $IP4, id: 1}
        - {tenant: $V, mac: "$MAC1", interface: $HV1, id: 2}
      vteps:
        - {address: $IP4, interface: $HV4, mac: "$MAC4", smac: "$HVMAC"}
YAML
"$NFCTL" chain apply "$WORK/tun.yaml" > /dev/null 2> "$WORK/apply.err" || fail "apply 1.2.0: $(cat "$WORK/apply.err")"
rule() { # rule ID: the packets route ID counted
	"$NFCTL" -j stats rule | json - "sum(r['packets'] for r in j if r['chain'] == 'mt-$TAG' and r['policy'] == $1)"
}
# vx FROM-NS FROM-DEV SRC DST TO-NS TO-DEV: 300 frames of 0x88b5; $got arrived
vx() {
	NFC_RUN_ID=$((NFC_RUN_ID + 1))
	rm -f "$WORK/ready"
	"$TRAFFIC" count --netns "$5" --dev "$6" --ethertype 0x88b5 \
		--run-id "$NFC_RUN_ID" --ready-file "$WORK/ready" > "$WORK/count.json" &
	local cpid=$!
	NFC_PIDS+=($cpid)
	wait_file "$WORK/ready"
	"$TRAFFIC" send --netns "$1" --dev "$2" --src "$3" --dst "$4" --ethertype 0x88b5 \
		--run-id "$NFC_RUN_ID" --rate 2000 --count 300 > /dev/null || fail "send on $1 $2"
	sleep 0.3
	kill -INT $cpid
	wait $cpid || true
	got=$(json "$WORK/count.json" 'j["received"]')
}
cached0=$("$NFCTL" -j stats "mt-$TAG" | json - 'j[0]["counters"]["cached"]')
vx "$NS1" eth0 "$MAC1" "$VXMAC" "$NS4" vx0
[ "$got" = 300 ] || fail "h1 -> VXLAN: $got of 300 frames reached h4's vx0"
[ "$(rule 1)" = 300 ] || fail "route 1 counted $(rule 1) of 300 frames"
vx "$NS4" vx0 "$VXMAC" "$MAC1" "$NS1" eth0
[ "$got" = 300 ] || fail "VXLAN -> h1: $got of 300 frames reached h1"
[ "$(rule 2)" = 300 ] || fail "route 2 counted $(rule 2) of 300 frames"
cached=$("$NFCTL" -j stats "mt-$TAG" | json - 'j[0]["counters"]["cached"]')
((cached - cached0 >= 590)) || fail "the frames did not take the fast path: $cached0 -> $cached cached"
pass "tenant $V: 300 non-IP frames into VXLAN and 300 out of it, each route counting its 300 (cached ones too)"
out=$(ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "192.168.$T.4") || fail "ping over VXLAN: $out"
IP4=192.168.$T.4 nfc_tcp_stream 1 4 1048576
pass "ICMP and TCP 1 MiB h1 <-> h4's VXLAN device"
before=$("$NFCTL" -j stats "mt-$TAG" | json - 'j[0]["counters"]["drops"]["no-route"]')
vx "$NS2" eth0 "$MAC2" "$VXMAC" "$NS4" vx0
[ "$got" = 0 ] || fail "tenant 7 reached tenant $V's tunnel: $got frames"
after=$("$NFCTL" -j stats "mt-$TAG" | json - 'j[0]["counters"]["drops"]["no-route"]')
((after - before >= 300)) || fail "tenant 7's frames: no-route drops $before -> $after"
pass "tenant 7 has no route into tenant $V's tunnel: 300 no-route drops"
# h3 is no VTEP of the vteps table: its VXLAN is spoofed, VNI and all
ip -n "$NS3" link add vx0 type vxlan id "$V" local "$IP3" remote "$VTEP" dstport 4789
ip -n "$NS3" link set vx0 address "$(printf '02:00:00:%02x:01:03' "$T")" up
ip -n "$NS3" neigh replace "$VTEP" lladdr "$(cat "/sys/class/net/$HV3/address")" dev eth0 nud permanent
before=$("$NFCTL" -j stats "mt-$TAG" | json - 'j[0]["counters"]["drops"]["spoofed"]')
vx "$NS3" vx0 "$(printf '02:00:00:%02x:01:03' "$T")" "$MAC1" "$NS1" eth0
[ "$got" = 0 ] || fail "VXLAN from an unknown VTEP reached h1: $got frames"
after=$("$NFCTL" -j stats "mt-$TAG" | json - 'j[0]["counters"]["drops"]["spoofed"]')
((after - before >= 300)) || fail "VXLAN from h3: spoofed drops $before -> $after"
pass "VXLAN of tenant $V from a VTEP not in vteps: 300 spoofed drops"
"$NFCTL" chain delete "mt-$TAG" || fail "delete 1.2.0"
