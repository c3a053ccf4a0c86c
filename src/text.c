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
	 * C string; the NUL is not part of len. */
	qdx_buf_put(&t->buf, s, n);
	qdx_buf_putc(&t->buf, '\0');
}

void qdx_text_split(qdx_text *t, const char *s, size_t n)
{
	const char *end = s + n, *p = s;
	uint32_t no = 1;

	qdx_buf_reserve(&t->buf, n + n / 16 + 16);
	while (p < end) {
		const char *q = p;
		size_t len;

		while (q < end && *q != '\n' && *q != '\r')
			q++;
		len = (size_t)(q - p);
		qdx_text_add(t, p, len, no++, 0);
		if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n')
			q++;
		p = q + 1;
	}
}
