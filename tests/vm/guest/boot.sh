#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#
# vm-boot (runs in the guest): the guest runs Debian's distribution kernel,
# and cls_flower works there: two `flower skip_hw` filters on a veth's
# ingress, one mirroring to a second veth pair, one dropping, count exactly
# the packets sent from a netns, and their actions take effect.
export VM_TEST=vm-boot
# shellcheck source=tests/vm/guest/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vm_require_guest

readonly N=20 PASS_PORT=7002 DROP_PORT=7001

# --- the kernel -----------------------------------------------------------
check_eq "kernel release" "$(uname -r)" "$NFC_VM_KVER"
grep -q 'debian-kernel@lists.debian.org' /proc/version ||
  fail "not a Debian kernel: $(cat /proc/version)"
say "ok: $(cut -d' ' -f1-3 /proc/version) (Debian build)"
for m in cls_flower act_mirred act_gact sch_ingress veth; do
  [[ -d /sys/module/$m ]] || fail "module $m is not loaded"
done
say "ok: cls_flower, act_mirred, act_gact, sch_ingress, veth loaded"
[[ -r /sys/kernel/btf/vmlinux ]] || fail "no kernel BTF at /sys/kernel/btf/vmlinux"
mountpoint -q /sys/fs/bpf || fail "/sys/fs/bpf is not mounted"

# --- flower ---------------------------------------------------------------
no_ipv6
veth_pair peer 10.20.0.1 10.20.0.2
# The mirror target: m0 -> m1, we count what m1 receives.
ip link add m0 type veth peer name m1
ip link set m0 up
ip link set m1 up

tc qdisc add dev v0 clsact
tc filter add dev v0 ingress protocol ip pref 10 flower skip_hw \
  ip_proto udp dst_port $PASS_PORT action mirred egress mirror dev m0 ||
  fail "tc filter add ... flower skip_hw ... mirred failed"
tc filter add dev v0 ingress protocol ip pref 20 flower skip_hw \
  ip_proto udp dst_port $DROP_PORT action drop ||
  fail "tc filter add ... flower skip_hw ... drop failed"
tc filter show dev v0 ingress

for pref in 10 20; do
  out=$(tc filter show dev v0 ingress pref $pref)
  grep -q skip_hw <<<"$out" || fail "pref $pref: no skip_hw in: $out"
  grep -q not_in_hw <<<"$out" || fail "pref $pref: no not_in_hw in: $out"
done

# Packets the action of filter PREF saw ("Sent B bytes P pkt").
filter_pkts() {
  tc -s filter show dev v0 ingress pref "$1" |
    awk '/Sent [0-9]+ bytes [0-9]+ pkt/ { print $4; exit }'
}
m1_rx() { cat /sys/class/net/m1/statistics/rx_packets; }
m1_delta() { echo $(($(m1_rx) - m1_rx0)); }
noports_delta() { echo $(($(udp_noports) - noports0)); }

noports0=$(udp_noports)
m1_rx0=$(m1_rx)
send_udp peer 10.20.0.1 $PASS_PORT $N
send_udp peer 10.20.0.1 $DROP_PORT $N

wait_eq "flower pref 10 (udp dst $PASS_PORT, mirred) packets" $N filter_pkts 10
wait_eq "flower pref 20 (udp dst $DROP_PORT, drop) packets" $N filter_pkts 20
wait_eq "packets mirrored to m0, received on m1" $N m1_delta
# Mirrored packets still reach the stack; dropped ones do not.
wait_eq "datagrams that reached the UDP stack" $N noports_delta

say "PASS"
