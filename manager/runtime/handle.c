// SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
/*
 * The library handle: where state lives (pin root, state dir, the shipped
 * objects and catalog), the lock that serialises mutations, the catalog,
 * the state, and where libbpf's and libxdp's messages go.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <xdp/libxdp.h>
#include "internal.h"


static nfc_print_fn print_fn;

nfc_print_fn nfc_set_print(nfc_print_fn fn)
{
	nfc_print_fn old = print_fn;

	print_fn = fn;
	return old;
}

void nfc_pr(enum nfc_print_level level, const char *fmt, ...)
{
	va_list ap;

	if (!print_fn)
		return;
	va_start(ap, fmt);
	print_fn(level, fmt, ap);
	va_end(ap);
}

/* libbpf's and libxdp's messages are details: what failed reaches the
 * caller as an error of ours; NFC_WARN is for the library's own warnings. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return print_fn ? print_fn(NFC_DEBUG, fmt, ap) : 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	return print_fn ? print_fn(NFC_DEBUG, fmt, ap) : 0;
}

double nfc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

const char *nfc_kind_str(int kind)
{
	return kind == NFC_OBJ_XDP ? "xdp" : "tc";
}

int nfc_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int nfc_node_dir(struct nfc_handle *h, char *buf, size_t len,
		 const char *chain, const char *node, __u32 gen)
{
	return nfc_path(buf, len, "%s/chains/%s/%s/g%u", h->bpffs, chain,
			node, gen);
}

int nfc_node_map_path(struct nfc_handle *h, char *buf, size_t len,
		      const char *chain, const char *node, __u32 gen,
		      const char *map)
{
	return nfc_path(buf, len, "%s/chains/%s/%s/g%u/maps/%s", h->bpffs,
			chain, node, gen, map);
}

int nfc_mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path) && errno != ENOENT ? -errno : 0;
}

int nfc_rmtree(const char *path)
{
	int r = nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	return r && errno == ENOENT ? 0 : r;
}

const char *nfc_perm_hint(int e)
{
	return e == EACCES || e == EPERM ?
		       " (nfctl needs root, or CAP_BPF and CAP_NET_ADMIN with access to the state directory and the pin root)" :
		       "";
}

/* The directory of the running program, resolved. */
static int exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n <= 0)
		return -errno;
	buf[n] = '\0';
	dirname(buf);
	return 0;
}

/* The shipped root and executor objects and catalog: share/ultranio/ found
 * from the installed program (the tree can move), else, for a program of
 * the build tree (which has no such directory beside it), the build's. */
static int data_dirs(struct nfc_handle *h, struct nfc_err *err)
{
	char dir[PATH_MAX], data[PATH_MAX], probe[PATH_MAX];
	int r;

	r = exe_dir(dir, sizeof(dir));
	if (!r)
		r = nfc_path(data, sizeof(data), "%s/%s", dir, NFC_DATA_FROM_BIN);
	if (!r)
		r = nfc_path(probe, sizeof(probe), "%s/bpf/exec.xdp.o", data);
	if (!r && access(probe, R_OK)) {
		snprintf(h->bpf_dir, sizeof(h->bpf_dir), "%s", NFC_BUILD_BPF);
		snprintf(h->catalog_dir, sizeof(h->catalog_dir), "%s",
			 NFC_BUILD_CATALOG);
		if (!access(NFC_BUILD_BPF, R_OK))
			return 0;
		return nfc_errf(err, -ENOENT,
				"neither %s nor the build tree's %s holds UltraNIO's objects",
				data, NFC_BUILD_BPF);
	}
	if (!r && !realpath(data, dir))
		r = -errno;
	if (!r)
		r = nfc_path(h->bpf_dir, sizeof(h->bpf_dir), "%s/bpf", dir);
	if (!r)
		r = nfc_path(h->catalog_dir, sizeof(h->catalog_dir),
			     "%s/catalog", dir);
	if (r)
		return nfc_errf(err, r,
				"the data directory (%s beside the program): %s",
				NFC_DATA_FROM_BIN, strerror(-r));
	return 0;
}

/* The shipped catalog and ULTRANIO_CATALOG's directories must load; a
 * registered manifest that since went missing, broke or clashes with
 * another is skipped with a warning, so that it cannot lock the operator
 * out of nfctl (`nfctl module unload PATH` forgets it). */
static int catalog_open(struct nfc_handle *h, struct nfc_err *err)
{
	const struct nfc_state *s = h->state;
	char *dirs[65], *env, *tok, *save = NULL;
	struct nfc_err e;
	int n = 0, i, r = -ENOMEM;

	dirs[n++] = strdup(h->catalog_dir);
	env = getenv("ULTRANIO_CATALOG");
	if (env) {
		env = strdup(env);
		for (tok = strtok_r(env, ":", &save); tok && n < 65;
		     tok = strtok_r(NULL, ":", &save))
			if (*tok)
				dirs[n++] = strdup(tok);
		free(env);
	}
	for (i = 0; i < n; i++)
		if (!dirs[i])
			goto out;
	r = nfc_catalog__load(&h->cat, dirs, n, err);
	for (i = 0; !r && i < s->n_modules; i++) {
		nfc_err_clear(&e);
		if (access(s->modules[i], R_OK)) {
			nfc_pr(NFC_WARN, "registered module %s: %s: skipped\n",
			       s->modules[i], strerror(errno));
			continue;
		}
		if (nfc_catalog__add(h->cat, s->modules[i], &e) == -ENOMEM)
			r = -ENOMEM;
		else if (e.n)
			nfc_pr(NFC_WARN, "registered module skipped (nfctl module unload %s forgets it): %s\n",
			       s->modules[i], e.msg[0]);
	}
out:
	for (i = 0; i < n; i++)
		free(dirs[i]);
	return r;
}

/* The pin root must be on a BPF filesystem (its nearest existing ancestor
 * is looked at); a mutation creates it. */
static int pin_root(const char *root, bool create, struct nfc_err *err)
{
	char dir[PATH_MAX];
	struct statfs fs;
	int r;

	snprintf(dir, sizeof(dir), "%s", root);
	while (statfs(dir, &fs) && errno == ENOENT && strcmp(dir, "/")) {
		char *up = dirname(dir); /* an absolute path: never "." */

		memmove(dir, up, strlen(up) + 1);
	}
	if (statfs(dir, &fs))
		return nfc_errf(err, -errno, "%s: %s%s", dir, strerror(errno),
				nfc_perm_hint(errno));
	if (fs.f_type != BPF_FS_MAGIC)
		return nfc_errf(err, -ENOTSUP,
				"%s is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)",
				root);
	if (!create)
		return 0;
	r = nfc_mkdirs(root);
	if (r)
		return nfc_errf(err, r, "%s: %s%s", root, strerror(-r),
				nfc_perm_hint(-r));
	return 0;
}

static int state_open(struct nfc_handle *h, bool lock, struct nfc_err *err)
{
	char path[PATH_MAX];
	int r;

	if (lock) {
		r = nfc_mkdirs(h->state_dir);
		if (r)
			return nfc_errf(err, r, "%s: %s%s", h->state_dir,
					strerror(-r), nfc_perm_hint(-r));
		nfc_path(path, sizeof(path), "%s/lock", h->state_dir);
		h->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (h->lock_fd >= 0 && flock(h->lock_fd, LOCK_EX | LOCK_NB) &&
		    errno == EWOULDBLOCK) {
			nfc_pr(NFC_WARN, "waiting for another nfctl to finish (%s is locked)\n",
			       path);
			r = flock(h->lock_fd, LOCK_EX);
		} else {
			r = h->lock_fd < 0 ? -1 : 0;
		}
		if (r)
			return nfc_errf(err, -errno, "%s: cannot lock: %s%s",
					path, strerror(errno), nfc_perm_hint(errno));
	}
	nfc_state_path(h, path, sizeof(path));
	r = nfc_state__load(&h->state, path, err);
	if (r == -EACCES || r == -EPERM) {
		nfc_err_clear(err);
		return nfc_errf(err, r, "%s: %s%s", path, strerror(-r),
				nfc_perm_hint(-r));
	}
	return r;
}

int nfc_state_path(struct nfc_handle *h, char *buf, size_t len)
{
	return nfc_path(buf, len, "%s/state.json", h->state_dir);
}

int nfc_state_save(struct nfc_handle *h, struct nfc_err *err)
{
	char path[PATH_MAX];

	nfc_state_path(h, path, sizeof(path));
	return nfc_state__save(h->state, path, err);
}

int nfc_open(struct nfc_handle **out, const struct nfc_open_opts *opts,
	     struct nfc_err *err)
{
	struct nfc_handle *h;
	const char *bpffs, *state;
	bool lock;
	int r;

	*out = NULL;
	if (!NFC_OPTS_VALID(opts, nfc_open_opts, no_catalog))
		return nfc_errf(err, -EINVAL, "nfc_open: unknown options");
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->lock_fd = -1;
	h->chains_fd = -1;
	bpffs = NFC_OPTS_GET(opts, bpffs, NULL);
	state = NFC_OPTS_GET(opts, state, NULL);
	lock = NFC_OPTS_GET(opts, lock, false);
	if (!bpffs || !*bpffs)
		bpffs = getenv("ULTRANIO_BPFFS");
	if (!bpffs || !*bpffs)
		bpffs = NFC_DEFAULT_BPFFS;
	if (!state || !*state)
		state = getenv("ULTRANIO_STATE");
	if (!state || !*state)
		state = NFC_DEFAULT_STATE;
	snprintf(h->bpffs, sizeof(h->bpffs), "%s", bpffs);
	snprintf(h->state_dir, sizeof(h->state_dir), "%s", state);

	if (h->bpffs[0] != '/' || h->state_dir[0] != '/')
		r = nfc_errf(err, -EINVAL,
			     "the pin root (%s) and the state directory (%s) must be absolute paths (ULTRANIO_BPFFS, ULTRANIO_STATE)",
			     h->bpffs, h->state_dir);
	else
		r = data_dirs(h, err);
	if (!r)
		r = pin_root(h->bpffs, lock, err);
	if (!r)
		r = state_open(h, lock, err);
	if (!r && !NFC_OPTS_GET(opts, no_catalog, false))
		r = catalog_open(h, err);
	if (r) {
		nfc_close(h);
		return r;
	}
	*out = h;
	return 0;
}

void nfc_close(struct nfc_handle *h)
{
	if (!h)
		return;
	if (h->chains_mm)
		munmap(h->chains_mm, h->chains_mm_len);
	if (h->chains_fd >= 0)
		close(h->chains_fd);
	if (h->lock_fd >= 0)
		close(h->lock_fd);
	nfc_catalog__free(h->cat);
	nfc_state__free(h->state);
	free(h);
}

const struct nfc_catalog *nfc_catalog(struct nfc_handle *h)
{
	return h->cat;
}

const struct nfc_state *nfc_state(struct nfc_handle *h)
{
	return h->state;
}

const struct nfc_chain_info *nfc_chain__info(struct nfc_handle *h,
					     const char *chain)
{
	return nfc_state__chain(h->state, chain);
}
