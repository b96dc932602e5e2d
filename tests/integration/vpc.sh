#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Two VPCs over VXLAN on two hosts. Each host is a network namespace (hA,
# hB) running a vpc chain; a veth pair between them is the underlay. Each
# host has one endpoint of VPC 100 and one of VPC 200, and the endpoints of
# both VPCs use the same addresses (10.77.0.1 on hA, 10.77.0.2 on hB;
# fd77::1, fd77::2). Host B gives VPC 200 a VTEP address of its own.
#
# What must hold: ICMP, ICMPv6 and TCP (2 MiB, checksummed) between the
# endpoints of one VPC across hosts, their neighbours resolved by ARP and
# ND that the vpc node answers with the gateway's MAC; a capture on every endpoint sees the
# traffic of its own VPC and none of the other's; hostile VXLAN on the
# underlay (a VNI not configured, the VNI flag clear, a VPC's VNI to
# another VPC's VTEP, a source no endpoint has, from a VTEP that is not
# the endpoint's, an inner frame cut short, a runt) is dropped under its
# reason and reaches no endpoint; VXLAN an endpoint sends stays its VPC's
# payload. A datagram too long once encapsulated is dropped and its sender
# told (ICMP fragmentation needed, ICMPv6 packet too big, MTU 1450): an
# endpoint at MTU 1500 learns the path MTU and its TCP gets through.
# Usage: vpc.sh HOOK   (tc-ingress | xdp)
. "$(dirname "$0")/lib.sh"
hook=${1:-tc-ingress}
FRAMES=$(dirname "$0")/vxlan_frames.py
# the chains run in the hosts' namespaces, where `nfctl chain delete`
# needs to be run; the namespaces going is cleanup enough
NFC_FAST_CLEANUP=1
GW=02:00:00:$(printf %02x "$T"):00:fe
VTEP_A=192.168.$T.1
VTEP_B=192.168.$T.2
VTEP_B200=192.168.$T.12

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

for h in A B; do
	ns=nfc-$TAG-$h
	ip netns add "$ns"
	NFC_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	eval "H$h=$ns"
done
ip link add uA netns "$HA" address "02:00:00:$(printf %02x "$T"):0a:01" type veth \
	peer name uB netns "$HB" address "02:00:00:$(printf %02x "$T"):0b:01"
UMAC_A=02:00:00:$(printf %02x "$T"):0a:01
UMAC_B=02:00:00:$(printf %02x "$T"):0b:01
ip -n "$HA" link set uA up
ip -n "$HB" link set uB up

# endpoint X<j>: namespace NS<X><j>, eth0 joined to v<j> in host X
n=0
for h in A B; do
	for j in 1 2; do
		n=$((n + 1))
		ns=nfc-$TAG-$h$j hns=H$h
		m=02:00:00:$(printf %02x "$T"):$(printf %02x $n):0$j
		ip netns add "$ns"
		NFC_NETNS+=("$ns")
		ip -n "${!hns}" link add "v$j" type veth peer name eth0 netns "$ns"
		ip -n "$ns" link set eth0 address "$m" mtu 1450
		ip -n "${!hns}" link set "v$j" mtu 1450 up
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 up
		a=$([ $h = A ] && echo 1 || echo 2) b=$([ $h = A ] && echo 2 || echo 1)
		ip -n "$ns" addr add "10.77.0.$a/24" dev eth0
		ip -n "$ns" -6 addr add "fd77::$a/64" dev eth0 nodad
		# no neighbours configured: the vpc node answers the
		# endpoints' ARP and ND for the VPC's addresses with $GW
		if [ "$hook" = xdp ]; then
			ip netns exec "$ns" ethtool -K eth0 tx off gro on > /dev/null
			ip netns exec "${!hns}" ethtool -K "v$j" gro on > /dev/null
		fi
		eval "NS$h$j=$ns MAC$h$j=$m IP$h$j=10.77.0.$a"
	done
done
if [ "$hook" = xdp ]; then
	ip netns exec "$HA" ethtool -K uA gro on > /dev/null
	ip netns exec "$HB" ethtool -K uB gro on > /dev/null
fi

# chain X: endpoints here by interface, the others behind the other VTEP
chain() {
	local h=$1 o me vtep ovtep ovtep200 umac oumac
	if [ "$h" = A ]; then
		o=B me=1 vtep=$VTEP_A ovtep=$VTEP_B ovtep200=$VTEP_B200 umac=$UMAC_A oumac=$UMAC_B
	else
		o=A me=2 vtep=$VTEP_B ovtep=$VTEP_A ovtep200=$VTEP_A umac=$UMAC_B oumac=$UMAC_A
	fi
	local om1=MAC${o}1 om2=MAC${o}2 m1=MAC${h}1 m2=MAC${h}2 other=$((3 - me))
	cat <<YAML
chain: vpc${h,,}-$TAG
attach:
  - {interface: v1, hook: $hook, tenant: 100}
  - {interface: v2, hook: $hook, tenant: 200}
  - {interface: u$h, hook: $hook}
entry: vpc
nodes:
  - name: vpc
    module: vpc
    config:
      vtep: $vtep
      mac: "$GW"
      vpcs:
        - {vni: 100}
        - {vni: 200$([ "$h" = B ] && echo ", vtep: $VTEP_B200")}
      endpoints:
        - {vni: 100, address: 10.77.0.$me, interface: v1, mac: "${!m1}"}
        - {vni: 200, address: 10.77.0.$me, interface: v2, mac: "${!m2}"}
        - {vni: 100, address: 10.77.0.$other, vtep: $ovtep, mac: "${!om1}"}
        - {vni: 200, address: 10.77.0.$other, vtep: $ovtep200, mac: "${!om2}"}
      endpoints6:
        - {vni: 100, address: "fd77::$me", interface: v1, mac: "${!m1}"}
        - {vni: 200, address: "fd77::$me", interface: v2, mac: "${!m2}"}
        - {vni: 100, address: "fd77::$other", vtep: $ovtep, mac: "${!om1}"}
        - {vni: 200, address: "fd77::$other", vtep: $ovtep200, mac: "${!om2}"}
      vteps:
        - {address: $ovtep, interface: u$h, mac: "$oumac", smac: "$umac"}
YAML
	if [ "$h" = A ]; then
		echo "        - {address: $ovtep200, interface: u$h, mac: \"$oumac\", smac: \"$umac\"}"
	fi
}
for h in A B; do
	hns=H$h
	chain $h > "$WORK/vpc$h.yaml"
	in_ns "${!hns}" "$NFCTL" chain apply "$WORK/vpc$h.yaml" > "$WORK/apply$h.txt" 2>&1 ||
		fail "apply on host $h: $(cat "$WORK/apply$h.txt")"
done
pass "applied ($hook): two hosts, VPCs 100 and 200 on each"

# Captures on every endpoint for what follows.
cap_start() {
	local e ns
	rm -f "$WORK"/cap-* "$WORK/stop"
	for e in A1 A2 B1 B2; do
		ns=NS$e
		bg ip netns exec "${!ns}" python3 "$FRAMES" capture eth0 \
			"$WORK/cap-$e" "$WORK/cap-$e.ready" "$WORK/stop"
		wait_file "$WORK/cap-$e.ready"
	done
}
cap_stop() {
	local e
	touch "$WORK/stop"
	for e in A1 A2 B1 B2; do
		wait_file "$WORK/cap-$e"
	done
}
# cap_count E HEX: frames endpoint E sent or got with HEX in them
cap_count() {
	grep -c "$2" "$WORK/cap-$1" || true
}

cap_start
# VPC 100 pings with one payload pattern, VPC 200 with another: 16 bytes
# each, which the random bytes of the TCP streams below (in the captures
# too) do not make by chance (4 bytes did, once in a few dozen runs)
A1=$(printf 'a1%.0s' {1..16}) B2=$(printf 'b2%.0s' {1..16})
out=$(ip netns exec "$NSA1" ping -c 3 -i 0.2 -W 2 -p "$A1" 10.77.0.2) ||
	fail "VPC 100: ping A1 -> 10.77.0.2: $out"
out=$(ip netns exec "$NSA2" ping -c 3 -i 0.2 -W 2 -p "$B2" 10.77.0.2) ||
	fail "VPC 200: ping A2 -> 10.77.0.2: $out"
out=$(ip netns exec "$NSB1" ping -6 -c 3 -i 0.2 -W 2 -p "$A1" fd77::1) ||
	fail "VPC 100: ping -6 B1 -> fd77::1: $out"
out=$(ip netns exec "$NSB2" ping -6 -c 3 -i 0.2 -W 2 -p "$B2" fd77::1) ||
	fail "VPC 200: ping -6 B2 -> fd77::1: $out"
pass "ICMP and ICMPv6 within VPC 100 and within VPC 200, across hosts"
for ns in "$NSA1" "$NSA2"; do
	ip -n "$ns" neigh show 10.77.0.2 | grep -q "lladdr $GW" ||
		fail "$ns: 10.77.0.2 not resolved to the gateway: $(ip -n "$ns" neigh show 10.77.0.2)"
done
for ns in "$NSB1" "$NSB2"; do
	ip -n "$ns" -6 neigh show fd77::1 | grep -q "lladdr $GW" ||
		fail "$ns: fd77::1 not resolved to the gateway: $(ip -n "$ns" -6 neigh show fd77::1)"
done
pass "the endpoints resolved their peers by ARP and ND, answered by the vpc node with the gateway's MAC"

IPB1=10.77.0.2 nfc_tcp_stream A1 B1 2097152 5001
IPB2=10.77.0.2 nfc_tcp_stream A2 B2 2097152 5002
IPA1=fd77::1 nfc_tcp_stream B1 A1 2097152 5003
pass "TCP 2 MiB in each VPC across hosts (IPv6 from B), intact"

# drops HOST REASON: what host HOST's chain dropped for REASON
drops() {
	local hns=H$1
	in_ns "${!hns}" "$NFCTL" -j stats "vpc${1,,}-$TAG" |
		json - "j[0]['counters']['drops'].get('$2', 0)"
}

# Too long for the underlay once encapsulated (the endpoints' MTU leaves
# room for the 50 bytes of VXLAN; here one's does not): dropped, counted,
# and its sender told with ICMP "packet too big" (fragmentation needed),
# the MTU left inside the tunnel in it; the sender's kernel learns the path
# MTU from it, and TCP (IPv4 and IPv6) gets through with its smaller
# segments.
ip -n "$NSA1" link set eth0 mtu 1500
ip -n "$HA" link set v1 mtu 1500
before=$(drops A mtu-exceeded)
out=$(ip netns exec "$NSA1" ping -c 2 -i 0.2 -W 1 -M do -s 1472 10.77.0.2 2>&1) &&
	fail "a frame longer than the underlay's MTU once encapsulated got through"
grep -q "mtu = 1450" <<< "$out" || fail "no ICMP fragmentation needed (mtu 1450): $out"
after=$(drops A mtu-exceeded)
[ $((after - before)) -ge 1 ] || fail "mtu-exceeded drops $before -> $after"
ip -n "$NSA1" route get 10.77.0.2 | grep -q "mtu 1450" ||
	fail "A1 did not learn the path MTU: $(ip -n "$NSA1" route get 10.77.0.2)"
out=$(ip netns exec "$NSA1" ping -6 -c 2 -i 0.2 -W 1 -M do -s 1452 fd77::2 2>&1) &&
	fail "an IPv6 packet longer than the underlay's MTU once encapsulated got through"
grep -qi "too big.*mtu.*1450" <<< "$out" || fail "no ICMPv6 packet too big (mtu 1450): $out"
# TCP from MSS 1460 both ways (B1 at MTU 1500 too; A1's learnt path MTU
# forgotten): A1's full segments are too long. At XDP only the errors teach
# it the path MTU again; at TC its segments come as GSO skbs, which the
# encap (bpf_skb_adjust_room) makes segment 50 bytes shorter, as the
# kernel's tunnels do: no error is needed.
ip -n "$NSB1" link set eth0 mtu 1500
ip -n "$HB" link set v1 mtu 1500
ip -n "$NSA1" route flush cache
ip -n "$NSA1" -6 route flush cache
ip -n "$NSA1" route get 10.77.0.2 | grep -q "mtu 1450" && fail "A1's path MTU not forgotten"
before=$(drops A mtu-exceeded)
IPB1=10.77.0.2 nfc_tcp_stream A1 B1 1048576 5004
IPB1=fd77::2 nfc_tcp_stream A1 B1 1048576 5005
if [ "$hook" = xdp ]; then
	[ $(($(drops A mtu-exceeded) - before)) -ge 2 ] ||
		fail "TCP's full segments were not too long: $before -> $(drops A mtu-exceeded)"
	ip -n "$NSA1" route get 10.77.0.2 | grep -q "mtu 1450" ||
		fail "A1 did not learn the path MTU from TCP: $(ip -n "$NSA1" route get 10.77.0.2)"
	ip -n "$NSA1" -6 route get fd77::2 | grep -q "mtu 1450" ||
		fail "A1 did not learn the IPv6 path MTU from TCP: $(ip -n "$NSA1" -6 route get fd77::2)"
fi
for ns in "$NSA1" "$NSB1"; do
	ip -n "$ns" link set eth0 mtu 1450
done
ip -n "$HA" link set v1 mtu 1450
ip -n "$HB" link set v1 mtu 1450
pass "too long once encapsulated: dropped (mtu-exceeded), the sender told the MTU (ICMP, ICMPv6); TCP at MTU 1500 gets through ($([ "$hook" = xdp ] && echo "path MTU discovery" || echo "GSO segments made shorter"))"

# Hostile VXLAN, sent from host A's side of the underlay into host B.
hostile() { # CASE DST VNI INNER_SRC OUTER_SRC
	ip netns exec "$HA" python3 "$FRAMES" send uA "$1" "$UMAC_A" "$UMAC_B" \
		"${5:-$VTEP_A}" "$2" "$3" "$4" 10.77.0.2 'HOSTILE!'
}
expect_drop() { # REASON WHAT CASE DST VNI INNER_SRC [OUTER_SRC]
	local reason=$1 what=$2 before after
	shift 2
	before=$(drops B "$reason")
	for _ in 1 2 3; do
		hostile "$@"
	done
	sleep 0.2
	after=$(drops B "$reason")
	[ $((after - before)) -ge 3 ] ||
		fail "$what: $reason drops $before -> $after"
	pass "$what: dropped, $reason"
}
expect_drop vni-unknown "a VNI no VPC has" good "$VTEP_B" 300 10.77.0.1
expect_drop vxlan-malformed "the VNI flag clear" noflag "$VTEP_B" 100 10.77.0.1
expect_drop vtep-mismatch "VPC 200's VNI to VPC 100's VTEP" good "$VTEP_B" 200 10.77.0.1
expect_drop vtep-mismatch "VPC 100's VNI to VPC 200's VTEP" good "$VTEP_B200" 100 10.77.0.1
expect_drop spoofed "an inner source no endpoint has" good "$VTEP_B" 100 10.77.0.9
expect_drop spoofed "an endpoint's source from another VTEP" good "$VTEP_B" 100 10.77.0.1 192.168.$T.9
expect_drop vni-unknown "VNI 0" good "$VTEP_B" 0 10.77.0.1
# a flow the cache holds (decapsulated from host A's VTEP), then the same
# inner flow from another VTEP: the cached decap checks the outer addresses
ip netns exec "$HA" python3 "$FRAMES" send uA good "$UMAC_A" "$UMAC_B" \
	"$VTEP_A" "$VTEP_B" 100 10.77.0.1 10.77.0.2 'LEGITOK!'
ip netns exec "$HA" python3 "$FRAMES" send uA good "$UMAC_A" "$UMAC_B" \
	"$VTEP_A" "$VTEP_B" 100 10.77.0.1 10.77.0.2 'LEGITOK!'
expect_drop spoofed "a cached flow's inner frame from another VTEP" good "$VTEP_B" 100 10.77.0.1 192.168.$T.9
expect_drop malformed "an inner frame cut short" truncated "$VTEP_B" 100 10.77.0.1
expect_drop malformed "a runt" runt "$VTEP_B" 100 10.77.0.1

# VXLAN from an endpoint of VPC 100, its inner frame aimed at VPC 200:
# VPC 100's UDP, which its peer gets as it was sent.
ip netns exec "$NSA1" python3 "$FRAMES" send eth0 good "$MACA1" "$GW" \
	10.77.0.1 10.77.0.2 200 10.77.0.1 10.77.0.2 'OWNVPC!!'
sleep 0.3
cap_stop

HOSTILE=$(printf 'HOSTILE!' | od -An -tx1 | tr -d ' \n')
OWN=$(printf 'OWNVPC!!' | od -An -tx1 | tr -d ' \n')
LEGIT=$(printf 'LEGITOK!' | od -An -tx1 | tr -d ' \n')
for e in A1 B1; do
	[ "$(cap_count $e $A1)" -ge 12 ] || fail "endpoint $e saw $(cap_count $e $A1) frames of its VPC's pings"
	[ "$(cap_count $e $B2)" = 0 ] || fail "endpoint $e (VPC 100) saw VPC 200's pings"
done
for e in A2 B2; do
	[ "$(cap_count $e $B2)" -ge 12 ] || fail "endpoint $e saw $(cap_count $e $B2) frames of its VPC's pings"
	[ "$(cap_count $e $A1)" = 0 ] || fail "endpoint $e (VPC 200) saw VPC 100's pings"
done
for e in A1 A2 B1 B2; do
	[ "$(cap_count $e "$HOSTILE")" = 0 ] || fail "endpoint $e got hostile VXLAN"
done
[ "$(cap_count B1 "$OWN")" -ge 1 ] || fail "VPC 100's own UDP (VXLAN inside) did not reach B1"
[ "$(cap_count B1 "$LEGIT")" -ge 2 ] || fail "VXLAN from host A's VTEP did not reach B1"
[ "$(cap_count B2 "$OWN")" = 0 ] || fail "VXLAN sent from VPC 100 reached VPC 200"
pass "captures: each endpoint saw its VPC's traffic and none of the other's; hostile frames reached none"

# A chain is changed where it runs: from another network namespace (here
# the test's own, where its ifindexes name other interfaces or none) a
# delete is refused and changes nothing.
if out=$("$NFCTL" chain delete "vpca-$TAG" 2>&1); then
	fail "a chain of another network namespace deleted from this one"
fi
grep -q "another network namespace" <<< "$out" || fail "delete elsewhere: $out"
out=$(ip netns exec "$NSA1" ping -c 1 -W 2 10.77.0.2) || fail "host A's chain lost by a refused delete: $out"
pass "changed only in its own network namespace"

for h in A B; do
	hns=H$h
	in_ns "${!hns}" "$NFCTL" chain delete "vpc${h,,}-$TAG" > /dev/null ||
		fail "delete on host $h"
done
pass "deleted"
