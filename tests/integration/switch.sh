#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# A switch chain on four veths: h1, h2 and h3 in bridge domain 1, h4 in
# domain 2. No static neighbours: ARP crosses the switch as the
# broadcast it is. Broadcast and unknown-unicast frames reach every port
# of their domain but the ingress, none of the other domain's; learned
# addresses take one port; a static FDB entry wins over learning; nfmgrd
# ages learned entries out (ageing 5 s), after which frames to the
# address flood again; ARP requests and neighbour solicitations for
# addresses of its arp and nd tables are answered by the switch; ICMP and a TCP transfer cross it; delete leaves
# no flood domain behind.
# Usage: switch.sh HOOK   (xdp | tc-ingress)
. "$(dirname "$0")/lib.sh"
hook=${1:-tc-ingress}

for i in 1 2 3 4; do
	nfc_host "$i"
done
[ "$hook" = xdp ] && nfc_xdp_endpoints 1 2 3 4
NOBODY=$(printf '02:00:00:%02x:00:99' "$T")
PINNED=$(printf '02:00:00:%02x:00:98' "$T")
BCAST=ff:ff:ff:ff:ff:ff

cat > "$WORK/chain.yaml" <<YAML
chain: sw-$TAG
attach:
  - {interface: $HV1, hook: $hook}
  - {interface: $HV2, hook: $hook}
  - {interface: $HV3, hook: $hook}
  - {interface: $HV4, hook: $hook}
entry: sw
nodes:
  - name: sw
    module: switch
    config:
      ageing: 5
      ports:
        - {interface: $HV1, domain: 1}
        - {interface: $HV2, domain: 1}
        - {interface: $HV3, domain: 1}
        - {interface: $HV4, domain: 2}
YAML
"$NFCTL" chain apply "$WORK/chain.yaml" > /dev/null 2> "$WORK/apply.err" ||
	fail "apply: $(cat "$WORK/apply.err")"
pass "applied ($hook)"

# flood FROM DST COUNT: COUNT untagged frames from host FROM to DST;
# $got1..$got4: how many each host received.
flood() { nfc_l2_frames "$@"; }
stat() { "$NFCTL" -j stats "sw-$TAG" | json - "j[0]['counters']$1"; }
fdb() { "$NFCTL" -j nf "sw-$TAG" sw fdb list; }
# fdb_port MAC: the interface of MAC's entry in domain 1, or "none"
fdb_port() {
	fdb | json - "next((e['interface'] + ' ' + e['kind'] for e in j if e['mac'] == '$1' and str(e['domain']) == '1'), 'none')"
}

# out_of: each port's frames out (endpoint counters), h1's to h4's
out_of() {
	"$NFCTL" -j stats endpoint | json - "' '.join(str(next((e['out']['packets'] for e in j if e['interface'] == p), 0)) for p in '$HV1 $HV2 $HV3 $HV4'.split())"
}

# Broadcast from h1: h2 and h3, not h1 itself, not h4 (domain 2); each
# port that sent it counts it out.
read -r o1 o2 o3 o4 <<< "$(out_of)"
flood 1 "$BCAST" 200
[ "$got1/$got2/$got3/$got4" = "0/200/200/0" ] ||
	fail "broadcast from h1: h1..h4 received $got1/$got2/$got3/$got4 of 200"
[ "$(stat '["verdicts"]["flood"]')" -ge 200 ] || fail "floods not counted"
[ "$(fdb_port "$MAC1")" = "$HV1 learned" ] || fail "h1 not learned: $(fdb)"
read -r n1 n2 n3 n4 <<< "$(out_of)"
((n2 - o2 >= 200 && n3 - o3 >= 200 && n1 - o1 < 200 && n4 - o4 < 200)) ||
	fail "ports' out counters: $o1 $o2 $o3 $o4 -> $n1 $n2 $n3 $n4"
pass "broadcast: flooded to h2 and h3 (200 each, counted out of their ports), not back to h1, not to domain 2; h1 learned on $HV1"

# Unknown unicast floods the same way; once h2 has spoken (its own IPv6
# neighbour discovery may have been first), frames to it take its port
# alone.
flood 1 "$NOBODY" 100
[ "$got1/$got2/$got3/$got4" = "0/100/100/0" ] ||
	fail "unknown unicast: h1..h4 received $got1/$got2/$got3/$got4 of 100"
flood 2 "$MAC1" 50
[ "$got1/$got2/$got3/$got4" = "50/0/0/0" ] ||
	fail "h2 -> learned h1: h1..h4 received $got1/$got2/$got3/$got4 of 50"
flood 1 "$MAC2" 100
[ "$got1/$got2/$got3/$got4" = "0/100/0/0" ] ||
	fail "h1 -> learned h2: h1..h4 received $got1/$got2/$got3/$got4 of 100"
pass "unknown unicast flooded; learned addresses take their port alone"

# ICMP and TCP with ARP through the switch; domain 2 is another segment.
ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "$IP3" > /dev/null || fail "ping h1 -> h3"
nfc_tcp_1mib 1 2
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP4" > /dev/null && fail "h1 reached h4 in another domain"
pass "ICMP h1 -> h3, TCP 1 MiB h1 -> h2 intact; h4 (domain 2) unreachable"

# A static entry wins: h3's address pinned to h2's port stays there when
# h3 speaks, and frames to it go to h2; deleted, h3 is learned again.
"$NFCTL" nf "sw-$TAG" sw fdb add domain 1 mac "$MAC3" interface "$HV2" || fail "fdb add"
flood 3 "$MAC1" 20
[ "$(fdb_port "$MAC3")" = "$HV2 static" ] || fail "learning moved a static entry: $(fdb)"
flood 1 "$MAC3" 50
[ "$got2/$got3" = "50/0" ] || fail "static entry: h2/h3 received $got2/$got3 of 50"
"$NFCTL" nf "sw-$TAG" sw fdb del domain 1 mac "$MAC3" || fail "fdb del"
flood 3 "$MAC1" 20
[ "$(fdb_port "$MAC3")" = "$HV3 learned" ] || fail "h3 not learned after the static entry went: $(fdb)"
flood 1 "$MAC3" 50
[ "$got2/$got3" = "0/50" ] || fail "after delete: h2/h3 received $got2/$got3 of 50"
pass "a static entry wins over learning; deleted, the address is learned where it is"

# ARP answered by the switch: an address only the arp table knows gets
# h1 a reply with the table's MAC (nobody else has it).
GHOST=10.$T.0.77
"$NFCTL" nf "sw-$TAG" sw arp add domain 1 address "$GHOST" mac "$NOBODY" || fail "arp add"
tx0=$(stat '["verdicts"]["tx"]')
ip netns exec "$NS1" ping -c 1 -W 1 "$GHOST" > /dev/null 2>&1 || true
ip -n "$NS1" neigh show "$GHOST" | grep -q "lladdr $NOBODY" ||
	fail "h1 has no answer for $GHOST: $(ip -n "$NS1" neigh show "$GHOST")"
[ "$(stat '["verdicts"]["tx"]')" -gt "$tx0" ] || fail "the ARP reply was not counted as tx"
pass "ARP request for $GHOST answered by the switch with $NOBODY"
GHOST6=fd00:$T::77
ip -n "$NS1" addr add "fd00:$T::1/64" dev eth0 nodad
"$NFCTL" nf "sw-$TAG" sw nd add domain 1 address "$GHOST6" mac "$NOBODY" || fail "nd add"
ip netns exec "$NS1" ping -6 -c 1 -W 1 "$GHOST6" > /dev/null 2>&1 || true
ip -n "$NS1" neigh show "$GHOST6" | grep -q "lladdr $NOBODY" ||
	fail "h1 has no answer for $GHOST6: $(ip -n "$NS1" neigh show "$GHOST6")"
pass "neighbour solicitation for $GHOST6 answered by the switch with $NOBODY"

# A port moved to another domain floods there at once.
"$NFCTL" nf "sw-$TAG" sw ports add interface "$HV3" domain 2 || fail "ports add"
flood 1 "$BCAST" 30
[ "$got2/$got3/$got4" = "30/0/0" ] || fail "h3 moved to domain 2: h2/h3/h4 received $got2/$got3/$got4 of 30"
flood 4 "$BCAST" 30
[ "$got1/$got2/$got3" = "0/0/30" ] || fail "domain 2 broadcast: h1/h2/h3 received $got1/$got2/$got3 of 30"
"$NFCTL" nf "sw-$TAG" sw ports add interface "$HV3" domain 1 || fail "ports add back"
"$NFCTL" nf "sw-$TAG" sw ports add interface "$HV3" domain 4096 2> "$WORK/err" &&
	fail "domain 4096 accepted"
grep -q "domain 4096 is not a flood domain (0..4095)" "$WORK/err" || fail "error: $(cat "$WORK/err")"
flood 1 "$BCAST" 30
[ "$got2/$got3/$got4" = "30/30/0" ] || fail "after the refused edit: h2/h3/h4 received $got2/$got3/$got4 of 30"
pass "ports edited at run time re-form the flood domains; a bad domain is refused and changes nothing"

# Aging: nfmgrd removes learned entries 5 s after their last frame; static
# ones stay. Frames to an aged address flood again: one that h2's port
# taught and that never speaks again (h2 itself may, and be learned anew).
AGED=$(printf '02:00:00:%02x:00:96' "$T")
"$NFCTL" nf "sw-$TAG" sw fdb add domain 1 mac "$PINNED" interface "$HV3" || fail "fdb add static"
nfc_nfmgrd_start
"$TRAFFIC" send --netns "$NS2" --dev eth0 --src "$AGED" --dst "$MAC1" \
	--run-id 990 --count 10 > /dev/null || fail "send from $AGED"
[ "$(fdb_port "$AGED")" = "$HV2 learned" ] || fail "$AGED not learned: $(fdb)"
for _ in $(seq 100); do
	[ "$(fdb_port "$AGED")" = none ] && break
	sleep 0.2
done
[ "$(fdb_port "$AGED")" = none ] || fail "$AGED not aged out: $(fdb)"
[ "$(fdb_port "$PINNED")" = "$HV3 static" ] || fail "a static entry aged: $(fdb)"
grep -q "table entries" "$WORK/nfmgrd.log" || fail "nfmgrd did not report aging: $(cat "$WORK/nfmgrd.log")"
flood 1 "$AGED" 40
[ "$got2/$got3" = "40/40" ] || fail "to aged $AGED: h2/h3 received $got2/$got3 of 40"
pass "nfmgrd aged the learned entries, not the static one; frames to an aged address flood"

missed=$(stat '["missed_tail_calls"]')
[ "$missed" = 0 ] || fail "missed tail calls: $missed"

"$NFCTL" chain delete "sw-$TAG" || fail "delete"
for m in nfc_flood_tc nfc_flood_xdp; do
	[ "$(bpftool -j map dump pinned "$ULTRANIO_BPFFS/maps/$m" | json - 'len(j)')" = 0 ] ||
		fail "$m keeps the deleted chain's domains"
done
pass "delete removed the chain's flood domains"
