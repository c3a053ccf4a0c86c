/*
 * ruletest.c - run the `test` and `reject` examples of the rules files.
 *
 * An example's expectations are "key=value" pairs.  A key that names a
 * group of the pattern is checked against the text the group matched; any
 * other key is a value the stage using the set derives (a deadline's
 * "start"), asked of that stage through the table below.
 */
#include "internal.h"
#include "extract.h"
#include "rules.h"

static const struct {
	const char *set;
	qdx_rule_test_fn fn;
} stage_values[] = {
	{ "deadlines", qdx_deadline_test_value },
	{ "deadline-cells", qdx_deadline_test_value },
	{ "budgets", qdx_budget_test_value },
	{ "agencies", qdx_agency_test_value },
	{ "abbreviations", qdx_agency_test_value },
};

static qdx_rule_test_fn stage_for(const char *set)
{
	size_t i;

	for (i = 0; i < QDX_COUNT(stage_values); i++)
		if (!strcmp(stage_values[i].set, set))
			return stage_values[i].fn;
	return NULL;
}

/* Finds the first match of the example's own rule (a set's earlier rule may
 * match first in search mode; the example is about its rule). */
static int find(const qdx_ruleset *s, const qdx_rule *r, qdx_matcher *mt, const char *in,
                size_t n, qdx_match *m)
{
	size_t from = 0;

	if (s->classify)
		return qdx_ruleset_classify(s, mt, in, n, m) == 1 && m->rule == r;
	while (qdx_ruleset_search(s, mt, in, n, from, m) == 1) {
		if (m->rule == r)
			return 1;
		from = m->end > m->start ? m->end : m->start + 1;
	}
	return 0;
}

/* Checks "key=value key=value"; values run to the next " key=". */
static int check(const qdx_ruleset *s, const qdx_match *m, const char *expect, qdx_buf *why)
{
	qdx_rule_test_fn fn = stage_for(s->name);
	const char *p = expect;
	qdx_buf got;
	int ok = 1;

	qdx_buf_init(&got);
	while (*p) {
		const char *eq = strchr(p, '='), *next, *v;
		size_t klen, vlen;
		char key[64];
		qdx_span sp;

		if (!eq)
			break;
		klen = (size_t)(eq - p);
		v = eq + 1;
		/* the value ends where the next "word=" begins */
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
		snprintf(key, sizeof(key), "%.*s", (int)klen, p);
		got.len = 0;
		if (qdx_match_group(m, key, &sp)) {
			qdx_buf_put(&got, sp.p, sp.n);
		} else if (!fn || fn(m, key, &got)) {
			qdx_buf_printf(why, " %s: no group or stage value of that name;", key);
			ok = 0;
		}
		if (ok && (got.len != vlen || memcmp(got.p, v, vlen))) {
			qdx_buf_printf(why, " %s: expected '%.*s', got '%s';", key, (int)vlen, v, got.p);
			ok = 0;
		}
		p = *next ? next + 1 : next;
	}
	qdx_buf_free(&got);
	return ok;
}

int qdx_rules_selftest(const qdx_rules *rules, FILE *report, int *passed)
{
	qdx_matcher *mt = qdx_matcher_new();
	qdx_buf why;
	size_t i, j, k;
	int failed = 0;

	*passed = 0;
	qdx_buf_init(&why);
	for (i = 0; i < rules->nsets; i++) {
		const qdx_ruleset *s = &rules->sets[i];
		for (j = 0; j < s->n; j++) {
			const qdx_rule *r = &s->v[j];
			for (k = 0; k < r->nexamples; k++) {
				const qdx_rule_example *e = &r->examples[k];
				size_t n = strlen(e->input);
				qdx_match m;
				int ok;

				why.len = 0;
				if (!e->reject && !qdx_rule_could_match(r, e->input, n, 0)) {
					/* the rule would never be run on it */
					ok = 0;
					qdx_buf_puts(&why, " holds none of the texts the rule needs");
				} else if (e->reject) {
					ok = s->classify ? qdx_ruleset_classify(s, mt, e->input, n, &m) != 1
					                 : qdx_ruleset_search(s, mt, e->input, n, 0, &m) != 1;
					if (!ok)
						qdx_buf_printf(&why, " matched by rule '%s'", qdx_rule_name(m.rule));
				} else if (!find(s, r, mt, e->input, n, &m)) {
					ok = 0;
					qdx_buf_puts(&why, " no match by this rule");
				} else {
					ok = check(s, &m, e->expect, &why);
				}
				if (ok) {
					(*passed)++;
				} else {
					failed++;
					fprintf(report, "%s:%u: rule '%s': %s \"%s\":%s\n", s->path, e->line,
					        r->name, e->reject ? "reject" : "test", e->input, why.p);
				}
			}
		}
	}
	qdx_buf_free(&why);
	qdx_matcher_free(mt);
	return failed;
}
