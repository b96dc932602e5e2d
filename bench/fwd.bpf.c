// SPDX-License-Identifier: GPL-2.0-only
/*
 * fwd: the bare XDP forwarder nfbench holds UltraNIO against: every frame
 * goes out of one interface, by bpf_redirect(), with no parsing at all.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 out_ifindex;

SEC("xdp")
int nfb_fwd(struct xdp_md *ctx)
{
	return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
