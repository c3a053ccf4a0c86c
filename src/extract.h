/*
 * extract.h - what the extraction stage's files share: deadlines
 * (deadline.c), agencies (agency.c), budgets (budget.c), citations
 * (citation.c), driven over the tree by extract.c.
 *
 * Every pattern lives in rules/: deadlines.rules and deadline-cells.rules
 * (time phrases), citations.rules, agencies.rules, abbreviations.rules,
 * budgets.rules and fields.rules ("Cơ quan chủ trì:", "Thời gian thực
 * hiện:" ...).  The C here only interprets what a rule declares: its `kind`
 * and other attributes, and named groups with fixed meanings.
 *
 * Subjects are "paragraphs": consecutive lines of one node's own span
 * joined by a space, so that a phrase a converter wrapped over two lines
 * is found whole; a map from byte offsets back to qdx_text lines keeps
 * every extracted thing on the line where it starts.
 */
#ifndef QDX_EXTRACT_H
#define QDX_EXTRACT_H

#include "internal.h"

/* ---- dates -------------------------------------------------------------- */

typedef struct qdx_ymd {
	int y, m, d;            /* y == 0: no date */
} qdx_ymd;

int qdx_days_in_month(int y, int m);
/* Writes "YYYY-MM-DD" (11 bytes with the NUL); returns out. */
char *qdx_ymd_iso(const qdx_ymd *d, char out[11]);

/* ---- paragraphs ----------------------------------------------------------- */

/* A subject and where its bytes came from.  `s` is either a line of the
 * text itself (one-line paragraphs are not copied) or the context's
 * scratch buffer. */
typedef struct qdx_para {
	const char *s;
	size_t n;
	const size_t *off;      /* off[k]: where line `first + k` starts in s */
	size_t first, nlines;   /* qdx_text line indices */
} qdx_para;

/* ---- the per-document context ------------------------------------------ */

typedef struct qdx_cite_span {
	size_t start, end;
} qdx_cite_span;

/* What a time phrase is read against: the document's date and the plan's
 * period (0 when unknown), and the year a phrase without one takes. */
typedef struct qdx_time_ctx {
	qdx_ymd doc_date;
	qdx_ymd plan_start, plan_end;
	int year;
} qdx_time_ctx;

/* Canonical names of agencies a thread has expanded (agency.c), kept in
 * extract.c's memo of the thread. */
typedef struct qdx_canon qdx_canon;
qdx_canon *qdx_canon_new(void);
/* Forgets every name (the rules changed). */
void qdx_canon_clear(qdx_canon *c);
void qdx_canon_free(qdx_canon *c);

typedef struct qdx_xctx {
	qdx_doc *doc;
	const qdx_text *t;
	qdx_matcher *mt;
	const qdx_ruleset *deadlines, *deadline_cells, *citations, *agencies, *abbrev,
		*budgets, *fields;
	qdx_time_ctx tc;
	qdx_buf para;           /* joined paragraph */
	size_t *off;            /* line starts in para */
	size_t offcap;
	qdx_cite_span *cites;   /* citation spans of the current paragraph */
	size_t ncites, citecap;
	qdx_buf tmp, tmp2;      /* scratch for canonical names, texts */
	qdx_buf help;           /* scratch for helper rules */
	const qdx_rule *join, *more;    /* helpers of deadlines and citations */
	const qdx_rule *body, *stop, *prefix;   /* helpers of agencies */
	/* the bytes a rule of deadlines.rules (or deadline-cells.rules) can
	 * start with, from PCRE2's start bitmaps: other words are not tried */
	unsigned char dl_first[256], cell_first[256];
	const qdx_rule *dl_start, *cell_start;  /* the words phrases begin with */
	int period_from_item;   /* the plan period came from a "Thời gian" item */
	qdx_canon *canon;       /* this thread's */
} qdx_xctx;

/* Runs helper rule `r` - a rule whose pattern starts with \x{1}, so that
 * it never matches in its set's search - on the text at s[pos..), at most
 * `w` bytes of it: copies them after a 0x01 byte into `scratch` and
 * matches there.  1 when it matches right at `pos`; *end (may be NULL)
 * is then where the match ends in s, and *m (may be NULL) the match in
 * the copy (valid until the scratch or the matcher is used again).
 * During qdx_extract(), a first word `r` has been shown never to start
 * with answers 0 without a run. */
int qdx_helper_at(qdx_buf *scratch, qdx_matcher *mt, const qdx_rule *r, const char *s, size_t n,
                  size_t pos, size_t w, size_t *end, qdx_match *m);
/* A rule of a set by name, or NULL. */
const qdx_rule *qdx_rule_named(const qdx_ruleset *set, const char *name);

/* The original line number of byte `off` of a paragraph. */
uint32_t qdx_para_line(const qdx_xctx *x, const qdx_para *p, size_t off);

/* Reports a PCRE2 failure (a match limit) on a subject, naming the rule. */
void qdx_extract_match_error(qdx_xctx *x, const qdx_ruleset *set, const char *s, size_t n,
                             size_t from, int rc, uint32_t line);

/* ---- deadline.c ---------------------------------------------------------- */

/* A time phrase read into values. */
typedef struct qdx_deadline {
	const char *kind;        /* date, before, month, ... */
	qdx_ymd start, end;
	const char *freq;        /* NULL, "yearly", ... */
	char at[16];             /* "", "--12-15", "--12", "Q1", "---25" */
	int inferred;
	size_t start_off, end_off;       /* the phrase in its subject */
	size_t cond_off, cond_end;       /* the condition, cond_end > cond_off */
	int weak;                /* only a cell phrase: kept in prose only merged */
	int is_ignore;           /* a blocker: consumed, never emitted */
	int bad;                 /* an impossible date: diagnosed, not emitted */
	int year_given;          /* the phrase states its year */
	int has_day;             /* a day of the month was named */
} qdx_deadline;

/* Reads one match of deadlines.rules or deadline-cells.rules.  Returns 0,
 * or -1 when the phrase holds an impossible date (`why` then says what). */
int qdx_deadline_eval(const qdx_match *m, const qdx_time_ctx *tc, qdx_deadline *out,
                      char *why, size_t whylen);

/* Finds the deadlines of the subject s[0..n).  cell: the subject is a
 * time cell or the value of a "Thời gian thực hiện:" field (conditions
 * and bare dates count); otherwise prose.  Appends DEADLINE nodes to
 * `item`: when the subject lies in paragraph `p` at offset `base`, each on
 * the line where its phrase starts, else on `cell_line`.  Spans in
 * x->cites (paragraph offsets: citations, fields) are skipped.  Returns
 * the number of deadlines added. */
int qdx_deadlines_scan(qdx_xctx *x, qdx_node *item, const char *s, size_t n, size_t base,
                       const qdx_para *p, int cell, uint32_t cell_line);

/* The first range/before/year phrase of a title or a "Thời gian thực
 * hiện" paragraph, for the plan's period; 1 when found. */
int qdx_deadline_period(qdx_xctx *x, const char *s, size_t n, int cell, qdx_deadline *out);

/* Test hook for rules/deadlines.rules and rules/deadline-cells.rules:
 * keys kind start end freq at condition inferred.  Without a document,
 * a phrase that omits its year takes 2014. */
int qdx_deadline_test_value(const qdx_match *m, const char *key, qdx_buf *out);

/* ---- citation.c ---------------------------------------------------------- */

/* Finds the numbered documents a paragraph mentions, appends CITATION
 * nodes to `owner` and records their spans in x->cites. */
void qdx_citations_scan(qdx_xctx *x, qdx_node *owner, const qdx_para *p);

/* Spans of citations in s[0..n) into x->cites, without nodes (titles). */
void qdx_citations_spans(qdx_xctx *x, const char *s, size_t n);

/* Where in [ws, num] a search of citations.rules over s (from ws) may
 * start and still find its first match, given that `num` is the first
 * place at or after ws where a document's number starts. */
size_t qdx_citation_search_start(const char *s, size_t ws, size_t num);

/* 1 when s[from..to) may hold a match of citations.rules: every match
 * holds a document number's code, '/' or '-' then (after one space at
 * most) a capital. */
int qdx_citation_has_code(const char *s, size_t from, size_t to);

/* ---- agency.c ------------------------------------------------------------ */

/* The agencies of a table row's cells. */
void qdx_agencies_cells(qdx_xctx *x, qdx_node *item);

/* The agencies a paragraph of an item's prose names: "X chủ trì",
 * "phối hợp với Y", and the values of its lead and partner fields
 * ("Cơ quan thực hiện: ...", found by the caller). */
typedef struct qdx_field qdx_field;
void qdx_agencies_scan(qdx_xctx *x, qdx_node *item, const qdx_para *p, const qdx_field *fields,
                       size_t nfields);

/* The heading of an assignment item ("a) Sở Nội vụ:", "2. Giao Công an
 * thành phố ..."), from the item's text. */
void qdx_agencies_heading(qdx_xctx *x, qdx_node *item);

/* Appends to `out` the text with every abbreviation of
 * rules/abbreviations.rules expanded ("UBND tỉnh" -> "Ủy ban nhân dân
 * tỉnh"). */
void qdx_agency_canonical(const qdx_ruleset *abbrev, qdx_matcher *mt, const char *s,
                          size_t n, qdx_buf *out);

/* Test hook for rules/agencies.rules and rules/abbreviations.rules: keys
 * canonical (the input with abbreviations expanded), role (lead or
 * partner), agencies (what the rule yields, joined with " | "). */
int qdx_agency_test_value(const qdx_match *m, const char *key, qdx_buf *out);

/* ---- budget.c ------------------------------------------------------------ */

/* The BUDGET node of a row's "cell.budget". */
void qdx_budget_cell(qdx_xctx *x, qdx_node *item, const char *cell);

/* Test hook for rules/budgets.rules: keys vnd per. */
int qdx_budget_test_value(const qdx_match *m, const char *key, qdx_buf *out);

/* ---- fields.rules -------------------------------------------------------- */

/* A "Label:" field of prose: its role (fields.rules attribute `field`:
 * time, lead, partner, product, budget) and where its value lies. */
struct qdx_field {
	const char *role;
	size_t label_start, value_start, value_end;
};

/* Finds the next field of s[from..n); 1 when found. */
int qdx_field_next(qdx_xctx *x, const char *s, size_t n, size_t from, qdx_field *f);

/* The end of a field's value that starts at `from`: the paragraph's end,
 * or the ')' closing a parenthesis the field sits in, or a sentence end
 * ". X". */
size_t qdx_field_value_end(const char *s, size_t n, size_t label_start, size_t from);

/* ---- small text helpers (extract.c) ----------------------------------------- */

/* PCRE2's \s among ASCII bytes. */
static inline int qdx_is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Trims spaces, tabs and the punctuation in `punct` from both ends. */
void qdx_trim_span(const char **s, size_t *n, const char *punct);
/* 1 when s[0..n) holds the NUL-free needle case-sensitively. */
int qdx_has(const char *s, size_t n, const char *needle);

#endif
