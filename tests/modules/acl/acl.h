/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/* acl (test only): the layout of its rules table. */
#ifndef ACL_H
#define ACL_H

#include <linux/types.h>

#define ACL_RULES 16 /* ids 1..15; entry 0 unused */
#define ACL_ALLOW 0
#define ACL_DENY 1

struct acl_rule {
	__u8 proto;   /* 0: an empty slot */
	__u8 action;  /* ACL_ALLOW, ACL_DENY */
	__be16 dport; /* 0: any */
	char name[32];
};

#endif /* ACL_H */
