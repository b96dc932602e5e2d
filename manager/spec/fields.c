// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Typed fields: text <-> bytes. Integers, bools, enums and ifindexes are
 * stored in host order (they are read by BPF code on the same host),
 * be16/be32 and addresses in network order.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fields.h"

static const struct {
	const char *name;
	__u32 size;
	__u32 align;
} ftypes[NFC_FT_MAX] = {
	[NFC_FT_U8] = { "u8", 1, 1 },
	[NFC_FT_U16] = { "u16", 2, 2 },
	[NFC_FT_U32] = { "u32", 4, 4 },
	[NFC_FT_U64] = { "u64", 8, 8 },
	[NFC_FT_BE16] = { "be16", 2, 2 },
	[NFC_FT_BE32] = { "be32", 4, 4 },
	[NFC_FT_BOOL] = { "bool", 4, 4 },
	[NFC_FT_MAC] = { "mac", 6, 1 },
	[NFC_FT_IPV4] = { "ipv4", 4, 4 },
	[NFC_FT_IPV6] = { "ipv6", 16, 4 },
	[NFC_FT_IFACE] = { "interface", 4, 4 },
	[NFC_FT_ENUM] = { "enum", 4, 4 },
	[NFC_FT_LIST] = { "list", 0, 1 },
	[NFC_FT_CIDR4] = { "cidr4", 8, 4 },
	[NFC_FT_CIDR6] = { "cidr6", 20, 4 },
	[NFC_FT_STRING] = { "string", 0, 1 },
	[NFC_FT_IP] = { "ip", 16, 4 },
	[NFC_FT_CIDR] = { "cidr", 20, 4 },
};

const struct nfc_field *nfc_fields_find(const struct nfc_field *f, int n,
					const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (f[i].name && !strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

const char *nfc_ftype_str(enum nfc_ftype t)
{
	if ((unsigned int)t >= NFC_FT_MAX)
		return "unknown";
	return ftypes[t].name;
}

int nfc_ftype_parse(const char *s, enum nfc_ftype *t)
{
	int i;

	for (i = 0; i < NFC_FT_MAX; i++) {
		if (!strcmp(s, ftypes[i].name)) {
			*t = i;
			return 0;
		}
	}
	return -EINVAL;
}

__u32 nfc_ftype_size(enum nfc_ftype t)
{
	if ((unsigned int)t >= NFC_FT_MAX)
		return 0;
	return ftypes[t].size;
}

bool nfc_ftype_resizable(enum nfc_ftype t)
{
	return t == NFC_FT_BOOL || t == NFC_FT_ENUM;
}

bool nfc_ftype_sized(enum nfc_ftype t)
{
	return t == NFC_FT_STRING;
}

__u32 nfc_ftype_align(enum nfc_ftype t, __u32 size)
{
	if (nfc_ftype_resizable(t))
		return size;
	if ((unsigned int)t >= NFC_FT_MAX)
		return 1;
	return ftypes[t].align;
}

int nfc_parse_u64(const char *s, __u64 *v)
{
	unsigned long long x;
	const char *p;
	int base = 10;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -EINVAL;
	}
	/* strtoull alone would take signs, spaces and a second "0x" */
	for (p = s; *p; p++) {
		if (base == 16 ? !isxdigit((unsigned char)*p) :
				 !isdigit((unsigned char)*p))
			return -EINVAL;
	}
	errno = 0;
	x = strtoull(s, NULL, base);
	if (errno == ERANGE)
		return -ERANGE;
	*v = x;
	return 0;
}

static __u32 field_size(const struct nfc_field *f)
{
	return f->size ? f->size : nfc_ftype_size(f->type);
}

static __u64 size_max(__u32 size)
{
	return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

static int put_host(void *out, __u32 size, __u64 v)
{
	__u8 u8 = v;
	__u16 u16 = v;
	__u32 u32 = v;

	switch (size) {
	case 1:
		memcpy(out, &u8, 1);
		return 0;
	case 2:
		memcpy(out, &u16, 2);
		return 0;
	case 4:
		memcpy(out, &u32, 4);
		return 0;
	case 8:
		memcpy(out, &v, 8);
		return 0;
	}
	return -EINVAL;
}

static __u64 get_host(const void *in, __u32 size)
{
	__u8 u8;
	__u16 u16;
	__u32 u32;
	__u64 u64 = 0;

	switch (size) {
	case 1:
		memcpy(&u8, in, 1);
		return u8;
	case 2:
		memcpy(&u16, in, 2);
		return u16;
	case 4:
		memcpy(&u32, in, 4);
		return u32;
	case 8:
		memcpy(&u64, in, 8);
		break;
	}
	return u64;
}

static void put_be(void *out, __u32 size, __u64 v)
{
	__u8 *b = out;
	__u32 i;

	for (i = 0; i < size; i++)
		b[size - 1 - i] = v >> (8 * i);
}

static __u64 get_be(const void *in, __u32 size)
{
	const __u8 *b = in;
	__u64 v = 0;
	__u32 i;

	for (i = 0; i < size; i++)
		v = v << 8 | b[i];
	return v;
}

static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf && errlen) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int encode_uint(const struct nfc_field *f, __u32 size, const char *text,
		       void *out, char *errbuf, size_t errlen)
{
	__u64 v, max = size_max(size);

	if (nfc_parse_u64(text, &v) || v > max)
		return fail(errbuf, errlen,
			    "expected an integer 0..%llu (decimal or 0x hex), got '%.64s'",
			    (unsigned long long)max, text);
	if (f->type == NFC_FT_BE16 || f->type == NFC_FT_BE32)
		put_be(out, size, v);
	else
		put_host(out, size, v);
	return 0;
}

static int encode_bool(__u32 size, const char *text, void *out, char *errbuf,
		       size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "1" };
	static const char *const no[] = { "false", "no", "0" };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (!strcasecmp(text, yes[i]))
			return put_host(out, size, 1);
		if (!strcasecmp(text, no[i]))
			return put_host(out, size, 0);
	}
	return fail(errbuf, errlen,
		    "expected true or false (or yes/no, 1/0), got '%.64s'",
		    text);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int encode_mac(const char *text, void *out, char *errbuf, size_t errlen)
{
	__u8 mac[6];
	const char *p = text;
	int i, hi, lo;

	for (i = 0; i < 6; i++) {
		hi = hexval(p[0]);
		lo = hi < 0 ? -1 : hexval(p[1]);
		if (lo < 0)
			goto bad;
		mac[i] = hi << 4 | lo;
		p += 2;
		if (i < 5 && *p++ != ':')
			goto bad;
	}
	if (*p)
		goto bad;
	memcpy(out, mac, 6);
	return 0;
bad:
	return fail(errbuf, errlen,
		    "expected a MAC address like 02:00:00:00:00:01, got '%.64s'",
		    text);
}

static int encode_addr(int family, const char *text, void *out, char *errbuf,
		       size_t errlen)
{
	__u8 addr[16];

	if (inet_pton(family, text, addr) == 1) {
		memcpy(out, addr, family == AF_INET ? 4 : 16);
		return 0;
	}
	if (family == AF_INET)
		return fail(errbuf, errlen,
			    "expected an IPv4 address like 192.0.2.1, got '%.64s'",
			    text);
	return fail(errbuf, errlen,
		    "expected an IPv6 address like 2001:db8::1, got '%.64s'",
		    text);
}

static int encode_cidr(int family, const char *text, void *out, char *errbuf,
		       size_t errlen)
{
	__u32 alen = family == AF_INET ? 4 : 16, plen, i;
	const char *ex = family == AF_INET ? "an IPv4 prefix like 192.0.2.0/24" :
					     "an IPv6 prefix like 2001:db8::/32";
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	__u8 addr[16];
	__u64 v;

	if (!slash || (size_t)(slash - text) >= sizeof(buf) ||
	    nfc_parse_u64(slash + 1, &v) || v > alen * 8)
		return fail(errbuf, errlen, "expected %s, got '%.64s'", ex,
			    text);
	memcpy(buf, text, slash - text);
	buf[slash - text] = '\0';
	if (inet_pton(family, buf, addr) != 1)
		return fail(errbuf, errlen, "expected %s, got '%.64s'", ex,
			    text);
	plen = v;
	for (i = 0; i < alen * 8; i++) {
		if (i >= plen && (addr[i / 8] & (0x80 >> (i % 8))))
			return fail(errbuf, errlen,
				    "'%.64s' has host bits set (expected %s)",
				    text, ex);
	}
	memcpy(out, &plen, 4);
	memcpy((__u8 *)out + 4, addr, alen);
	return 0;
}

static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* An address of either family into 16 bytes, IPv4 mapped. */
static int encode_ip(const char *text, void *out, char *errbuf, size_t errlen)
{
	__u8 *o = out;

	if (inet_pton(AF_INET, text, o + 12) == 1) {
		memcpy(o, v4mapped, 12);
		return 0;
	}
	if (inet_pton(AF_INET6, text, o) == 1)
		return 0;
	return fail(errbuf, errlen,
		    "expected an IPv4 or IPv6 address like 192.0.2.1 or 2001:db8::1, got '%.64s'",
		    text);
}

/* A prefix of either family, "any" for ::/0: IPv4 as its mapped prefix. */
static int encode_ip_cidr(const char *text, void *out, char *errbuf,
			  size_t errlen)
{
	__u8 v4[8], *o = out;
	__u32 plen;

	if (!strcmp(text, "any")) {
		memset(out, 0, 20);
		return 0;
	}
	if (!strchr(text, ':')) {
		if (encode_cidr(AF_INET, text, v4, errbuf, errlen))
			return -EINVAL;
		memcpy(&plen, v4, 4);
		plen += 96;
		memcpy(o, &plen, 4);
		memcpy(o + 4, v4mapped, 12);
		memcpy(o + 16, v4 + 4, 4);
		return 0;
	}
	return encode_cidr(AF_INET6, text, out, errbuf, errlen);
}

static int encode_iface(const char *text, void *out, char *errbuf,
			size_t errlen)
{
	char name[IF_NAMESIZE];
	__u32 ifindex = 0;
	__u64 v;

	if (strlen(text) < IF_NAMESIZE)
		ifindex = if_nametoindex(text);
	/* a number is an ifindex: what nfc_field_format() prints for an
	 * interface without a name */
	if (!ifindex && !nfc_parse_u64(text, &v) && v && v <= UINT32_MAX &&
	    if_indextoname(v, name))
		ifindex = v;
	if (!ifindex)
		return fail(errbuf, errlen,
			    "expected an interface of this network namespace, there is no '%.64s'",
			    text);
	memcpy(out, &ifindex, 4);
	return 0;
}

/* Room for the NUL: a BPF program reads it as a C string. */
static int encode_string(__u32 size, const char *text, void *out,
			 char *errbuf, size_t errlen)
{
	size_t len = strlen(text), i;

	if (len >= size)
		return fail(errbuf, errlen,
			    "expected at most %u characters, got %zu in '%.64s'",
			    size - 1, len, text);
	for (i = 0; i < len; i++)
		if (iscntrl((unsigned char)text[i]))
			return fail(errbuf, errlen,
				    "expected printable text, got a control character in '%.64s'",
				    text);
	memset(out, 0, size);
	memcpy(out, text, len);
	return 0;
}

static int encode_enum(const struct nfc_field *f, __u32 size, const char *text,
		       void *out, char *errbuf, size_t errlen)
{
	size_t off = 0;
	char list[256];
	int i;

	for (i = 0; i < f->n_values; i++) {
		if (!strcmp(text, f->values[i]))
			return put_host(out, size, i);
	}
	list[0] = '\0';
	for (i = 0; i < f->n_values && off < sizeof(list); i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%s",
				i ? ", " : "", f->values[i]);
	return fail(errbuf, errlen, "expected one of %s; got '%.64s'", list,
		    text);
}

int nfc_field_encode(const struct nfc_field *f, const char *text, void *out,
		     char *errbuf, size_t errlen)
{
	__u32 size = field_size(f);

	if (!text)
		return fail(errbuf, errlen, "expected a value");
	if (nfc_ftype_sized(f->type) ? !size || size > NFC_FT_STRING_MAX :
	    f->type != NFC_FT_LIST && size != nfc_ftype_size(f->type) &&
	    !(nfc_ftype_resizable(f->type) &&
	      (size == 1 || size == 2 || size == 4 || size == 8)))
		return fail(errbuf, errlen, "a %s field cannot be %u bytes",
			    nfc_ftype_str(f->type), size);

	switch (f->type) {
	case NFC_FT_U8:
	case NFC_FT_U16:
	case NFC_FT_U32:
	case NFC_FT_U64:
	case NFC_FT_BE16:
	case NFC_FT_BE32:
		return encode_uint(f, size, text, out, errbuf, errlen);
	case NFC_FT_BOOL:
		return encode_bool(size, text, out, errbuf, errlen);
	case NFC_FT_MAC:
		return encode_mac(text, out, errbuf, errlen);
	case NFC_FT_IPV4:
		return encode_addr(AF_INET, text, out, errbuf, errlen);
	case NFC_FT_IPV6:
		return encode_addr(AF_INET6, text, out, errbuf, errlen);
	case NFC_FT_CIDR4:
		return encode_cidr(AF_INET, text, out, errbuf, errlen);
	case NFC_FT_CIDR6:
		return encode_cidr(AF_INET6, text, out, errbuf, errlen);
	case NFC_FT_IP:
		return encode_ip(text, out, errbuf, errlen);
	case NFC_FT_CIDR:
		return encode_ip_cidr(text, out, errbuf, errlen);
	case NFC_FT_IFACE:
		return encode_iface(text, out, errbuf, errlen);
	case NFC_FT_ENUM:
		return encode_enum(f, size, text, out, errbuf, errlen);
	case NFC_FT_STRING:
		return encode_string(size, text, out, errbuf, errlen);
	default:
		return fail(errbuf, errlen, "a %s field has no scalar value",
			    nfc_ftype_str(f->type));
	}
}

static int out(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int out(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static int format_addr(int family, const void *in, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family, in, a, sizeof(a));
	return out(buf, len, "%s", a);
}

static int format_cidr(int family, const void *in, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	__u32 plen;

	memcpy(&plen, in, 4);
	inet_ntop(family, (const __u8 *)in + 4, a, sizeof(a));
	return out(buf, len, "%s/%u", a, plen);
}

static bool is_v4mapped(const __u8 *a)
{
	return !memcmp(a, v4mapped, 12);
}

static int format_ip(const __u8 *in, char *buf, size_t len)
{
	if (is_v4mapped(in))
		return format_addr(AF_INET, in + 12, buf, len);
	return format_addr(AF_INET6, in, buf, len);
}

static int format_ip_cidr(const __u8 *in, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	__u32 plen;

	memcpy(&plen, in, 4);
	if (!plen)
		return out(buf, len, "any");
	if (plen >= 96 && is_v4mapped(in + 4)) {
		inet_ntop(AF_INET, in + 16, a, sizeof(a));
		return out(buf, len, "%s/%u", a, plen - 96);
	}
	return format_cidr(AF_INET6, in, buf, len);
}

int nfc_field_format(const struct nfc_field *f, const void *in, char *buf,
		     size_t len)
{
	__u32 size = field_size(f);
	char name[IF_NAMESIZE];
	const __u8 *b = in;
	__u64 v;

	switch (f->type) {
	case NFC_FT_U8:
	case NFC_FT_U16:
	case NFC_FT_U32:
	case NFC_FT_U64:
		return out(buf, len, "%llu",
			   (unsigned long long)get_host(in, size));
	case NFC_FT_BE16:
	case NFC_FT_BE32:
		return out(buf, len, "%llu",
			   (unsigned long long)get_be(in, size));
	case NFC_FT_BOOL:
		return out(buf, len, "%s",
			   get_host(in, size) ? "true" : "false");
	case NFC_FT_MAC:
		return out(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", b[0],
			   b[1], b[2], b[3], b[4], b[5]);
	case NFC_FT_IPV4:
		return format_addr(AF_INET, in, buf, len);
	case NFC_FT_IPV6:
		return format_addr(AF_INET6, in, buf, len);
	case NFC_FT_CIDR4:
		return format_cidr(AF_INET, in, buf, len);
	case NFC_FT_CIDR6:
		return format_cidr(AF_INET6, in, buf, len);
	case NFC_FT_IP:
		return format_ip(in, buf, len);
	case NFC_FT_CIDR:
		return format_ip_cidr(in, buf, len);
	case NFC_FT_IFACE:
		v = get_host(in, 4);
		if (v && if_indextoname(v, name))
			return out(buf, len, "%s", name);
		return out(buf, len, "%llu", (unsigned long long)v);
	case NFC_FT_ENUM:
		v = get_host(in, size);
		if (v < (__u64)f->n_values)
			return out(buf, len, "%s", f->values[v]);
		return out(buf, len, "%llu", (unsigned long long)v);
	case NFC_FT_STRING:
		return out(buf, len, "%.*s", (int)strnlen(in, size),
			   (const char *)in);
	default:
		return -EINVAL;
	}
}

bool nfc_field_unless_is(const struct nfc_field *f, const char *text)
{
	int i;

	for (i = 0; i < f->n_unless; i++)
		if (!strcmp(f->unless_values[i], text))
			return true;
	return false;
}
