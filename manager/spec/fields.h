/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * Typed fields: how a value written in a descriptor or on the nfctl command
 * line becomes bytes in a BPF map or in an object's rodata, and back. Module
 * manifests declare their config and tables with these types, so nfctl can
 * edit any module's tables without knowing the module.
 */
#ifndef NFC_FIELDS_H
#define NFC_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum nfc_ftype {
	NFC_FT_U8,
	NFC_FT_U16,
	NFC_FT_U32,
	NFC_FT_U64,
	NFC_FT_BE16,   /* e.g. a port, stored in network order */
	NFC_FT_BE32,
	NFC_FT_BOOL,   /* stored as __u32 0/1 unless size says otherwise */
	NFC_FT_MAC,    /* 6 bytes, "02:00:00:00:00:01" */
	NFC_FT_IPV4,   /* 4 bytes, network order */
	NFC_FT_IPV6,   /* 16 bytes */
	NFC_FT_IFACE,  /* interface name, stored as __u32 ifindex */
	NFC_FT_ENUM,   /* one of a list of names, stored as __u32 index */
	NFC_FT_LIST,   /* config only: a list of entries of a table */
	/* An IP prefix laid out as struct bpf_lpm_trie_key: __u32 prefix
	 * length (host order), then the address in network order. Host bits
	 * must be zero ("10.0.0.0/8"), as iproute2 wants them. */
	NFC_FT_CIDR4,  /* 8 bytes, "192.0.2.0/24" */
	NFC_FT_CIDR6,  /* 20 bytes, "2001:db8::/32" */
	/* Text in a char array of the size the manifest gives (1..64), NUL
	 * padded: at most size - 1 printable characters. */
	NFC_FT_STRING,
	/* Either family in one field: IPv4 as the IPv4-mapped IPv6 address
	 * (::ffff:a.b.c.d, RFC 4291 2.5.5.2), printed back as IPv4. */
	NFC_FT_IP,     /* 16 bytes, "192.0.2.1" or "2001:db8::1" */
	NFC_FT_CIDR,   /* 20 bytes as NFC_FT_CIDR6: "192.0.2.0/24" is
			  ::ffff:192.0.2.0/120, "any" is ::/0 (both families) */
	NFC_FT_MAX,
};

struct nfc_field {
	char *name;
	char *description;
	enum nfc_ftype type;
	__u32 offset;          /* in the key or value struct (tables) */
	__u32 size;            /* bytes; defaults from the type */
	char **values;         /* NFC_FT_ENUM: the names, index = stored value */
	int n_values;
	char *def;             /* default as text; NULL: none */
	bool required;         /* must be given (table key fields always are) */
	/* required unless another field of the same entry has one of these
	 * values, e.g. interface is required unless action is drop */
	char *unless_field;
	char **unless_values;
	int n_unless;
	char *unless_text;     /* the values for messages: "drop or kernel" */
	char *rodata;          /* config scalars: const volatile variable set
				  before load */
	char *table;           /* NFC_FT_LIST: name of the table it fills */
	char *member;          /* table fields: the member of the map's key or
				  value struct it is (default: name), checked
				  against the object's BTF */
	/* config u32s: maps whose max_entries are the value times a factor,
	 * set before load (an instance's capacity) */
	struct nfc_field_size {
		char *map;
		__u32 factor;
	} *sizes;
	int n_sizes;
};

/* The field named @name among @n, or NULL. */
const struct nfc_field *nfc_fields_find(const struct nfc_field *f, int n,
					const char *name);

/* Name of a type as written in manifests ("u32", "mac", ...), and back. */
const char *nfc_ftype_str(enum nfc_ftype t);
int nfc_ftype_parse(const char *s, enum nfc_ftype *t);
/* Natural size of a type in bytes (0 for list and string). */
__u32 nfc_ftype_size(enum nfc_ftype t);
/* Whether a field of type t may set another size (1, 2, 4 or 8 bytes):
 * bool and enum may, every other type has its natural size. */
bool nfc_ftype_resizable(enum nfc_ftype t);
/* Whether a field of type t has no natural size: its manifest gives one,
 * 1..NFC_FT_STRING_MAX bytes (string). */
bool nfc_ftype_sized(enum nfc_ftype t);
#define NFC_FT_STRING_MAX 64
/* Alignment the type has inside a C struct. */
__u32 nfc_ftype_align(enum nfc_ftype t, __u32 size);

/* An unsigned integer as written in manifests and descriptors: decimal or
 * 0x hex, nothing else (no sign, no spaces). 0, -EINVAL or -ERANGE. */
int nfc_parse_u64(const char *s, __u64 *v);

/*
 * Encode text into f->size bytes at out (the type's natural size when
 * f->size is 0). Interfaces are resolved in the current network namespace.
 * Returns 0 or -EINVAL with a message in errbuf that says what was
 * expected ("expected a MAC address like 02:00:00:00:00:01").
 */
/* Whether @text is one of the values of @f's `unless` condition. */
bool nfc_field_unless_is(const struct nfc_field *f, const char *text);
int nfc_field_encode(const struct nfc_field *f, const char *text, void *out,
		     char *errbuf, size_t errlen);
/* Format f->size bytes at in as text (interfaces by name where they exist;
 * enum indexes past the list as numbers). 0, -EINVAL for a list field,
 * -ENOSPC when buf is too small. */
int nfc_field_format(const struct nfc_field *f, const void *in, char *buf,
		     size_t len);

#endif /* NFC_FIELDS_H */
