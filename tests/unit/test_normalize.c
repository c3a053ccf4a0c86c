/*
 * test_normalize.c - the normalize stage (src/normalize.c): what a line
 * becomes, wherever in the line the thing to clean sits.  The scans skip
 * 16 bytes at a time, so every case is tried at each offset across two
 * blocks; and the transliterator's words are remembered per thread, so
 * the same words are run many times, in many documents.  Also what the
 * rules of normalize and letterhead spell out by hand for PCRE2's sake,
 * checked character by character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "internal.h"
#include "rules.h"

#include "rules_fixture.h"

/* Normalizes one document of the given lines into out. */
static void normalize(const char *const *lines, size_t n, qdx_text *out)
{
	qdx_doc *doc = qdx_xcalloc(1, sizeof(*doc));
	qdx_text in;
	size_t i;

	doc->rules = rules;
	doc->matcher = qdx_matcher_new();
	doc->source = "unit.txt";
	qdx_text_init(&in);
	qdx_text_init(out);
	for (i = 0; i < n; i++)
		qdx_text_add(&in, lines[i], strlen(lines[i]), (uint32_t)i + 1, 0);
	qdx_normalize(doc, &in, out);
	qdx_text_free(&in);
	qdx_matcher_free(doc->matcher);
	doc->matcher = NULL;
	qdx_doc_free(doc);
}

/* The one line a one-line document becomes. */
static void check_line(const char *in, const char *want)
{
	qdx_text out;

	normalize(&in, 1, &out);
	if (out.n != 1 || strcmp(qdx_text_line(&out, 0), want))
		fail_msg("\"%s\" became \"%s\", not \"%s\"", in, out.n ? qdx_text_line(&out, 0) : "",
		         want);
	qdx_text_free(&out);
}

/* Each case at every offset 0..40 after plain letters, with letters after. */
static void check_at_offsets(const char *const cases[][2], size_t n)
{
	char in[256], want[256];
	size_t c, k;

	for (c = 0; c < n; c++) {
		for (k = 1; k <= 40; k++) {
			snprintf(in, sizeof(in), "%.*s%sbxbxbxbxbxbxbxbxbx", (int)k,
			         "xbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxb", cases[c][0]);
			snprintf(want, sizeof(want), "%.*s%sbxbxbxbxbxbxbxbxbx", (int)k,
			         "xbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxb", cases[c][1]);
			check_line(in, want);
		}
	}
}

static void test_work_anywhere(void **state)
{
	static const char *const cases[][2] = {
		{ "**bold** ", "bold " },
		{ " <b>tag</b> ", " tag " },
		{ " a &amp; b ", " a & b " },
		{ " \\*x ", " *x " },
		{ " two  spaces ", " two spaces " },
		{ " nbsp\xC2\xA0here ", " nbsp here " },
		{ " zero\xE2\x80\x8Bwidth ", " zerowidth " },
		{ " combining a\xCC\x81 ", " combining \xC3\xA1 " },
		{ " \xE2\x80\x9Cquotes\xE2\x80\x9D stay ", " \xE2\x80\x9Cquotes\xE2\x80\x9D stay " },
		{ " plain words only ", " plain words only " },
	};

	(void)state;
	check_at_offsets(cases, QDX_COUNT(cases));
}

static void test_tones_anywhere(void **state)
{
	static const char *const cases[][2] = {
		{ " ho\xC3\xA0 ", " h\xC3\xB2" "a " },                      /* hoà -> hòa */
		{ " Ho\xC3\xA0.", " H\xC3\xB2" "a." },                       /* before a stop */
		{ " u\xE1\xBB\xB7 ", " \xE1\xBB\xA7y " },                    /* uỷ -> ủy */
		{ " ho\xC3\xA0n ", " ho\xC3\xA0n " },                        /* hoàn stays */
		{ " thu\xE1\xBB\x99" "c ", " thu\xE1\xBB\x99" "c " },        /* thuộc */
		{ " qu\xC3\xBD ", " qu\xC3\xBD " },                          /* quý stays */
	};

	(void)state;
	check_at_offsets(cases, QDX_COUNT(cases));
}

/* More words than the memo has room for, each twice, across documents:
 * every one comes out as the transliterator makes it. */
static void test_tones_remembered(void **state)
{
	char in[64], want[64];
	int round, i;

	(void)state;
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 600; i++) {
			const char *word = i % 3 ? "ho\xC3\xA0" : "qu\xC3\xA0";
			snprintf(in, sizeof(in), "x %c%c%s y", 'b' + i % 20, 'b' + i / 20 % 20, word);
			snprintf(want, sizeof(want), "x %c%c%s y", 'b' + i % 20, 'b' + i / 20 % 20,
			         i % 3 ? "h\xC3\xB2" "a" : "qu\xC3\xA0");
			check_line(in, want);
		}
	}
}

static void test_noise(void **state)
{
	(void)state;
	check_line("th\xE1\xBB\xB1" "c t\xE1\xBA\xBF. / th h", "th\xE1\xBB\xB1" "c t\xE1\xBA\xBF.");
	check_line("c\xE1\xBA\xA5p x\xC3\xA3. ylw", "c\xE1\xBA\xA5p x\xC3\xA3.");
	check_line("Quy\xE1\xBA\xBFt \xC4\x91\xE1\xBB\x8Bnh n\xC3\xA0y./.",
	           "Quy\xE1\xBA\xBFt \xC4\x91\xE1\xBB\x8Bnh n\xC3\xA0y./.");
	check_line("no punctuation ylw", "no punctuation ylw");
}

/* What ICU makes of the whole of s in NFC: normalize.c composes a line
 * piece by piece and must come to the same. */
static void icu_nfc(const char *s, char *out, size_t cap)
{
	UErrorCode ec = U_ZERO_ERROR;
	UChar a[512], b[1024];
	int32_t n = 0;

	u_strFromUTF8(a, 512, &n, s, -1, &ec);
	n = unorm2_normalize(unorm2_getNFCInstance(&ec), a, n, b, 1024, &ec);
	u_strToUTF8(out, (int32_t)cap, NULL, b, n, &ec);
	assert_true(U_SUCCESS(ec));
}

/* A line with something to compose, whole ICU's way: each case at every
 * offset, the line's start too. */
static void test_nfc_pieces(void **state)
{
	static const char *const cases[] = {
		" a\xCC\x81 ",                       /* a + acute: á */
		" a\xCC\xA3\xCC\x82 a\xCC\x82\xCC\xA3 ",   /* ậ from either order */
		" \xC3\xAA\xCC\x81 ",                   /* ê + acute: ế */
		" \xE2\x84\xAB ",                       /* Angstrom sign: Å */
		" \xEF\xA4\x80 x\xCC\x81 ",               /* CJK compatibility ideograph */
		" \xE0\xA5\x98 x\xCC\x81 ",               /* Devanagari qa, NFC decomposed */
		" \xE1\x84\x80\xE1\x85\xA1 x\xCC\x81 ",     /* Hangul jamo: a syllable */
		" \xF0\x9D\x85\x9E x\xCC\x81 ",           /* musical half note: decomposed */
		" .\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81 ",
		" \xCC\x81 x",                          /* a mark with nothing before */
	};
	char in[256], want[768];
	size_t c, k;
	qdx_text out;

	(void)state;
	for (c = 0; c < QDX_COUNT(cases); c++) {
		for (k = 0; k <= 34; k++) {
			const char *line = in;
			snprintf(in, sizeof(in), "%.*s%sbxbxbxbxbxbxbxbxbx", (int)k,
			         "xbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbxbx", cases[c] + !k);
			icu_nfc(in, want, sizeof(want));
			normalize(&line, 1, &out);
			if (out.n != 1 || strcmp(qdx_text_line(&out, 0), want))
				fail_msg("\"%s\" became \"%s\", not \"%s\"", in,
				         out.n ? qdx_text_line(&out, 0) : "", want);
			qdx_text_free(&out);
		}
	}
}

/* More pieces than the memo has room for, each twice, across documents:
 * every one comes out as ICU makes it. */
static void test_nfc_remembered(void **state)
{
	char in[64], want[64];
	int round, base, mark;

	(void)state;
	for (round = 0; round < 2; round++) {
		for (base = 'A'; base <= 'z'; base++) {
			for (mark = 0x300; mark <= 0x314; mark++) {
				snprintf(in, sizeof(in), "x %c%c%c y", base, 0xC0 | mark >> 6,
				         0x80 | (mark & 0x3F));
				icu_nfc(in, want, sizeof(want));
				if (base == '\\' || base == '_' || base == '`')
					continue;   /* markup, cleaned away */
				check_line(in, want);
			}
		}
	}
}

/* Noise that fills the whole tail the rule looks at, so its punctuation
 * sits just before that tail; a '.' inside the noise must not be taken
 * for the sentence's end. */
static void test_noise_fills_tail(void **state)
{
	const char *tail = qdx_rule_attr(qdx_ruleset_rule(qdx_rules_set(rules, "noise"), 0), "tail");
	char in[256], noise[200];
	size_t fill, k;

	(void)state;
	assert_non_null(tail);
	fill = strtoul(tail, NULL, 10) - strlen(" .~");
	assert_true(fill > 0 && fill < sizeof(noise) - 1);
	for (k = 0; k <= 1; k++) {
		memset(noise, '~', fill - k);
		noise[fill - k] = '\0';
		snprintf(in, sizeof(in), "c\xE1\xBA\xA5p x\xC3\xA3. %s.~", noise);
		check_line(in, "c\xE1\xBA\xA5p x\xC3\xA3.");
	}
}

/* The rule of a set with that name. */
static const qdx_rule *rule_named(const char *set, const char *name)
{
	const qdx_ruleset *s = qdx_rules_set(rules, set);
	size_t i;

	for (i = 0; s && i < qdx_ruleset_count(s); i++)
		if (!strcmp(qdx_rule_name(qdx_ruleset_rule(s, i)), name))
			return qdx_ruleset_rule(s, i);
	fail_msg("no rule %s in %s.rules", name, set);
	return NULL;
}

/* Steps *cp to the next Unicode scalar value (the first from UINT32_MAX;
 * surrogates skipped) and leaves its UTF-8 alone in b; 0 past U+10FFFF. */
static int next_scalar(uint32_t *cp, qdx_buf *b)
{
	do
		++*cp;
	while (*cp >= 0xD800 && *cp <= 0xDFFF);
	b->len = 0;
	if (*cp > 0x10FFFF)
		return 0;
	qdx_buf_put_utf8(b, *cp);
	return 1;
}

/* Whether PCRE2 (UTF, UCP) matches pattern on all of s[0..n). */
static int whole_match(pcre2_code *re, pcre2_match_data *md, const char *s, size_t n)
{
	return pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL) > 0;
}

static pcre2_code *compile_whole(const char *pattern)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	                               PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED | PCRE2_ENDANCHORED,
	                               &ec, &eo, NULL);

	assert_non_null(re);
	return re;
}

/* rules/letterhead.rules writes the space between two pieces as [\h\v]
 * for \s: the same characters, every one of them. */
static void test_space_classes_agree(void **state)
{
	pcre2_code *s = compile_whole("\\s"), *hv = compile_whole("[\\h\\v]");
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	qdx_buf b;
	uint32_t cp;

	(void)state;
	qdx_buf_init(&b);
	for (cp = UINT32_MAX; next_scalar(&cp, &b);) {
		if (whole_match(s, md, b.p, b.len) != whole_match(hv, md, b.p, b.len))
			fail_msg("\\s and [\\h\\v] differ on U+%04X", (unsigned)cp);
	}
	qdx_buf_free(&b);
	pcre2_code_free(s);
	pcre2_code_free(hv);
	pcre2_match_data_free(md);
}

/* Noise after any space \\s takes is found: normalize.c looks for the
 * lead bytes of those spaces after the punctuation before it searches. */
static void test_noise_after_every_space(void **state)
{
	pcre2_code *space = compile_whole("\\s");
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	qdx_buf b;
	uint32_t cp;
	int spaces = 0;

	(void)state;
	qdx_buf_init(&b);
	for (cp = UINT32_MAX; next_scalar(&cp, &b);) {
		if (!whole_match(space, md, b.p, b.len))
			continue;
		spaces++;
		b.len = 0;
		qdx_buf_puts(&b, "c\xE1\xBA\xA5p x\xC3\xA3.");
		qdx_buf_put_utf8(&b, cp);
		qdx_buf_puts(&b, "ylw");
		check_line(b.p, "c\xE1\xBA\xA5p x\xC3\xA3.");
	}
	assert_true(spaces > 20);
	qdx_buf_free(&b);
	pcre2_code_free(space);
	pcre2_match_data_free(md);
}

/* rules/furniture.rules spells out the first character of rule-line so
 * that PCRE2 knows its first bytes: for every character, alone and before
 * a dash, the rule takes the whole line exactly when [\p{P}\p{S}\s]+
 * does. */
static void test_rule_line_every_character(void **state)
{
	const qdx_rule *r = rule_named("furniture", "rule-line");
	qdx_matcher *mt = qdx_matcher_new();
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	pcre2_code *want = compile_whole("[\\p{P}\\p{S}\\s]+");
	qdx_buf b;
	uint32_t cp;
	int k;

	(void)state;
	qdx_buf_init(&b);
	for (cp = UINT32_MAX; next_scalar(&cp, &b);) {
		for (k = 0; k < 2; k++) {
			qdx_match m;
			int whole;
			if (k)
				qdx_buf_putc(&b, '-');
			whole = qdx_rule_search(r, mt, b.p, b.len, 0, &m) == 1 && m.end == b.len;
			if (whole != whole_match(want, md, b.p, b.len))
				fail_msg("rule-line %s U+%04X%s", whole ? "takes" : "misses", (unsigned)cp,
				         k ? " -" : "");
		}
	}
	qdx_buf_free(&b);
	pcre2_code_free(want);
	pcre2_match_data_free(md);
	qdx_matcher_free(mt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_work_anywhere),
		cmocka_unit_test(test_tones_anywhere),
		cmocka_unit_test(test_tones_remembered),
		cmocka_unit_test(test_nfc_pieces),
		cmocka_unit_test(test_nfc_remembered),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_noise_fills_tail),
		cmocka_unit_test(test_noise_after_every_space),
		cmocka_unit_test(test_rule_line_every_character),
		cmocka_unit_test(test_space_classes_agree),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
