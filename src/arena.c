/*
 * arena.c - the per-document allocation region.
 *
 * Everything a parsed document owns (nodes, strings, diagnostics) comes from
 * here and is released at once by qdx_doc_free().  Built with
 * -DQDX_ARENA_MALLOC each allocation is its own malloc block, so that ASan
 * and valgrind see every overrun.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

#define QDX_ARENA_BLOCK 65536
/* Enough for every type the arena holds (pointers, sizes, uint64_t);
 * max_align_t's 16 would pad each 8-byte multiple for nothing. */
#define QDX_ARENA_ALIGN 8

struct qdx_arena_block {
	qdx_arena_block *next;
	size_t used, size;
	max_align_t data[];
};

/* `n` bytes aligned to `align` (a power of two), not zeroed.  Strings ask
 * for an alignment of 1: a document holds hundreds of thousands of short
 * ones, and rounding each up to a word cost a tenth of its arena. */
static void *take(qdx_arena *a, size_t n, size_t align)
{
	qdx_arena_block *b = a->head;
	size_t at;

#ifndef QDX_ARENA_MALLOC
	at = b ? (b->used + align - 1) & ~(align - 1) : 0;
	if (!b || at > b->size || b->size - at < n) {
		size_t size = n > QDX_ARENA_BLOCK / 4 ? n : QDX_ARENA_BLOCK;
		b = qdx_xmalloc(sizeof(*b) + size);
		b->size = size;
		b->used = 0;
		at = 0;
		/* A large request gets a block of its own behind the current one
		 * so the current block's free space is not wasted. */
		if (size == n && a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
#else
	(void)align;
	b = qdx_xmalloc(sizeof(*b) + n);
	b->size = n;
	b->next = a->head;
	a->head = b;
	at = 0;
#endif
	b->used = at + n;
	return (char *)b->data + at;
}

void *qdx_arena_alloc(qdx_arena *a, size_t n)
{
	void *p = take(a, n, QDX_ARENA_ALIGN);

	memset(p, 0, n);
	return p;
}

char *qdx_arena_strndup(qdx_arena *a, const char *s, size_t n)
{
	char *p = take(a, n + 1, 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *qdx_arena_strdup(qdx_arena *a, const char *s)
{
	return qdx_arena_strndup(a, s, strlen(s));
}

char *qdx_arena_printf(qdx_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	p = qdx_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* ---- interned strings ------------------------------------------------------
 * An open-addressing table of the strings handed out.  Long strings are
 * seldom repeated and short ones are most of a table's cells, so only
 * those up to INTERN_MAX bytes are looked up; past INTERN_CAP entries the
 * table stops growing (a document of distinct cells would pay more for
 * the table than it saves) and new strings are simply copied. */
#define INTERN_MAX 160
#define INTERN_CAP (1u << 16)

typedef struct intern_slot {
	const char *s;
	uint32_t n, hash;
} intern_slot;

struct qdx_intern {
	intern_slot *v;
	uint32_t cap, used;     /* cap: a power of two */
};

static void intern_grow(struct qdx_intern *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 1024, i, j;
	intern_slot *v = qdx_xcalloc(cap, sizeof(*v));

	for (i = 0; i < t->cap; i++) {
		if (!t->v[i].s)
			continue;
		for (j = t->v[i].hash & (cap - 1); v[j].s; j = (j + 1) & (cap - 1))
			;
		v[j] = t->v[i];
	}
	free(t->v);
	t->v = v;
	t->cap = cap;
}

const char *qdx_arena_intern(qdx_arena *a, const char *s, size_t n)
{
	struct qdx_intern *t = a->intern;
	uint32_t h, j;
	char *p;

	if (n > INTERN_MAX)
		return qdx_arena_strndup(a, s, n);
	if (!t)
		t = a->intern = qdx_xcalloc(1, sizeof(*t));
	if (t->used < INTERN_CAP && (t->used + 1) * 4 > t->cap * 3)
		intern_grow(t);
	h = qdx_hash(QDX_HASH_SEED, s, n);
	for (j = h & (t->cap - 1); t->v[j].s; j = (j + 1) & (t->cap - 1))
		if (t->v[j].hash == h && t->v[j].n == n && !memcmp(t->v[j].s, s, n))
			return t->v[j].s;
	p = qdx_arena_strndup(a, s, n);
	if (t->used < INTERN_CAP) {
		t->v[j].s = p;
		t->v[j].n = (uint32_t)n;
		t->v[j].hash = h;
		t->used++;
	}
	return p;
}

void qdx_arena_intern_end(qdx_arena *a)
{
	if (a->intern)
		free(a->intern->v);
	free(a->intern);
	a->intern = NULL;
}

void qdx_arena_free(qdx_arena *a)
{
	qdx_arena_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	qdx_arena_intern_end(a);
}
