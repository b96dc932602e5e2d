// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "catalog.h"
#include "ydoc.h"

/* Enough for any real file; beyond this only a count is kept. */
#define NFC_YMSG_MAX 1024

static void record(struct nfc_ydoc *y, int line, int col, const char *fmt,
		   va_list ap)
{
	struct nfc_ymsg *m;
	char *text;
	int cap;

	if (y->n_msgs >= NFC_YMSG_MAX)
		goto drop;
	if (y->n_msgs == y->cap_msgs) {
		cap = y->cap_msgs ? y->cap_msgs * 2 : 16;
		m = realloc(y->msgs, cap * sizeof(*m));
		if (!m)
			goto drop;
		y->msgs = m;
		y->cap_msgs = cap;
	}
	if (vasprintf(&text, fmt, ap) < 0)
		goto drop;
	m = &y->msgs[y->n_msgs];
	m->line = line;
	m->col = col;
	m->seq = y->n_msgs++;
	m->text = text;
	return;
drop:
	y->dropped++;
}

static void record_at(struct nfc_ydoc *y, int line, int col, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));

static void record_at(struct nfc_ydoc *y, int line, int col, const char *fmt,
		      ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(y, line, col, fmt, ap);
	va_end(ap);
}

void nfc_yerr(struct nfc_ydoc *y, const yaml_node_t *at, const char *key,
	      const char *fmt, ...)
{
	char msg[NFC_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	record_at(y, at ? (int)at->start_mark.line + 1 : 1,
		  at ? (int)at->start_mark.column + 1 : 1, "%s: %s",
		  key && *key ? key : "(document)", msg);
}

static void syntax_error(struct nfc_ydoc *y, yaml_parser_t *p)
{
	char ctx[128] = "";

	if (p->context)
		snprintf(ctx, sizeof(ctx), " (%s at %zu:%zu)", p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	record_at(y, p->problem_mark.line + 1, p->problem_mark.column + 1,
		  "yaml: %s%s", p->problem ? p->problem : "syntax error", ctx);
}

int nfc_read_file(const char *path, char **text, size_t *len, size_t max)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd, ret = 0;

	/* O_NONBLOCK: a FIFO must not hold us (and the lock) forever */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		ret = -errno;
	else if (S_ISDIR(st.st_mode))
		ret = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		ret = -NFC_ENOTFILE;
	else if ((size_t)st.st_size > max)
		ret = -EFBIG;
	buf = ret ? NULL : malloc(st.st_size + 1);
	if (!ret && !buf)
		ret = -ENOMEM;
	while (!ret && got < (size_t)st.st_size) {
		n = read(fd, buf + got, st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : 0;
			break;
		}
		got += n;
	}
	close(fd);
	if (!ret && memchr(buf, '\0', got))
		ret = -EILSEQ;
	if (ret) {
		free(buf);
		return ret;
	}
	buf[got] = '\0';
	*text = buf;
	if (len)
		*len = got;
	return 0;
}

const char *nfc_read_strerror(int ret)
{
	switch (ret) {
	case -NFC_ENOTFILE:
		return "not a regular file";
	case -EFBIG:
		return "too large";
	case -EILSEQ:
		return "not a text file (it holds a NUL byte)";
	default:
		return strerror(-ret);
	}
}

/*
 * Walk the events once before the document is built: nesting beyond
 * NFC_YAML_DEPTH_MAX and aliases stop here, before libyaml's composer spends
 * time or memory on them. Syntax errors are left to the load that follows.
 */
static int prescan(struct nfc_ydoc *y, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, ret = 0;
	bool done = false;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && !ret) {
		if (!yaml_parser_parse(&p, &ev))
			break;
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth <= NFC_YAML_DEPTH_MAX)
				break;
			record_at(y, ev.start_mark.line + 1,
				  ev.start_mark.column + 1,
				  "yaml: nested deeper than %d levels",
				  NFC_YAML_DEPTH_MAX);
			ret = -EINVAL;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			record_at(y, ev.start_mark.line + 1,
				  ev.start_mark.column + 1,
				  "yaml: aliases (*%s) are not supported; write the value out",
				  (const char *)ev.data.alias.anchor);
			ret = -EINVAL;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return ret;
}

/* Load the first document, then make sure no second one follows. */
static int load(struct nfc_ydoc *y, yaml_parser_t *p)
{
	yaml_document_t extra;
	yaml_node_t *root;

	if (!yaml_parser_load(p, &y->doc)) {
		syntax_error(y, p);
		return -EINVAL;
	}
	y->loaded = true;
	if (!yaml_document_get_root_node(&y->doc)) {
		record_at(y, 1, 1, "empty %s", y->what);
		return -EINVAL;
	}
	if (!yaml_parser_load(p, &extra)) {
		syntax_error(y, p);
		return -EINVAL;
	}
	root = yaml_document_get_root_node(&extra);
	if (root)
		record_at(y, root->start_mark.line + 1,
			  root->start_mark.column + 1,
			  "yaml: a second document; one file holds one document");
	yaml_document_delete(&extra);
	return root ? -EINVAL : 0;
}

int nfc_ydoc__load_string(struct nfc_ydoc *y, const char *file,
			  const char *what, const char *text, size_t len)
{
	yaml_parser_t p;
	int ret;

	memset(y, 0, sizeof(*y));
	y->file = file;
	y->what = what;
	ret = prescan(y, text, len);
	if (ret)
		return ret;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	ret = load(y, &p);
	yaml_parser_delete(&p);
	return ret;
}

static int msg_cmp(const void *a, const void *b)
{
	const struct nfc_ymsg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq - y->seq;
}

int nfc_ydoc__flush(struct nfc_ydoc *y, struct nfc_err *err)
{
	int i, n = y->n_msgs + y->dropped;

	qsort(y->msgs, y->n_msgs, sizeof(*y->msgs), msg_cmp);
	for (i = 0; err && i < y->n_msgs; i++) {
		if (y->msgs[i].line)
			nfc_err_at(err, -EINVAL, y->file, y->msgs[i].line,
				   y->msgs[i].col, "%s", y->msgs[i].text);
		else
			nfc_errf(err, -EINVAL, "%s: %s", y->file,
				 y->msgs[i].text);
	}
	if (err)
		err->dropped += y->dropped;
	for (i = 0; i < y->n_msgs; i++)
		free(y->msgs[i].text);
	free(y->msgs);
	y->msgs = NULL;
	y->n_msgs = y->cap_msgs = y->dropped = 0;
	return n ? -EINVAL : 0;
}

void nfc_ydoc__free(struct nfc_ydoc *y)
{
	int i;

	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = false;
	for (i = 0; i < y->n_msgs; i++)
		free(y->msgs[i].text);
	free(y->msgs);
	y->msgs = NULL;
	y->n_msgs = y->cap_msgs = 0;
}

int nfc_ydoc__errors(const struct nfc_ydoc *y)
{
	return y->n_msgs + y->dropped;
}

yaml_node_t *nfc_ydoc__root(struct nfc_ydoc *y)
{
	return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *nfc_ynode(struct nfc_ydoc *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

bool nfc_yis_null(const yaml_node_t *n)
{
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

const char *nfc_ykind(const yaml_node_t *n)
{
	if (!n || nfc_yis_null(n))
		return "nothing";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a string";
	}
}

void nfc_ypath(char *buf, const char *parent, const char *key)
{
	if (parent && *parent)
		snprintf(buf, NFC_YPATH_LEN, "%s.%s", parent, key);
	else
		snprintf(buf, NFC_YPATH_LEN, "%s", key);
}

void nfc_ypathi(char *buf, const char *parent, int i)
{
	snprintf(buf, NFC_YPATH_LEN, "%s[%d]", parent, i);
}

int nfc_ypairs(struct nfc_ydoc *y, yaml_node_t *map, const char *path,
	       yaml_node_pair_t **pairs, int *n)
{
	*pairs = NULL;
	*n = 0;
	if (!map || map->type != YAML_MAPPING_NODE) {
		nfc_yerr(y, map, path, "expected a mapping, got %s",
			 nfc_ykind(map));
		return -EINVAL;
	}
	*pairs = map->data.mapping.pairs.start;
	*n = map->data.mapping.pairs.top - map->data.mapping.pairs.start;
	return 0;
}

int nfc_yseq(struct nfc_ydoc *y, yaml_node_t *seq, const char *path,
	     yaml_node_item_t **items, int *n)
{
	*items = NULL;
	*n = 0;
	if (nfc_yis_null(seq))
		return 0;
	if (!seq || seq->type != YAML_SEQUENCE_NODE) {
		nfc_yerr(y, seq, path, "expected a list, got %s",
			 nfc_ykind(seq));
		return -EINVAL;
	}
	*items = seq->data.sequence.items.start;
	*n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	return 0;
}

static void list_keys(char *buf, size_t len, const struct nfc_ykey *keys,
		      int n_keys)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n_keys && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				keys[i].name);
}

int nfc_ymap(struct nfc_ydoc *y, yaml_node_t *map, const char *path,
	     const struct nfc_ykey *keys, int n_keys, yaml_node_t **vals)
{
	yaml_node_t *k, *v, *seen[n_keys ? n_keys : 1];
	char kpath[NFC_YPATH_LEN], names[256];
	yaml_node_pair_t *pairs;
	const char *name;
	int i, j, n;

	for (i = 0; i < n_keys; i++)
		vals[i] = seen[i] = NULL;
	if (nfc_ypairs(y, map, path, &pairs, &n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		k = nfc_ynode(y, pairs[i].key);
		v = nfc_ynode(y, pairs[i].value);
		if (k->type != YAML_SCALAR_NODE) {
			nfc_yerr(y, k, path, "expected a key, got %s",
				 nfc_ykind(k));
			continue;
		}
		name = (const char *)k->data.scalar.value;
		nfc_ypath(kpath, path, name);
		for (j = 0; j < n_keys && strcmp(keys[j].name, name); j++)
			;
		if (j == n_keys) {
			list_keys(names, sizeof(names), keys, n_keys);
			nfc_yerr(y, k, kpath, "unknown key (expected one of: %s)",
				 names);
			continue;
		}
		if (seen[j]) {
			nfc_yerr(y, k, kpath, "given twice (first at %zu:%zu)",
				 seen[j]->start_mark.line + 1,
				 seen[j]->start_mark.column + 1);
			continue;
		}
		seen[j] = k;
		if (nfc_yis_null(v)) {
			if (keys[j].required)
				nfc_yerr(y, v, kpath, "expected a value");
			continue;
		}
		vals[j] = v;
	}
	for (j = 0; j < n_keys; j++) {
		if (keys[j].required && !seen[j]) {
			nfc_ypath(kpath, path, keys[j].name);
			nfc_yerr(y, map, kpath, "missing required key");
		}
	}
	return 0;
}

int nfc_ystr(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
	     const char **out)
{
	*out = NULL;
	if (!n || n->type != YAML_SCALAR_NODE || nfc_yis_null(n)) {
		nfc_yerr(y, n, path, "expected a string, got %s", nfc_ykind(n));
		return -EINVAL;
	}
	*out = (const char *)n->data.scalar.value;
	return 0;
}

int nfc_yuint(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
	      __u64 min, __u64 max, __u64 *out)
{
	const char *s;
	__u64 v;

	if (!n || n->type != YAML_SCALAR_NODE || nfc_yis_null(n)) {
		nfc_yerr(y, n, path, "expected an integer, got %s",
			 nfc_ykind(n));
		return -EINVAL;
	}
	s = (const char *)n->data.scalar.value;
	if (nfc_parse_u64(s, &v) || v < min || v > max) {
		nfc_yerr(y, n, path,
			 "expected an integer %llu..%llu, got '%.64s'",
			 (unsigned long long)min, (unsigned long long)max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int nfc_ybool(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
	      bool *out)
{
	static const struct nfc_field f = { .type = NFC_FT_BOOL, .size = 1 };
	const char *s;
	__u8 b;

	if (nfc_ystr(y, n, path, &s))
		return -EINVAL;
	if (nfc_field_encode(&f, s, &b, NULL, 0)) {
		nfc_yerr(y, n, path, "expected true or false, got '%.64s'", s);
		return -EINVAL;
	}
	*out = b;
	return 0;
}

bool nfc_name_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len < 1 || len > NFC_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	}
	return true;
}

int nfc_yname(struct nfc_ydoc *y, yaml_node_t *n, const char *path,
	      const char *what, const char **out)
{
	if (nfc_ystr(y, n, path, out))
		return -EINVAL;
	if (!nfc_name_ok(*out)) {
		nfc_yerr(y, n, path,
			 "'%.64s' is not a valid %s name (expected [a-z0-9_-]{1,%d})",
			 *out, what, NFC_NAME_MAX);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}
