/*
 * test_extract.c - the extraction stage: deadlines, agencies, budgets,
 * citations (src/extract.c, deadline.c, agency.c, budget.c, citation.c).
 *
 * First the examples of the stage's rule files, checked with the stage's
 * own value hooks (values run to the next " key=", as in ruletest.c);
 * then small documents built by hand - lines and a tree as segmentation
 * leaves them - so that each test controls exactly what extraction sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "rules.h"
#include "extract.h"

#include "rules_fixture.h"

/* ---- the rule files' examples -------------------------------------------- */

static const struct {
	const char *set;
	qdx_rule_test_fn fn;
} hooks[] = {
	{ "deadlines", qdx_deadline_test_value },
	{ "deadline-cells", qdx_deadline_test_value },
	{ "budgets", qdx_budget_test_value },
	{ "agencies", qdx_agency_test_value },
	{ "abbreviations", qdx_agency_test_value },
	{ "citations", NULL },
	{ "fields", NULL },
};

/* The first match of the example's own rule. */
static int find_own(const qdx_ruleset *s, const qdx_rule *r, qdx_matcher *mt, const char *in,
                    qdx_match *m)
{
	size_t from = 0, n = strlen(in);

	if (s->classify)
		return qdx_ruleset_classify(s, mt, in, n, m) == 1 && m->rule == r;
	while (qdx_ruleset_search(s, mt, in, n, from, m) == 1) {
		if (m->rule == r)
			return 1;
		from = m->end > m->start ? m->end : m->start + 1;
	}
	return 0;
}

static int check_example(const qdx_ruleset *s, qdx_rule_test_fn fn, const qdx_rule *r,
                         const qdx_rule_example *e, qdx_matcher *mt)
{
	qdx_match m;
	const char *p = e->expect;
	qdx_buf got;
	int ok = 1;

	if (e->reject) {
		if ((s->classify ? qdx_ruleset_classify(s, mt, e->input, strlen(e->input), &m)
		                 : qdx_ruleset_search(s, mt, e->input, strlen(e->input), 0, &m)) == 1) {
			print_error("%s:%u: reject \"%s\" matched by rule '%s'\n", s->path, e->line,
			            e->input, qdx_rule_name(m.rule));
			return 0;
		}
		return 1;
	}
	if (!find_own(s, r, mt, e->input, &m)) {
		print_error("%s:%u: rule '%s' does not match \"%s\"\n", s->path, e->line, r->name,
		            e->input);
		return 0;
	}
	qdx_buf_init(&got);
	while (*p) {
		const char *eq = strchr(p, '='), *next, *v;
		char key[64];
		qdx_span sp;
		size_t vlen;

		if (!eq)
			break;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - p), p);
		v = eq + 1;
		for (next = v; *next; next++) {
			const char *k = next + 1;
			if (*next != ' ')
				continue;
			while (*k && *k != ' ' && *k != '=')
				k++;
			if (*k == '=')
				break;
		}
		vlen = (size_t)(next - v);
		got.len = 0;
		if (qdx_match_group(&m, key, &sp)) {
			qdx_buf_put(&got, sp.p, sp.n);
		} else if (!fn || fn(&m, key, &got)) {
			print_error("%s:%u: \"%s\": no group or value '%s'\n", s->path, e->line, e->input,
			            key);
			ok = 0;
			break;
		}
		if (got.len != vlen || memcmp(got.p, v, vlen)) {
			print_error("%s:%u: \"%s\": %s: expected '%.*s', got '%.*s'\n", s->path, e->line,
			            e->input, key, (int)vlen, v, (int)got.len, got.p);
			ok = 0;
		}
		p = *next ? next + 1 : next;
	}
	qdx_buf_free(&got);
	return ok;
}

static void test_rule_examples(void **state)
{
	qdx_matcher *mt = qdx_matcher_new();
	size_t h, j, k;
	int failed = 0, passed = 0, deadline_tests = 0;

	(void)state;
	for (h = 0; h < QDX_COUNT(hooks); h++) {
		const qdx_ruleset *s = qdx_rules_set(rules, hooks[h].set);
		assert_non_null(s);
		for (j = 0; j < s->n; j++) {
			const qdx_rule *r = &s->v[j];
			for (k = 0; k < r->nexamples; k++) {
				if (check_example(s, hooks[h].fn, r, &r->examples[k], mt))
					passed++;
				else
					failed++;
				if (hooks[h].fn == qdx_deadline_test_value && !r->examples[k].reject)
					deadline_tests++;
			}
		}
	}
	/* deadline.c tries a file only where its rule `start` matches: every
	 * example phrase must begin with one of its words */
	for (h = 0; h < 2; h++) {
		const qdx_ruleset *s = qdx_rules_set(rules, h ? "deadline-cells" : "deadlines");
		const qdx_rule *st = NULL;
		for (j = 0; j < s->n; j++)
			if (!strcmp(s->v[j].name, "start"))
				st = &s->v[j];
		assert_non_null(st);
		for (j = 0; j < s->n; j++) {
			for (k = 0; k < s->v[j].nexamples; k++) {
				const qdx_rule_example *e = &s->v[j].examples[k];
				qdx_match m;
				qdx_buf copy;
				int ok;
				if (e->reject || qdx_rule_attr(&s->v[j], "use"))
					continue;
				qdx_buf_init(&copy);
				qdx_buf_putc(&copy, 1);
				qdx_buf_puts(&copy, e->input);
				ok = qdx_rule_search(st, mt, copy.p, copy.len, 0, &m) == 1;
				qdx_buf_free(&copy);
				if (!ok) {
					print_error("%s:%u: \"%s\" begins with no word of rule start\n", s->path,
					            e->line, e->input);
					failed++;
				}
			}
		}
	}
	qdx_matcher_free(mt);
	if (failed)
		print_error("%d of %d examples failed\n", failed, failed + passed);
	assert_int_equal(failed, 0);
	/* the brief asks for at least 60 deadline phrasings of our own */
	assert_true(deadline_tests >= 60);
}

/* ---- documents built by hand --------------------------------------------- */

typedef struct fixture {
	qdx_doc *doc;
	qdx_text t;
	qdx_node *part;
} fixture;

/* Lines numbered from 1; the part spans them all. */
static void fx_init(fixture *f, const char *const *lines, size_t n)
{
	size_t i;

	f->doc = qdx_xcalloc(1, sizeof(*f->doc));
	f->doc->rules = rules;
	f->doc->matcher = qdx_matcher_new();
	f->doc->source = "unit.txt";
	f->doc->root = qdx_node_new(f->doc, QDX_NODE_DOCUMENT, 0);
	f->doc->root->type = "document";
	qdx_text_init(&f->t);
	for (i = 0; i < n; i++)
		qdx_text_add(&f->t, lines[i], strlen(lines[i]), (uint32_t)i + 1,
		             strchr(lines[i], '\t') ? QDX_LINE_ROW : 0);
	f->part = qdx_node_new(f->doc, QDX_NODE_PART, 1);
	f->part->type = "plan";
	f->part->span_from = 0;
	f->part->span_to = (uint32_t)n;
	qdx_node_append(f->doc->root, f->part);
}

static void fx_free(fixture *f)
{
	qdx_text_free(&f->t);
	qdx_doc_free(f->doc);
}

/* An item on text line index `i` (0-based) owning lines [i, to). */
static qdx_node *item(fixture *f, qdx_node *parent, size_t i, size_t to, const char *type,
                      const char *label, const char *text)
{
	qdx_node *n = qdx_node_new(f->doc, QDX_NODE_ITEM, (uint32_t)i + 1);

	n->type = type;
	n->label = label;
	n->text = text;
	n->span_from = (uint32_t)i;
	n->span_to = (uint32_t)to;
	qdx_node_append(parent, n);
	return n;
}

static const qdx_node *child(const qdx_node *n, qdx_node_kind kind, size_t k)
{
	const qdx_node *c;

	for (c = n->first; c; c = c->next)
		if (c->kind == kind && k-- == 0)
			return c;
	return NULL;
}

static size_t count(const qdx_node *n, qdx_node_kind kind)
{
	const qdx_node *c;
	size_t k = 0;

	for (c = n->first; c; c = c->next)
		k += c->kind == kind;
	return k;
}

static void assert_attr(const qdx_node *n, const char *name, const char *want)
{
	const char *got = qdx_node_attr(n, name);

	if (!want) {
		if (got)
			print_error("%s: expected none, got '%s'\n", name, got);
		assert_null(got);
		return;
	}
	if (!got || strcmp(got, want))
		print_error("%s: expected '%s', got '%s'\n", name, want, got ? got : "(none)");
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void test_row_cells(void **state)
{
	static const char *const lines[] = {
		"TT\tNội dung\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian\tKinh phí",
		"a\tSửa đổi Quyết định số 06/2009/QĐ-UBND ngày 17/3/2009\tSở Nội vụ\tCác sở, ban ngành; "
		"UBND các huyện, thị xã, thành phố\tQuý III/2014\t45 tr/ huyện",
	};
	fixture f;
	qdx_node *row;
	const qdx_node *d, *a, *c, *b;

	(void)state;
	fx_init(&f, lines, QDX_COUNT(lines));
	row = item(&f, f.part, 1, 2, "row", "a", "Sửa đổi Quyết định số 06/2009/QĐ-UBND ngày 17/3/2009");
	qdx_node_set_attr(f.doc, row, "cell.lead", "Sở Nội vụ");
	qdx_node_set_attr(f.doc, row, "cell.partners", "Các sở, ban ngành; UBND các huyện, thị xã, thành phố");
	qdx_node_set_attr(f.doc, row, "cell.time", "Quý III/2014");
	qdx_node_set_attr(f.doc, row, "cell.budget", "45 tr/ huyện");
	qdx_extract(f.doc, &f.t);

	/* one deadline, from the time cell only: the content's date is a
	 * citation's */
	assert_int_equal(count(row, QDX_NODE_DEADLINE), 1);
	d = child(row, QDX_NODE_DEADLINE, 0);
	assert_string_equal(d->type, "quarter");
	assert_string_equal(d->text, "Quý III/2014");
	assert_attr(d, "start", "2014-07-01");
	assert_attr(d, "end", "2014-09-30");
	assert_int_equal(d->line, 2);

	assert_int_equal(count(row, QDX_NODE_AGENCY), 3);
	a = child(row, QDX_NODE_AGENCY, 0);
	assert_string_equal(a->type, "lead");
	assert_string_equal(a->text, "Sở Nội vụ");
	a = child(row, QDX_NODE_AGENCY, 1);
	assert_string_equal(a->type, "partner");
	assert_string_equal(a->text, "Các sở, ban ngành");
	a = child(row, QDX_NODE_AGENCY, 2);
	assert_string_equal(a->text, "UBND các huyện, thị xã, thành phố");
	assert_attr(a, "canonical", "Ủy ban nhân dân các huyện, thị xã, thành phố");

	b = child(row, QDX_NODE_BUDGET, 0);
	assert_non_null(b);
	assert_string_equal(b->text, "45 tr/ huyện");
	assert_attr(b, "vnd", "45000000");
	assert_attr(b, "per", "huyện");

	c = child(row, QDX_NODE_CITATION, 0);
	assert_non_null(c);
	assert_string_equal(c->type, "quyet-dinh");
	assert_string_equal(c->text, "06/2009/QĐ-UBND");
	assert_attr(c, "date", "2009-03-17");
	fx_free(&f);
}

static void test_plan_period_and_recurring(void **state)
{
	static const char *const lines[] = {
		"III. TỔ CHỨC THỰC HIỆN",
		"1. Thời gian thực hiện",
		"",
		"Từ tháng 12 năm 2013 đến tháng 10 năm 2015.",
		"2. Phân công",
		"a) Sở Tài chính: Hàng năm phối hợp với các cơ quan, đơn vị có liên quan dự toán kinh phí.",
		"b) Sở Nội vụ tổng hợp, báo cáo trước ngày 01 tháng 12 hàng năm; thường xuyên kiểm tra.",
	};
	fixture f;
	qdx_node *h, *i1, *i2, *a, *b;
	const qdx_node *d, *g;

	(void)state;
	fx_init(&f, lines, QDX_COUNT(lines));
	h = item(&f, f.part, 0, 1, "roman", "III", "TỔ CHỨC THỰC HIỆN");
	i1 = item(&f, h, 1, 4, "arabic", "1", "Thời gian thực hiện");
	i2 = item(&f, h, 4, 5, "arabic", "2", "Phân công");
	a = item(&f, i2, 5, 6, "alpha", "a",
	         "Sở Tài chính: Hàng năm phối hợp với các cơ quan, đơn vị có liên quan dự toán kinh phí.");
	b = item(&f, i2, 6, 7, "alpha", "b",
	         "Sở Nội vụ tổng hợp, báo cáo trước ngày 01 tháng 12 hàng năm; thường xuyên kiểm tra.");
	qdx_extract(f.doc, &f.t);

	assert_int_equal(f.doc->meta.plan_start_year, 2013);
	assert_int_equal(f.doc->meta.plan_start_month, 12);
	assert_int_equal(f.doc->meta.plan_end_year, 2015);
	assert_int_equal(f.doc->meta.plan_end_month, 10);

	d = child(i1, QDX_NODE_DEADLINE, 0);
	assert_non_null(d);
	assert_string_equal(d->type, "range");
	assert_int_equal(d->line, 4);
	assert_attr(d, "start", "2013-12-01");
	assert_attr(d, "end", "2015-10-31");

	d = child(a, QDX_NODE_DEADLINE, 0);
	assert_non_null(d);
	assert_string_equal(d->type, "recurring");
	assert_attr(d, "freq", "yearly");
	assert_attr(d, "start", "2013-12-01");
	assert_attr(d, "end", "2015-10-31");
	g = child(a, QDX_NODE_AGENCY, 0);
	assert_string_equal(g->type, "lead");
	assert_string_equal(g->text, "Sở Tài chính");
	g = child(a, QDX_NODE_AGENCY, 1);
	assert_string_equal(g->type, "partner");
	assert_string_equal(g->text, "các cơ quan, đơn vị có liên quan");

	assert_int_equal(count(b, QDX_NODE_DEADLINE), 2);
	d = child(b, QDX_NODE_DEADLINE, 0);
	assert_string_equal(d->type, "recurring");
	assert_attr(d, "at", "--12-01");
	d = child(b, QDX_NODE_DEADLINE, 1);
	assert_string_equal(d->type, "continuous");
	assert_attr(d, "start", "2013-12-01");
	(void)i1;
	fx_free(&f);
}

static void test_prose_phrases(void **state)
{
	static const char *const lines[] = {
		"2.9. Xây dựng kế hoạch thi tuyển (Sở Nội vụ chủ trì, thực hiện thí điểm vào năm 2019, "
		"rút kinh nghiệm và triển khai diện rộng từ năm 2020).",
		"g) Rà soát quy trình (Các sở, ban, ngành, Ủy ban nhân dân cấp huyện thực hiện; Hoàn thành "
		"trong Quý I năm 2019).",
		"- Thời gian hoàn thành: Quý IV/2025 và Quý I/2026;",
		"- Đơn vị chủ trì: Đồng chí Phó chủ tịch Thường trực, phụ trách lĩnh vực Giám sát và Phản "
		"biện xã hội",
		"- Thực hiện theo Kế hoạch cải cách hành chính giai đoạn 2021-2025 và Luật Tổ chức chính "
		"quyền địa phương ngày 19 tháng 6 năm 2015.",
	};
	fixture f;
	qdx_node *i1, *i2, *i3, *i4, *i5;
	const qdx_node *d, *g;

	(void)state;
	fx_init(&f, lines, QDX_COUNT(lines));
	f.doc->meta.date = "2019-02-28";
	f.doc->meta.year = "2019";
	i1 = item(&f, f.part, 0, 1, "decimal", "2.9", lines[0] + 6);
	i2 = item(&f, f.part, 1, 2, "alpha", "g", lines[1] + 3);
	i3 = item(&f, f.part, 2, 3, "bullet", "-", lines[2] + 2);
	i4 = item(&f, f.part, 3, 4, "bullet", "-", lines[3] + 2);
	i5 = item(&f, f.part, 4, 5, "bullet", "-", lines[4] + 2);
	qdx_extract(f.doc, &f.t);

	assert_int_equal(count(i1, QDX_NODE_DEADLINE), 2);
	d = child(i1, QDX_NODE_DEADLINE, 0);
	assert_string_equal(d->type, "year");
	assert_string_equal(d->text, "thực hiện thí điểm vào năm 2019");
	d = child(i1, QDX_NODE_DEADLINE, 1);
	assert_string_equal(d->type, "range");
	assert_attr(d, "start", "2020-01-01");
	assert_attr(d, "end", NULL);
	g = child(i1, QDX_NODE_AGENCY, 0);
	assert_string_equal(g->text, "Sở Nội vụ");

	d = child(i2, QDX_NODE_DEADLINE, 0);
	assert_string_equal(d->type, "quarter");
	assert_attr(d, "end", "2019-03-31");
	assert_int_equal(count(i2, QDX_NODE_AGENCY), 2);
	g = child(i2, QDX_NODE_AGENCY, 1);
	assert_string_equal(g->text, "Ủy ban nhân dân cấp huyện");

	assert_int_equal(count(i3, QDX_NODE_DEADLINE), 2);
	d = child(i3, QDX_NODE_DEADLINE, 1);
	assert_string_equal(d->text, "Quý I/2026");

	g = child(i4, QDX_NODE_AGENCY, 0);
	assert_non_null(g);
	assert_string_equal(g->type, "lead");
	assert_string_equal(g->text, "Đồng chí Phó chủ tịch Thường trực, phụ trách lĩnh vực Giám sát và "
	                             "Phản biện xã hội");

	/* a plan's name and a law's date are not deadlines */
	assert_int_equal(count(i5, QDX_NODE_DEADLINE), 0);
	fx_free(&f);
}

/* Each kind of anchor the byte scan looks for, after 0 to 40 bytes of
 * filler: the scan reads 16 bytes at a time, and a phrase must be found
 * the same at every offset, across blocks and in the tail. */
static void test_anchor_offsets(void **state)
{
	static const char *const phrases[] = {
		"hằng năm", "HẰNG NĂM", "hàng quý", "thường xuyên", "THƯỜNG XUYÊN", "từng tháng",
		"mỗi năm", "định kỳ", "định kỳ hoặc đột xuất", "quý II năm 2026", "Quý III/2026", "trước ngày 15/3/2026", "hoàn thành trong tháng 12 năm 2026",
		"trước năm 2027", "thực hiện sau khi có quyết định", "kể từ ngày ký",
	};
	size_t k, pad;

	(void)state;
	for (k = 0; k < QDX_COUNT(phrases); k++) {
		char want[256] = "";
		size_t nwant = 0;
		for (pad = 0; pad <= 40; pad++) {
			char text[256], got[256] = "";
			const char *lines[1];
			const qdx_node *d;
			fixture f;
			qdx_node *it;
			size_t nd;
			memset(text, 'a', pad);
			snprintf(text + pad, sizeof(text) - pad, "%s%s", pad ? " " : "", phrases[k]);
			lines[0] = text;
			fx_init(&f, lines, 1);
			f.doc->meta.date = "2026-01-05";
			f.doc->meta.year = "2026";
			it = item(&f, f.part, 0, 1, "bullet", "-", text);
			qdx_extract(f.doc, &f.t);
			nd = count(it, QDX_NODE_DEADLINE);
			d = child(it, QDX_NODE_DEADLINE, 0);
			if (d)
				snprintf(got, sizeof(got), "%s %s", d->type, d->text);
			if (pad == 0) {
				if (!nd)
					print_error("no deadline in \"%s\"\n", phrases[k]);
				assert_true(nd > 0);
				memcpy(want, got, sizeof(want));
				nwant = nd;
			} else if (nd != nwant || strcmp(got, want)) {
				print_error("\"%s\" after %zu bytes: %zu deadline(s), \"%s\"; alone: %zu, "
				            "\"%s\"\n", phrases[k], pad, nd, got, nwant, want);
				fail();
			}
			fx_free(&f);
		}
	}
}

static void test_citations_and_diagnostics(void **state)
{
	static const char *const lines[] = {
		"Số: 4078/QĐ-UBND",
		"Căn cứ Quyết định số",
		"1557/QĐ-TTg ngày 18 tháng 10 năm 2012 của Thủ tướng Chính phủ;",
		"",
		"Căn cứ các Nghị quyết các số 18-NQ/TW, 19-NQ/TW, 08/NQ-CP và Kế hoạch số 103a-KH/TU ngày 31/02/2018;",
		"1. Hoàn thành trước ngày 30/02/2014.",
	};
	fixture f;
	qdx_node *it;
	const qdx_node *c;
	size_t k, diags_before;

	(void)state;
	fx_init(&f, lines, QDX_COUNT(lines));
	it = item(&f, f.part, 5, 6, "arabic", "1", "Hoàn thành trước ngày 30/02/2014.");
	diags_before = f.doc->diags.n;
	qdx_extract(f.doc, &f.t);

	/* the letterhead's own number is no citation */
	assert_int_equal(count(f.part, QDX_NODE_CITATION), 5);
	c = child(f.part, QDX_NODE_CITATION, 0);
	assert_string_equal(c->type, "quyet-dinh");
	assert_string_equal(c->text, "1557/QĐ-TTg");
	assert_int_equal(c->line, 2);
	assert_attr(c, "date", "2012-10-18");
	for (k = 1; k <= 3; k++) {
		c = child(f.part, QDX_NODE_CITATION, k);
		assert_string_equal(c->type, "nghi-quyet");
		assert_int_equal(c->line, 5);
	}
	c = child(f.part, QDX_NODE_CITATION, 4);
	assert_string_equal(c->type, "ke-hoach");
	assert_string_equal(c->text, "103a-KH/TU");
	assert_attr(c, "date", NULL);

	/* impossible dates: diagnosed, no value */
	assert_int_equal(count(it, QDX_NODE_DEADLINE), 0);
	assert_true(f.doc->diags.n >= diags_before + 2);
	fx_free(&f);
}

/* Where the citations search starts: the same first match as from the
 * paragraph's start, and past a ';' no citation crosses.  `num` is where
 * citation.c's scan finds the first document number. */
static void test_citation_search_start(void **state)
{
	static const struct {
		const char *s, *num, *after; /* after: the search starts right there */
	} cases[] = {
		{ "Thực hiện nhiệm vụ; theo Quyết định số 12/QĐ-UBND ngày 5/3/2014", "12/", "; " },
		{ "Thực hiện (theo Quyết định số 12/QĐ-UBND)", "12/", "(" },
		{ "năm 2014, Kế hoạch số 05/KH-UBND", "05/", ", " },
		{ "Căn cứ các Nghị định 87, 88, 31/CP và Chỉ thị 814/TTg", "31/", NULL },
		{ "Căn cứ các Quyết định số 12, 13 và 14/QĐ-UBND", "14/", NULL },
		{ "Căn cứ Quyết định số: 676/QĐ-UBND", "676/", NULL },
		/* numbers scan() passes over: dots beyond its reach, a no-break
		 * space before '/', the byte that starts rule `more` */
		{ "Quyết định số 05................/QĐ-UBND; Kế hoạch 7/KH-UBND", "7/", NULL },
		{ "Quyết định số 12\xC2\xA0/QĐ-UBND; Chỉ thị 3/CT-TTg", "3/", NULL },
		{ "\x01; số 12/QĐ-UBND", "12/", NULL },
	};
	const qdx_ruleset *set = qdx_rules_set(rules, "citations");
	qdx_matcher *mt = qdx_matcher_new();
	size_t k;

	(void)state;
	for (k = 0; k < QDX_COUNT(cases); k++) {
		const char *s = cases[k].s;
		size_t n = strlen(s), num = (size_t)(strstr(s, cases[k].num) - s);
		size_t from = qdx_citation_search_start(s, 0, num);
		size_t want = cases[k].after ? (size_t)(strstr(s, cases[k].after) - s) + 1 : 0;
		qdx_match a, b;
		int ra = qdx_ruleset_search(set, mt, s, n, 0, &a), rb;
		if (from != want)
			print_error("\"%s\": starts at %zu, not %zu\n", s, from, want);
		assert_int_equal(from, want);
		rb = qdx_ruleset_search(set, mt, s, n, from, &b);
		assert_int_equal(ra, 1);
		assert_int_equal(rb, 1);
		assert_int_equal(a.start, b.start);
		assert_int_equal(a.end, b.end);
		assert_ptr_equal(a.rule, b.rule);
	}
	qdx_matcher_free(mt);
}

/* Where citation.c does not search: text without a document number's
 * code, in which citations.rules finds nothing; where a match is, its
 * code is (after '/' a space, a no-break one, and 'Đ' beyond ASCII), and
 * so is it in every example of the file, lest a new rule do without. */
static void test_citation_has_code(void **state)
{
	static const struct {
		const char *s;
		int code;
	} cases[] = {
		{ "Quyết định số 1557/QĐ-TTg ngày 18 tháng 10 năm 2012", 1 },
		{ "Chương trình hành động số 09-CTr/TU", 1 },
		{ "Căn cứ các Nghị định 87, 88, 31/CP", 1 },
		{ "Căn cứ Quyết định số 12/ QĐ ngày 5/3/2014", 1 },
		{ "Căn cứ Quyết định số 12/\xC2\xA0QĐ", 1 },
		{ "Chỉ thị số 05-\xC4\x90T của Tỉnh ủy", 1 },
		{ "Quyết định số 12/qđ-ubnd ngày 31/12/2025", 0 },
		{ "Kế hoạch giai đoạn 2021-2025, trước ngày 31/12/2025 /", 0 },
		{ "Quyết định số 12/ 3/ ", 0 },
	};
	const qdx_ruleset *set = qdx_rules_set(rules, "citations");
	qdx_matcher *mt = qdx_matcher_new();
	qdx_match m;
	size_t k;

	(void)state;
	for (k = 0; k < QDX_COUNT(cases); k++) {
		size_t n = strlen(cases[k].s);
		int code = qdx_citation_has_code(cases[k].s, 0, n);
		int rc = qdx_ruleset_search(set, mt, cases[k].s, n, 0, &m);
		if (code != cases[k].code || rc != code ||
		    (rc == 1 && !qdx_citation_has_code(cases[k].s, m.start, m.end)))
			fail_msg("\"%s\": code %d, match %d", cases[k].s, code, rc);
	}
	for (k = 0; k < qdx_ruleset_count(set); k++) {
		const qdx_rule *r = qdx_ruleset_rule(set, k);
		size_t e;
		for (e = 0; e < r->nexamples; e++)
			if (!r->examples[e].reject &&
			    !qdx_citation_has_code(r->examples[e].input, 0, strlen(r->examples[e].input)))
				fail_msg("%s: \"%s\" has no code", r->name, r->examples[e].input);
	}
	qdx_matcher_free(mt);
}

/* The helpers' memo of words: a paragraph gives the same agencies and
 * deadlines however often its words were seen before ("Ban " starts an
 * agency before a name, not in "Ban hành"; "Sở " always does). */
static void test_helper_memo(void **state)
{
	static const char text[] = "Sở Nội vụ chủ trì, phối hợp với Ban Tổ chức Tỉnh ủy và Ban hành "
	                           "chính, Sở Tư pháp; hoàn thành trước ngày 30/6/2014.";
	static const char *const lines[] = { text, text, text, text };
	fixture f[2];
	qdx_node *it[2][4];
	size_t d, i, k;

	(void)state;
	for (d = 0; d < 2; d++) {
		fx_init(&f[d], lines, QDX_COUNT(lines));
		for (i = 0; i < 4; i++)
			it[d][i] = item(&f[d], f[d].part, i, i + 1, "bullet", "-", text);
		qdx_extract(f[d].doc, &f[d].t);
	}
	assert_int_equal(count(it[0][0], QDX_NODE_AGENCY), 3);
	assert_string_equal(child(it[0][0], QDX_NODE_AGENCY, 1)->text,
	                    "Ban Tổ chức Tỉnh ủy và Ban hành chính");
	assert_int_equal(count(it[0][0], QDX_NODE_DEADLINE), 1);
	for (d = 0; d < 2; d++) {
		for (i = 0; i < 4; i++) {
			assert_int_equal(count(it[d][i], QDX_NODE_AGENCY), 3);
			assert_int_equal(count(it[d][i], QDX_NODE_DEADLINE), 1);
			for (k = 0; k < 3; k++)
				assert_string_equal(child(it[d][i], QDX_NODE_AGENCY, k)->text,
				                    child(it[0][0], QDX_NODE_AGENCY, k)->text);
			assert_string_equal(child(it[d][i], QDX_NODE_DEADLINE, 0)->text,
			                    child(it[0][0], QDX_NODE_DEADLINE, 0)->text);
		}
	}
	fx_free(&f[0]);
	fx_free(&f[1]);
}

/* Fields: the search stops after the first colon it reaches, so a colon
 * that is no field's must not hide one after it, and a label without a
 * colon still ends a paragraph. */
static void test_field_next(void **state)
{
	static const struct {
		const char *s, *label, *value, *role;
	} cases[] = {
		{ "Căn cứ: Luật số 1. Cơ quan chủ trì: Sở Nội vụ", "Cơ quan chủ trì", "Sở Nội vụ",
		  "lead" },
		{ "a: b: c; Phối hợp:  Sở Tư pháp", "Phối hợp", "Sở Tư pháp", "partner" },
		{ "- Thời gian thực hiện:\xC2\xA0Quý I/2014", "Thời gian thực hiện", "Quý I/2014", "time" },
		{ "Ghi chú: xem dưới. Thời gian thực hiện", "Thời gian thực hiện", "", "time" },
		{ "Căn cứ: Luật số 1.", NULL, NULL, NULL },
		{ "Thời gian thực hiện 2014.", NULL, NULL, NULL },
	};
	qdx_xctx x;
	qdx_field f;
	size_t k;

	(void)state;
	memset(&x, 0, sizeof(x));
	x.fields = qdx_rules_set(rules, "fields");
	x.mt = qdx_matcher_new();
	for (k = 0; k < QDX_COUNT(cases); k++) {
		const char *s = cases[k].s;
		int found = qdx_field_next(&x, s, strlen(s), 0, &f);
		if (!cases[k].label) {
			assert_int_equal(found, 0);
			continue;
		}
		assert_int_equal(found, 1);
		assert_int_equal(f.label_start, strstr(s, cases[k].label) - s);
		assert_int_equal(f.value_start, strlen(s) - strlen(cases[k].value));
		assert_string_equal(f.role, cases[k].role);
	}
	qdx_matcher_free(x.mt);
}

static void test_ymd_iso(void **state)
{
	static const struct {
		qdx_ymd d;
		const char *iso;
	} cases[] = {
		{ { 2014, 3, 5 }, "2014-03-05" },
		{ { 2025, 12, 31 }, "2025-12-31" },
		{ { 987, 1, 1 }, "0987-01-01" },
		{ { 12345, 123, 45 }, "2345-23-45" },
	};
	char iso[11];
	size_t k;

	(void)state;
	for (k = 0; k < QDX_COUNT(cases); k++)
		assert_string_equal(qdx_ymd_iso(&cases[k].d, iso), cases[k].iso);
}

static void test_canonical(void **state)
{
	qdx_matcher *mt = qdx_matcher_new();
	const qdx_ruleset *ab = qdx_rules_set(rules, "abbreviations");
	qdx_buf b;
	static const char in[] = "Sở TT&TT, VP.UBND tỉnh và Ban Chỉ đạo CCHC";

	(void)state;
	qdx_buf_init(&b);
	qdx_agency_canonical(ab, mt, in, strlen(in), &b);
	assert_string_equal(b.p, "Sở Thông tin và Truyền thông, Văn phòng Ủy ban nhân dân tỉnh và Ban "
	                         "Chỉ đạo cải cách hành chính");
	qdx_buf_free(&b);
	qdx_matcher_free(mt);
}

/* Every corpus document parses, and what extraction adds is well formed:
 * deadlines have a kind and text, ISO dates, start <= end. */
static void test_corpus(void **state)
{
	static const char *const names[] = {
		"binh-dinh-4078-qd-ubnd-2013.txt", "binh-dinh-kh-snv-2021.txt",
		"can-tho-153-kh-ubnd-2025.txt",    "dong-thap-kh-cchc-2014.txt",
		"hai-duong-676-qd-ubnd-2019.txt",  "hau-giang-1625-qd-ubnd-2013.txt",
		"luong-minh-16-kh-mttq-2025.txt",  "thu-tuong-2623-qd-ttg-2025.txt",
		"thu-tuong-844-qd-ttg-2026-congbao.txt",
	};
	size_t i;

	(void)state;
	for (i = 0; i < QDX_COUNT(names); i++) {
		char path[1024];
		qdx_doc *doc = NULL;
		qdx_error err;
		qdx_iter it;
		const qdx_node *n;
		qdx_event ev;
		size_t deadlines = 0;

		snprintf(path, sizeof(path), "%s/corpus/%s", QDX_TOP, names[i]);
		assert_int_equal(qdx_doc_parse_file(&doc, rules, path, NULL, &err), 0);
		qdx_iter_init(&it, qdx_doc_root(doc));
		while ((ev = qdx_iter_next(&it, &n)) != QDX_EVENT_DONE) {
			const char *s, *e;
			if (ev != QDX_EVENT_ENTER || n->kind != QDX_NODE_DEADLINE)
				continue;
			deadlines++;
			assert_true(*n->type);
			assert_true(*n->text);
			s = qdx_node_attr(n, "start");
			e = qdx_node_attr(n, "end");
			if (s)
				assert_int_equal(strlen(s), 10);
			if (e)
				assert_int_equal(strlen(e), 10);
			if (s && e)
				assert_true(strcmp(s, e) <= 0);
		}
		assert_true(deadlines > 0);
		qdx_doc_free(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_examples),
		cmocka_unit_test(test_row_cells),
		cmocka_unit_test(test_plan_period_and_recurring),
		cmocka_unit_test(test_prose_phrases),
		cmocka_unit_test(test_anchor_offsets),
		cmocka_unit_test(test_citations_and_diagnostics),
		cmocka_unit_test(test_citation_search_start),
		cmocka_unit_test(test_citation_has_code),
		cmocka_unit_test(test_helper_memo),
		cmocka_unit_test(test_field_next),
		cmocka_unit_test(test_ymd_iso),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
