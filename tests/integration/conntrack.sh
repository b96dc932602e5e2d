#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Conntrack on real sockets between two namespaces, through a chain at
# tc-ingress on both host-side veths (acl, macrouter): TCP through
# handshake, data and FIN, a refused TCP connection (RST), a TCP
# connection held open, IPv6 TCP, UDP with a reply and without one (the
# ICMP port unreachable is related to it), ICMP echo; replies matched to
# their connection; `nfctl ct` filters and flush; a timeout aged out by
# nfmgrd; a rule change reaching a cached flow at once.
. "$(dirname "$0")/lib.sh"
export ULTRANIO_CATALOG=$NFC_BUILD/tests/catalog
NFMGRD=$NFC_BUILD/manager/nfmgrd/nfmgrd
C=ct-$TAG

nfc_topology 2
# IPv6 beside IPv4, with static neighbours too
ip -n "$NS1" addr add "fd00:$T::1/64" dev eth0 nodad
ip -n "$NS2" addr add "fd00:$T::2/64" dev eth0 nodad
ip -n "$NS1" -6 neigh replace "fd00:$T::2" lladdr "$MAC2" dev eth0 nud permanent
ip -n "$NS2" -6 neigh replace "fd00:$T::1" lladdr "$MAC1" dev eth0 nud permanent

nfc_acl_chain "$C" > "$WORK/chain.yaml"
"$NFCTL" chain apply "$WORK/chain.yaml" >/dev/null || fail "apply"

# ct FILTER... -> the one matching entry's JSON in $WORK/ct.json
ct_one() {
	"$NFCTL" -j ct list "$@" > "$WORK/ct.json" || fail "ct list $*"
	local n
	n=$(json "$WORK/ct.json" 'len(j)')
	[ "$n" = 1 ] || fail "ct list $*: $n entries: $(cat "$WORK/ct.json")"
}
field() {
	json "$WORK/ct.json" "j[0]$1"
}

# TCP: handshake, data, FIN both ways
nfc_tcp_stream 1 2 1000000 5001
sleep 0.2
ct_one proto tcp port 5001
[ "$(field '["state"]')" = closed ] || fail "TCP after FINs: $(field '["state"]')"
[ "$(field '["src"]')" = "$IP1" ] && [ "$(field '["dst"]')" = "$IP2" ] &&
	[ "$(field '["dport"]')" = 5001 ] || fail "TCP: wrong direction: $(cat "$WORK/ct.json")"
[ "$(field '["interfaces"]["orig"]')" = "$HV1" ] &&
	[ "$(field '["interfaces"]["reply"]')" = "$HV2" ] ||
	fail "TCP: interfaces $(field '["interfaces"]')"
field '["flags"]' | grep -q seen-reply || fail "TCP: reply not matched"
pass "TCP: handshake, data, FIN: one closed connection, replies matched"

# TCP refused: the RST closes it
ip netns exec "$NS1" socat -u /dev/null TCP:"$IP2":5999,connect-timeout=2 2>/dev/null &&
	fail "port 5999 accepted a connection"
sleep 0.2
ct_one proto tcp port 5999
[ "$(field '["state"]')" = closed ] || fail "TCP after RST: $(field '["state"]')"
pass "TCP: RST closes"

# TCP held open: established; IPv6 alike
bg ip netns exec "$NS2" socat -u TCP-LISTEN:5002,reuseaddr /dev/null
bg ip netns exec "$NS2" socat -u TCP6-LISTEN:5003,reuseaddr /dev/null
sleep 0.3
bg sh -c "sleep 4 | ip netns exec '$NS1' socat -u - TCP:$IP2:5002"
bg sh -c "sleep 4 | ip netns exec '$NS1' socat -u - 'TCP6:[fd00:$T::2]:5003'"
sleep 1
ct_one proto tcp port 5002
[ "$(field '["state"]')" = established ] || fail "open TCP: $(field '["state"]')"
ct_one proto tcp port 5003
[ "$(field '["state"]')" = established ] || fail "open TCP/IPv6: $(field '["state"]')"
[ "$(field '["src"]')" = "fd00:$T::1" ] || fail "TCP/IPv6: $(cat "$WORK/ct.json")"
ct_one addr "fd00:$T::/64"
pass "TCP: open connections established, IPv4 and IPv6"

# UDP answered, and UDP to a closed port (the ICMP error is related)
# no fork: a forked child would outlive the test
bg ip netns exec "$NS2" socat -T 3 UDP-LISTEN:5353,reuseaddr EXEC:cat
sleep 0.3
[ "$(echo hello | ip netns exec "$NS1" socat -t 1 - UDP:"$IP2":5353)" = hello ] ||
	fail "no UDP echo"
ct_one proto udp port 5353
[ "$(field '["state"]')" = established ] || fail "UDP with reply: $(field '["state"]')"
related0=$("$NFCTL" -j ct show | json - 'j["related"]')
echo x | ip netns exec "$NS1" socat -t 0.3 - UDP:"$IP2":5354 2>/dev/null || true
sleep 0.3
ct_one proto udp port 5354
[ "$(field '["state"]')" = new ] || fail "UDP without reply: $(field '["state"]')"
related=$("$NFCTL" -j ct show | json - 'j["related"]')
((related > related0)) || fail "the port unreachable was not related to its datagram"
pass "UDP: replies matched, ICMP errors related"

# ICMP echo by identifier, IPv4 and IPv6
ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping"
ct_one proto icmp
[ "$(field '["state"]')" = established ] || fail "ICMP echo: $(field '["state"]')"
ip netns exec "$NS1" ping -6 -c 3 -i 0.2 -W 1 "fd00:$T::2" >/dev/null || fail "ping -6"
ct_one proto icmpv6 addr "fd00:$T::2"
[ "$(field '["state"]')" = established ] || fail "ICMPv6 echo: $(field '["state"]')"
pass "ICMP echo: request and reply one connection, IPv4 and IPv6"

# flush by filter
"$NFCTL" ct flush proto icmp >/dev/null || fail "ct flush"
"$NFCTL" ct flush proto icmpv6 >/dev/null || fail "ct flush"
[ "$("$NFCTL" -j ct list proto icmp | json - 'len(j)')" = 0 ] || fail "ICMP left after flush"
pass "ct flush by filter"

# a timeout: nfmgrd ages the UDP connections out
"$NFCTL" config set ct-timeout udp established 1 >/dev/null || fail "config set"
"$NFCTL" config set ct-timeout udp new 1 >/dev/null || fail "config set"
bg "$NFMGRD" --socket "$WORK/nfmgrd.sock" --metrics off --gc-interval 1
for _ in $(seq 50); do
	[ "$("$NFCTL" -j ct list proto udp | json - 'len(j)')" = 0 ] && break
	sleep 0.1
done
[ "$("$NFCTL" -j ct list proto udp | json - 'len(j)')" = 0 ] || fail "UDP connections did not time out"
expired=$("$NFCTL" -j ct show | json - 'j["expired"]')
((expired >= 2)) || fail "expired counted $expired"
pass "timeouts: idle UDP connections aged out ($expired expired)"

# a rule change reaches a cached flow at once (the edit is a new version)
bg ip netns exec "$NS1" ping -i 0.02 -W 1 "$IP2" -c 400
sleep 2
"$NFCTL" -j flow list chain "$C" proto icmp > "$WORK/flows.json"
[ "$(json "$WORK/flows.json" 'len(j)')" -ge 1 ] || fail "the ping is not cached"
c0=$("$NFCTL" -j stats chain "$C" | json - 'j[0]["counters"]["drops"]["policy"]')
"$NFCTL" nf "$C" acl rules add id 1 proto 1 action deny name no-ping >/dev/null ||
	fail "acl rule"
sleep 1
c1=$("$NFCTL" -j stats chain "$C" | json - 'j[0]["counters"]["drops"]["policy"]')
echo "policy drops of the ping: $c0 before the rule, $c1 a second after"
((c1 - c0 >= 20)) || fail "the cached ping was not denied by the new rule"
pass "a rule change applies to cached flows"

# and back: the rule deleted (an array's entry zeroed), the ping passes
"$NFCTL" nf "$C" acl rules del id 1 >/dev/null || fail "acl rule del"
ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping after the rule went"
pass "a deleted rule stops denying"
