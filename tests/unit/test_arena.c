/*
 * test_arena.c - the document arena (src/arena.c) and node attributes
 * (src/node.c): what the memory savings must not change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* Equal texts come back as one string; different ones, and texts given
 * by length out of a longer buffer, do not; nothing is lost when the
 * table goes. */
static void test_intern(void **state)
{
	qdx_arena a = { NULL, NULL };
	const char *x, *y, *z, *w;
	char longer[400];

	QDX_UNUSED(state);
	x = qdx_arena_intern(&a, "Sở Nội vụ, các sở", strlen("Sở Nội vụ"));
	y = qdx_arena_intern(&a, "Sở Nội vụ", strlen("Sở Nội vụ"));
	z = qdx_arena_intern(&a, "Sở Tư pháp", strlen("Sở Tư pháp"));
	assert_ptr_equal(x, y);
	assert_string_equal(x, "Sở Nội vụ");
	assert_ptr_not_equal(x, z);
	assert_ptr_equal(qdx_arena_intern(&a, "", 0), qdx_arena_intern(&a, "x", 0));
	/* Long texts are copied, never shared, and still NUL-terminated. */
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	w = qdx_arena_intern(&a, longer, sizeof(longer) - 1);
	assert_ptr_not_equal(w, qdx_arena_intern(&a, longer, sizeof(longer) - 1));
	assert_string_equal(w, longer);
	qdx_arena_intern_end(&a);
	assert_null(a.intern);
	assert_string_equal(x, "Sở Nội vụ");
	/* After the end a new table starts empty: the same text is a new copy. */
	assert_ptr_not_equal(qdx_arena_intern(&a, "Sở Nội vụ", strlen("Sở Nội vụ")), x);
	qdx_arena_free(&a);
}

/* Many distinct strings: the table grows past its first size and then
 * stops growing at its cap, and every string still reads back. */
static void test_intern_many(void **state)
{
	qdx_arena a = { NULL, NULL };
	const char **v = qdx_xcalloc(100000, sizeof(*v));
	char s[32];
	size_t i;

	QDX_UNUSED(state);
	for (i = 0; i < 100000; i++) {
		int n = snprintf(s, sizeof(s), "cell %zu", i);
		v[i] = qdx_arena_intern(&a, s, (size_t)n);
	}
	for (i = 0; i < 100000; i++) {
		int n = snprintf(s, sizeof(s), "cell %zu", i);
		assert_string_equal(v[i], s);
		if (i < 1000)   /* early ones are in the table: found again */
			assert_ptr_equal(qdx_arena_intern(&a, s, (size_t)n), v[i]);
	}
	free(v);
	qdx_arena_free(&a);
}

/* Attributes: set, read, overwritten in place, absent ones NULL. */
static void test_attrs(void **state)
{
	qdx_doc *doc = qdx_xcalloc(1, sizeof(*doc));
	qdx_node *n;

	QDX_UNUSED(state);
	n = qdx_node_new(doc, QDX_NODE_DEADLINE, 3);
	assert_null(qdx_node_attr(n, "start"));
	qdx_node_set_attr(doc, n, "start", "2014-07-01");
	qdx_node_set_attr(doc, n, "end", "2014-09-30");
	qdx_node_set_attr(doc, n, "freq", "quarterly");
	qdx_node_set_attr(doc, n, "end", "2014-12-31");
	assert_string_equal(qdx_node_attr(n, "start"), "2014-07-01");
	assert_string_equal(qdx_node_attr(n, "end"), "2014-12-31");
	assert_string_equal(qdx_node_attr(n, "freq"), "quarterly");
	assert_null(qdx_node_attr(n, "at"));
	qdx_doc_free(doc);
}

/* Children sorted by line, equal lines in the order they were added,
 * whatever the runs: the usual two (blocks, then items), many, one. */
static void test_sort_children(void **state)
{
	static const unsigned lines[][12] = {
		{ 2, 5, 9, 1, 3, 5, 7, 0 },
		{ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
		{ 1, 2, 3, 0 },
		{ 4, 4, 2, 2, 9, 1, 1, 0 },
	};
	size_t t, i, n;

	QDX_UNUSED(state);
	for (t = 0; t < sizeof(lines) / sizeof(lines[0]); t++) {
		qdx_doc *doc = qdx_xcalloc(1, sizeof(*doc));
		qdx_node *root = qdx_node_new(doc, QDX_NODE_PART, 0), *c, *prev = NULL;
		for (n = 0; lines[t][n]; n++) {
			c = qdx_node_new(doc, QDX_NODE_ITEM, lines[t][n]);
			c->level = (int)n;   /* the order of addition */
			qdx_node_append(root, c);
		}
		qdx_node_sort_children(root);
		for (i = 0, c = root->first; c; c = c->next, i++) {
			if (prev)
				assert_true(prev->line < c->line ||
				            (prev->line == c->line && prev->level < c->level));
			assert_ptr_equal(c->parent, root);
			prev = c;
		}
		assert_int_equal(i, n);
		assert_ptr_equal(root->last, prev);
		qdx_doc_free(doc);
	}
}

/* Strings are not aligned, other allocations are, and both are intact
 * next to each other. */
static void test_alignment(void **state)
{
	qdx_arena a = { NULL, NULL };
	size_t i;

	QDX_UNUSED(state);
	for (i = 0; i < 5000; i++) {
		char *s = qdx_arena_strndup(&a, "abc", i % 5);
		uint64_t *p = qdx_arena_alloc(&a, sizeof(*p) * 3);
		assert_int_equal((uintptr_t)p % 8, 0);
		assert_int_equal(p[0] | p[1] | p[2], 0);
		p[0] = p[2] = ~(uint64_t)0;
		assert_int_equal(strlen(s), i % 5 > 3 ? 3 : i % 5);
	}
	qdx_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern),
		cmocka_unit_test(test_intern_many),
		cmocka_unit_test(test_attrs),
		cmocka_unit_test(test_sort_children),
		cmocka_unit_test(test_alignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
