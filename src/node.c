/*
 * node.c - the one tree every renderer walks, and its iterator.
 *
 * The iterator follows cmark's: ENTER on the way down, EXIT on the way up
 * for nodes that can hold children, no recursion and no allocation, so a
 * document nested 10,000 levels deep walks like a flat one.
 */
#include "internal.h"

/* Which kinds may hold which: the tree's shape is checked where it is made,
 * not discovered by a renderer. */
static int may_contain(qdx_node_kind parent, qdx_node_kind child)
{
	switch (parent) {
	case QDX_NODE_DOCUMENT:
		return child == QDX_NODE_PART;
	case QDX_NODE_PART:
		return child == QDX_NODE_BLOCK || child == QDX_NODE_ITEM ||
		       child == QDX_NODE_CITATION;
	case QDX_NODE_BLOCK:
		return child == QDX_NODE_CITATION;
	case QDX_NODE_ITEM:
		return child != QDX_NODE_DOCUMENT && child != QDX_NODE_PART &&
		       child != QDX_NODE_BLOCK;
	default:
		return 0;
	}
}

static int is_container(qdx_node_kind k)
{
	return k == QDX_NODE_DOCUMENT || k == QDX_NODE_PART || k == QDX_NODE_BLOCK ||
	       k == QDX_NODE_ITEM;
}

qdx_node *qdx_node_new(qdx_doc *doc, qdx_node_kind kind, uint32_t line)
{
	qdx_node *n = qdx_arena_alloc(&doc->arena, sizeof(*n));
	n->kind = kind;
	n->line = n->end_line = line;
	n->type = "";
	n->text = "";
	return n;
}

void qdx_node_append(qdx_node *parent, qdx_node *child)
{
	if (!may_contain(parent->kind, child->kind))
		qdx_die("tree: node kind %d may not hold kind %d", parent->kind, child->kind);
	child->parent = parent;
	child->next = NULL;
	if (parent->last)
		parent->last->next = child;
	else
		parent->first = child;
	parent->last = child;
}

/* Merges two lists sorted by line, the first's nodes first on ties. */
static qdx_node *merge(qdx_node *a, qdx_node *b)
{
	qdx_node head, *t = &head;

	while (a && b) {
		if (b->line < a->line) {
			t->next = b;
			b = b->next;
		} else {
			t->next = a;
			a = a->next;
		}
		t = t->next;
	}
	t->next = a ? a : b;
	return head.next;
}

void qdx_node_sort_children(qdx_node *parent)
{
	qdx_node *runs[48], *c = parent->first, *next, *list;
	size_t nruns = 0, k;

	/* A stable merge of the runs already in order: the children come as
	 * two (blocks, then items), so this is one merge in practice.  Runs are
	 * merged pairwise as they come, like a binary counter, so that any
	 * order stays O(n log n) with a bounded stack of runs. */
	while (c) {
		qdx_node *start = c;
		while (c->next && c->next->line >= c->line)
			c = c->next;
		next = c->next;
		c->next = NULL;
		list = start;
		for (k = 0; k < nruns && runs[k]; k++) {
			list = merge(runs[k], list);
			runs[k] = NULL;
		}
		if (k == nruns)
			nruns++;
		runs[k] = list;
		c = next;
	}
	list = NULL;
	for (k = 0; k < nruns; k++)
		if (runs[k])
			list = list ? merge(runs[k], list) : runs[k];
	parent->first = list;
	for (c = list, parent->last = NULL; c; c = c->next)
		parent->last = c;
}

void qdx_node_set_attr(qdx_doc *doc, qdx_node *n, const char *name, const char *value)
{
	qdx_attr *a;

	for (a = n->attrs; a; a = a->next) {
		if (!strcmp(a->name, name)) {
			a->value = value;
			return;
		}
	}
	a = qdx_arena_alloc(&doc->arena, sizeof(*a));
	a->name = name;
	a->value = value;
	a->next = n->attrs;
	n->attrs = a;
}

qdx_node_kind qdx_node_get_kind(const qdx_node *n) { return n->kind; }
unsigned qdx_node_line(const qdx_node *n) { return n->line; }
unsigned qdx_node_end_line(const qdx_node *n) { return n->end_line; }
const char *qdx_node_type(const qdx_node *n) { return n->type; }
const char *qdx_node_label(const qdx_node *n) { return n->label; }
const char *qdx_node_text(const qdx_node *n) { return n->text; }
const qdx_node *qdx_node_parent(const qdx_node *n) { return n->parent; }
const qdx_node *qdx_node_first_child(const qdx_node *n) { return n->first; }
const qdx_node *qdx_node_next(const qdx_node *n) { return n->next; }

const char *qdx_node_attr(const qdx_node *n, const char *name)
{
	const qdx_attr *a;

	for (a = n->attrs; a; a = a->next)
		if (!strcmp(a->name, name))
			return a->value;
	return NULL;
}

void qdx_iter_init(qdx_iter *it, const qdx_node *root)
{
	it->root = root;
	it->cur = NULL;
	it->ev = QDX_EVENT_DONE;
}

qdx_event qdx_iter_next(qdx_iter *it, const qdx_node **node)
{
	const qdx_node *c = it->cur;

	if (!c) {
		if (!it->root || it->ev == QDX_EVENT_EXIT)
			return *node = NULL, QDX_EVENT_DONE;
		it->cur = it->root;
		it->ev = QDX_EVENT_ENTER;
	} else if (it->ev == QDX_EVENT_ENTER && is_container(c->kind)) {
		if (c->first) {
			it->cur = c->first;
			it->ev = QDX_EVENT_ENTER;
		} else {
			it->ev = QDX_EVENT_EXIT;
		}
	} else if (c == it->root) {
		it->cur = NULL;
		it->ev = QDX_EVENT_EXIT;
		return *node = NULL, QDX_EVENT_DONE;
	} else if (c->next) {
		it->cur = c->next;
		it->ev = QDX_EVENT_ENTER;
	} else {
		it->cur = c->parent;
		it->ev = QDX_EVENT_EXIT;
	}
	*node = it->cur;
	return it->ev;
}
