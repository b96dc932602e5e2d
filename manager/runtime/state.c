// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The state file (state.json): what the library records of the host's
 * chains and registered modules, read into struct nfc_state in one load and
 * written back in one save. JSON exists only here.
 *
 *   {"format": 3, "modules": [MANIFEST...],
 *    "chains": [{"name", "id", "version", "block", "kinds", "vxlan_port", "nocache",
 *                "file", "descriptor", "overrides": [{"node", "module",
 *                "version"}], "attach": [{"interface", "ifindex", "hook",
 *                "mode", "priority", "prog_id", "handle"}], "nodes":
 *                [{"name", "module", "version", "hop", "gen", "counter",
 *                "lpm_slot", "hash", "prog_id": {"xdp", "tc"}}]}]}
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "internal.h"
#include "ydoc.h"

#define NFC_STATE_FORMAT 3
/* 1,023 chains with their descriptors fit many times over */
#define NFC_STATE_MAX (64u << 20)

/* Reading: every member checked, the first problem reported with its path. */
struct rd {
	const char *path;       /* of the file */
	struct nfc_err *err;
	int ret;
};

static json_object *member(struct rd *r, json_object *o, const char *at,
			   const char *key, json_type type)
{
	json_object *v;

	if (r->ret)
		return NULL;
	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type)) {
		r->ret = nfc_errf(r->err, -EINVAL,
				  "%s: corrupt state: %s%s%s missing or of the wrong type",
				  r->path, at, *at ? "." : "", key);
		return NULL;
	}
	return v;
}

static __u64 get_u(struct rd *r, json_object *o, const char *at,
		   const char *key, __u64 max)
{
	json_object *v = member(r, o, at, key, json_type_int);
	__u64 u;

	if (!v)
		return 0;
	u = json_object_get_uint64(v);
	if (u > max)
		r->ret = nfc_errf(r->err, -EINVAL,
				  "%s: corrupt state: %s.%s = %llu is out of range",
				  r->path, at, key, (unsigned long long)u);
	return u;
}

static void get_s(struct rd *r, json_object *o, const char *at,
		  const char *key, char *buf, size_t len)
{
	json_object *v = member(r, o, at, key, json_type_string);

	if (!v)
		return;
	if ((size_t)json_object_get_string_len(v) >= len) {
		r->ret = nfc_errf(r->err, -EINVAL,
				  "%s: corrupt state: %s.%s is too long",
				  r->path, at, key);
		return;
	}
	snprintf(buf, len, "%s", json_object_get_string(v));
}

/* A name from the state becomes a path under the pin root: the same rule
 * as in descriptors, [a-z0-9_-]{1,32}. */
static void get_name(struct rd *r, json_object *o, const char *at,
		     const char *key, char *buf, size_t len)
{
	get_s(r, o, at, key, buf, len);
	if (!r->ret && !nfc_name_ok(buf))
		r->ret = nfc_errf(r->err, -EINVAL,
				  "%s: corrupt state: %s.%s '%s' is not a name",
				  r->path, at, key, buf);
}

static char *get_sdup(struct rd *r, json_object *o, const char *at,
		      const char *key)
{
	json_object *v = member(r, o, at, key, json_type_string);
	char *s;

	if (!v)
		return NULL;
	s = strdup(json_object_get_string(v));
	if (!s)
		r->ret = -ENOMEM;
	return s;
}

/* An array member: its length, and room for that many elements. */
static int get_arr(struct rd *r, json_object *o, const char *at,
		   const char *key, json_object **arr, void **elems,
		   size_t size)
{
	size_t n;

	*elems = NULL;
	*arr = member(r, o, at, key, json_type_array);
	if (!*arr)
		return 0;
	n = json_object_array_length(*arr);
	*elems = calloc(n ? n : 1, size);
	if (!*elems) {
		r->ret = -ENOMEM;
		return 0;
	}
	return n;
}

static void read_attach(struct rd *r, json_object *o, const char *at,
			struct nfc_attach_info *a)
{
	char hook[16] = "", mode[16] = "";

	get_s(r, o, at, "interface", a->ifname, sizeof(a->ifname));
	a->ifindex = get_u(r, o, at, "ifindex", UINT32_MAX);
	get_s(r, o, at, "hook", hook, sizeof(hook));
	get_s(r, o, at, "mode", mode, sizeof(mode));
	a->priority = get_u(r, o, at, "priority", UINT32_MAX);
	if (json_object_object_get_ex(o, "tenant", NULL))
		a->tenant = get_u(r, o, at, "tenant", UINT32_MAX);
	if (json_object_object_get_ex(o, "netns", NULL))
		a->netns = get_u(r, o, at, "netns", UINT64_MAX);
	a->prog_id = get_u(r, o, at, "prog_id", UINT32_MAX);
	a->handle = get_u(r, o, at, "handle", UINT32_MAX);
	if (!r->ret && (nfc_hook_parse(hook, &a->hook) ||
			nfc_mode_parse(mode, &a->mode)))
		r->ret = nfc_errf(r->err, -EINVAL,
				  "%s: corrupt state: %s: hook '%s', mode '%s'",
				  r->path, at, hook, mode);
}

static void read_node(struct rd *r, json_object *o, const char *at,
		      struct nfc_node_info *n)
{
	json_object *ids;
	char ip[256];
	int k;

	get_name(r, o, at, "name", n->name, sizeof(n->name));
	get_name(r, o, at, "module", n->module, sizeof(n->module));
	get_s(r, o, at, "version", n->version, sizeof(n->version));
	n->hop = get_u(r, o, at, "hop", NFC_MAX_HOPS - 1);
	n->gen = get_u(r, o, at, "gen", UINT32_MAX);
	n->counter = get_u(r, o, at, "counter", NFC_MAX_INSTANCES - 1);
	/* (files of before LPM tables lack it) */
	if (json_object_object_get_ex(o, "lpm_slot", NULL))
		n->lpm_slot = get_u(r, o, at, "lpm_slot", 1);
	get_s(r, o, at, "hash", n->hash, sizeof(n->hash));
	ids = member(r, o, at, "prog_id", json_type_object);
	snprintf(ip, sizeof(ip), "%s.prog_id", at);
	for (k = 0; ids && k < NFC_OBJ_MAX; k++) {
		json_object *v;

		if (json_object_object_get_ex(ids, nfc_kind_str(k), &v))
			n->prog_id[k] = get_u(r, ids, ip, nfc_kind_str(k),
					      UINT32_MAX);
	}
}

static void read_chain(struct rd *r, json_object *o, const char *at,
		       struct nfc_chain_info *c)
{
	json_object *arr;
	char ip[200];
	int i;

	get_name(r, o, at, "name", c->name, sizeof(c->name));
	c->id = get_u(r, o, at, "id", NFC_MAX_CHAINS - 1);
	c->version = get_u(r, o, at, "version", UINT32_MAX);
	c->block = get_u(r, o, at, "block", NFC_MAX_BLOCKS - 1);
	if (!r->ret && (!c->id || !c->block))
		r->ret = nfc_errf(r->err, -EINVAL,
				  "%s: corrupt state: %s: id and block 0 are the framework's",
				  r->path, at);
	c->kinds = get_u(r, o, at, "kinds", (1u << NFC_OBJ_MAX) - 1);
	c->vxlan_port = get_u(r, o, at, "vxlan_port", 65535);
	c->nocache = get_u(r, o, at, "nocache", 1);
	c->file = get_sdup(r, o, at, "file");
	c->descriptor = get_sdup(r, o, at, "descriptor");
	c->n_overrides = get_arr(r, o, at, "overrides", &arr,
				 (void **)&c->overrides, sizeof(*c->overrides));
	for (i = 0; !r->ret && i < c->n_overrides; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		struct nfc_override *ov = &c->overrides[i];

		snprintf(ip, sizeof(ip), "%s.overrides[%d]", at, i);
		get_name(r, v, ip, "node", ov->node, sizeof(ov->node));
		get_name(r, v, ip, "module", ov->module, sizeof(ov->module));
		get_s(r, v, ip, "version", ov->version, sizeof(ov->version));
	}
	c->n_attach = get_arr(r, o, at, "attach", &arr, (void **)&c->attach,
			      sizeof(*c->attach));
	for (i = 0; !r->ret && i < c->n_attach; i++) {
		snprintf(ip, sizeof(ip), "%s.attach[%d]", at, i);
		read_attach(r, json_object_array_get_idx(arr, i), ip,
			    &c->attach[i]);
	}
	c->n_nodes = get_arr(r, o, at, "nodes", &arr, (void **)&c->nodes,
			     sizeof(*c->nodes));
	for (i = 0; !r->ret && i < c->n_nodes; i++) {
		snprintf(ip, sizeof(ip), "%s.nodes[%d]", at, i);
		read_node(r, json_object_array_get_idx(arr, i), ip,
			  &c->nodes[i]);
	}
}

static void read_state(struct rd *r, json_object *root, struct nfc_state *s)
{
	json_object *arr;
	char at[64];
	int i, j;

	if (get_u(r, root, "", "format", UINT32_MAX) != NFC_STATE_FORMAT &&
	    !r->ret) {
		r->ret = nfc_errf(r->err, -EPROTO,
				  "%s: written by another version of UltraNIO (state format %llu, this one reads %d): delete its chains with that version, or remove the file and the pins under the pin root",
				  r->path,
				  (unsigned long long)json_object_get_uint64(
					  json_object_object_get(root, "format")),
				  NFC_STATE_FORMAT);
		return;
	}
	s->n_modules = get_arr(r, root, "", "modules", &arr,
			       (void **)&s->modules, sizeof(*s->modules));
	for (i = 0; !r->ret && i < s->n_modules; i++) {
		json_object *v = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(v, json_type_string)) {
			r->ret = nfc_errf(r->err, -EINVAL,
					  "%s: corrupt state: modules[%d]",
					  r->path, i);
			break;
		}
		s->modules[i] = strdup(json_object_get_string(v));
		if (!s->modules[i])
			r->ret = -ENOMEM;
	}
	s->n_chains = get_arr(r, root, "", "chains", &arr,
			      (void **)&s->chains, sizeof(*s->chains));
	for (i = 0; !r->ret && i < s->n_chains; i++) {
		snprintf(at, sizeof(at), "chains[%d]", i);
		read_chain(r, json_object_array_get_idx(arr, i), at,
			   &s->chains[i]);
		for (j = 0; !r->ret && j < i; j++)
			if (!strcmp(s->chains[j].name, s->chains[i].name) ||
			    s->chains[j].id == s->chains[i].id ||
			    s->chains[j].block == s->chains[i].block)
				r->ret = nfc_errf(r->err, -EINVAL,
						  "%s: corrupt state: chains[%d] and chains[%d] share a name, id or block",
						  r->path, j, i);
	}
}

int nfc_state__load(struct nfc_state **out, const char *path,
		    struct nfc_err *err)
{
	struct rd r = { .path = path, .err = err };
	struct json_tokener *tok;
	struct nfc_state *s;
	json_object *root;
	size_t len;
	char *text;
	int ret;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ret = nfc_read_file(path, &text, &len, NFC_STATE_MAX);
	if (ret == -ENOENT) { /* nothing applied yet */
		*out = s;
		return 0;
	}
	if (ret) {
		free(s);
		return nfc_errf(err, ret, "%s: %s", path,
				nfc_read_strerror(ret));
	}
	tok = json_tokener_new();
	root = tok ? json_tokener_parse_ex(tok, text, len) : NULL;
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(root, json_type_object) ||
	    text[tok->char_offset + strspn(text + tok->char_offset, " \t\r\n")]) {
		json_object_put(root);
		json_tokener_free(tok);
		free(text);
		free(s);
		return nfc_errf(err, -EINVAL,
				"%s: not a state file (damaged?): delete the chains it described with their pins (%s), or remove it",
				path, "rm -r the pin root");
	}
	json_tokener_free(tok);
	free(text);
	read_state(&r, root, s);
	json_object_put(root);
	if (r.ret) {
		nfc_state__free(s);
		return r.ret;
	}
	*out = s;
	return 0;
}

static void put_u(json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void put_s(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v ?: ""));
}

static json_object *chain_json(const struct nfc_chain_info *c)
{
	json_object *o = json_object_new_object(), *arr, *x, *ids;
	int i, k;

	put_s(o, "name", c->name);
	put_u(o, "id", c->id);
	put_u(o, "version", c->version);
	put_u(o, "block", c->block);
	put_u(o, "kinds", c->kinds);
	put_u(o, "vxlan_port", c->vxlan_port);
	put_u(o, "nocache", c->nocache);
	put_s(o, "file", c->file);
	put_s(o, "descriptor", c->descriptor);
	arr = json_object_new_array();
	for (i = 0; i < c->n_overrides; i++) {
		x = json_object_new_object();
		put_s(x, "node", c->overrides[i].node);
		put_s(x, "module", c->overrides[i].module);
		put_s(x, "version", c->overrides[i].version);
		json_object_array_add(arr, x);
	}
	json_object_object_add(o, "overrides", arr);
	arr = json_object_new_array();
	for (i = 0; i < c->n_attach; i++) {
		const struct nfc_attach_info *a = &c->attach[i];

		x = json_object_new_object();
		put_s(x, "interface", a->ifname);
		put_u(x, "ifindex", a->ifindex);
		put_s(x, "hook", nfc_hook_str(a->hook));
		put_s(x, "mode", nfc_mode_str(a->mode));
		put_u(x, "priority", a->priority);
		if (a->tenant)
			put_u(x, "tenant", a->tenant);
		if (a->netns)
			put_u(x, "netns", a->netns);
		put_u(x, "prog_id", a->prog_id);
		put_u(x, "handle", a->handle);
		json_object_array_add(arr, x);
	}
	json_object_object_add(o, "attach", arr);
	arr = json_object_new_array();
	for (i = 0; i < c->n_nodes; i++) {
		const struct nfc_node_info *n = &c->nodes[i];

		x = json_object_new_object();
		put_s(x, "name", n->name);
		put_s(x, "module", n->module);
		put_s(x, "version", n->version);
		put_u(x, "hop", n->hop);
		put_u(x, "gen", n->gen);
		put_u(x, "counter", n->counter);
		put_u(x, "lpm_slot", n->lpm_slot);
		put_s(x, "hash", n->hash);
		ids = json_object_new_object();
		for (k = 0; k < NFC_OBJ_MAX; k++)
			if (n->prog_id[k])
				put_u(ids, nfc_kind_str(k), n->prog_id[k]);
		json_object_object_add(x, "prog_id", ids);
		json_object_array_add(arr, x);
	}
	json_object_object_add(o, "nodes", arr);
	return o;
}

int nfc_state__stage(const struct nfc_state *s,
		     const struct nfc_chain_info *c, const char *path,
		     char *tmp, size_t len, struct nfc_err *err)
{
	json_object *root = json_object_new_object(), *arr;
	bool put = false;
	int i, r = 0;

	put_u(root, "format", NFC_STATE_FORMAT);
	arr = json_object_new_array();
	for (i = 0; i < s->n_modules; i++)
		json_object_array_add(arr, json_object_new_string(s->modules[i]));
	json_object_object_add(root, "modules", arr);
	arr = json_object_new_array();
	for (i = 0; i < s->n_chains; i++) {
		bool here = c && !strcmp(s->chains[i].name, c->name);

		json_object_array_add(arr, chain_json(here ? c : &s->chains[i]));
		put |= here;
	}
	if (c && !put)
		json_object_array_add(arr, chain_json(c));
	json_object_object_add(root, "chains", arr);

	errno = 0;
	if (nfc_path(tmp, len, "%s.%d", path, getpid()) ||
	    json_object_to_file_ext(tmp, root, JSON_C_TO_STRING_PRETTY)) {
		r = nfc_errf(err, errno ? -errno : -EIO,
			     "%s: cannot write state: %s", tmp,
			     strerror(errno ?: EIO));
		unlink(tmp);
	}
	json_object_put(root);
	return r;
}

/* A crash leaves the old file or the new one, never half of one. */
int nfc_state__commit(const char *tmp, const char *path, struct nfc_err *err)
{
	if (!rename(tmp, path))
		return 0;
	unlink(tmp);
	return nfc_errf(err, -errno, "%s: cannot write state: %s", path,
			strerror(errno));
}

int nfc_state__save(const struct nfc_state *s, const char *path,
		    struct nfc_err *err)
{
	char tmp[PATH_MAX];

	return nfc_state__stage(s, NULL, path, tmp, sizeof(tmp), err) ?:
	       nfc_state__commit(tmp, path, err);
}

void nfc_chain_info__clear(struct nfc_chain_info *c)
{
	free(c->file);
	free(c->descriptor);
	free(c->overrides);
	free(c->attach);
	free(c->nodes);
	memset(c, 0, sizeof(*c));
}

void nfc_state__free(struct nfc_state *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->n_modules; i++)
		free(s->modules[i]);
	free(s->modules);
	for (i = 0; i < s->n_chains; i++)
		nfc_chain_info__clear(&s->chains[i]);
	free(s->chains);
	free(s);
}

struct nfc_chain_info *nfc_state__chain(struct nfc_state *s, const char *name)
{
	int i;

	for (i = 0; i < s->n_chains; i++)
		if (!strcmp(s->chains[i].name, name))
			return &s->chains[i];
	return NULL;
}

int nfc_state__put_chain(struct nfc_state *s, struct nfc_chain_info *c)
{
	struct nfc_chain_info *old = nfc_state__chain(s, c->name), *arr;

	if (old) {
		nfc_chain_info__clear(old);
		*old = *c;
		return 0;
	}
	arr = realloc(s->chains, (s->n_chains + 1) * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	s->chains = arr;
	s->chains[s->n_chains++] = *c;
	return 0;
}

void nfc_state__del_chain(struct nfc_state *s, const char *name)
{
	struct nfc_chain_info *c = nfc_state__chain(s, name);

	if (!c)
		return;
	nfc_chain_info__clear(c);
	memmove(c, c + 1, (s->chains + --s->n_chains - c) * sizeof(*c));
}

int nfc_state__add_module(struct nfc_state *s, const char *manifest)
{
	char **arr;
	int i;

	for (i = 0; i < s->n_modules; i++)
		if (!strcmp(s->modules[i], manifest))
			return 0;
	arr = realloc(s->modules, (s->n_modules + 1) * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	s->modules = arr;
	s->modules[s->n_modules] = strdup(manifest);
	if (!s->modules[s->n_modules])
		return -ENOMEM;
	s->n_modules++;
	return 0;
}

bool nfc_state__del_module(struct nfc_state *s, const char *manifest)
{
	int i;

	for (i = 0; i < s->n_modules; i++) {
		if (strcmp(s->modules[i], manifest))
			continue;
		free(s->modules[i]);
		memmove(&s->modules[i], &s->modules[i + 1],
			(--s->n_modules - i) * sizeof(*s->modules));
		return true;
	}
	return false;
}
