#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#
# vm-ultranio-dispatcher (runs in the guest): an UltraNIO XDP chain and
# Debian's xdp-filter share one veth through libxdp's dispatcher. The chain
# (root, tail call into a nop node, executor) is applied with nfctl; traffic
# is sent with the chain after xdp-filter and then, re-applied at another
# priority, before it. Both programs see traffic, in priority order: the
# chain sees what xdp-filter drops only when it runs first; no tail call
# ever misses.
#
# usage: ultranio-dispatcher.sh BUILD_DIR [MODE]   (MODE: native|skb)
export VM_TEST=vm-ultranio-dispatcher
# shellcheck source=tests/vm/guest/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vm_require_guest

[[ $# -ge 1 ]] || fail "usage: $0 BUILD_DIR [native|skb]"
readonly BUILD=$1 MODE=${2:-native}
readonly NFCTL=$BUILD/manager/nfctl
readonly N=16 PASS_PORT=7002 DROP_PORT=7001
[[ -x $NFCTL ]] || fail "$NFCTL not built"
export ULTRANIO_BPFFS=/sys/fs/bpf/ultranio-vm ULTRANIO_STATE=/run/ultranio-vm

no_ipv6
veth_pair peer 10.30.0.1 10.30.0.2
# a new namespace does not inherit disable_ipv6: without this, v1's router
# solicitations and MLD reports cross v0 too and the chain counts them
ip netns exec peer sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
  net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.v1.disable_ipv6=1
# static neighbours: only the test's datagrams cross v0
ip neigh replace 10.30.0.2 lladdr "$(ip -n peer -br link show v1 | awk '{print $3}')" dev v0 nud permanent
ip -n peer neigh replace 10.30.0.1 lladdr "$(ip -br link show v0 | awk '{print $3}')" dev v1 nud permanent

stat() { "$NFCTL" -j stats vm | python3 -c "import json,sys; j=json.load(sys.stdin)[0]; print($1)"; }
chain_packets() { stat 'j["nodes"][0]["counters"]["packets"]'; }
noports_delta() { echo $(($(udp_noports) - noports0)); }

xdp-filter load -m "$MODE" v0 || fail "xdp-filter load -m $MODE v0 failed"
xdp-filter port -m dst -p udp $DROP_PORT || fail "xdp-filter port $DROP_PORT failed"
read -r fprio fname fid < <(dispatcher_progs v0)
[[ $fname == xdpfilt_* ]] || fail "xdp-filter not behind a dispatcher: $(xdp-loader status v0)"
say "xdp-filter runs as $fname (id $fid) at priority $fprio"

apply() {
  cat > /run/vm-chain.yaml <<YAML
chain: vm
attach:
  - {interface: v0, hook: xdp, mode: $MODE, priority: $1}
entry: n
nodes:
  - {name: n, module: nop}
YAML
  "$NFCTL" chain apply /run/vm-chain.yaml >/dev/null || fail "nfctl chain apply (priority $1)"
}

phase=0
run_phase() {
  local prio=$1 want_seen=$2 st order rid hits0 seen0
  phase=$((phase + 1))
  say "--- phase $phase: UltraNIO chain at priority $prio, xdp-filter at $fprio"
  apply "$prio"
  xdp-loader status v0
  st=$(dispatcher_progs v0)
  order=$(awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }' <<<"$st")
  if ((prio < fprio)); then
    check_eq "programs in run order" "$order" "nfc_root:$prio $fname:$fprio"
  else
    check_eq "programs in run order" "$order" "$fname:$fprio nfc_root:$prio"
  fi
  rid=$(awk '$2 == "nfc_root" { print $3 }' <<<"$st")
  check_eq "program type of UltraNIO's root" "$(prog_type "$rid")" ext
  check_eq "program type of xdp-filter's program" "$(prog_type "$fid")" ext

  hits0=$(filter_hits $DROP_PORT)
  seen0=$(chain_packets)
  noports0=$(udp_noports)
  send_udp peer 10.30.0.1 $PASS_PORT $N
  send_udp peer 10.30.0.1 $DROP_PORT $N
  wait_eq "xdp-filter: dropped datagrams to port $DROP_PORT" $((hits0 + N)) filter_hits $DROP_PORT
  wait_eq "UltraNIO chain: frames through its node" $((seen0 + want_seen)) chain_packets
  wait_eq "datagrams that reached the UDP stack" $N noports_delta
  check_eq "missed tail calls" "$(stat 'j["counters"]["missed_tail_calls"]')" 0
}

# After xdp-filter, the chain sees only what xdp-filter passed ...
run_phase $((fprio + 10)) $N
# ... before it, everything.
run_phase $((fprio - 1)) $((2 * N))

"$NFCTL" chain delete vm || fail "nfctl chain delete"
check_eq "programs left behind the dispatcher" "$(dispatcher_progs v0 | awk '{print $2}')" "$fname"
xdp-filter unload v0 || fail "xdp-filter unload v0 failed"
say "PASS"
