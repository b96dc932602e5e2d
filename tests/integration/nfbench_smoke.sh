#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# nfbench runs and reports in its formats: one JSON line per figure with
# the fields every figure must have, a Markdown report, PNG plots. It checks
# no speed: that is nfbench's job, not a test's.
. "$(dirname "$0")/lib.sh"
NFBENCH=$NFC_BUILD/bench/nfbench

"$NFBENCH" --quick --json "$WORK/r.json" --markdown "$WORK/r.md" --plot "$WORK/plots" hops \
	> "$WORK/stdout.json" 2> "$WORK/progress" || fail "nfbench failed: $(tail -3 "$WORK/progress")"
cmp -s "$WORK/r.json" "$WORK/stdout.json" || fail "--json differs from stdout"
python3 - "$WORK/r.json" <<'PY' || fail "JSON lines"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows, "no figures"
for r in rows:
    assert set(r) == {"scenario", "variant", "metric", "value", "unit", "params"}, r
    assert r["params"]["kernel"] and r["params"]["cpu"], r
    assert r["value"] > 0, r
names = {(r["scenario"], r["variant"]) for r in rows}
for v in ("chain-1", "chain-4", "chain-16", "per-hop"):
    assert ("hops", v) in names, v
assert ("floor", "empty-xdp") in names
PY
grep -q "^## hops" "$WORK/r.md" || fail "Markdown report"
grep -q "× floor" "$WORK/r.md" || fail "ratios in the report"
[ -s "$WORK/plots/hops-ns_per_packet.png" ] || fail "plot"
grep -q "round 1/" "$WORK/progress" || fail "progress on stderr"
[ ! -e /sys/fs/bpf/nfbench-* ] 2>/dev/null || true
pass "nfbench: $(wc -l < "$WORK/r.json") figures, report and plot"
