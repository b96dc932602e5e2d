// SPDX-License-Identifier: GPL-2.0-only
/* floor: the empty XDP program, the limit every other figure is divided by. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int nfc_floor(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
