/*
 * normalize.c - one clean line for every line of the file.
 *
 * Removes what converters leave (markdown bold and heading marks, HTML tags
 * and entities, backslash escapes, pipe-table borders), folds the space zoo
 * to one space, composes to NFC through ICU only on lines that need it,
 * drops page furniture and OCR noise (rules/furniture.rules,
 * rules/noise.rules) and joins a sentence that a page break split.  Every
 * output line keeps the number of the input line it came from; what the
 * markup meant (bold, heading) survives as line flags.
 */
#include "internal.h"

#include <stdlib.h>
#include <unicode/unorm2.h>
#include <unicode/utrans.h>

#include "rules.h"
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct norm {
	qdx_doc *doc;
	qdx_span cur;          /* the line as far as it is done: in the input
	                          while nothing changed it, else in line or tmp */
	qdx_buf line;          /* the line being cleaned */
	qdx_buf tmp;
	const qdx_ruleset *furniture, *noise, *labels;
	size_t noise_tail;       /* bytes from a line's end where noise may start */
	int noise_filter;        /* the set says which bytes any noise holds: */
	unsigned char noise_needs[256];   /* those */
	int noise_space;         /* and that a space follows one of them */
	const UNormalizer2 *nfc;
	struct thread_slot *slot;   /* this thread's ICU state, once NFC needs it */
	struct thread_slot *tone;   /* the same, once its transliterator is ready */
	UChar *u16;
	int32_t u16cap;
} norm;

#ifdef __SSE2__
/* The lanes of v equal to byte c. */
static __m128i lanes_eq(__m128i v, unsigned char c)
{
	return _mm_cmpeq_epi8(v, _mm_set1_epi8((char)c));
}

/* The first lane set in m, 16 when none is. */
static size_t first_lane(__m128i m)
{
	unsigned bits = (unsigned)_mm_movemask_epi8(m);

	return bits ? (size_t)__builtin_ctz(bits) : 16;
}

/* Where in the 16 bytes at s (and the one after, for pairs) the first
 * byte needs_work() stops at is, or two spaces; 16 when nowhere. */
static size_t block_needs_work(const unsigned char *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)s);
	__m128i v1 = _mm_loadu_si128((const __m128i *)(s + 1));
	__m128i m = _mm_and_si128(lanes_eq(v, ' '), lanes_eq(v1, ' '));
	__m128i pairs = _mm_and_si128(v, _mm_set1_epi8((char)0xFE));   /* CC CD, E2 E3 */

	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(v, '*'), lanes_eq(v, '<')));
	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(v, '&'), lanes_eq(v, '#')));
	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(v, '\\'), lanes_eq(v, '|')));
	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(v, '_'), lanes_eq(v, '\t')));
	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(v, 0xC2), lanes_eq(v, 0xEF)));
	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(pairs, 0xCC), lanes_eq(pairs, 0xE2)));
	return first_lane(m);
}

/* Where in the 16 bytes at s (and the one after) the first o or u before
 * the lead byte of a toned vowel is: tone_candidate() looks closer there. */
static size_t block_tone_pair(const unsigned char *s)
{
	__m128i v = _mm_or_si128(_mm_loadu_si128((const __m128i *)s), _mm_set1_epi8(0x20));
	__m128i v1 = _mm_loadu_si128((const __m128i *)(s + 1));
	__m128i ou = _mm_or_si128(lanes_eq(v, 'o'), lanes_eq(v, 'u'));
	__m128i lead = _mm_or_si128(lanes_eq(v1, 0xC3), lanes_eq(v1, 0xE1));

	return first_lane(_mm_and_si128(ou, lead));
}

/* Where in the 16 bytes at s the first lead byte maybe_not_nfc() stops
 * at is: CC CD, E2, EF. */
static size_t block_nfc_lead(const unsigned char *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)s);
	__m128i m = lanes_eq(_mm_and_si128(v, _mm_set1_epi8((char)0xFE)), 0xCC);

	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(v, 0xE2), lanes_eq(v, 0xEF)));
	return first_lane(m);
}
/* The lanes of v holding a byte of clean()'s stop[] table. */
static __m128i lanes_stop(__m128i v)
{
	__m128i m = _mm_or_si128(lanes_eq(v, '*'), lanes_eq(v, ' '));

	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(v, '<'), lanes_eq(v, '&')));
	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(v, '\\'), lanes_eq(v, '\t')));
	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(v, 0), lanes_eq(v, 0xC2)));
	m = _mm_or_si128(m, _mm_or_si128(lanes_eq(_mm_and_si128(v, _mm_set1_epi8((char)0xFE)), 0xE2),
	                                 lanes_eq(v, 0xEF)));
	return m;
}

/* Where in the 16 bytes at s (and the one after) a run clean() copies as
 * it is ends: a stop[] byte other than a space with a word after it. */
static size_t block_run_end(const unsigned char *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)s);
	__m128i next_stop = lanes_stop(_mm_loadu_si128((const __m128i *)(s + 1)));
	__m128i word_space = _mm_andnot_si128(next_stop, lanes_eq(v, ' '));

	return first_lane(_mm_andnot_si128(word_space, lanes_stop(v)));
}
#else
/* Without SSE2 every byte is looked at: no block is passed over. */
static size_t no_block(const unsigned char *s)
{
	(void)s;
	return 0;
}
#define block_needs_work no_block
#define block_run_end no_block
#define block_tone_pair no_block
#define block_nfc_lead no_block
#endif

/* From i on, the first place in s[0..n) where `block` finds something, or
 * the start of the short tail that the caller looks at byte by byte: the
 * bytes skipped need no look. */
static size_t skip_blocks(const unsigned char *s, size_t n, size_t i,
                          size_t (*block)(const unsigned char *))
{
	while (i + 17 <= n) {
		size_t k = block(s + i);
		if (k < 16)
			return i + k;
		i += 16;
	}
	return i;
}

/* Bytes after which a line needs more than trimming: markup, entities,
 * escapes, tabs, and the lead bytes of non-ASCII spaces, zero-width
 * characters and combining marks.  Plain Vietnamese text has none. */
static int needs_work(const unsigned char *s, size_t n)
{
	/* 2: look closer (a space is work only when another follows). */
	static const unsigned char work[256] = {
		['*'] = 1, ['<'] = 1, ['&'] = 1, ['\\'] = 1, ['#'] = 1, ['|'] = 1, ['_'] = 1,
		['\t'] = 1, [0xC2] = 1, [0xCC] = 1, [0xCD] = 1, [0xE2] = 1, [0xE3] = 1, [0xEF] = 1,
		[' '] = 2,
	};
	size_t i;

	for (i = skip_blocks(s, n, 0, block_needs_work); i < n; i++) {
		if (!work[s[i]])
			continue;
		if (work[s[i]] == 1 || (i + 1 < n && s[i + 1] == ' '))
			return 1;
	}
	return 0;
}

/* Characters that are space in a document: NBSP, the U+2000 block, the
 * narrow NBSP, the ideographic space.  Returns their byte length. */
static size_t space_len(const unsigned char *s, size_t n)
{
	if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0)
		return 2;
	if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] <= 0x8A || s[2] == 0xAF))
		return 3;
	if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* Invisible characters converters leave: zero-width space/joiners, word
 * joiner, BOM, soft hyphen. */
static size_t invisible_len(const unsigned char *s, size_t n)
{
	if (n >= 2 && s[0] == 0xC2 && s[1] == 0xAD)
		return 2;
	if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0x8B && s[2] <= 0x8F)
		return 3;
	if (n >= 3 && s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0xA0)
		return 3;
	if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		return 3;
	return 0;
}

static const struct {
	const char *name;
	uint32_t cp;
} entities[] = {
	{ "nbsp", ' ' }, { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "ndash", 0x2013 }, { "mdash", 0x2014 }, { "hellip", 0x2026 },
	{ "ldquo", 0x201C }, { "rdquo", 0x201D }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
};

/* An entity at s (which starts with '&'): its length, and *cp. */
static size_t entity_len(const char *s, size_t n, uint32_t *cp)
{
	size_t i, k;

	if (n > 2 && s[1] == '#') {
		int hex = s[2] == 'x' || s[2] == 'X';
		uint32_t v = 0;
		for (i = hex ? 3 : 2; i < n && i < 12; i++) {
			int c = (unsigned char)s[i], d;
			if (c == ';')
				break;
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && (c | 32) >= 'a' && (c | 32) <= 'f')
				d = (c | 32) - 'a' + 10;
			else
				return 0;
			v = v * (hex ? 16u : 10u) + (uint32_t)d;
		}
		if (i >= n || s[i] != ';' || i == (hex ? 3u : 2u) || !v || v > 0x10FFFF ||
		    (v >= 0xD800 && v <= 0xDFFF))
			return 0;
		*cp = v;
		return i + 1;
	}
	for (k = 0; k < QDX_COUNT(entities); k++) {
		size_t len = strlen(entities[k].name);
		if (len + 2 <= n && !memcmp(s + 1, entities[k].name, len) && s[len + 1] == ';') {
			*cp = entities[k].cp;
			return len + 2;
		}
	}
	return 0;
}

/* An HTML tag at s: its length, and whether it makes text bold. */
static size_t tag_len(const char *s, size_t n, int *bold)
{
	size_t i = 1;
	const char *name;

	if (i < n && s[i] == '/')
		i++;
	name = s + i;
	if (i >= n || !((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z'))
		return 0;
	while (i < n && s[i] != '>' && s[i] != '<' && i < 200)
		i++;
	if (i >= n || s[i] != '>')
		return 0;
	if ((name[0] | 32) == 'b' && (name[1] == '>' || name[1] == ' '))
		*bold = 1;
	if (!strncasecmp(name, "strong", 6))
		*bold = 1;
	return i + 1;
}

/* Appends a space unless the output already ends in one (or a tab). */
static void put_space(qdx_buf *b)
{
	if (b->len && b->p[b->len - 1] != ' ' && b->p[b->len - 1] != '\t')
		qdx_buf_putc(b, ' ');
}

/* Bytes where clean() must look closer: markup, entities, escapes,
 * spaces and tabs, and the lead bytes of the space and invisible zoo
 * (lanes_stop() tests the same bytes 16 at a time). */
static const unsigned char stop[256] = {
	['*'] = 1, [' '] = 1, ['<'] = 1, ['&'] = 1, ['\\'] = 1, ['\t'] = 1, [0] = 1,
	[0xC2] = 1, [0xE2] = 1, [0xE3] = 1, [0xEF] = 1,
};

/* Cleans s[0..n) into nm->line; returns line flags learnt from markup. */
static uint32_t clean(norm *nm, const char *s, size_t n)
{
	qdx_buf *b = &nm->line;
	uint32_t flags = 0;
	size_t i = 0, k = 0;
	int bold = 0;

	b->len = 0;
	/* Markdown heading marks, never a numbering level of their own. */
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == '#') {
		size_t j = i;
		while (j < n && s[j] == '#')
			j++;
		if (j < n && s[j] == ' ') {
			flags |= QDX_LINE_HEADING;
			i = j;
		}
	}
	/* One leading tab and no other: a cell of the one-cell-per-line layout;
	 * more tabs make a row whose first cells are empty. */
	{
		/* One tab at the end of a line is only space; several are the
		 * empty cells of a row ("I. CÔNG TÁC CHỈ ĐẠO\t\t\t\t"). */
		size_t end = n, tabs = 0;
		while (end > i && (s[end - 1] == '\t' || s[end - 1] == ' '))
			tabs += s[--end] == '\t';
		if (i < n && s[i] == '\t' && (i == end || (!memchr(s + i + 1, '\t', end - i - 1) &&
		                                           tabs < 2)))
			flags |= QDX_LINE_CELL;   /* i == end: an empty cell */
		else if (memchr(s + i, '\t', end - i) || tabs >= 2)
			flags |= QDX_LINE_ROW;
	}
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;

		if (c == '*' && i + 1 < n && s[i + 1] == '*') {
			bold = 1;
			i += 2;
		} else if (c == '*' && (i + 1 >= n || s[i + 1] != ' ' || b->len)) {
			/* A single '*' is emphasis unless it opens the line as a bullet. */
			i++;
		} else if (c == '<' && (k = tag_len(s + i, n - i, &bold))) {
			i += k;
		} else if (c == '&' && (k = entity_len(s + i, n - i, &cp))) {
			if (cp == ' ')
				put_space(b);
			else
				qdx_buf_put_utf8(b, cp);
			i += k;
		} else if (c == '\\' && i + 1 < n && strchr("\\`*_{}[]()#+-.!|<>~", s[i + 1])) {
			qdx_buf_putc(b, s[i + 1]);
			i += 2;
		} else if (c == ' ' || (k = space_len((const unsigned char *)s + i, n - i))) {
			put_space(b);
			i += c == ' ' ? 1 : k;
		} else if ((k = invisible_len((const unsigned char *)s + i, n - i))) {
			i += k;
		} else if (c == '\t') {
			while (b->len && b->p[b->len - 1] == ' ')
				b->len--;
			qdx_buf_putc(b, '\t');
			i++;
		} else {
			/* a run of bytes that need nothing, copied at once; one
			 * space between words is what put_space() would make */
			size_t j = skip_blocks((const unsigned char *)s, n, i + 1, block_run_end);
			for (;;) {
				while (j < n && !stop[(unsigned char)s[j]])
					j++;
				if (j + 1 >= n || s[j] != ' ' || stop[(unsigned char)s[j + 1]])
					break;
				j += 2;
			}
			qdx_buf_put(b, s + i, j - i);
			i = j;
		}
	}
	if (bold)
		flags |= QDX_LINE_BOLD;
	return flags;
}

/* `| a | b |` rows become tab-separated cells; `|---|---|` rules and lone
 * `|` cell borders become blank.  Returns 1 when the line was a pipe row. */
static int pipe_row(qdx_buf *b)
{
	size_t i, bars = 0, j = 0;
	int only_rule = 1;

	if (!b->len || b->p[0] != '|')
		return 0;
	for (i = 0; i < b->len; i++) {
		if (b->p[i] == '|')
			bars++;
		else if (!strchr("-: ", b->p[i]))
			only_rule = 0;
	}
	if (bars < 2 || only_rule) {
		b->len = 0;
		return bars >= 2;
	}
	/* Rewrite in place: the output is never longer than the input. */
	for (i = 1; i < b->len; i++) {
		if (b->p[i] == '|') {
			while (j && b->p[j - 1] == ' ')
				j--;
			b->p[j++] = '\t';
			while (i + 1 < b->len && b->p[i + 1] == ' ')
				i++;
		} else if (!(j == 0 && b->p[i] == ' ')) {
			b->p[j++] = b->p[i];
		}
	}
	while (j && (b->p[j - 1] == '\t' || b->p[j - 1] == ' '))
		j--;
	b->len = j;
	return 1;
}

static qdx_span trim(const char *s, size_t n, int keep_tabs)
{
	qdx_span t;
	size_t i = 0;

	while (i < n && (s[i] == ' ' || (!keep_tabs && s[i] == '\t')))
		i++;
	while (n > i && (s[n - 1] == ' ' || (!keep_tabs && s[n - 1] == '\t')))
		n--;
	t.p = s + i;
	t.n = n - i;
	return t;
}

static void swap_bufs(qdx_buf *a, qdx_buf *b)
{
	qdx_buf t = *a;

	*a = *b;
	*b = t;
}

/* The longest word retone_word() hands to the transliterator. */
#define TONE_WORD_MAX 40

/* A word the transliterator saw and what it made of it.  The few words it
 * changes ("hoà", "uỷ", "Hoá") come back in every document, and a lookup
 * costs a twentieth of a run of the rules. */
typedef struct tone_memo {
	unsigned char in_len, out_len;    /* in_len 0: empty */
	char in[TONE_WORD_MAX], out[TONE_WORD_MAX + 8];
} tone_memo;

#define TONE_MEMOS 256

/* The longest piece of a line whose NFC is remembered. */
#define NFC_PIECE_MAX 24

/* A piece ICU composed and what it made of it: an NFD document spells
 * "ệ" as e, U+0302, U+0323 in every other word. */
typedef struct nfc_memo {
	unsigned char in_len, out_len;    /* in_len 0: empty */
	char in[NFC_PIECE_MAX], out[3 * NFC_PIECE_MAX];
} nfc_memo;

#define NFC_MEMOS 512

/* What a thread keeps of ICU between documents, made on first use and
 * freed when the thread ends: its own clone of the rules' transliterator
 * (ICU does not promise that one may serve several threads; cloning per
 * document cost more than placing its tones), the words it retoned, and
 * what NFC does with characters and pieces. */
typedef struct thread_slot {
	unsigned long serial;      /* of the qdx_rules tone was cloned from */
	UTransliterator *tone;
	tone_memo memo[TONE_MEMOS];
	nfc_memo nfc[NFC_MEMOS];
	unsigned char plain[0x10000];   /* of each BMP character: 1 plain (see
	                                   nfc_plain()), 2 not, 0 not asked yet */
} thread_slot;

static void thread_slot_free(void *p)
{
	thread_slot *t = p;

	if (t->tone)
		utrans_close(t->tone);
	free(t);
}

static qdx_thread_state slot_state = QDX_THREAD_STATE(thread_slot_free, sizeof(thread_slot));

static thread_slot *thread_slot_get(void)
{
	return qdx_thread_get(&slot_state);
}

/* This thread's slot with a transliterator of these rules, or NULL. */
static thread_slot *thread_tone(const qdx_rules *rules)
{
	thread_slot *t = thread_slot_get();
	UErrorCode ec = U_ZERO_ERROR;

	if (t->serial != rules->serial) {
		/* other rules than last time (a second qdx_rules_load) */
		if (t->tone)
			utrans_close(t->tone);
		t->tone = utrans_clone((const UTransliterator *)rules->tone, &ec);
		t->serial = U_SUCCESS(ec) ? rules->serial : 0;
		if (U_FAILURE(ec))
			t->tone = NULL;
		memset(t->memo, 0, sizeof(t->memo));
	}
	return t->tone ? t : NULL;
}

/* Combining marks (U+0300..U+036F) or compatibility singletons are what
 * keeps a Vietnamese line from being NFC; without them ICU is skipped. */
static int maybe_not_nfc(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; (i = skip_blocks(s, n, i, block_nfc_lead)) < n; i++)
		if (s[i] == 0xCC || s[i] == 0xCD || (s[i] == 0xE2 && i + 1 < n && s[i + 1] == 0x84) ||
		    (s[i] == 0xEF && i + 1 < n && s[i + 1] >= 0xA4 && s[i + 1] <= 0xAB))
			return 1;
	return 0;
}

/* Appends the NFC of p[0..n) to out, through ICU; -1 when ICU fails. */
static int icu_nfc(norm *nm, const char *p, size_t n, qdx_buf *out)
{
	UErrorCode ec = U_ZERO_ERROR;
	int32_t n16 = 0, need = (int32_t)n + 1, n8 = 0;
	UChar *u;

	if (nm->u16cap < 3 * need) {
		nm->u16cap = 3 * need;
		nm->u16 = qdx_xrealloc(nm->u16, (size_t)nm->u16cap * sizeof(UChar));
	}
	u_strFromUTF8(nm->u16, need, &n16, p, (int32_t)n, &ec);
	if (U_FAILURE(ec))
		return -1;
	u = nm->u16 + need;
	n16 = unorm2_normalize(nm->nfc, nm->u16, n16, u, 2 * need, &ec);
	if (U_FAILURE(ec))
		return -1;
	qdx_buf_reserve(out, 3 * (size_t)n16 + 1);
	u_strToUTF8(out->p + out->len, (int32_t)(out->cap - out->len), &n8, u, n16, &ec);
	if (U_FAILURE(ec))
		return -1;
	out->len += (size_t)n8;
	return 0;
}

/* Whether c is plain: it has an NFC boundary before it (nothing before it
 * composes with it) and is NFC alone.  A line splits before every plain
 * character into pieces ICU composes each on its own, with the same result
 * as the whole line; a plain character alone is such a piece, unchanged. */
static int ask_plain(const UNormalizer2 *nfc, UChar32 c)
{
	UErrorCode ec = U_ZERO_ERROR;
	UChar u[2];
	int32_t n = 0;

	U16_APPEND_UNSAFE(u, n, c);
	return unorm2_hasBoundaryBefore(nfc, c) && unorm2_quickCheck(nfc, u, n, &ec) == UNORM_YES &&
	       U_SUCCESS(ec);
}

/* ask_plain(), asked once per thread and BMP character. */
static inline int nfc_plain(norm *nm, UChar32 c)
{
	unsigned char *known;

	if (c >= 0x10000)
		return ask_plain(nm->nfc, c);
	known = &nm->slot->plain[c];
	if (!*known)
		*known = ask_plain(nm->nfc, c) ? 1 : 2;
	return *known == 1;
}

/* Appends the NFC of the piece p[0..n), remembered when it is short. */
static int nfc_piece(norm *nm, const char *p, size_t n, qdx_buf *out)
{
	nfc_memo *e;
	size_t at = out->len;

	if (n > NFC_PIECE_MAX)
		return icu_nfc(nm, p, n, out);
	e = &nm->slot->nfc[qdx_hash(QDX_HASH_SEED, p, n) % NFC_MEMOS];
	if (e->in_len == n && !memcmp(e->in, p, n)) {
		qdx_buf_put(out, e->out, e->out_len);
		return 0;
	}
	if (icu_nfc(nm, p, n, out))
		return -1;
	if (out->len - at <= sizeof(e->out)) {
		e->in_len = (unsigned char)n;
		memcpy(e->in, p, n);
		e->out_len = (unsigned char)(out->len - at);
		memcpy(e->out, out->p + at, out->len - at);
	}
	return 0;
}

/* The offset of the first character of s[i..n) that nfc_plain() says is
 * `plain` (1) or is not (0); n when none is, -1 at ill-formed UTF-8.
 * Inlined at both calls: called, it cost 1.4M Ir more per 100 bench
 * documents than the two loops it replaced; inlined, 0.35M. */
static inline __attribute__((always_inline)) int32_t next_plain(norm *nm, const unsigned char *s,
                                                                int32_t i, int32_t n, int plain)
{
	while (i < n) {
		int32_t start = i;
		UChar32 c;

		U8_NEXT(s, i, n, c);
		if (c < 0)
			return -1;
		if (!!nfc_plain(nm, c) == plain)
			return start;
	}
	return n;
}

/* Composes nm->cur, which is in nm->line, to NFC: the plain characters
 * are copied, each run of the others goes to nfc_piece() with the plain
 * character before it.  Left as it was when ICU fails, as ICU on the whole
 * line would (ill-formed UTF-8). */
static void to_nfc(norm *nm)
{
	const unsigned char *s = (const unsigned char *)nm->cur.p;
	int32_t n = (int32_t)nm->cur.n, i = 0, last, done = 0;

	if (!nm->nfc || !maybe_not_nfc(s, nm->cur.n))
		return;
	if (!nm->slot)
		nm->slot = thread_slot_get();
	nm->tmp.len = 0;
	while ((i = next_plain(nm, s, i, n, 0)) < n) {
		if (i < 0)
			return;
		/* the piece: from the plain character before (or the line's
		 * start) to the next plain character */
		last = i;
		while (last > 0 && (s[--last] & 0xC0) == 0x80)
			;
		if ((i = next_plain(nm, s, i, n, 1)) < 0)
			return;
		qdx_buf_put(&nm->tmp, s + done, (size_t)(last - done));
		if (nfc_piece(nm, (const char *)s + last, (size_t)(i - last), &nm->tmp))
			return;
		done = i;
	}
	qdx_buf_put(&nm->tmp, s + done, (size_t)(n - done));
	swap_bufs(&nm->line, &nm->tmp);
	nm->cur.p = nm->line.p;
	nm->cur.n = nm->line.len;
}

/* The length of the toned a, e or y at s[0..n) (à á ả ã ạ è é ẻ ẽ ẹ ỳ ý ỷ ỹ
 * ỵ in either case), read from its UTF-8 bytes; 0 for anything else. */
static size_t toned_aey(const unsigned char *s, size_t n)
{
	if (s[0] == 0xC3 && n >= 2) {
		switch (s[1]) {
		case 0x80: case 0x81: case 0x83: case 0x88: case 0x89: case 0x9D:   /* À Á Ã È É Ý */
		case 0xA0: case 0xA1: case 0xA3: case 0xA8: case 0xA9: case 0xBD:   /* à á ã è é ý */
			return 2;
		}
		return 0;
	}
	if (s[0] != 0xE1 || n < 3)
		return 0;
	/* U+1EA0..1EA3 (ạ ả) and U+1EB8..1EBD (ẹ ẻ ẽ), U+1EF2..1EF9 (ỳ ỵ ỷ ỹ) */
	if (s[1] == 0xBA)
		return (s[2] >= 0xA0 && s[2] <= 0xA3) || (s[2] >= 0xB8 && s[2] <= 0xBD) ? 3 : 0;
	return s[1] == 0xBB && s[2] >= 0xB2 && s[2] <= 0xB9 ? 3 : 0;
}

/* Where, from `i` on, a syllable ends with "o" or "u" before a toned a, e
 * or y (hoà, uỷ): the offset of that o/u, or n.  Only such syllables can
 * change their tone placement; nothing else reaches the transliterator,
 * which costs a hundred times this scan. */
static size_t tone_candidate(const unsigned char *s, size_t n, size_t i)
{
	static const unsigned char ou[256] = { ['o'] = 1, ['O'] = 1, ['u'] = 1, ['U'] = 1 };

	for (; (i = skip_blocks(s, n, i, block_tone_pair)) + 2 < n; i++) {
		size_t k;
		if (!ou[s[i]] || !(k = toned_aey(s + i + 1, n - i - 1)))
			continue;
		/* at the end of the syllable: no letter follows */
		if (i + 1 + k < n && (s[i + 1 + k] >= 0x80 || ((s[i + 1 + k] | 32) >= 'a' &&
		                                              (s[i + 1 + k] | 32) <= 'z')))
			continue;
		return i;
	}
	return n;
}

/* Runs the transliterator on one word w[0..n) and appends the result. */
static void retone_word(norm *nm, const char *w, size_t n, qdx_buf *out)
{
	UErrorCode ec = U_ZERO_ERROR;
	UChar u16[64];
	char u8[192];
	int32_t n16 = 0, limit, n8 = 0;
	tone_memo *e;

	/* A trailing space lets the rules see the end of the syllable. */
	if (n > TONE_WORD_MAX) {
		qdx_buf_put(out, w, n);
		return;
	}
	e = &nm->tone->memo[qdx_hash(QDX_HASH_SEED, w, n) % TONE_MEMOS];
	if (e->in_len == n && !memcmp(e->in, w, n)) {
		qdx_buf_put(out, e->out, e->out_len);
		return;
	}
	memcpy(u8, w, n);
	u8[n] = ' ';
	u_strFromUTF8(u16, 64, &n16, u8, (int32_t)n + 1, &ec);
	limit = n16;
	if (U_SUCCESS(ec))
		utrans_transUChars(nm->tone->tone, u16, &n16, 64, 0, &limit, &ec);
	if (U_SUCCESS(ec) && n16 > 0)
		u_strToUTF8(u8, sizeof(u8), &n8, u16, n16 - 1, &ec);
	if (U_FAILURE(ec) || n8 <= 0) {
		qdx_buf_put(out, w, n);
		return;
	}
	qdx_buf_put(out, u8, (size_t)n8);
	if ((size_t)n8 <= sizeof(e->out)) {
		e->in_len = (unsigned char)n;
		memcpy(e->in, w, n);
		e->out_len = (unsigned char)n8;
		memcpy(e->out, u8, (size_t)n8);
	}
}

static int word_byte(unsigned char c)
{
	return c >= 0x80 || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

/* One tone placement everywhere (rules/tone.translit), word by word;
 * a changed line ends up in nm->tmp. */
static void place_tones(norm *nm)
{
	qdx_span *b = &nm->cur;
	const unsigned char *s = (const unsigned char *)b->p;
	size_t at, done = 0;

	if (!nm->doc->rules->tone || (at = tone_candidate(s, b->n, 0)) == b->n)
		return;
	if (!nm->tone && !(nm->tone = thread_tone(nm->doc->rules)))
		return;
	nm->tmp.len = 0;
	while (at < b->n) {
		size_t ws = at, we = at + 1;
		while (ws > done && word_byte(s[ws - 1]))
			ws--;
		while (we < b->n && word_byte(s[we]))
			we++;
		qdx_buf_put(&nm->tmp, b->p + done, ws - done);
		retone_word(nm, b->p + ws, we - ws, &nm->tmp);
		done = we;
		at = tone_candidate(s, b->n, we);
	}
	qdx_buf_put(&nm->tmp, b->p + done, b->n - done);
	b->p = nm->tmp.p;
	b->n = nm->tmp.len;
}

/* The bytes that start a character PCRE2's \s takes (under UCP): tab to
 * CR, space, and the lead bytes of U+0085, U+00A0, U+1680, U+180E,
 * U+2000..U+205F and U+3000. */
static const unsigned char space_lead[256] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
	[0xC2] = 1, [0xE1] = 1, [0xE2] = 1, [0xE3] = 1,
};

/* Whether noise can start in s[start..n): a byte of its set in the tail
 * s[from..n) (start is from or the byte before it), and with `then-space`
 * one followed by a space.  From the end, where noise's punctuation
 * mostly is. */
static int noise_may_start(const norm *nm, const unsigned char *s, size_t start, size_t from,
                           size_t n)
{
	size_t i = n;
	int held = 0;

	while (i > start) {
		if (!nm->noise_needs[s[--i]])
			continue;
		held |= i >= from;
		if (!nm->noise_space || (i + 1 < n && space_lead[s[i + 1]]))
			return held;
	}
	return 0;
}

/* OCR leaves tokens after a sentence's end that cannot be Vietnamese
 * ("*th*", "ylw", "/ th h"): rules/noise.rules finds them. */
static void drop_noise(norm *nm, uint32_t no)
{
	qdx_match m;
	qdx_span sp;
	qdx_span *b = &nm->cur;
	size_t from, start;

	if (!nm->noise || !b->n)
		return;
	/* Noise sits at the end: the set says how far from it to look (from a
	 * character's first byte: the subject is not checked again) and which
	 * bytes must be there for it to match at all.  The match starts at the
	 * punctuation before the noise, which is one byte and may sit just
	 * before the tail. */
	from = b->n > nm->noise_tail ? b->n - nm->noise_tail : 0;
	while (from < b->n && ((unsigned char)b->p[from] & 0xC0) == 0x80)
		from++;
	start = from && (unsigned char)b->p[from - 1] < 0x80 ? from - 1 : from;
	if (nm->noise_filter &&
	    !noise_may_start(nm, (const unsigned char *)b->p, start, from, b->n))
		return;
	if (qdx_ruleset_search(nm->noise, nm->doc->matcher, b->p, b->n, start, &m) != 1)
		return;
	if (!qdx_match_group(&m, "noise", &sp))
		return;
	qdx_doc_diag_add(nm->doc, no, "note", "dropped OCR noise \"%.*s\" (rule %s)", (int)sp.n, sp.p,
	                 qdx_rule_name(m.rule));
	*b = trim(b->p, (size_t)(sp.p - b->p), 1);
}

/* "a) ..." starts with a lower-case letter but begins an item, not the
 * rest of a sentence. */
static int is_label(norm *nm)
{
	qdx_match m;

	return nm->labels &&
	       qdx_ruleset_classify(nm->labels, nm->doc->matcher, nm->cur.p, nm->cur.n, &m) == 1;
}

/* What a furniture rule says to do with a matching line. */
static const char *furniture_kind(norm *nm, const char *s, size_t n)
{
	qdx_match m;

	if (!nm->furniture || qdx_ruleset_classify(nm->furniture, nm->doc->matcher, s, n, &m) != 1)
		return NULL;
	if (m.end != n)
		return NULL;
	return qdx_rule_attr(m.rule, "drop") ? qdx_rule_attr(m.rule, "drop") : "line";
}

void qdx_normalize(qdx_doc *doc, const qdx_text *in, qdx_text *out)
{
	norm nm;
	UErrorCode ec = U_ZERO_ERROR;
	size_t i, pending_blank = 0;
	long last_text = -1;         /* index in out of the last non-blank line */
	int after_furniture = 0;

	memset(&nm, 0, sizeof(nm));
	nm.doc = doc;
	qdx_buf_init(&nm.line);
	qdx_buf_init(&nm.tmp);
	nm.nfc = unorm2_getNFCInstance(&ec);
	if (U_FAILURE(ec))
		nm.nfc = NULL;
	nm.furniture = qdx_rules_set(doc->rules, "furniture");
	nm.noise = qdx_rules_set(doc->rules, "noise");
	nm.labels = qdx_rules_set(doc->rules, "hierarchy");
	nm.noise_tail = (size_t)-1;
	if (nm.noise && qdx_ruleset_count(nm.noise)) {
		const char *tail = qdx_rule_attr(qdx_ruleset_rule(nm.noise, 0), "tail");
		const char *needs = qdx_rule_attr(qdx_ruleset_rule(nm.noise, 0), "needs-one-of");
		if (tail)
			nm.noise_tail = (size_t)strtoul(tail, NULL, 10);
		nm.noise_filter = needs != NULL;
		for (; needs && *needs; needs++)
			nm.noise_needs[(unsigned char)*needs] = 1;
		/* a claim about where the set can match: every rule must make it */
		nm.noise_space = 1;
		for (i = 0; i < qdx_ruleset_count(nm.noise); i++)
			nm.noise_space &= qdx_rule_attr(qdx_ruleset_rule(nm.noise, i), "then-space") != NULL;
	}
	qdx_buf_reserve(&out->buf, in->buf.len + 16);

	for (i = 0; i < in->n; i++) {
		const qdx_line *l = &in->v[i];
		const char *s = qdx_text_line(in, i);
		uint32_t flags = l->flags;
		const char *furn;

		if (!needs_work((const unsigned char *)s, l->len)) {
			nm.cur = trim(s, l->len, 0);
		} else {
			flags |= clean(&nm, s, l->len);
			if (pipe_row(&nm.line))
				flags |= QDX_LINE_ROW;
			nm.cur = trim(nm.line.p, nm.line.len,
			              (flags & (QDX_LINE_ROW | QDX_LINE_CELL)) != 0);
			to_nfc(&nm);
		}
		place_tones(&nm);
		furn = nm.cur.n && !(flags & (QDX_LINE_ROW | QDX_LINE_CELL))
		               ? furniture_kind(&nm, nm.cur.p, nm.cur.n) : NULL;
		if (furn && (strcmp(furn, "beside-furniture") || after_furniture)) {
			if (strcmp(furn, "blank"))
				after_furniture = 2;
			continue;
		}
		if (!nm.cur.n) {
			/* Blank lines are kept (they end paragraphs and table rows) but
			 * held back until we know no page-broken sentence goes on. */
			pending_blank++;
			continue;
		}
		if (after_furniture)
			after_furniture--;
		drop_noise(&nm, l->no);
		if (!(flags & (QDX_LINE_ROW | QDX_LINE_CELL)) && qdx_upper_only(nm.cur.p, nm.cur.n))
			flags |= QDX_LINE_UPPER;
		/* Caseless text (TCVN3) gives no sign of a sentence going on. */
		if (pending_blank && last_text >= 0 && !doc->caseless &&
		    !(out->v[last_text].flags & (QDX_LINE_ROW | QDX_LINE_CELL)) &&
		    !(flags & (QDX_LINE_ROW | QDX_LINE_CELL)) &&
		    !qdx_ends_sentence(qdx_text_line(out, (size_t)last_text), out->v[last_text].len) &&
		    qdx_starts_lower(nm.cur.p, nm.cur.n) && !is_label(&nm)) {
			/* A sentence a page break split: drop the gap. */
			flags |= QDX_LINE_JOINED;
			pending_blank = 0;
		}
		for (; pending_blank; pending_blank--)
			qdx_text_add(out, "", 0, in->v[i - pending_blank].no, 0);
		last_text = (long)out->n;
		qdx_text_add(out, nm.cur.p, nm.cur.n, l->no, flags);
	}
	qdx_buf_free(&nm.line);
	qdx_buf_free(&nm.tmp);
	free(nm.u16);
}
