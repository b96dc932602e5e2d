// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * Fields of a manifest: config keys and the key and value fields of
 * tables, with their types, offsets, defaults and conditions, and the
 * struct layout they add up to.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "manifest.h"
#include "nfc_shared.h"

static const char *const fkey_names[FK_N] = {
	[FK_NAME] = "name",		[FK_TYPE] = "type",
	[FK_VALUES] = "values",		[FK_SIZE] = "size",
	[FK_OFFSET] = "offset",		[FK_DEFAULT] = "default",
	[FK_REQUIRED] = "required",	[FK_UNLESS] = "unless",
	[FK_RODATA] = "rodata",		[FK_TABLE] = "table",
	[FK_DESCRIPTION] = "description", [FK_MEMBER] = "member",
	[FK_SIZES] = "sizes",
};

#define B(k) (1u << (k))
static const unsigned int fkeys_allowed[] = {
	[FW_CONFIG] = B(FK_NAME) | B(FK_TYPE) | B(FK_VALUES) | B(FK_SIZE) |
		      B(FK_DEFAULT) | B(FK_REQUIRED) | B(FK_RODATA) |
		      B(FK_TABLE) | B(FK_DESCRIPTION) | B(FK_SIZES),
	[FW_KEY] = B(FK_NAME) | B(FK_TYPE) | B(FK_VALUES) | B(FK_SIZE) |
		   B(FK_OFFSET) | B(FK_DEFAULT) | B(FK_DESCRIPTION) |
		   B(FK_MEMBER),
	[FW_VALUE] = B(FK_NAME) | B(FK_TYPE) | B(FK_VALUES) | B(FK_SIZE) |
		     B(FK_OFFSET) | B(FK_DEFAULT) | B(FK_REQUIRED) |
		     B(FK_UNLESS) | B(FK_DESCRIPTION) | B(FK_MEMBER),
};
static const unsigned int fkeys_required[] = {
	[FW_CONFIG] = B(FK_NAME) | B(FK_TYPE),
	[FW_KEY] = B(FK_NAME) | B(FK_TYPE) | B(FK_OFFSET),
	[FW_VALUE] = B(FK_NAME) | B(FK_TYPE) | B(FK_OFFSET),
};
#undef B

static bool c_ident(const char *s)
{
	size_t i;

	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (i = 0; s[i]; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	}
	return true;
}

static void field_type(struct nfc_ydoc *y, struct fsrc *src, const char *path,
		       enum fwhere where, struct nfc_field *f)
{
	char kp[NFC_YPATH_LEN], names[160];
	size_t off = 0;
	const char *s;
	int i;

	nfc_ypath(kp, path, "type");
	if (!src->v[FK_TYPE] || nfc_ystr(y, src->v[FK_TYPE], kp, &s))
		return;
	if (nfc_ftype_parse(s, &f->type)) {
		for (i = 0; i < NFC_FT_MAX && off < sizeof(names); i++)
			off += snprintf(names + off, sizeof(names) - off,
					"%s%s", i ? ", " : "",
					nfc_ftype_str(i));
		nfc_yerr(y, src->v[FK_TYPE], kp,
			 "unknown type '%.64s' (expected one of: %s)", s,
			 names);
		return;
	}
	if (f->type == NFC_FT_LIST && where != FW_CONFIG) {
		nfc_yerr(y, src->v[FK_TYPE], kp,
			 "a table field cannot be a list");
		return;
	}
	src->type_ok = true;
	f->size = nfc_ftype_size(f->type);
}

static void field_values(struct nfc_ydoc *y, struct fsrc *src,
			 const char *path, struct nfc_field *f)
{
	char kp[NFC_YPATH_LEN], ip[NFC_YPATH_LEN];
	yaml_node_item_t *items;
	yaml_node_t *v = src->v[FK_VALUES];
	const char *s;
	int i, j, n;

	nfc_ypath(kp, path, "values");
	if (!v) {
		if (src->type_ok && f->type == NFC_FT_ENUM)
			nfc_yerr(y, src->self, kp,
				 "missing required key (an enum lists its values)");
		return;
	}
	if (src->type_ok && f->type != NFC_FT_ENUM) {
		nfc_yerr(y, v, kp, "only an enum has values");
		return;
	}
	if (nfc_yseq(y, v, kp, &items, &n))
		return;
	if (!n) {
		nfc_yerr(y, v, kp, "an enum needs at least one value");
		return;
	}
	f->values = calloc(n, sizeof(*f->values));
	if (!f->values)
		return;
	for (i = 0; i < n; i++) {
		nfc_ypathi(ip, kp, i);
		if (nfc_yname(y, nfc_ynode(y, items[i]), ip, "enum value", &s))
			continue;
		for (j = 0; j < f->n_values && strcmp(f->values[j], s); j++)
			;
		if (j < f->n_values) {
			nfc_yerr(y, nfc_ynode(y, items[i]), ip,
				 "'%s' is listed twice", s);
			continue;
		}
		f->values[f->n_values++] = strdup(s);
	}
}

static void field_size(struct nfc_ydoc *y, struct fsrc *src, const char *path,
		       enum fwhere where, struct nfc_field *f)
{
	char kp[NFC_YPATH_LEN];
	yaml_node_t *v = src->v[FK_SIZE];
	__u64 u;

	nfc_ypath(kp, path, "size");
	if (!v && src->type_ok && nfc_ftype_sized(f->type))
		nfc_yerr(y, src->self, kp,
			 "missing required key (a %s field says its size in bytes, its NUL included)",
			 nfc_ftype_str(f->type));
	if (v && !nfc_yuint(y, v, kp, 1, 64, &u) && src->type_ok) {
		if (f->type == NFC_FT_LIST)
			nfc_yerr(y, v, kp, "a list has no size");
		else if (nfc_ftype_sized(f->type))
			f->size = u;
		else if (nfc_ftype_resizable(f->type) &&
			 (u == 1 || u == 2 || u == 4 || u == 8))
			f->size = u;
		else if (u != f->size)
			nfc_yerr(y, v, kp,
				 nfc_ftype_resizable(f->type) ?
					 "a %s field is 1, 2, 4 or 8 bytes" :
					 "a %s field is always %u bytes",
				 nfc_ftype_str(f->type), f->size);
	}
	if (src->type_ok && f->type == NFC_FT_ENUM && f->size < 4 &&
	    (__u64)f->n_values > 1ULL << (8 * f->size))
		nfc_yerr(y, v, kp, "%d values do not fit in %u bytes",
			 f->n_values, f->size);
	if (where == FW_CONFIG && src->type_ok &&
	    f->size > NFC_CONFIG_MAX_SIZE) {
		nfc_ypath(kp, path, "type");
		nfc_yerr(y, src->v[FK_TYPE], kp,
			 "a config value is at most %d bytes, a %s is %u",
			 NFC_CONFIG_MAX_SIZE, nfc_ftype_str(f->type), f->size);
	}
}

static void field_default(struct nfc_ydoc *y, struct fsrc *src,
			  const char *path, struct nfc_field *f)
{
	char kp[NFC_YPATH_LEN], eb[NFC_ERR_LEN];
	__u8 buf[64];
	const char *s;

	nfc_ypath(kp, path, "default");
	if (!src->v[FK_DEFAULT] || nfc_ystr(y, src->v[FK_DEFAULT], kp, &s))
		return;
	if (!src->type_ok)
		return;
	if (f->type == NFC_FT_LIST) {
		nfc_yerr(y, src->v[FK_DEFAULT], kp, "a list has no default");
		return;
	}
	f->def = strdup(s);
	/* interfaces depend on the host the chain is built on; an enum
	 * without values is reported already */
	if (f->type != NFC_FT_IFACE && f->size <= sizeof(buf) &&
	    !(f->type == NFC_FT_ENUM && !f->n_values) &&
	    nfc_field_encode(f, s, buf, eb, sizeof(eb)))
		nfc_yerr(y, src->v[FK_DEFAULT], kp, "%s", eb);
}

static void field_unless(struct nfc_ydoc *y, struct fsrc *src,
			 const char *path, struct nfc_field *f)
{
	char kp[NFC_YPATH_LEN], vp[NFC_YPATH_LEN];
	yaml_node_t *v = src->v[FK_UNLESS], *k, *vn;
	yaml_node_item_t *items = NULL;
	yaml_node_pair_t *pairs;
	const char *fs, *vs;
	int n, ni, i;
	size_t len = 0;

	nfc_ypath(kp, path, "unless");
	if (!v || nfc_ypairs(y, v, kp, &pairs, &n))
		return;
	if (n != 1) {
		nfc_yerr(y, v, kp,
			 "expected one condition like {action: drop}, got %d",
			 n);
		return;
	}
	k = nfc_ynode(y, pairs[0].key);
	if (nfc_ystr(y, k, kp, &fs))
		return;
	nfc_ypath(vp, kp, fs);
	/* one value, or a list of them */
	vn = nfc_ynode(y, pairs[0].value);
	if (vn && vn->type == YAML_SEQUENCE_NODE) {
		if (nfc_yseq(y, vn, vp, &items, &ni))
			return;
		if (!ni) {
			nfc_yerr(y, vn, vp, "expected one value or more");
			return;
		}
	} else {
		ni = 1;
	}
	f->unless_values = calloc(ni, sizeof(*f->unless_values));
	if (!f->unless_values) {
		nfc_yerr(y, v, kp, "out of memory");
		return;
	}
	for (i = 0; i < ni; i++) {
		yaml_node_t *e = items ? nfc_ynode(y, items[i]) : vn;

		if (nfc_ystr(y, e, vp, &vs))
			return;
		f->unless_values[f->n_unless] = strdup(vs);
		if (!f->unless_values[f->n_unless]) {
			nfc_yerr(y, e, vp, "out of memory");
			return;
		}
		f->n_unless++;
		len += strlen(vs) + 4;
	}
	f->unless_text = calloc(1, len + 1);
	if (!f->unless_text) {
		nfc_yerr(y, v, kp, "out of memory");
		return;
	}
	for (i = 0; i < f->n_unless; i++) {
		if (i)
			strcat(f->unless_text, " or ");
		strcat(f->unless_text, f->unless_values[i]);
	}
	if (f->def)
		nfc_yerr(y, v, kp,
			 "the field has a default, so it is never missing");
	else if (src->v[FK_REQUIRED] && !f->required)
		nfc_yerr(y, v, kp, "contradicts required: false");
	f->unless_field = strdup(fs);
	f->required = true;
}

/* A config u32's `sizes: {MAP: FACTOR, ...}`: maps sized by its value. */
static void field_sizes(struct nfc_ydoc *y, struct fsrc *src,
			const char *path, struct nfc_field *f)
{
	char kp[NFC_YPATH_LEN], vp[NFC_YPATH_LEN];
	yaml_node_t *v = src->v[FK_SIZES];
	yaml_node_pair_t *pairs;
	const char *m;
	int n, i;
	__u64 u;

	nfc_ypath(kp, path, "sizes");
	if (!v || nfc_ypairs(y, v, kp, &pairs, &n))
		return;
	if (src->type_ok && f->type != NFC_FT_U32) {
		nfc_yerr(y, v, kp, "only a u32 sizes maps");
		return;
	}
	f->sizes = calloc(n, sizeof(*f->sizes));
	if (!f->sizes) {
		nfc_yerr(y, v, kp, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		yaml_node_t *k = nfc_ynode(y, pairs[i].key);

		if (nfc_ystr(y, k, kp, &m))
			return;
		nfc_ypath(vp, kp, m);
		if (!c_ident(m)) {
			nfc_yerr(y, k, vp, "'%.64s' is not a map name", m);
			return;
		}
		if (nfc_yuint(y, nfc_ynode(y, pairs[i].value), vp, 1, 64, &u))
			return;
		f->sizes[f->n_sizes].map = strdup(m);
		f->sizes[f->n_sizes++].factor = u;
	}
}

/* One field of a config or table list. */
static void parse_field(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
			enum fwhere where, struct nfc_field *f,
			struct fsrc *src)
{
	struct nfc_ykey keys[FK_N];
	yaml_node_t *found[FK_N];
	char kp[NFC_YPATH_LEN];
	int idx[FK_N], nk = 0, i;
	const char *s;
	bool b;
	__u64 u;

	memset(src, 0, sizeof(*src));
	src->self = n;
	for (i = 0; i < FK_N; i++) {
		if (!(fkeys_allowed[where] & (1u << i)))
			continue;
		keys[nk].name = fkey_names[i];
		keys[nk].required = fkeys_required[where] & (1u << i);
		idx[nk++] = i;
	}
	if (nfc_ymap(y, n, path, keys, nk, found))
		return;
	for (i = 0; i < nk; i++)
		src->v[idx[i]] = found[i];

	nfc_ypath(kp, path, "name");
	if (src->v[FK_NAME] && !nfc_yname(y, src->v[FK_NAME], kp, "field", &s))
		f->name = strdup(s);
	nfc_ypath(kp, path, "description");
	if (src->v[FK_DESCRIPTION] &&
	    !nfc_ystr(y, src->v[FK_DESCRIPTION], kp, &s))
		f->description = strdup(s);
	nfc_ypath(kp, path, "member");
	if (src->v[FK_MEMBER] && !nfc_ystr(y, src->v[FK_MEMBER], kp, &s)) {
		if (c_ident(s))
			f->member = strdup(s);
		else
			nfc_yerr(y, src->v[FK_MEMBER], kp,
				 "'%.64s' is not a struct member (a C identifier)",
				 s);
	}
	field_type(y, src, path, where, f);
	field_values(y, src, path, f);
	field_size(y, src, path, where, f);
	nfc_ypath(kp, path, "offset");
	if (src->v[FK_OFFSET] &&
	    !nfc_yuint(y, src->v[FK_OFFSET], kp, 0, 65535, &u))
		f->offset = u;
	nfc_ypath(kp, path, "required");
	if (src->v[FK_REQUIRED] && !nfc_ybool(y, src->v[FK_REQUIRED], kp, &b))
		f->required = b;
	/* a key field is named in every entry unless it has a default (a
	 * tenant 0, say) */
	if (where == FW_KEY)
		f->required = !src->v[FK_DEFAULT];
	field_default(y, src, path, f);
	if (f->def && f->required)
		nfc_yerr(y, src->v[FK_REQUIRED], kp,
			 "a field with a default is never missing");
	field_unless(y, src, path, f);
	field_sizes(y, src, path, f);

	nfc_ypath(kp, path, "rodata");
	if (src->v[FK_RODATA] && !nfc_ystr(y, src->v[FK_RODATA], kp, &s)) {
		if (src->type_ok && f->type == NFC_FT_LIST)
			nfc_yerr(y, src->v[FK_RODATA], kp,
				 "a list fills a table, not rodata");
		else if (!c_ident(s))
			nfc_yerr(y, src->v[FK_RODATA], kp,
				 "'%.64s' is not a C identifier", s);
		else
			f->rodata = strdup(s);
	}
	nfc_ypath(kp, path, "table");
	if (src->v[FK_TABLE] && !nfc_ystr(y, src->v[FK_TABLE], kp, &s)) {
		if (src->type_ok && f->type != NFC_FT_LIST)
			nfc_yerr(y, src->v[FK_TABLE], kp,
				 "only a list fills a table");
		else
			f->table = strdup(s);
	} else if (!src->v[FK_TABLE] && src->type_ok &&
		   f->type == NFC_FT_LIST) {
		nfc_yerr(y, n, kp, "missing required key (a list fills a table)");
	}
}

void nfc_manifest_free_fields(struct nfc_field *f, int n)
{
	int i, j;

	for (i = 0; f && i < n; i++) {
		free(f[i].name);
		free(f[i].description);
		for (j = 0; j < f[i].n_values; j++)
			free(f[i].values[j]);
		free(f[i].values);
		free(f[i].def);
		free(f[i].unless_field);
		for (j = 0; j < f[i].n_unless; j++)
			free(f[i].unless_values[j]);
		free(f[i].unless_values);
		free(f[i].unless_text);
		free(f[i].rodata);
		free(f[i].table);
		free(f[i].member);
		for (j = 0; j < f[i].n_sizes; j++)
			free(f[i].sizes[j].map);
		free(f[i].sizes);
	}
	free(f);
}

/* A list of fields; *srcs gets where each came from. */
int nfc_manifest_fields(struct nfc_ydoc *y, yaml_node_t *list,
			const char *path, enum fwhere where, bool nonempty,
			struct nfc_field **out, int *n_out, struct fsrc **srcs)
{
	char ip[NFC_YPATH_LEN];
	yaml_node_item_t *items;
	int i, n;

	*out = NULL;
	*n_out = 0;
	*srcs = NULL;
	if (nfc_yseq(y, list, path, &items, &n))
		return -EINVAL;
	if (!n) {
		if (nonempty)
			nfc_yerr(y, list, path, "expected at least one field");
		return 0;
	}
	*out = calloc(n, sizeof(**out));
	*srcs = calloc(n, sizeof(**srcs));
	if (!*out || !*srcs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		nfc_ypathi(ip, path, i);
		parse_field(y, nfc_ynode(y, items[i]), ip, where, &(*out)[i],
			    &(*srcs)[i]);
	}
	*n_out = n;
	return 0;
}

/* Fields in offset order without overlap; the struct's size. */
static __u32 layout(struct nfc_ydoc *y, const char *path,
		    const struct nfc_field *f, const struct fsrc *src, int n,
		    yaml_node_t *explicit, const char *explicit_key)
{
	const struct nfc_field *prev = NULL;
	char kp[NFC_YPATH_LEN], fp[NFC_YPATH_LEN];
	__u32 end = 0, align = 4, a, size;
	__u64 u;
	int i;

	for (i = 0; i < n; i++) {
		if (!f[i].name || !src[i].type_ok || !src[i].v[FK_OFFSET])
			continue;
		if (prev && f[i].offset < end) {
			nfc_ypathi(fp, path, i);
			nfc_ypath(kp, fp, "offset");
			nfc_yerr(y, src[i].v[FK_OFFSET], kp,
				 "'%s' at bytes %u..%u overlaps or comes before '%s' at bytes %u..%u (fields go in offset order)",
				 f[i].name, f[i].offset,
				 f[i].offset + f[i].size - 1, prev->name,
				 prev->offset, prev->offset + prev->size - 1);
			continue;
		}
		end = f[i].offset + f[i].size;
		a = nfc_ftype_align(f[i].type, f[i].size);
		if (a > align)
			align = a;
		prev = &f[i];
	}
	size = (end + align - 1) / align * align;
	if (explicit && !nfc_yuint(y, explicit, explicit_key, 1, 65535, &u)) {
		if (u < end)
			nfc_yerr(y, explicit, explicit_key,
				 "%llu bytes cannot hold the fields (%u bytes)",
				 (unsigned long long)u, end);
		else
			size = u;
	}
	return size;
}

static const struct nfc_field *table_field(const struct nfc_table *t,
					   const char *name)
{
	const struct nfc_field *f = nfc_fields_find(t->key, t->n_key, name);

	return f ? f : nfc_fields_find(t->value, t->n_value, name);
}

/* Names unique across key and value; unless names a sibling. */
static void table_refs(struct nfc_ydoc *y, const char *kpath,
		       const char *vpath, struct nfc_table *t,
		       const struct fsrc *ksrc, const struct fsrc *vsrc)
{
	char fp[NFC_YPATH_LEN], kp[NFC_YPATH_LEN], eb[NFC_ERR_LEN];
	const struct nfc_field *f, *o;
	__u8 buf[64];
	int i, total = t->n_key + t->n_value;

	for (i = 0; i < total; i++) {
		bool is_key = i < t->n_key;
		int j = is_key ? i : i - t->n_key;
		const struct fsrc *src = is_key ? &ksrc[j] : &vsrc[j];

		f = is_key ? &t->key[j] : &t->value[j];
		nfc_ypathi(fp, is_key ? kpath : vpath, j);
		if (!f->name)
			continue;
		o = table_field(t, f->name);
		if (o != f) {
			nfc_ypath(kp, fp, "name");
			nfc_yerr(y, src->v[FK_NAME], kp,
				 "a field '%s' is already in the table",
				 f->name);
		}
		if (!f->unless_field)
			continue;
		nfc_ypath(kp, fp, "unless");
		o = table_field(t, f->unless_field);
		if (!o || o == f) {
			nfc_yerr(y, src->v[FK_UNLESS], kp,
				 "'%s' is not another field of the table",
				 f->unless_field);
			continue;
		}
		for (j = 0; j < f->n_unless; j++)
			if (o->type != NFC_FT_IFACE &&
			    o->type != NFC_FT_LIST && o->size <= sizeof(buf) &&
			    nfc_field_encode(o, f->unless_values[j], buf, eb,
					     sizeof(eb)))
				nfc_yerr(y, src->v[FK_UNLESS], kp, "%s: %s",
					 f->unless_field, eb);
	}
}

enum {
	TK_NAME,
	TK_MAP,
	TK_DESCRIPTION,
	TK_KEY,
	TK_VALUE,
	TK_KEY_SIZE,
	TK_VALUE_SIZE,
	TK_LPM,
	TK_ID,
	TK_CAPACITY,
	TK_FLOOD,
	TK_EXPIRES,
	TK_N,
};

static const struct nfc_ykey table_keys[TK_N] = {
	[TK_NAME] = { "name", true },
	[TK_MAP] = { "map", false },
	[TK_DESCRIPTION] = { "description", false },
	[TK_KEY] = { "key", true },
	[TK_VALUE] = { "value", true },
	[TK_KEY_SIZE] = { "key_size", false },
	[TK_VALUE_SIZE] = { "value_size", false },
	[TK_LPM] = { "lpm", false },
	[TK_ID] = { "id", false },
	[TK_CAPACITY] = { "capacity", false },
	[TK_FLOOD] = { "flood", false },
	[TK_EXPIRES] = { "expires", false },
};

/* The C identifier at @v (a copy), or NULL with the error recorded. */
static char *ident_at(struct nfc_ydoc *y, yaml_node_t *v, const char *kp,
		      const char *what)
{
	const char *s;

	if (nfc_ystr(y, v, kp, &s))
		return NULL;
	if (c_ident(s))
		return strdup(s);
	nfc_yerr(y, v, kp, "'%.64s' is not a %s (a C identifier)", s, what);
	return NULL;
}

/*
 * A table is a map of the object (`map`) or one of the LPM store's tables
 * (`lpm: ipv4|ipv6`, its id in rodata variable `id`, at most `capacity`
 * prefixes): keyed by one cidr4 or cidr6 field, with a 4-byte value.
 */
static void lpm_table(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
		      yaml_node_t **v, struct nfc_table *t)
{
	char kp[NFC_YPATH_LEN];
	const char *s;
	__u64 u;
	enum nfc_ftype want;

	if (!v[TK_LPM]) {
		nfc_ypath(kp, path, "map");
		if (!v[TK_MAP])
			nfc_yerr(y, n, kp,
				 "missing (or `lpm:` for an LPM table)");
		if (v[TK_ID] || v[TK_CAPACITY])
			nfc_yerr(y, v[TK_ID] ? v[TK_ID] : v[TK_CAPACITY], path,
				 "`id` and `capacity` are for LPM tables (`lpm:`)");
		return;
	}
	nfc_ypath(kp, path, "map");
	if (v[TK_MAP])
		nfc_yerr(y, v[TK_MAP], kp, "an LPM table has no map");
	nfc_ypath(kp, path, "lpm");
	if (!nfc_ystr(y, v[TK_LPM], kp, &s)) {
		if (!strcmp(s, "ipv4"))
			t->lpm_family = AF_INET;
		else if (!strcmp(s, "ipv6"))
			t->lpm_family = AF_INET6;
		else
			nfc_yerr(y, v[TK_LPM], kp,
				 "'%.64s' is not ipv4 or ipv6", s);
	}
	nfc_ypath(kp, path, "id");
	if (!v[TK_ID])
		nfc_yerr(y, n, kp,
			 "missing: the rodata variable (a u32) the table's id goes to");
	else
		t->lpm_id = ident_at(y, v[TK_ID], kp, "variable name");
	nfc_ypath(kp, path, "capacity");
	if (v[TK_CAPACITY] && !nfc_ystr(y, v[TK_CAPACITY], kp, &s)) {
		if (nfc_parse_u64(s, &u) || !u || u > (1u << 24))
			nfc_yerr(y, v[TK_CAPACITY], kp,
				 "'%.64s' is not a capacity (1..16777216 prefixes)",
				 s);
		else
			t->lpm_capacity = u;
	}
	want = t->lpm_family == AF_INET ? NFC_FT_CIDR4 : NFC_FT_CIDR6;
	nfc_ypath(kp, path, "key");
	if (t->lpm_family && (t->n_key != 1 || t->key[0].type != want))
		nfc_yerr(y, v[TK_KEY], kp,
			 "an LPM table's key is one %s field (the prefix)",
			 want == NFC_FT_CIDR4 ? "cidr4" : "cidr6");
	nfc_ypath(kp, path, "value");
	if (t->value_size != 4)
		nfc_yerr(y, v[TK_VALUE], kp,
			 "an LPM table's value is 4 bytes (fields within a u32), not %u",
			 t->value_size);
}

enum { FL_DOMAIN, FL_PORT, FL_TAGGED, FL_N };

static const struct nfc_ykey flood_keys[FL_N] = {
	[FL_DOMAIN] = { "domain", true },
	[FL_PORT] = { "port", true },
	[FL_TAGGED] = { "tagged", false },
};

/* `flood: {domain: FIELD, port: FIELD, tagged: BOOL}`: an unsigned field
 * numbering the flood domain (below NFC_FLOOD_DOMAINS), an interface
 * field, and whether the port takes the domain's frames tagged with its
 * number (default false). */
static void flood_table(struct nfc_ydoc *y, const char *path, yaml_node_t *n,
			struct nfc_table *t)
{
	char fp[NFC_YPATH_LEN], kp[NFC_YPATH_LEN];
	const struct nfc_field *f;
	yaml_node_t *v[FL_N];
	const char *s;

	nfc_ypath(fp, path, "flood");
	if (!n || nfc_ymap(y, n, fp, flood_keys, FL_N, v))
		return;
	if (t->lpm_family)
		nfc_yerr(y, n, fp, "an LPM table cannot name flood domains");
	nfc_ypath(kp, fp, "domain");
	if (v[FL_DOMAIN] && !nfc_ystr(y, v[FL_DOMAIN], kp, &s)) {
		f = table_field(t, s);
		if (!f || (f->type != NFC_FT_U8 && f->type != NFC_FT_U16 &&
			   f->type != NFC_FT_U32))
			nfc_yerr(y, v[FL_DOMAIN], kp,
				 "'%.64s' is not a u8, u16 or u32 field of the table",
				 s);
		else
			t->flood_domain = strdup(s);
	}
	nfc_ypath(kp, fp, "port");
	if (v[FL_PORT] && !nfc_ystr(y, v[FL_PORT], kp, &s)) {
		f = table_field(t, s);
		if (!f || f->type != NFC_FT_IFACE)
			nfc_yerr(y, v[FL_PORT], kp,
				 "'%.64s' is not an interface field of the table",
				 s);
		else
			t->flood_port = strdup(s);
	}
	nfc_ypath(kp, fp, "tagged");
	if (v[FL_TAGGED])
		nfc_ybool(y, v[FL_TAGGED], kp, &t->flood_tagged);
}

static int parse_table(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
		       struct nfc_table *t)
{
	char kp[NFC_YPATH_LEN], vp[NFC_YPATH_LEN], sp[NFC_YPATH_LEN];
	struct fsrc *ksrc = NULL, *vsrc = NULL;
	yaml_node_t *v[TK_N];
	const char *s;
	int ret = 0;

	if (nfc_ymap(y, n, path, table_keys, TK_N, v))
		return 0;
	nfc_ypath(kp, path, "name");
	if (v[TK_NAME] && !nfc_yname(y, v[TK_NAME], kp, "table", &s))
		t->name = strdup(s);
	nfc_ypath(kp, path, "map");
	if (v[TK_MAP])
		t->map = ident_at(y, v[TK_MAP], kp, "map name");
	nfc_ypath(kp, path, "description");
	if (v[TK_DESCRIPTION] && !nfc_ystr(y, v[TK_DESCRIPTION], kp, &s))
		t->description = strdup(s);
	nfc_ypath(kp, path, "key");
	nfc_ypath(vp, path, "value");
	if (v[TK_KEY])
		ret = nfc_manifest_fields(y, v[TK_KEY], kp, FW_KEY, true, &t->key,
				   &t->n_key, &ksrc);
	if (!ret && v[TK_VALUE])
		ret = nfc_manifest_fields(y, v[TK_VALUE], vp, FW_VALUE, true,
				   &t->value, &t->n_value, &vsrc);
	if (ret == -ENOMEM)
		goto out;
	ret = 0;
	nfc_ypath(sp, path, "key_size");
	t->key_size = layout(y, kp, t->key, ksrc, t->n_key, v[TK_KEY_SIZE],
			     sp);
	nfc_ypath(sp, path, "value_size");
	t->value_size = layout(y, vp, t->value, vsrc, t->n_value,
			       v[TK_VALUE_SIZE], sp);
	table_refs(y, kp, vp, t, ksrc, vsrc);
	lpm_table(y, n, path, v, t);
	flood_table(y, path, v[TK_FLOOD], t);
	nfc_ypath(sp, path, "expires");
	if (v[TK_EXPIRES] && !nfc_ystr(y, v[TK_EXPIRES], sp, &s)) {
		const struct nfc_field *f =
			nfc_fields_find(t->value, t->n_value, s);

		if (!f || f->type != NFC_FT_U64 || t->lpm_family)
			nfc_yerr(y, v[TK_EXPIRES], sp,
				 "'%.64s' is not a u64 value field of the table",
				 s);
		else
			t->expires = strdup(s);
	}
out:
	free(ksrc);
	free(vsrc);
	return ret;
}

void nfc_manifest_free_tables(struct nfc_table *t, int n)
{
	int i;

	for (i = 0; t && i < n; i++) {
		free(t[i].name);
		free(t[i].description);
		free(t[i].map);
		free(t[i].lpm_id);
		free(t[i].flood_domain);
		free(t[i].flood_port);
		free(t[i].expires);
		nfc_manifest_free_fields(t[i].key, t[i].n_key);
		nfc_manifest_free_fields(t[i].value, t[i].n_value);
	}
	free(t);
}

int nfc_manifest_tables(struct nfc_ydoc *y, yaml_node_t *list,
			struct nfc_module *m)
{
	char ip[NFC_YPATH_LEN], kp[NFC_YPATH_LEN];
	yaml_node_item_t *items;
	int i, j, n, ret, lpm = 0;

	if (!list || nfc_yseq(y, list, "tables", &items, &n) || !n)
		return 0;
	m->tables = calloc(n, sizeof(*m->tables));
	if (!m->tables)
		return -ENOMEM;
	m->n_tables = n;
	for (i = 0; i < n; i++) {
		nfc_ypathi(ip, "tables", i);
		ret = parse_table(y, nfc_ynode(y, items[i]), ip, &m->tables[i]);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			struct nfc_table *a = &m->tables[i], *b = &m->tables[j];

			if (a->name && b->name && !strcmp(a->name, b->name)) {
				nfc_ypath(kp, ip, "name");
				nfc_yerr(y, nfc_ynode(y, items[i]), kp,
					 "table '%s' is declared twice",
					 a->name);
			}
			if (a->map && b->map && !strcmp(a->map, b->map)) {
				nfc_ypath(kp, ip, "map");
				nfc_yerr(y, nfc_ynode(y, items[i]), kp,
					 "map '%s' backs two tables", a->map);
			}
		}
		if (m->tables[i].lpm_family && ++lpm > NFC_LPM_INSTANCE_TABLES) {
			nfc_ypath(kp, ip, "lpm");
			nfc_yerr(y, nfc_ynode(y, items[i]), kp,
				 "a module has at most %d LPM tables",
				 NFC_LPM_INSTANCE_TABLES);
		}
	}
	return 0;
}

