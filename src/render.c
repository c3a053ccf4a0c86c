/*
 * render.c - qdx_render() and qdx_render_write(): the public doors to the
 * renderers.
 *
 * Adding a format is a line here and a file of its own; no renderer knows
 * about another.
 */
#include "render.h"

/* A piece this large makes each write worth its call, and keeps what a
 * large document's output holds in memory at one time small. */
#define QDX_SPILL (64 * 1024)

void qdx_sink_spill(qdx_sink *sink, qdx_buf *b, int last)
{
	if (!sink || (!last && b->len < QDX_SPILL))
		return;
	if (!sink->rc && b->len)
		sink->rc = sink->write(sink->ctx, b->p, b->len);
	b->len = 0;
	if (b->cap)
		b->p[0] = '\0';
}

static int render(qdx_buf *b, const qdx_doc *doc, qdx_format fmt, qdx_sink *sink)
{
	switch (fmt) {
	case QDX_FORMAT_JSON:
		return qdx_render_json(b, doc, sink);
	case QDX_FORMAT_XML:
		return qdx_render_xml(b, doc, sink);
	default:
		return QDX_EUSAGE;
	}
}

int qdx_render(char **out, size_t *len, const qdx_doc *doc, qdx_format fmt)
{
	qdx_buf b;
	int rc;

	*out = NULL;
	if (len)
		*len = 0;
	if (!doc)
		return QDX_EUSAGE;
	qdx_buf_init(&b);
	rc = render(&b, doc, fmt, NULL);
	if (rc) {
		qdx_buf_free(&b);
		return rc;
	}
	*out = qdx_buf_detach(&b, len);
	return 0;
}

int qdx_render_write(const qdx_doc *doc, qdx_format fmt, qdx_write_fn write, void *ctx)
{
	qdx_sink sink = { write, ctx, 0 };
	qdx_buf b;
	int rc;

	if (!doc || !write)
		return QDX_EUSAGE;
	qdx_buf_init(&b);
	rc = render(&b, doc, fmt, &sink);
	if (!rc) {
		qdx_sink_spill(&sink, &b, 1);
		rc = sink.rc;
	}
	qdx_buf_free(&b);
	return rc;
}
