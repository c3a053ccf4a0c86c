/*
 * internal.h - types shared by the stages of the pipeline.
 *
 *   source (bytes -> qdx_text) -> normalize (qdx_text -> qdx_text)
 *   -> segment (parts, meta) -> table / hierarchy (items) -> extract
 *   (deadlines, agencies, budgets, citations) -> the qdx_node tree
 *   -> renderers (json.c, xml.c, db.c).
 *
 * Ownership: a qdx_buf or qdx_text owns its memory and is freed with its
 * _free; a qdx_span borrows; everything hung off a document lives in the
 * document's arena and goes with qdx_doc_free().
 */
#ifndef QDX_INTERNAL_H
#define QDX_INTERNAL_H

#include "qdx.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#define QDX_UNUSED(x) ((void)(x))
#define QDX_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define QDX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define QDX_PRINTF(f, a)
#endif

/* ---- buf.c: owned growable byte buffers --------------------------------- */

/* Never NULL (an empty buffer points at a static ""), always NUL-terminated.
 * Growth past QDX_BUF_MAX is an input error the caller must have prevented;
 * running out of memory aborts. */
#define QDX_BUF_MAX ((size_t)1 << 31)

typedef struct qdx_buf {
	char *p;
	size_t len, cap;
} qdx_buf;

typedef struct qdx_span {
	const char *p;
	size_t n;
} qdx_span;

void qdx_buf_init(qdx_buf *b);
void qdx_buf_free(qdx_buf *b);
void qdx_buf_reserve(qdx_buf *b, size_t extra);
/* FNV-1a over s[0..n), continuing from `h` (QDX_HASH_SEED to start, or
 * the seed mixed with something that tells apart tables sharing keys): the
 * hash of every table keyed by text (interned strings, word memos, grams). */
#define QDX_HASH_SEED 2166136261u
static inline uint32_t qdx_hash(uint32_t h, const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The ASCII bytes at the start of the 8 at s, from a word's high bits: the
 * lowest set one is the first non-ASCII byte on a little-endian machine.
 * UTF-8 validation and mojibake detection skip ASCII runs with it. */
static inline size_t qdx_ascii_prefix8(const unsigned char *s)
{
	uint64_t w;
	size_t k = 0;

	memcpy(&w, s, 8);
	w &= 0x8080808080808080ull;
	if (!w)
		return 8;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	k = (size_t)__builtin_ctzll(w) / 8;
#else
	while (s[k] < 0x80)
		k++;
#endif
	return k;
}

/* The first non-ASCII byte of s[i..n), or n: ASCII runs, even the short
 * ones between Vietnamese letters, are skipped a word at a time. */
static inline size_t qdx_skip_ascii(const unsigned char *s, size_t n, size_t i)
{
	while (i + 8 <= n) {
		size_t k = qdx_ascii_prefix8(s + i);
		i += k;
		if (k < 8)
			return i;
	}
	while (i < n && s[i] < 0x80)
		i++;
	return i;
}

/* The appends every stage makes byte by byte: inline, reserve() only when
 * the room runs out (they were a tenth of the parse as calls). */
static inline void qdx_buf_put(qdx_buf *b, const void *s, size_t n)
{
	if (!n)
		return;
	if (b->cap - b->len <= n)
		qdx_buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void qdx_buf_putc(qdx_buf *b, int c)
{
	if (b->cap - b->len <= 1)
		qdx_buf_reserve(b, 1);
	b->p[b->len++] = (char)c;
	b->p[b->len] = '\0';
}
void qdx_buf_puts(qdx_buf *b, const char *s);
void qdx_buf_printf(qdx_buf *b, const char *fmt, ...) QDX_PRINTF(2, 3);
/* Appends the code point `cp` as UTF-8. */
void qdx_buf_put_utf8(qdx_buf *b, uint32_t cp);
/* Hands the memory to the caller (free()) and leaves `b` empty. */
char *qdx_buf_detach(qdx_buf *b, size_t *len);

void *qdx_xmalloc(size_t n);
void *qdx_xrealloc(void *p, size_t n);
void *qdx_xcalloc(size_t n, size_t size);

/* A stage's per-thread state (memos, ICU objects): zeroed on a thread's
 * first qdx_thread_get(), handed to free_fn when the thread ends.
 * Declared static with QDX_THREAD_STATE(free_fn, size). */
typedef struct qdx_thread_state {
	void (*free_fn)(void *);
	size_t size;
	int ready;              /* key made (atomic) */
	pthread_key_t key;
} qdx_thread_state;
#define QDX_THREAD_STATE(free_fn, size) { (free_fn), (size), 0, 0 }
void *qdx_thread_get(qdx_thread_state *ts);
char *qdx_xstrdup(const char *s);
/* Out-of-memory and broken invariants end the process with a message. */
_Noreturn void qdx_die(const char *fmt, ...) QDX_PRINTF(1, 2);

/* ---- arena.c: one allocation region per document ----------------------- */

typedef struct qdx_arena_block qdx_arena_block;
typedef struct qdx_arena {
	qdx_arena_block *head;
	struct qdx_intern *intern;   /* see qdx_arena_intern() */
} qdx_arena;

void *qdx_arena_alloc(qdx_arena *a, size_t n);       /* zeroed */
char *qdx_arena_strndup(qdx_arena *a, const char *s, size_t n);
char *qdx_arena_strdup(qdx_arena *a, const char *s);
char *qdx_arena_printf(qdx_arena *a, const char *fmt, ...) QDX_PRINTF(2, 3);
/* s[0..n) as a string of the arena, stored once however often it is asked
 * for: the agencies, table cells and dates a long plan repeats thousands of
 * times.  Never write to the result. */
const char *qdx_arena_intern(qdx_arena *a, const char *s, size_t n);
/* Forgets which strings are stored (they stay): after the parse. */
void qdx_arena_intern_end(qdx_arena *a);
void qdx_arena_free(qdx_arena *a);

/* ---- text.c: lines that remember where they came from ------------------ */

/* What the normaliser learnt about a line before it removed the markup. */
enum {
	QDX_LINE_BOLD = 1u << 0,     /* **...**, <b>, <strong> or a bold HTML cell */
	QDX_LINE_HEADING = 1u << 1,  /* markdown '#' marks */
	QDX_LINE_ROW = 1u << 2,      /* a table row: cells separated by '\t' */
	QDX_LINE_CELL = 1u << 3,     /* began with a tab: a one-cell-per-line table */
	QDX_LINE_JOINED = 1u << 4,   /* continues the previous line (page break) */
	QDX_LINE_UPPER = 1u << 5,    /* no lower-case letter: a heading or title */
	QDX_LINE_SKIP = 1u << 6      /* front matter, recipients, signature: no items */
};

typedef struct qdx_line {
	uint32_t off, len;   /* into the owning qdx_text's buf */
	uint32_t no;         /* 1-based line in the original file */
	uint32_t flags;
} qdx_line;

typedef struct qdx_text {
	qdx_buf buf;
	qdx_line *v;
	size_t n, cap;
} qdx_text;

void qdx_text_init(qdx_text *t);
void qdx_text_free(qdx_text *t);
/* Appends a line (copied) numbered `no`. */
void qdx_text_add(qdx_text *t, const char *s, size_t n, uint32_t no, uint32_t flags);
/* Takes over `b` (UTF-8 whose lines end at '\n', as decode.c makes it) as
 * the text's lines, numbered from 1, without copying; `b` is left empty. */
void qdx_text_adopt(qdx_text *t, qdx_buf *b);
static inline const char *qdx_text_line(const qdx_text *t, size_t i)
{
	return t->buf.p + t->v[i].off;
}

/* ---- diag.c: warnings attached to a document --------------------------- */

typedef struct qdx_diag {
	uint32_t line;
	const char *severity;   /* "warning" or "note" */
	const char *message;    /* arena */
} qdx_diag;

typedef struct qdx_diags {
	qdx_diag *v;
	size_t n, cap;
} qdx_diags;

/* ---- utf8.c ------------------------------------------------------------ */

/* Decodes one code point at s[0..n); returns its length (>=1) and sets *cp,
 * or returns 0 for an invalid sequence. */
size_t qdx_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Length of the longest valid prefix of s[0..n). */
size_t qdx_utf8_valid_prefix(const unsigned char *s, size_t n);
/* A lower-case letter of the Vietnamese alphabet (precomposed). */
int qdx_is_lower(uint32_t cp);
/* s[0..n) starts with a lower-case letter. */
int qdx_starts_lower(const char *s, size_t n);
/* s[0..n) has letters, at least two, and none of them lower-case. */
int qdx_upper_only(const char *s, size_t n);
/* s[0..n) ends a sentence: . : ; ! ? before closing quotes or brackets. */
int qdx_ends_sentence(const char *s, size_t n);

/* ---- rules.c: named PCRE2 rules from rules/NAME.rules --------------------- */

typedef struct qdx_rule qdx_rule;
typedef struct qdx_ruleset qdx_ruleset;

/* A rule set is one file (its name without ".rules"); a rule is a named
 * pattern plus free attributes ("style roman", "kind quarter") that the
 * stage using the set interprets. */
const qdx_ruleset *qdx_rules_set(const qdx_rules *r, const char *name);
size_t qdx_ruleset_count(const qdx_ruleset *s);
const qdx_rule *qdx_ruleset_rule(const qdx_ruleset *s, size_t i);
const char *qdx_rule_name(const qdx_rule *r);
/* An attribute's value, or NULL when the rule does not declare it. */
const char *qdx_rule_attr(const qdx_rule *r, const char *key);

/* A match: the rule that matched, where, and the groups of the pattern that
 * matched (the rule's own, or the set's combined one).  It borrows the
 * matcher's memory: valid until the next match on the same matcher. */
typedef struct qdx_match {
	const qdx_rule *rule;
	size_t start, end;                 /* whole match, bytes */
	const char *subject;
	const size_t *ov;
	uint32_t ngroups;
	const void *code;                  /* the pcre2_code that matched */
} qdx_match;

/* Per-thread scratch for matching (PCRE2 match data and JIT stack). */
typedef struct qdx_matcher qdx_matcher;
qdx_matcher *qdx_matcher_new(void);
void qdx_matcher_free(qdx_matcher *m);
/* The calling thread's matcher, reset (or a new one): a document takes one
 * for its parse and gives it back after, so that a batch does not build a
 * JIT stack (an mmap) per document.  Kept per thread, freed at its exit. */
qdx_matcher *qdx_matcher_take(void);
void qdx_matcher_give(qdx_matcher *m);
/* How many matches a PCRE2 limit stopped; the first one's rule, its file
 * and PCRE2's message. */
size_t qdx_matcher_limits(const qdx_matcher *mt, const char **rule, const char **path, char *msg,
                          size_t n);

/* Sets first[b] for every byte b a rule of `set` (helpers aside) can
 * start a match with; all of them when some rule cannot tell.  The set's
 * table is made once, at load. */
void qdx_first_bytes(const qdx_ruleset *set, unsigned char first[256]);

/* Tries the set's combined, anchored classifier on s[0..n) (valid UTF-8).
 * Returns 1 and fills *m on a match, 0 otherwise. */
int qdx_ruleset_classify(const qdx_ruleset *s, qdx_matcher *mt, const char *s_, size_t n,
                         qdx_match *m);
/* qdx_ruleset_classify() for a caller to whom the rules that mute[i]
 * (one byte per rule) names say nothing: 0 when the first rule to match
 * is one of them, as when none matches.  They run only when a rule after
 * them matched, not on every subject. */
int qdx_ruleset_classify_unless(const qdx_ruleset *s, qdx_matcher *mt, const char *s_, size_t n,
                                const unsigned char *mute, qdx_match *m);
/* Finds the leftmost match of any rule of the set in s[from..n): the rule
 * listed first wins at equal start, the longer match at equal rule order. */
int qdx_ruleset_search(const qdx_ruleset *s, qdx_matcher *mt, const char *s_, size_t n,
                       size_t from, qdx_match *m);
/* Matches one rule anywhere in s[from..n). */
int qdx_rule_search(const qdx_rule *r, qdx_matcher *mt, const char *s_, size_t n,
                    size_t from, qdx_match *m);
/* A named group's text in a match: 1 and *out when it took part. */
int qdx_match_group(const qdx_match *m, const char *name, qdx_span *out);
/* A rule set's hook for `test` lines: writes the value of `key` that the
 * stage derives from the match (e.g. a deadline's "start") into out.
 * Returns 0, or -1 when the key is unknown to the stage. */
typedef int (*qdx_rule_test_fn)(const qdx_match *m, const char *key, qdx_buf *out);

/* ---- the document and its tree ----------------------------------------- */

/* A node's attribute: a list rather than an array, so that adding them
 * one at a time, as the stages do, leaves no outgrown arrays behind. */
typedef struct qdx_attr {
	const char *name, *value;
	struct qdx_attr *next;
} qdx_attr;

/* The 4-byte fields first and together: a large plan holds 150,000 nodes,
 * and padding between them would cost a tenth of each. */
struct qdx_node {
	qdx_node_kind kind;
	uint32_t line, end_line;
	int level;             /* items: depth of numbering; scratch for stages */
	uint32_t span_from, span_to; /* parts, blocks, items: the qdx_text lines
	                                [from, to) of the node's own span, while
	                                the document is being parsed */
	const char *type;      /* see qdx_node_type(); static or arena */
	const char *label;
	const char *text;
	struct qdx_attr *attrs; /* a list, newest first */
	struct qdx_node *parent, *first, *last, *next;
};

typedef struct qdx_meta {
	const char *kind, *number, *issuer, *province, *date, *year, *title;
	const char *signer_role, *signer_name, *signer_on_behalf;
	const char *attached_number, *attached_date;
	uint32_t title_line;
	int plan_start_year, plan_start_month, plan_end_year, plan_end_month; /* the plan's period, 0 when unknown */
	/* what segment.c read, before meta.c derives the fields above */
	const char *issuer_raw;
	uint32_t attached_line;     /* 1 + index of the "(kèm theo ...)" line */
	int attached_part;          /* ... found in a later part, not the first */
	int number_seen;
} qdx_meta;

struct qdx_doc {
	qdx_arena arena;
	const qdx_rules *rules;
	qdx_matcher *matcher;
	const char *source;
	char sha256[65];
	qdx_meta meta;
	int caseless;          /* decoded from an encoding whose base font has
	                          no capitals (TCVN3): case says nothing */
	qdx_node *root;
	qdx_diags diags;
	struct qdx_word_pairs *pairs;   /* pdftable.c's, kept for the next table */
	struct table_roles *roles;      /* table.c's, in the arena: see roles_of() */
};

qdx_node *qdx_node_new(qdx_doc *doc, qdx_node_kind kind, uint32_t line);
/* Appends `child` under `parent`; aborts if the kinds may not nest. */
void qdx_node_append(qdx_node *parent, qdx_node *child);
void qdx_node_set_attr(qdx_doc *doc, qdx_node *n, const char *name, const char *value);
/* Orders a node's children by their line (stable). */
void qdx_node_sort_children(qdx_node *parent);

/* pdftable.c: which words stand together in the text a document's tables
 * are read from; freed with the document. */
typedef struct qdx_word_pairs qdx_word_pairs;
void qdx_word_pairs_free(qdx_word_pairs *wp);

void qdx_doc_diag_add(qdx_doc *doc, uint32_t line, const char *severity,
                      const char *fmt, ...) QDX_PRINTF(4, 5);

/* ---- stages ------------------------------------------------------------ */

/* source.c / decode.c / html.c: bytes -> lines numbered as in the file. */
int qdx_source_read(qdx_doc *doc, qdx_text *out, const unsigned char *data, size_t len,
                    const qdx_parse_options *opt, qdx_error *err);

/* normalize.c: markup, whitespace, NFC, tone marks, noise; keeps line numbers. */
void qdx_normalize(qdx_doc *doc, const qdx_text *in, qdx_text *out);

/* segment.c: meta, parts, front matter; calls the stages below per part. */
void qdx_segment(qdx_doc *doc, qdx_text *t);

/* hierarchy.c: lines [from, to) of a part's body -> items under `part`. */
void qdx_hierarchy_build(qdx_doc *doc, const qdx_text *t, size_t from, size_t to,
                         qdx_node *part);

/* extract.c: deadlines, agencies, budgets of every item; citations. */
void qdx_extract(qdx_doc *doc, const qdx_text *t);

/* Fills the error and returns its code. */
int qdx_error_set(qdx_error *err, int code, const char *path, unsigned line,
                  unsigned column, const char *fmt, ...) QDX_PRINTF(6, 7);

#endif
