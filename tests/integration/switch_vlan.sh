#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# A VLAN-aware switch (1.1.0) on four veths: h1 and h2 access ports of
# VLAN 10, h4 an access port of VLAN 20, h3 a trunk carrying 10 and 20
# tagged (native VLAN 1). Frames are sent and counted raw, tags included
# (this kernel has no 802.1Q devices): each host's counter sees the tag
# the frame arrived with. Broadcasts reach every port of their VLAN but
# the ingress, tagged out of the trunk and untagged out of the access
# ports; a trunk's tagged frame enters the VLAN of its tag; learned
# addresses take their port with the tag that port wants; frames of a VLAN
# their port does not carry (the trunk's 30, a tagged frame on an access
# port) are dropped as vlan-not-member; IP between the access ports of
# VLAN 10 works, VLAN 20 is another segment. The trunk's VLANs change at
# run time; one outside 1..4094 is refused; its native VLAN made 10 takes
# and sends VLAN 10 untagged. At XDP, apply warns of the tags XDP cannot
# see.
# Usage: switch_vlan.sh HOOK   (xdp | tc-ingress)
. "$(dirname "$0")/lib.sh"
hook=${1:-tc-ingress}

for i in 1 2 3 4; do
	nfc_host "$i"
done
[ "$hook" = xdp ] && nfc_xdp_endpoints 1 2 3 4
NOBODY=$(printf '02:00:00:%02x:00:99' "$T")
BCAST=ff:ff:ff:ff:ff:ff

cat > "$WORK/chain.yaml" <<YAML
chain: vl-$TAG
attach:
  - {interface: $HV1, hook: $hook}
  - {interface: $HV2, hook: $hook}
  - {interface: $HV3, hook: $hook}
  - {interface: $HV4, hook: $hook}
entry: sw
nodes:
  - name: sw
    module: switch@1.1.0
    config:
      ports:
        - {interface: $HV1, domain: 10}
        - {interface: $HV2, domain: 10}
        - {interface: $HV3, domain: 1}
        - {interface: $HV4, domain: 20}
      vlans:
        - {interface: $HV3, vlan: 10}
        - {interface: $HV3, vlan: 20}
YAML
"$NFCTL" chain apply "$WORK/chain.yaml" > /dev/null 2> "$WORK/apply.err" ||
	fail "apply: $(cat "$WORK/apply.err")"
if [ "$hook" = xdp ]; then
	grep -q "at xdp the chain sees only the VLAN tags in the frames" "$WORK/apply.err" ||
		fail "no warning about tags XDP cannot see: $(cat "$WORK/apply.err")"
fi
pass "applied ($hook)"

# vflood FROM DST COUNT TAG TRUNKTAG: COUNT frames from host FROM to DST
# tagged TAG ("none": untagged); h3 (the trunk) counts those that arrive
# tagged TRUNKTAG, the others those that arrive untagged ($gotN, and
# $othN: with another tag or none).
vflood() { nfc_l2_frames "$1" "$2" "$3" "$4" none none "$5" none; }
got() { echo "$got1/$got2/$got3/$got4 (others $oth1/$oth2/$oth3/$oth4)"; }
stat() { "$NFCTL" -j stats "vl-$TAG" | json - "j[0]['counters']$1"; }
not_member() { stat "['drops'].get('vlan-not-member', 0)"; }
fdb_port() { # DOMAIN MAC: the interface of its entry, or none
	"$NFCTL" -j nf "vl-$TAG" sw fdb list |
		json - "next((e['interface'] for e in j if e['mac'] == '$2' and str(e['domain']) == '$1'), 'none')"
}

# A broadcast from an access port: the other access port of its VLAN
# untagged, the trunk tagged 10, not VLAN 20's h4, not back to h1.
vflood 1 "$BCAST" 100 none 10
[ "$(got)" = "0/100/100/0 (others 0/0/0/0)" ] || fail "broadcast from h1 (VLAN 10): $(got)"
[ "$(fdb_port 10 "$MAC1")" = "$HV1" ] || fail "h1 not learned in VLAN 10"
pass "broadcast from h1: h2 untagged, the trunk tagged 10, not h4 (VLAN 20)"

# From the trunk: tagged 20 reaches h4 alone, untagged; tagged 10 the
# access ports of 10; untagged frames are the native VLAN's (1: no one
# else), and a VLAN the trunk does not carry goes nowhere, counted.
vflood 3 "$BCAST" 100 20 none
[ "$(got)" = "0/0/0/100 (others 0/0/0/0)" ] || fail "broadcast from the trunk, VLAN 20: $(got)"
[ "$(fdb_port 20 "$MAC3")" = "$HV3" ] || fail "h3 not learned in VLAN 20"
vflood 3 "$BCAST" 100 10 none
[ "$(got)" = "100/100/0/0 (others 0/0/0/0)" ] || fail "broadcast from the trunk, VLAN 10: $(got)"
vflood 3 "$BCAST" 50 none none
[ "$(got)" = "0/0/0/0 (others 0/0/0/0)" ] || fail "untagged from the trunk (native VLAN 1): $(got)"
n0=$(not_member)
vflood 3 "$BCAST" 50 30 none
[ "$(got)" = "0/0/0/0 (others 0/0/0/0)" ] || fail "VLAN 30 from the trunk: $(got)"
[ "$(($(not_member) - n0))" -ge 50 ] || fail "VLAN 30 not counted as vlan-not-member: $((n0)) -> $(not_member)"
pass "from the trunk: VLAN 20 to h4, VLAN 10 to h1 and h2, untagged; native and uncarried VLANs nowhere (vlan-not-member)"

# Unicast to learned addresses: h1 -> h3 leaves the trunk tagged 10; h3's
# frame tagged 10 to h1 arrives untagged; and again (the cached flows).
for round in 1 2; do
	vflood 1 "$MAC3" 80 none 10
	[ "$(got)" = "0/0/80/0 (others 0/0/0/0)" ] || fail "h1 -> h3 (round $round): $(got)"
	vflood 3 "$MAC1" 80 10 none
	[ "$(got)" = "80/0/0/0 (others 0/0/0/0)" ] || fail "h3 -> h1 tagged 10 (round $round): $(got)"
done
pass "unicast across the trunk: tagged out of it, untagged into the access port, the flows' cached frames alike"

# A tagged frame on an access port is not its VLAN's: dropped, counted.
n0=$(not_member)
vflood 1 "$MAC3" 40 10 10
[ "$(got)" = "0/0/0/0 (others 0/0/0/0)" ] || fail "tagged frame on an access port: $(got)"
[ "$(($(not_member) - n0))" -ge 40 ] || fail "not counted as vlan-not-member"
pass "a tagged frame on an access port is dropped (vlan-not-member)"

# IP within VLAN 10 (ARP flooded and learned); none into VLAN 20.
ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "$IP2" > /dev/null || fail "ping h1 -> h2 (VLAN 10)"
nfc_tcp_1mib 1 2
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP4" > /dev/null && fail "h1 reached h4 in VLAN 20"
pass "ICMP and TCP 1 MiB h1 -> h2 in VLAN 10; h4 (VLAN 20) unreachable"

# Run-time edits: the trunk stops carrying 20, then carries it again; a
# VLAN outside 1..4094 is refused and changes nothing.
"$NFCTL" nf "vl-$TAG" sw vlans del interface "$HV3" vlan 20 || fail "vlans del"
vflood 4 "$BCAST" 30 none 20
[ "$(got)" = "0/0/0/0 (others 0/0/0/0)" ] || fail "VLAN 20 without the trunk: $(got)"
"$NFCTL" nf "vl-$TAG" sw vlans add interface "$HV3" vlan 20 || fail "vlans add"
vflood 4 "$BCAST" 30 none 20
[ "$(got)" = "0/0/30/0 (others 0/0/0/0)" ] || fail "VLAN 20 with the trunk again: $(got)"
"$NFCTL" nf "vl-$TAG" sw vlans add interface "$HV3" vlan 4095 2> "$WORK/err" &&
	fail "VLAN 4095 accepted"
grep -q "vlan 4095 is not a VLAN id (1..4094)" "$WORK/err" || fail "error: $(cat "$WORK/err")"
vflood 1 "$BCAST" 30 none 10
[ "$(got)" = "0/30/30/0 (others 0/0/0/0)" ] || fail "after the refused edit: $(got)"
pass "the trunk's VLANs edited at run time re-form the floods; VLAN 4095 refused, nothing changed"

# The trunk's native VLAN made 10: its untagged frames reach VLAN 10's
# access ports, and VLAN 10 leaves it untagged.
"$NFCTL" nf "vl-$TAG" sw ports add interface "$HV3" domain 10 || fail "ports add"
vflood 3 "$BCAST" 30 none none
[ "$(got)" = "30/30/0/0 (others 0/0/0/0)" ] || fail "untagged from the trunk, native VLAN 10: $(got)"
vflood 1 "$BCAST" 30 none none
[ "$(got)" = "0/30/30/0 (others 0/0/0/0)" ] || fail "VLAN 10 to the trunk, its native VLAN: $(got)"
pass "the trunk's native VLAN: untagged both ways"

missed=$(stat '["missed_tail_calls"]')
[ "$missed" = 0 ] || fail "missed tail calls: $missed"
"$NFCTL" chain delete "vl-$TAG" || fail "delete"
pass "deleted"
