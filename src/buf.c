/*
 * buf.c - owned byte buffers and the allocation wrappers.
 *
 * Allocation failure is not an input error: it ends the process with a
 * message (as redis and cmark do), so callers never test for NULL.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

static char qdx_empty[1];

_Noreturn void qdx_die(const char *fmt, ...)
{
	va_list ap;
	fputs("qdx: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *qdx_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		qdx_die("out of memory (%zu bytes)", n);
	return p;
}

void *qdx_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		qdx_die("out of memory (%zu bytes)", n);
	return p;
}

void *qdx_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		qdx_die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

char *qdx_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(qdx_xmalloc(n), s, n);
}

void qdx_buf_init(qdx_buf *b)
{
	b->p = qdx_empty;
	b->len = b->cap = 0;
}

void qdx_buf_free(qdx_buf *b)
{
	if (b->cap)
		free(b->p);
	qdx_buf_init(b);
}

void qdx_buf_reserve(qdx_buf *b, size_t extra)
{
	size_t need, cap;

	if (extra > QDX_BUF_MAX || b->len + extra >= QDX_BUF_MAX)
		qdx_die("buffer would exceed %zu bytes", QDX_BUF_MAX);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > QDX_BUF_MAX)
		cap = QDX_BUF_MAX;   /* need is below it: the inline appends stay under */
	b->p = qdx_xrealloc(b->cap ? b->p : NULL, cap);
	if (!b->cap)
		b->p[0] = '\0';
	b->cap = cap;
}


void qdx_buf_puts(qdx_buf *b, const char *s)
{
	qdx_buf_put(b, s, strlen(s));
}

void qdx_buf_printf(qdx_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	qdx_buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void qdx_buf_put_utf8(qdx_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	qdx_buf_put(b, u, n);
}

char *qdx_buf_detach(qdx_buf *b, size_t *len)
{
	char *p = b->cap ? b->p : qdx_xstrdup("");
	if (len)
		*len = b->len;
	qdx_buf_init(b);
	return p;
}

void *qdx_thread_get(qdx_thread_state *ts)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	void *p;

	/* pthread_once() takes no argument, so one lock makes every key */
	if (!__atomic_load_n(&ts->ready, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&mu);
		if (!ts->ready) {
			if (pthread_key_create(&ts->key, ts->free_fn))
				qdx_die("cannot create a thread key");
			__atomic_store_n(&ts->ready, 1, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&mu);
	}
	p = pthread_getspecific(ts->key);
	if (!p) {
		p = qdx_xcalloc(1, ts->size);
		pthread_setspecific(ts->key, p);
	}
	return p;
}
