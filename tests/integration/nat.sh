#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# The nat module in front of a router, the gateway of twelve hosts, each in
# a subnet of its own: h1..h10 endpoints, h11 a server, h12 an on-premises
# host. HOOK ($1): tc-ingress or xdp.
# - SNAT: 1,000 TCP connections open at once, 100 from each of h1..h10, to
#   h11, each echoing 16 KiB: every transfer completes byte for byte, h11
#   sees the pool's two addresses only, and no two connections share a
#   tuple; ping through the same rule (the echo identifier translated);
# - exemption: h12 (a no-NAT destination) sees the real sources;
# - masquerade: the server sees the gateway's own address on its side (the
#   kernel's route and source towards it); where forwarding is off, the
#   connection is dropped as no-route, counted;
# - DNAT: a VIP's port forwarded to h11's, the replies from the VIP;
# - a datagram bigger than the link through SNAT, both ways: its later
#   fragments follow the first's translation;
# - an edit that does not compile is refused, naming the rule and field;
# - ICMP errors about translated connections (port unreachable), through
#   SNAT and DNAT: translated back, quote and all, the sender's socket
#   refused;
# - exhaustion: a pool of 4 ports takes 4 connections to one server port;
#   the others are dropped as nat-exhausted, counted, and reported under the
#   rule's name;
# - the translations listed (nfctl nf ... conns list);
# - aging: conntrack's translated tuples (aliases) go with their
#   connections (nfctl ct flush, then nfmgrd's pass).
. "$(dirname "$0")/lib.sh"
HOOK=${1:-tc-ingress}
C=nat-$TAG
GWMAC=$(printf '02:00:00:%02x:00:fe' "$T")
N=12
SRV=10.$T.11.2
ONPREM=10.$T.12.2
VIP=10.$T.250.1
POOL1=10.$T.200.1
POOL2=10.$T.200.2
TIGHT=10.$T.201.1

for ((i = 1; i <= N; i++)); do
	nfc_host "$i"
	ns=NS$i
	ip -n "${!ns}" addr flush dev eth0
	ip -n "${!ns}" addr add "10.$T.$i.2/24" dev eth0
	ip -n "${!ns}" neigh replace "10.$T.$i.1" lladdr "$GWMAC" dev eth0 nud permanent
	ip -n "${!ns}" route add default via "10.$T.$i.1"
done
[ "$HOOK" = xdp ] && nfc_xdp_endpoints $(seq "$N")

{
	echo "chain: $C"
	echo "attach:"
	for ((i = 1; i <= N; i++)); do
		hv=HV$i
		echo "  - {interface: ${!hv}, hook: $HOOK}"
	done
	cat <<YAML
entry: nat
nodes:
  - name: nat
    module: nat
    config:
      rules:
        - {id: 2, priority: 10, action: exempt, src: 10.$T.0.0/16, dst: $ONPREM/32, name: onprem-real}
        - {id: 7, priority: 15, action: masquerade, src: 10.$T.0.0/16, dst: $SRV/32, proto: 6, port: 7100, name: masq-out}
        - {id: 5, priority: 20, action: snat, src: 10.$T.0.0/16, dst: $SRV/32, proto: 6, port: 7000, to: $TIGHT, to_port: 40000, to_port_end: 40003, name: tight-pool}
        - {id: 3, priority: 30, action: dnat, dst: $VIP/32, proto: 6, port: 8080, to: $SRV, to_port: 5001, name: vip-web}
        - {id: 6, priority: 30, action: dnat, dst: $VIP/32, proto: 17, port: 9090, to: $SRV, to_port: 9999, name: vip-udp}
        - {id: 1, priority: 100, action: snat, src: 10.$T.0.0/20, dst: $SRV/32, to: $POOL1, to_end: $POOL2, name: egress-pool}
  - name: rt
    module: router
    config:
      nexthops:
YAML
	for ((i = 1; i <= N; i++)); do
		hv=HV$i
		echo "        - {id: $i, interface: ${!hv}, smac: \"$GWMAC\"}"
	done
	echo "      neighbors:"
	for ((i = 1; i <= N; i++)); do
		hv=HV$i mac=MAC$i
		echo "        - {interface: ${!hv}, address: 10.$T.$i.2, mac: \"${!mac}\"}"
	done
	echo "      routes:"
	for ((i = 1; i <= N; i++)); do
		echo "        - {prefix: 10.$T.$i.0/24, via: $i}"
	done
	echo "links:"
	echo "  - {from: nat, on: pass, to: rt}"
} > "$WORK/chain.yaml"
"$NFCTL" chain apply "$WORK/chain.yaml" > /dev/null 2> "$WORK/apply.err" ||
	fail "apply: $(cat "$WORK/apply.err")"
pass "applied ($HOOK)"
nfc_nfmgrd_start
"$NFCTL" monitor --socket "$SOCK" --json --timeout 120 type decision \
	chain "$C" > "$WORK/decisions.json" &
MON=$!
NFC_PIDS+=($MON)
nfc_wait_clients 1

# echo.py server PORT LOG READY | client ADDR PORT CONNS BYTES
# The server echoes what each connection sends and logs its peer; a client
# opens CONNS connections at once, then sends BYTES on each and checks the
# echo.
cat > "$WORK/echo.py" <<'PY'
import asyncio, os, sys

async def server(port, log, ready):
    out = open(log, "w", buffering=1)
    async def handle(r, w):
        peer = w.get_extra_info("peername")
        out.write(f"{peer[0]} {peer[1]}\n")
        while data := await r.read(65536):
            w.write(data)
            await w.drain()
        w.close()
    srv = await asyncio.start_server(handle, "0.0.0.0", port, backlog=2048)
    open(ready, "w").write("ok")
    async with srv:
        await srv.serve_forever()

async def client(addr, port, conns, size):
    opened = await asyncio.gather(*[asyncio.wait_for(
        asyncio.open_connection(addr, port), 10) for _ in range(conns)],
        return_exceptions=True)
    ok = [c for c in opened if not isinstance(c, BaseException)]
    async def one(r, w):
        data = os.urandom(size)
        w.write(data)
        await w.drain()
        w.write_eof()
        got = await asyncio.wait_for(r.readexactly(size), 20)
        w.close()
        return got == data
    done = await asyncio.gather(*[one(r, w) for r, w in ok],
                                return_exceptions=True)
    good = sum(1 for d in done if d is True)
    print(f"{len(ok)} {good}")

if sys.argv[1] == "server":
    asyncio.run(server(int(sys.argv[2]), sys.argv[3], sys.argv[4]))
else:
    asyncio.run(client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                       int(sys.argv[5])))
PY
serve() { # NS PORT LOG
	rm -f "$WORK/ready"
	bg ip netns exec "$1" python3 "$WORK/echo.py" server "$2" "$3" "$WORK/ready"
	wait_file "$WORK/ready"
}

# --- SNAT: 1,000 connections from 10 endpoints ----------------------------
serve "$NS11" 5001 "$WORK/peers.txt"
for ((i = 1; i <= 10; i++)); do
	ns=NS$i
	ip netns exec "${!ns}" python3 "$WORK/echo.py" client "$SRV" 5001 100 16384 \
		> "$WORK/client$i.txt" 2>&1 &
	NFC_PIDS+=($!)
	cl[$i]=$!
done
for ((i = 1; i <= 10; i++)); do
	wait "${cl[$i]}" || fail "client h$i: $(cat "$WORK/client$i.txt")"
	[ "$(cat "$WORK/client$i.txt")" = "100 100" ] ||
		fail "h$i: connections opened, echoes intact: $(cat "$WORK/client$i.txt")"
done
python3 - "$WORK/peers.txt" "$POOL1" "$POOL2" <<'PY' || fail "the server's peers"
import sys
peers = [tuple(l.split()) for l in open(sys.argv[1]) if l.strip()]
pool = set(sys.argv[2:4])
bad = [p for p in peers if p[0] not in pool]
print(f"server: {len(peers)} connections, {len(set(peers))} tuples, "
      f"from {sorted(set(p[0] for p in peers))}", file=sys.stderr)
if len(peers) != 1000 or len(set(peers)) != 1000 or bad:
    seen = {}
    for p in peers:
        seen[p] = seen.get(p, 0) + 1
    print("not from the pool:", bad[:10], file=sys.stderr)
    print("tuples seen twice:", [p for p, n in seen.items() if n > 1][:10],
          file=sys.stderr)
    sys.exit(1)
PY
pass "SNAT: 1,000 concurrent connections from 10 endpoints, 16 KiB echoed each, the server sees pool addresses only, every tuple distinct"

out=$(ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "$SRV") || fail "ping h1 -> h11 through SNAT: $out"
pass "ICMP echo through SNAT (identifier translated)"

"$NFCTL" -j nf "$C" nat conns list > "$WORK/conns.json" || fail "conns list"
python3 - "$WORK/conns.json" "$POOL1" "$POOL2" "$SRV" <<'PY' || fail "conns: $(head -c 600 "$WORK/conns.json")"
import json, sys
c = json.load(open(sys.argv[1]))
snat = [e for e in c if int(e["rule"]) == 1 and e["ndaddr"] == sys.argv[4]]
ok = len(snat) >= 1000 and all(e["nsaddr"] in sys.argv[2:4] for e in snat)
print(f"conns: {len(c)} listed, {len(snat)} by egress-pool")
sys.exit(0 if ok else 1)
PY
pass "the translations listed"

# --- exemption: the on-premises host sees the real source -----------------
# seen_from I SRVNS ADDR PORT SOURCE: three connections from host I to
# ADDR:PORT, served in SRVNS, echo intact, and the server sees SOURCE only.
seen_from() {
	local ns=NS$1 log=$WORK/seen-$4.txt out
	serve "$2" "$4" "$log"
	out=$(ip netns exec "${!ns}" python3 "$WORK/echo.py" client "$3" "$4" 3 4096) ||
		fail "h$1 -> $3:$4: $out"
	[ "$out" = "3 3" ] || fail "h$1 -> $3:$4: $out"
	[ "$(cut -d' ' -f1 "$log" | sort -u)" = "$5" ] ||
		fail "$3:$4 saw $(cat "$log"), not $5"
}
seen_from 3 "$NS12" "$ONPREM" 5002 "10.$T.3.2"
pass "no-NAT destination: the on-premises host sees the real source"

# --- masquerade: the source the kernel would send from ---------------------
# The gateway is given what a masquerading router has: an address on the
# server's side (so a route there, and a source address on it) and
# forwarding on the interfaces connections come in by - bpf_fib_lookup()
# looks routes up as a router only from an interface that forwards.
MASQ=10.$T.11.1
ip addr add "$MASQ/24" dev "$HV11"
sysctl -qw "net.ipv4.conf.$HV6.forwarding=1"
seen_from 6 "$NS11" "$SRV" 7100 "$MASQ"
pass "masquerade: the server sees the gateway's address on its side ($MASQ)"
noroute() {
	"$NFCTL" -j stats "$C" | json - 'j[0]["counters"]["drops"].get("no-route", 0)'
}
before=$(noroute)
out=$(ip netns exec "$NS9" python3 -c '
import socket, sys
try:
    socket.create_connection((sys.argv[1], 7100), timeout=2)
    print("connected")
except OSError as e:
    print(e)' "$SRV")
[ "$out" != connected ] || fail "masquerade from h9, whose interface does not forward, connected"
after=$(noroute)
((after > before)) || fail "masquerade without forwarding: no-route drops $before -> $after"
pass "masquerade where forwarding is off: no connection ($out), dropped as no-route ($before -> $after)"

# --- DNAT: the VIP's port forwarded to the server --------------------------
out=$(ip netns exec "$NS5" python3 "$WORK/echo.py" client "$VIP" 8080 5 8192) ||
	fail "h5 -> VIP: $out"
[ "$out" = "5 5" ] || fail "h5 -> VIP:8080: $out"
pass "DNAT: $VIP:8080 forwarded to $SRV:5001, replies from the VIP"

# One source port, first to the server itself (source NAT), closed, then
# to the VIP: translated, the second connection's tuple is the first's,
# closed but still in conntrack - it must make way for the new one.
cat > "$WORK/reuse.py" <<'PY'
import socket, sys
for addr, port in ((sys.argv[1], 5001), (sys.argv[2], 8080)):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 40123))
    s.settimeout(3)
    s.connect((addr, port))
    s.sendall(b"ping")
    s.shutdown(socket.SHUT_WR)
    got = b""
    while chunk := s.recv(16):
        got += chunk
    s.close()
    if got != b"ping":
        sys.exit(f"{addr}:{port}: echo {got!r}")
print("ok")
PY
out=$(ip netns exec "$NS5" python3 "$WORK/reuse.py" "$SRV" "$VIP" 2>&1) ||
	fail "a closed connection's tuple reused through DNAT: $out"
pass "DNAT onto the tuple of a closed connection: it makes way"

# --- fragments: a datagram bigger than the link, both ways ----------------
# Its later fragments (no ports) follow the first's connection: their
# addresses translated too, or the server could not put it together.
cat > "$WORK/udp.py" <<'PY'
import socket, sys
if sys.argv[1] == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    open(sys.argv[3], "w").write("ok")
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(data, peer)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[2], int(sys.argv[3])))
data = bytes(range(256)) * 16  # 4 KiB: three fragments each way
for _ in range(3):
    s.send(data)
    try:
        if s.recv(65536) == data:
            print("echoed")
            sys.exit(0)
    except socket.timeout:
        pass
print("no echo")
sys.exit(1)
PY
rm -f "$WORK/ready"
bg ip netns exec "$NS11" python3 "$WORK/udp.py" server 5353 "$WORK/ready"
wait_file "$WORK/ready"
out=$(ip netns exec "$NS8" python3 "$WORK/udp.py" client "$SRV" 5353) ||
	fail "a fragmented datagram through SNAT: $out"
pass "a 4 KiB UDP datagram through SNAT and back, in fragments"

# --- an edit that does not compile: refused, the rules in force kept ------
refusal=$("$NFCTL" nf "$C" nat rules add id 9 action snat to "$POOL1" to_port 5000 to_port_end 4000 2>&1) &&
	fail "a pool whose ports end before they start was taken"
grep -q "rule 9: to_port_end 4000 is below to_port 5000" <<< "$refusal" ||
	fail "the refusal does not name the rule and field: $refusal"
"$NFCTL" -j nf "$C" nat rules list | grep -q '"id": *"\?9' &&
	fail "the refused rule is in the table"
out=$(ip netns exec "$NS7" python3 "$WORK/echo.py" client "$SRV" 5001 2 1024) || fail "h7 -> server: $out"
[ "$out" = "2 2" ] || fail "h7 -> server after a refused edit: $out"
pass "an edit that does not compile is refused ($refusal); the rules in force still translate"

# --- ICMP errors about translated connections -----------------------------
# UDP to a port of the server where nothing listens: its port unreachable
# quotes the translated datagram; translated back, the sender's connected
# socket gets it (ECONNREFUSED) - the kernel checks the ICMP checksum and
# matches the quote to the socket by its addresses and ports.
cat > "$WORK/refused.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], int(sys.argv[2])))
for _ in range(3):
    s.send(b"x")
    try:
        s.recv(16)
    except ConnectionRefusedError:
        print("refused")
        sys.exit(0)
    except socket.timeout:
        pass
print("no error came back")
sys.exit(1)
PY
out=$(ip netns exec "$NS2" python3 "$WORK/refused.py" "$SRV" 9999) ||
	fail "port unreachable through SNAT: $out"
pass "ICMP error through SNAT: the quoted datagram translated back, the sender's socket refused"
out=$(ip netns exec "$NS2" python3 "$WORK/refused.py" "$VIP" 9090) ||
	fail "port unreachable through DNAT: $out"
pass "ICMP error through DNAT: from the VIP, quoting the VIP's port, the sender's socket refused"

# --- exhaustion -------------------------------------------------------------
# (tight-pool, priority 20, comes before egress-pool, priority 100, whose id
# is lower: rules are tried by priority)
exhausted() {
	"$NFCTL" -j stats "$C" | json - 'j[0]["counters"]["drops"]["nat-exhausted"]'
}
before=$(exhausted)
serve "$NS11" 7000 "$WORK/tight.txt"
# four connections held open, from four endpoints, take the pool
cat > "$WORK/hold.py" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
print("open", flush=True)
time.sleep(float(sys.argv[3]))
PY
holders=()
for i in 1 2 3 4; do
	ns=NS$i
	ip netns exec "${!ns}" python3 "$WORK/hold.py" "$SRV" 7000 8 > "$WORK/hold$i.txt" 2>&1 &
	NFC_PIDS+=($!)
	holders+=($!)
done
for i in 1 2 3 4; do
	wait_file "$WORK/hold$i.txt"
	grep -q open "$WORK/hold$i.txt" || fail "h$i could not take a port of the pool: $(cat "$WORK/hold$i.txt")"
done
for i in 5 6; do
	ns=NS$i
	ip netns exec "${!ns}" python3 "$WORK/hold.py" "$SRV" 7000 0 > "$WORK/hold$i.txt" 2>&1 &&
		fail "h$i got a fifth port of a pool of four"
done
after=$(exhausted)
[ $((after - before)) -ge 2 ] || fail "nat-exhausted drops $before -> $after"
pass "a pool of 4 ports: 4 connections, the rest dropped as nat-exhausted ($((after - before)) drops)"

sleep 1
kill -TERM $MON
wait $MON || true
python3 - "$WORK/decisions.json" <<'PY' || fail "decisions: $(head -c 2000 "$WORK/decisions.json")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tight = [e for e in ev if e.get("rule") == "tight-pool" and e.get("reason") == "nat-exhausted"]
print(f"decision events: {len(ev)}, nat-exhausted under tight-pool: {len(tight)}")
sys.exit(0 if tight else 1)
PY
pass "exhaustion reported: drop events name the rule"

# --- aging: the translated tuples of connections gone ----------------------
aliases() {
	bpftool -j map dump pinned "$(find "$ULTRANIO_BPFFS" -name nfc_ct_nat | head -1)" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
# the connections that hold the tight pool closed first: a connection's
# packets after a flush are picked up midway and translated anew
for p in "${holders[@]}"; do
	wait "$p" || true
done
sleep 0.5
# closed, their tuples stay theirs while conntrack keeps them: a peer in
# TIME_WAIT would take a new connection on one for the old
before=$(exhausted)
ip netns exec "$NS7" python3 "$WORK/hold.py" "$SRV" 7000 0 > /dev/null 2>&1 &&
	fail "a closed connection's tuple given to a new one at once"
after=$(exhausted)
[ $((after - before)) -ge 1 ] || fail "nat-exhausted drops $before -> $after, after the pool's connections closed"
pass "the pool's 4 connections closed: their tuples not reused at once (nat-exhausted)"
a1=$(aliases)
# (the 1,000 are aged by now, closed 10 s and more ago; the tight pool's
# four are not)
[ "$a1" -ge 4 ] || fail "conntrack holds $a1 translated tuples, not the tight pool's 4 and more"
"$NFCTL" ct flush > /dev/null || fail "ct flush"
for _ in $(seq 50); do
	a2=$(aliases)
	[ "$a2" = 0 ] && break
	sleep 0.1
done
[ "$a2" = 0 ] || fail "translated tuples of flushed connections left after aging: $a2"
pass "aging: the $a1 translated tuples go with their connections"
