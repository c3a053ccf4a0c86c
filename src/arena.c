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

struct qdx_arena_block {
	qdx_arena_block *next;
	size_t used, size;
	max_align_t data[];
};

void *qdx_arena_alloc(qdx_arena *a, size_t n)
{
	qdx_arena_block *b = a->head;
	size_t align = sizeof(max_align_t);
	char *p;

	n = (n + align - 1) / align * align;
#ifndef QDX_ARENA_MALLOC
	if (!b || b->size - b->used < n) {
		size_t size = n > QDX_ARENA_BLOCK / 4 ? n : QDX_ARENA_BLOCK;
		b = qdx_xmalloc(sizeof(*b) + size);
		b->size = size;
		b->used = 0;
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
	b = qdx_xmalloc(sizeof(*b) + n);
	b->size = n;
	b->used = 0;
	b->next = a->head;
	a->head = b;
#endif
	p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *qdx_arena_strndup(qdx_arena *a, const char *s, size_t n)
{
	char *p = qdx_arena_alloc(a, n + 1);
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
