/* SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause) */
/*
 * Errors of the library: functions return -errno and, where the caller
 * passed one, leave human-readable messages in a struct nfc_err. Library
 * code never prints and never exits.
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

/* Add a message; returns -EINVAL so callers can `return nfc_errf(...)`. */
int nfc_errf(struct nfc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int nfc_verrf(struct nfc_err *err, const char *fmt, va_list ap);
/* Add a message at a position of a file: "FILE:LINE:COL: MESSAGE".
 * line and col are 1-based. */
int nfc_err_at(struct nfc_err *err, const char *file, int line, int col,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void nfc_err_clear(struct nfc_err *err);

#endif /* NFC_ERR_H */
