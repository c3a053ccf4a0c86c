/*
 * reader.h - what the index's read-only commands (search.c, tasks.c,
 * stats.c, compare.c) share: the connection, folded words with their place
 * in the original text, and small output helpers.
 *
 * The writer (db.c) keeps its connection to itself; a reader opens its own,
 * read-only, so a query never creates or migrates an index by accident and
 * can run while `qdx ingest` writes (WAL).
 */
#ifndef QDX_READER_H
#define QDX_READER_H

#include "internal.h"

#include <sqlite3.h>

struct qdx_reader {
	sqlite3 *db;
	char *path;
	qdx_buf fold;          /* scratch for the qdx_fold() SQL function */
};

/* Fills `err` with SQLite's message about what the reader was doing and
 * returns QDX_EDB. */
int qdx_reader_error(qdx_reader *r, qdx_error *err, const char *what);

/* Prepares `sql`; on failure fills `err` and returns QDX_EDB. */
int qdx_reader_prepare(qdx_reader *r, sqlite3_stmt **st, const char *sql, qdx_error *err);

/* A column as a C string: "" for NULL.  Valid until the next step. */
const char *qdx_col(sqlite3_stmt *st, int i);

/* ---- words: folded syllables that remember where they were -------------- */

/* One word of a text: bytes [from, to) of the original, and its folded
 * form, a NUL-terminated string at `fold` in qdx_words.folded. */
typedef struct qdx_word {
	uint32_t from, to;
	uint32_t fold, nfold;
} qdx_word;

typedef struct qdx_words {
	qdx_word *v;
	size_t n, cap;
	qdx_buf folded;
} qdx_words;

/* Splits UTF-8 s[0..n) into words the way FTS5's unicode61 tokenizer sees
 * the folded text: runs of letters and digits, everything else a
 * separator.  Replaces what `w` held. */
void qdx_words_split(qdx_words *w, const char *s, size_t n);
void qdx_words_free(qdx_words *w);
static inline const char *qdx_word_text(const qdx_words *w, size_t i)
{
	return w->folded.p + w->v[i].fold;
}

/* ---- output helpers --------------------------------------------------- */

/* Appends `s` as a JSON string, or null when `s` is NULL. */
void qdx_out_json_str(qdx_buf *b, const char *s);
/* Appends a list whose entries are separated by QDX_LIST_SEP (as the
 * queries' group_concat writes them) as a JSON array of strings. */
#define QDX_LIST_SEP "\x1f"
void qdx_out_json_list(qdx_buf *b, const char *list);
/* Appends such a list as text, `sep` between its members. */
void qdx_out_list(qdx_buf *b, const char *list, const char *sep);
/* Appends s[0..n) with &, <, >, " and ' escaped for HTML. */
void qdx_out_html(qdx_buf *b, const char *s, size_t n);
/* Terminal columns of UTF-8 s[0..n): one per code point, none for a
 * combining mark (NFC Vietnamese is one column per letter). */
size_t qdx_out_width(const char *s, size_t n);
/* Appends `s` cut to `width` columns (ending in "…" when cut) and, when
 * `pad`, padded with spaces to exactly `width`. */
void qdx_out_cell(qdx_buf *b, const char *s, size_t width, int pad);

#endif
