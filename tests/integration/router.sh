#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# A router chain as the gateway of five hosts, each in a subnet of its own
# (10.T.I.2/24 and fd00:T:I::2/64, the gateway .1 / ::1 at the router's
# MAC; connected routes, the hosts' MACs in the neighbours tables): ICMP
# and TCP between subnets, IPv4 and IPv6, with the TTL decremented; a
# blackhole, an uncovered prefix and a missing neighbour dropped as
# no-route; ECMP: 1,000 UDP flows to an address that h2..h5 all hold, over
# a group of their four next hops (gateways): each flow on one path, each
# path 25% +- 5%; one path taken out of the group: only its flows move.
# Policy routing: one destination reached by two paths depending on the
# source (IPv4 and IPv6) and on the destination port. The kernel's
# neighbours for a next hop, and a next hop that is the kernel's routes
# altogether (bpf_fib_lookup), an unresolved neighbour resolved by the
# stack; nfmgrd watching the kernel's neighbours, so that a cached flow
# follows a change of its next hop's MAC. A whole table loaded from a file.
# VRFs: two VPCs (tenants of their ports) routed by their own tables, the
# same prefix to a different host in each, neither reaching the other; a
# policy that looks a VPC's port up in the other VPC's table, and one whose
# table misses, which goes on to the next policy.
# Usage: router.sh HOOK   (tc-ingress | xdp)
. "$(dirname "$0")/lib.sh"
hook=${1:-tc-ingress}
GWMAC=$(printf '02:00:00:%02x:00:fe' "$T")
ANY=10.$T.100.1
POL=10.$T.200.1
POL6=fd00:$T:200::1
N=5

for ((i = 1; i <= N; i++)); do
	nfc_host "$i"
	ns=NS$i
	ip -n "${!ns}" addr flush dev eth0
	ip -n "${!ns}" addr add "10.$T.$i.2/24" dev eth0
	ip -n "${!ns}" -6 addr add "fd00:$T:$i::2/64" dev eth0 nodad
	ip -n "${!ns}" neigh replace "10.$T.$i.1" lladdr "$GWMAC" dev eth0 nud permanent
	ip -n "${!ns}" -6 neigh replace "fd00:$T:$i::1" lladdr "$GWMAC" dev eth0 nud permanent
	ip -n "${!ns}" route add default via "10.$T.$i.1"
	ip -n "${!ns}" -6 route add default via "fd00:$T:$i::1"
	# h2..h5 all answer the ECMP address; h4 and h5 the policy one
	((i > 1)) && ip -n "${!ns}" addr add "$ANY/32" dev lo
	((i > 3)) && ip -n "${!ns}" addr add "$POL/32" dev lo
	((i > 3)) && ip -n "${!ns}" -6 addr add "$POL6/128" dev lo nodad
done
[ "$hook" = xdp ] && nfc_xdp_endpoints 1 2 3 4 5

# A router node's per-host entries, for hosts I...: next hop I connected
# (to the destination itself), next hop 1I through host I as a gateway;
# each host's MAC as its neighbour.
nexthops_yaml() {
	local i hv
	for i in "$@"; do
		hv=HV$i
		echo "        - {id: $i, interface: ${!hv}, smac: \"$GWMAC\"}"
		echo "        - {id: 1$i, interface: ${!hv}, gateway: 10.$T.$i.2, gateway6: \"fd00:$T:$i::2\", smac: \"$GWMAC\"}"
	done
}
neighbors_yaml() {
	local i hv mac
	echo "      neighbors:"
	for i in "$@"; do
		hv=HV$i mac=MAC$i
		echo "        - {interface: ${!hv}, address: 10.$T.$i.2, mac: \"${!mac}\"}"
	done
	echo "      neighbors6:"
	for i in "$@"; do
		hv=HV$i mac=MAC$i
		echo "        - {interface: ${!hv}, address: \"fd00:$T:$i::2\", mac: \"${!mac}\"}"
	done
}

{
	echo "chain: rt-$TAG"
	echo "attach:"
	for ((i = 1; i <= N; i++)); do
		hv=HV$i
		echo "  - {interface: ${!hv}, hook: $hook}"
	done
	cat <<YAML
entry: rt
nodes:
  - name: rt
    module: router
    config:
      nexthops:
YAML
	nexthops_yaml $(seq "$N")
	echo "        - {id: 99, action: blackhole}"
	echo "      nexthop-groups:"
	echo "        - {id: 100, nh1: 12, nh2: 13, nh3: 14, nh4: 15}"
	neighbors_yaml $(seq "$N")
	echo "      routes:"
	for ((i = 1; i <= N; i++)); do
		echo "        - {prefix: 10.$T.$i.0/24, via: $i}"
	done
	echo "        - {prefix: $ANY/32, via: 100}"
	echo "        - {prefix: $POL/32, via: 14}"
	echo "        - {prefix: 10.$T.66.0/24, via: 99}"
	echo "        - {prefix: 10.$T.67.0/24, via: 1}"
	echo "      routes6:"
	for ((i = 1; i <= N; i++)); do
		echo "        - {prefix: \"fd00:$T:$i::/64\", via: $i}"
	done
	echo "        - {prefix: \"$POL6/128\", via: 14}"
	echo "      policies:"
	echo "        - {priority: 10, src: 10.$T.3.0/24, dst: $POL/32, via: 15}"
	echo "        - {priority: 11, src6: \"fd00:$T:3::/64\", via: 15}"
	echo "        - {priority: 20, proto: 17, dport: 9100, dport_end: 9199, via: 15}"
} > "$WORK/chain.yaml"

"$NFCTL" chain apply "$WORK/chain.yaml" > "$WORK/apply.txt" 2> "$WORK/apply.err" ||
	fail "apply: $(cat "$WORK/apply.err")"
pass "applied ($hook)"

# Across subnets, each way through the router: one hop, so a reply comes
# back with its TTL less one.
out=$(ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "10.$T.2.2") || fail "ping h1 -> h2: $out"
grep -q "ttl=63" <<< "$out" || fail "the router did not decrement the TTL: $out"
out=$(ip netns exec "$NS1" ping -6 -c 3 -i 0.2 -W 1 "fd00:$T:2::2") || fail "ping -6 h1 -> h2: $out"
grep -q "ttl=63" <<< "$out" || fail "the router did not decrement the hop limit: $out"
pass "ICMP and ICMPv6 h1 -> h2, one hop"

IP2=10.$T.2.2 nfc_tcp_stream 1 2 2097152
IP2=fd00:$T:2::2 nfc_tcp_stream 1 2 2097152 5002
pass "TCP 2 MiB h1 -> h2 over IPv4 and IPv6, intact"

drops() { # [CHAIN]
	"$NFCTL" -j stats "${1:-rt-$TAG}" | json - 'j[0]["counters"]["drops"]["no-route"]'
}
before=$(drops)
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "10.$T.66.9" > /dev/null && fail "a blackhole forwarded"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "10.$T.77.9" > /dev/null && fail "an uncovered prefix forwarded"
# connected, but no neighbour for the address
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "10.$T.67.9" > /dev/null && fail "a missing neighbour forwarded"
after=$(drops)
[ $((after - before)) -ge 6 ] || fail "no-route drops $before -> $after"
pass "blackhole, no route, no neighbour: $((after - before)) no-route drops"

# ECMP. A receiver in each of h2..h5 writes the source ports it got.
# recv.py OUT READY STOP [PORT [6]]
cat > "$WORK/recv.py" <<'PY'
import os, select, socket, sys
port = int(sys.argv[4]) if len(sys.argv) > 4 else 9000
six = len(sys.argv) > 5
s = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(("::" if six else "0.0.0.0", port))
open(sys.argv[2], "w").write("1")
ports = []
while not os.path.exists(sys.argv[3]):
    if select.select([s], [], [], 0.1)[0]:
        ports.append(s.recvfrom(64)[1][1])
while select.select([s], [], [], 0.2)[0]:
    ports.append(s.recvfrom(64)[1][1])
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(" ".join(map(str, ports)))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
PY
# send.py SRC DST N [PORT]: N datagrams, each from a port of its own
cat > "$WORK/send.py" <<'PY'
import socket, sys, time
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
port = int(sys.argv[4]) if len(sys.argv) > 4 else 9000
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
for i in range(n):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src, 20000 + i))
    s.sendto(b"ecmp", (dst, port))
    s.close()
    if i % 50 == 49:
        time.sleep(0.01)
PY

# ecmp ROUND: 1,000 flows from h1; $WORK/ROUND.J: the ports h J received
ecmp() {
	local r=$1 j ns
	rm -f "$WORK/stop"
	for ((j = 2; j <= N; j++)); do
		ns=NS$j
		bg ip netns exec "${!ns}" python3 "$WORK/recv.py" "$WORK/$r.$j" "$WORK/$r.$j.ready" "$WORK/stop"
		wait_file "$WORK/$r.$j.ready"
	done
	sleep 0.2
	ip netns exec "$NS1" python3 "$WORK/send.py" "10.$T.1.2" "$ANY" 1000 || fail "ECMP send"
	sleep 0.3
	touch "$WORK/stop"
	for ((j = 2; j <= N; j++)); do
		for _ in $(seq 100); do
			[ -e "$WORK/$r.$j" ] && break
			sleep 0.05
		done
		[ -e "$WORK/$r.$j" ] || fail "receiver h$j wrote nothing"
	done
}

ecmp a
python3 - "$WORK" a 2 3 4 5 <<'PY' || fail "ECMP over four paths"
import sys, collections
work, r, hosts = sys.argv[1], sys.argv[2], sys.argv[3:]
where = collections.defaultdict(list)
for h in hosts:
    for p in open(f"{work}/{r}.{h}").read().split():
        where[int(p)].append(h)
assert len(where) == 1000, f"{len(where)} of 1000 flows arrived"
multi = [p for p, hs in where.items() if len(hs) != 1]
assert not multi, f"flows on more than one path: {multi[:5]}"
share = collections.Counter(hs[0] for hs in where.values())
print("flows per path:", dict(sorted(share.items())))
for h in hosts:
    assert 200 <= share[h] <= 300, f"h{h} took {share[h]} of 1000 flows"
PY
pass "ECMP: 1000 flows, each on one path, each path 25% +- 5%"

# h5's next hop out of the group: its flows move, no other flow does.
"$NFCTL" nf "rt-$TAG" rt nexthop-groups add id 100 nh1 12 nh2 13 nh3 14 ||
	fail "nexthop-groups add"
ecmp b
python3 - "$WORK" 2 3 4 5 <<'PY' || fail "ECMP after a path left"
import sys
work, hosts = sys.argv[1], sys.argv[2:]
def where(r):
    w = {}
    for h in hosts:
        for p in open(f"{work}/{r}.{h}").read().split():
            w[int(p)] = h
    return w
a, b = where("a"), where("b")
assert len(b) == 1000, f"{len(b)} of 1000 flows arrived"
assert not [p for p, h in b.items() if h == "5"], "flows still reach h5"
moved = [p for p in a if a[p] != "5" and a[p] != b[p]]
assert not moved, f"{len(moved)} flows of the paths that stayed moved"
print("h5's", sum(1 for h in a.values() if h == "5"), "flows moved; the rest stayed")
PY
pass "a path out of the group moved only its own flows"

# who_gets FROM SRC DST PORT: which of h4 and h5 receive 5 datagrams from
# host FROM's SRC to DST:PORT (IPv4 or IPv6)
who_gets() {
	local from=NS$1 j ns six=
	[[ $3 == *:* ]] && six=6
	rm -f "$WORK/stop" "$WORK"/p.*
	for j in 4 5; do
		ns=NS$j
		bg ip netns exec "${!ns}" python3 "$WORK/recv.py" "$WORK/p.$j" "$WORK/p.$j.ready" "$WORK/stop" "$4" $six
		wait_file "$WORK/p.$j.ready"
	done
	ip netns exec "${!from}" python3 "$WORK/send.py" "$2" "$3" 5 "$4" || fail "send from h$1"
	sleep 0.3
	touch "$WORK/stop"
	got=
	for j in 4 5; do
		for _ in $(seq 100); do
			[ -e "$WORK/p.$j" ] && break
			sleep 0.05
		done
		[ -e "$WORK/p.$j" ] || fail "receiver h$j wrote nothing"
		[ "$(wc -w < "$WORK/p.$j")" = 5 ] && got="$got h$j"
		[ "$(wc -w < "$WORK/p.$j")" = 0 ] || [ "$(wc -w < "$WORK/p.$j")" = 5 ] ||
			fail "h$j got $(wc -w < "$WORK/p.$j") of 5"
	done
	echo "${got# }"
}

[ "$(who_gets 1 10.$T.1.2 $POL 9000)" = h4 ] || fail "h1 -> $POL: not by the route to h4"
[ "$(who_gets 3 10.$T.3.2 $POL 9000)" = h5 ] || fail "h3 -> $POL: not by h3's policy to h5"
[ "$(who_gets 1 fd00:$T:1::2 $POL6 9000)" = h4 ] || fail "h1 -> $POL6: not by the route to h4"
[ "$(who_gets 3 fd00:$T:3::2 $POL6 9000)" = h5 ] || fail "h3 -> $POL6: not by h3's policy to h5"
[ "$(who_gets 1 10.$T.1.2 $POL 9150)" = h5 ] || fail "h1 -> $POL:9150: not by the port policy to h5"
pass "policy routing: one destination, two paths by source (IPv4, IPv6) and by port"

"$NFCTL" nf "rt-$TAG" rt policies del priority 10 || fail "policies del"
[ "$(who_gets 3 10.$T.3.2 $POL 9000)" = h4 ] || fail "h3 -> $POL: the deleted policy still routes"
"$NFCTL" -j nf "rt-$TAG" rt policies list > "$WORK/pol.json"
[ "$(json "$WORK/pol.json" 'len(j)')" = 2 ] || fail "2 policies expected: $(cat "$WORK/pol.json")"
"$NFCTL" nf "rt-$TAG" rt policies add priority 32 via 1 2> "$WORK/pol.err" && fail "policy priority 32 accepted"
grep -q "priority 32 is past its 32 places (0..31)" "$WORK/pol.err" || fail "priority 32: $(cat "$WORK/pol.err")"
"$NFCTL" nf "rt-$TAG" rt routes add prefix "10.$T.88.0/24" 2> "$WORK/rt.err" && fail "a route without via accepted"
grep -q "'via' is required" "$WORK/rt.err" || fail "a route without via: $(cat "$WORK/rt.err")"
pass "a policy deleted at run time: its traffic takes the route again"

# The kernel's neighbours and routes (bpf_fib_lookup): h3's address and MAC
# in the host's tables, not the router's; forwarding on where the kernel
# asks for it (the lookup's interface). A neighbour the kernel lacks: the
# packet goes to its stack, which resolves it and forwards.
nf() { "$NFCTL" nf "rt-$TAG" rt "$@" || fail "nf $*"; }
nf policies del priority 11 # h3's IPv6 replies by the route, not to h5
ip addr add "10.$T.3.1/24" dev "$HV3"
ip -6 addr add "fd00:$T:3::1/64" dev "$HV3" nodad
for hv in "$HV1" "$HV3"; do
	sysctl -qw "net.ipv4.conf.$hv.forwarding=1" "net.ipv6.conf.$hv.forwarding=1"
done
ip neigh replace "10.$T.3.2" lladdr "$MAC3" dev "$HV3" nud permanent
ip -6 neigh replace "fd00:$T:3::2" lladdr "$MAC3" dev "$HV3" nud permanent
nf neighbors del interface "$HV3" address "10.$T.3.2"
nf neighbors6 del interface "$HV3" address "fd00:$T:3::2"
ip netns exec "$NS1" ping -c 1 -W 1 "10.$T.3.2" > /dev/null && fail "h3 reached with no neighbour in the table"
nf nexthops add id 3 interface "$HV3" smac "$GWMAC" neighbor kernel
out=$(ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "10.$T.3.2") || fail "h3 by the kernel's neighbour: $out"
grep -q "ttl=63" <<< "$out" || fail "the kernel's neighbour: not routed by the chain: $out"
out=$(ip netns exec "$NS1" ping -6 -c 2 -i 0.2 -W 1 "fd00:$T:3::2") || fail "h3 by the kernel's IPv6 neighbour: $out"
grep -q "ttl=63" <<< "$out" || fail "the kernel's IPv6 neighbour: not routed by the chain: $out"
pass "a next hop's neighbour from the kernel's table, IPv4 and IPv6"
# nfmgrd watches the kernel's neighbours: a flow cached with the kernel's
# MAC for its next hop takes the new one when the kernel's changes (the
# cached flows invalidated), and the old one again when it comes back.
nfc_nfmgrd_start
OTHER=$(printf '02:00:00:%02x:00:97' "$T")
udp_flow() {
	"$TRAFFIC" send --netns "$NS1" --dev eth0 --dst "$GWMAC" \
		--udp "10.$T.1.2:7000,10.$T.3.2:7001" --run-id 7 --count 5 \
		> /dev/null || fail "UDP h1 -> h3"
	sleep 0.2
}
flow_action() { "$NFCTL" -j flow list chain "rt-$TAG" port 7001 | json - 'j[0]["action"]'; }
# kernel_mac MAC N: the kernel's neighbour h3 becomes MAC; nfmgrd's Nth
# invalidation for a neighbour's change follows
kernel_mac() {
	ip neigh replace "10.$T.3.2" lladdr "$1" dev "$HV3" nud permanent
	for _ in $(seq 50); do
		[ "$(grep -c "neighbour's MAC changed: 10.$T.3.2" "$WORK/nfmgrd.log")" -ge "$2" ] && return
		sleep 0.1
	done
	fail "nfmgrd saw no change of 10.$T.3.2: $(cat "$WORK/nfmgrd.log")"
}
udp_flow
udp_flow
flow_action | grep -qi "dmac $MAC3" || fail "the cached flow's action: $(flow_action)"
kernel_mac "$OTHER" 1
udp_flow
flow_action | grep -qi "dmac $OTHER" || fail "after the kernel's neighbour changed: $(flow_action)"
kernel_mac "$MAC3" 2
udp_flow
flow_action | grep -qi "dmac $MAC3" || fail "after it changed back: $(flow_action)"
[ "$(nfc_metric ultranio_kernel_invalidations_total)" -ge 2 ] ||
	fail "invalidations not counted: $(nfc_metric ultranio_kernel_invalidations_total)"
kill -TERM "$DPID"
wait "$DPID" || fail "nfmgrd exited with $?"
pass "nfmgrd saw the kernel's neighbour change: the cached flow took the new MAC, and the old one back"
nf nexthops add id 3 action kernel
IP3=10.$T.3.2 nfc_tcp_stream 1 3 1048576
out=$(ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "10.$T.3.2") || fail "h3 by the kernel's routes: $out"
grep -q "ttl=63" <<< "$out" || fail "the kernel's routes: TTL: $out"
# the stack takes frames addressed to its interface: the router's MAC is
# h1's link's, as on a host that routes
hv1mac=$(cat "/sys/class/net/$HV1/address")
ip link set dev "$HV1" address "$GWMAC"
ip neigh del "10.$T.3.2" dev "$HV3"
out=$(ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "10.$T.3.2") || fail "no kernel neighbour: the stack did not resolve it: $out"
ip neigh show "10.$T.3.2" dev "$HV3" | grep -qi "$MAC3" || fail "the kernel did not resolve h3: $(ip neigh show dev "$HV3")"
pass "a kernel next hop: the kernel's routes and neighbours (TCP 1 MiB); an unresolved neighbour resolved by the stack"
nf nexthops add id 3 interface "$HV3" smac "$GWMAC"
nf neighbors add interface "$HV3" address "10.$T.3.2" mac "$MAC3"
nf neighbors6 add interface "$HV3" address "fd00:$T:3::2" mac "$MAC3"
ip link set dev "$HV1" address "$hv1mac"
ip addr flush dev "$HV3"
for hv in "$HV1" "$HV3"; do
	sysctl -qw "net.ipv4.conf.$hv.forwarding=0" "net.ipv6.conf.$hv.forwarding=0"
done

# A whole routing table at once: a bad line names the file and line and
# changes nothing; a good file replaces the table.
printf '10.%s.2.0/24 2\n10.%s.9.0/24 oops\n' "$T" "$T" > "$WORK/bad.routes"
"$NFCTL" nf "rt-$TAG" rt routes load "$WORK/bad.routes" 2> "$WORK/load.err" && fail "a bad routes file loaded"
grep -q "bad.routes:2" "$WORK/load.err" || fail "the error does not name the line: $(cat "$WORK/load.err")"
"$NFCTL" -j nf "rt-$TAG" rt routes list > "$WORK/routes.json"
[ "$(json "$WORK/routes.json" 'len(j)')" = 9 ] || fail "a failed load changed the routes: $(cat "$WORK/routes.json")"
"$NFCTL" nf "rt-$TAG" rt nexthops load "$WORK/bad.routes" 2> "$WORK/load.err" && fail "load into a hash table"
# a hash table loads lines as add takes them: this file's are not
grep -q "bad.routes:1: table 'nexthops': unknown field" "$WORK/load.err" ||
	fail "load into a hash table: $(cat "$WORK/load.err")"
{
	echo "# h1 and h2 only, h2 through h3's gateway next hop"
	echo "10.$T.1.0/24 1"
	echo "10.$T.2.0/24 13"
	echo "$POL/32 15"
} > "$WORK/good.routes"
# a flow the cache holds, routed to h4 before the load
[ "$(who_gets 1 10.$T.1.2 $POL 9000)" = h4 ] || fail "h1 -> $POL: not by the route to h4"
"$NFCTL" nf "rt-$TAG" rt routes load "$WORK/good.routes" || fail "routes load"
"$NFCTL" -j nf "rt-$TAG" rt routes list > "$WORK/routes.json"
[ "$(json "$WORK/routes.json" 'sorted((r["prefix"], int(r["via"])) for r in j)')" = \
  "[('10.$T.1.0/24', 1), ('10.$T.2.0/24', 13), ('$POL/32', 15)]" ] || fail "routes after load: $(cat "$WORK/routes.json")"
# the cached flow follows the new table: a load is a new version
[ "$(who_gets 1 10.$T.1.2 $POL 9000)" = h5 ] || fail "h1 -> $POL: the cached route outlived the load"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "10.$T.4.2" > /dev/null && fail "a route the load removed still forwards"
# 10.T.2.2 now goes to h3 (the gateway's MAC), whose kernel does not
# forward: it arrives at h3, not h2
ip netns exec "$NS1" ping -c 1 -W 1 "10.$T.2.2" > /dev/null && fail "h2 reached by the route the load replaced"
pass "routes load: a bad file changes nothing, a good one replaces the table"

missed=$("$NFCTL" -j stats "rt-$TAG" | json - 'j[0]["counters"]["missed_tail_calls"]')
[ "$missed" = 0 ] || fail "missed tail calls: $missed"
"$NFCTL" chain delete "rt-$TAG" || fail "delete"
pass "deleted"

# VRFs. VPC 7: h1 and h4; VPC 8: h2 and h5. Each VPC's tables (LPM ids 7,
# 17 and 8, 18) send $POL and $POL6 to its own host of the two; table 9
# holds nothing a policy looks for, so the next policy decides.
lpm() { "$NFCTL" lpm "$@" > /dev/null || fail "lpm $*"; }
for v in 7 8; do
	lpm create $v ipv4
	lpm create 1$v ipv6
done
lpm create 9 ipv4
for r in "7 10.$T.1.0/24 1" "7 10.$T.4.0/24 4" "7 $POL 14" \
	 "8 10.$T.2.0/24 2" "8 10.$T.5.0/24 5" "8 $POL 15"; do
	read -r v prefix via <<< "$r"
	lpm add "$v" "$prefix" "$via"
done
lpm add 17 "$POL6" 14
lpm add 18 "$POL6" 15
lpm add 9 "10.$T.99.0/24" 1
{
	echo "chain: vrf-$TAG"
	echo "attach:"
	for r in "1 7" "4 7" "2 8" "5 8"; do
		read -r i v <<< "$r"
		hv=HV$i
		echo "  - {interface: ${!hv}, hook: $hook, tenant: $v}"
	done
	cat <<YAML
entry: rt
nodes:
  - name: rt
    module: router
    config:
      vrfs:
        - {tenant: 7, table: 7, table6: 17}
        - {tenant: 8, table: 8, table6: 18}
      routes:     # of packets of no VPC here: never a VPC's
        - {prefix: 10.$T.2.0/24, via: 2}
        - {prefix: $POL/32, via: 15}
      policies:
        - {priority: 0, tenant: 7, proto: 17, dport: 9150, action: lookup, table: 8}
        - {priority: 1, tenant: 7, proto: 17, dport: 9160, action: lookup, table: 9}
        - {priority: 2, tenant: 7, proto: 17, dport: 9160, via: 15}
      nexthops:
YAML
	nexthops_yaml 1 2 4 5
	neighbors_yaml 1 2 4 5
} > "$WORK/vrf.yaml"
"$NFCTL" chain apply "$WORK/vrf.yaml" > /dev/null 2> "$WORK/apply.err" ||
	fail "apply VRFs: $(cat "$WORK/apply.err")"
[ "$(who_gets 1 10.$T.1.2 $POL 9000)" = h4 ] || fail "VPC 7 -> $POL: not to h4"
[ "$(who_gets 2 10.$T.2.2 $POL 9000)" = h5 ] || fail "VPC 8 -> $POL: not to h5"
[ "$(who_gets 1 fd00:$T:1::2 $POL6 9000)" = h4 ] || fail "VPC 7 -> $POL6: not to h4"
[ "$(who_gets 2 fd00:$T:2::2 $POL6 9000)" = h5 ] || fail "VPC 8 -> $POL6: not to h5"
out=$(ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "10.$T.4.2") || fail "ping in VPC 7, h1 -> h4: $out"
grep -q "ttl=63" <<< "$out" || fail "VPC 7: the TTL was not decremented: $out"
before=$(drops "vrf-$TAG")
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "10.$T.2.2" > /dev/null && fail "VPC 7 reached h2 of VPC 8"
ip netns exec "$NS2" ping -c 2 -i 0.2 -W 1 "10.$T.1.2" > /dev/null && fail "VPC 8 reached h1 of VPC 7"
after=$(drops "vrf-$TAG")
[ $((after - before)) -ge 4 ] || fail "VPC to VPC: no-route drops $before -> $after"
pass "VRFs: the same prefix to a host of each VPC, IPv4 and IPv6; no way from one VPC to the other"
[ "$(who_gets 1 10.$T.1.2 $POL 9150)" = h5 ] || fail "VPC 7 :9150: not by its policy into table 8"
[ "$(who_gets 1 10.$T.1.2 $POL 9160)" = h5 ] || fail "VPC 7 :9160: a policy's miss did not go on to the next policy"
# a VPC's table edited (nfctl lpm) while its flows are cached
lpm replace 7 "$POL" 15
[ "$(who_gets 1 10.$T.1.2 $POL 9000)" = h5 ] || fail "VPC 7 -> $POL: the cached route outlived the table's edit"
lpm replace 7 "$POL" 14
"$NFCTL" nf "vrf-$TAG" rt vrfs del tenant 7 || fail "vrfs del"
[ "$(who_gets 1 10.$T.1.2 $POL 9000)" = h5 ] || fail "VPC 7 without its VRF: not routed by the node's routes"
pass "VRFs: a policy's table lookup, a miss going on; a table edit re-routes cached flows; a VRF deleted at run time"
"$NFCTL" chain delete "vrf-$TAG" || fail "delete VRFs"
