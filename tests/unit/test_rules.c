/*
 * test_rules.c - what rules.c does to spare PCRE2 work must not change a
 * single answer: a classify set's lanes (only the rules that can start
 * with a subject's first byte) against the set's whole pattern, a set's
 * `needs` looked for in one pass, a rule's own `needs`, and the set's
 * combined pattern (an assertion shared by rules written once) against
 * the plain alternation of its rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "rules.h"
#include "hierarchy.h"

#include "rules_fixture.h"

static pcre2_code *plain_of[64];

/* The fixture's teardown, and the plain patterns the tests made. */
static int teardown_all(void **state)
{
	size_t i;

	for (i = 0; i < QDX_COUNT(plain_of); i++)
		pcre2_code_free(plain_of[i]);
	return teardown(state);
}

/* The plain alternation of a set's rules (only those of its combined
 * pattern: `combined`), each followed by its mark. */
static pcre2_code *plain_alternation(const qdx_ruleset *set, int combined)
{
	qdx_buf b;
	size_t i, any = 0;
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *code;

	qdx_buf_init(&b);
	qdx_buf_puts(&b, "(?:");
	for (i = 0; i < set->n; i++) {
		if (combined && !set->v[i].combined)
			continue;
		qdx_buf_printf(&b, "%s(?:", any++ ? "|" : "");
		qdx_buf_put(&b, set->v[i].pattern.p, set->v[i].pattern.len);
		qdx_buf_printf(&b, ")(*MARK:%zu)", i);
	}
	qdx_buf_putc(&b, ')');
	code = pcre2_compile((PCRE2_SPTR)b.p, b.len,
	                     PCRE2_UTF | PCRE2_UCP | PCRE2_DUPNAMES |
	                             (set->classify ? PCRE2_ANCHORED : 0),
	                     &ec, &eo, NULL);
	assert_non_null(code);
	qdx_buf_free(&b);
	return code;
}

/* The plain alternation of every rule of every classify set, made once:
 * what the lanes and the set's pattern of the rules they leave to it must
 * answer together. */
static void make_plain(void)
{
	size_t i;

	assert_true(rules->nsets <= QDX_COUNT(plain_of));
	for (i = 0; i < rules->nsets; i++)
		if (!plain_of[i] && rules->sets[i].classify)
			plain_of[i] = plain_alternation(&rules->sets[i], 0);
}

/* The plain alternation of set i on s[0..n): -1 no match, else the
 * rule's index; *end where the match ends. */
static long whole(size_t i, pcre2_match_data *md, const char *s, size_t n, size_t *end)
{
	PCRE2_SPTR mark;

	if (pcre2_match(plain_of[i], (PCRE2_SPTR)s, n, 0, 0, md, NULL) < 0)
		return -1;
	*end = pcre2_get_ovector_pointer(md)[1];
	mark = pcre2_get_mark(md);
	return mark ? strtol((const char *)mark, NULL, 10) : 0;
}

/* One subject through every classify set both ways; returns how many
 * sets a rule of matched it. */
static int agree(qdx_matcher *mt, pcre2_match_data *md, const char *s, size_t n)
{
	size_t i, end = 0;
	int hits = 0;

	for (i = 0; i < rules->nsets; i++) {
		const qdx_ruleset *set = &rules->sets[i];
		qdx_match m;
		long want;
		int rc;

		if (!set->classify)
			continue;
		want = whole(i, md, s, n, &end);
		rc = qdx_ruleset_classify(set, mt, s, n, &m);
		if ((rc == 1) != (want >= 0) || (rc == 1 && (m.rule != &set->v[want] || m.end != end)))
			fail_msg("%s: '%.*s': lanes say %s, the whole pattern %s", set->name, (int)n, s,
			         rc == 1 ? qdx_rule_name(m.rule) : "nothing",
			         want >= 0 ? qdx_rule_name(&set->v[want]) : "nothing");
		hits += rc == 1;
	}
	return hits;
}

/* An example as written, without its first character, and with one
 * beyond ASCII that only PCRE2_UCP's \\s or \\d takes (a no-break space
 * before it, an Arabic-Indic digit for its first), which the lanes must
 * not lose. */
static int example(qdx_matcher *mt, pcre2_match_data *md, const char *s)
{
	size_t skip = 1;
	qdx_buf b;
	int hits = agree(mt, md, s, strlen(s));

	if (!s[0])
		return hits;
	while ((s[skip] & 0xC0) == 0x80)
		skip++;
	agree(mt, md, s + skip, strlen(s + skip));
	qdx_buf_init(&b);
	qdx_buf_printf(&b, "\xC2\xA0%s", s);
	hits += agree(mt, md, b.p, b.len);
	if (s[0] >= '0' && s[0] <= '9') {
		b.len = 0;
		qdx_buf_printf(&b, "\xD9\xA1%s", s + 1);
		hits += agree(mt, md, b.p, b.len);
	}
	qdx_buf_free(&b);
	return hits;
}

/* Every line of the corpus documents that is UTF-8, and every rule
 * example, with and without its first character. */
static void test_lanes_agree(void **state)
{
	qdx_matcher *mt = qdx_matcher_new();
	pcre2_match_data *md = pcre2_match_data_create(512, NULL);
	DIR *d = opendir(QDX_TOP "/corpus");
	struct dirent *e;
	size_t i, j, k, lines = 0;
	int hits = 0;

	(void)state;
	make_plain();
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[1024], *line = NULL;
		size_t cap = 0;
		ssize_t len;
		FILE *f;

		if (!strstr(e->d_name, ".txt"))
			continue;
		snprintf(path, sizeof(path), QDX_TOP "/corpus/%s", e->d_name);
		assert_non_null(f = fopen(path, "r"));
		while ((len = getline(&line, &cap, f)) > 0) {
			size_t n = (size_t)len;
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				n--;
			if (qdx_utf8_valid_prefix((const unsigned char *)line, n) != n)
				continue;
			hits += agree(mt, md, line, n);
			lines++;
		}
		free(line);
		fclose(f);
	}
	closedir(d);
	for (i = 0; i < rules->nsets; i++)
		for (j = 0; j < rules->sets[i].n; j++)
			for (k = 0; k < rules->sets[i].v[j].nexamples; k++)
				hits += example(mt, md, rules->sets[i].v[j].examples[k].input);
	assert_true(lines > 1000);
	assert_true(hits > 1000);
	pcre2_match_data_free(md);
	qdx_matcher_free(mt);
}

/* Rules from `text`, as the file t.rules of a directory of its own,
 * which is gone again once they are loaded. */
static qdx_rules *load_text(const char *text)
{
	char dir[] = "/tmp/qdx-rules-XXXXXX", path[64];
	qdx_rules *r = NULL;
	qdx_error err;
	FILE *f;

	memset(&err, 0, sizeof(err));
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.rules", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(qdx_rules_load(&r, dir, &err), 0);
	unlink(path);
	rmdir(dir);
	return r;
}

/* A set whose rule needs "abc" or "xyz": its pattern alone would match
 * every subject below, so only the needs decide. */
static void test_needs(void **state)
{
	qdx_rules *r;
	qdx_matcher *mt = qdx_matcher_new();
	qdx_match m;
	const qdx_ruleset *set;
	static const struct {
		const char *s;
		size_t from;
		int want;
	} cases[] = {
		{ "x", 0, 0 },     { "x abc", 0, 1 }, { "xyz", 0, 1 },  { "x ab", 0, 0 },
		{ "x xy", 0, 0 },  { "abc x", 3, 0 }, { "abc x", 2, 0 }, { "x abc", 2, 1 },
		{ "aaxyz", 0, 1 }, { "", 0, 0 },
	};
	size_t i;

	(void)state;
	r = load_text("mode search\nrule any\n  pattern .?\n  needs abc|xyz\n");
	set = qdx_rules_set(r, "t");
	assert_non_null(set);
	for (i = 0; i < QDX_COUNT(cases); i++)
		if (qdx_ruleset_search(set, mt, cases[i].s, strlen(cases[i].s), cases[i].from, &m) !=
		    cases[i].want)
			fail_msg("'%s' from %zu: expected %d", cases[i].s, cases[i].from, cases[i].want);
	qdx_rules_free(r);
	qdx_matcher_free(mt);
}

/* Rule `long` would match every subject below that starts with "a"; its
 * two `needs` lines let it run only on those holding a comma and a "z"
 * (or "zz"); `short`, after it in the file, takes the others. */
static void test_rule_needs(void **state)
{
	qdx_rules *r;
	qdx_matcher *mt = qdx_matcher_new();
	qdx_match m;
	const qdx_ruleset *set;
	static const struct {
		const char *s;
		const char *rule;   /* NULL: no match */
	} cases[] = {
		{ "a,z", "long" }, { "az,", "long" }, { "a, zz", "long" }, { "a,", "short" },
		{ "az", "short" },  { "a", "short" },  { "b,z", NULL },      { "", NULL },
	};
	size_t i;

	(void)state;
	r = load_text("mode classify\nrule long\n  pattern a.*\n  needs ,\n  needs z|zz\n"
	              "rule short\n  pattern a\n");
	set = qdx_rules_set(r, "t");
	assert_non_null(set);
	for (i = 0; i < QDX_COUNT(cases); i++) {
		size_t n = strlen(cases[i].s);
		int rc = qdx_ruleset_classify(set, mt, cases[i].s, n, &m);
		if (rc != (cases[i].rule != NULL) || (rc == 1 && strcmp(qdx_rule_name(m.rule), cases[i].rule)))
			fail_msg("'%s': expected %s, got %s", cases[i].s,
			         cases[i].rule ? cases[i].rule : "nothing",
			         rc == 1 ? qdx_rule_name(m.rule) : "nothing");
		/* the rule alone honours its needs too */
		assert_int_equal(qdx_rule_search(&set->v[0], mt, cases[i].s, n, 0, &m),
		                 cases[i].rule && !strcmp(cases[i].rule, "long"));
	}
	qdx_rules_free(r);
	qdx_matcher_free(mt);
}

/* One need of several bytes, found by its last byte: "y" in many places,
 * the text at the start, at the end, not at all, or cut off. */
static void test_need_text(void **state)
{
	qdx_rules *r;
	const qdx_rule *rule;
	static const struct {
		const char *s;
		size_t from;
		int want;
	} cases[] = {
		{ "ngày", 0, 1 },  { "x ngày", 0, 1 },   { "ngà", 0, 0 },      { "yy ngàyy", 0, 1 },
		{ "y", 0, 0 },     { "", 0, 0 },         { "gày ngay y", 0, 0 }, { "ngày x", 1, 0 },
		{ "x ngày", 2, 1 }, { "nngày", 0, 1 },
	};
	size_t i;

	(void)state;
	r = load_text("mode search\nrule any\n  pattern .?\n  needs ngày\n");
	rule = qdx_ruleset_rule(qdx_rules_set(r, "t"), 0);
	for (i = 0; i < QDX_COUNT(cases); i++)
		if (qdx_rule_could_match(rule, cases[i].s, strlen(cases[i].s), cases[i].from) !=
		    cases[i].want)
			fail_msg("'%s' from %zu: expected %d", cases[i].s, cases[i].from, cases[i].want);
	qdx_rules_free(r);
}

/* Every character beyond ASCII that PCRE2_UCP's \\d or \\s takes must
 * reach a rule that starts with \\d+ or \\s+ through its lane: the lead
 * bytes rules.c lists for them must be all the ones PCRE2 uses. */
static void test_ucp_lead_bytes(void **state)
{
	qdx_rules *r;
	qdx_matcher *mt = qdx_matcher_new();
	qdx_match m;
	const qdx_ruleset *set;
	qdx_buf all, one;
	pcre2_code *ds;
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	int ec, found = 0;
	PCRE2_SIZE eo, at = 0;
	uint32_t c;

	(void)state;
	r = load_text("mode classify\nrule digit\n  pattern \\d+x\nrule space\n  pattern \\s+x\n");
	set = qdx_rules_set(r, "t");
	qdx_buf_init(&all);
	qdx_buf_init(&one);
	for (c = 0x80; c <= 0x10FFFF; c++)
		if (c < 0xD800 || c > 0xDFFF)
			qdx_buf_put_utf8(&all, c);
	ds = pcre2_compile((PCRE2_SPTR) "[\\d\\s]", PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &ec,
	                   &eo, NULL);
	assert_non_null(ds);
	pcre2_jit_compile(ds, PCRE2_JIT_COMPLETE);
	while (pcre2_match(ds, (PCRE2_SPTR)all.p, all.len, at, at ? PCRE2_NO_UTF_CHECK : 0, md,
	                   NULL) >= 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		one.len = 0;
		qdx_buf_put(&one, all.p + ov[0], ov[1] - ov[0]);
		qdx_buf_putc(&one, 'x');
		at = ov[1];
		if (qdx_ruleset_classify(set, mt, one.p, one.len, &m) != 1) {
			qdx_utf8_decode((const unsigned char *)one.p, one.len, &c);
			fail_msg("U+%04X (lead byte %02X): not in its rule's lane", (unsigned)c,
			         (unsigned char)one.p[0]);
		}
		found++;
	}
	assert_true(found > 500);
	pcre2_code_free(ds);
	pcre2_match_data_free(md);
	qdx_buf_free(&all);
	qdx_buf_free(&one);
	qdx_rules_free(r);
	qdx_matcher_free(mt);
}

/* A named group as PCRE2's search of the whole name table finds it. */
static int group_by_scan(const qdx_match *m, const char *name, qdx_span *out)
{
	PCRE2_SPTR first, last;
	int size = pcre2_substring_nametable_scan(m->code, (PCRE2_SPTR)name, &first, &last);

	for (; size > 0 && first <= last; first += size) {
		uint32_t g = ((uint32_t)first[0] << 8) | first[1];
		if (g < m->ngroups && m->ov[2 * g] != PCRE2_UNSET) {
			out->p = m->subject + m->ov[2 * g];
			out->n = m->ov[2 * g + 1] - m->ov[2 * g];
			return 1;
		}
	}
	return 0;
}

/* Every name of every rule of the set, in a match of s[0..n), both
 * ways. */
static int same_groups(const qdx_ruleset *set, const qdx_match *m, const char *s, size_t n)
{
	size_t j;
	uint32_t i;
	int hits = 0;

	for (j = 0; j < set->n; j++) {
		for (i = 0; i < set->v[j].nnames; i++) {
			const char *name = (const char *)set->v[j].names + i * set->v[j].name_size + 2;
			qdx_span a = { 0 }, b = { 0 };
			int ra = qdx_match_group(m, name, &a), rb = group_by_scan(m, name, &b);
			if (ra != rb || a.p != b.p || a.n != b.n)
				fail_msg("%s: '%.*s': group %s of rule %s differs", set->name, (int)n, s,
				         name, qdx_rule_name(m->rule));
			hits += ra;
		}
	}
	return hits;
}

/* qdx_match_group() finds a group in its rule's own names, shifted in a
 * set's combined pattern; PCRE2's search of the whole table must agree,
 * for the set's matches and each rule's own, on every corpus line and
 * example. */
static void test_groups_agree(void **state)
{
	qdx_matcher *mt = qdx_matcher_new();
	qdx_buf text;
	size_t i, j, k;
	int hits = 0;
	DIR *d = opendir(QDX_TOP "/corpus");
	struct dirent *e;
	const char *p, *nl;

	(void)state;
	qdx_buf_init(&text);
	for (i = 0; i < rules->nsets; i++)
		for (j = 0; j < rules->sets[i].n; j++)
			for (k = 0; k < rules->sets[i].v[j].nexamples; k++)
				qdx_buf_printf(&text, "%s\n", rules->sets[i].v[j].examples[k].input);
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[1024], *line = NULL;
		size_t cap = 0;
		ssize_t len;
		FILE *f;

		if (!strstr(e->d_name, ".txt"))
			continue;
		snprintf(path, sizeof(path), QDX_TOP "/corpus/%s", e->d_name);
		assert_non_null(f = fopen(path, "r"));
		while ((len = getline(&line, &cap, f)) > 0)
			if (qdx_utf8_valid_prefix((const unsigned char *)line, (size_t)len) == (size_t)len)
				qdx_buf_put(&text, line, (size_t)len);
		free(line);
		fclose(f);
	}
	closedir(d);
	for (p = text.p; (nl = strchr(p, '\n')); p = nl + 1) {
		size_t n = (size_t)(nl - p);
		for (i = 0; i < rules->nsets; i++) {
			const qdx_ruleset *set = &rules->sets[i];
			qdx_match m;
			if ((set->classify ? qdx_ruleset_classify(set, mt, p, n, &m)
			                   : qdx_ruleset_search(set, mt, p, n, 0, &m)) == 1)
				hits += same_groups(set, &m, p, n);
			for (j = 0; j < set->n; j++)
				if (qdx_rule_search(&set->v[j], mt, p, n, 0, &m) == 1)
					hits += same_groups(set, &m, p, n);
		}
	}
	assert_true(hits > 1000);
	qdx_buf_free(&text);
	qdx_matcher_free(mt);
}

/* Every match of both patterns along s[0..n): the same places, the same
 * rule (mark), the same groups.  Returns how many matches. */
static int same_matches(const qdx_ruleset *set, pcre2_code *plain, pcre2_match_data *md1,
                        pcre2_match_data *md2, const char *s, size_t n)
{
	size_t from = 0;
	int hits = 0;

	/* A classify set's pattern holds only the rules its lanes may leave
	 * to it: the lanes' answers are held to the plain alternation in
	 * test_lanes_agree. */
	if (set->classify && set->nlanes) {
		const qdx_lane *l = &set->lanes[set->lane_of[n ? (unsigned char)s[0] : 0]];
		if (!n || (l->n >= 0 && l->n <= QDX_LANE_RULES))
			return 0;
	}
	while (from <= n) {
		int rc1 = pcre2_match(set->code, (PCRE2_SPTR)s, n, from, 0, md1, NULL);
		int rc2 = pcre2_match(plain, (PCRE2_SPTR)s, n, from, 0, md2, NULL);
		PCRE2_SIZE *o1 = pcre2_get_ovector_pointer(md1), *o2 = pcre2_get_ovector_pointer(md2);
		PCRE2_SPTR m1, m2;
		int g;

		if ((rc1 >= 0) != (rc2 >= 0))
			fail_msg("%s: '%.*s' from %zu: %d, plain %d", set->name, (int)n, s, from, rc1, rc2);
		if (rc1 < 0)
			break;
		m1 = pcre2_get_mark(md1);
		m2 = pcre2_get_mark(md2);
		if (rc1 != rc2 || (!m1) != (!m2) || (m1 && strcmp((const char *)m1, (const char *)m2)))
			fail_msg("%s: '%.*s' from %zu: another rule or groups", set->name, (int)n, s, from);
		for (g = 0; g < 2 * rc1; g++)
			if (o1[g] != o2[g])
				fail_msg("%s: '%.*s' from %zu: group %d differs", set->name, (int)n, s, from,
				         g / 2);
		hits++;
		from = o1[1] > o1[0] ? o1[1] : o1[0] + 1;
		while (from < n && (s[from] & 0xC0) == 0x80)
			from++;
		if (set->classify)
			break;
	}
	return hits;
}

/* Every set's pattern, as rules.c combines it, against the plain
 * alternation, on every line of the corpus documents and every example. */
static void test_combined_agrees(void **state)
{
	pcre2_match_data *md1 = pcre2_match_data_create(512, NULL);
	pcre2_match_data *md2 = pcre2_match_data_create(512, NULL);
	qdx_buf text;
	size_t i, j, k;
	int hits = 0;

	(void)state;
	qdx_buf_init(&text);
	for (i = 0; i < rules->nsets; i++)
		for (j = 0; j < rules->sets[i].n; j++)
			for (k = 0; k < rules->sets[i].v[j].nexamples; k++)
				qdx_buf_printf(&text, "%s\n", rules->sets[i].v[j].examples[k].input);
	for (i = 0; i < rules->nsets; i++) {
		const qdx_ruleset *set = &rules->sets[i];
		pcre2_code *plain = plain_alternation(set, 1);
		DIR *d = opendir(QDX_TOP "/corpus");
		struct dirent *e;
		const char *p, *nl;

		assert_non_null(d);
		for (p = text.p; (nl = strchr(p, '\n')); p = nl + 1)
			hits += same_matches(set, plain, md1, md2, p, (size_t)(nl - p));
		while ((e = readdir(d))) {
			char path[1024], *line = NULL;
			size_t cap = 0;
			ssize_t len;
			FILE *f;

			if (!strstr(e->d_name, ".txt"))
				continue;
			snprintf(path, sizeof(path), QDX_TOP "/corpus/%s", e->d_name);
			assert_non_null(f = fopen(path, "r"));
			while ((len = getline(&line, &cap, f)) > 0)
				if (qdx_utf8_valid_prefix((const unsigned char *)line, (size_t)len) ==
				    (size_t)len)
					hits += same_matches(set, plain, md1, md2, line, (size_t)len);
			free(line);
			fclose(f);
		}
		closedir(d);
		pcre2_code_free(plain);
	}
	assert_true(hits > 1000);
	qdx_buf_free(&text);
	pcre2_match_data_free(md1);
	pcre2_match_data_free(md2);
}

/* Assertions that a careless reading would end early or late (a ")" or
 * "]" in a class, a POSIX class), and ones holding a group, which stay in
 * their rules. */
static void test_combined_assertions(void **state)
{
	qdx_rules *r;
	const qdx_ruleset *set;
	pcre2_code *plain;
	pcre2_match_data *md1 = pcre2_match_data_create(64, NULL);
	pcre2_match_data *md2 = pcre2_match_data_create(64, NULL);
	static const char *const subjects[] = {
		"x1 ]x1 )x1 y ]y )y", "az z 1z )z w", "qq qr (q r", "ab ba aab", "",
	};
	size_t i;
	int hits = 0;

	(void)state;
	r = load_text("mode search\n"
	              "rule a\n  pattern (?<![)\\]])x(?<n>1)\n"
	              "rule b\n  pattern (?<![)\\]])y\n"
	              "rule c\n  pattern (?<![[:alpha:])])z\n"
	              "rule d\n  pattern (?<![[:alpha:])])w\n"
	              "rule e\n  pattern (?=(q))q(?<n>q)?\n"
	              "rule f\n  pattern (?=(q))qr\n"
	              "rule g\n  pattern (?<![]a])b\n"
	              "rule h\n  pattern (?<![]a])a\n");
	set = qdx_rules_set(r, "t");
	plain = plain_alternation(set, 1);
	for (i = 0; i < QDX_COUNT(subjects); i++)
		hits += same_matches(set, plain, md1, md2, subjects[i], strlen(subjects[i]));
	assert_true(hits >= 10);
	pcre2_code_free(plain);
	pcre2_match_data_free(md1);
	pcre2_match_data_free(md2);
	qdx_rules_free(r);
}

/* A classify set's pattern holds the rules of the lanes that can come to
 * it (five start with "a") and not the others ("b", alone in its lane),
 * whose groups it must not count: a match's group is still found, by the
 * pattern or by the rule alone. */
static void test_combined_lanes(void **state)
{
	qdx_rules *r;
	qdx_matcher *mt = qdx_matcher_new();
	qdx_match m;
	qdx_span g;
	const qdx_ruleset *set;
	static const struct {
		const char *s, *rule, *x;
	} cases[] = {
		{ "a1q", "a1", "q" }, { "a4z", "a4", "z" }, { "a5", "a5", NULL },
		{ "bb", "b", "b" },   { "cz", "c", "z" },   { "a6", NULL, NULL },
	};
	size_t i;

	(void)state;
	r = load_text("mode classify\nrule b\n  pattern (?<y>b)(?<x>b)\n"
	              "rule a1\n  pattern a1(?<x>.)\nrule a2\n  pattern a2(?<x>.)\n"
	              "rule c\n  pattern c(?<x>.)\n"
	              "rule a3\n  pattern a3(?<x>.)\nrule a4\n  pattern a4(?<x>.)\n"
	              "rule a5\n  pattern a5(?<x>.)?\n");
	set = qdx_rules_set(r, "t");
	assert_non_null(set->code);
	for (i = 0; i < set->n; i++)
		assert_int_equal(set->v[i].combined, set->v[i].name[0] == 'a');
	for (i = 0; i < QDX_COUNT(cases); i++) {
		int rc = qdx_ruleset_classify(set, mt, cases[i].s, strlen(cases[i].s), &m);
		if (rc != (cases[i].rule != NULL) || (rc == 1 && strcmp(qdx_rule_name(m.rule), cases[i].rule)))
			fail_msg("'%s': expected %s", cases[i].s, cases[i].rule ? cases[i].rule : "nothing");
		if (rc == 1 && (qdx_match_group(&m, "x", &g) != (cases[i].x != NULL) ||
		                (cases[i].x && (g.n != 1 || g.p[0] != cases[i].x[0]))))
			fail_msg("'%s': group x", cases[i].s);
	}
	qdx_rules_free(r);
	qdx_matcher_free(mt);
}

/* Muted rules ("m..."): a subject whose first match is one of them is
 * classified as nothing, though a later rule matches it too ("xab"); one
 * they do not match goes to the later rule.  Lane "x" runs its rules one
 * by one, lane "a" the set's pattern. */
static void test_classify_unless(void **state)
{
	qdx_rules *r;
	qdx_matcher *mt = qdx_matcher_new();
	qdx_match m;
	const qdx_ruleset *set;
	unsigned char mute[16];
	static const struct {
		const char *s, *rule;
	} cases[] = {
		{ "xab", NULL }, { "x1", "xany" }, { "xa1", "xany" }, { "y", NULL },
		{ "am", NULL },  { "a1", "a1" },   { "amx", "aany" }, { "a4", "a4" },
	};
	size_t i;

	(void)state;
	r = load_text("mode classify\nrule mx\n  pattern x[a-z]*$\nrule xany\n  pattern x.*\n"
	              "rule mlate\n  pattern x1\n"
	              "rule ma\n  pattern am$\nrule a1\n  pattern a1\nrule a2\n  pattern a2\n"
	              "rule a3\n  pattern a3\nrule a4\n  pattern a4\nrule aany\n  pattern a.*\n");
	set = qdx_rules_set(r, "t");
	assert_true(set->n <= sizeof(mute));
	for (i = 0; i < set->n; i++)
		mute[i] = set->v[i].name[0] == 'm';
	assert_true(set->lanes[set->lane_of['x']].n > 0);
	assert_true(set->lanes[set->lane_of['a']].n < 0);
	for (i = 0; i < QDX_COUNT(cases); i++) {
		int rc = qdx_ruleset_classify_unless(set, mt, cases[i].s, strlen(cases[i].s), mute, &m);
		if (rc != (cases[i].rule != NULL) || (rc == 1 && strcmp(qdx_rule_name(m.rule), cases[i].rule)))
			fail_msg("'%s': expected %s, got %s", cases[i].s,
			         cases[i].rule ? cases[i].rule : "nothing",
			         rc == 1 ? qdx_rule_name(m.rule) : "nothing");
	}
	qdx_rules_free(r);
	qdx_matcher_free(mt);
}

/* A rule anchored where it is tried is not run at a byte it cannot start
 * with: `^ab` of a search set, any rule of a classify set (at the offset
 * given); a rule that may match nothing, or not anchored, runs anywhere. */
static void test_rule_starts(void **state)
{
	qdx_rules *rs, *rc;
	qdx_matcher *mt = qdx_matcher_new();
	qdx_match m;
	const qdx_ruleset *search, *classify;
	static const struct {
		int classify;
		const char *rule, *s;
		size_t from;
		int want;
	} cases[] = {
		{ 0, "hat", "ab", 0, 1 },  { 0, "hat", "xab", 0, 0 },   { 0, "hat", "Ab", 0, 0 },
		{ 0, "maybe", "x", 0, 1 }, { 0, "loose", "xab", 0, 1 }, { 1, "ab", "xab", 1, 1 },
		{ 1, "ab", "xcb", 1, 0 },  { 1, "ab", "ab", 0, 1 },     { 1, "ab", "", 0, 0 },
	};
	size_t i, k;

	(void)state;
	rs = load_text("mode search\nrule hat\n  pattern ^ab\nrule maybe\n  pattern ^a?\n"
	               "rule loose\n  pattern ab\n");
	rc = load_text("mode classify\nrule ab\n  pattern ab\n");
	search = qdx_rules_set(rs, "t");
	classify = qdx_rules_set(rc, "t");
	assert_non_null(search->v[0].starts);
	assert_null(search->v[1].starts);
	assert_null(search->v[2].starts);
	assert_non_null(classify->v[0].starts);
	for (i = 0; i < QDX_COUNT(cases); i++) {
		const qdx_ruleset *set = cases[i].classify ? classify : search;
		for (k = 0; strcmp(set->v[k].name, cases[i].rule); k++)
			;
		if (qdx_rule_search(&set->v[k], mt, cases[i].s, strlen(cases[i].s), cases[i].from,
		                    &m) != cases[i].want)
			fail_msg("%s on '%s' from %zu: expected %d", cases[i].rule, cases[i].s,
			         cases[i].from, cases[i].want);
	}
	qdx_rules_free(rs);
	qdx_rules_free(rc);
	qdx_matcher_free(mt);
}

/* A search set whose every rule needs a text: a subject holding the needs
 * of one rule only runs that rule; holding more, the leftmost match of
 * any still wins ("y2 x1"), as the set's pattern finds it. */
static void test_search_needed(void **state)
{
	qdx_rules *r;
	qdx_matcher *mt = qdx_matcher_new();
	qdx_match m;
	const qdx_ruleset *set;
	static const struct {
		const char *s, *rule;
		size_t from, start;
	} cases[] = {
		{ "x1 y2", "x", 0, 0 }, { "y2 x1", "y", 0, 0 }, { "y2", "y", 0, 0 },
		{ "xx", NULL, 0, 0 },   { "y2 x1", "x", 1, 3 }, { "q", NULL, 0, 0 },
	};
	size_t i;

	(void)state;
	r = load_text("mode search\nrule x\n  pattern x\\d\n  needs x\n"
	              "rule y\n  pattern y\\d\n  needs y\n");
	set = qdx_rules_set(r, "t");
	for (i = 0; i < QDX_COUNT(cases); i++) {
		int rc = qdx_ruleset_search(set, mt, cases[i].s, strlen(cases[i].s), cases[i].from, &m);
		if (rc != (cases[i].rule != NULL) ||
		    (rc == 1 && (strcmp(qdx_rule_name(m.rule), cases[i].rule) || m.start != cases[i].start)))
			fail_msg("'%s' from %zu: expected %s", cases[i].s, cases[i].from,
			         cases[i].rule ? cases[i].rule : "nothing");
	}
	qdx_rules_free(r);
	qdx_matcher_free(mt);
}

/* Every set by its name (some share their first byte), none by a name
 * that only starts like one. */
static void test_set_names(void **state)
{
	static const char *const missing[] = { "", "d", "deadline", "deadlinesx", "zz", "\xC4" };
	size_t i;

	(void)state;
	for (i = 0; i < rules->nsets; i++)
		assert_ptr_equal(qdx_rules_set(rules, rules->sets[i].name), &rules->sets[i]);
	assert_non_null(qdx_rules_set(rules, "deadline-cells"));
	for (i = 0; i < QDX_COUNT(missing); i++)
		assert_null(qdx_rules_set(rules, missing[i]));
}

/* A header cell's column role from rules/table.rules' `role`, the first
 * rule that matches deciding ("Cơ quan phối hợp" is partners, not lead). */
static void test_table_roles(void **state)
{
	static const struct {
		const char *cell;
		int role;
	} cases[] = {
		{ "STT", QDX_COL_STT },       { "Thời gian thực hiện", QDX_COL_TIME },
		{ "Kinh phí dự kiến", QDX_COL_BUDGET }, { "Cơ quan phối hợp", QDX_COL_PARTNERS },
		{ "Nội dung", QDX_COL_CONTENT }, { "Ghi chú về", 0 },
	};
	qdx_doc *doc = qdx_xcalloc(1, sizeof(*doc));
	size_t i;
	int k;

	(void)state;
	doc->rules = rules;
	doc->matcher = qdx_matcher_new();
	for (i = 0; i < QDX_COUNT(cases); i++) {
		size_t n = strlen(cases[i].cell);
		if (cases[i].role)
			assert_int_equal(qdx_table_role(doc, cases[i].cell, n), cases[i].role);
		for (k = QDX_COL_STT; k <= QDX_COL_NOTE; k++)
			if (cases[i].role && qdx_table_role_is(doc, cases[i].cell, n, k) != (k == cases[i].role))
				fail_msg("'%s': role_is(%d)", cases[i].cell, k);
	}
	qdx_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lanes_agree),
		cmocka_unit_test(test_needs),
		cmocka_unit_test(test_rule_needs),
		cmocka_unit_test(test_need_text),
		cmocka_unit_test(test_ucp_lead_bytes),
		cmocka_unit_test(test_groups_agree),
		cmocka_unit_test(test_combined_agrees),
		cmocka_unit_test(test_combined_assertions),
		cmocka_unit_test(test_combined_lanes),
		cmocka_unit_test(test_classify_unless),
		cmocka_unit_test(test_rule_starts),
		cmocka_unit_test(test_search_needed),
		cmocka_unit_test(test_set_names),
		cmocka_unit_test(test_table_roles),
	};

	return cmocka_run_group_tests(tests, setup, teardown_all);
}
