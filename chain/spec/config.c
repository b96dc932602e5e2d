// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * A node's config: scalar keys encoded for the module's rodata, lists
 * encoded as entries of the tables they fill, each value checked against
 * the field the manifest declares.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dparse.h"

_Static_assert(sizeof(((struct nfc_cfg_value *)0)->bytes) >=
		       NFC_CONFIG_MAX_SIZE,
	       "a config value must fit nfc_cfg_value.bytes");

static int field_index(const struct nfc_table *t, const char *name)
{
	int i;

	for (i = 0; i < t->n_key + t->n_value; i++) {
		const struct nfc_field *f = i < t->n_key ?
						    &t->key[i] :
						    &t->value[i - t->n_key];

		if (!strcmp(f->name, name))
			return i;
	}
	return -1;
}

/* The text of a value for a field: a scalar. */
static int field_text(struct dparse *p, yaml_node_t *v, const char *kp,
		      const struct nfc_field *f, const char **s)
{
	*s = NULL;
	if (v->type == YAML_SCALAR_NODE && !nfc_yis_null(v)) {
		*s = (const char *)v->data.scalar.value;
		return 0;
	}
	nfc_yerr(p->y, v, kp, "expected a value of type %s, got %s",
		 nfc_ftype_str(f->type), nfc_ykind(v));
	return -EINVAL;
}

/* A field of a table entry still missing: is it required here? */
static bool entry_needs(const struct nfc_table *t, const struct nfc_field *f,
			const __u8 *kb, const __u8 *vb, const bool *set,
			const bool *failed)
{
	const struct nfc_field *o;
	__u8 want[64];
	int u, i;

	if (!f->required)
		return false;
	if (!f->unless_field)
		return true;
	u = field_index(t, f->unless_field);
	if (u < 0)
		return true;
	if (failed[u])
		return false; /* already reported; do not guess */
	if (!set[u])
		return true;
	o = u < t->n_key ? &t->key[u] : &t->value[u - t->n_key];
	if (o->size > sizeof(want))
		return true;
	for (i = 0; i < f->n_unless; i++)
		if (!nfc_field_encode(o, f->unless_values[i], want, NULL, 0) &&
		    !memcmp(want, (u < t->n_key ? kb : vb) + o->offset,
			    o->size))
			return false;
	return true;
}

struct entry_ctx {
	const struct nfc_table *t;
	struct nfc_ykey *keys;
	yaml_node_t **vals;
	bool *set;
	bool *failed;
	int nf;
};

/* One entry of a config list; false when it could not be encoded. */
static bool fill_entry(struct dparse *p, struct entry_ctx *c, yaml_node_t *it,
		       const char *ep, __u8 *kb, __u8 *vb)
{
	const struct nfc_table *t = c->t;
	char fp[NFC_YPATH_LEN], eb[NFC_ERR_LEN];
	const struct nfc_field *f;
	bool ok = true;
	const char *s;
	__u8 *dst;
	int j;

	if (nfc_ymap(p->y, it, ep, c->keys, c->nf, c->vals))
		return false;
	for (j = 0; j < c->nf; j++) {
		f = j < t->n_key ? &t->key[j] : &t->value[j - t->n_key];
		dst = (j < t->n_key ? kb : vb) + f->offset;
		nfc_ypath(fp, ep, f->name);
		c->set[j] = c->failed[j] = false;
		if (c->vals[j]) {
			if (field_text(p, c->vals[j], fp, f, &s)) {
				c->failed[j] = true;
			} else if (nfc_field_encode(f, s, dst, eb,
						    sizeof(eb))) {
				nfc_yerr(p->y, c->vals[j], fp, "%s", eb);
				c->failed[j] = true;
			}
		} else if (f->def) {
			if (nfc_field_encode(f, f->def, dst, eb, sizeof(eb))) {
				nfc_yerr(p->y, it, fp,
					 "the module's default '%s': %s",
					 f->def, eb);
				c->failed[j] = true;
			}
		} else {
			/* a missing key field is reported by nfc_ymap */
			if (j < t->n_key)
				ok = false;
			continue;
		}
		c->set[j] = !c->failed[j];
		ok &= c->set[j];
	}
	for (j = t->n_key; j < c->nf; j++) {
		f = &t->value[j - t->n_key];
		if (c->set[j] || c->failed[j] ||
		    !entry_needs(t, f, kb, vb, c->set, c->failed))
			continue;
		nfc_ypath(fp, ep, f->name);
		if (f->unless_field)
			nfc_yerr(p->y, it, fp,
				 "missing required key (required unless %s is %s)",
				 f->unless_field, f->unless_text);
		else
			nfc_yerr(p->y, it, fp, "missing required key");
		ok = false;
	}
	return ok;
}

/* A config list: entries of a table, encoded. */
static int fill_table(struct dparse *p, struct nfc_node *n,
		      const struct nfc_field *f, yaml_node_t *list,
		      const char *path)
{
	const struct nfc_table *t = nfc_module__table(n->mod, f->table);
	struct nfc_table_fill *fill = &n->fills[n->n_fills];
	char ep[NFC_YPATH_LEN];
	struct entry_ctx c = { .t = t };
	yaml_node_item_t *items;
	bool *good = NULL;
	int i, e, cnt, ret = -ENOMEM;
	__u8 *kb;

	if (!t || nfc_yseq(p->y, list, path, &items, &cnt))
		return 0;
	n->n_fills++;
	fill->table = t;
	c.nf = t->n_key + t->n_value;
	fill->keys = calloc(cnt ? cnt : 1, t->key_size);
	fill->values = calloc(cnt ? cnt : 1, t->value_size);
	c.keys = calloc(c.nf, sizeof(*c.keys));
	c.vals = calloc(c.nf, sizeof(*c.vals));
	c.set = calloc(c.nf, sizeof(*c.set));
	c.failed = calloc(c.nf, sizeof(*c.failed));
	good = calloc(cnt ? cnt : 1, sizeof(*good));
	if (!fill->keys || !fill->values || !c.keys || !c.vals || !c.set ||
	    !c.failed || !good)
		goto out;
	fill->n = cnt;
	for (i = 0; i < c.nf; i++) {
		c.keys[i].name = i < t->n_key ? t->key[i].name :
						t->value[i - t->n_key].name;
		c.keys[i].required = i < t->n_key && t->key[i].required;
	}
	for (e = 0; e < cnt; e++) {
		yaml_node_t *it = nfc_ynode(p->y, items[e]);

		nfc_ypathi(ep, path, e);
		kb = fill->keys + (size_t)e * t->key_size;
		good[e] = fill_entry(p, &c, it, ep, kb,
				     fill->values + (size_t)e * t->value_size);
		for (i = 0; good[e] && i < e; i++) {
			if (good[i] && !memcmp(kb, fill->keys +
							   (size_t)i * t->key_size,
					       t->key_size)) {
				nfc_yerr(p->y, it, ep,
					 "the same key as %s[%d]: a table holds one entry per key",
					 path, i);
				break;
			}
		}
	}
	ret = 0;
out:
	free(c.keys);
	free(c.vals);
	free(c.set);
	free(c.failed);
	free(good);
	return ret;
}

static void config_scalar(struct dparse *p, struct nfc_node *n,
			  const struct nfc_field *f, yaml_node_t *v,
			  yaml_node_t *at, const char *kp)
{
	struct nfc_cfg_value *cv = &n->cfg[n->n_cfg++];
	char eb[NFC_ERR_LEN];
	const char *s;

	cv->key = f;
	if (v) {
		cv->line = v->start_mark.line + 1;
		cv->col = v->start_mark.column + 1;
		if (!field_text(p, v, kp, f, &s) &&
		    nfc_field_encode(f, s, cv->bytes, eb, sizeof(eb)))
			nfc_yerr(p->y, v, kp, "%s", eb);
	} else if (f->def) {
		if (nfc_field_encode(f, f->def, cv->bytes, eb, sizeof(eb)))
			nfc_yerr(p->y, at, kp, "the module's default '%s': %s",
				 f->def, eb);
	} else if (f->required) {
		nfc_yerr(p->y, at, kp,
			 "missing required key (module '%s' has no default for it)",
			 n->mod->name);
	}
}

/* Every scalar config key of the module gets a value; lists fill tables. */
int nfc_dp_node_config(struct dparse *p, struct nfc_node *n, yaml_node_t *nmap,
		       yaml_node_t *cfg, const char *npath)
{
	const struct nfc_module *m = n->mod;
	char cpath[NFC_YPATH_LEN], kp[NFC_YPATH_LEN];
	struct nfc_ykey *keys;
	yaml_node_t **vals;
	int i, n_list = 0, ret = 0;

	nfc_ypath(cpath, npath, "config");
	if (cfg && !m->n_config) {
		nfc_yerr(p->y, cfg, cpath, "module '%s' takes no config",
			 m->name);
		return 0;
	}
	for (i = 0; i < m->n_config; i++)
		n_list += m->config[i].type == NFC_FT_LIST;
	keys = calloc(m->n_config + 1, sizeof(*keys));
	vals = calloc(m->n_config + 1, sizeof(*vals));
	n->cfg = calloc(m->n_config - n_list + 1, sizeof(*n->cfg));
	n->fills = calloc(n_list + 1, sizeof(*n->fills));
	if (!keys || !vals || !n->cfg || !n->fills) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < m->n_config; i++)
		keys[i].name = m->config[i].name;
	if (cfg && nfc_ymap(p->y, cfg, cpath, keys, m->n_config, vals))
		goto out;
	for (i = 0; i < m->n_config && !ret; i++) {
		nfc_ypath(kp, cpath, m->config[i].name);
		if (m->config[i].type != NFC_FT_LIST)
			config_scalar(p, n, &m->config[i], vals[i],
				      cfg ? cfg : nmap, kp);
		else if (vals[i])
			ret = fill_table(p, n, &m->config[i], vals[i], kp);
		else if (m->config[i].required)
			nfc_yerr(p->y, cfg ? cfg : nmap, kp,
				 "missing required key (a list of %s)",
				 m->config[i].table);
	}
out:
	free(keys);
	free(vals);
	return ret;
}

