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

/* Registers qdx_fold(text) as an SQL function on `db` (the writer's and
 * the readers' connections alike), folding into `scratch`, which must live
 * as long as the connection.  Returns SQLite's code. */
struct sqlite3;
int qdx_fold_register(struct sqlite3 *db, qdx_buf *scratch);

#endif
