/*
 * test_decode.c - qdx_decode() on every encoding an archive holds.
 *
 * Real corpus documents are encoded into each legacy encoding by encoders
 * built here from the same tables the decoder reads (src/legacy_tables.c,
 * run backwards), then decoded with detection and compared with the
 * original.  The tables themselves are checked against ICU and glibc's
 * iconv, which know windows-1252/1258, VISCII and TCVN 5712.
 *
 * The corpus is found under QDX_TOP (the Makefile passes the source tree)
 * or the directory given as the first argument.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/ucnv.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "decode.h"
#include "legacy.h"

#ifndef QDX_TOP
#define QDX_TOP "."
#endif

static const char *top = QDX_TOP;

/* The clean UTF-8 documents of the corpus: every .txt whose name does not
 * say it is legacy (corpus/SOURCES.md).  Filled by main(). */
#define MAX_DOCS 256
static char *clean_docs[MAX_DOCS];
static size_t n_clean;

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_corpus(void)
{
	char path[1024];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/corpus", top);
	dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "test_decode: cannot open %s\n", path);
		exit(1);
	}
	while ((e = readdir(dir)) && n_clean < MAX_DOCS) {
		size_t len = strlen(e->d_name);
		if (len > 4 && !strcmp(e->d_name + len - 4, ".txt") && !strstr(e->d_name, "-vni") &&
		    !strstr(e->d_name, "-tcvn3"))
			clean_docs[n_clean++] = strdup(e->d_name);
	}
	closedir(dir);
	qsort(clean_docs, n_clean, sizeof(clean_docs[0]), cmp_name);
}

/* ---- helpers ------------------------------------------------------------ */

static unsigned char *slurp(const char *name, size_t *n)
{
	char path[1024];
	unsigned char *p;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/corpus/%s", top, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)len + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	p[len] = '\0';
	*n = (size_t)len;
	return p;
}

typedef struct result {
	int rc;
	char *text;
	size_t len;
	qdx_decode_info info;
	qdx_error err;
} result;

static void run(result *r, const void *in, size_t n, const char *forced, int strict)
{
	qdx_buf out;

	memset(r, 0, sizeof(*r));
	qdx_buf_init(&out);
	r->rc = qdx_decode(&out, &r->info, in, n, forced, strict, &r->err);
	r->text = qdx_buf_detach(&out, &r->len);
}

/* Fails naming the first line where the texts differ. */
static void assert_same_text(const char *got, size_t gn, const char *want, size_t wn)
{
	size_t i = 0, line = 1, bol = 0, eg, ew;

	if (gn == wn && !memcmp(got, want, gn))
		return;
	while (i < gn && i < wn && got[i] == want[i]) {
		if (got[i] == '\n') {
			line++;
			bol = i + 1;
		}
		i++;
	}
	for (eg = bol; eg < gn && got[eg] != '\n'; eg++)
		;
	for (ew = bol; ew < wn && want[ew] != '\n'; ew++)
		;
	print_error("line %zu differs (byte %zu):\n  got:  %.*s\n  want: %.*s\n", line, i,
	            (int)(eg - bol), got + bol, (int)(ew - bol), want + bol);
	fail();
}

/* Line `no` (1-based) of a decoded text, as a malloc'd string. */
static char *line_of(const char *s, size_t n, unsigned no)
{
	size_t i = 0, j;
	char *l;

	while (--no && i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		if (!nl)
			fail_msg("text has too few lines");
		i = (size_t)(nl - s) + 1;
	}
	for (j = i; j < n && s[j] != '\n'; j++)
		;
	l = malloc(j - i + 1);
	memcpy(l, s + i, j - i);
	l[j - i] = '\0';
	return l;
}

static char *nfc(const char *s, size_t n, size_t *outn)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nf = unorm2_getNFCInstance(&st);
	UChar *a = malloc((n + 1) * sizeof(UChar)), *b = malloc((3 * n + 1) * sizeof(UChar));
	char *u = malloc(9 * n + 1);
	int32_t na = 0, nb, nu = 0;

	u_strFromUTF8(a, (int32_t)n + 1, &na, s, (int32_t)n, &st);
	nb = unorm2_normalize(nf, a, na, b, (int32_t)(3 * n + 1), &st);
	u_strToUTF8(u, (int32_t)(9 * n + 1), &nu, b, nb, &st);
	assert_true(U_SUCCESS(st));
	free(a);
	free(b);
	*outn = (size_t)nu;
	return u;
}

static unsigned char *corpus_nfc(const char *name, size_t *n)
{
	size_t raw_n;
	unsigned char *raw = slurp(name, &raw_n);
	char *t = nfc((const char *)raw, raw_n, n);

	free(raw);
	return (unsigned char *)t;
}

/* ---- encoders from the decoder's tables ------------------------------------ */

#define CP_MAX 0x2200   /* past every code point the tables name */

typedef struct encoder {
	qdx_legacy_enc enc;
	int16_t own[CP_MAX];      /* code point -> a byte the chart defines */
	int16_t any[CP_MAX];      /* ... or any byte, windows-1252 glyphs included */
	int16_t marks[2][4][QDX_TONE_COUNT];   /* [capital][modifier][tone] -> byte */
} encoder;

static int modifier_slot(int mark)
{
	return mark == QDX_MARK_CIRC ? 1 : mark == QDX_MARK_BREVE ? 2 : mark == QDX_MARK_HORN ? 3 : 0;
}

static void mark_add(encoder *e, unsigned b, uint32_t m)
{
	int slot = 0, tone = 0, cap = e->enc == QDX_LEGACY_VNI && b < 0xE0;
	uint32_t parts[2] = { m & 0xFFFF, m >> 16 };
	int i;

	for (i = 0; i < 2 && parts[i]; i++) {
		int mark = qdx_legacy_mark(parts[i]);
		if (mark < QDX_TONE_COUNT)
			tone = mark;
		else
			slot = modifier_slot(mark);
	}
	if (e->marks[cap][slot][tone] < 0)
		e->marks[cap][slot][tone] = (int16_t)b;
}

static encoder *encoder_new(qdx_legacy_enc enc)
{
	encoder *e = malloc(sizeof(*e));
	unsigned b;

	memset(e, 0xFF, sizeof(*e));
	e->enc = enc;
	for (b = 0; b < 256; b++) {
		uint32_t m = qdx_legacy_map(enc, (unsigned char)b);

		if (qdx_legacy_mark(m & 0xFFFF)) {
			/* TCVN3's five combining tones exist on paper only: its
			 * users typed capitals in the .VnTimeH font instead. */
			if (enc != QDX_LEGACY_TCVN3)
				mark_add(e, b, m);
			continue;
		}
		if (m >= CP_MAX)
			continue;
		if (e->any[m] < 0)
			e->any[m] = (int16_t)b;
		if (qdx_legacy_defined(enc, (unsigned char)b) && e->own[m] < 0)
			e->own[m] = (int16_t)b;
	}
	return e;
}

static int mark_byte(const encoder *e, int cap, int slot, int tone)
{
	int b = e->marks[cap][slot][tone];
	return b >= 0 ? b : e->marks[!cap][slot][tone];
}

static int own_byte(const encoder *e, uint32_t cp)
{
	return cp < CP_MAX ? e->own[cp] : -1;
}

/* Writes a Vietnamese letter as the encoding does: one byte, or its base
 * letter and marks (VNI's "a" + "á" for ấ, windows-1258's "â" + U+0300). */
static int encode_letter(const encoder *e, uint32_t cp, qdx_buf *bytes)
{
	static const uint8_t plain[QDX_V_COUNT] = {
		[QDX_V_A] = QDX_V_A, [QDX_V_A_BREVE] = QDX_V_A, [QDX_V_A_CIRC] = QDX_V_A,
		[QDX_V_E] = QDX_V_E, [QDX_V_E_CIRC] = QDX_V_E, [QDX_V_I] = QDX_V_I,
		[QDX_V_O] = QDX_V_O, [QDX_V_O_CIRC] = QDX_V_O, [QDX_V_O_HORN] = QDX_V_O,
		[QDX_V_U] = QDX_V_U, [QDX_V_U_HORN] = QDX_V_U, [QDX_V_Y] = QDX_V_Y,
	};
	static const uint8_t modifier[QDX_V_COUNT] = {
		[QDX_V_A_BREVE] = QDX_MARK_BREVE, [QDX_V_A_CIRC] = QDX_MARK_CIRC,
		[QDX_V_E_CIRC] = QDX_MARK_CIRC, [QDX_V_O_CIRC] = QDX_MARK_CIRC,
		[QDX_V_O_HORN] = QDX_MARK_HORN, [QDX_V_U_HORN] = QDX_MARK_HORN,
	};
	qdx_vletter v, base;
	int b0, b1, b2, slot;

	if ((b0 = own_byte(e, cp)) >= 0) {
		qdx_buf_putc(bytes, b0);
		return 1;
	}
	if (!qdx_legacy_letter(cp, &v))
		return 0;
	base = v;
	base.tone = QDX_TONE_NONE;
	b0 = own_byte(e, qdx_legacy_compose(&base));
	b1 = mark_byte(e, v.upper, 0, v.tone);
	if (v.tone && b0 >= 0 && b1 >= 0) {
		qdx_buf_putc(bytes, b0);
		qdx_buf_putc(bytes, b1);
		return 1;
	}
	slot = modifier_slot(modifier[v.vowel]);
	base.vowel = plain[v.vowel];
	b0 = own_byte(e, qdx_legacy_compose(&base));
	if (!slot || b0 < 0)
		return 0;
	b1 = mark_byte(e, v.upper, slot, v.tone);
	if (b1 >= 0) {
		qdx_buf_putc(bytes, b0);
		qdx_buf_putc(bytes, b1);
		return 1;
	}
	b1 = mark_byte(e, v.upper, slot, 0);
	b2 = mark_byte(e, v.upper, 0, v.tone);
	if (!v.tone || b1 < 0 || b2 < 0)
		return 0;
	qdx_buf_putc(bytes, b0);
	qdx_buf_putc(bytes, b1);
	qdx_buf_putc(bytes, b2);
	return 1;
}

/* Letters as TCVN3 sees their case: 1 small, 2 capital for the letters it
 * has in both cases (ASCII, đ, toneless vowels), 3 for a toned vowel. */
static int tcvn3_class(uint32_t cp)
{
	qdx_vletter v;

	if (qdx_legacy_letter(cp, &v))
		return v.tone ? 3 : v.upper ? 2 : 1;
	if (cp == 0x0110 || (cp >= 'A' && cp <= 'Z'))
		return 2;
	return cp == 0x0111 || (cp >= 'a' && cp <= 'z') ? 1 : 0;
}

/* Appends the bytes of one character, and what decoding gives back:
 * itself, or a capital the encoding lacks in small (TCVN3) unless
 * `restore` makes the decoder raise its toned letters, or '?' for what it
 * cannot write at all. */
static void encode_cp(const encoder *e, uint32_t cp, int restore, qdx_buf *bytes, qdx_buf *want)
{
	qdx_vletter v;
	int vowel = qdx_legacy_letter(cp, &v), letter = vowel || cp == 0x0110 || cp == 0x0111;
	uint32_t small = cp == 0x0110 ? 0x0111 : cp + (cp < 0x100 ? 0x20 : 1);
	uint32_t raised = restore && vowel && v.tone && !v.upper ? qdx_legacy_upper(cp) : cp;

	if (letter && encode_letter(e, cp, bytes)) {
		qdx_buf_put_utf8(want, raised);
	} else if (letter && (v.upper || cp == 0x0110) && encode_letter(e, small, bytes)) {
		qdx_buf_put_utf8(want, restore ? cp : small);
	} else if (!letter && !qdx_legacy_mark(cp) && cp < CP_MAX && e->any[cp] >= 0) {
		qdx_buf_putc(bytes, e->any[cp]);
		qdx_buf_put_utf8(want, cp);
	} else {
		qdx_buf_putc(bytes, '?');
		qdx_buf_putc(want, '?');
	}
}

/* A word of the original text, as the TCVN3 decoder will see it. */
typedef struct tword {
	size_t start, end;
	int eligible, later, strong;
} tword;

static size_t tcvn3_words(const uint32_t *cp, size_t bol, size_t eol, tword *w)
{
	size_t nw = 0, i = bol;
	qdx_vletter v;

	while (i < eol) {
		int caps = 0, smalls = 0, toned = 0, vowel = 0;
		tword *t = &w[nw];

		if (!tcvn3_class(cp[i])) {
			i++;
			continue;
		}
		memset(t, 0, sizeof(*t));
		for (t->start = i; i < eol && tcvn3_class(cp[i]); i++) {
			caps += tcvn3_class(cp[i]) == 2;
			smalls += tcvn3_class(cp[i]) == 1;
			toned += tcvn3_class(cp[i]) == 3;
			vowel |= qdx_legacy_letter(cp[i], &v);
			t->later |= tcvn3_class(cp[i]) == 2 && i > t->start;
		}
		t->end = i;
		t->eligible = toned && caps && !smalls;
		t->strong = t->later && !smalls && vowel;
		nw++;
	}
	return nw;
}

/* Encodes UTF-8 `s` into `bytes`, and into `want` what decoding them must
 * give back.  The TCVN3 decoder raises the small toned letters of a word
 * whose other letters are capitals when one of those follows its first
 * letter ("NỘI") or a neighbouring word is in capitals ("BỘ TÀI"). */
static void encode(const encoder *e, const unsigned char *s, size_t n, qdx_buf *bytes,
                   qdx_buf *want)
{
	uint32_t *cp = malloc((n + 1) * sizeof(*cp));
	tword *w = malloc((n + 1) * sizeof(*w));
	size_t m = 0, i = 0, bol, eol, nw, iw;

	while (i < n) {
		size_t k = qdx_utf8_decode(s + i, n - i, &cp[m++]);
		assert_true(k > 0);
		i += k;
	}
	for (bol = 0; bol < m; bol = eol + 1) {
		for (eol = bol; eol < m && cp[eol] != '\n'; eol++)
			;
		nw = tcvn3_words(cp, bol, eol, w);
		for (i = bol, iw = 0; i < eol; i++) {
			int restore = 0;

			while (iw < nw && w[iw].end <= i)
				iw++;
			if (iw < nw && i >= w[iw].start)
				restore = e->enc == QDX_LEGACY_TCVN3 && w[iw].eligible &&
				          (w[iw].later || (iw > 0 && w[iw - 1].strong) ||
				           (iw + 1 < nw && w[iw + 1].strong));
			encode_cp(e, cp[i], restore, bytes, want);
		}
		if (eol < m) {
			qdx_buf_putc(bytes, '\n');
			qdx_buf_putc(want, '\n');
		}
	}
	free(w);
	free(cp);
}

/* What a converter that took the bytes for windows-1252 saved as UTF-8. */
static void as_cp1252(const qdx_buf *bytes, qdx_buf *out)
{
	size_t i;

	for (i = 0; i < bytes->len; i++)
		qdx_buf_put_utf8(out, qdx_legacy_map(QDX_LEGACY_CP1252, (unsigned char)bytes->p[i]));
}

/* ---- round trips ---------------------------------------------------------- */

/* The document's JSON from "meta" up to its diagnostics: what a user gets
 * whatever the bytes' encoding (source, hash and decoding notes aside). */
static char *extraction(const void *data, size_t n, const char *name)
{
	static qdx_rules *rules;
	qdx_parse_options opt = { name, NULL, 0, 0 };
	qdx_error err;
	qdx_doc *doc;
	char *json, *from, *to;
	size_t len;

	if (!rules)
		assert_int_equal(qdx_rules_load(&rules, QDX_TOP "/rules", &err), 0);
	assert_int_equal(qdx_doc_parse(&doc, rules, data, n, &opt, &err), 0);
	assert_int_equal(qdx_render(&json, &len, doc, QDX_FORMAT_JSON), 0);
	qdx_doc_free(doc);
	from = strstr(json, "\"meta\":");
	to = strstr(json, ",\"diagnostics\":");
	assert_non_null(from);
	assert_non_null(to);
	*to = '\0';
	memmove(json, from, (size_t)(to - from) + 1);
	return json;
}

/* The same extraction from the encoded bytes as from the text they encode. */
static void assert_same_json(const void *bytes, size_t n, const qdx_buf *want, const char *name)
{
	char *got = extraction(bytes, n, name), *exp = extraction(want->p, want->len, name);

	if (strcmp(got, exp)) {
		size_t i = 0;
		while (got[i] && got[i] == exp[i])
			i++;
		print_error("%s: JSON differs at byte %zu:\n  got  %.160s\n  want %.160s\n", name, i,
		            got + (i > 40 ? i - 40 : 0), exp + (i > 40 ? i - 40 : 0));
	}
	assert_string_equal(got, exp);
	free(got);
	free(exp);
}

static void roundtrip(qdx_legacy_enc enc, const char *name, int mojibake)
{
	encoder *e = encoder_new(enc);
	size_t d;

	for (d = 0; d < n_clean; d++) {
		qdx_buf bytes, want, moji;
		size_t n;
		unsigned char *text = corpus_nfc(clean_docs[d], &n);
		result r;

		qdx_buf_init(&bytes);
		qdx_buf_init(&want);
		qdx_buf_init(&moji);
		encode(e, text, n, &bytes, &want);
		if (mojibake) {
			as_cp1252(&bytes, &moji);
			run(&r, moji.p, moji.len, NULL, 0);
		} else {
			run(&r, bytes.p, bytes.len, NULL, 0);
		}
		assert_int_equal(r.rc, 0);
		print_message("%s %s%s: %s, confidence %d, %zu lines repaired\n", clean_docs[d],
		              name, mojibake ? " mojibake" : "", r.info.encoding, r.info.confidence,
		              r.info.repaired_lines);
		if (mojibake) {
			assert_string_equal(r.info.encoding, "utf-8");
			assert_non_null(r.info.repaired_from);
			assert_string_equal(r.info.repaired_from, name);
			assert_true(r.info.repaired_lines > 0);
		} else {
			assert_string_equal(r.info.encoding, name);
			assert_true(r.info.confidence >= 80);
		}
		assert_same_text(r.text, r.len, want.p, want.len);
		if (mojibake)
			assert_same_json(moji.p, moji.len, &want, clean_docs[d]);
		else
			assert_same_json(bytes.p, bytes.len, &want, clean_docs[d]);
		free(r.text);
		free(text);
		qdx_buf_free(&bytes);
		qdx_buf_free(&want);
		qdx_buf_free(&moji);
	}
	free(e);
}

/* qdx_utf8_valid_prefix(): the valid prefix ends just before the first
 * bad sequence wherever it falls against the 8-byte ASCII skip: after 0
 * to 20 ASCII bytes and a Vietnamese letter, each kind of bad sequence
 * (stray continuation, overlong, surrogate, past U+10FFFF, a cut-off
 * letter at the very end). */
static void test_valid_prefix(void **state)
{
	static const struct { const char *bad; size_t len; } bads[] = {
		{ "\x80", 1 }, { "\xC0\xAF", 2 }, { "\xED\xA0\x80", 3 },
		{ "\xF4\x90\x80\x80", 4 }, { "\xE1\xBA", 2 }, { "\xFF", 1 },
	};
	unsigned char buf[64];
	size_t pad, b, n;

	QDX_UNUSED(state);
	for (pad = 0; pad <= 20; pad++) {
		for (b = 0; b < sizeof(bads) / sizeof(bads[0]); b++) {
			memset(buf, 'a', pad);
			memcpy(buf + pad, "\xE1\xBA\xA1", 3);           /* ạ */
			memcpy(buf + pad + 3, bads[b].bad, bads[b].len);
			n = pad + 3 + bads[b].len;
			assert_int_equal(qdx_utf8_valid_prefix(buf, n), pad + 3);
			/* followed by more ASCII, it still stops there */
			memset(buf + n, 'b', 12);
			assert_int_equal(qdx_utf8_valid_prefix(buf, n + 12), pad + 3);
		}
		memset(buf, 'a', pad);
		memcpy(buf + pad, "\xC4\x91\xF0\x9F\x98\x80", 6);   /* đ and an emoji */
		assert_int_equal(qdx_utf8_valid_prefix(buf, pad + 6), pad + 6);
	}
}

static void test_tcvn3(void **state)
{
	(void)state;
	roundtrip(QDX_LEGACY_TCVN3, "tcvn3", 0);
}

static void test_vni(void **state)
{
	(void)state;
	roundtrip(QDX_LEGACY_VNI, "vni", 0);
}

static void test_viscii(void **state)
{
	(void)state;
	roundtrip(QDX_LEGACY_VISCII, "viscii", 0);
}

static void test_cp1258(void **state)
{
	(void)state;
	roundtrip(QDX_LEGACY_CP1258, "windows-1258", 0);
}

static void test_tcvn3_mojibake(void **state)
{
	(void)state;
	roundtrip(QDX_LEGACY_TCVN3, "tcvn3", 1);
}

static void test_vni_mojibake(void **state)
{
	(void)state;
	roundtrip(QDX_LEGACY_VNI, "vni", 1);
}

static void put16(qdx_buf *b, uint32_t u, int be)
{
	qdx_buf_putc(b, (int)(be ? u >> 8 : u & 0xFF));
	qdx_buf_putc(b, (int)(be ? u & 0xFF : u >> 8));
}

static void utf16_roundtrip(int be, int bom)
{
	size_t n, i = 0, d;

	for (d = 0; d < n_clean; d++) {
		unsigned char *text = corpus_nfc(clean_docs[d], &n);
		qdx_buf b;
		result r;

		qdx_buf_init(&b);
		if (bom)
			put16(&b, 0xFEFF, be);
		for (i = 0; i < n;) {
			uint32_t cp;
			size_t k = qdx_utf8_decode(text + i, n - i, &cp);

			i += k;
			if (cp >= 0x10000) {
				put16(&b, 0xD800 + ((cp - 0x10000) >> 10), be);
				put16(&b, 0xDC00 + ((cp - 0x10000) & 0x3FF), be);
			} else {
				put16(&b, cp, be);
			}
		}
		run(&r, b.p, b.len, NULL, 0);
		assert_int_equal(r.rc, 0);
		assert_string_equal(r.info.encoding, be ? "utf-16be" : "utf-16le");
		assert_int_equal(r.info.bom, bom);
		assert_int_equal(r.info.invalid, 0);
		assert_same_text(r.text, r.len, (const char *)text, n);
		free(r.text);
		free(text);
		qdx_buf_free(&b);
	}
}

static void test_utf16(void **state)
{
	(void)state;
	utf16_roundtrip(0, 1);
	utf16_roundtrip(1, 1);
	utf16_roundtrip(0, 0);
	utf16_roundtrip(1, 0);
}

static void test_utf16_invalid(void **state)
{
	/* "a", a lone low surrogate, "b\r\n", a high surrogate before "c", and
	 * an odd last byte. */
	static const unsigned char in[] = { 0xFF, 0xFE, 'a', 0, 0x00, 0xDC, 'b', 0, '\r', 0, '\n', 0,
	                                    0x00, 0xD8, 'c', 0, 'd' };
	result r;

	(void)state;
	run(&r, in, sizeof(in), NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.text, "a\xEF\xBF\xBD" "b\n\xEF\xBF\xBD" "c\xEF\xBF\xBD");
	assert_int_equal(r.info.invalid, 3);
	assert_int_equal(r.info.invalid_offsets[0], 4);
	assert_int_equal(r.info.invalid_offsets[1], 12);
	assert_int_equal(r.info.invalid_offsets[2], 16);
	free(r.text);
	run(&r, in, sizeof(in), NULL, 1);
	assert_int_equal(r.rc, QDX_EINPUT);
	assert_string_equal(r.err.message, "invalid UTF-16 code unit 0xDC00 at offset 4");
	free(r.text);
}

/* ---- the real legacy files ---------------------------------------------- */

/* Lines of the legacy corpus files as hand-checked in tests/gold. */
static const struct {
	const char *doc;
	unsigned line;
	const char *text;
} gold_lines[] = {
	{ "ca-mau-05-2006-qd-ubnd-vni.txt", 5, "QUY ĐỊNH " },
	{ "ca-mau-05-2006-qd-ubnd-vni.txt", 6, "VỀ CHỨC NĂNG, NHIỆM VỤ, QUYỀN HẠN VÀ CƠ CẤU TỔ CHỨC" },
	{ "ca-mau-05-2006-qd-ubnd-vni.txt", 8,
	  "( Ban hành kèm theo Quyết định số …05…./2006/ QĐ-UBND," },
	{ "ca-mau-05-2006-qd-ubnd-vni.txt", 13, "\tĐiều 1 . Phạm vi điều chỉnh." },
	{ "ca-mau-05-2006-qd-ubnd-vni.txt", 18,
	  "2. Các cơ quan Nhà nước trên địa bàn tỉnh Cà Mau theo quy định tại Quy chế này." },
	{ "binh-phuoc-991-qd-ubnd-2008-vni-mojibake.txt", 1,
	  "ỦY BAN NHÂN DÂN         \tCỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM" },
	{ "binh-phuoc-991-qd-ubnd-2008-vni-mojibake.txt", 24, "Điều 2. Tổ chức thực hiện: " },
	{ "binh-phuoc-991-qd-ubnd-2008-vni-mojibake.txt", 26,
	  " - Giao Sở Nông nghiệp & Phát triển nông thôn chủ trì, phối hợp với các sở, ban, ngành "
	  "liên quan hướng dẫn, theo dõi, đôn đốc, giám sát UBND các huyện, thị thực hiện Kế "
	  "hoạch; tổng hợp báo cáo UBND tỉnh theo định kỳ hàng tháng, qúy, năm." },
	{ "binh-phuoc-991-qd-ubnd-2008-vni-mojibake.txt", 33, "Trương Tấn Thiệu" },
	{ "bo-tai-chinh-144-2002-qd-btc-tcvn3-mojibake.txt", 3,
	  "Số:  144 /2002/QĐ/BTC                                   --------------------------------" },
	{ "bo-tai-chinh-144-2002-qd-btc-tcvn3-mojibake.txt", 8,
	  "về việc sửa đổi mức thuế suất của một số mặt hàng trong " },
	{ "bo-tai-chinh-144-2002-qd-btc-tcvn3-mojibake.txt", 9, "Biểu thuế thuế nhập khẩu ưu đãi" },
	{ "bo-tai-chinh-144-2002-qd-btc-tcvn3-mojibake.txt", 46,
	  "   thành phố trực thuộc TW                                                    "
	  "Trương Chí Trung" },
};

static void test_legacy_corpus(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(gold_lines) / sizeof(gold_lines[0]); i++) {
		size_t n;
		unsigned char *in = slurp(gold_lines[i].doc, &n);
		result r;
		char *l;

		run(&r, in, n, NULL, 0);
		assert_int_equal(r.rc, 0);
		l = line_of(r.text, r.len, gold_lines[i].line);
		assert_string_equal(l, gold_lines[i].text);
		free(l);
		free(r.text);
		free(in);
	}
}

static void test_legacy_detection(void **state)
{
	size_t n;
	unsigned char *in;
	result r;

	(void)state;
	in = slurp("ca-mau-05-2006-qd-ubnd-vni.txt", &n);
	run(&r, in, n, NULL, 0);
	assert_string_equal(r.info.encoding, "vni");
	assert_true(r.info.confidence >= 90);
	assert_int_equal(r.info.repaired_lines, 0);
	assert_null(memchr(r.text, '\r', r.len));
	free(r.text);
	free(in);

	in = slurp("binh-phuoc-991-qd-ubnd-2008-vni-mojibake.txt", &n);
	run(&r, in, n, NULL, 0);
	assert_string_equal(r.info.encoding, "utf-8");
	assert_string_equal(r.info.repaired_from, "vni");
	assert_int_equal(r.info.repaired_lines, 23);
	free(r.text);
	free(in);

	in = slurp("bo-tai-chinh-144-2002-qd-btc-tcvn3-mojibake.txt", &n);
	run(&r, in, n, NULL, 0);
	assert_string_equal(r.info.encoding, "utf-8");
	assert_string_equal(r.info.repaired_from, "tcvn3");
	assert_int_equal(r.info.repaired_lines, 33);
	free(r.text);
	free(in);

	/* Word's HTML export in windows-1252, Vietnamese letters of Latin-1
	 * and the rest as entities. */
	in = slurp("pho-bang-01-kh-tbtt-2025.htm", &n);
	run(&r, in, n, NULL, 0);
	assert_string_equal(r.info.encoding, "windows-1252");
	free(r.text);
	free(in);
}

/* A document's words are classified once and then remembered.  Here a
 * TCVN3 word pasted into VNI text, which reads badly as VNI and well as
 * TCVN3, comes back on every line it is on, as it does when each line is
 * read alone, with nothing remembered yet. */
static void test_words_remembered(void **state)
{
	static const char *const text[][3] = {
		{ "Giao cho ", "Sở", " Tài chính thực hiện" },
		{ "Ủy ban nhân dân tỉnh và ", "Sở", " Nội vụ" },
		{ "Giao cho ", "Sở", " Tài chính thực hiện" },
	};
	encoder *vni = encoder_new(QDX_LEGACY_VNI), *tcvn3 = encoder_new(QDX_LEGACY_TCVN3);
	qdx_buf bytes, want, lines;
	size_t i, k;
	result whole;

	(void)state;
	qdx_buf_init(&bytes);
	qdx_buf_init(&want);
	qdx_buf_init(&lines);
	for (i = 0; i < QDX_COUNT(text); i++) {
		size_t from = bytes.len;
		result r;

		for (k = 0; k < 3; k++)
			encode(k == 1 ? tcvn3 : vni, (const unsigned char *)text[i][k],
			       strlen(text[i][k]), &bytes, &want);
		run(&r, bytes.p + from, bytes.len - from, "vni", 0);
		qdx_buf_put(&lines, r.text, r.len);
		qdx_buf_putc(&lines, '\n');
		qdx_buf_putc(&bytes, '\n');
		qdx_buf_putc(&want, '\n');
		free(r.text);
	}
	run(&whole, bytes.p, bytes.len, "vni", 0);
	assert_same_text(whole.text, whole.len, want.p, want.len);
	assert_same_text(lines.p, lines.len, want.p, want.len);
	free(whole.text);
	qdx_buf_free(&bytes);
	qdx_buf_free(&want);
	qdx_buf_free(&lines);
	free(vni);
	free(tcvn3);
}

/* A thread remembers the words it read from one document to the next,
 * each with the encoding it was read in: bytes that read badly both as
 * TCVN3 and as VNI, so that each keeps its own reading, read as TCVN3
 * between two readings as VNI leave the second as the first. */
static void test_words_across_documents(void **state)
{
	static const char text[] = "Ủy ban nhân dân tỉnh giao cho Sở Tài chính thực hiện";
	static const char odd[] = "q\xE0\xE1\xE2\xB5z q\xE0\xE1\xE2\xB5z";
	encoder *vni = encoder_new(QDX_LEGACY_VNI);
	qdx_buf bytes, want;
	result first, other, again;

	(void)state;
	qdx_buf_init(&bytes);
	qdx_buf_init(&want);
	encode(vni, (const unsigned char *)text, strlen(text), &bytes, &want);
	run(&first, bytes.p, bytes.len, "vni", 0);
	run(&again, bytes.p, bytes.len, "vni", 0);
	assert_same_text(first.text, first.len, want.p, want.len);
	assert_same_text(again.text, again.len, want.p, want.len);
	free(first.text);
	free(again.text);

	run(&first, odd, strlen(odd), "vni", 0);
	run(&other, odd, strlen(odd), "tcvn3", 0);
	run(&again, odd, strlen(odd), "vni", 0);
	assert_false(other.len == first.len && !memcmp(other.text, first.text, first.len));
	assert_same_text(again.text, again.len, first.text, first.len);
	free(first.text);
	free(other.text);
	free(again.text);
	qdx_buf_free(&bytes);
	qdx_buf_free(&want);
	free(vni);
}

/* What a clean file must come out as: itself without a BOM, every line
 * ending in one '\n'. */
static void plain_lines(qdx_buf *out, const unsigned char *s, size_t n)
{
	size_t i = n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3) ? 3 : 0;

	for (; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		qdx_buf_putc(out, s[i] == '\r' ? '\n' : s[i]);
	}
}

/* Every clean file comes out byte for byte, nothing "repaired". */
static void test_clean_untouched(void **state)
{
	size_t i;

	(void)state;
	assert_true(n_clean >= 10);
	for (i = 0; i < n_clean; i++) {
		size_t n;
		unsigned char *in = slurp(clean_docs[i], &n);
		result r;

		qdx_buf want;

		qdx_buf_init(&want);
		plain_lines(&want, in, n);
		run(&r, in, n, NULL, 0);
		assert_int_equal(r.rc, 0);
		assert_string_equal(r.info.encoding, "utf-8");
		assert_int_equal(r.info.repaired_lines, 0);
		assert_int_equal(r.info.invalid, 0);
		assert_same_text(r.text, r.len, want.p, want.len);
		qdx_buf_free(&want);
		free(r.text);
		free(in);
	}
}

/* A name typed later in Unicode on a line of TCVN3 mojibake. */
static void test_mixed_line(void **state)
{
	static const char in[] =
		"Hµ néi, ngµy 22 th¸ng 11 n¨m 2002\n"
		"Chñ tÞch UBND tØnh Trương Tấn Thiệu\n"
		"§iÒu 1: Söa ®æi møc thuÕ\n"
		"Trương Tấn Thiệu\n";
	static const char want[] =
		"Hà nội, ngày 22 tháng 11 năm 2002\n"
		"Chủ tịch UBND tỉnh Trương Tấn Thiệu\n"
		"Điều 1: Sửa đổi mức thuế\n"
		"Trương Tấn Thiệu\n";
	result r;

	(void)state;
	run(&r, in, strlen(in), NULL, 0);
	assert_string_equal(r.text, want);
	assert_int_equal(r.info.repaired_lines, 3);
	assert_string_equal(r.info.repaired_from, "tcvn3");
	free(r.text);
}

/* A file is checked for UTF-8 and judged in one walk: an invalid byte
 * after lines of mojibake makes the walk start over on the repaired
 * bytes, and the lines are judged as in a valid file. */
static void test_invalid_after_mojibake(void **state)
{
	static const char in[] =
		"Hµ néi, ngµy 22 th¸ng 11 n¨m 2002\n"
		"§iÒu 1: Söa ®æi møc thuÕ\n"
		"Chñ tÞch UBND tØnh\n"
		"x\xFFy\n";
	static const char want[] =
		"Hà nội, ngày 22 tháng 11 năm 2002\n"
		"Điều 1: Sửa đổi mức thuế\n"
		"Chủ tịch UBND tỉnh\n"
		"x\xEF\xBF\xBDy\n";
	result r;

	(void)state;
	run(&r, in, strlen(in), NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.info.encoding, "utf-8");
	assert_int_equal(r.info.invalid, 1);
	assert_string_equal(r.text, want);
	assert_int_equal(r.info.repaired_lines, 3);
	assert_string_equal(r.info.repaired_from, "tcvn3");
	free(r.text);
}

/* TCVN3 has no capitals with tones: typed in capitals they arrive small,
 * and come back when the letters around them are capitals. */
static void test_tcvn3_capitals(void **state)
{
	static const char in[] =
		"II. N\xE9I DUNG\n"                 /* NộI: a capital after the first letter */
		"B\xE9 T\xB5I CH\xDD" "NH\n"        /* Bộ beside capital words */
		"S\xE8: 144/2002/Q\xA7/BTC\n"       /* but not beside abbreviations */
		"L\xE9" "c v\xB5 H\xB5\n"            /* nor in words of small letters */
		"b\xE9 t\xB5i ch\xDD" "nh\n";        /* .VnTimeH: small codes throughout */
	static const char want[] =
		"II. NỘI DUNG\n"
		"BỘ TÀI CHÍNH\n"
		"Số: 144/2002/QĐ/BTC\n"
		"Lộc và Hà\n"
		"bộ tài chính\n";
	result r;

	(void)state;
	run(&r, in, strlen(in), "tcvn3", 0);
	assert_string_equal(r.text, want);
	free(r.text);
}

/* Text with no Vietnamese in it reads as windows-1252. */
static void test_cp1252(void **state)
{
	static const char in[] = "caf\xE9 cr\xE8me br\xFBl\xE9" "e, na\xEFve r\xE9sum\xE9 \x93quoted\x94\n";
	result r;

	(void)state;
	run(&r, in, strlen(in), NULL, 0);
	assert_string_equal(r.info.encoding, "windows-1252");
	assert_string_equal(r.text, "café crème brûlée, naïve résumé “quoted”\n");
	free(r.text);
	run(&r, "Hi\xFFthere", 8, NULL, 0);
	assert_string_equal(r.info.encoding, "windows-1252");
	free(r.text);
}

/* ---- line terminators, BOM, invalid bytes, forcing -------------------------- */

static void test_line_ends(void **state)
{
	static const char in[] = "một\rhai\r\nba\n\rbốn\r\r\nnăm";
	result r;

	(void)state;
	run(&r, in, strlen(in), NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.text, "một\nhai\nba\n\nbốn\n\nnăm");
	free(r.text);

	/* The same in VNI bytes: "moät\rhai\r\nba..." */
	run(&r, "mo\xE4t\rhai\r\n\r", 11, "vni", 0);
	assert_string_equal(r.text, "một\nhai\n\n");
	free(r.text);
}

static void test_bom(void **state)
{
	static const char in[] = "\xEF\xBB\xBF" "Điều 1.\r\nPhạm vi";
	result r;

	(void)state;
	run(&r, in, strlen(in), NULL, 0);
	assert_string_equal(r.text, "Điều 1.\nPhạm vi");
	assert_string_equal(r.info.encoding, "utf-8");
	assert_int_equal(r.info.bom, 1);
	free(r.text);

	run(&r, "abc", 3, NULL, 0);
	assert_int_equal(r.info.bom, 0);
	assert_string_equal(r.info.encoding, "utf-8");
	assert_int_equal(r.info.confidence, 100);
	free(r.text);

	run(&r, "", 0, NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.len, 0);
	free(r.text);
}

static void test_invalid_bytes(void **state)
{
	size_t n, at1 = 100, at2 = 2000, j;
	unsigned char *in = slurp("hau-giang-1625-qd-ubnd-2013.txt", &n);
	qdx_buf want;
	result r;

	(void)state;
	/* Damage two ASCII bytes; then the expected text has U+FFFD there. */
	while (in[at1] >= 0x80)
		at1++;
	while (in[at2] >= 0x80 || in[at2 + 1] >= 0x80)
		at2++;
	in[at1] = 0xFF;
	in[at2] = 0xC3;   /* a lead byte before an ASCII byte */
	qdx_buf_init(&want);
	for (j = 0; j < n; j++) {
		if (j == at1 || j == at2)
			qdx_buf_puts(&want, "\xEF\xBF\xBD");
		else
			qdx_buf_putc(&want, in[j]);
	}
	run(&r, in, n, NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.info.encoding, "utf-8");
	assert_int_equal(r.info.invalid, 2);
	assert_int_equal(r.info.invalid_offsets[0], at1);
	assert_int_equal(r.info.invalid_offsets[1], at2);
	assert_same_text(r.text, r.len, want.p, want.len);
	free(r.text);
	qdx_buf_free(&want);
	free(in);
}

/* UTF-8 is checked sixteen bytes at a time where SSE2 is: a broken form
 * is found wherever it falls in a block, and forms the blocks leave to
 * the byte-wise loop (E0, ED, four bytes) still pass. */
static void test_utf8_blocks(void **state)
{
	static const char line[] = "Ủy ban nhân dân tỉnh giao cho Sở Tài chính, Sở Nội vụ thực hiện.";
	static const char *const broken[] = { "\x80", "\xE1\xBB", "\xC3\xC3", "\xC0\x80",
		                              "\xED\xA0\x80", "\xE1", "\xFF" };
	static const char *const fine[] = { "\xE0\xA4\x85", "\xED\x9F\xBF", "\xF0\x9F\x98\x80" };
	size_t at, k;
	qdx_buf b;
	result r;

	(void)state;
	qdx_buf_init(&b);
	for (at = 0; at <= 40; at++) {
		if (((unsigned char)line[at] & 0xC0) == 0x80)
			continue;
		for (k = 0; k < QDX_COUNT(broken) + QDX_COUNT(fine); k++) {
			int bad = k < QDX_COUNT(broken);
			b.len = 0;
			qdx_buf_put(&b, line, at);
			qdx_buf_puts(&b, bad ? broken[k] : fine[k - QDX_COUNT(broken)]);
			qdx_buf_puts(&b, line + at);
			run(&r, b.p, b.len, NULL, 0);
			assert_string_equal(r.info.encoding, "utf-8");
			if (bad) {
				assert_true(r.info.invalid >= 1);
				assert_int_equal(r.info.invalid_offsets[0], at);
			} else {
				assert_int_equal(r.info.invalid, 0);
				assert_same_text(r.text, r.len, b.p, b.len);
			}
			free(r.text);
		}
	}
	qdx_buf_free(&b);
}

static void test_strict(void **state)
{
	static const char in[] = "Điều 1.\nPhạm \xFFvi điều chỉnh.";
	result r;

	(void)state;
	run(&r, in, strlen(in), NULL, 1);
	assert_int_equal(r.rc, QDX_EINPUT);
	assert_string_equal(r.err.message, "invalid UTF-8 byte 0xFF at offset 18");
	assert_int_equal(r.err.line, 2);
	assert_int_equal(r.err.column, 6);
	free(r.text);

	run(&r, in, strlen(in), NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.text, "Điều 1.\nPhạm \xEF\xBF\xBDvi điều chỉnh.");
	assert_int_equal(r.info.invalid, 1);
	assert_int_equal(r.info.invalid_offsets[0], 18);
	free(r.text);
}

static void test_forced(void **state)
{
	/* "Coäng hoøa xaõ hoäi" is VNI; forced, the same bytes read otherwise. */
	static const char vni[] = "Co\xE4ng ho\xF8" "a xa\xF5 ho\xE4i";
	result r;

	(void)state;
	run(&r, vni, strlen(vni), "VNI-Windows", 0);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.info.encoding, "vni");
	assert_string_equal(r.text, "Cộng hòa xã hội");
	free(r.text);

	run(&r, vni, strlen(vni), "cp1252", 0);
	assert_string_equal(r.info.encoding, "windows-1252");
	assert_string_equal(r.text, "Coäng hoøa xaõ hoäi");
	free(r.text);

	/* "Céng hoµ" in TCVN3, under each of its names. */
	run(&r, "C\xE9ng ho\xB5", 8, "ABC", 0);
	assert_string_equal(r.info.encoding, "tcvn3");
	assert_string_equal(r.text, "Cộng hoà");
	free(r.text);
	run(&r, "C\xE9ng ho\xB5", 8, "tcvn", 0);
	assert_string_equal(r.text, "Cộng hoà");
	free(r.text);

	/* windows-1258 writes ệ as ê + 0xF2, a combining dot below. */
	run(&r, "Vi\xEA\xF2t Nam", 9, "CP1258", 0);
	assert_string_equal(r.info.encoding, "windows-1258");
	assert_string_equal(r.text, "Việt Nam");
	free(r.text);

	/* A mark that no Vietnamese vowel takes still comes out NFC. */
	run(&r, "n\xDE" "a", 3, "windows-1258", 0);
	assert_string_equal(r.text, "ña");
	free(r.text);

	run(&r, "x", 1, "koi8-r", 0);
	assert_int_equal(r.rc, QDX_EINPUT);
	assert_string_equal(r.err.message, "unknown encoding 'koi8-r'");
	free(r.text);

	assert_string_equal(qdx_decode_name("UTF8"), "utf-8");
	assert_string_equal(qdx_decode_name("vni-win"), "vni");
	assert_string_equal(qdx_decode_name("TCVN3"), "tcvn3");
	assert_string_equal(qdx_decode_name("windows-1258"), "windows-1258");
	assert_null(qdx_decode_name("ebcdic"));
}

/* ---- the tables against other implementations ---------------------------- */

/* Each vowel letter decomposes (NFD) into its base, its modifier and its
 * tone, and its capital is what Unicode says. */
static void test_vowel_table(void **state)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
	int v, t;

	(void)state;
	for (v = 0; v < QDX_V_COUNT; v++)
		for (t = 0; t < QDX_TONE_COUNT; t++) {
			UChar src[2] = { qdx_legacy_vowels[v][t], 0 }, dst[8];
			qdx_vletter l = { (uint8_t)v, (uint8_t)t, 0 }, back;
			int32_t n = unorm2_normalize(nfd, src, 1, dst, 8, &st);
			uint32_t cp = qdx_legacy_compose(&l);

			assert_true(U_SUCCESS(st));
			assert_int_equal(qdx_legacy_upper(cp), (uint32_t)u_toupper((UChar32)cp));
			assert_true(qdx_legacy_letter(cp, &back));
			assert_int_equal(back.vowel, v);
			assert_int_equal(back.tone, t);
			assert_true(qdx_legacy_letter(qdx_legacy_upper(cp), &back));
			assert_int_equal(back.upper, 1);
			/* NFD is the toneless letter's NFD plus the tone's mark, in
			 * canonical order (a dot below goes before a circumflex). */
			if (t) {
				UChar p[2] = { qdx_legacy_vowels[v][0], 0 }, pd[8], rest[8];
				int32_t pn = unorm2_normalize(nfd, p, 1, pd, 8, &st), i, r = 0, found = 0;

				assert_int_equal(n, pn + 1);
				for (i = 0; i < n; i++) {
					if (!found && dst[i] == qdx_legacy_mark_cp(t))
						found = 1;
					else
						rest[r++] = dst[i];
				}
				assert_true(found);
				assert_memory_equal(rest, pd, (size_t)pn * sizeof(UChar));
				assert_int_equal(qdx_legacy_mark(qdx_legacy_mark_cp(t)), t);
			}
		}
}

/* Compares a table with ICU's converter, byte by byte, where ICU maps the
 * byte at all. */
static void compare_icu(qdx_legacy_enc enc, const char *icu_name)
{
	UErrorCode st = U_ZERO_ERROR;
	UConverter *cv = ucnv_open(icu_name, &st);
	unsigned b;

	assert_true(U_SUCCESS(st));
	for (b = 0x80; b < 0x100; b++) {
		char in[1] = { (char)b };
		UChar out[4];
		int32_t n;

		st = U_ZERO_ERROR;
		n = ucnv_toUChars(cv, out, 4, in, 1, &st);
		if (U_FAILURE(st) || n != 1 || out[0] == 0xFFFD || out[0] == 0x1A)
			continue;
		if (qdx_legacy_map(enc, (unsigned char)b) != out[0])
			fail_msg("%s byte 0x%02X: table U+%04X, ICU U+%04X", icu_name, b,
			         (unsigned)qdx_legacy_map(enc, (unsigned char)b), (unsigned)out[0]);
	}
	ucnv_close(cv);
}

static void compare_iconv(qdx_legacy_enc enc, const char *name, unsigned from, unsigned to)
{
	iconv_t cd = iconv_open("UTF-32LE", name);
	unsigned b;

	assert_true(cd != (iconv_t)-1);
	for (b = from; b < to; b++) {
		char in[1] = { (char)b }, out[16], *ip = in, *op = out;
		size_t il = 1, ol = sizeof(out);
		uint32_t cp;

		iconv(cd, NULL, NULL, NULL, NULL);
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 ||
		    iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1 || op - out != 4)
			continue;
		if (!qdx_legacy_defined(enc, (unsigned char)b))
			continue;
		memcpy(&cp, out, 4);
		if (qdx_legacy_map(enc, (unsigned char)b) != cp)
			fail_msg("%s byte 0x%02X: table U+%04X, iconv U+%04X", name, b,
			         (unsigned)qdx_legacy_map(enc, (unsigned char)b), (unsigned)cp);
	}
	iconv_close(cd);
}

static void test_tables(void **state)
{
	(void)state;
	compare_icu(QDX_LEGACY_CP1252, "windows-1252");
	compare_icu(QDX_LEGACY_CP1258, "windows-1258");
	compare_iconv(QDX_LEGACY_VISCII, "VISCII", 0, 256);
	/* glibc's TCVN5712-1 is the VN1 table; TCVN3 is its VN3 subset, from
	 * 0xA0 up where the chart defines a byte. */
	compare_iconv(QDX_LEGACY_TCVN3, "TCVN5712-1", 0xA0, 256);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_vowel_table),
		cmocka_unit_test(test_tcvn3),
		cmocka_unit_test(test_vni),
		cmocka_unit_test(test_viscii),
		cmocka_unit_test(test_cp1258),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_utf16_invalid),
		cmocka_unit_test(test_tcvn3_mojibake),
		cmocka_unit_test(test_vni_mojibake),
		cmocka_unit_test(test_mixed_line),
		cmocka_unit_test(test_invalid_after_mojibake),
		cmocka_unit_test(test_tcvn3_capitals),
		cmocka_unit_test(test_cp1252),
		cmocka_unit_test(test_legacy_corpus),
		cmocka_unit_test(test_legacy_detection),
		cmocka_unit_test(test_words_remembered),
		cmocka_unit_test(test_words_across_documents),
		cmocka_unit_test(test_clean_untouched),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_valid_prefix),
		cmocka_unit_test(test_invalid_bytes),
		cmocka_unit_test(test_utf8_blocks),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_forced),
	};

	size_t i;
	int failed;

	if (argc > 1)
		top = argv[1];
	list_corpus();
	failed = cmocka_run_group_tests_name("decode", tests, NULL, NULL);
	for (i = 0; i < n_clean; i++)
		free(clean_docs[i]);
	return failed;
}
