/*
 * budget.c - a task row's budget cell: its text, and the amount in đồng
 * when rules/budgets.rules finds one ("45 tr/ huyện" -> 45000000 per
 * huyện).  A cell without a number ("Kinh phí tự chủ") keeps its text.
 */
#include "extract.h"

#include <stdlib.h>

typedef struct amount {
	unsigned long long vnd;
	qdx_span per;
	int ok;
} amount;

/* The number as written: "." groups thousands when every group after it
 * has three digits ("500.000.000"); otherwise "." or "," is the decimal
 * mark ("1,5", "2.5").  Returns the value times 1000 (three decimals). */
static int parse_number(const char *s, size_t n, unsigned long long *milli)
{
	unsigned long long whole = 0, frac = 0;
	size_t i, dots = 0, last_sep = n, digits_after = 0;
	int fdig = 0, thousands = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '.' || s[i] == ',') {
			dots += s[i] == '.';
			last_sep = i;
		}
	}
	if (last_sep < n)
		digits_after = n - last_sep - 1;
	/* "1.500.000", "500.000" (a single "." then 3 digits: thousands) */
	if (dots >= 1 && last_sep < n && s[last_sep] == '.' && digits_after == 3)
		thousands = 1;
	if (dots > 1)
		thousands = 1;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			if (!thousands && i > last_sep && last_sep < n) {
				if (fdig < 3) {
					frac = frac * 10 + (unsigned long long)(c - '0');
					fdig++;
				}
			} else {
				whole = whole * 10 + (unsigned long long)(c - '0');
				if (whole > 1000000000000000ULL)
					return 0;
			}
		}
	}
	while (fdig < 3) {
		frac *= 10;
		fdig++;
	}
	*milli = whole * 1000 + frac;
	return 1;
}

static amount read_amount(const qdx_match *m)
{
	amount a;
	qdx_span num, sp;
	unsigned long long milli, scale = 1;

	memset(&a, 0, sizeof(a));
	if (!qdx_match_group(m, "amount", &num) || !parse_number(num.p, num.n, &milli))
		return a;
	if (qdx_match_group(m, "billion", &sp))
		scale = 1000000000ULL;
	else if (qdx_match_group(m, "million", &sp))
		scale = 1000000ULL;
	else if (qdx_match_group(m, "thousand", &sp))
		scale = 1000ULL;
	a.vnd = milli * scale / 1000;
	a.ok = 1;
	if (qdx_match_group(m, "per", &sp)) {
		const char *p = sp.p;
		size_t pn = sp.n;
		qdx_trim_span(&p, &pn, ".,;");
		a.per.p = p;
		a.per.n = pn;
	}
	return a;
}

void qdx_budget_cell(qdx_xctx *x, qdx_node *item, const char *cell)
{
	qdx_doc *doc = x->doc;
	const char *s = cell;
	size_t n = strlen(cell);
	qdx_node *b;
	qdx_match m;
	int rc;

	qdx_trim_span(&s, &n, NULL);
	if (!n)
		return;
	b = qdx_node_new(doc, QDX_NODE_BUDGET, item->line);
	b->text = qdx_arena_strndup(&doc->arena, s, n);
	rc = x->budgets ? qdx_ruleset_search(x->budgets, x->mt, s, n, 0, &m) : 0;
	if (rc < 0)
		qdx_extract_match_error(x, x->budgets, s, n, 0, rc, item->line);
	if (rc > 0) {
		amount a = read_amount(&m);
		if (a.ok) {
			qdx_node_set_attr(doc, b, "vnd", qdx_arena_printf(&doc->arena, "%llu", a.vnd));
			if (a.per.n)
				qdx_node_set_attr(doc, b, "per", qdx_arena_strndup(&doc->arena, a.per.p, a.per.n));
		}
	}
	qdx_node_append(item, b);
}

int qdx_budget_test_value(const qdx_match *m, const char *key, qdx_buf *out)
{
	amount a = read_amount(m);

	if (out->cap) {
		out->len = 0;
		out->p[0] = '\0';
	}
	if (!strcmp(key, "vnd")) {
		if (a.ok)
			qdx_buf_printf(out, "%llu", a.vnd);
	} else if (!strcmp(key, "per")) {
		if (a.ok && a.per.n)
			qdx_buf_put(out, a.per.p, a.per.n);
	} else {
		return -1;
	}
	return 0;
}
