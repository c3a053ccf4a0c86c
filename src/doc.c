/*
 * doc.c - a parsed document: runs the stages in order and answers the
 * public accessors.
 */
#include "internal.h"
#include "segment.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Larger inputs are refused before anything is allocated for them: no
 * administrative document comes near it, and parsing peaks at a small
 * multiple of the input size. */
#define QDX_MAX_INPUT ((size_t)64 << 20)

int qdx_error_set(qdx_error *err, int code, const char *path, unsigned line,
                  unsigned column, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

void qdx_error_format(const qdx_error *err, char *buf, size_t n)
{
	char pos[64] = "";

	if (err->line && err->column)
		snprintf(pos, sizeof(pos), ":%u:%u", err->line, err->column);
	else if (err->line)
		snprintf(pos, sizeof(pos), ":%u", err->line);
	if (err->path[0])
		snprintf(buf, n, "%s%s: error: %s", err->path, pos, err->message);
	else
		snprintf(buf, n, "error: %s", err->message);
}

void qdx_doc_diag_add(qdx_doc *doc, uint32_t line, const char *severity, const char *fmt, ...)
{
	qdx_diags *d = &doc->diags;
	va_list ap;
	int n;
	char *msg;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = qdx_xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = qdx_arena_alloc(&doc->arena, (size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
	d->v[d->n].line = line;
	d->v[d->n].severity = severity;
	d->v[d->n].message = msg;
	d->n++;
}

static void hash_input(qdx_doc *doc, const void *data, size_t len)
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	static const char hex[] = "0123456789abcdef";
	size_t i;

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (i = 0; i < sizeof(digest); i++) {
		doc->sha256[2 * i] = hex[digest[i] >> 4];
		doc->sha256[2 * i + 1] = hex[digest[i] & 15];
	}
	doc->sha256[64] = '\0';
}

/* Rules that ran into PCRE2's match or depth limit: the text was read as
 * if they had not matched there; the user should know which rule to fix. */
static void report_limits(qdx_doc *doc)
{
	const char *rule = NULL, *path = NULL;
	char msg[256];
	size_t n = qdx_matcher_limits(doc->matcher, &rule, &path, msg, sizeof(msg));

	if (n)
		qdx_doc_diag_add(doc, 0, "warning",
		                 "%zu match(es) stopped by a PCRE2 limit (%s), first in rule '%s' of %s; "
		                 "the text there was read as if it had not matched",
		                 n, msg, rule, path);
}

/* The parse; `owned`: the input is the caller's malloc'd copy, freed here
 * as soon as it is read, so that a large file is not held twice (bytes and
 * text) while its tree grows. */
static int parse(qdx_doc **out, const qdx_rules *rules, const void *data, size_t len,
                 int owned, const qdx_parse_options *opt, qdx_error *err)
{
	static const qdx_parse_options defaults = { NULL, NULL, -1, 0 };
	qdx_doc *doc;
	qdx_text raw, norm;
	int rc;

	*out = NULL;
	if (!opt)
		opt = &defaults;
	if (len > QDX_MAX_INPUT) {
		if (owned)
			free((void *)data);
		return qdx_error_set(err, QDX_EINPUT, opt->source, 0, 0,
		                     "file too large (%zu MiB; the limit is %zu MiB)",
		                     len >> 20, QDX_MAX_INPUT >> 20);
	}
	doc = qdx_xcalloc(1, sizeof(*doc));
	doc->rules = rules;
	doc->source = qdx_arena_strdup(&doc->arena, opt->source ? opt->source : "-");
	hash_input(doc, data, len);
	doc->root = qdx_node_new(doc, QDX_NODE_DOCUMENT, 0);
	doc->root->type = "document";
	doc->matcher = qdx_matcher_take();

	qdx_text_init(&raw);
	qdx_text_init(&norm);
	rc = qdx_source_read(doc, &raw, data, len, opt, err);
	if (owned) {
		free((void *)data);
		owned = 0;
	}
	if (rc)
		goto cleanup;
	qdx_normalize(doc, &raw, &norm);
	qdx_text_free(&raw);
	if (qdx_letterhead_unfold(doc, &norm, &raw)) {
		qdx_text tmp = norm;
		norm = raw;
		raw = tmp;
		qdx_text_free(&raw);
	}
	qdx_segment(doc, &norm);
	qdx_extract(doc, &norm);
	report_limits(doc);
	qdx_arena_intern_end(&doc->arena);
	qdx_matcher_give(doc->matcher);
	doc->matcher = NULL;
	*out = doc;
	doc = NULL;
cleanup:
	qdx_text_free(&raw);
	qdx_text_free(&norm);
	qdx_doc_free(doc);
	if (owned)
		free((void *)data);
	return rc;
}

int qdx_doc_parse(qdx_doc **out, const qdx_rules *rules, const void *data, size_t len,
                  const qdx_parse_options *opt, qdx_error *err)
{
	return parse(out, rules, data, len, 0, opt, err);
}

int qdx_doc_parse_file(qdx_doc **out, const qdx_rules *rules, const char *path,
                       const qdx_parse_options *opt, qdx_error *err)
{
	qdx_parse_options o = { path, NULL, -1, 0 };
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd, rc;

	*out = NULL;
	if (opt) {
		o = *opt;
		if (!o.source)
			o.source = path;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return qdx_error_set(err, QDX_EIO, path, 0, 0, "cannot open: %s",
		                     strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return qdx_error_set(err, QDX_EIO, path, 0, 0, "not a regular file");
	}
	if ((size_t)st.st_size > QDX_MAX_INPUT) {
		close(fd);
		return qdx_error_set(err, QDX_EINPUT, path, 0, 0,
		                     "file too large (%lld MiB; the limit is %zu MiB)",
		                     (long long)(st.st_size >> 20), QDX_MAX_INPUT >> 20);
	}
	data = qdx_xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, data + got, (size_t)st.st_size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = qdx_error_set(err, QDX_EIO, path, 0, 0, "read failed: %s",
			                   k < 0 ? strerror(errno) : "file shrank while reading");
			close(fd);
			free(data);
			return rc;
		}
		got += (size_t)k;
	}
	close(fd);
	if (o.html < 0) {
		size_t n = strlen(path);
		if ((n > 4 && !strcasecmp(path + n - 4, ".htm")) ||
		    (n > 5 && !strcasecmp(path + n - 5, ".html")))
			o.html = 1;
	}
	return parse(out, rules, data, got, 1, &o, err);
}

void qdx_init(void)
{
	xmlInitParser();
}

void qdx_doc_free(qdx_doc *doc)
{
	if (!doc)
		return;
	qdx_matcher_free(doc->matcher);
	qdx_word_pairs_free(doc->pairs);
	free(doc->diags.v);
	qdx_arena_free(&doc->arena);
	free(doc);
}

const qdx_node *qdx_doc_root(const qdx_doc *doc) { return doc->root; }
const char *qdx_doc_sha256(const qdx_doc *doc) { return doc->sha256; }
size_t qdx_doc_diag_count(const qdx_doc *doc) { return doc->diags.n; }

const char *qdx_doc_diag(const qdx_doc *doc, size_t i, unsigned *line, const char **severity)
{
	if (i >= doc->diags.n)
		return NULL;
	if (line)
		*line = doc->diags.v[i].line;
	if (severity)
		*severity = doc->diags.v[i].severity;
	return doc->diags.v[i].message;
}

const char *qdx_doc_meta(const qdx_doc *doc, const char *field)
{
	const qdx_meta *m = &doc->meta;
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "kind", offsetof(qdx_meta, kind) },
		{ "number", offsetof(qdx_meta, number) },
		{ "issuer", offsetof(qdx_meta, issuer) },
		{ "province", offsetof(qdx_meta, province) },
		{ "date", offsetof(qdx_meta, date) },
		{ "year", offsetof(qdx_meta, year) },
		{ "title", offsetof(qdx_meta, title) },
		{ "signer.role", offsetof(qdx_meta, signer_role) },
		{ "signer.name", offsetof(qdx_meta, signer_name) },
		{ "signer.on_behalf", offsetof(qdx_meta, signer_on_behalf) },
		{ "attached_to.number", offsetof(qdx_meta, attached_number) },
		{ "attached_to.date", offsetof(qdx_meta, attached_date) },
	};
	size_t i;

	for (i = 0; i < QDX_COUNT(fields); i++)
		if (!strcmp(fields[i].name, field))
			return *(const char *const *)((const char *)m + fields[i].off);
	return NULL;
}
