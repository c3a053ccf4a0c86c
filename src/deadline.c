/*
 * deadline.c - time phrases -> normalised deadlines.
 *
 * rules/deadlines.rules (and, in time cells, rules/deadline-cells.rules)
 * say what a phrase is; each rule declares its kind and names its parts
 * (day, month, quarter, year, their "2" for a range's end, the units of a
 * recurring phrase, a condition).  This file only turns declared parts
 * into dates, and joins neighbouring phrases that make one deadline:
 * "Hằng năm hoặc đột xuất" is one recurring deadline with a condition,
 * "Từ tháng 5/2026, thường xuyên" one continuous deadline from May 2026,
 * "định kỳ hằng năm báo cáo ... trước ngày 31 tháng 12" one recurring
 * deadline at --12-31.
 *
 * Speed: the rule files are classifiers, tried only at the few words just
 * before an anchor - a date's number, "quý", "hằng năm", "thường xuyên",
 * "định kỳ" ... - found by a byte scan, and only at words the file's rule
 * `start` admits.  An unanchored search of fifty alternatives over every
 * byte of prose ran at a few MB/s; most prose holds no anchor outside
 * its citations, which are set aside before.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "extract.h"
#include "fold.h"
#include "rules.h"

#include <pcre2.h>

#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_PHRASES 64

/* Kinds as static strings: nodes outlive nothing but the document, rules
 * may be freed after it. */
static const char *const kinds[] = { "date",      "before",    "month",       "quarter",
	                             "half",      "year",      "range",       "recurring",
	                             "continuous", "conditional", "ignore",   "join" };

static const char *static_kind(const char *k)
{
	size_t i;

	for (i = 0; k && i < QDX_COUNT(kinds); i++)
		if (!strcmp(kinds[i], k))
			return kinds[i];
	return "ignore";
}

static const char *const freqs[] = { "weekly", "monthly", "quarterly", "half-yearly", "yearly" };

static const char *static_freq(const char *f)
{
	size_t i;

	for (i = 0; f && i < QDX_COUNT(freqs); i++)
		if (!strcmp(freqs[i], f))
			return freqs[i];
	return NULL;
}

static size_t freq_rank(const char *f)
{
	size_t i;

	for (i = 0; i < QDX_COUNT(freqs); i++)
		if (!strcmp(freqs[i], f))
			return i;
	return QDX_COUNT(freqs);
}

static int is_kind(const qdx_deadline *d, const char *k)
{
	return d->kind == k || !strcmp(d->kind, k);
}

/* ---- reading a match ---------------------------------------------------- */

/* The named groups this file reads, and which of them took part in a
 * match: one pass over the pattern's name table (a set's combined
 * pattern repeats each name once per rule). */
enum {
	G_DAY, G_MONTH, G_QUARTER, G_HALF, G_YEAR, G_DAY2, G_MONTH2, G_QUARTER2, G_YEAR2,
	G_DAYS, G_COND, G_WEEKLY, G_MONTHLY, G_QUARTERLY, G_HALFYEARLY, G_YEARLY, G_N
};
static const char *const group_names[G_N] = {
	"day", "month", "quarter", "half", "year", "day2", "month2", "quarter2", "year2",
	"days", "cond", "weekly", "monthly", "quarterly", "halfyearly", "yearly"
};

typedef struct groups {
	qdx_span v[G_N];
	unsigned set;
} groups;

static void read_groups(const qdx_match *m, groups *g)
{
	uint32_t count = 0, size = 0, i, k;
	PCRE2_SPTR table = NULL;

	g->set = 0;
	if (pcre2_pattern_info(m->code, PCRE2_INFO_NAMECOUNT, &count) ||
	    pcre2_pattern_info(m->code, PCRE2_INFO_NAMEENTRYSIZE, &size) ||
	    pcre2_pattern_info(m->code, PCRE2_INFO_NAMETABLE, &table))
		return;
	for (i = 0; i < count; i++) {
		PCRE2_SPTR e = table + (size_t)i * size;
		uint32_t num = ((uint32_t)e[0] << 8) | e[1];
		if (num >= m->ngroups || m->ov[2 * num] == PCRE2_UNSET)
			continue;
		for (k = 0; k < G_N; k++) {
			if (!(g->set & (1u << k)) && !strcmp((const char *)e + 2, group_names[k])) {
				g->v[k].p = m->subject + m->ov[2 * num];
				g->v[k].n = m->ov[2 * num + 1] - m->ov[2 * num];
				g->set |= 1u << k;
				break;
			}
		}
	}
}

static int has(const groups *g, int k, qdx_span *sp)
{
	if (!(g->set & (1u << k)))
		return 0;
	if (sp)
		*sp = g->v[k];
	return 1;
}

/* A group's decimal value: 1 and *v when the group took part and is a
 * number, -1 when it took part and is not, 0 when it did not. */
static int group_int(const groups *g, int k, int *v)
{
	qdx_span sp;
	size_t i;
	long val = 0;

	if (!has(g, k, &sp) || !sp.n)
		return 0;
	for (i = 0; i < sp.n; i++) {
		if (sp.p[i] < '0' || sp.p[i] > '9' || i > 6)
			return -1;
		val = val * 10 + (sp.p[i] - '0');
	}
	*v = (int)val;
	return 1;
}

/* A quarter or half as written: Roman (I..IV, either case) or Arabic; a
 * half also as "đầu" (first) or "cuối" (last). */
static int ordinal(const qdx_span *sp)
{
	size_t i = 0;
	int v = 0, prev = 0, total = 0;
	uint32_t cp;

	if (!sp->n)
		return 0;
	if (sp->p[0] >= '0' && sp->p[0] <= '9')
		return sp->n == 1 ? sp->p[0] - '0' : (sp->n == 2 && sp->p[0] == '0' ? sp->p[1] - '0' : 0);
	if (qdx_utf8_decode((const unsigned char *)sp->p, sp->n, &cp)) {
		cp = qdx_fold_cp(cp);
		if (cp == 'd')
			return 1;     /* đầu */
		if (cp == 'c')
			return 2;     /* cuối */
	}
	for (i = sp->n; i-- > 0;) {
		int c = sp->p[i] | 32;
		v = c == 'i' ? 1 : c == 'v' ? 5 : c == 'x' ? 10 : 0;
		if (!v)
			return 0;
		total += v < prev ? -v : v;
		if (v > prev)
			prev = v;
	}
	return total;
}

static void month_span(int y, int m, qdx_ymd *s, qdx_ymd *e)
{
	if (s) {
		s->y = y;
		s->m = m;
		s->d = 1;
	}
	if (e) {
		e->y = y;
		e->m = m;
		e->d = qdx_days_in_month(y, m);
	}
}

static void quarter_span(int y, int q, qdx_ymd *s, qdx_ymd *e)
{
	month_span(y, 3 * q - 2, s, NULL);
	month_span(y, 3 * q, NULL, e);
}

static void half_span(int y, int h, qdx_ymd *s, qdx_ymd *e)
{
	month_span(y, h == 1 ? 1 : 7, s, NULL);
	month_span(y, h == 1 ? 6 : 12, NULL, e);
}

static void year_span(int y, qdx_ymd *s, qdx_ymd *e)
{
	month_span(y, 1, s, NULL);
	month_span(y, 12, NULL, e);
}

static void add_days(qdx_ymd *d, int n)
{
	while (n-- > 0) {
		if (++d->d > qdx_days_in_month(d->y, d->m)) {
			d->d = 1;
			if (++d->m > 12) {
				d->m = 1;
				d->y++;
			}
		}
	}
}

typedef struct parts {
	int day, month, quarter, half, year;
	int day2, month2, quarter2, year2;
	int days;
} parts;

/* Reads the date parts of a match; -1 names the first impossible one. */
static int read_parts(const groups *g, parts *p, char *why, size_t whylen)
{
	qdx_span sp;
	int bad = 0;

	memset(p, 0, sizeof(*p));
	if (group_int(g, G_DAY, &p->day) < 0 || group_int(g, G_MONTH, &p->month) < 0 ||
	    group_int(g, G_YEAR, &p->year) < 0 || group_int(g, G_DAY2, &p->day2) < 0 ||
	    group_int(g, G_MONTH2, &p->month2) < 0 || group_int(g, G_YEAR2, &p->year2) < 0 ||
	    group_int(g, G_DAYS, &p->days) < 0)
		bad = 1;
	if (has(g, G_QUARTER, &sp) && !(p->quarter = ordinal(&sp)))
		bad = 1;
	if (has(g, G_QUARTER2, &sp) && !(p->quarter2 = ordinal(&sp)))
		bad = 1;
	if (has(g, G_HALF, &sp) && !(p->half = ordinal(&sp)))
		bad = 1;
	if ((p->year && (p->year < 1900 || p->year > 2100)) ||
	    (p->year2 && (p->year2 < 1900 || p->year2 > 2100))) {
		snprintf(why, whylen, "year %d", p->year && (p->year < 1900 || p->year > 2100)
		                                      ? p->year : p->year2);
		return -1;
	}
	if ((p->month && p->month > 12) || (p->month2 && p->month2 > 12)) {
		snprintf(why, whylen, "month %d", p->month > 12 ? p->month : p->month2);
		return -1;
	}
	if (p->quarter > 4 || p->quarter2 > 4 || p->half > 2 || (!p->month && p->day > 31) || bad) {
		snprintf(why, whylen, "no such quarter, half or day");
		return -1;
	}
	/* A day checked against its month; without a year, against a leap
	 * year (29/2 is possible). */
	if (p->day && p->month &&
	    p->day > qdx_days_in_month(p->year ? p->year : 2000, p->month)) {
		snprintf(why, whylen, "%d/%d%s%.0d", p->day, p->month, p->year ? "/" : "", p->year);
		return -1;
	}
	if (p->day2 && p->month2 &&
	    p->day2 > qdx_days_in_month(p->year2 ? p->year2 : 2000, p->month2)) {
		snprintf(why, whylen, "%d/%d%s%.0d", p->day2, p->month2, p->year2 ? "/" : "", p->year2);
		return -1;
	}
	if ((p->day && p->day < 1) || (p->month && p->month < 1) || (p->day2 && p->day2 < 1) ||
	    (p->month2 && p->month2 < 1) || (p->year && p->year < 1)) {
		snprintf(why, whylen, "a zero day or month");
		return -1;
	}
	return 0;
}

/* Position of the start of a range inside its year, to tell "từ tháng 10
 * đến tháng 2/2015" (across a year's end) from "từ tháng 3 đến tháng 6". */
static int start_month(const parts *p)
{
	return p->month ? p->month : p->quarter ? 3 * p->quarter - 2 : 1;
}

static int end_month(const parts *p)
{
	return p->month2 ? p->month2 : p->quarter2 ? 3 * p->quarter2 : 12;
}

int qdx_deadline_eval(const qdx_match *m, const qdx_time_ctx *tc, qdx_deadline *o, char *why,
                      size_t whylen)
{
	const char *anchor = qdx_rule_attr(m->rule, "anchor");
	const char *ctx = qdx_rule_attr(m->rule, "context");
	const char *at = qdx_rule_attr(m->rule, "at");
	qdx_span sp;
	groups g;
	parts p;
	size_t i;
	int y;

	memset(o, 0, sizeof(*o));
	o->kind = static_kind(qdx_rule_attr(m->rule, "kind"));
	o->start_off = m->start;
	o->end_off = m->end;
	if (is_kind(o, "ignore") || is_kind(o, "join")) {
		o->is_ignore = 1;
		return 0;
	}
	o->weak = ctx && !strcmp(ctx, "cell");
	read_groups(m, &g);
	o->freq = static_freq(qdx_rule_attr(m->rule, "freq"));
	for (i = 0; i < QDX_COUNT(freqs) && !o->freq; i++)
		if (has(&g, G_WEEKLY + (int)i, NULL))
			o->freq = freqs[i];
	if (at)
		snprintf(o->at, sizeof(o->at), "%s", at);
	if (has(&g, G_COND, &sp)) {
		o->cond_off = (size_t)(sp.p - m->subject);
		o->cond_end = o->cond_off + sp.n;
	} else if (is_kind(o, "conditional")) {
		o->cond_off = m->start;
		o->cond_end = m->end;
	}
	if (read_parts(&g, &p, why, whylen) < 0) {
		o->bad = 1;
		return -1;
	}
	o->year_given = p.year != 0;
	o->has_day = p.day != 0;

	if (anchor && !strcmp(anchor, "signed")) {
		/* Counted from the document's own date. */
		if (!tc->doc_date.y)
			return 0;
		o->inferred = 1;
		if (is_kind(o, "before")) {
			o->end = tc->doc_date;
			add_days(&o->end, p.days);
		} else {
			o->start = o->end = tc->doc_date;
		}
		return 0;
	}

	if (is_kind(o, "recurring") || is_kind(o, "continuous")) {
		if (p.day && p.month)
			snprintf(o->at, sizeof(o->at), "--%02u-%02u", (unsigned)p.month % 100u,
			         (unsigned)p.day % 100u);
		else if (p.month)
			snprintf(o->at, sizeof(o->at), "--%02u", (unsigned)p.month % 100u);
		else if (p.quarter)
			snprintf(o->at, sizeof(o->at), "Q%u", (unsigned)p.quarter % 10u);
		else if (p.day)
			snprintf(o->at, sizeof(o->at), "---%02u", (unsigned)p.day % 100u);
		if (tc->plan_start.y && tc->plan_end.y) {
			o->start = tc->plan_start;
			o->end = tc->plan_end;
			o->inferred = 1;
		}
		return 0;
	}
	if (is_kind(o, "conditional"))
		return 0;

	if (is_kind(o, "range")) {
		int y1 = p.year, y2 = p.year2;
		int has_end = p.day2 || p.month2 || p.quarter2 || p.year2;
		if (!y1 && y2)
			y1 = start_month(&p) > end_month(&p) ? y2 - 1 : y2;
		if (!y2 && has_end && y1)
			y2 = start_month(&p) > end_month(&p) ? y1 + 1 : y1;
		if (!y1) {
			if (!tc->year)
				return 0;
			y1 = tc->year;
			if (has_end)
				y2 = start_month(&p) > end_month(&p) ? y1 + 1 : y1;
			o->inferred = 1;
		}
		if (p.day && p.month) {
			o->start.y = y1;
			o->start.m = p.month;
			o->start.d = p.day;
		} else if (p.month) {
			month_span(y1, p.month, &o->start, NULL);
		} else if (p.quarter) {
			quarter_span(y1, p.quarter, &o->start, NULL);
		} else if (p.half) {
			half_span(y1, p.half, &o->start, NULL);
		} else {
			year_span(y1, &o->start, NULL);
		}
		if (!has_end)
			return 0;
		if (p.day2 && p.month2) {
			o->end.y = y2;
			o->end.m = p.month2;
			o->end.d = p.day2;
		} else if (p.month2) {
			month_span(y2, p.month2, NULL, &o->end);
		} else if (p.quarter2) {
			quarter_span(y2, p.quarter2, NULL, &o->end);
		} else {
			year_span(y2, NULL, &o->end);
		}
		return 0;
	}

	/* One day, month, quarter, half or year, or the end of one. */
	y = p.year;
	if (!y) {
		if (!tc->year)
			return 0;
		y = tc->year;
		o->inferred = 1;
		if (p.day && p.month && p.day > qdx_days_in_month(y, p.month)) {
			snprintf(why, whylen, "%d/%d in %d", p.day, p.month, y);
			o->bad = 1;
			return -1;
		}
	}
	if (p.day && p.month) {
		o->start.y = o->end.y = y;
		o->start.m = o->end.m = p.month;
		o->start.d = o->end.d = p.day;
	} else if (p.month) {
		month_span(y, p.month, &o->start, &o->end);
	} else if (p.quarter) {
		quarter_span(y, p.quarter, &o->start, &o->end);
	} else if (p.half) {
		half_span(y, p.half, &o->start, &o->end);
	} else {
		year_span(y, &o->start, &o->end);
	}
	if (is_kind(o, "before"))
		memset(&o->start, 0, sizeof(o->start));
	return 0;
}

/* ---- anchors ---------------------------------------------------------------- */

/* Case-blind compare of the bytes at s[p..) with one of two spellings
 * (each byte may come from either: "Năm", "NĂM", "năm"). */
static int has_at(const unsigned char *s, size_t n, size_t p, const char *lo, const char *up)
{
	size_t k, len = strlen(lo);

	if (p + len > n)
		return 0;
	for (k = 0; k < len; k++)
		if (s[p + k] != (unsigned char)lo[k] && s[p + k] != (unsigned char)up[k])
			return 0;
	return 1;
}

/* The word before position p ends with `lo`/`up` ("ngày 31", "tháng 12"). */
static int word_before(const unsigned char *s, size_t p, const char *lo, const char *up)
{
	size_t len = strlen(lo);

	while (p > 0 && s[p - 1] == ' ')
		p--;
	return p >= len && has_at(s, p, p - len, lo, up);
}

#define NGAY "ng\xC3\xA0y", "NG\xC3\x80Y"             /* ngày */
#define THANG "th\xC3\xA1ng", "TH\xC3\x81NG"           /* tháng */

/* A number a date can be made of: a year (19xx, 20xx), a day or month
 * next to "/" or "-" and a digit, or after "ngày"/"tháng" or before them
 * ("10 ngày kể từ", "6 tháng đầu năm").  Labels, counts and percentages
 * are not. */
static int date_number(const unsigned char *s, size_t n, size_t a, size_t e)
{
	size_t len = e - a;

	if (len == 4 && ((s[a] == '1' && s[a + 1] == '9') || (s[a] == '2' && s[a + 1] == '0')))
		return 1;
	/* any "năm NNNN", so that an impossible year is seen and reported */
	if (len == 4 && word_before(s, a, "n\xC4\x83m", "N\xC4\x82M"))
		return 1;
	if (len > 3)
		return 0;
	if (e + 1 < n && (s[e] == '/' || s[e] == '-' || s[e] == '.') && s[e + 1] >= '0' && s[e + 1] <= '9')
		return 1;
	if (word_before(s, a, NGAY) || word_before(s, a, THANG))
		return 1;
	return e + 1 < n && s[e] == ' ' && (has_at(s, n, e + 1, NGAY) || has_at(s, n, e + 1, THANG));
}

/* After "hằng", "hàng", "mỗi", "từng": a unit ("năm", "quý", "tháng",
 * "tuần"), not "hàng hóa". */
static int unit_follows(const unsigned char *s, size_t n, size_t p)
{
	return p + 1 < n && s[p] == ' ' && strchr("nNqQtT", s[p + 1]) && s[p + 1];
}

/* The bytes an anchor can start with, by what may follow them: digits
 * (anything), q Q, h H, t T, m M, s S, k K and 0xC4 (đ, Đ).  Testing the
 * pair keeps the common "tr", "to", "ho", "đư" away from the switch of
 * next_anchor(): a byte passes when first[c] & (second[next] | ANY). */
enum { Q_ = 1, H_ = 2, T_ = 4, M_ = 8, S_ = 16, K_ = 32, D_ = 64, ANY = 128 };
static const unsigned char first[256] = {
	['0'] = ANY, ['1'] = ANY, ['2'] = ANY, ['3'] = ANY, ['4'] = ANY,
	['5'] = ANY, ['6'] = ANY, ['7'] = ANY, ['8'] = ANY, ['9'] = ANY,
	['q'] = Q_, ['Q'] = Q_, ['h'] = H_, ['H'] = H_, ['t'] = T_, ['T'] = T_,
	['m'] = M_, ['M'] = M_, ['s'] = S_, ['S'] = S_, ['k'] = K_, ['K'] = K_,
	[0xC4] = D_,
};
static const unsigned char second[256] = {
	['u'] = Q_, ['U'] = Q_, [0xC3] = Q_ | H_ | K_, [0xE1] = H_ | T_ | M_,
	['h'] = T_, ['H'] = T_, ['a'] = S_, ['A'] = S_, [0x90] = D_, [0x91] = D_,
};

#ifdef __SSE2__
static __m128i eq(__m128i v, unsigned char c)
{
	return _mm_cmpeq_epi8(v, _mm_set1_epi8((char)c));
}

/* One bit for each of the 16 bytes at s (reading s[16] and s[17] too)
 * where the switch of next_anchor() could return: a digit, or the first
 * three bytes an anchor's letters need ("th" + 0xC6 of thường, "t" +
 * E1 BB of từng ...).  Far fewer than pass the pair test: "th" alone
 * begins a word in ten. */
static unsigned heads16(const unsigned char *s)
{
	const __m128i lower = _mm_set1_epi8(0x20);
	__m128i a = _mm_loadu_si128((const __m128i *)s);
	__m128i b = _mm_loadu_si128((const __m128i *)(s + 1));
	__m128i c = _mm_loadu_si128((const __m128i *)(s + 2));
	__m128i la = _mm_or_si128(a, lower), lb = _mm_or_si128(b, lower), lc = _mm_or_si128(c, lower);
	__m128i c3 = eq(b, 0xC3), e1 = eq(b, 0xE1);
	__m128i m = _mm_and_si128(_mm_cmpgt_epi8(a, _mm_set1_epi8('0' - 1)),
	                          _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), a));

	/* quý, qúy */
	m = _mm_or_si128(m, _mm_and_si128(eq(la, 'q'),
	                                  _mm_or_si128(_mm_and_si128(eq(lb, 'u'), eq(c, 0xC3)),
	                                               _mm_and_si128(c3, eq(lc, 0xBA)))));
	/* hằng, hàng */
	m = _mm_or_si128(m, _mm_and_si128(eq(la, 'h'),
	                                  _mm_or_si128(_mm_and_si128(e1, eq(c, 0xBA)),
	                                               _mm_and_si128(c3, eq(lc, 0xA0)))));
	/* thường, từng */
	m = _mm_or_si128(m, _mm_and_si128(eq(la, 't'),
	                                  _mm_or_si128(_mm_and_si128(eq(lb, 'h'), eq(c, 0xC6)),
	                                               _mm_and_si128(e1, eq(c, 0xBB)))));
	/* mỗi */
	m = _mm_or_si128(m, _mm_and_si128(eq(la, 'm'), _mm_and_si128(e1, eq(c, 0xBB))));
	/* sau */
	m = _mm_or_si128(m, _mm_and_si128(eq(la, 's'), _mm_and_si128(eq(lb, 'a'), eq(lc, 'u'))));
	/* ký */
	m = _mm_or_si128(m, _mm_and_si128(eq(la, 'k'), _mm_and_si128(c3, eq(lc, 0xBD))));
	/* định, đột */
	m = _mm_or_si128(m, _mm_and_si128(_mm_and_si128(eq(a, 0xC4), eq(c, 0xE1)),
	                                  eq(_mm_and_si128(b, _mm_set1_epi8((char)0xFE)), 0x90)));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* The first byte at or after i that may start an anchor: 16 at a time
 * where SSE2 is, then by the pair test; n - 1 (tested alone: only a digit
 * passes) or n at the end. */
static size_t next_candidate(const unsigned char *s, size_t n, size_t i)
{
#ifdef __SSE2__
	for (; i + 18 <= n; i += 16) {
		unsigned m = heads16(s + i);
		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i + 1 < n && !(first[s[i]] & (second[s[i + 1]] | ANY)))
		i++;
	return i;
}

/* Where a time phrase may be: a date's number, or "quý", "hằng"/"hàng",
 * "mỗi", "từng" before a unit, "thường xuyên", "định kỳ", "đột xuất",
 * "<verb> sau", "ngày ký" - every rule of deadlines.rules holds one within
 * a few words of its start.  One byte pass, no allocation.  Returns the
 * first anchor at or after i, or n. */
static size_t next_anchor(const char *str, size_t n, size_t i)
{
	const unsigned char *s = (const unsigned char *)str;

	for (; (i = next_candidate(s, n, i)) < n; i++) {
		unsigned c = s[i];
		size_t r = n - i - 1;

		if (c >= '0' && c <= '9') {
			size_t e = i;
			while (e < n && s[e] >= '0' && s[e] <= '9')
				e++;
			if ((i == 0 || !(s[i - 1] >= '0' && s[i - 1] <= '9')) && date_number(s, n, i, e))
				return i;
			i = e - 1;
			continue;
		}
		switch (c | 32) {
		case 'q':   /* quý, qúy */
			if (r >= 3 && (s[i + 1] | 32) == 'u' && s[i + 2] == 0xC3 && (s[i + 3] | 0x20) == 0xBD)
				return i;
			if (r >= 3 && s[i + 1] == 0xC3 && (s[i + 2] | 0x20) == 0xBA && (s[i + 3] | 32) == 'y')
				return i;
			break;
		case 'h':   /* hằng (ằ E1 BA B1/B0), hàng (à C3 A0/80) + a unit */
			if (r >= 5 && s[i + 1] == 0xE1 && s[i + 2] == 0xBA && (s[i + 3] | 1) == 0xB1 &&
			    (s[i + 4] | 32) == 'n' && (s[i + 5] | 32) == 'g' && unit_follows(s, n, i + 6))
				return i;
			if (r >= 4 && s[i + 1] == 0xC3 && (s[i + 2] | 0x20) == 0xA0 && (s[i + 3] | 32) == 'n' &&
			    (s[i + 4] | 32) == 'g' && unit_follows(s, n, i + 5))
				return i;
			break;
		case 't':   /* thường xuyên (ư C6 B0/AF, ờ E1 BB 9D/9C), từng (ừ E1 BB AB/AA) */
			if (has_at(s, n, i, "th\xC6\xB0\xE1\xBB\x9Dng x", "TH\xC6\xAF\xE1\xBB\x9CNG X"))
				return i;
			if (r >= 5 && s[i + 1] == 0xE1 && s[i + 2] == 0xBB && (s[i + 3] | 1) == 0xAB &&
			    (s[i + 4] | 32) == 'n' && (s[i + 5] | 32) == 'g' && unit_follows(s, n, i + 6))
				return i;
			break;
		case 'm':   /* mỗi (ỗ E1 BB 97/96) + a unit */
			if (r >= 4 && s[i + 1] == 0xE1 && s[i + 2] == 0xBB && (s[i + 3] | 1) == 0x97 &&
			    (s[i + 4] | 32) == 'i' && unit_follows(s, n, i + 5))
				return i;
			break;
		case 's':   /* a work done after an event: "thực hiện sau", "hoàn thành sau" */
			if (r >= 2 && (s[i + 1] | 32) == 'a' && (s[i + 2] | 32) == 'u' &&
			    (i + 3 == n || s[i + 3] == ' ') &&
			    (word_before(s, i, "hi\xE1\xBB\x87n", "HI\xE1\xBB\x86N") ||
			     word_before(s, i, "th\xC3\xA0nh", "TH\xC3\x80NH") ||
			     word_before(s, i, "khai", "KHAI") ||
			     word_before(s, i, "h\xC3\xA0nh", "H\xC3\x80NH")))
				return i;
			break;
		case 'k':   /* ngày ký (ý C3 BD/9D) */
			if (r >= 2 && s[i + 1] == 0xC3 && (s[i + 2] | 0x20) == 0xBD &&
			    word_before(s, i, NGAY))
				return i;
			break;
		default:
			/* định kỳ (đ C4 91/90, ị E1 BB 8B/8A), đột xuất (ộ E1 BB 99/98) */
			if (c == 0xC4 && (has_at(s, n, i, "\xC4\x91\xE1\xBB\x8Bnh k", "\xC4\x90\xE1\xBB\x8ANH K") ||
			                  has_at(s, n, i, "\xC4\x91\xE1\xBB\x99t x", "\xC4\x90\xE1\xBB\x98T X")))
				return i;
			break;
		}
	}
	return n;
}

/* ---- scanning ------------------------------------------------------------- */

typedef struct phrase {
	qdx_deadline d;
	const qdx_rule *rule;
	int adjacent;           /* nothing but a connector since the last phrase */
} phrase;

/* Is [a, b) of the subject (at `base` in its paragraph) inside a span the
 * caller set aside (a citation, a field)? */
static int excluded(const qdx_xctx *x, size_t base, size_t a, size_t b)
{
	size_t i;

	for (i = 0; i < x->ncites; i++)
		if (base + a < x->cites[i].end && base + b > x->cites[i].start)
			return 1;
	return 0;
}

static size_t char_start(const char *s, size_t n, size_t i)
{
	while (i > 0 && i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

static int is_time_span(const qdx_deadline *d)
{
	return is_kind(d, "year") || is_kind(d, "range") || is_kind(d, "month") ||
	       is_kind(d, "quarter") || is_kind(d, "half");
}

/* Joins phrase `c` into `p` when the two make one deadline; 1 if joined. */
static int merge(qdx_deadline *p, const phrase *cp, const char *s)
{
	const qdx_deadline *c = &cp->d;
	size_t i;

	if (cp->adjacent) {
		if ((is_kind(p, "recurring") || is_kind(p, "continuous")) && is_kind(c, "conditional") &&
		    !p->cond_end) {
			p->cond_off = c->cond_off;
			p->cond_end = c->cond_end;
			p->end_off = c->end_off;
			return 1;
		}
		if (is_kind(p, "continuous") && is_time_span(c)) {
			if (c->start.y)
				p->start = c->start;
			if (c->end.y)
				p->end = c->end;
			p->inferred = c->inferred;
			p->end_off = c->end_off;
			return 1;
		}
		if (is_kind(p, "range") && !p->end.y && is_kind(c, "continuous")) {
			qdx_deadline q = *c;
			q.start = p->start;
			q.inferred = p->inferred;
			q.start_off = p->start_off;
			if (q.end.y && q.start.y &&
			    (q.end.y < q.start.y || (q.end.y == q.start.y && q.end.m < q.start.m)))
				memset(&q.end, 0, sizeof(q.end));
			*p = q;
			return 1;
		}
		if (is_kind(p, "recurring") && (is_kind(c, "continuous") || is_kind(c, "recurring"))) {
			if (is_kind(c, "recurring") && c->freq &&
			    (!p->freq || freq_rank(c->freq) < freq_rank(p->freq)))
				p->freq = c->freq;      /* the most frequent one named */
			if (!p->at[0] && is_kind(c, "recurring"))
				memcpy(p->at, c->at, sizeof(p->at));
			p->end_off = c->end_off;
			return 1;
		}
		if (is_kind(p, "continuous") && is_kind(c, "recurring")) {
			size_t so = p->start_off;
			*p = *c;
			p->start_off = so;
			return 1;
		}
		if (is_kind(p, "conditional") && is_kind(c, "conditional")) {
			p->end_off = c->end_off;
			p->cond_end = c->cond_end;
			p->weak = p->weak && c->weak;
			return 1;
		}
		/* "Hằng năm vào tháng 12", "hằng năm trong quý I": where in the year */
		if (is_kind(p, "recurring") && !p->at[0] && (!p->freq || !strcmp(p->freq, "yearly")) &&
		    (is_kind(c, "month") || is_kind(c, "quarter")) && !c->year_given && c->start.m) {
			if (is_kind(c, "month"))
				snprintf(p->at, sizeof(p->at), "--%02u", (unsigned)c->start.m % 100u);
			else
				snprintf(p->at, sizeof(p->at), "Q%u", (unsigned)(c->start.m + 2) / 3u);
			p->freq = "yearly";
			p->end_off = c->end_off;
			return 1;
		}
		if (is_kind(p, "conditional") && p->weak && is_kind(c, "recurring")) {
			qdx_deadline q = *c;
			q.start_off = p->start_off;
			q.cond_off = p->cond_off;
			q.cond_end = p->cond_end;
			*p = q;
			return 1;
		}
	}
	/* "định kỳ hằng năm báo cáo ... trước ngày 31 tháng 12": the day a
	 * yearly phrase names later in the same clause is its `at`. */
	if (is_kind(p, "recurring") && !p->at[0] && (!p->freq || !strcmp(p->freq, "yearly")) &&
	    (is_kind(c, "before") || is_kind(c, "date")) && c->has_day && !c->year_given &&
	    c->start_off >= p->end_off && c->start_off - p->end_off <= 120) {
		const qdx_ymd *d = c->end.y ? &c->end : &c->start;
		for (i = p->end_off; i < c->start_off; i++)
			if (s[i] == '.' || s[i] == ';' || s[i] == ':')
				return 0;
		if (!d->m)
			return 0;
		snprintf(p->at, sizeof(p->at), "--%02u-%02u", (unsigned)d->m % 100u, (unsigned)d->d % 100u);
		p->freq = "yearly";
		p->end_off = c->end_off;
		return 1;
	}
	return 0;
}

static void set_date(qdx_doc *doc, qdx_node *n, const char *name, const qdx_ymd *d)
{
	char iso[11];

	if (d->y) {
		qdx_ymd_iso(d, iso);
		qdx_node_set_attr(doc, n, name, qdx_arena_intern(&doc->arena, iso, strlen(iso)));
	}
}

static void emit(qdx_xctx *x, qdx_node *item, const qdx_deadline *d, const char *s, size_t a,
                 size_t b, uint32_t line)
{
	qdx_doc *doc = x->doc;
	qdx_node *n = qdx_node_new(doc, QDX_NODE_DEADLINE, line);
	const char *t = s + a;
	size_t tn = b - a;

	qdx_trim_span(&t, &tn, ",;:(");
	while (tn && t[tn - 1] == '.')
		tn--;
	n->type = d->kind;
	n->text = qdx_arena_intern(&doc->arena, t, tn);
	set_date(doc, n, "start", &d->start);
	set_date(doc, n, "end", &d->end);
	if (d->freq)
		qdx_node_set_attr(doc, n, "freq", d->freq);
	if (d->at[0])
		qdx_node_set_attr(doc, n, "at", qdx_arena_strdup(&doc->arena, d->at));
	if (d->cond_end > d->cond_off) {
		const char *c = s + d->cond_off;
		size_t cn = d->cond_end - d->cond_off;
		qdx_trim_span(&c, &cn, ",;:.()");
		if (cn)
			qdx_node_set_attr(doc, n, "condition", qdx_arena_strndup(&doc->arena, c, cn));
	}
	if (d->inferred)
		qdx_node_set_attr(doc, n, "inferred", "true");
	qdx_node_append(item, n);
}

/* Does nothing but a connector ("," "và" "hoặc" ...) stand in s[a..b)? */
static int joined(qdx_xctx *x, const char *s, size_t a, size_t b)
{
	size_t e;

	if (a == b)
		return 1;
	if (a > b || b - a > 40 || !x->join)
		return 0;
	return qdx_helper_at(&x->help, x->mt, x->join, s, b, a, b - a, &e, NULL) && e == b;
}

/* A word starts at p: text begins there after a space, punctuation or the
 * subject's start. */
static int word_start(const char *str, size_t n, size_t p)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c, b;

	if (p >= n)
		return 0;
	c = s[p];
	if (!(c >= 0x80 || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z')))
		return 0;
	if (p == 0)
		return 1;
	b = s[p - 1];
	if (b < 0x80)
		return !((b >= '0' && b <= '9') || ((b | 32) >= 'a' && (b | 32) <= 'z'));
	/* after a typographic quote or dash (U+2010..U+201F) */
	return p >= 3 && s[p - 3] == 0xE2 && s[p - 2] == 0x80 && b >= 0x90 && b <= 0x9F;
}

static size_t word_end(const char *str, size_t n, size_t p)
{
	const unsigned char *s = (const unsigned char *)str;

	while (p < n && (s[p] >= 0x80 || (s[p] >= '0' && s[p] <= '9') ||
	                 ((s[p] | 32) >= 'a' && (s[p] | 32) <= 'z')))
		p++;
	return p;
}

static size_t clause_start(const char *s, size_t lo, size_t a)
{
	size_t i = a;

	while (i > lo) {
		if (s[i - 1] == ';' || (s[i - 1] == ' ' && i >= 2 && s[i - 2] == '.'))
			return i;
		i--;
	}
	return lo;
}

/* How far back from an anchor its phrase may start ("Dự kiến hoàn thành
 * trong Quý III năm 2019"), and how far back a helper of `unless` looks
 * for the name a period belongs to. */
#define PHRASE_BACK 48
#define CONTEXT_BACK 240

/* Tries the rules at s[p..n): deadlines.rules, then (cell) the cells'. */
static int try_at(qdx_xctx *x, int cell, int title, const char *s, size_t n, size_t p,
                  phrase *ph, char *why, size_t whylen, int *bad, const qdx_ruleset **errset)
{
	qdx_match m;
	const char *unless;
	int rc = 0;

	*bad = 0;
	/* A cheap look at the word first: can a phrase of the file begin so? */
	if (x->deadlines && (!x->dl_start || qdx_helper_at(&x->help, x->mt, x->dl_start, s, n, p, 24,
	                                                     NULL, NULL))) {
		rc = qdx_ruleset_classify(x->deadlines, x->mt, s + p, n - p, &m);
		if (rc < 0)
			*errset = x->deadlines;
		else if (rc > 0 && qdx_rule_attr(m.rule, "use"))
			rc = 0;
	}
	if (rc == 0 && cell && x->deadline_cells &&
	    (!x->cell_start ||
	     qdx_helper_at(&x->help, x->mt, x->cell_start, s, n, p, 24, NULL, NULL))) {
		rc = qdx_ruleset_classify(x->deadline_cells, x->mt, s + p, n - p, &m);
		if (rc < 0)
			*errset = x->deadline_cells;
	}
	if (rc <= 0 || qdx_rule_attr(m.rule, "use"))
		return rc < 0 ? rc : 0;
	/* "2015" alone is a year only as a whole cell */
	if (p > 0 && qdx_rule_attr(m.rule, "whole"))
		return 0;
	*bad = qdx_deadline_eval(&m, &x->tc, &ph->d, why, whylen) < 0;
	ph->rule = m.rule;
	ph->d.start_off += p;
	ph->d.end_off += p;
	if (ph->d.cond_end) {
		ph->d.cond_off += p;
		ph->d.cond_end += p;
	}
	/* "Kế hoạch ... giai đoạn 2021-2025": the clause before says whose period */
	unless = qdx_rule_attr(m.rule, "unless");
	if (unless) {
		const qdx_rule *h = qdx_rule_named(m.rule->set, unless);
		size_t cs = clause_start(s, p > CONTEXT_BACK ? p - CONTEXT_BACK : 0, p);
		if (title && h && !qdx_rule_attr(h, "in-titles"))
			h = NULL;
		cs = char_start(s, n, cs);
		if (h && p > cs && qdx_helper_at(&x->help, x->mt, h, s, p, cs, p - cs, NULL, NULL))
			ph->d.is_ignore = 1;
	}
	return 1;
}

/* Keeps a phrase found, joined to the last one when they make one
 * deadline; drops a blocker's, a citation's, an impossible date's. */
static void take(qdx_xctx *x, const char *s, size_t base, const qdx_para *p, int title,
                 uint32_t line, phrase *ph, int bad, const char *why, phrase *out, size_t *nout,
                 size_t max)
{
	if (ph->d.is_ignore || excluded(x, base, ph->d.start_off, ph->d.end_off))
		return;
	if (bad) {
		if (!title)
			qdx_doc_diag_add(x->doc, p ? qdx_para_line(x, p, base + ph->d.start_off) : line,
			                 "warning", "impossible date in \"%.*s\" (%s; rule %s): not a deadline",
			                 (int)(ph->d.end_off - ph->d.start_off), s + ph->d.start_off, why,
			                 qdx_rule_name(ph->rule));
		return;
	}
	ph->adjacent = *nout && ph->d.start_off >= out[*nout - 1].d.end_off &&
	               joined(x, s, out[*nout - 1].d.end_off, ph->d.start_off);
	if (*nout && merge(&out[*nout - 1].d, ph, s))
		return;
	if (*nout < max)
		out[(*nout)++] = *ph;
}

/* Words that open a phrase only a time cell makes a deadline: a condition
 * ("Theo Kế hoạch", "Khi có văn bản mới", "Sau khi ..."), a bare "Năm
 * 2014", "Tháng 7", "Thường xuyên trong năm".  Each byte of a word may be
 * in either case ("Năm", "NĂM"). */
static const char *const cell_words[][2] = {
	{ "n\xC4\x83m", "N\xC4\x82M" },                                 /* năm */
	{ "th\xC3\xA1ng", "TH\xC3\x81NG" },                             /* tháng */
	{ "theo", "THEO" },
	{ "khi", "KHI" },
	{ "sau", "SAU" },
	{ "n\xE1\xBA\xBFu", "N\xE1\xBA\xBEU" },                           /* nếu */
	{ "t\xC3\xB9y", "T\xC3\x99Y" },                                 /* tùy */
	{ "tu\xE1\xBB\xB3", "TU\xE1\xBB\xB2" },                           /* tuỳ */
	{ "c\xC4\x83n c\xE1\xBB\xA9", "C\xC4\x82N C\xE1\xBB\xA8" },           /* căn cứ */
	{ "tr\xC6\xB0\xE1\xBB\x9Dng h\xE1\xBB\xA3p",
	  "TR\xC6\xAF\xE1\xBB\x9CNG H\xE1\xBB\xA2P" },                    /* trường hợp */
	{ "ph\xE1\xBB\xA5 thu\xE1\xBB\x99" "c", "PH\xE1\xBB\xA4 THU\xE1\xBB\x98" "C" }, /* phụ thuộc */
};

static int word_is(const char *s, size_t n, size_t p, const char *lo, const char *up)
{
	size_t k, len;
	unsigned char after;

	/* most words differ at once: the length only for those that don't */
	if (p >= n || (s[p] != lo[0] && s[p] != up[0]))
		return 0;
	len = strlen(lo);
	if (p + len > n)
		return 0;
	for (k = 0; k < len; k++)
		if (s[p + k] != lo[k] && s[p + k] != up[k])
			return 0;
	after = p + len < n ? (unsigned char)s[p + len] : ' ';
	return after < 0x80 && !((after | 32) >= 'a' && (after | 32) <= 'z');
}

static size_t next_cell_anchor(const char *s, size_t n, size_t i)
{
	size_t a = next_anchor(s, n, i), p, k;

	for (p = i; p < a; p++) {
		if (!word_start(s, n, p))
			continue;
		for (k = 0; k < QDX_COUNT(cell_words); k++)
			if (word_is(s, n, p, cell_words[k][0], cell_words[k][1]))
				return p;
	}
	return a;
}

/* The phrases of s[0..n): only the words just before an anchor may start
 * one (prose: the anchors of next_anchor(); a cell, a field's value or a
 * title: those and the cell words).  Most of a plan's prose holds no
 * anchor outside its citations, which are set aside already. */
static void collect(qdx_xctx *x, const char *s, size_t n, size_t base, const qdx_para *p,
                    int cell, int title, uint32_t line, phrase *out, size_t *nout, size_t max)
{
	size_t pos = 0, a;
	char why[96];
	size_t (*next)(const char *, size_t, size_t) = cell ? next_cell_anchor : next_anchor;

	a = next(s, n, 0);
	while (a < n) {
		size_t q, lo;
		int found = 0;

		if (a < pos || excluded(x, base, a, a + 1)) {
			a = next(s, n, word_end(s, n, a > pos ? a : pos));
			continue;
		}
		lo = clause_start(s, a > PHRASE_BACK ? a - PHRASE_BACK : 0, a);
		if (lo < pos)
			lo = pos;
		for (q = lo; q <= a && !found; q++) {
			phrase ph;
			const qdx_ruleset *errset = NULL;
			int bad = 0, rc;

			if (!(cell ? x->cell_first : x->dl_first)[(unsigned char)s[q]] || !word_start(s, n, q))
				continue;
			rc = try_at(x, cell, title, s, n, q, &ph, why, sizeof(why), &bad, &errset);
			if (rc < 0) {
				qdx_extract_match_error(x, errset, s, n, q, rc,
				                        p ? qdx_para_line(x, p, base + q) : line);
				return;
			}
			if (rc == 0 || (title && ph.d.is_ignore))
				continue;
			take(x, s, base, p, title, line, &ph, bad, why, out, nout, max);
			pos = ph.d.end_off > q ? ph.d.end_off : word_end(s, n, q);
			found = 1;
		}
		if (!found)
			pos = word_end(s, n, a);
		a = next(s, n, pos > a ? pos : word_end(s, n, a));
	}
}

/* The same phrase said twice in one item is one deadline. */
static int repeated(const qdx_node *item, const qdx_deadline *d, const char *t, size_t tn)
{
	const qdx_node *c;
	char iso[11];

	qdx_trim_span(&t, &tn, ",;:(");
	while (tn && t[tn - 1] == '.')
		tn--;
	for (c = item->first; c; c = c->next) {
		const char *st, *en;
		if (c->kind != QDX_NODE_DEADLINE || strcmp(c->type, d->kind) || strlen(c->text) != tn ||
		    memcmp(c->text, t, tn))
			continue;
		st = qdx_node_attr(c, "start");
		en = qdx_node_attr(c, "end");
		if ((!st) != (!d->start.y) || (st && strcmp(st, qdx_ymd_iso(&d->start, iso))))
			continue;
		if ((!en) != (!d->end.y) || (en && strcmp(en, qdx_ymd_iso(&d->end, iso))))
			continue;
		return 1;
	}
	return 0;
}

int qdx_deadlines_scan(qdx_xctx *x, qdx_node *item, const char *s, size_t n, size_t base,
                       const qdx_para *p, int cell, uint32_t cell_line)
{
	phrase ph[MAX_PHRASES];
	size_t k, np, kept = 0, last = 0;

	np = 0;
	collect(x, s, n, base, p, cell, 0, cell_line, ph, &np, MAX_PHRASES);
	for (k = 0; k < np; k++)
		if (cell || !ph[k].d.weak) {
			kept++;
			last = k;
		}
	for (k = 0; k < np; k++) {
		const qdx_deadline *d = &ph[k].d;
		size_t a = d->start_off, b = d->end_off;
		if (!cell && d->weak)
			continue;
		if (repeated(item, d, s + a, b - a))
			continue;
		/* A time cell that says one thing is that thing, as written. */
		if (cell && kept == 1 && k == last) {
			a = 0;
			b = n;
		}
		emit(x, item, d, s, a, b, p ? qdx_para_line(x, p, base + a) : cell_line);
	}
	return (int)kept;
}

int qdx_deadline_period(qdx_xctx *x, const char *s, size_t n, int cell, qdx_deadline *out)
{
	phrase ph[8];
	size_t k, np;

	np = 0;
	collect(x, s, n, 0, NULL, cell, 1, 0, ph, &np, QDX_COUNT(ph));
	for (k = 0; k < np; k++) {
		const qdx_deadline *d = &ph[k].d;
		if ((is_kind(d, "range") || is_kind(d, "before") || is_kind(d, "year")) &&
		    (d->start.y || d->end.y) && !d->inferred) {
			*out = *d;
			return 1;
		}
	}
	return 0;
}

/* ---- the rules' test hook --------------------------------------------------- */

int qdx_deadline_test_value(const qdx_match *m, const char *key, qdx_buf *out)
{
	qdx_time_ctx tc;
	qdx_deadline d;
	char why[96], iso[11];
	int bad;

	memset(&tc, 0, sizeof(tc));
	tc.year = 2014;         /* what a phrase without its year takes in tests */
	bad = qdx_deadline_eval(m, &tc, &d, why, sizeof(why)) < 0;
	if (out->cap) {
		out->len = 0;
		out->p[0] = '\0';
	}
	if (!strcmp(key, "kind")) {
		qdx_buf_puts(out, d.kind);
	} else if (!strcmp(key, "start")) {
		if (!bad && d.start.y)
			qdx_buf_puts(out, qdx_ymd_iso(&d.start, iso));
	} else if (!strcmp(key, "end")) {
		if (!bad && d.end.y)
			qdx_buf_puts(out, qdx_ymd_iso(&d.end, iso));
	} else if (!strcmp(key, "freq")) {
		if (d.freq)
			qdx_buf_puts(out, d.freq);
	} else if (!strcmp(key, "at")) {
		qdx_buf_puts(out, d.at);
	} else if (!strcmp(key, "condition")) {
		if (d.cond_end > d.cond_off) {
			const char *c = m->subject + d.cond_off;
			size_t cn = d.cond_end - d.cond_off;
			qdx_trim_span(&c, &cn, ",;:.()");
			qdx_buf_put(out, c, cn);
		}
	} else if (!strcmp(key, "inferred")) {
		qdx_buf_puts(out, d.inferred ? "true" : "false");
	} else {
		return -1;
	}
	return 0;
}
