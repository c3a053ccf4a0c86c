/*
 * fold.c - accent and case folding for the search index.
 *
 * A hand table rather than ICU: the letters of Vietnamese (and the rest of
 * Latin-1 and Latin Extended-A that turn up in legacy conversions) are a few
 * hundred code points, and a lookup keeps folding far below the cost of the
 * FTS5 insert it feeds.  ICU's transliterator ("NFD; [:Nonspacing Mark:]
 * Remove") would also leave đ alone: it is a letter with a stroke, not a
 * letter plus a mark, so no decomposition reaches "d".
 */
#include "fold.h"

#include <sqlite3.h>
#include <stdlib.h>

/* Base letters of U+00C0..U+01B0; '0' means "not a letter we fold".  Ð and
 * ð (Icelandic eth) fold to "d" too: converters from TCVN3 and VNI often
 * put them where Đ and đ belong. */
static const char latin[] =
	"aaaaaa0ceeeeiiii" /* U+00C0 */
	"dnooooo00uuuuy00" /* U+00D0 */
	"aaaaaa0ceeeeiiii" /* U+00E0 */
	"dnooooo00uuuuy0y" /* U+00F0 */
	"aaaaaaccccccccdd" /* U+0100 */
	"ddeeeeeeeeeegggg" /* U+0110 */
	"gggghh00iiiiiiii" /* U+0120 */
	"i000jjkk0llllll0" /* U+0130 */
	"000nnnnnn000oooo" /* U+0140 */
	"oo00rrrrrrssssss" /* U+0150 */
	"sstttt00uuuuuuuu" /* U+0160 */
	"uuuuwwyyyzzzzzz0" /* U+0170 */
	"0000000000000000" /* U+0180 */
	"0000000000000000" /* U+0190 */
	"oo0000000000000u" /* U+01A0: Ơ ơ ... Ư */
	"u";               /* U+01B0: ư */

uint32_t qdx_fold_cp(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	if (cp >= 0xC0 && cp <= 0x1B0) {
		char c = latin[cp - 0xC0];
		return c == '0' ? cp : (uint32_t)c;
	}
	if (cp >= 0x300 && cp <= 0x36F)    /* combining marks: NFD input */
		return 0;
	/* Latin Extended Additional: the precomposed tone-marked vowels, in
	 * upper/lower pairs grouped by base letter. */
	if (cp >= 0x1EA0 && cp <= 0x1EF9) {
		if (cp <= 0x1EB7)
			return 'a';
		if (cp <= 0x1EC7)
			return 'e';
		if (cp <= 0x1ECB)
			return 'i';
		if (cp <= 0x1EE3)
			return 'o';
		if (cp <= 0x1EF1)
			return 'u';
		return 'y';
	}
	return cp;
}

void qdx_fold(qdx_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	char *o;

	/* Valid text never grows: each character folds to at most its own
	 * bytes, so the output is written without a check per byte (a third
	 * of the writer's folding went to them).  Only an invalid byte, which
	 * becomes the three bytes of U+FFFD, makes room first. */
	qdx_buf_reserve(out, n);
	o = out->p + out->len;
	while (p < end) {
		uint32_t cp, f;
		size_t k;

		if (*p < 0x80) {
			unsigned char c = *p++;
			*o++ = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			continue;
		}
		k = qdx_utf8_decode(p, (size_t)(end - p), &cp);
		if (!k) {
			out->len = (size_t)(o - out->p);
			qdx_buf_reserve(out, 3 + (size_t)(end - p));
			qdx_buf_put_utf8(out, 0xFFFD);
			o = out->p + out->len;
			p++;
			continue;
		}
		f = qdx_fold_cp(cp);
		if (f == cp)
			for (; k; k--)
				*o++ = (char)*p++;
		else {
			/* A folded letter is ASCII; a combining mark (0) is dropped. */
			if (f)
				*o++ = (char)f;
			p += k;
		}
	}
	out->len = (size_t)(o - out->p);
	out->p[out->len] = '\0';
}

static void add_folded(qdx_folded *f, const char *s)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->at = qdx_xrealloc(f->at, f->cap * sizeof(*f->at));
	}
	f->at[f->n++] = f->text.len;
	if (s)
		qdx_fold(&f->text, s, strlen(s));
	qdx_buf_putc(&f->text, '\0');
}

void qdx_fold_doc(qdx_folded *out, const qdx_doc *doc)
{
	qdx_iter it;
	const qdx_node *n;

	if (!out->text.p)
		qdx_buf_init(&out->text);
	out->text.len = 0;
	out->n = 0;
	add_folded(out, qdx_doc_meta(doc, "title"));
	qdx_iter_init(&it, qdx_doc_root(doc));
	while (qdx_iter_next(&it, &n) != QDX_EVENT_DONE)
		if (it.ev == QDX_EVENT_ENTER && qdx_node_get_kind(n) == QDX_NODE_ITEM)
			add_folded(out, qdx_node_text(n));
}

void qdx_folded_free(qdx_folded *f)
{
	qdx_buf_free(&f->text);
	free(f->at);
	memset(f, 0, sizeof(*f));
}

/* The SQL face of qdx_fold(): a statement can recompute what FTS5 was
 * given (deleting from a contentless index needs it) and a filter can
 * compare "binh dinh" with "Bình Định". */
static void sql_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	qdx_buf *b = sqlite3_user_data(ctx);
	const unsigned char *s;

	QDX_UNUSED(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!(s = sqlite3_value_text(argv[0]))) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	b->len = 0;
	qdx_fold(b, (const char *)s, (size_t)sqlite3_value_bytes(argv[0]));
	sqlite3_result_text(ctx, b->p, (int)b->len, SQLITE_TRANSIENT);
}

int qdx_fold_register(sqlite3 *db, qdx_buf *scratch)
{
	return sqlite3_create_function(db, "qdx_fold", 1,
	                               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, scratch,
	                               sql_fold, NULL, NULL);
}
