#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#
# vm-xdp-dispatcher (runs in the guest): two XDP programs share one veth
# through libxdp's dispatcher (freplace): Debian's xdp-filter (dropping one
# UDP port) and a counting program (xdp_vm_count.o) loaded with xdp-loader.
# Traffic is sent twice, once with the counter after xdp-filter and once
# before it; the counter sees the dropped port only when it runs first.
#
# usage: xdp-dispatcher.sh XDP_VM_COUNT_OBJ [MODE]   (MODE: native|skb)
export VM_TEST=vm-xdp-dispatcher
# shellcheck source=tests/vm/guest/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vm_require_guest

[[ $# -ge 1 ]] || fail "usage: $0 XDP_VM_COUNT_OBJ [native|skb]"
readonly OBJ=$1 MODE=${2:-native}
readonly N=16 PASS_PORT=7002 DROP_PORT=7001
[[ -f $OBJ ]] || fail "$OBJ not found (build the vm_xdp_count target)"
for t in xdp-loader xdp-filter bpftool; do
  command -v $t >/dev/null || fail "$t not installed (tests/vm/prepare.sh installs it)"
done

no_ipv6
veth_pair peer 10.30.0.1 10.30.0.2

dispatcher_line() {
  xdp-loader status v0 | awk '$1 == "v0" && $2 == "xdp_dispatcher"'
}
# count PORT: UDP datagrams to PORT the counting program saw.
count() {
  bpftool -j map lookup name vm_udp_cnt key $(($1 & 255)) $(($1 >> 8)) 0 0 |
    sed -n 's/.*"formatted":{"key":[0-9]*,"value":\([0-9]*\)}.*/\1/p'
}
noports_delta() { echo $(($(udp_noports) - noports0)); }

xdp-filter load -m "$MODE" v0 || fail "xdp-filter load -m $MODE v0 failed"
xdp-filter port -m dst -p udp $DROP_PORT || fail "xdp-filter port $DROP_PORT failed"
read -r fprio fname fid < <(dispatcher_progs v0)
[[ $fname == xdpfilt_* ]] || fail "xdp-filter's program not found behind a dispatcher: $(xdp-loader status v0)"
say "xdp-filter runs as $fname (id $fid) at priority $fprio"
(( fprio > 1 )) || fail "xdp-filter's priority $fprio leaves no room to run before it"

# run_phase PRIO SEEN_DROP_PORT
#   loads the counter at PRIO, sends N datagrams to each port and checks
#   who saw what. SEEN_DROP_PORT: what the counter must see of the dropped
#   port (0 when xdp-filter runs first, N when the counter does).
phase=0
run_phase() {
  local prio=$1 want_drop=$2 hits0 st dline order cid
  phase=$((phase + 1))
  say "--- phase $phase: counter at priority $prio, xdp-filter at $fprio"
  xdp-loader load -m "$MODE" -P "$prio" v0 "$OBJ" ||
    fail "xdp-loader load -m $MODE -P $prio v0 $OBJ failed"
  xdp-loader status v0

  dline=$(dispatcher_line)
  [[ -n $dline ]] || fail "no xdp_dispatcher on v0"
  [[ $dline == *" $MODE "* ]] || fail "dispatcher not in $MODE mode: $dline"
  st=$(dispatcher_progs v0)
  order=$(awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }' <<<"$st")
  if ((prio < fprio)); then
    check_eq "programs in run order" "$order" "vm_count:$prio $fname:$fprio"
  else
    check_eq "programs in run order" "$order" "$fname:$fprio vm_count:$prio"
  fi
  cid=$(awk '$2 == "vm_count" { print $3 }' <<<"$st")
  check_eq "program type of xdp-filter's program" "$(prog_type "$fid")" ext
  check_eq "program type of vm_count" "$(prog_type "$cid")" ext

  hits0=$(filter_hits $DROP_PORT)
  noports0=$(udp_noports)
  send_udp peer 10.30.0.1 $PASS_PORT $N
  send_udp peer 10.30.0.1 $DROP_PORT $N

  wait_eq "xdp-filter: dropped datagrams to port $DROP_PORT" $((hits0 + N)) filter_hits $DROP_PORT
  wait_eq "vm_count: datagrams seen to port $PASS_PORT" $N count $PASS_PORT
  wait_eq "vm_count: datagrams seen to port $DROP_PORT" "$want_drop" count $DROP_PORT
  wait_eq "datagrams that reached the UDP stack" $N noports_delta

  xdp-loader unload -i "$cid" v0 || fail "xdp-loader unload -i $cid v0 failed"
}

# After xdp-filter, the counter never sees what xdp-filter dropped ...
run_phase $((fprio + 10)) 0
# ... before it, it sees everything.
run_phase $((fprio - 1)) $N

xdp-filter unload v0 || fail "xdp-filter unload v0 failed"
if ip -d link show dev v0 | grep -q 'prog/xdp'; then
  fail "an XDP program is still attached to v0 after unloading both"
fi
say "ok: v0 has no XDP program after unloading both"
say "PASS"
