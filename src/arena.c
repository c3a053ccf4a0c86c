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

void qdx_arena_free(qdx_arena *a)
{
	qdx_arena_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}
