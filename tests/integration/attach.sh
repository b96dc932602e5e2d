#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# Attachments change all or nothing:
#  - new interfaces are attached first: when one fails (it holds someone
#    else's XDP program), the running roots were never touched and no
#    packet is lost;
#  - an XDP attachment whose mode changes must replace the running root
#    before the switch; when that replacement fails (hw mode on a veth),
#    the old root is put back, in its old mode, and the state records the
#    program that runs;
#  - a priority change (same mode, the root alone on its interface) swaps
#    the root in one step: not one ping of a 2 ms ping is lost, and a
#    failure later in the apply swaps the very same program back;
#  - the same change without the failing interface goes through;
#  - a tc attachment at a new priority leaves exactly one filter, and no
#    ping is lost while it moves;
#  - a chain cannot move between xdp and tc in one apply (packets would be
#    dropped or run twice while it moves): refused, nothing changes;
#  - a chain whose network namespace is gone is deleted from anywhere (and
#    not, while the namespace lives, from another).
. "$(dirname "$0")/lib.sh"

nfc_topology 3
nfc_xdp_endpoints 1 2 3
C=at-$TAG
write() { # MODE [EXTRA_INTERFACE]
	cat <<YAML
chain: $C
attach:
  - {interface: $HV1, hook: xdp, mode: $1}
  - {interface: $HV2, hook: xdp, mode: $1}
YAML
	[ -z "${2:-}" ] || printf '  - {interface: %s, hook: xdp, mode: %s}\n' "$2" "$1"
	cat <<YAML
entry: mr
nodes:
$(nfc_mr_node)
YAML
}
xdp_of() { # DEV: "MODE ID" of its XDP program
	bpftool -j net show dev "$1" | json - '" ".join("%s %d" % (x["mode"], x["id"]) for x in j[0]["xdp"])'
}
recorded() { # DEV: program id the state records there
	"$NFCTL" -j chain show "$C" | json - "[a['prog_id'] for a in j['attach'] if a['interface'] == '$1'][0]"
}

write native > "$WORK/native.yaml"
"$NFCTL" chain apply "$WORK/native.yaml" >/dev/null 2>&1 || fail "apply native"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping (native)"
read -r mode1 id1 <<< "$(xdp_of "$HV1")"
[ "$mode1" = driver ] || fail "$HV1 runs $mode1"

# someone else's XDP program on the third interface: attaching there fails
ip link set dev "$HV3" xdpdrv obj "$NFC_BUILD/tests/tools/nfc_traffic_count.xdp.o" sec xdp ||
	fail "foreign XDP program"
foreign=$(xdp_of "$HV3")
write skb "$HV3" > "$WORK/skb-bad.yaml"
bg ip netns exec "$NS1" ping -c 30 -i 0.05 -W 1 "$IP2" > "$WORK/ping.txt"
ping_pid=${NFC_PIDS[-1]}
sleep 0.3
if "$NFCTL" chain apply "$WORK/skb-bad.yaml" 2> "$WORK/err" >/dev/null; then
	fail "apply with a busy interface succeeded"
fi
grep -q "attach xdp (skb) to $HV3: Device or resource busy (another XDP program is attached there" "$WORK/err" ||
	fail "error: $(cat "$WORK/err")"
wait "$ping_pid" || true
read -r mode1b id1b <<< "$(xdp_of "$HV1")"
[ "$mode1b" = driver ] || fail "$HV1 left in '$mode1b' mode after the failed apply"
[ "$(recorded "$HV1")" = "$id1b" ] || fail "state records program $(recorded "$HV1"), $HV1 runs $id1b"
[ "$(xdp_of "$HV3")" = "$foreign" ] || fail "the foreign program on $HV3 was touched"
[ "$("$NFCTL" -j chain show "$C" | json - 'j["version"]')" = 1 ] || fail "version moved"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping after the failed apply"
[ "$id1b" = "$id1" ] || fail "the native root was replaced ($id1 -> $id1b) though the failure came first"
grep -q " 0% packet loss" "$WORK/ping.txt" || fail "pings lost: $(tail -2 "$WORK/ping.txt")"
pass "a failing new interface left the running roots alone: $(grep -o '[0-9]* received' "$WORK/ping.txt") of 30 pings"

# a replacement that fails itself: the old root goes back
write hw > "$WORK/hw.yaml"
"$NFCTL" chain apply "$WORK/hw.yaml" 2> "$WORK/err" >/dev/null && fail "hw mode on a veth applied"
grep -q "attach xdp (hw) to $HV1" "$WORK/err" || fail "error: $(cat "$WORK/err")"
read -r mode1c id1c <<< "$(xdp_of "$HV1")"
[ "$mode1c" = driver ] || fail "$HV1 left in '$mode1c' mode after the failed replacement"
[ "$id1c" != "$id1" ] || fail "no replacement happened: the test proves nothing"
[ "$(recorded "$HV1")" = "$id1c" ] || fail "state records program $(recorded "$HV1"), $HV1 runs $id1c"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping after the failed replacement"
pass "a failed replacement put the native root back (program $id1 -> $id1c, recorded)"

# a priority change: one step, nothing lost
sed "s/{interface: $HV1, hook: xdp, mode: native}/{interface: $HV1, hook: xdp, mode: native, priority: 7}/" \
	"$WORK/native.yaml" > "$WORK/prio.yaml"
read -r _ before <<< "$(xdp_of "$HV1")"
bg ip netns exec "$NS1" ping -c 500 -i 0.002 -W 1 "$IP2" > "$WORK/ping3.txt"
ping_pid=${NFC_PIDS[-1]}
sleep 0.2
for f in prio native prio; do
	"$NFCTL" chain apply "$WORK/$f.yaml" >/dev/null 2>&1 || fail "apply $f"
	sleep 0.1
done
wait "$ping_pid" || fail "pings lost while the priority changed: $(tail -2 "$WORK/ping3.txt")"
read -r mode1e id1e <<< "$(xdp_of "$HV1")"
[ "$mode1e" = driver ] && [ "$id1e" != "$before" ] && [ "$(recorded "$HV1")" = "$id1e" ] ||
	fail "$HV1 after the priority changes: $mode1e $id1e (was $before, recorded $(recorded "$HV1"))"
pass "3 priority changes at xdp: $(grep -o '[0-9]* received' "$WORK/ping3.txt") of 500 pings at 2 ms"

# ... and when a later step fails, the same program goes back in one step
sed "s/{interface: $HV2, hook: xdp, mode: native}/{interface: $HV2, hook: xdp, mode: hw}/" \
	"$WORK/native.yaml" > "$WORK/prio-bad.yaml"
"$NFCTL" chain apply "$WORK/prio-bad.yaml" >/dev/null 2>&1 && fail "hw on a veth applied"
read -r mode1f id1f <<< "$(xdp_of "$HV1")"
[ "$mode1f" = driver ] && [ "$id1f" = "$id1e" ] && [ "$(recorded "$HV1")" = "$id1f" ] ||
	fail "$HV1 after the failed apply runs $mode1f $id1f, not $id1e"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping after the failed apply"
pass "a failed apply swapped the running root back in one step (program $id1e)"

ip link set dev "$HV3" xdpdrv off
write skb > "$WORK/skb.yaml"
"$NFCTL" chain apply "$WORK/skb.yaml" >/dev/null 2>&1 || fail "apply skb"
read -r mode1d id1d <<< "$(xdp_of "$HV1")"
[ "$mode1d" = generic ] || fail "$HV1 runs $mode1d after the change to skb"
[ "$(recorded "$HV1")" = "$id1d" ] || fail "state does not record the skb root"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping (skb)"
pass "mode change native -> skb applied"
"$NFCTL" chain delete "$C" || fail "delete"

# tc: a new priority is a second filter until the switch, then the only one
tc_chain() {
	nfc_mr_chain "$C" | sed "s/hook: tc-ingress}/hook: tc-ingress, priority: $1}/"
}
tc_chain 50 > "$WORK/tc50.yaml"
tc_chain 60 > "$WORK/tc60.yaml"
"$NFCTL" chain apply "$WORK/tc50.yaml" >/dev/null || fail "apply tc 50"
bg ip netns exec "$NS1" ping -c 40 -i 0.05 -W 1 "$IP2" > "$WORK/ping2.txt"
ping_pid=${NFC_PIDS[-1]}
sleep 0.3
"$NFCTL" chain apply "$WORK/tc60.yaml" >/dev/null || fail "apply tc 60"
wait "$ping_pid" || fail "pings lost while the filter moved: $(tail -2 "$WORK/ping2.txt")"
prios=$(tc -j filter show dev "$HV1" ingress | json - 'sorted({f["pref"] for f in j})')
[ "$prios" = "[60]" ] || fail "filters on $HV1 ingress at priorities $prios"
pass "tc priority 50 -> 60: one filter left, $(grep -o '[0-9]* received' "$WORK/ping2.txt") of 40 pings"

# a kept attachment whose root someone removed is attached again
tc filter del dev "$HV1" ingress pref 60
ip netns exec "$NS1" ping -c 1 -W 1 "$IP2" >/dev/null 2>&1 && fail "ping without the root on $HV1"
"$NFCTL" chain apply "$WORK/tc60.yaml" >/dev/null || fail "re-apply"
[ "$(tc -j filter show dev "$HV1" ingress | json - 'sorted({f["pref"] for f in j})')" = "[60]" ] ||
	fail "the removed filter was not attached again"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping after the re-apply"
pass "a root removed behind nfctl's back is attached again by the next apply"

nfc_mr_chain "$C" macrouter xdp > "$WORK/to-xdp.yaml"
"$NFCTL" chain apply "$WORK/to-xdp.yaml" 2> "$WORK/err" >/dev/null && fail "moved from tc to xdp"
grep -q "chain '$C' runs at tc: a descriptor cannot move it to xdp" "$WORK/err" || fail "error: $(cat "$WORK/err")"
[ "$(tc -j filter show dev "$HV1" ingress | json - 'sorted({f["pref"] for f in j})')" = "[60]" ] ||
	fail "the tc filter moved"
ip link show "$HV1" | grep -q "prog/xdp" && fail "an XDP root was attached"
ip netns exec "$NS1" ping -c 2 -i 0.2 -W 1 "$IP2" >/dev/null || fail "ping after the refused move"
pass "moving between tc and xdp refused: $(cat "$WORK/err")"

# A chain whose network namespace is gone, its interfaces and attachments
# with it, is deleted from anywhere: nothing is left to detach.
GNS=nfc-$TAG-gone
ip netns add "$GNS"
NFC_NETNS+=("$GNS")
ip -n "$GNS" link add ga type veth peer name gb
ip -n "$GNS" link set ga up
ip -n "$GNS" link set gb up
printf 'chain: gone-%s\nattach:\n  - {interface: ga, hook: tc-ingress}\n  - {interface: gb, hook: tc-ingress}\nentry: n\nnodes:\n  - {name: n, module: nop}\n' \
	"$TAG" > "$WORK/gone.yaml"
nsenter --net="/run/netns/$GNS" "$NFCTL" chain apply "$WORK/gone.yaml" > /dev/null 2>&1 ||
	fail "apply in $GNS: $(nsenter --net="/run/netns/$GNS" "$NFCTL" chain apply "$WORK/gone.yaml" 2>&1)"
"$NFCTL" chain delete "gone-$TAG" 2> "$WORK/err" && fail "deleted from another namespace while its own lives"
grep -q "run nfctl there" "$WORK/err" || fail "error: $(cat "$WORK/err")"
ip netns del "$GNS"
deleted=
for _ in $(seq 50); do
	# the namespace's teardown (and the programs' release) is asynchronous
	if "$NFCTL" chain delete "gone-$TAG" 2> "$WORK/err"; then
		deleted=1
		break
	fi
	sleep 0.1
done
[ -n "$deleted" ] || fail "a chain whose namespace is gone is not deletable: $(cat "$WORK/err")"
[ ! -e "$ULTRANIO_BPFFS/chains/gone-$TAG" ] || fail "its pins are left"
"$NFCTL" -j chain list | grep -q "gone-$TAG" && fail "still listed"
pass "a chain whose namespace is gone is deleted from the host, pins and all"
