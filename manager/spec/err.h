/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * Errors of the library, the way libbpf reports them: every call returns 0
 * or the real -errno of what went wrong (-ENOENT for a missing file,
 * -EACCES for a verifier rejection or a permission, -EINVAL for bad input,
 * -EBUSY for a resource in use), and, where the caller passed a struct
 * nfc_err, leaves human-readable messages in it, each naming the object
 * first ("chain 'edge': node 'mr': ..."). Library code never prints and
 * never exits.
 */
#ifndef NFC_ERR_H
#define NFC_ERR_H

#include <stdarg.h>

#define NFC_ERR_MAX 16
#define NFC_ERR_LEN 1536

struct nfc_err {
	int n;                           /* messages kept (at most NFC_ERR_MAX) */
	int dropped;                     /* messages beyond NFC_ERR_MAX */
	char msg[NFC_ERR_MAX][NFC_ERR_LEN];
};

/* Add a message; returns @ret (a negative errno) so that callers can write
 * `return nfc_errf(err, -ENOENT, "...")`. */
int nfc_errf(struct nfc_err *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int nfc_verrf(struct nfc_err *err, int ret, const char *fmt, va_list ap);
/* "FILE:LINE:COL: MESSAGE"; line and col are 1-based. */
int nfc_err_at(struct nfc_err *err, int ret, const char *file, int line,
	       int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void nfc_err_clear(struct nfc_err *err);

#endif /* NFC_ERR_H */
