// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * BPF objects as the runtime handles them: opened with the global maps
 * pinned under the state root, checked against the ABI they were built for
 * and against their manifest's tables (through their BTF), loaded with the
 * verifier's log kept per object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "internal.h"

/* Room for the verifier's log of a failed load. Pages are only touched as
 * the kernel writes, and a log that does not fit would turn the verifier's
 * answer into -ENOSPC. */
#define NFC_LOG_SIZE (16u << 20)

/* The .rodata variable @var: its map, offset and size. */
static int rodata_var(struct bpf_object *obj, const char *var,
		      struct bpf_map **map, __u32 *off, __u32 *size)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec, *t;
	struct bpf_map *m;
	int id, i;

	*map = NULL;
	/* "<obj>.rodata", not "<obj>.rodata.str1.1" (string literals) */
	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);
		size_t len = strlen(n);

		if (bpf_map__is_internal(m) && len >= 7 &&
		    !strcmp(n + len - 7, ".rodata")) {
			*map = m;
			break;
		}
	}
	if (!*map || !btf)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		t = btf__type_by_id(btf, vs->type);
		if (strcmp(btf__name_by_offset(btf, t->name_off), var))
			continue;
		*off = vs->offset;
		*size = vs->size;
		return 0;
	}
	return -ENOENT;
}

int nfc_obj_set_rodata(struct bpf_object *obj, const char *var,
		       const void *val, size_t size, char *errbuf,
		       size_t errlen)
{
	struct bpf_map *map;
	__u32 off, vsize;
	size_t map_size;
	const void *init;
	char *data;
	int r;

	if (rodata_var(obj, var, &map, &off, &vsize)) {
		snprintf(errbuf, errlen, "object has no rodata variable '%s'",
			 var);
		return -ENOENT;
	}
	if (vsize != size) {
		snprintf(errbuf, errlen,
			 "rodata '%s' is %u bytes, the manifest says %zu", var,
			 vsize, size);
		return -EINVAL;
	}
	init = bpf_map__initial_value(map, &map_size);
	if (!init || off + size > map_size) {
		snprintf(errbuf, errlen, "rodata '%s' out of range", var);
		return -EINVAL;
	}
	data = malloc(map_size);
	if (!data)
		return -ENOMEM;
	memcpy(data, init, map_size);
	memcpy(data + off, val, size);
	r = bpf_map__set_initial_value(map, data, map_size);
	free(data);
	return r;
}

/* The stamp nfc.h puts in every object against the runtime's own. */
static int check_abi(struct bpf_object *obj, const char *what,
		     struct nfc_err *err)
{
	static const struct nfc_abi want = NFC_ABI_INIT;
	struct nfc_abi have;
	struct bpf_map *map;
	__u32 off, size;
	size_t map_size;
	const __u8 *init;

	if (rodata_var(obj, "nfc_abi", &map, &off, &size) ||
	    size != sizeof(have) ||
	    !(init = bpf_map__initial_value(map, &map_size)) ||
	    off + size > map_size)
		return nfc_errf(err, -EPROTO,
				"%s: carries no UltraNIO ABI stamp: build it with the NF API headers (nfc.h) of this UltraNIO",
				what);
	memcpy(&have, init + off, sizeof(have));
	if (have.version != want.version)
		return nfc_errf(err, -EPROTO,
				"%s: built against UltraNIO ABI %u, this runtime speaks ABI %u: rebuild it against the installed headers",
				what, have.version, want.version);
	if (have.max_chains != want.max_chains ||
	    have.max_instances != want.max_instances ||
	    have.block_size != want.block_size ||
	    have.ct_entries != want.ct_entries ||
	    have.flow_entries != want.flow_entries)
		return nfc_errf(err, -EPROTO,
				"%s: built for other limits (max_chains %u, max_instances %u, block_size %u, ct_entries %u, flow_entries %u; this runtime: %u, %u, %u, %u, %u): rebuild it against the installed headers",
				what, have.max_chains, have.max_instances,
				have.block_size, have.ct_entries,
				have.flow_entries, want.max_chains,
				want.max_instances, want.block_size,
				want.ct_entries, want.flow_entries);
	return 0;
}

const char *nfc_strerror(int r, char *buf, size_t len)
{
	if (libbpf_strerror(r, buf, len))
		snprintf(buf, len, "%s", strerror(-r));
	return buf;
}

void nfc_obj_close(struct nfc_obj *o)
{
	bpf_object__close(o->obj);
	free(o->log);
	memset(o, 0, sizeof(*o));
}

int nfc_obj_open(struct nfc_handle *h, const char *path, bool private_maps,
		 const char *what, struct nfc_obj *o, struct nfc_err *err)
{
	struct bpf_program *prog;
	char maps[PATH_MAX];
	struct bpf_map *m;
	int r;

	memset(o, 0, sizeof(*o));
	o->log_size = NFC_LOG_SIZE;
	o->log = malloc(o->log_size);
	if (!o->log)
		return -ENOMEM;
	o->log[0] = '\0';
	nfc_path(maps, sizeof(maps), "%s/maps", h->bpffs);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = maps,
		    .kernel_log_buf = o->log, .kernel_log_size = o->log_size);
	o->obj = bpf_object__open_file(path, &oo);
	if (!o->obj) {
		char msg[128];

		r = -errno;
		free(o->log);
		o->log = NULL;
		return nfc_errf(err, r, "%s: %s: %s", what, path,
				nfc_strerror(r, msg, sizeof(msg)));
	}
	r = check_abi(o->obj, what, err);
	if (r) {
		nfc_obj_close(o);
		return r;
	}
	if (private_maps)
		bpf_object__for_each_map(m, o->obj)
			bpf_map__set_pin_path(m, NULL);
	/* (a device map's program keeps BPF_XDP_DEVMAP: the kernel takes
	 * no other there) */
	bpf_object__for_each_program(prog, o->obj)
		if (bpf_program__type(prog) == BPF_PROG_TYPE_XDP &&
		    bpf_program__expected_attach_type(prog) == BPF_XDP)
			bpf_program__set_expected_attach_type(prog, 0);
	return 0;
}

/* The last lines of the log say what failed; the rest is the walk there. */
static void log_tail(const char *log, char *buf, size_t len)
{
	const char *end = log + strlen(log), *p, *eol;
	size_t used = 0;
	int lines = 0;

	while (end > log && end[-1] == '\n')
		end--;
	for (p = end; p > log; p--)
		if (p[-1] == '\n' && ++lines >= 6)
			break;
	buf[0] = '\0';
	for (; p < end && used + 1 < len; p = eol + 1) {
		int n;

		eol = memchr(p, '\n', end - p) ?: end;
		n = snprintf(buf + used, len - used, "\n  %.*s%s",
			     (int)(eol - p > 160 ? 160 : eol - p), p,
			     eol - p > 160 ? " ..." : "");
		if (n < 0)
			break;
		used += n;
		if (eol == end)
			break;
	}
}

int nfc_obj_load_failed(struct nfc_obj *o, const char *what, int ret,
			struct nfc_err *err)
{
	char tail[2048];

	if (!o->log || !o->log[0])
		return nfc_errf(err, ret, "%s: load failed: %s%s", what,
				nfc_strerror(ret, tail, sizeof(tail)),
				nfc_perm_hint(-ret));
	nfc_pr(NFC_DEBUG, "%s: the verifier's log:\n%s\n", what, o->log);
	log_tail(o->log, tail, sizeof(tail));
	return nfc_errf(err, ret,
			"%s: the verifier rejected the program (%s):%s", what,
			strerror(-ret), tail);
}

int nfc_obj_load(struct nfc_obj *o, const char *what, struct nfc_err *err)
{
	int r;

	o->log[0] = '\0';
	r = bpf_object__load(o->obj);
	return r ? nfc_obj_load_failed(o, what, r, err) : 0;
}

__u32 nfc_prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

bool nfc_map_compatible(int fd, struct bpf_map *m, char *why, size_t len)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		snprintf(why, len, "cannot read the running map: %s",
			 strerror(errno));
		return false;
	}
#define DIFF(field, have, want)                                               \
	if ((have) != (want)) {                                               \
		snprintf(why, len, field " %u now, %u in the new version",   \
			 (unsigned int)(have), (unsigned int)(want));        \
		return false;                                                 \
	}
	DIFF("type", info.type, bpf_map__type(m));
	DIFF("key_size", info.key_size, bpf_map__key_size(m));
	DIFF("value_size", info.value_size, bpf_map__value_size(m));
	DIFF("max_entries", info.max_entries, bpf_map__max_entries(m));
	DIFF("map_flags", info.map_flags, bpf_map__map_flags(m));
#undef DIFF
	return true;
}

/* Member @name of struct @t: its offset and size in bytes. */
static int btf_member(const struct btf *btf, const struct btf_type *t,
		      const char *name, __u32 *off, __u32 *size)
{
	const struct btf_member *mb = btf_members(t);
	int i;
	__s64 sz;

	for (i = 0; i < btf_vlen(t); i++, mb++) {
		if (strcmp(btf__name_by_offset(btf, mb->name_off), name))
			continue;
		if (btf_member_bitfield_size(t, i) ||
		    btf_member_bit_offset(t, i) % 8)
			return -EINVAL;
		sz = btf__resolve_size(btf, mb->type);
		if (sz < 0)
			return (int)sz;
		*off = btf_member_bit_offset(t, i) / 8;
		*size = sz;
		return 0;
	}
	return -ENOENT;
}

/* The fields of one side (key or value) of a table against the BTF type
 * the map declares for it. */
static int check_side(const struct btf *btf, __u32 type_id,
		      const struct nfc_field *f, int n, const char *side,
		      const struct nfc_table *tb, const char *what,
		      struct nfc_err *err)
{
	const struct btf_type *t;
	const char *tname;
	__u32 off = 0, size = 0;
	__s64 tsize;
	int i, id, r;

	if (!type_id)
		return nfc_errf(err, -EINVAL,
				"%s: table '%s': map '%s' has no BTF %s type: declare it with __type(%s, ...) so its layout can be checked",
				what, tb->name, tb->map, side, side);
	id = btf__resolve_type(btf, type_id);
	tsize = btf__resolve_size(btf, type_id);
	if (id < 0 || tsize < 0)
		return nfc_errf(err, -EINVAL, "%s: table '%s': map '%s': unreadable BTF %s type",
				what, tb->name, tb->map, side);
	t = btf__type_by_id(btf, id);
	tname = btf__name_by_offset(btf, t->name_off);
	for (i = 0; i < n; i++) {
		const char *mname = f[i].member ?: f[i].name;

		if (!btf_is_struct(t) && !btf_is_union(t)) {
			/* a scalar key or value: one field, all of it */
			if (n == 1 && !f[i].offset && f[i].size == tsize)
				continue;
			return nfc_errf(err, -EINVAL,
					"%s: table '%s': %s field '%s' (offset %u, %u bytes) does not match the map's %s type, a %lld-byte scalar",
					what, tb->name, side, f[i].name,
					f[i].offset, f[i].size, side,
					(long long)tsize);
		}
		r = btf_member(btf, t, mname, &off, &size);
		if (r == -ENOENT)
			return nfc_errf(err, -EINVAL,
					"%s: table '%s': %s field '%s': struct %s has no member '%s'%s",
					what, tb->name, side, f[i].name, tname,
					mname,
					f[i].member ? "" :
						      " (name it with member: in the manifest)");
		if (r)
			return nfc_errf(err, -EINVAL,
					"%s: table '%s': %s field '%s': member '%s' of struct %s is a bit field or unreadable",
					what, tb->name, side, f[i].name, mname,
					tname);
		if (off != f[i].offset || size != f[i].size)
			return nfc_errf(err, -EINVAL,
					"%s: table '%s': %s field '%s': the manifest says offset %u, %u bytes; struct %s has '%s' at offset %u, %u bytes",
					what, tb->name, side, f[i].name,
					f[i].offset, f[i].size, tname, mname,
					off, size);
	}
	return 0;
}

/* The object is the module's: one program, NFC_NF(<module name>), of the
 * hook kind the manifest files it under. */
static int check_program(struct bpf_object *obj, const struct nfc_module *m,
			 int kind, const char *what, struct nfc_err *err)
{
	struct bpf_program *prog = bpf_object__next_program(obj, NULL);
	enum bpf_prog_type want = kind == NFC_OBJ_XDP ? BPF_PROG_TYPE_XDP :
							BPF_PROG_TYPE_SCHED_CLS;
	char name[NFC_NAME_MAX + 8];
	size_t i;

	if (!prog || bpf_object__next_program(obj, prog))
		return nfc_errf(err, -EINVAL,
				"%s: an object holds exactly one program (NFC_NF)",
				what);
	snprintf(name, sizeof(name), "nfc_nf_%s", m->name);
	for (i = 0; name[i]; i++)
		if (name[i] == '-')
			name[i] = '_';
	if (strcmp(bpf_program__name(prog), name))
		return nfc_errf(err, -EINVAL,
				"%s: the object's program is '%s', not module %s's '%s' (NFC_NF(%s))",
				what, bpf_program__name(prog), m->name, name,
				name + 7);
	if (bpf_program__type(prog) != want)
		return nfc_errf(err, -EINVAL,
				"%s: the object is built for %s, the manifest files it under %s (build it with -DNFC_HOOK_%s)",
				what,
				bpf_program__type(prog) == BPF_PROG_TYPE_XDP ? "xdp" : "tc",
				nfc_kind_str(kind),
				kind == NFC_OBJ_XDP ? "XDP" : "TC");
	return 0;
}

/* Every config key set through rodata has its variable, of its size. */
static int check_rodata(struct bpf_object *obj, const struct nfc_module *m,
			const char *what, struct nfc_err *err)
{
	struct bpf_map *map;
	__u32 off, size;
	int i;

	for (i = 0; i < m->n_config; i++) {
		const struct nfc_field *f = &m->config[i];

		if (!f->rodata)
			continue;
		if (rodata_var(obj, f->rodata, &map, &off, &size))
			return nfc_errf(err, -EINVAL,
					"%s: config '%s': the object has no rodata variable '%s' (a const volatile global)",
					what, f->name, f->rodata);
		if (size != f->size)
			return nfc_errf(err, -EINVAL,
					"%s: config '%s': rodata '%s' is %u bytes, the manifest says %u",
					what, f->name, f->rodata, size, f->size);
	}
	return 0;
}

int nfc_obj_check_module(struct bpf_object *obj, const struct nfc_module *m,
			 int kind, const char *what, struct nfc_err *err)
{
	const struct btf *btf = bpf_object__btf(obj);
	int i, r;

	r = check_program(obj, m, kind, what, err);
	if (!r)
		r = check_rodata(obj, m, what, err);
	if (r)
		return r;

	for (i = 0; i < m->n_tables; i++) {
		const struct nfc_table *tb = &m->tables[i];
		struct bpf_map *map;
		__u32 off, size;

		if (tb->lpm_family) {
			/* an LPM table: the variable its id goes to */
			if (rodata_var(obj, tb->lpm_id, &map, &off, &size) ||
			    size != sizeof(__u32))
				return nfc_errf(err, -EINVAL,
						"%s: table '%s': the object has no rodata variable '%s' of 4 bytes (a const volatile __u32) for its LPM table id",
						what, tb->name, tb->lpm_id);
			continue;
		}
		map = bpf_object__find_map_by_name(obj, tb->map);
		if (!map)
			return nfc_errf(err, -EINVAL,
					"%s: the manifest declares table '%s' on map '%s', which the object lacks",
					what, tb->name, tb->map);
		if (bpf_map__key_size(map) != tb->key_size ||
		    bpf_map__value_size(map) != tb->value_size)
			return nfc_errf(err, -EINVAL,
					"%s: table '%s': map '%s' has key/value %u/%u bytes, the manifest %u/%u",
					what, tb->name, tb->map,
					bpf_map__key_size(map),
					bpf_map__value_size(map), tb->key_size,
					tb->value_size);
		if (!btf)
			return nfc_errf(err, -EINVAL,
					"%s: the object has no BTF (build it with clang -g)",
					what);
		r = check_side(btf, bpf_map__btf_key_type_id(map), tb->key,
			       tb->n_key, "key", tb, what, err);
		if (!r)
			r = check_side(btf, bpf_map__btf_value_type_id(map),
				       tb->value, tb->n_value, "value", tb, what,
				       err);
		if (r)
			return r;
	}
	return 0;
}
