/*
 * pdftable.c - task tables as text extraction from a PDF leaves them.
 *
 * A PDF holds no table, only runs of text placed on a page.  Extractors
 * that follow the reading order (the official gazette's text, pdftotext
 * without -layout) write each cell's lines after the previous cell's,
 * column after column, every line as wide as its column lets it be, and a
 * justified narrow cell often one word per line:
 *
 *   STT / Tên nhiệm vụ cụ thể / Cơ quan / chủ trì / ...   the header, broken
 *   1.                                                    a row's STT cell
 *   Tăng cường lãnh đạo, chỉ đạo xây dựng và             the content cell,
 *   hoạch về bảo hiểm y tế.                               the widest column
 *   Các / bộ / ở / Trung ương, / Ủy ban nhân / ...        the narrow cells
 *   Thường xuyên                                          the last column
 *
 * No line says which cell it belongs to, so this file reads what holds for
 * such text in general.  The header's words give the columns and their
 * order (rules/table.rules, as for the other layouts).  A row runs from its
 * STT label to the next label in sequence.  The content cell is the lines
 * about as wide as the content column, with the short last line of its
 * paragraph.  The narrow cells that follow are cut where a new cell's text
 * begins (a capital after a finished phrase, a blank line, the kind of
 * text the column holds) and not where the phrase plainly goes on (a small
 * letter, a comma, two words that stand together elsewhere in the
 * document); a small dynamic programme picks the cuts that give the row
 * its columns.  A line wider than any of its column's is two cells' lines
 * the extractor put on one baseline, split when the row lacks a cell.  A
 * page break repeats the header and goes on with what did not fit: those
 * lines continue the cells they finish.
 */
#include "internal.h"
#include "hierarchy.h"

#include <stdlib.h>

#define HDR_LINES 24     /* a header broken over more lines is no header */
#define HDR_WIDTH 48     /* characters on one line of a header cell */
#define HDR_WORDS 8

/* Weights of the cues that end a narrow cell between two lines. */
#define GAP_BLANK 3.0    /* a blank line between them */
#define GAP_LOWER (-3.0) /* the next line starts with a small letter */
#define GAP_UPPER 1.0    /* ... with a capital */
#define GAP_DIGIT 0.5
#define GAP_OTHER (-1.0) /* "(sửa đổi)", "- ": inside a cell */
#define GAP_OPEN (-1.5)  /* the line ends with "," ";" "-" "/" */
#define GAP_STOP 0.5     /* the line ends a sentence */
#define GAP_WORD (-0.5)  /* one word alone: a justified line goes on */
#define GAP_PAIR (-1.5)  /* the two words stand together elsewhere */
#define GAP_NAME (-0.7)  /* a capital on both sides: a name goes on */
#define KIND_TIME 2.0    /* a time cell that starts like a time phrase */
#define KIND_MISS (-0.5)
#define KIND_AGENCY 0.5  /* a lead or partner cell that starts with a name */
#define KIND_NAMELESS (-0.3)
#define EMPTY_CELL 0.8
#define SPLIT_COST 1.0

enum { K_LOWER, K_UPPER, K_DIGIT, K_OTHER };

/* One line of the table (or the text after a row's label). */
typedef struct piece {
	const char *s;
	size_t n;
	size_t i;                 /* its qdx_text line */
	int w, words;             /* characters, words */
	int blank;                /* a blank line stands before it */
	int brk;                  /* ... or a page break the normaliser joined */
	int frag;                 /* 0, or the page (after a repeated header) */
	int first_kind;           /* K_LOWER ... */
	int last_cap;             /* its last word starts with a capital */
	char last;                /* its last character, ASCII punctuation or 'a' */
	uint64_t first_word, last_word;
	int kinds;                /* timey and agency below are known: the
	                             rules are asked only of the lines whose
	                             cell is in question, not the content's */
	int timey;                /* it starts like a time phrase */
	int agency;               /* ... like an agency's name ("Sở", "Ủy ban"):
	                             1, 0, or -1 for "Các ..." */
	int col;                  /* the column it went to, -1 before */
} piece;

typedef struct prow {
	size_t label;             /* qdx_text line of the STT label */
	size_t lab_n;             /* bytes of the label as written: "1." */
	size_t first, last;       /* its pieces */
	size_t end;               /* qdx_text line after the row */
	int spanning;             /* a group row across the whole table */
} prow;

typedef struct bigrams {
	uint64_t *v;
	size_t cap, n;
} bigrams;

typedef struct ptab {
	qdx_doc *doc;
	const qdx_text *t;
	const qdx_ruleset *labels;
	qdx_buf hdr_text;             /* the header's lines, joined by spaces */
	int ncols;
	int roles[QDX_TABLE_COLS];
	piece *pc;
	size_t npc, cappc;
	prow *rows;
	size_t nrows, caprows;
	double wc, theta, wc_hi, wn_hi;
	const bigrams *pairs;         /* the document's, see doc_pairs() */
	const qdx_rule *time_rules[8];
	size_t ntime;
	const qdx_rule *stt_alone;    /* table.rules: an STT cell alone */
	const qdx_rule *agency_body;  /* agencies.rules: where a name starts */
} ptab;

/* ---- characters and words ------------------------------------------------ */

static inline int is_upper_cp(uint32_t cp)
{
	return (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
	       cp == 0x102 || cp == 0x110 || cp == 0x128 || cp == 0x168 || cp == 0x1A0 ||
	       cp == 0x1AF || (cp >= 0x1EA0 && cp <= 0x1EF9 && !(cp & 1));
}

static uint32_t lower_cp(uint32_t cp)
{
	if (!is_upper_cp(cp))
		return cp;
	if (cp < 0x100)
		return cp + 0x20;
	if (cp == 0x1AF)
		return 0x1B0;
	return cp + 1;
}

/* The character at s[at] and its length; 0xFFFD for a byte that starts
 * none.  Decoded here for ASCII and the two- and three-byte forms that
 * Vietnamese letters take (those leads cannot start an overlong form or a
 * surrogate), by qdx_utf8_decode() for the rest. */
static inline size_t decode(const char *s, size_t n, size_t at, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s + at;
	uint32_t c;
	size_t k;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF && n - at >= 2 && (u[1] & 0xC0) == 0x80) {
		*cp = (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
		return 2;
	}
	if (u[0] >= 0xE1 && u[0] <= 0xEF && u[0] != 0xED && n - at >= 3 &&
	    (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
		*cp = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
		return 3;
	}
	/* through a local, lest the callers' *cp live in memory */
	k = qdx_utf8_decode(u, n - at, &c);
	*cp = k ? c : 0xFFFD;
	return k ? k : 1;
}

/* The bytes of a word whose bit 7 is set, counted. */
static size_t count_high(uint64_t v)
{
	return (size_t)(((v >> 7) * 0x0101010101010101ull) >> 56);
}

/* The characters (bytes that start one) and the words (runs of bytes other
 * than space and tab) of s[0..n).  Every line of a table is measured, so
 * eight bytes at a time where the byte order lets a shift find the byte
 * before. */
static void measure(const char *s, size_t n, int *chars, int *words)
{
	size_t i = 0, cont = 0, starts = 0;
	int in = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t hi = 0x8080808080808080ull, lo = 0x7F7F7F7F7F7F7F7Full;
	uint64_t before = 0x80;   /* bit 7 of byte 0: a blank stands before it */

	for (; i + 8 <= n; i += 8) {
		uint64_t w, sp, tab, blank;

		memcpy(&w, s + i, 8);
		sp = w ^ 0x2020202020202020ull;
		tab = w ^ 0x0909090909090909ull;
		/* bit 7 of each byte: the byte is not 0, here not ' ' or '\t' */
		blank = ~((((sp & lo) + lo) | sp) & (((tab & lo) + lo) | tab)) & hi;
		starts += count_high(~blank & hi & (blank << 8 | before));
		cont += count_high(w & ~(w << 1) & hi);
		before = blank >> 56;
	}
	in = !before;
#endif
	for (; i < n; i++) {
		int sp = s[i] == ' ' || s[i] == '\t';

		starts += !sp && !in;
		in = !sp;
		cont += ((unsigned char)s[i] & 0xC0) == 0x80;
	}
	*chars = (int)(n - cont);
	*words = (int)starts;
}

static int width(const char *s, size_t n)
{
	int w, words;

	measure(s, n, &w, &words);
	return w;
}

static int count_words(const char *s, size_t n)
{
	int w, words;

	measure(s, n, &w, &words);
	return words;
}

static int has_lower(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		i += decode(s, n, i, &cp);
		if (qdx_is_lower(cp))
			return 1;
	}
	return 0;
}

static int first_kind(const char *s, size_t n)
{
	uint32_t cp;

	if (!n)
		return K_OTHER;
	decode(s, n, 0, &cp);
	if (qdx_is_lower(cp))
		return K_LOWER;
	if (is_upper_cp(cp))
		return K_UPPER;
	if (cp >= '0' && cp <= '9')
		return K_DIGIT;
	return K_OTHER;
}

/* ASCII as words hold it: letters in lower case, digits, 0 for the rest;
 * a table, for most characters even of Vietnamese text are ASCII. */
#define FOLD(c) ((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : ((c) >= 'a' && (c) <= 'z') || \
                 ((c) >= '0' && (c) <= '9') ? (c) : 0)
#define FOLD4(c) FOLD(c), FOLD(c + 1), FOLD(c + 2), FOLD(c + 3)
#define FOLD16(c) FOLD4(c), FOLD4(c + 4), FOLD4(c + 8), FOLD4(c + 12)
static const unsigned char ascii_fold[128] = {
	FOLD16(0), FOLD16(16), FOLD16(32), FOLD16(48), FOLD16(64), FOLD16(80), FOLD16(96), FOLD16(112)
};

/* The character at s[i] folded to lower case if a word holds it, else 0;
 * the character itself in *cp, its length in *k. */
static inline uint32_t word_char(const char *s, size_t n, size_t i, uint32_t *cp, size_t *k)
{
	unsigned char c = (unsigned char)s[i];

	if (c < 0x80) {
		*cp = c;
		*k = 1;
		return ascii_fold[c];
	}
	*k = decode(s, n, i, cp);
	if (*cp >= 0x1EA0 && *cp <= 0x1EF9)
		return *cp | 1;   /* the toned vowels: upper even, lower odd */
	if (*cp < 0xC0 || *cp == 0xD7 || *cp == 0xF7 || (*cp >= 0x2000 && *cp <= 0x206F))
		return 0;   /* symbols, punctuation */
	return lower_cp(*cp);
}

/* A word's hash: FNV-1a, 64 bits, over its folded characters. */
#define WORD_SEED 1469598103934665603ull
#define WORD_PRIME 1099511628211ull

/* What may stand between two words of one phrase: a comma or a full stop
 * breaks it. */
static int joiner(uint32_t cp)
{
	return cp == ' ' || cp == '/' || cp == '-' || cp == 0x2013;
}

/* The next word of s[0..n) from *pos: its bounds, a case-blind hash, and
 * whether nothing but joiners stands between it and the word before.  0
 * at the end. */
static int next_word(const char *s, size_t n, size_t *pos, size_t *ws, size_t *we, uint64_t *h,
                     int *joined)
{
	size_t i = *pos, k;
	uint32_t cp, lc;
	uint64_t x = WORD_SEED;

	*joined = 1;
	for (; i < n; i += k) {
		if (word_char(s, n, i, &cp, &k))
			break;
		if (!joiner(cp))
			*joined = 0;
	}
	if (i >= n) {
		*pos = n;
		return 0;
	}
	*ws = i;
	for (; i < n && (lc = word_char(s, n, i, &cp, &k)) != 0; i += k)
		x = (x ^ lc) * WORD_PRIME;
	*we = *pos = i;
	*h = x ? x : 1;
	return 1;
}

/* Where the last word of s[0..n) starts, n when there is none: found
 * from the end, stepping back a character at a time (text is valid UTF-8
 * by now), rather than word after word from the start. */
static size_t last_word_at(const char *s, size_t n)
{
	size_t i = n, at = n, j, k;
	uint32_t cp;

	for (; i > 0; i = j) {
		for (j = i - 1; j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80; j--)
			;
		if (word_char(s, n, j, &cp, &k))
			at = j;
		else if (at < n)
			break;
	}
	return at;
}

static uint64_t pair_hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2));

	return h ? h : 1;
}

static void pairs_add(bigrams *b, uint64_t h)
{
	size_t i;

	if (2 * (b->n + 1) > b->cap) {
		bigrams nb;
		nb.cap = b->cap ? 2 * b->cap : 1024;
		nb.n = 0;
		nb.v = qdx_xcalloc(nb.cap, sizeof(*nb.v));
		for (i = 0; i < b->cap; i++)
			if (b->v[i])
				pairs_add(&nb, b->v[i]);
		free(b->v);
		*b = nb;
	}
	for (i = h & (b->cap - 1); b->v[i]; i = (i + 1) & (b->cap - 1))
		if (b->v[i] == h)
			return;
	b->v[i] = h;
	b->n++;
}

static int pairs_has(const bigrams *b, uint64_t h)
{
	size_t i;

	if (!b->cap)
		return 0;
	for (i = h & (b->cap - 1); b->v[i]; i = (i + 1) & (b->cap - 1))
		if (b->v[i] == h)
			return 1;
	return 0;
}

/* Word w (its hash as next_word() makes it) of a line, after `prev`
 * (0 at the line's start): the pair goes in when only a joiner stood
 * between them. */
static uint64_t pair_word(bigrams *b, uint64_t prev, uint64_t w, int joined)
{
	uint64_t h = w ? w : 1;

	if (prev && joined)
		pairs_add(b, pair_hash(prev, h));
	return h;
}

/* Every pair of words that stands together inside one line of the
 * document: where a cell's line ends on the first and the next line starts
 * with the second, the phrase goes on ("của / Chính phủ", "cơ / quan").
 * The words of next_word(), read in one walk over each line. */
static void learn_pairs(bigrams *b, const qdx_text *t)
{
	size_t i;

	/* Prose has a pair in some 25 bytes: a slot per 16 bytes, rounded
	 * up to a power of two, is mostly room enough (it grows half full). */
	for (b->cap = 1024; b->cap < t->buf.len / 16; b->cap *= 2)
		;
	b->v = qdx_xcalloc(b->cap, sizeof(*b->v));

	for (i = 0; i < t->n; i++) {
		const char *s = qdx_text_line(t, i);
		size_t n = t->v[i].len, j, k;
		uint64_t x = WORD_SEED, prev = 0;
		int in = 0, joined = 1;

		for (j = 0; j < n; j += k) {
			uint32_t cp, lc = word_char(s, n, j, &cp, &k);

			if (lc) {
				x = (x ^ lc) * WORD_PRIME;
				in = 1;
				continue;
			}
			if (in) {
				prev = pair_word(b, prev, x, joined);
				x = WORD_SEED;
				in = 0;
				joined = 1;
			}
			if (!joiner(cp))
				joined = 0;
		}
		if (in)
			pair_word(b, prev, x, joined);
	}
}

/* The pairs of a text the segmenter reads: the same for each of a
 * document's tables, which it only flags, so learnt once (a walk over
 * every word) and kept with the document. */
struct qdx_word_pairs {
	bigrams set;
	const qdx_text *t;      /* what they were learnt from */
	const char *buf;
	size_t n, len;
};

static const bigrams *doc_pairs(qdx_doc *doc, const qdx_text *t)
{
	qdx_word_pairs *wp = doc->pairs;

	if (wp && wp->t == t && wp->buf == t->buf.p && wp->n == t->n && wp->len == t->buf.len)
		return &wp->set;
	qdx_word_pairs_free(wp);
	wp = doc->pairs = qdx_xcalloc(1, sizeof(*wp));
	wp->t = t;
	wp->buf = t->buf.p;
	wp->n = t->n;
	wp->len = t->buf.len;
	learn_pairs(&wp->set, t);
	return &wp->set;
}

void qdx_word_pairs_free(qdx_word_pairs *wp)
{
	if (wp)
		free(wp->set.v);
	free(wp);
}

/* ---- rules ---------------------------------------------------------------- */

/* A row's STT label at the start of s[0..n): its style, its label and
 * the length of the label as written.  *alone says that the label is all
 * the line holds ("1.", "a)", "II"): the STT cell by itself, as PDF text
 * mostly has it, which the numbering rules of prose do not all take. */
static int row_label(ptab *p, const char *s, size_t n, const char **style, qdx_span *lab,
                     size_t *len, int *alone)
{
	qdx_match m;
	const char *st = NULL;
	size_t k;

	if (p->labels && qdx_ruleset_classify(p->labels, p->doc->matcher, s, n, &m) == 1 &&
	    qdx_match_group(&m, "label", lab))
		st = qdx_rule_attr(m.rule, "style");
	if (st && strcmp(st, "roman") && strcmp(st, "arabic") && strcmp(st, "alpha") &&
	    strcmp(st, "decimal"))
		return 0;
	if (!st) {
		if (!p->stt_alone || qdx_rule_search(p->stt_alone, p->doc->matcher, s, n, 0, &m) != 1 ||
		    !qdx_match_group(&m, "label", lab))
			return 0;
		for (k = 0; k < lab->n && lab->p[k] >= '0' && lab->p[k] <= '9'; k++)
			;
		if (k == lab->n) {
			st = "arabic";
		} else {
			st = "roman";
			for (k = 0; k < lab->n; k++)
				if (!strchr("IVXLC", lab->p[k]))
					st = "alpha";
		}
	}
	/* "III/2026" in a time cell is no label: a label's punctuation ends
	 * the line or stands before a space. */
	if (m.end < n && s[m.end - 1] != ' ' && s[m.end - 1] != '.' && s[m.end - 1] != ')')
		return 0;
	*style = st;
	*len = m.end;
	while (*len && s[*len - 1] == ' ')
		(*len)--;
	*alone = *len == n;
	return 1;
}

static int time_like(const ptab *p, const char *s, size_t n)
{
	size_t k;
	qdx_match m;

	for (k = 0; k < p->ntime; k++)
		if (qdx_rule_search(p->time_rules[k], p->doc->matcher, s, n, 0, &m) == 1)
			return 1;
	return 0;
}

/* Does s[0..n) start with an agency's head noun ("Sở", "Bộ", "Ủy ban",
 * "UBND"), by the rule agencies.rules keeps for that?  1 if so, 0 if
 * not, -1 for "Các ...", which says nothing: "Các cơ quan" and "Các hoạt
 * động" start alike. */
static int agency_like(const ptab *p, const char *s, size_t n)
{
	char buf[128];
	qdx_match m;

	if (n >= 5 && (!memcmp(s, "C\xC3\xA1" "c ", 5) || !memcmp(s, "c\xC3\xA1" "c ", 5)))
		return -1;
	if (!p->agency_body)
		return 0;
	if (n > sizeof(buf) - 1)
		n = qdx_utf8_valid_prefix((const unsigned char *)s, sizeof(buf) - 1);
	buf[0] = '\x01';
	memcpy(buf + 1, s, n);
	return qdx_rule_search(p->agency_body, p->doc->matcher, buf, n + 1, 0, &m) == 1 && m.start == 0;
}

/* ---- the header ----------------------------------------------------------- */

/* Reads a header of at most `max` lines from line i: consecutive short
 * lines, grouped into cells (a line that starts with a small letter goes on
 * with the cell before; in a header without small letters, a line that
 * names no column does), the cells naming their columns.  STT and content
 * come first, as in every task table.  Fills roles[], *ncols and *end (the
 * line after the header); `out` (when not NULL) gets the cells' text. */
static int read_header(ptab *p, size_t i, size_t to, size_t max, int *roles, int *ncols,
                       size_t *end, qdx_table_row *out)
{
	const qdx_text *t = p->t;
	size_t j, n, k, cf[HDR_LINES], ct[HDR_LINES];
	int lrole[HDR_LINES], crole[HDR_LINES], cased = 0, nc = 0, c, kept = 0;
	qdx_buf b;

	for (j = i; j < to && j - i < max && j - i < HDR_LINES; j++) {
		const char *s = qdx_text_line(t, j), *style;
		size_t len = t->v[j].len, ll;
		qdx_span lab;
		int alone, w, words;

		if (!len || (t->v[j].flags & (QDX_LINE_ROW | QDX_LINE_CELL | QDX_LINE_SKIP)))
			break;
		measure(s, len, &w, &words);
		if (w > HDR_WIDTH || words > HDR_WORDS || row_label(p, s, len, &style, &lab, &ll, &alone))
			break;
		lrole[j - i] = qdx_table_role(p->doc, s, len);
		cased |= has_lower(s, len);
	}
	n = j - i;
	if (n < 3)
		return 0;
	for (k = 0; k < n; k++) {
		const char *s = qdx_text_line(t, i + k);
		int start = !k || (cased ? !qdx_starts_lower(s, t->v[i + k].len) : lrole[k] != QDX_COL_NONE);
		if (start) {
			cf[nc] = ct[nc] = k;
			nc++;
		}
		ct[nc - 1] = k + 1;
	}
	qdx_buf_init(&b);
	for (c = 0; c < nc; c++) {
		b.len = 0;
		for (k = cf[c]; k < ct[c]; k++) {
			if (b.len)
				qdx_buf_putc(&b, ' ');
			qdx_buf_put(&b, qdx_text_line(t, i + k), t->v[i + k].len);
		}
		crole[c] = count_words(b.p, b.len) <= HDR_WORDS ? qdx_table_role(p->doc, b.p, b.len)
		                                                 : QDX_COL_NONE;
	}
	/* A header ends with its last named cell; an unnamed one inside it is
	 * a piece of the cell before ("Cơ quan" above "Chủ trì"). */
	while (nc && crole[nc - 1] == QDX_COL_NONE)
		nc--;
	for (c = 0; c < nc; c++) {
		if (crole[c] == QDX_COL_NONE && kept) {
			ct[kept - 1] = ct[c];
			continue;
		}
		if (kept == QDX_TABLE_COLS) {
			kept = 0;
			break;
		}
		cf[kept] = cf[c];
		ct[kept] = ct[c];
		crole[kept++] = crole[c];
	}
	if (kept < 3 || crole[0] != QDX_COL_STT || crole[1] != QDX_COL_CONTENT) {
		qdx_buf_free(&b);
		return 0;
	}
	for (c = 0; c < kept; c++)
		roles[c] = crole[c];
	*ncols = kept;
	*end = i + ct[kept - 1];
	if (out) {
		out->line = t->v[i].no;
		out->from = i;
		out->to = *end;
		out->ncells = kept;
		for (c = 0; c < kept; c++)
			for (k = cf[c]; k < ct[c]; k++) {
				if (out->cells[c].len)
					qdx_buf_putc(&out->cells[c], ' ');
				qdx_buf_put(&out->cells[c], qdx_text_line(t, i + k), t->v[i + k].len);
			}
	}
	qdx_buf_free(&b);
	return 1;
}

/* The header again after a page break: lines that spell the header's
 * words in order, however they are broken ("Thời gian hoàn / thành" or
 * "Thời gian hoàn thành").  Returns the line after it, or j. */
static size_t header_again(ptab *p, size_t j, size_t to)
{
	const qdx_buf *h = &p->hdr_text;
	size_t pos = 0, k;

	for (k = j; k < to && pos < h->len; k++) {
		const char *s = qdx_text_line(p->t, k);
		size_t n = p->t->v[k].len;
		if (!n || n > h->len - pos || memcmp(h->p + pos, s, n) ||
		    (pos + n < h->len && h->p[pos + n] != ' '))
			return j;
		pos += n + 1;
	}
	return pos > h->len ? k : j;
}

/* The rules this file reads: row labels (hierarchy.rules), the kinds of
 * cell text (table.rules), where an agency's name starts (agencies.rules). */
static void ptab_init(ptab *p, qdx_doc *doc, const qdx_text *t)
{
	const qdx_ruleset *set = qdx_rules_set(doc->rules, "table");
	size_t k;

	memset(p, 0, sizeof(*p));
	p->doc = doc;
	p->t = t;
	p->labels = qdx_rules_set(doc->rules, "hierarchy");
	qdx_buf_init(&p->hdr_text);
	for (k = 0; set && k < qdx_ruleset_count(set); k++) {
		const qdx_rule *r = qdx_ruleset_rule(set, k);
		const char *kind = qdx_rule_attr(r, "kind");
		if (kind && !strcmp(kind, "time") && p->ntime < QDX_COUNT(p->time_rules))
			p->time_rules[p->ntime++] = r;
		if (kind && !strcmp(kind, "stt"))
			p->stt_alone = r;
	}
	set = qdx_rules_set(doc->rules, "agencies");
	for (k = 0; set && k < qdx_ruleset_count(set); k++)
		if (!strcmp(qdx_rule_name(qdx_ruleset_rule(set, k)), "body"))
			p->agency_body = qdx_ruleset_rule(set, k);
}

static void ptab_free(ptab *p)
{
	free(p->pc);
	free(p->rows);
	qdx_buf_free(&p->hdr_text);
}

int qdx_table_pdf_header(qdx_doc *doc, const qdx_text *t, size_t i, size_t to)
{
	ptab p;
	int roles[QDX_TABLE_COLS], nc, ok;
	size_t end;
	const char *s = qdx_text_line(t, i);
	size_t n = t->v[i].len;

	/* The STT cell comes first and says little: "STT", "TT", "Số TT". */
	if (!doc->rules || !n || n > 24 || (t->v[i].flags & (QDX_LINE_ROW | QDX_LINE_CELL)) ||
	    !qdx_table_role_is(doc, s, n, QDX_COL_STT))
		return 0;
	ptab_init(&p, doc, t);
	ok = read_header(&p, i, to, HDR_LINES, roles, &nc, &end, NULL);
	ptab_free(&p);
	return ok;
}

/* ---- the rows ------------------------------------------------------------- */

/* A line's features, from its text s[0..n) (trimmed). */
static void fill_piece(const ptab *p, piece *x, size_t i, const char *s, size_t n, int blank,
                       int frag)
{
	size_t pos = 0, ws = 0, we = 0;
	uint64_t h;
	int joined;

	memset(x, 0, sizeof(*x));
	x->s = s;
	x->n = n;
	x->i = i;
	x->blank = blank;
	x->brk = blank || (p->t->v[i].flags & QDX_LINE_JOINED);
	x->frag = frag;
	x->col = -1;
	measure(s, n, &x->w, &x->words);
	x->first_kind = first_kind(s, n);
	if (next_word(s, n, &pos, &ws, &we, &h, &joined)) {
		x->first_word = x->last_word = h;
		/* the words between say nothing here */
		pos = last_word_at(s, n);
		if (pos > ws && next_word(s, n, &pos, &ws, &we, &h, &joined))
			x->last_word = h;
		x->last_cap = first_kind(s + ws, we - ws) == K_UPPER;
	}
	x->last = s[n - 1] & 0x80 ? 'a' : s[n - 1];
	/* what follows the last word decides, not a closing bracket */
	if (we < n && (x->last == ')' || x->last == '"'))
		x->last = s[we] & 0x80 ? 'a' : s[we];
}

/* What kind of cell line x starts: asked of a line before its kind
 * counts (kind_score, ends_content). */
static void kind_of(const ptab *p, piece *x)
{
	if (x->kinds)
		return;
	x->kinds = 1;
	x->timey = time_like(p, x->s, x->n);
	x->agency = x->timey ? 0 : agency_like(p, x->s, x->n);
}

static void add_piece(ptab *p, size_t i, const char *s, size_t n, int blank, int frag)
{
	while (n && *s == ' ')
		s++, n--;
	while (n && s[n - 1] == ' ')
		n--;
	if (!n)
		return;
	if (p->npc == p->cappc) {
		p->cappc = p->cappc ? 2 * p->cappc : 256;
		p->pc = qdx_xrealloc(p->pc, p->cappc * sizeof(*p->pc));
	}
	fill_piece(p, &p->pc[p->npc++], i, s, n, blank, frag);
}

static int is_wide(const ptab *p, const piece *x)
{
	return x->w >= p->theta;
}

/* A line that ends so goes on: a list (";" and "," separate the bodies
 * of one cell), a compound, an opening bracket. */
static int ends_open(char c)
{
	return c == ',' || c == ';' || c == '-' || c == '/' || c == '(' || c == '&';
}

static int ends_stop(char c)
{
	return c == '.' || c == ';' || c == ':' || c == '!' || c == '?';
}

/* How much the text says that a new cell starts at b, after a. */
static double gap_score(const ptab *p, const piece *a, const piece *b)
{
	double s = b->blank ? GAP_BLANK : 0;

	if (b->first_kind == K_LOWER)
		return s + GAP_LOWER;
	s += b->first_kind == K_UPPER ? GAP_UPPER : b->first_kind == K_DIGIT ? GAP_DIGIT : GAP_OTHER;
	if (ends_open(a->last))
		return s + GAP_OPEN;
	if (ends_stop(a->last))
		return s + GAP_STOP;
	if (a->words == 1)
		s += GAP_WORD;
	if (a->last_word && b->first_word && pairs_has(p->pairs, pair_hash(a->last_word, b->first_word)))
		s += GAP_PAIR;
	if (a->last_cap && b->first_kind == K_UPPER)
		s += GAP_NAME;
	return s;
}

/* How well line x starts a cell of a column with this role. */
static double kind_score(int role, const piece *x)
{
	if (role == QDX_COL_TIME)
		return x->timey ? KIND_TIME : KIND_MISS;
	if (x->timey)
		return KIND_MISS;
	if (role == QDX_COL_LEAD || role == QDX_COL_PARTNERS)
		return x->agency > 0 ? KIND_AGENCY : !x->agency && x->first_kind == K_UPPER ? KIND_NAMELESS : 0;
	return x->agency > 0 ? -KIND_AGENCY : 0;
}

/* Assigns the narrow lines y[0..m) to columns first..ncols-1 in order, each
 * column a run of lines (maybe none): the cuts with the best score.  Fills
 * col[] and returns the score; *empty counts the columns left empty. */
static double assign(const ptab *p, const piece *y, size_t m, int first, int *col, int *empty)
{
	int q = p->ncols - first, c, d, best_c = 0;
	size_t k;
	double *dp, best = -1e300;
	int *from;

	*empty = q;
	if (!m || q <= 0)
		return -EMPTY_CELL * (q > 0 ? q : 0);
	dp = qdx_xmalloc(m * (size_t)q * sizeof(*dp));
	from = qdx_xmalloc(m * (size_t)q * sizeof(*from));
	for (c = 0; c < q; c++) {
		dp[c] = kind_score(p->roles[first + c], &y[0]) - EMPTY_CELL * c;
		from[c] = -1;
	}
	for (k = 1; k < m; k++) {
		double g = gap_score(p, &y[k - 1], &y[k]);
		for (c = 0; c < q; c++) {
			double v = dp[(k - 1) * q + c], kind = kind_score(p->roles[first + c], &y[k]);
			int f = c;
			for (d = 0; d < c; d++) {
				double u = dp[(k - 1) * q + d] + g + kind - EMPTY_CELL * (c - d - 1);
				if (u > v) {
					v = u;
					f = d;
				}
			}
			dp[k * q + c] = v;
			from[k * q + c] = f;
		}
	}
	for (c = 0; c < q; c++) {
		double v = dp[(m - 1) * q + c] - EMPTY_CELL * (q - 1 - c);
		if (v > best) {
			best = v;
			best_c = c;
		}
	}
	*empty = q;
	for (k = m, c = best_c; k-- > 0;) {
		col[k] = first + c;
		if (!k || from[k * q + c] != c)
			(*empty)--;
		if (k)
			c = from[k * q + c];
	}
	free(dp);
	free(from);
	return best;
}

/* Where a line two cells share splits: before a word with a capital (or
 * a digit) such that both parts fit their columns.  Returns the offset of
 * the second part's first byte, 0 when there is none. */
static size_t split_at(const piece *x, double head_max, double tail_max)
{
	size_t i;

	for (i = 1; i + 1 < x->n; i++) {
		int k;
		if (x->s[i] != ' ' || x->s[i + 1] == ' ')
			continue;
		k = first_kind(x->s + i + 1, x->n - i - 1);
		if ((k != K_UPPER && k != K_DIGIT) || width(x->s, i) > head_max)
			continue;
		if (width(x->s + i + 1, x->n - i - 1) <= tail_max)
			return i + 1;
	}
	return 0;
}

/* The part [from, to) of a line cut in two. */
static piece cut_piece(const ptab *p, const piece *x, size_t from, size_t to)
{
	piece r;

	while (to > from && x->s[to - 1] == ' ')
		to--;
	fill_piece(p, &r, x->i, x->s + from, to - from, from ? 0 : x->blank, x->frag);
	kind_of(p, &r);
	return r;
}

/* The narrow lines y[0..m) of a row's first page: the best cuts, and if
 * those leave a column empty, the same after splitting one line wider
 * than its column in two (the content's last line, or a narrow one).
 * Appends the cells to `out` (the content's last line too) and leaves in
 * lastp[c] the last line column c got. */
static void narrow_cells(ptab *p, piece *content_last, const piece *y, size_t m,
                         qdx_table_row *out, piece *lastp, int *has)
{
	piece *best_y, *tmp;
	int *col, *best_col, empty, e;
	size_t k, best_m = m, s;
	double score, v;

	col = qdx_xmalloc((m + 2) * sizeof(*col));
	best_col = qdx_xmalloc((m + 2) * sizeof(*best_col));
	tmp = qdx_xmalloc((m + 2) * sizeof(*tmp));
	best_y = qdx_xmalloc((m + 2) * sizeof(*best_y));
	if (m)
		memcpy(best_y, y, m * sizeof(*y));
	score = assign(p, y, m, 2, best_col, &empty);
	if (empty && m && content_last && content_last->w > p->wc_hi &&
	    (s = split_at(content_last, p->wc_hi, p->wn_hi)) != 0) {
		/* "... theo lộ trình phù hợp Bộ Y tế": the first narrow cell
		 * on the content's last baseline */
		tmp[0] = cut_piece(p, content_last, s, content_last->n);
		memcpy(tmp + 1, y, m * sizeof(*y));
		v = assign(p, tmp, m + 1, 2, col, &e) - SPLIT_COST;
		if (v > score) {
			score = v;
			best_m = m + 1;
			memcpy(best_col, col, (m + 1) * sizeof(*col));
			memcpy(best_y, tmp, (m + 1) * sizeof(*tmp));
			*content_last = cut_piece(p, content_last, 0, s);
			content_last->col = 1;
		}
	}
	for (k = 0; empty && best_m == m && k < m; k++) {
		/* "văn bản phối hợp Thường xuyên": two narrow cells */
		if (y[k].w <= p->wn_hi || !(s = split_at(&y[k], p->wn_hi, p->wn_hi)))
			continue;
		memcpy(tmp, y, k * sizeof(*y));
		tmp[k] = cut_piece(p, &y[k], 0, s);
		tmp[k + 1] = cut_piece(p, &y[k], s, y[k].n);
		memcpy(tmp + k + 2, y + k + 1, (m - k - 1) * sizeof(*y));
		v = assign(p, tmp, m + 1, 2, col, &e) - SPLIT_COST;
		if (v > score) {
			score = v;
			best_m = m + 1;
			memcpy(best_col, col, (m + 1) * sizeof(*col));
			memcpy(best_y, tmp, (m + 1) * sizeof(*tmp));
		}
	}
	if (content_last) {
		qdx_table_cell_append(&out->cells[1], content_last->s, content_last->n);
		lastp[1] = *content_last;
		has[1] = 1;
	}
	for (k = 0; k < best_m; k++) {
		qdx_table_cell_append(&out->cells[best_col[k]], best_y[k].s, best_y[k].n);
		lastp[best_col[k]] = best_y[k];
		has[best_col[k]] = 1;
	}
	free(best_y);
	free(tmp);
	free(col);
	free(best_col);
}

/* How well the lines starting with g, carried over a page break, go on
 * with the cell whose last line is x (NULL: an empty cell). */
static double carry_score(const ptab *p, const piece *x, const piece *g)
{
	double s = 0;

	if (!x)
		return g->first_kind == K_LOWER ? -2 : 0.5;
	if (ends_open(x->last))
		s += 1;
	else if (ends_stop(x->last))
		s -= 1;
	if (x->last_word && g->first_word &&
	    pairs_has(p->pairs, pair_hash(x->last_word, g->first_word)))
		s += 2;
	if (x->last_cap && x->words > 1 && g->first_kind == K_LOWER)
		s += 0.5;   /* "Công nghệ, Ủy" / "ban nhân dân": a name goes on */
	return s;
}

/* Does line b end the paragraph that the content line a wraps?  It does
 * if it starts with a small letter, or if it ends the sentence a left
 * open and starts no agency's name ("... cấp" / "II.", "... của" /
 * "Chính phủ."). */
static int ends_content(const ptab *p, const piece *a, piece *b)
{
	if (b->first_kind == K_LOWER)
		return 1;
	if (!ends_stop(b->last) || ends_stop(a->last))
		return 0;
	kind_of(p, b);
	return b->agency <= 0 && !b->timey;
}

/* Marks the content cell's lines of row r (col 1): on each page, the
 * lines as wide as the content column, and the short last line of a
 * paragraph they wrap.  On the first page the first line always, for a
 * row's content comes first; on a later page a first line that ends the
 * paragraph the content's last line, a full one, left open.  A full line
 * after a gap among the narrow cells is a page that the header did not
 * mark: what follows goes on with the row, as after a repeated header. */
static void content_extent(ptab *p, prow *r)
{
	size_t k = r->first, e, g;
	const piece *last = NULL;

	while (k < r->last) {
		int frag = p->pc[k].frag, wide;

		for (e = k; e < r->last && p->pc[e].frag == frag; e++)
			;
		if (r->spanning || (!frag && k == r->first) || is_wide(p, &p->pc[k]) ||
		    (last && is_wide(p, last) && ends_content(p, last, &p->pc[k]))) {
			for (; k < e; k++) {
				wide = is_wide(p, &p->pc[k]);
				p->pc[k].col = 1;
				last = &p->pc[k];
				if (r->spanning)
					continue;
				if (k + 1 < e && !is_wide(p, &p->pc[k + 1]) &&
				    !(wide && ends_content(p, &p->pc[k], &p->pc[k + 1]))) {
					k++;
					break;
				}
			}
		}
		for (g = k; g < e && !(p->pc[g].brk && p->pc[g].w >= 0.8 * p->wc); g++)
			;
		if (g < e && g > k)
			for (e = g; g < r->last; g++)
				p->pc[g].frag++;
		k = e;
	}
}

/* The pieces of row r cut into its cells. */
static void row_cells(ptab *p, prow *r, qdx_table_row *out)
{
	const qdx_text *t = p->t;
	size_t k = r->first, e, g;
	piece lastp[QDX_TABLE_COLS];
	int has[QDX_TABLE_COLS], c;

	memset(has, 0, sizeof(has));
	out->line = t->v[r->label].no;
	out->from = r->label;
	out->to = r->end;
	out->ncells = p->ncols;
	qdx_buf_put(&out->cells[0], qdx_text_line(t, r->label), r->lab_n);
	while (k < r->last) {
		int frag = p->pc[k].frag, next_col;
		piece *content_last = NULL;

		for (e = k; e < r->last && p->pc[e].frag == frag; e++)
			;
		for (; k < e && p->pc[k].col == 1; k++) {
			if (content_last)
				qdx_table_cell_append(&out->cells[1], content_last->s, content_last->n);
			content_last = &p->pc[k];
		}
		if (!frag) {
			for (g = k; g < e; g++)
				kind_of(p, &p->pc[g]);
			narrow_cells(p, content_last, &p->pc[k], e - k, out, lastp, has);
			k = e;
			continue;
		}
		if (content_last) {
			qdx_table_cell_append(&out->cells[1], content_last->s, content_last->n);
			lastp[1] = *content_last;
			has[1] = 1;
		}
		/* Lines a page break carried over: each group of them goes on
		 * with the cell it finishes, the cells in column order. */
		next_col = content_last ? 2 : 1;
		while (k < e) {
			int best = -1;
			double bs = -1e300;
			for (g = k + 1; g < e && gap_score(p, &p->pc[g - 1], &p->pc[g]) <= 0; g++)
				;
			for (c = next_col < p->ncols ? next_col : p->ncols - 1; c < p->ncols; c++) {
				double v = carry_score(p, has[c] ? &lastp[c] : NULL, &p->pc[k]);
				if (c == 1 && has[1] && is_wide(p, &lastp[1]) && !ends_stop(lastp[1].last))
					v += 0.5;   /* a wrapped paragraph goes on */
				if (v > bs) {
					bs = v;
					best = c;
				}
			}
			for (; k < g; k++)
				qdx_table_cell_append(&out->cells[best], p->pc[k].s, p->pc[k].n);
			lastp[best] = p->pc[g - 1];
			has[best] = 1;
			next_col = best + 1;
		}
	}
}

/* Row labels follow their sequence; a number in a cell ("2." opening a
 * line of the content, "cấp / II." ending one) does not.  A label with
 * text after it may start a sequence anywhere; one alone on its line only
 * at its beginning (I, 1, a) or right after the row before. */
typedef struct seq {
	int roman, arabic, alpha, prev;
} seq;

static int seq_next(seq *q, const char *style, const char *s, size_t n, int alone)
{
	static const char *const alphabet[] = { "a", "b", "c", "d", "\xC4\x91", "e", "g", "h",
		                                "i", "k", "l", "m", "n", "o", "p", "q",
		                                "r", "s", "t", "u", "v", "x", "y" };
	int v = 0, prev = 0, kind, ok;
	size_t i;

	if (!strcmp(style, "roman")) {
		for (i = n; i-- > 0;) {
			int d = s[i] == 'I' ? 1 : s[i] == 'V' ? 5 : s[i] == 'X' ? 10 : s[i] == 'L' ? 50 : 100;
			v += d < prev ? -d : d;
			if (d > prev)
				prev = d;
		}
		kind = 1;
		ok = v == q->roman + 1 || (!q->roman && !alone);
		if (ok)
			q->roman = v;
	} else if (!strcmp(style, "arabic")) {
		for (i = 0; i < n && i < 4; i++)
			if (s[i] >= '0' && s[i] <= '9')
				v = v * 10 + (s[i] - '0');
		kind = 2;
		ok = v == q->arabic + 1 || (v == 1 && q->prev != kind) || (!q->arabic && !alone);
		if (ok)
			q->arabic = v;
	} else if (!strcmp(style, "alpha")) {
		for (i = 0; i < QDX_COUNT(alphabet); i++)
			if (strlen(alphabet[i]) == n && !memcmp(alphabet[i], s, n))
				v = (int)i + 1;
		kind = 3;
		ok = v && (v == q->alpha + 1 || (v == 1 && q->prev != kind));
		if (ok)
			q->alpha = v;
	} else {
		kind = 4;
		ok = !alone || q->prev;
	}
	if (ok)
		q->prev = kind;
	return ok;
}

static void swap_int(int *a, int *b)
{
	int t = *a;

	*a = *b;
	*b = t;
}

/* The value below which `pct` percent of v[0..n) lie: the one a sort
 * would put at that rank, found by selection, which is all it takes
 * (reorders v).  Three-way partitions: widths repeat. */
static double percentile(int *v, size_t n, int pct, double none)
{
	size_t lo = 0, hi = n, want;

	if (!n)
		return none;
	want = (n - 1) * (size_t)pct / 100;
	for (;;) {
		int pivot = v[lo + (hi - lo) / 2];
		size_t lt = lo, gt = hi, i = lo;
		/* [lo, lt) < pivot, [lt, gt) == pivot, [gt, hi) > pivot */
		while (i < gt) {
			if (v[i] < pivot)
				swap_int(&v[i++], &v[lt++]);
			else if (v[i] > pivot)
				swap_int(&v[i], &v[--gt]);
			else
				i++;
		}
		if (want < lt)
			hi = lt;
		else if (want >= gt)
			lo = gt;
		else
			return pivot;
	}
}

/* The content column's width.  A row's content comes first and fills its
 * first line but for the shortest tasks, so the median first line is about
 * that wide (group rows across the table are fewer than task rows); the
 * widest lines short of those across the table then give it. */
static void learn_widths(ptab *p)
{
	int *w = qdx_xmalloc((p->npc + 1) * sizeof(*w));
	size_t r, k, n = 0;
	double first, all;

	for (r = 0; r < p->nrows; r++)
		if (p->rows[r].first < p->rows[r].last)
			w[n++] = p->pc[p->rows[r].first].w;
	first = percentile(w, n, 50, 40);
	for (r = 0; r < p->nrows; r++)
		p->rows[r].spanning = p->rows[r].first < p->rows[r].last &&
		                      p->pc[p->rows[r].first].w > 1.4 * first;
	for (n = 0, r = 0; r < p->nrows; r++)
		for (k = p->rows[r].first; !p->rows[r].spanning && k < p->rows[r].last; k++)
			if (p->pc[k].w <= 1.4 * first)
				w[n++] = p->pc[k].w;
	all = percentile(w, n, 90, first);
	p->wc = all > first ? all : first;
	p->theta = 0.6 * p->wc;
	free(w);
}

/* What is too wide for a content line, or for a narrow one: wider than
 * nearly all of them by a margin. */
static void learn_limits(ptab *p)
{
	int *wc = qdx_xmalloc((p->npc + 1) * sizeof(*wc)), *wn = qdx_xmalloc((p->npc + 1) * sizeof(*wn));
	size_t r, k, nc = 0, nn = 0;

	for (r = 0; r < p->nrows; r++) {
		if (p->rows[r].spanning)
			continue;
		for (k = p->rows[r].first; k < p->rows[r].last; k++) {
			if (p->pc[k].col == 1)
				wc[nc++] = p->pc[k].w;
			else
				wn[nn++] = p->pc[k].w;
		}
	}
	p->wc_hi = 1.06 * percentile(wc, nc, 90, p->wc);
	p->wn_hi = 1.25 * percentile(wn, nn, 90, p->theta);
	free(wc);
	free(wn);
}

size_t qdx_table_pdf_read(qdx_doc *doc, const qdx_text *t, size_t from, size_t to,
                          qdx_table_row **rows_out, size_t *nrows_out)
{
	ptab p;
	qdx_table_row *out;
	size_t j, end, k, r;
	int blank = 0, frag = 0;
	seq q;

	*rows_out = NULL;
	*nrows_out = 0;
	if (!doc->rules || from >= to)
		return from;
	ptab_init(&p, doc, t);
	memset(&q, 0, sizeof(q));
	out = qdx_xmalloc(sizeof(*out));
	qdx_table_row_init(&out[0]);
	if (!read_header(&p, from, to, HDR_LINES, p.roles, &p.ncols, &end, &out[0])) {
		qdx_table_row_free(&out[0]);
		free(out);
		ptab_free(&p);
		return from;
	}
	for (k = from; k < end; k++) {
		if (k > from)
			qdx_buf_putc(&p.hdr_text, ' ');
		qdx_buf_put(&p.hdr_text, qdx_text_line(t, k), t->v[k].len);
	}

	/* Rows: a label in sequence starts one; the header again after a page
	 * break is dropped and what follows it is the row going on. */
	for (j = end; j < to;) {
		const qdx_line *l = &t->v[j];
		const char *s = qdx_text_line(t, j), *style;
		qdx_span lab;
		size_t ll, next;
		int alone;

		if (!l->len) {
			blank = 1;
			j++;
			continue;
		}
		if (l->flags & (QDX_LINE_ROW | QDX_LINE_CELL | QDX_LINE_SKIP))
			break;
		if ((next = header_again(&p, j, to)) > j) {
			j = next;
			frag++;
			blank = 0;
			continue;
		}
		if (row_label(&p, s, l->len, &style, &lab, &ll, &alone) &&
		    seq_next(&q, style, lab.p, lab.n, alone)) {
			if (p.nrows) {
				p.rows[p.nrows - 1].last = p.npc;
				p.rows[p.nrows - 1].end = j;
			}
			if (p.nrows == p.caprows) {
				p.caprows = p.caprows ? 2 * p.caprows : 64;
				p.rows = qdx_xrealloc(p.rows, p.caprows * sizeof(*p.rows));
			}
			memset(&p.rows[p.nrows], 0, sizeof(*p.rows));
			p.rows[p.nrows].label = j;
			p.rows[p.nrows].lab_n = ll;
			p.rows[p.nrows].first = p.npc;
			p.nrows++;
			frag = 0;
			blank = 0;
			add_piece(&p, j, s + ll, l->len - ll, 0, 0);
			j++;
			continue;
		}
		if (!p.nrows)
			break;
		add_piece(&p, j, s, l->len, blank, frag);
		blank = 0;
		j++;
	}
	if (!p.nrows) {
		qdx_table_row_free(&out[0]);
		free(out);
		ptab_free(&p);
		return from;
	}
	p.rows[p.nrows - 1].last = p.npc;
	p.rows[p.nrows - 1].end = j;

	learn_widths(&p);
	/* A line wider than the content column, outside a group row, is the
	 * text going on after the table. */
	for (r = 0; r < p.nrows; r++) {
		prow *w = &p.rows[r];
		if (w->spanning)
			continue;
		for (k = w->first + 1; k < w->last && p.pc[k].w <= 1.4 * p.wc; k++)
			;
		if (k < w->last) {
			w->last = k;
			w->end = j = p.pc[k].i;
			p.nrows = r + 1;
			break;
		}
	}
	p.pairs = doc_pairs(doc, t);
	for (r = 0; r < p.nrows; r++)
		content_extent(&p, &p.rows[r]);
	learn_limits(&p);

	out = qdx_xrealloc(out, (p.nrows + 1) * sizeof(*out));
	for (r = 0; r < p.nrows; r++) {
		qdx_table_row_init(&out[r + 1]);
		row_cells(&p, &p.rows[r], &out[r + 1]);
	}
	*rows_out = out;
	*nrows_out = p.nrows + 1;
	ptab_free(&p);
	return j;
}
