/*
 * fold.h - accent and case folding for the search index.
 *
 * "Đảng" -> "dang", "Vị trí việc làm" -> "vi tri viec lam": what a reader
 * types on a keyboard without a Vietnamese input method.
 */
#ifndef QDX_FOLD_H
#define QDX_FOLD_H

#include "internal.h"

/* Bumped whenever qdx_fold() changes its output: a contentless FTS index
 * can only delete rows whose folded text is reproduced exactly, so db.c
 * rebuilds its search tables when an index was made with another value. */
#define QDX_FOLD_VERSION 1

/* Folds one code point: the ASCII base letter (lower case) of a Latin
 * letter with diacritics, đ/Đ included, 0 for a combining mark (dropped), or
 * the code point itself (ASCII lower-cased) when there is nothing to fold. */
uint32_t qdx_fold_cp(uint32_t cp);

/* Appends the folding of UTF-8 s[0..n) to `out`.  Invalid bytes become
 * U+FFFD, so the result is always valid UTF-8. */
void qdx_fold(qdx_buf *out, const char *s, size_t n);

/* The folded texts of one document, as the index stores them in its FTS5
 * tables: the title, then the text of every item in tree order.  The
 * parsing threads of qdx_ingest() fold them, so that the index's single
 * writer does not (db.c).  Text i is text.p[at[i]] .. NUL. */
typedef struct qdx_folded {
	qdx_buf text;
	size_t *at;
	size_t n, cap;
} qdx_folded;

/* Fills `out` (zeroed, or emptied by an earlier call) for `doc`. */
void qdx_fold_doc(qdx_folded *out, const qdx_doc *doc);
void qdx_folded_free(qdx_folded *f);

/* qdx_index_add() with the document's texts folded ahead by
 * qdx_fold_doc(). */
int qdx_index_add_folded(qdx_index *ix, const qdx_doc *doc, const qdx_folded *folded,
                         const char *path, int *added, qdx_error *err);

/* Registers qdx_fold(text) as an SQL function on `db` (the writer's and
 * the readers' connections alike), folding into `scratch`, which must live
 * as long as the connection.  Returns SQLite's code. */
struct sqlite3;
int qdx_fold_register(struct sqlite3 *db, qdx_buf *scratch);

#endif
