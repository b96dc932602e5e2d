#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Decisions and drops as users see them, through nfmgrd and nfctl monitor:
# - a scripted set of connections, allowed and denied by rules of the acl
#   test module, yields exactly one decision event per connection, naming
#   the chain, the node and the rule (id and name);
# - kill -9 of nfmgrd under 100k pps: not one packet lost, and the new
#   daemon's counters carry on;
# - a flood of malformed frames at the generator's full rate beside a good
#   flow: the good flow is forwarded, drop events are rate-limited and what
#   they leave out is reported as suppressed.
. "$(dirname "$0")/lib.sh"
export ULTRANIO_CATALOG=$NFC_BUILD/tests/catalog
C=ev-$TAG

nfc_topology 2
nfc_acl_chain "$C" > "$WORK/chain.yaml"
"$NFCTL" chain apply "$WORK/chain.yaml" >/dev/null || fail "apply"
rule() {
	"$NFCTL" nf "$C" acl rules add "$@" >/dev/null || fail "acl rule $*"
}
rule id 1 proto 6 dport 5001 action allow name web
rule id 5 proto 6 dport 5011 action allow name bulk
rule id 2 proto 6 dport 5002 action deny name blocked
rule id 3 proto 17 dport 7777 action deny name no-7777
rule id 4 proto 1 action allow name ping
nfc_nfmgrd_start

# --- decisions: one per connection ---------------------------------------
"$NFCTL" monitor --socket "$SOCK" --json --timeout 30 type decision \
	chain "$C" > "$WORK/decisions.json" &
MON=$!
NFC_PIDS+=($MON)
nfc_wait_clients 1

bg ip netns exec "$NS2" socat -u TCP-LISTEN:5001,reuseaddr,fork /dev/null
sleep 0.3
for i in 1 2 3; do   # allowed, each with data and FIN
	head -c 100000 /dev/zero | ip netns exec "$NS1" socat -u - TCP:"$IP2":5001 ||
		fail "TCP to 5001 ($i)"
done
for i in 1 2; do     # denied: SYNs retransmitted until the timeout
	ip netns exec "$NS1" socat -u /dev/null TCP:"$IP2":5002,connect-timeout=2 2>/dev/null &&
		fail "TCP to 5002 got through"
done
for p in 40001 40002; do # denied: several datagrams each
	for _ in 1 2 3 4; do
		echo x | ip netns exec "$NS1" socat -u - UDP:"$IP2":7777,sourceport=$p
	done
done
ip netns exec "$NS1" ping -c 3 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping"
sleep 1
kill -TERM $MON
wait $MON || true

python3 - "$WORK/decisions.json" "$C" <<'PY' || fail "decisions: $(cat "$WORK/decisions.json")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ev = [e for e in ev if e["type"] == "decision"]
def conns(rule):
    return [e for e in ev if e.get("rule") == rule]
want = {"web": (3, "allow"), "blocked": (2, "deny"), "no-7777": (2, "deny"), "ping": (1, "allow")}
ok = True
for rule, (n, verdict) in want.items():
    got = conns(rule)
    keys = {(e["src"], e.get("sport"), e["dst"], e.get("dport"), e.get("id")) for e in got}
    if len(got) != n or len(keys) != n:
        print(f"rule {rule}: {len(got)} events for {len(keys)} connections, want {n}", file=sys.stderr)
        ok = False
    for e in got:
        if (e["verdict"] == "drop") != (verdict == "deny") or \
           e["chain"] != sys.argv[2] or e["node"] != "acl":
            print(f"rule {rule}: {e}", file=sys.stderr)
            ok = False
if len(ev) != sum(n for n, _ in want.values()):
    print(f"{len(ev)} decisions in all", file=sys.stderr)
    ok = False
print(" ".join(f"{r}={len(conns(r))}" for r in want))
sys.exit(0 if ok else 1)
PY
pass "one decision per connection, naming chain, node and rule"

# --- kill -9 under 100k pps ----------------------------------------------
# one UDP flow (conntrack, the flow cache, aging all at work)
rule id 6 proto 17 dport 6000 action allow name udp-6000
p0=$(nfc_metric ultranio_chain_packets_total chain="$C")
"$TRAFFIC" count --netns "$NS2" --dev eth0 --udp-port 6000 --run-id 61 \
	--ready-file "$WORK/ready" > "$WORK/count.json" &
CPID=$!
NFC_PIDS+=($CPID)
wait_file "$WORK/ready"
"$TRAFFIC" send --netns "$NS1" --dev eth0 --src "$MAC1" --dst "$MAC2" \
	--udp "$IP1:6000,$IP2:6000" --run-id 61 --rate 100000 --duration 4 > "$WORK/send.json" &
SPID=$!
NFC_PIDS+=($SPID)
sleep 1
ct_handle() {
	"$NFCTL" -j ct list proto udp port 6000 | json - 'j[0]["handle"] if len(j) == 1 else "none"'
}
h0=$(ct_handle)
kill -9 $DPID
wait $DPID 2>/dev/null || true
sleep 1
nfc_nfmgrd_start
sleep 1.5 # an aging pass or more of the new daemon
h1=$(ct_handle)
[ "$h0" != none ] && [ "$h0" = "$h1" ] || fail "the connection did not survive the restart: $h0, then $h1"
wait $SPID || fail "sender"
sleep 0.3
kill -INT $CPID
wait $CPID || true
sent=$(json "$WORK/send.json" 'j["sent"]')
got=$(json "$WORK/count.json" 'j["received"]')
pps=$(json "$WORK/send.json" 'int(j["rate_pps"])')
p1=$(nfc_metric ultranio_chain_packets_total chain="$C")
echo "kill -9 under load: sent $sent at ${pps} pps, received $got; chain packets $p0 -> $p1"
((pps >= 90000)) || fail "the sender reached only $pps pps"
[ "$sent" = "$got" ] || fail "lost $((sent - got)) of $sent"
((p1 >= p0 + sent)) || fail "counters went back or missed packets: $p0 -> $p1 after $sent"
pass "kill -9 of nfmgrd at ${pps} pps: no packet lost, the connection kept, counters carry on"

# --- a malformed flood beside a good flow -------------------------------
"$NFCTL" config set drop-events-per-sec 50 >/dev/null || fail "config set"
m0=$(nfc_metric ultranio_chain_drops_total chain="$C" reason=malformed)
"$NFCTL" monitor --socket "$SOCK" --json --timeout 8 type drop chain "$C" > "$WORK/flood.json" &
MON=$!
NFC_PIDS+=($MON)
nfc_wait_clients 1
# IPv4 frames whose header is the generator's payload: malformed
bg "$TRAFFIC" send --netns "$NS1" --dev eth0 --src "$MAC1" --dst "$MAC2" \
	--ethertype 0x0800 --run-id 62 --rate 0 --duration 4
sleep 0.5
nfc_tcp_stream 1 2 20000000 5011
sleep 4
wait $MON || true
m1=$(nfc_metric ultranio_chain_drops_total chain="$C" reason=malformed)
read -r events suppressed < <(python3 -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ev = [l for l in ls if l["type"] == "drop" and l["reason"] == "malformed"]
sup = sum(l.get("suppressed", 0) for l in ev) + sum(l["count"] for l in ls if l["type"] == "suppressed" and l["reason"] == "malformed")
print(len(ev), sup)' "$WORK/flood.json")
echo "flood: $((m1 - m0)) malformed frames dropped; $events drop events, $suppressed reported suppressed"
(((m1 - m0) >= 100000)) || fail "the flood reached only $((m1 - m0)) frames"
# 50 per second per CPU, over the few seconds of the flood
((events <= 50 * $(nproc) * 6)) || fail "$events drop events: not rate-limited"
((events >= 1 && suppressed >= (m1 - m0) / 2)) || fail "suppressed drops not reported"
pass "a malformed flood: the good flow went through, $events events, $suppressed suppressed reported"
