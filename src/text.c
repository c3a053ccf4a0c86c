/*
 * text.c - a document as lines, each remembering its line in the file.
 */
#include "internal.h"

#include <stdlib.h>

void qdx_text_init(qdx_text *t)
{
	qdx_buf_init(&t->buf);
	t->v = NULL;
	t->n = t->cap = 0;
}

void qdx_text_free(qdx_text *t)
{
	qdx_buf_free(&t->buf);
	free(t->v);
	qdx_text_init(t);
}

void qdx_text_add(qdx_text *t, const char *s, size_t n, uint32_t no, uint32_t flags)
{
	qdx_line *l;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = qdx_xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	l = &t->v[t->n++];
	l->off = (uint32_t)t->buf.len;
	l->len = (uint32_t)n;
	l->no = no;
	l->flags = flags;
	/* Each line is NUL-terminated in the buffer so stages may use it as a
	 * C string; the NUL is not part of len.  One room check for both. */
	if (t->buf.cap - t->buf.len <= n + 1)
		qdx_buf_reserve(&t->buf, n + 1);
	if (n)
		memcpy(t->buf.p + t->buf.len, s, n);
	t->buf.len += n + 1;
	t->buf.p[t->buf.len - 1] = '\0';
	t->buf.p[t->buf.len] = '\0';
}

void qdx_text_adopt(qdx_text *t, qdx_buf *b)
{
	char *p, *end, *nl;
	uint32_t no = 1;

	/* The buffer becomes the text's: each '\n' turns into the NUL that
	 * ends its line, so no line is copied. */
	qdx_text_free(t);
	t->buf = *b;
	qdx_buf_init(b);
	p = t->buf.p;
	end = p + t->buf.len;
	while (p < end) {
		qdx_line *l;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 256;
			t->v = qdx_xrealloc(t->v, t->cap * sizeof(*t->v));
		}
		l = &t->v[t->n++];
		l->off = (uint32_t)(p - t->buf.p);
		l->len = (uint32_t)(nl - p);
		l->no = no++;
		l->flags = 0;
		*nl = '\0';    /* at `end` this is the buffer's own terminator */
		p = nl + 1;
	}
}
