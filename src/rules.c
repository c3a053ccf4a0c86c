/*
 * rules.c - load rules/NAME.rules, compile them once with PCRE2 JIT.
 *
 * A rules file is line-oriented, so that an error can name its line:
 *
 *   # a comment
 *   mode classify                  (file-wide: classify | search)
 *   rule roman                     (starts a rule; names are unique per file)
 *     pattern (?<label>[IVXLC]+)\.  (repeated pattern lines are concatenated)
 *     style   roman                (any other key: an attribute for the stage)
 *     test    II. NHIỆM VỤ => label=II
 *     reject  II.bis
 *
 * Each rule is compiled on its own (to name it in a diagnostic and to run it
 * alone) and every file also as ONE alternation of its rules (a classify
 * file's: those its lanes, below, leave to it), each followed by
 * (*MARK:index): measured ~3.5x faster than trying rules in turn.
 * Subjects are validated UTF-8 once per document, so matching passes
 * PCRE2_NO_UTF_CHECK (10x faster than letting PCRE2 re-check every call).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "internal.h"
#include "rules.h"

#include <dirent.h>
#include <unicode/utrans.h>
#include <unicode/ustring.h>
#include <errno.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* Bounds on one match: a rule and an input together cannot run away. */
#define QDX_MATCH_LIMIT 1000000u
#define QDX_DEPTH_LIMIT 10000u

struct qdx_matcher {
	pcre2_match_data *md;
	PCRE2_SIZE *ov;         /* md's, which never moves */
	uint32_t ngroups;
	pcre2_match_context *mc;
	pcre2_jit_stack *stack;
	qdx_buf scratch;
	/* Matches stopped by a limit: how many, and the first one's rule. */
	size_t limits;
	const qdx_ruleset *limit_set;
	const qdx_rule *limit_rule;
	int limit_rc;
	int blaming;
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	*e = '\0';
	return s;
}

static void add_attr(qdx_rule *r, const char *key, const char *val)
{
	r->attrs = qdx_xrealloc(r->attrs, (r->nattrs + 1) * sizeof(*r->attrs));
	r->attrs[r->nattrs].key = qdx_xstrdup(key);
	r->attrs[r->nattrs].value = qdx_xstrdup(val);
	r->nattrs++;
}

static void add_piece(qdx_rule *r, const char *text, unsigned line, unsigned col)
{
	r->pieces = qdx_xrealloc(r->pieces, (r->npieces + 1) * sizeof(*r->pieces));
	r->pieces[r->npieces].offset = r->pattern.len;
	r->pieces[r->npieces].line = line;
	r->pieces[r->npieces].column = col;
	r->npieces++;
	qdx_buf_puts(&r->pattern, text);
}

static void add_example(qdx_rule *r, const char *input, const char *expect, unsigned line,
                        int reject)
{
	qdx_rule_example *e;

	r->examples = qdx_xrealloc(r->examples, (r->nexamples + 1) * sizeof(*r->examples));
	e = &r->examples[r->nexamples++];
	e->input = qdx_xstrdup(input);
	e->expect = qdx_xstrdup(expect ? expect : "");
	e->line = line;
	e->reject = reject;
}

/* Maps an offset in a rule's concatenated pattern back to its file line
 * and column (1-based), so that PCRE2's offset points into the file. */
static void pattern_position(const qdx_rule *r, size_t off, unsigned *line, unsigned *col)
{
	size_t i = 0;

	while (i + 1 < r->npieces && r->pieces[i + 1].offset <= off)
		i++;
	*line = r->npieces ? r->pieces[i].line : r->line;
	*col = r->npieces ? r->pieces[i].column + (unsigned)(off - r->pieces[i].offset) : 1;
}

/* JIT may be unavailable on an exotic CPU: the interpreter still works.
 * QDX_NO_JIT=1 asks for the interpreter, for valgrind, which cannot follow
 * JIT code and reports its reads as uninitialised. */
static int jit(pcre2_code *code)
{
	return !getenv("QDX_NO_JIT") && !pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
}

static int compile(pcre2_code **out, const char *pat, size_t len, uint32_t extra,
                   int *errcode, PCRE2_SIZE *erroff)
{
	*out = pcre2_compile((PCRE2_SPTR)pat, len,
	                     PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK | extra, errcode,
	                     erroff, NULL);
	return *out ? 0 : -1;
}

static int compile_rule(qdx_ruleset *set, qdx_rule *r, qdx_error *err)
{
	int ec;
	PCRE2_SIZE eo;
	PCRE2_UCHAR msg[256];
	unsigned line, col;
	uint32_t extra = set->classify ? PCRE2_ANCHORED : 0;

	if (!r->pattern.len)
		return qdx_error_set(err, QDX_ERULES, set->path, r->line, 1,
		                     "rule '%s' has no pattern", r->name);
	if (!compile(&r->code, r->pattern.p, r->pattern.len, extra, &ec, &eo))
		return 0;
	pcre2_get_error_message(ec, msg, sizeof(msg));
	pattern_position(r, eo, &line, &col);
	return qdx_error_set(err, QDX_ERULES, set->path, line, col, "rule '%s': %s (offset %zu)",
	                     r->name, (char *)msg, (size_t)eo);
}

/* The length of the assertion a pattern starts with ("(?<![\\p{L}])"),
 * or 0.  Only one without groups inside, so that moving it moves no
 * capture. */
static size_t leading_assertion(const char *p, size_t n)
{
	size_t i = 2 + (n > 2 && p[2] == '<');
	int in_class = 0;

	if (n < 4 || p[0] != '(' || p[1] != '?' || (p[i] != '=' && p[i] != '!'))
		return 0;
	for (i++; i < n; i++) {
		if (p[i] == '\\') {
			if (i + 1 < n && p[i + 1] == 'Q')
				return 0;     /* quoted text: not worth reading */
			i++;
		} else if (in_class) {
			if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
				const char *e = strstr(p + i, ":]");
				if (!e || (size_t)(e - p) >= n)
					return 0;
				i = (size_t)(e - p) + 1;
			} else if (p[i] == ']') {
				in_class = 0;
			}
		} else if (p[i] == '[') {
			in_class = 1;
			i += i + 1 < n && p[i + 1] == '^';
			i += i + 1 < n && p[i + 1] == ']';   /* a ']' first is literal */
		} else if (p[i] == '(') {
			return 0;
		} else if (p[i] == ')') {
			return i + 1;
		}
	}
	return 0;
}

/* One alternation of the rules it holds (`combined`), in file order;
 * PCRE2 tries alternatives left to right at each start position, so file
 * order is priority.  A run of rules that start with the same assertion
 * ("(?<![\\p{L}])", not inside a word) has it once, in front of a group of
 * their rests: PCRE2 would test it once per rule at every start position,
 * and it looks only at the position, so the rules still match what they
 * did, in the same order. */
static void combine(const qdx_ruleset *set, qdx_buf *b)
{
	size_t i, j, k, any = 0;

	qdx_buf_puts(b, "(?:");
	for (i = 0; i < set->n; i = j) {
		const qdx_buf *p = &set->v[i].pattern;
		size_t a = leading_assertion(p->p, p->len);

		j = i + 1;
		if (!set->v[i].combined)
			continue;
		for (; a && j < set->n && set->v[j].combined && set->v[j].pattern.len >= a &&
		       !memcmp(set->v[j].pattern.p, p->p, a);
		     j++)
			;
		if (j - i < 2)
			a = 0;
		qdx_buf_puts(b, any++ ? "|" : "");
		qdx_buf_put(b, p->p, a);
		qdx_buf_puts(b, a ? "(?:" : "");
		for (k = i; k < j; k++) {
			qdx_buf_printf(b, "%s(?:", k > i ? "|" : "");
			qdx_buf_put(b, set->v[k].pattern.p + a, set->v[k].pattern.len - a);
			/* The mark after the rule's pattern: recorded only when the
			 * rule matched, and it leaves PCRE2's start-of-match
			 * optimisations on. */
			qdx_buf_printf(b, ")(*MARK:%zu)", k);
		}
		qdx_buf_puts(b, a ? ")" : "");
	}
	qdx_buf_putc(b, ')');
}

/* Where each rule's named groups are, alone and in the set's pattern
 * (which numbers them on from the groups of the rules before it: its
 * wrappers and a moved assertion hold none), so that a match's group is
 * found in its rule's few names rather than by PCRE2's search of all the
 * set's. */
static void index_names(qdx_ruleset *set)
{
	uint32_t groups = 0, n;
	size_t i;

	for (i = 0; i < set->n; i++) {
		qdx_rule *r = &set->v[i];
		PCRE2_SPTR table = NULL;
		pcre2_pattern_info(r->code, PCRE2_INFO_NAMECOUNT, &r->nnames);
		pcre2_pattern_info(r->code, PCRE2_INFO_NAMEENTRYSIZE, &r->name_size);
		pcre2_pattern_info(r->code, PCRE2_INFO_NAMETABLE, &table);
		r->names = table;
		r->group0 = groups;
		pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &n);
		groups += r->combined ? n : 0;
	}
}

static int compile_set(qdx_ruleset *set, qdx_error *err)
{
	qdx_buf b;
	size_t i;
	int ec, rc = 0;
	PCRE2_SIZE eo;
	PCRE2_UCHAR msg[256];

	index_names(set);
	for (i = 0; i < set->n && !set->v[i].combined; i++)
		;
	if (i == set->n)
		return 0;
	qdx_buf_init(&b);
	combine(set, &b);
	if (compile(&set->code, b.p, b.len, PCRE2_DUPNAMES | (set->classify ? PCRE2_ANCHORED : 0),
	            &ec, &eo)) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		rc = qdx_error_set(err, QDX_ERULES, set->path, 1, 1,
		                   "the rules do not combine into one pattern: %s", (char *)msg);
	}
	qdx_buf_free(&b);
	return rc;
}

static int parse_line(qdx_ruleset *set, char *s, unsigned lineno, qdx_error *err)
{
	char *key = trim(s), *val;
	qdx_rule *r = set->n ? &set->v[set->n - 1] : NULL;

	if (!*key || *key == '#')
		return 0;
	val = key;
	while (*val && *val != ' ' && *val != '\t')
		val++;
	if (*val)
		*val++ = '\0';
	/* A pattern keeps its inner spaces; only the separator is skipped. */
	while (*val == ' ' || *val == '\t')
		val++;

	if (!strcmp(key, "mode")) {
		if (strcmp(val, "classify") && strcmp(val, "search"))
			return qdx_error_set(err, QDX_ERULES, set->path, lineno, (unsigned)(val - s) + 1,
			                     "mode must be 'classify' or 'search'");
		set->classify = !strcmp(val, "classify");
		return 0;
	}
	if (!strcmp(key, "rule")) {
		size_t i;
		if (!*val)
			return qdx_error_set(err, QDX_ERULES, set->path, lineno, 1, "rule needs a name");
		for (i = 0; i < set->n; i++)
			if (!strcmp(set->v[i].name, val))
				return qdx_error_set(err, QDX_ERULES, set->path, lineno,
				                     (unsigned)(val - s) + 1,
				                     "rule '%s' is defined twice (first at line %u)", val,
				                     set->v[i].line);
		set->v = qdx_xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
		r = &set->v[set->n++];
		memset(r, 0, sizeof(*r));
		r->name = qdx_xstrdup(val);
		r->line = lineno;
		r->set = set;
		qdx_buf_init(&r->pattern);
		return 0;
	}
	if (!r)
		return qdx_error_set(err, QDX_ERULES, set->path, lineno, 1,
		                     "'%s' outside a rule (start one with 'rule NAME')", key);
	if (!strcmp(key, "pattern")) {
		add_piece(r, val, lineno, (unsigned)(val - s) + 1);
	} else if (!strcmp(key, "test") || !strcmp(key, "reject")) {
		/* "INPUT => key=value ...": the expectations are optional. */
		char *arrow = strstr(val, " =>");
		while (arrow && arrow[3] && arrow[3] != ' ')
			arrow = strstr(arrow + 1, " =>");
		if (arrow)
			*arrow = '\0';
		add_example(r, trim(val), arrow ? trim(arrow + 3) : NULL, lineno, key[0] == 'r');
	} else {
		add_attr(r, key, val);
	}
	return 0;
}

static int by_first_byte(const void *a, const void *b)
{
	return (unsigned char)((const qdx_span *)a)->p[0] - (unsigned char)((const qdx_span *)b)->p[0];
}

/* Adds the texts of a `needs` value, "TEXT|TEXT". */
static void needs_add(qdx_needs *nd, const char *p)
{
	while (*p) {
		size_t k = strcspn(p, "|");
		if (k) {
			char *need = qdx_xmalloc(k + 1);
			memcpy(need, p, k);
			need[k] = '\0';
			nd->v = qdx_xrealloc(nd->v, (nd->n + 1) * sizeof(*nd->v));
			nd->v[nd->n].p = need;
			nd->v[nd->n++].n = k;
		}
		p += k + (p[k] == '|');
	}
}

static void needs_index(qdx_needs *nd)
{
	size_t i;

	if (!nd->n)   /* qsort() wants an array even of none */
		return;
	qsort(nd->v, nd->n, sizeof(*nd->v), by_first_byte);
	for (i = nd->n; i-- > 0;)
		nd->at[(unsigned char)nd->v[i].p[0]] = (unsigned char)(i + 1);
}

static void needs_free(qdx_needs *nd)
{
	size_t i;

	for (i = 0; i < nd->n; i++)
		free((char *)nd->v[i].p);
	free(nd->v);
}

/* `needs TEXT|TEXT`: a rule that cannot match a subject holding none of
 * those texts is not run on it.  When every rule of a set says so, a
 * search first looks for them all (each rule's first `needs`), which is far
 * cheaper than PCRE2 on the many lines that hold none (letterhead seams,
 * for one). */
static void collect_needs(qdx_ruleset *set)
{
	size_t i, k, all = 1;

	for (i = 0; i < set->n; i++) {
		qdx_rule *r = &set->v[i];
		for (k = 0; k < r->nattrs; k++) {
			if (strcmp(r->attrs[k].key, "needs"))
				continue;
			r->needs = qdx_xrealloc(r->needs, (r->nneeds + 1) * sizeof(*r->needs));
			memset(&r->needs[r->nneeds], 0, sizeof(*r->needs));
			needs_add(&r->needs[r->nneeds], r->attrs[k].value);
			needs_index(&r->needs[r->nneeds++]);
		}
		all &= r->nneeds > 0;
	}
	for (i = 0; all && i < set->n; i++)
		needs_add(&set->needs, qdx_rule_attr(&set->v[i], "needs"));
	needs_index(&set->needs);
}

/* Does s[0..n) hold `t`?  memchr for its last byte, which is less often a
 * word's first letter than its first byte ("ngày": "y", not "n"): glibc's
 * memmem fills a table of 256 bytes for each call, which costs more than
 * the search on a line. */
static int holds_text(const unsigned char *s, size_t n, const qdx_span *t)
{
	const unsigned char *p = s + t->n - 1, *end = s + n;
	unsigned char last = (unsigned char)t->p[t->n - 1];

	if (t->n > n)
		return 0;
	for (; p < end && (p = memchr(p, last, (size_t)(end - p))); p++)
		if (!memcmp(p - (t->n - 1), t->p, t->n - 1))
			return 1;
	return 0;
}

/* One pass over the subject for all the needs at once: a memmem per need
 * read a letterhead line eleven times.  One need alone: memchr, many times
 * faster than a loop over the bytes. */
static int holds_need(const qdx_needs *nd, const char *subj, size_t n, size_t from)
{
	const unsigned char *p = (const unsigned char *)subj + from;
	const unsigned char *end = (const unsigned char *)subj + n;
	size_t i;

	if (!nd->n)
		return 1;
	if (nd->n == 1)
		return holds_text(p, (size_t)(end - p), &nd->v[0]);
	for (; p < end; p++) {
		for (i = nd->at[*p]; i && i <= nd->n && (unsigned char)nd->v[i - 1].p[0] == *p; i++)
			if (nd->v[i - 1].n <= (size_t)(end - p) &&
			    !memcmp(p, nd->v[i - 1].p, nd->v[i - 1].n))
				return 1;
	}
	return 0;
}

int qdx_rule_could_match(const qdx_rule *r, const char *s, size_t n, size_t from)
{
	size_t i;

	for (i = 0; i < r->nneeds; i++)
		if (!holds_need(&r->needs[i], s, n, from))
			return 0;
	return 1;
}

/* The lead bytes of the characters beyond ASCII that PCRE2_UCP adds to
 * \\d (the decimal digits of other scripts: U+0660 on, and beyond U+FFFF)
 * and \\s (U+0085, U+00A0, U+1680, U+180E, U+2000-U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000); tests/unit/test_rules.c checks them against
 * PCRE2.  \\w (every letter) and POSIX classes add every lead byte; \\D,
 * \\S and \\W take fewer characters under UCP, not more. */
static void ucp_lead_bytes(const qdx_rule *r, unsigned char can[256])
{
	static const unsigned char lead[] = { 0xC2, 0xD9, 0xDB, 0xDF, 0xE0, 0xE1, 0xE2, 0xE3,
		                              0xEA, 0xEF, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4 };
	const char *p = r->pattern.p, *end = p + r->pattern.len;
	size_t i;

	for (; p < end; p++) {
		if (*p == '[' && p + 1 < end && p[1] == ':')
			break;
		if (*p == '\\' && ++p < end && *p == 'w')
			break;
	}
	if (p < end) {
		memset(can + 0x80, 1, 0x80);
		return;
	}
	for (i = 0; i < sizeof(lead); i++)
		can[lead[i]] = 1;
}

/* Sets can[b] for every byte b a match of rule r can start with: PCRE2's
 * first-byte bitmap or first code unit of the rule.  PCRE2 studies none
 * for a pattern with \\d, \\s or \\w under PCRE2_UCP ("1.", "Điều 2"); these
 * differ from their ASCII meaning only for characters beyond ASCII, so
 * the rule compiled without UCP, plus the bytes that start such
 * characters, tells as much.  Every byte when neither can tell. */
static void rule_first_bytes(const qdx_ruleset *set, const qdx_rule *r, unsigned char can[256])
{
	pcre2_code *ascii = NULL;
	const pcre2_code *code = r->code;
	const uint8_t *bm = NULL;
	uint32_t type = 0, unit = 0;
	size_t b;
	int ec;
	PCRE2_SIZE eo;

	memset(can, 0, 256);
	for (;;) {
		if (!pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &bm) && bm) {
			for (b = 0; b < 256; b++)
				can[b] |= (bm[b / 8] >> (b % 8)) & 1;
			break;
		}
		if (!pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &type) && type == 1 &&
		    !pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &unit) && unit < 256) {
			/* PCRE2 does not say whether that unit is caseless
			 * ("(?i)quý" reports 'q'): take both cases of a letter. */
			can[unit] = 1;
			if ((unit | 32) >= 'a' && (unit | 32) <= 'z')
				can[unit ^ 32] = 1;
			break;
		}
		if (ascii || !(ascii = pcre2_compile((PCRE2_SPTR)r->pattern.p, r->pattern.len,
		                                     PCRE2_UTF | PCRE2_NO_UTF_CHECK |
		                                             (set->classify ? PCRE2_ANCHORED : 0),
		                                     &ec, &eo, NULL))) {
			memset(can, 1, 256);
			break;
		}
		code = ascii;
		ucp_lead_bytes(r, can);
	}
	pcre2_code_free(ascii);
}

/* A rule anchored at the offset it is tried from (`^`, or any rule of a
 * classify set) can match only where that byte is one it starts with:
 * qdx_rule_search() then asks no more of PCRE2.  table.rules' STT rules
 * were 184k calls on the bench corpus, nearly all on lines starting with
 * a byte they cannot start with. */
static void starts_of(qdx_rule *r, const unsigned char can[256])
{
	uint32_t opts = 0;

	pcre2_pattern_info(r->code, PCRE2_INFO_ALLOPTIONS, &opts);
	if (!(opts & PCRE2_ANCHORED) || memchr(can, 0, 256) == NULL)
		return;
	r->starts = qdx_xmalloc(256);
	memcpy(r->starts, can, 256);
}

/* The bytes a match of the set can start with (rules marked `use`, the
 * stages' helpers, aside), from `can` (256 per rule).  Made once here: a
 * document asking for it cost 1% of its parse. */
static void first_bytes_of(qdx_ruleset *set, const unsigned char *can)
{
	size_t i, b;

	for (i = 0; i < set->n; i++)
		if (!qdx_rule_attr(&set->v[i], "use"))
			for (b = 0; b < 256; b++)
				set->first[b] |= can[i * 256 + b];
}

/* Anchored, PCRE2 tries every alternative of a set at a subject's start:
 * a line of prose tried all fourteen rules of rules/segment.rules.  So a
 * classify set runs, for a subject starting with byte b, only the rules
 * that can match there, one by one, when they are few (a lane; the bytes
 * with the same rules share one); its whole pattern when they are many.
 * A rule with `needs` counts only on a subject that holds what it needs,
 * which is known per subject.  Compiling an alternation per lane instead
 * cost more than it saved over a hundred documents.  The whole pattern
 * holds only the rules of the lanes that can come to it: not, for one,
 * rules/deadlines.rules' helpers, which start with \\x{1} (45 KB of the
 * 63 KB PCRE2 made of it). */
static void lanes_of(qdx_ruleset *set, const unsigned char *can)
{
	size_t b, l, i;

	for (i = 0; i < set->n; i++)
		set->v[i].combined = 0;
	for (b = 0; b < 256; b++) {
		qdx_lane lane;
		memset(&lane, 0, sizeof(lane));
		for (i = 0; i < set->n && lane.n >= 0; i++) {
			if (!can[i * 256 + b])
				continue;
			lane.needy += set->v[i].nneeds > 0;
			if (lane.n == QDX_LANE_SLOTS || lane.n - lane.needy >= QDX_LANE_RULES)
				lane.n = -1;
			else
				lane.rule[lane.n++] = (unsigned short)i;
		}
		if (lane.n < 0 || lane.n > QDX_LANE_RULES)
			for (i = 0; i < set->n; i++)
				set->v[i].combined |= can[i * 256 + b];
		if (lane.n < 0) {
			memset(&lane, 0, sizeof(lane));
			lane.n = -1;
		}
		for (l = 0; l < set->nlanes && memcmp(&set->lanes[l], &lane, sizeof(lane)); l++)
			;
		if (l == set->nlanes) {
			set->lanes = qdx_xrealloc(set->lanes, (l + 1) * sizeof(*set->lanes));
			set->lanes[set->nlanes++] = lane;
		}
		set->lane_of[b] = (unsigned char)l;
	}
}

/* Of a classify set: the first rule that matches an empty subject, which
 * has no first byte for a lane; the whole pattern's answer, known at load
 * (normalisation hands the hierarchy's rules many empty lines). */
static void empty_rule_of(qdx_ruleset *set)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	size_t i;

	if (!md)
		qdx_die("out of memory (PCRE2 match data)");
	for (i = 0; i < set->n && !set->empty; i++)
		if (pcre2_match(set->v[i].code, (PCRE2_SPTR) "", 0, 0, 0, md, NULL) >= 0)
			set->empty = i + 1;
	pcre2_match_data_free(md);
}

void qdx_first_bytes(const qdx_ruleset *set, unsigned char first[256])
{
	size_t b;

	for (b = 0; set && b < 256; b++)
		first[b] |= set->first[b];
}

static int load_file(qdx_ruleset *set, const char *path, qdx_error *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t k;
	int rc = 0;
	size_t i;

	if (!f)
		return qdx_error_set(err, QDX_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
	while (!rc && (k = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (qdx_utf8_valid_prefix((const unsigned char *)line, (size_t)k) != (size_t)k)
			rc = qdx_error_set(err, QDX_ERULES, path, lineno, 1, "not valid UTF-8");
		else
			rc = parse_line(set, line, lineno, err);
	}
	free(line);
	fclose(f);
	for (i = 0; !rc && i < set->n; i++) {
		rc = compile_rule(set, &set->v[i], err);
		set->v[i].combined = 1;
	}
	if (!rc) {
		unsigned char *can = qdx_xmalloc(set->n * 256 + 1);
		collect_needs(set);
		for (i = 0; i < set->n; i++) {
			rule_first_bytes(set, &set->v[i], can + i * 256);
			starts_of(&set->v[i], can + i * 256);
		}
		first_bytes_of(set, can);
		if (set->classify && set->n < 65536) {
			lanes_of(set, can);
			empty_rule_of(set);
		}
		free(can);
		rc = compile_set(set, err);
	}
	return rc;
}

/* rules/tone.translit: ICU transliterator rules, compiled once here;
 * normalize.c runs a clone of them per document. */
static int load_translit(qdx_rules *r, const char *dir, qdx_error *err)
{
	char path[4096];
	FILE *f;
	qdx_buf text;
	UChar *u16 = NULL;
	int32_t n16 = 0;
	UErrorCode ec = U_ZERO_ERROR;
	UParseError pe;
	char buf[4096];
	size_t k;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/tone.translit", dir);
	if (!(f = fopen(path, "r")))
		return 0;    /* optional: without it tone marks stay as written */
	qdx_buf_init(&text);
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		qdx_buf_put(&text, buf, k);
	fclose(f);
	u_strFromUTF8(NULL, 0, &n16, text.p, (int32_t)text.len, &ec);
	ec = U_ZERO_ERROR;
	u16 = qdx_xmalloc(((size_t)n16 + 1) * sizeof(UChar));
	u_strFromUTF8(u16, n16 + 1, NULL, text.p, (int32_t)text.len, &ec);
	if (U_SUCCESS(ec))
		r->tone = (struct UTransliterator *)utrans_openU(u"qdx-tone", -1, UTRANS_FORWARD, u16,
		                                                 n16, &pe, &ec);
	if (U_FAILURE(ec))
		rc = qdx_error_set(err, QDX_ERULES, path, pe.line > 0 ? (unsigned)pe.line : 0,
		                   pe.offset >= 0 ? (unsigned)pe.offset + 1 : 0, "%s", u_errorName(ec));
	free(u16);
	qdx_buf_free(&text);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int qdx_rules_load(qdx_rules **out, const char *dir, qdx_error *err)
{
	static _Atomic unsigned long loads;
	qdx_rules *r = qdx_xcalloc(1, sizeof(*r));
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	*out = NULL;
	if (!d) {
		free(r);
		return qdx_error_set(err, QDX_EIO, dir, 0, 0, "cannot open rules directory: %s",
		                     strerror(errno));
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len > 6 && !strcmp(e->d_name + len - 6, ".rules")) {
			names = qdx_xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = qdx_xstrdup(e->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	r->sets = qdx_xcalloc(n ? n : 1, sizeof(*r->sets));
	for (i = n; i-- > 0;)
		r->by_first[(unsigned char)names[i][0]] = i + 1;
	for (i = 0; i < n; i++) {
		qdx_ruleset *set = &r->sets[r->nsets++];
		size_t plen = strlen(dir) + strlen(names[i]) + 2;
		set->path = qdx_xmalloc(plen);
		snprintf(set->path, plen, "%s/%s", dir, names[i]);
		set->name = qdx_xstrdup(names[i]);
		set->name[strlen(set->name) - 6] = '\0';
		if (!rc)
			rc = load_file(set, set->path, err);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!rc && !r->nsets)
		rc = qdx_error_set(err, QDX_ERULES, dir, 0, 0, "no *.rules files in the directory");
	if (!rc)
		rc = load_translit(r, dir, err);
	r->serial = ++loads;
	if (rc) {
		qdx_rules_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void qdx_rules_free(qdx_rules *r)
{
	size_t i, j, k;

	if (!r)
		return;
	for (i = 0; i < r->nsets; i++) {
		qdx_ruleset *s = &r->sets[i];
		for (j = 0; j < s->n; j++) {
			qdx_rule *u = &s->v[j];
			free(u->name);
			qdx_buf_free(&u->pattern);
			pcre2_code_free(u->code);
			for (k = 0; k < u->nattrs; k++) {
				free(u->attrs[k].key);
				free(u->attrs[k].value);
			}
			free(u->attrs);
			for (k = 0; k < u->nexamples; k++) {
				free(u->examples[k].input);
				free(u->examples[k].expect);
			}
			free(u->examples);
			free(u->pieces);
			for (k = 0; k < u->nneeds; k++)
				needs_free(&u->needs[k]);
			free(u->needs);
			free(u->starts);
		}
		free(s->v);
		needs_free(&s->needs);
		free(s->lanes);
		pcre2_code_free(s->code);
		free(s->path);
		free(s->name);
	}
	free(r->sets);
	if (r->tone)
		utrans_close((UTransliterator *)r->tone);
	free(r);
}

/* The files are sorted by name, so those starting with one byte are
 * together: one or two strcmp instead of up to fourteen (table.c asks per
 * table row). */
const qdx_ruleset *qdx_rules_set(const qdx_rules *r, const char *name)
{
	size_t i = r->by_first[(unsigned char)name[0]];

	for (i = i ? i - 1 : r->nsets; i < r->nsets && r->sets[i].name[0] == name[0]; i++)
		if (!strcmp(r->sets[i].name, name))
			return &r->sets[i];
	return NULL;
}

size_t qdx_ruleset_count(const qdx_ruleset *s) { return s ? s->n : 0; }
const qdx_rule *qdx_ruleset_rule(const qdx_ruleset *s, size_t i) { return &s->v[i]; }
const char *qdx_rule_name(const qdx_rule *r) { return r->name; }

const char *qdx_rule_attr(const qdx_rule *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nattrs; i++)
		if (!strcmp(r->attrs[i].key, key))
			return r->attrs[i].value;
	return NULL;
}

qdx_matcher *qdx_matcher_new(void)
{
	qdx_matcher *m = qdx_xcalloc(1, sizeof(*m));

	/* Enough pairs for a combined pattern of every rule in a set. */
	m->md = pcre2_match_data_create(512, NULL);
	m->mc = pcre2_match_context_create(NULL);
	m->stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (!m->md || !m->mc || !m->stack)
		qdx_die("out of memory (PCRE2 match data)");
	m->ov = pcre2_get_ovector_pointer(m->md);
	m->ngroups = pcre2_get_ovector_count(m->md);
	pcre2_set_match_limit(m->mc, QDX_MATCH_LIMIT);
	pcre2_set_depth_limit(m->mc, QDX_DEPTH_LIMIT);
	pcre2_jit_stack_assign(m->mc, NULL, m->stack);
	qdx_buf_init(&m->scratch);
	return m;
}

void qdx_matcher_free(qdx_matcher *m)
{
	if (!m)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mc);
	pcre2_jit_stack_free(m->stack);
	qdx_buf_free(&m->scratch);
	free(m);
}

static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void spare_free(void *m) { qdx_matcher_free(m); }
static void spare_init(void)
{
	if (pthread_key_create(&spare_key, spare_free))
		qdx_die("cannot create a thread key");
}

qdx_matcher *qdx_matcher_take(void)
{
	qdx_matcher *m;

	pthread_once(&spare_once, spare_init);
	m = pthread_getspecific(spare_key);
	if (!m)
		return qdx_matcher_new();
	pthread_setspecific(spare_key, NULL);
	m->limits = 0;
	m->limit_set = NULL;
	m->limit_rule = NULL;
	m->limit_rc = 0;
	return m;
}

void qdx_matcher_give(qdx_matcher *m)
{
	pthread_once(&spare_once, spare_init);
	if (m && !pthread_getspecific(spare_key))
		pthread_setspecific(spare_key, m);
	else
		qdx_matcher_free(m);
}

/* A rule alone is JIT-compiled the first time it runs: most documents run
 * a few dozen of the two hundred (the sets do the rest), and each JIT
 * compilation holds executable memory (1.4 MB for all of them).  So is a
 * set's combined pattern: a classify set's lanes leave some unused
 * (rules/furniture.rules, rules/deadline-cells.rules). */
static pthread_mutex_t jit_mu = PTHREAD_MUTEX_INITIALIZER;

static int jit_once(_Atomic int *jitted, const pcre2_code *code)
{
	int state = atomic_load_explicit(jitted, memory_order_acquire);

	if (state)
		return state;
	pthread_mutex_lock(&jit_mu);
	if (!(state = atomic_load_explicit(jitted, memory_order_relaxed))) {
		state = jit((pcre2_code *)code) ? 2 : 1;
		atomic_store_explicit(jitted, state, memory_order_release);
	}
	pthread_mutex_unlock(&jit_mu);
	return state;
}

/* The index a (*MARK) of combine() names; 0 without one (a set of one
 * rule).  strtoul() cost ~110 Ir a call, twice the rest of run(). */
static size_t mark_index(const unsigned char *p)
{
	size_t i = 0;

	while (p && *p >= '0' && *p <= '9')
		i = i * 10 + (size_t)(*p++ - '0');
	return i;
}

/* Runs `rule`, or the set's combined pattern when it is NULL, and fills
 * *m.  1 match, 0 none, <0 a PCRE2 error (a limit).  JIT code is run
 * straight, which skips pcre2_match()'s checks of what rules.c already
 * knows. */
static int run(const qdx_ruleset *set, const qdx_rule *rule, qdx_matcher *mt, const char *s,
               size_t n, size_t from, qdx_match *m)
{
	const pcre2_code *code = rule ? rule->code : set->code;
	int jitted = jit_once(rule ? &((qdx_rule *)rule)->jitted : &((qdx_ruleset *)set)->jitted,
	                      code) == 2;
	int rc = jitted ? pcre2_jit_match(code, (PCRE2_SPTR)s, n, from, 0, mt->md, mt->mc)
	                : pcre2_match(code, (PCRE2_SPTR)s, n, from, PCRE2_NO_UTF_CHECK, mt->md,
	                              mt->mc);

	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		/* Remembered for the document's diagnostics (the caller reads the
		 * line as if nothing matched), with the rule to blame. */
		if (!mt->blaming && !mt->limits++) {
			mt->limit_rc = rc;
			mt->limit_set = set;
			mt->blaming = 1;
			mt->limit_rule = rule ? rule : qdx_ruleset_blame(set, mt, s, n, from);
			mt->blaming = 0;
		}
		return rc;
	}
	if (!rule)
		rule = &set->v[mark_index(pcre2_get_mark(mt->md))];
	m->rule = rule;
	m->start = mt->ov[0];
	m->end = mt->ov[1];
	m->subject = s;
	m->ov = mt->ov;
	m->ngroups = mt->ngroups;
	m->code = code;
	return 1;
}

/* The rules of lane l worth running on subj[0..n): those that can find
 * what they need there and that `mute` (NULL: none) does not name.
 * Returns how many. */
static int lane_pick(const qdx_ruleset *s, const qdx_lane *l, const char *subj, size_t n,
                     const unsigned char *mute, unsigned short pick[QDX_LANE_SLOTS])
{
	int i, k = 0;

	for (i = 0; i < l->n; i++)
		if ((!mute || !mute[l->rule[i]]) && qdx_rule_could_match(&s->v[l->rule[i]], subj, n, 0))
			pick[k++] = l->rule[i];
	return k;
}

int qdx_ruleset_classify(const qdx_ruleset *s, qdx_matcher *mt, const char *subj, size_t n,
                         qdx_match *m)
{
	const qdx_lane *l;
	const unsigned short *rule;
	unsigned short pick[QDX_LANE_SLOTS];
	int i, k, rc = 0;

	if (!s || !s->n)
		return 0;
	if (!n && s->nlanes)
		return s->empty ? run(s, &s->v[s->empty - 1], mt, subj, n, 0, m) : 0;
	l = s->nlanes ? &s->lanes[s->lane_of[(unsigned char)subj[0]]] : NULL;
	if (!l || l->n < 0)
		return run(s, NULL, mt, subj, n, 0, m);
	rule = l->rule;
	k = l->n;
	if (l->needy) {
		if ((k = lane_pick(s, l, subj, n, NULL, pick)) > QDX_LANE_RULES)
			return run(s, NULL, mt, subj, n, 0, m);
		rule = pick;
	}
	for (i = 0; !rc && i < k; i++)
		rc = run(s, &s->v[rule[i]], mt, subj, n, 0, m);
	return rc;
}

/* A lane's muted rules ahead of `won`, its rule that matched: the first of
 * them that matches would have won, and mutes the answer. */
static int muted_ahead(const qdx_ruleset *s, const qdx_lane *l, unsigned short won,
                       const unsigned char *mute, qdx_matcher *mt, const char *subj, size_t n,
                       qdx_match *m)
{
	int i, rc;

	for (i = 0; i < l->n && l->rule[i] < won; i++)
		if (mute[l->rule[i]] && (rc = run(s, &s->v[l->rule[i]], mt, subj, n, 0, m)))
			return rc == 1 ? 0 : rc;
	return 1;
}


/* Where a lane runs rules one by one, the muted ones run only when a later
 * one matched; elsewhere the whole classifier runs and its answer is
 * judged (qdx_ruleset_classify() is kept free of `mute`'s cost). */
int qdx_ruleset_classify_unless(const qdx_ruleset *s, qdx_matcher *mt, const char *subj,
                                size_t n, const unsigned char *mute, qdx_match *m)
{
	const qdx_lane *l = NULL;
	unsigned short pick[QDX_LANE_SLOTS];
	int i, k = 0, rc = 0;

	if (s && s->nlanes && n)
		l = &s->lanes[s->lane_of[(unsigned char)subj[0]]];
	if (!mute || !l || l->n < 0 || (k = lane_pick(s, l, subj, n, mute, pick)) > QDX_LANE_RULES) {
		rc = qdx_ruleset_classify(s, mt, subj, n, m);
		return rc == 1 && mute && mute[m->rule - s->v] ? 0 : rc;
	}
	for (i = 0; !rc && i < k; i++)
		rc = run(s, &s->v[pick[i]], mt, subj, n, 0, m);
	return rc == 1 ? muted_ahead(s, l, pick[i - 1], mute, mt, subj, n, m) : rc;
}

/* Of a set whose every rule has `needs`: the one rule whose needs
 * s[from..n) holds, when only one does, is the only one that can match
 * there, and runs alone: the set's pattern would try the others at every
 * position (rules/letterhead.rules' seams: ~50 cycles a byte of a line
 * that holds "ngày" but no motto).  NULL when more do. */
static const qdx_rule *only_needed(const qdx_ruleset *s, const char *subj, size_t n, size_t from)
{
	const qdx_rule *only = NULL;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (qdx_rule_could_match(&s->v[i], subj, n, from)) {
			if (only)
				return NULL;
			only = &s->v[i];
		}
	return only;
}

int qdx_ruleset_search(const qdx_ruleset *s, qdx_matcher *mt, const char *subj, size_t n,
                       size_t from, qdx_match *m)
{
	if (!s || !s->code || from > n || !holds_need(&s->needs, subj, n, from))
		return 0;
	return run(s, s->needs.n ? only_needed(s, subj, n, from) : NULL, mt, subj, n, from, m);
}

int qdx_rule_search(const qdx_rule *r, qdx_matcher *mt, const char *subj, size_t n, size_t from,
                    qdx_match *m)
{
	if (from > n || (r->starts && from < n && !r->starts[(unsigned char)subj[from]]) ||
	    !qdx_rule_could_match(r, subj, n, from))
		return 0;
	return run(r->set, r, mt, subj, n, from, m);
}

const qdx_rule *qdx_ruleset_blame(const qdx_ruleset *s, qdx_matcher *mt, const char *subj,
                                  size_t n, size_t from)
{
	size_t i;
	qdx_match m;

	for (i = 0; i < s->n; i++)
		if (run(s, &s->v[i], mt, subj, n, from, &m) < 0)
			return &s->v[i];
	return NULL;
}

size_t qdx_matcher_limits(const qdx_matcher *mt, const char **rule, const char **path, char *msg,
                          size_t n)
{
	if (mt->limits) {
		*rule = mt->limit_rule ? mt->limit_rule->name : "(the rules together)";
		*path = mt->limit_set->path;
		pcre2_get_error_message(mt->limit_rc, (PCRE2_UCHAR *)msg, n);
	}
	return mt->limits;
}

int qdx_match_group(const qdx_match *m, const char *name, qdx_span *out)
{
	const qdx_rule *r = m->rule;
	uint32_t shift = m->code == r->code ? 0 : r->group0, i;
	const uint8_t *e = r->names;

	/* With duplicate names the group that took part is the one that
	 * counts. */
	for (i = 0; i < r->nnames; i++, e += r->name_size) {
		uint32_t g = (((uint32_t)e[0] << 8) | e[1]) + shift;
		if (!strcmp((const char *)e + 2, name) && g < m->ngroups &&
		    m->ov[2 * g] != PCRE2_UNSET) {
			out->p = m->subject + m->ov[2 * g];
			out->n = m->ov[2 * g + 1] - m->ov[2 * g];
			return 1;
		}
	}
	return 0;
}
