#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#
# vm-vlan (runs in the guest): the VLAN-aware switch (switch@1.1.0) with the
# kernel's own 802.1Q devices, which the host kernel lacks. h1 is an access
# port of VLAN 10, h4 one of VLAN 20; the trunk's far end is a veth with
# two VLAN devices on it, VLAN 10's in namespace t and VLAN 20's in
# namespace u, all five addresses in one subnet. ICMP and TCP go between
# the access ports and the VLAN devices of their VLAN, never across; first
# at tc-ingress, with every interface's defaults (the VLAN devices' tags
# travel beside the frames: tx-vlan-offload), then at XDP, which sees tags
# only in the frames: with tx-vlan-offload off on the trunk's far end, as
# the README says.
#
# usage: vlan.sh BUILD_DIR
export VM_TEST=vm-vlan
# shellcheck source=tests/vm/guest/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vm_require_guest

[[ $# -ge 1 ]] || fail "usage: $0 BUILD_DIR"
readonly BUILD=$1
readonly NFCTL=$BUILD/manager/nfctl
[[ -x $NFCTL ]] || fail "$NFCTL not built"
export ULTRANIO_BPFFS=/sys/fs/bpf/ultranio-vm ULTRANIO_STATE=/run/ultranio-vm

modprobe -d "$NFC_VM_MODDIR" 8021q || fail "modprobe 8021q"
no_ipv6

# host side NAME, namespace NS, its end eth0 with ADDR (or none)
endpoint() {
  ip netns add "$2"
  ip netns exec "$2" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1
  ip link add "$1" type veth peer name eth0 netns "$2"
  ip link set "$1" up
  ip -n "$2" link set eth0 up
  [[ $3 == none ]] || ip -n "$2" addr add "$3/24" dev eth0
}
endpoint h1 h1 10.40.0.1
endpoint h4 h4 10.40.0.4
endpoint tr t none
ip netns add u
ip -n t link add link eth0 name e10 type vlan id 10
ip -n t link add link eth0 name e20 type vlan id 20
ip -n t link set e20 netns u
ip -n t addr add 10.40.0.3/24 dev e10
ip -n u addr add 10.40.0.5/24 dev e20
ip -n t link set e10 up
ip -n u link set e20 up

apply() {
  cat > /run/vm-vlan.yaml <<YAML
chain: vl
attach:
  - {interface: h1, hook: $1}
  - {interface: h4, hook: $1}
  - {interface: tr, hook: $1}
entry: sw
nodes:
  - name: sw
    module: switch@1.1.0
    config:
      ports:
        - {interface: h1, domain: 10}
        - {interface: h4, domain: 20}
        - {interface: tr, domain: 1}
      vlans:
        - {interface: tr, vlan: 10}
        - {interface: tr, vlan: 20}
YAML
  "$NFCTL" chain apply /run/vm-vlan.yaml >/dev/null || fail "nfctl chain apply ($1)"
}

reaches() { ip netns exec "$1" ping -c 2 -i 0.3 -W 2 "$2" >/dev/null; }

# tcp FROM-NS TO-NS ADDR: 256 KiB of random bytes, arrived intact
tcp() {
  local got sent
  rm -f /tmp/rx.sum
  ip netns exec "$2" sh -c "socat -u TCP-LISTEN:5001,reuseaddr - | sha256sum > /tmp/rx.tmp && mv /tmp/rx.tmp /tmp/rx.sum" &
  sleep 0.5
  head -c 262144 /dev/urandom > /tmp/tx.bin
  ip netns exec "$1" socat -u - TCP:"$3":5001,connect-timeout=5 < /tmp/tx.bin ||
    fail "TCP $1 -> $3"
  for _ in $(seq 100); do [[ -s /tmp/rx.sum ]] && break; sleep 0.1; done
  sent=$(sha256sum < /tmp/tx.bin)
  got=$(cat /tmp/rx.sum 2>/dev/null)
  check_eq "TCP $1 -> $3: the bytes" "$got" "$sent"
}

check_segments() {
  reaches h1 10.40.0.3 || fail "$1: h1 (VLAN 10) cannot reach VLAN 10's device on the trunk"
  reaches h4 10.40.0.5 || fail "$1: h4 (VLAN 20) cannot reach VLAN 20's device on the trunk"
  reaches t 10.40.0.1 || fail "$1: VLAN 10's device cannot reach h1"
  tcp h1 t 10.40.0.3
  tcp u h4 10.40.0.4
  ! reaches h1 10.40.0.5 || fail "$1: h1 (VLAN 10) reached VLAN 20's device"
  ! reaches h1 10.40.0.4 || fail "$1: h1 (VLAN 10) reached h4 (VLAN 20)"
  ! reaches u 10.40.0.3 || fail "$1: VLAN 20's device reached VLAN 10's"
  say "$1: ICMP and TCP within VLAN 10 and within VLAN 20 across the trunk; nothing across VLANs"
}

flush_neigh() {
  local ns
  for ns in h1 h4 t u; do ip -n "$ns" neigh flush all; done
}

apply tc-ingress
check_segments tc-ingress

# XDP: frames between veths need their checksums filled in and NAPI on
# the receiving side (as nfctl warns), and the trunk's tags in the frames
flush_neigh
for ns in h1 h4 t; do
  ip netns exec "$ns" ethtool -K eth0 tx off gro on >/dev/null
done
for dev in h1 h4 tr; do ethtool -K "$dev" gro on >/dev/null; done
ip netns exec t ethtool -K eth0 txvlan off >/dev/null || fail "txvlan off"
"$NFCTL" chain delete vl >/dev/null || fail "nfctl chain delete"
apply xdp
check_segments xdp
check_eq "missed tail calls" "$("$NFCTL" -j stats vl | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["counters"]["missed_tail_calls"])')" 0
"$NFCTL" chain delete vl >/dev/null || fail "nfctl chain delete"
say "PASS"
