# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# shellcheck shell=bash
# Helpers for scripts that run inside the vm tier's guest (see run.sh).
# Source it; it sets `set -euo pipefail`.
set -euo pipefail

# CTest's SKIP_RETURN_CODE for this tier.
readonly VM_SKIP=77
VM_TEST=${VM_TEST:-$(basename "$0" .sh)}

say() { printf '%s: %s\n' "$VM_TEST" "$*"; }
fail() { printf '%s: FAIL: %s\n' "$VM_TEST" "$*" >&2; exit 1; }
skip() { printf '%s: SKIP: %s\n' "$VM_TEST" "$*" >&2; exit "$VM_SKIP"; }

# Refuses to run on the host: these scripts change the network setup.
vm_require_guest() {
  [[ ${NFC_VM:-} == 1 ]] ||
    skip "must run inside the vm tier's guest: tests/vm/run.sh $0"
  [[ -n ${NFC_VM_KVER:-} ]] || fail "NFC_VM_KVER not set by run.sh"
}

# check_eq WHAT GOT WANT
check_eq() {
  if [[ $2 != "$3" ]]; then
    fail "$1: got '$2', want '$3'"
  fi
  say "ok: $1 = $2"
}

# wait_eq WHAT WANT CMD...: polls CMD's output (up to ~5 s) until it is
# WANT, then checks it. Packets cross veth asynchronously (NAPI).
wait_eq() {
  local what=$1 want=$2 got _
  shift 2
  for _ in $(seq 50); do
    got=$("$@")
    [[ $got == "$want" ]] && break
    sleep 0.1
  done
  check_eq "$what" "$got" "$want"
}

# No IPv6 on interfaces created from now on (in this netns): no router or
# neighbour solicitations muddying packet counts.
no_ipv6() {
  sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# veth_pair NS ADDR_HERE ADDR_THERE: creates v0 here (ADDR_HERE/24) and v1
# in a new netns NS (ADDR_THERE/24), both up.
veth_pair() {
  local ns=$1 here=$2 there=$3
  ip netns add "$ns"
  ip link add v0 type veth peer name v1
  ip link set v1 netns "$ns"
  ip addr add "$here/24" dev v0
  ip link set v0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$there/24" dev v1
  ip -n "$ns" link set v1 up
}

# send_udp NS DST PORT COUNT: COUNT one-byte UDP datagrams from netns NS.
# Each datagram from a source port of its own (30000 + i): two from one
# ephemeral port would be one flow, and the flow cache would serve the
# second without the chain's nodes (it happened once in four CI runs).
send_udp() {
  ip netns exec "$1" python3 -c '
import socket, sys
dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", 30000 + i))
    s.sendto(b"x", (dst, port))
    s.close()' "$2" "$3" "$4"
}

# The kernel's count of UDP datagrams to closed ports (they did reach the
# stack, so XDP or tc passed them).
udp_noports() {
  awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 }
                 else print $col["NoPorts"] }' /proc/net/snmp
}

# dispatcher_progs IF: "PRIO NAME ID" for each program behind the libxdp
# dispatcher on IF, in the order xdp-loader lists them (= run order).
dispatcher_progs() {
  xdp-loader status "$1" | awk '$1 == "=>" { print $2, $3, $4 }'
}

# prog_type ID: the BPF program type of program ID ("xdp", "ext", ...).
prog_type() { bpftool prog show id "$1" | awk -F'[: ]+' 'NR == 1 { print $2 }'; }

# filter_hits PORT: UDP datagrams to PORT that xdp-filter dropped.
filter_hits() {
  xdp-filter status | awk -v p="$1" '$1 == p && $2 ~ /udp/ { print $3 }'
}
