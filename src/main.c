/*
 * main.c - the qdx command line.  Uses only the public header.
 */
#include "qdx.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Long options without a short form. */
enum {
	OPT_EXACT = 256,
	OPT_LIMIT,
	OPT_PROVINCE,
	OPT_AGENCY,
	OPT_DUE_BEFORE,
	OPT_DUE_AFTER,
	OPT_KIND,
	OPT_CITES,
	OPT_HTML,
	OPT_THRESHOLD
};

/* Exit statuses, documented in `qdx help`. */
enum {
	EXIT_FAILED_INPUT = 1,   /* some input could not be parsed; the rest was */
	EXIT_USAGE = 2,
	EXIT_RULES = 3,
	EXIT_IO = 4,
	EXIT_DB = 5
};

static const char usage_text[] =
	"usage: qdx COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Turns Vietnamese administrative documents (Quyết định, Kế hoạch, ...) into\n"
	"structured data: identity, parts, the hierarchy of tasks with deadlines,\n"
	"agencies and budgets, and the documents they cite.\n"
	"\n"
	"commands:\n"
	"  parse    print documents as contract JSON (one object per line) or XML\n"
	"  ingest   parse documents into an SQLite index\n"
	"  search   full-text search of the index, with or without tone marks\n"
	"  tasks    the index's tasks and deadlines: table, CSV, JSON, iCalendar\n"
	"  stats    what the index holds, counted\n"
	"  compare  the plans that implement one document, aligned task by task\n"
	"  rules    check the rule files: `qdx rules test`\n"
	"  help     `qdx help COMMAND` for a command's options\n"
	"\n"
	"common options:\n"
	"  --rules DIR      rule files (default: $QDX_RULES, ./rules, the rules beside\n"
	"                   the program, then the installed " QDX_RULES_DIR ")\n"
	"  --encoding NAME  force the input encoding (utf-8, utf-16le, utf-16be,\n"
	"                   windows-1258, tcvn3, vni, viscii, windows-1252)\n"
	"  --strict         invalid bytes in the input are an error, not a warning\n"
	"  -h, --help       this text;  --version  the version\n"
	"\n"
	"exit status: 0 success; 1 an input file could not be parsed (the others\n"
	"were); 2 usage error; 3 a rules file is malformed; 4 a file could not be\n"
	"read or written; 5 the SQLite index failed.  Errors are printed as\n"
	"`qdx: PATH[:LINE]: error: MESSAGE` on standard error.\n";

static const char parse_help[] =
	"usage: qdx parse [--format json|xml] [--out DIR] [-j N] [OPTIONS] FILE|DIR|- ...\n"
	"\n"
	"Parses each FILE (directories recursively; - reads standard input) and\n"
	"prints it.  JSON (the default) is the shape of CONTRACT.md, one object per\n"
	"line for each document (NDJSON).  XML follows schema/qdx.rng; with several\n"
	"inputs give --out DIR to write DIR/NAME.xml (or DIR/NAME.json) per\n"
	"document.  Diagnostics go into the output, errors to standard error.\n"
	"Several files are parsed by N threads (-j, default one per core; with\n"
	"-j 1 no thread is added; the one printing parses too) and printed in the\n"
	"order given, each written as it renders.\n";

static const char ingest_help[] =
	"usage: qdx ingest --db FILE [OPTIONS] PATH ...\n"
	"\n"
	"Parses every PATH (directories recursively; - reads a list of paths from\n"
	"standard input) and stores it in the SQLite index FILE, created or migrated\n"
	"as needed.  A file already stored with the same content is skipped; a\n"
	"changed file replaces its rows.  A file that fails is reported and skipped.\n"
	"Prints a summary: documents, items, deadlines, time taken; on a terminal,\n"
	"progress as it goes.  Interrupting it leaves a consistent index: run the\n"
	"same command again to finish.\n"
	"\n"
	"  --db FILE        the index (created if missing)\n"
	"  -j, --jobs N     threads (default: one per core): with 1, one thread\n"
	"                   parses and writes; with N > 1, N - 1 parse while\n"
	"                   another writes the index and parses when it would\n"
	"                   wait\n";

static const char search_help[] =
	"usage: qdx search [--db FILE] [--exact] [--limit N] [--format text|json] QUERY...\n"
	"\n"
	"Searches document titles and item texts in the index (default: qdx.db).\n"
	"Words match without tone marks, đ as d and in any case: \"vi tri viec lam\"\n"
	"finds \"vị trí việc làm\", \"dang\" finds \"Đảng\".  Rows holding the words side\n"
	"by side come first, then rows holding them all.  A part of the query in\n"
	"double quotes must appear as typed, tone marks and đ included (case aside):\n"
	"qdx search '\"Đảng\"' finds \"Đảng\" and not \"đang\".  Each hit prints\n"
	"PATH:LINE: ITEM (NUMBER) and the text with the matches [marked] (in bold on a\n"
	"terminal; NO_COLOR turns that off).\n"
	"\n"
	"  --db FILE        the index (default: qdx.db)\n"
	"  --exact          the whole query is one phrase that must appear as typed\n"
	"  --limit N        at most N hits (default: 20)\n"
	"  --format json    one JSON object per hit and line: path, number, line,\n"
	"                   in (title or item), item, text, snippet\n";

static const char tasks_help[] =
	"usage: qdx tasks [--db FILE] [FILTERS] [--format table|csv|json|ndjson|ics]\n"
	"\n"
	"Lists the tasks in the index (default: qdx.db): one row per deadline of an\n"
	"item, and one row for an item with no deadline and no sub-items that has a\n"
	"lead agency.  The lead is the item's own or, when it names none, that of the\n"
	"nearest enclosing item (\"a) Sở Nội vụ:\" above its tasks).  Rows are in\n"
	"document and line order.\n"
	"\n"
	"filters (text compared without tone marks and case; dates bound the\n"
	"deadline's end, inclusive, as YYYY, YYYY-MM, YYYY-MM-DD or YYYY-QN):\n"
	"  --province TEXT     the document's province contains TEXT\n"
	"  --agency TEXT       a lead agency (as written or canonical) contains TEXT\n"
	"  --due-before DATE   due on or before DATE (2014-Q3: by 30 September)\n"
	"  --due-after DATE    due on or after DATE (2014-Q3: from 1 July)\n"
	"  --kind KIND         deadline kind: date, before, month, quarter, half, year,\n"
	"                      range, recurring, continuous, conditional\n"
	"  --cites NUMBER      documents that cite NUMBER (e.g. 1557/QĐ-TTg)\n"
	"\n"
	"formats:\n"
	"  table    aligned columns for a terminal (the default); DUE is the\n"
	"           deadline's end, for a recurring one the end of its period\n"
	"  csv      RFC 4180, a header row, CRLF line ends\n"
	"  json     one array of objects;  ndjson: one object per line\n"
	"  ics      iCalendar: one VTODO per deadline that has a day (DUE), with\n"
	"           RRULE for recurring ones; import it into a calendar\n";

static const char stats_help[] =
	"usage: qdx stats [--db FILE] [--format text|json]\n"
	"\n"
	"Counts what the index (default: qdx.db) holds: documents, parts, items,\n"
	"deadlines, agencies, citations, budgets; documents by kind, province and\n"
	"year; deadlines by kind; the 15 lead agencies (canonical names) that lead\n"
	"the most items.\n";

static const char compare_help[] =
	"usage: qdx compare [--db FILE] [--cites NUMBER | DOC1 DOC2] [--html OUT.html]\n"
	"                   [--threshold X] [--format text|json]\n"
	"\n"
	"Puts side by side the plans that implement the same document: those that\n"
	"cite NUMBER or, without --cites and documents, those that cite before their\n"
	"first item the national document that most of them share.  DOC1 and DOC2\n"
	"name two documents by path, file name or number.  Each task of one plan is\n"
	"aligned to its closest counterpart in the other by the similarity of their\n"
	"syllables without tone marks (a Dice coefficient over syllable pairs, rare\n"
	"pairs weighing more), best pairs first, each task used once, a pair whose\n"
	"neighbours are paired alike counting 0.1 more each; pairs print with both\n"
	"sides' deadlines and lead agencies, then the tasks left without a\n"
	"counterpart.\n"
	"\n"
	"  --db FILE        the index (default: qdx.db)\n"
	"  --cites NUMBER   compare the documents that cite NUMBER\n"
	"  --html OUT.html  also write a self-contained HTML report to OUT.html\n"
	"  --threshold X    least similarity of a pair, 0 to 1 (default: 0.3)\n"
	"  --format json    one JSON object per pair of documents\n";

static const char rules_help[] =
	"usage: qdx rules test [--rules DIR]\n"
	"\n"
	"Loads every rules file and runs the `test` and `reject` examples written\n"
	"in them; prints each failure with its file and line.\n";

typedef struct options {
	const char *rules_dir, *format, *out_dir, *db;
	/* search, tasks, stats, compare */
	int exact, limit;
	double threshold;
	const char *html;
	qdx_task_filter filter;
	int jobs;
	qdx_parse_options parse;
} options;

typedef struct paths {
	char **v;
	size_t n, cap;
} paths;

static void die_oom(void)
{
	fputs("qdx: fatal: out of memory\n", stderr);
	exit(EXIT_IO);
}

static void paths_add(paths *p, const char *s)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->v = realloc(p->v, p->cap * sizeof(*p->v));
		if (!p->v)
			die_oom();
	}
	if (!(p->v[p->n++] = strdup(s)))
		die_oom();
}

static void paths_free(paths *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expands a directory into its documents (recursively, sorted), skipping
 * hidden entries and files that are plainly not documents. */
static void expand(paths *out, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	paths sub = { 0 };
	size_t i;

	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		paths_add(out, path);
		return;
	}
	if (!(d = opendir(path))) {
		paths_add(out, path);   /* reported when it is read */
		return;
	}
	while ((e = readdir(d))) {
		char buf[PATH_MAX];
		const char *dot = strrchr(e->d_name, '.');
		if (e->d_name[0] == '.')
			continue;
		if (dot && (!strcmp(dot, ".md") || !strcmp(dot, ".json") || !strcmp(dot, ".xml")))
			continue;
		snprintf(buf, sizeof(buf), "%s/%s", path, e->d_name);
		paths_add(&sub, buf);
	}
	closedir(d);
	if (!sub.n) {
		fprintf(stderr, "qdx: %s: warning: no documents in this directory\n", path);
		return;
	}
	qsort(sub.v, sub.n, sizeof(*sub.v), by_str);
	for (i = 0; i < sub.n; i++)
		expand(out, sub.v[i]);
	paths_free(&sub);
}

static int exists_dir(const char *p)
{
	struct stat st;
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* The rules directory: --rules, $QDX_RULES, ./rules, beside the program,
 * then the installed one. */
static const char *find_rules(const char *given, char *buf, size_t n)
{
	const char *env = getenv("QDX_RULES");
	ssize_t k;

	if (given)
		return given;
	if (env && *env)
		return env;
	if (exists_dir("rules"))
		return "rules";
	k = readlink("/proc/self/exe", buf, n - 16);
	if (k > 0) {
		char *slash;
		buf[k] = '\0';
		if ((slash = strrchr(buf, '/'))) {
			snprintf(slash, n - (size_t)(slash - buf), "/../rules");
			if (exists_dir(buf))
				return buf;
		}
	}
	return QDX_RULES_DIR;
}

static void print_error(const qdx_error *err)
{
	char msg[1200];

	qdx_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "qdx: %s\n", msg);
}

static int exit_for(int code)
{
	switch (code) {
	case QDX_ERULES: return EXIT_RULES;
	case QDX_EIO: return EXIT_IO;
	case QDX_EDB: return EXIT_DB;
	case QDX_EUSAGE: return EXIT_USAGE;
	default: return EXIT_FAILED_INPUT;
	}
}

static int load_rules(qdx_rules **rules, const options *o)
{
	char buf[PATH_MAX];
	qdx_error err = { 0 };
	int rc = qdx_rules_load(rules, find_rules(o->rules_dir, buf, sizeof(buf)), &err);

	if (rc)
		print_error(&err);
	return rc ? exit_for(rc) : 0;
}

/* Reads standard input whole, for `qdx parse -`. */
static int read_stdin(char **data, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *p = malloc(cap);

	if (!p)
		die_oom();
	for (;;) {
		size_t k = fread(p + n, 1, cap - n, stdin);
		n += k;
		if (n < cap) {
			if (ferror(stdin)) {
				free(p);
				return -1;
			}
			break;
		}
		if (cap >= ((size_t)64 << 20) + 1) {
			break;    /* qdx_doc_parse refuses it with a clear message */
		}
		cap *= 2;
		if (!(p = realloc(p, cap)))
			die_oom();
	}
	*data = p;
	*len = n;
	return 0;
}

static int parse_one(qdx_doc **doc, const qdx_rules *rules, const char *path, const options *o,
                     qdx_error *err)
{
	qdx_parse_options po = o->parse;

	if (strcmp(path, "-")) {
		po.source = path;
		return qdx_doc_parse_file(doc, rules, path, &po, err);
	} else {
		char *data;
		size_t len;
		int rc;
		if (read_stdin(&data, &len)) {
			snprintf(err->path, sizeof(err->path), "-");
			snprintf(err->message, sizeof(err->message), "cannot read standard input");
			return QDX_EIO;
		}
		po.source = "-";
		rc = qdx_doc_parse(doc, rules, data, len, &po, err);
		free(data);
		return rc;
	}
}

/* qdx_render_write()'s writer: to a stream, 1 when it fails. */
static int to_stream(void *ctx, const char *p, size_t n)
{
	return fwrite(p, 1, n, ctx) != n;
}

/* Renders a document into DIR/BASENAME.EXT (the input's name, its
 * extension replaced), written as it renders. */
static int write_file(const char *dir, const char *path, const qdx_doc *doc, qdx_format fmt)
{
	char out[PATH_MAX];
	const char *base = strrchr(path, '/');
	const char *dot;
	int n, rc;
	FILE *f;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	n = dot ? (int)(dot - base) : (int)strlen(base);
	snprintf(out, sizeof(out), "%s/%.*s.%s", dir, n, base,
	         fmt == QDX_FORMAT_XML ? "xml" : "json");
	if (!(f = fopen(out, "w"))) {
		fprintf(stderr, "qdx: %s: error: cannot write: %s\n", out, strerror(errno));
		return EXIT_IO;
	}
	rc = qdx_render_write(doc, fmt, to_stream, f);
	if (fclose(f) || rc) {
		fprintf(stderr, "qdx: %s: error: cannot write: %s\n", out, strerror(errno));
		return EXIT_IO;
	}
	return 0;
}

typedef struct parse_ctx {
	const options *o;
	const paths *in;
	qdx_format fmt;
	int status;
} parse_ctx;

/* Renders one parsed document to standard output or its file in --out,
 * as it renders: a large document's output is never whole in memory. */
static int emit(void *arg, size_t i, const qdx_doc *doc, const qdx_error *err)
{
	parse_ctx *c = arg;
	int rc;

	if (!doc) {
		print_error(err);
		c->status = c->status ? c->status : exit_for(err->code);
		return 0;
	}
	if (c->o->out_dir) {
		rc = write_file(c->o->out_dir, c->in->v[i], doc, c->fmt);
		c->status = c->status ? c->status : rc;
	} else if (qdx_render_write(doc, c->fmt, to_stream, stdout) || fputc('\n', stdout) == EOF) {
		fprintf(stderr, "qdx: error: cannot write to standard output: %s\n", strerror(errno));
		c->status = c->status ? c->status : EXIT_IO;
		return 1;
	}
	return 0;
}

static int cmd_parse(options *o, paths *in)
{
	qdx_rules *rules = NULL;
	parse_ctx c = { o, in, QDX_FORMAT_JSON, 0 };
	int rc;

	if (o->format && !strcmp(o->format, "xml"))
		c.fmt = QDX_FORMAT_XML;
	else if (o->format && strcmp(o->format, "json")) {
		fprintf(stderr, "qdx: error: unknown format '%s' (json or xml)\n", o->format);
		return EXIT_USAGE;
	}
	if (!in->n) {
		fputs(parse_help, stderr);
		return EXIT_USAGE;
	}
	if (c.fmt == QDX_FORMAT_XML && in->n > 1 && !o->out_dir) {
		fputs("qdx: error: XML of several documents needs --out DIR\n", stderr);
		return EXIT_USAGE;
	}
	if (o->out_dir && mkdir(o->out_dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "qdx: %s: error: cannot create: %s\n", o->out_dir, strerror(errno));
		return EXIT_IO;
	}
	if ((rc = load_rules(&rules, o)))
		return rc;
	if (in->n == 1 && !strcmp(in->v[0], "-")) {
		qdx_doc *doc = NULL;
		qdx_error err = { 0 };
		rc = parse_one(&doc, rules, "-", o, &err);
		emit(&c, 0, rc ? NULL : doc, &err);
		qdx_doc_free(doc);
	} else {
		qdx_parse_many(rules, (const char *const *)in->v, in->n, &o->parse, o->jobs, emit, &c);
	}
	qdx_rules_free(rules);
	if (fflush(stdout)) {
		fprintf(stderr, "qdx: error: cannot write standard output: %s\n", strerror(errno));
		return EXIT_IO;
	}
	return c.status;
}

static void report_failure(void *ctx, const qdx_error *err)
{
	(void)ctx;
	print_error(err);
}

static int cmd_ingest(options *o, paths *in)
{
	qdx_rules *rules = NULL;
	qdx_index *ix = NULL;
	qdx_error err = { 0 };
	qdx_ingest_stats st;
	int rc;

	if (!o->db || !in->n) {
		fputs(ingest_help, stderr);
		return EXIT_USAGE;
	}
	if ((rc = load_rules(&rules, o)))
		return rc;
	if ((rc = qdx_index_open(&ix, o->db, &err))) {
		print_error(&err);
		qdx_rules_free(rules);
		return exit_for(rc);
	}
	rc = qdx_ingest(ix, rules, (const char *const *)in->v, in->n, &o->parse, o->jobs,
	                report_failure, NULL, &st);
	memset(&err, 0, sizeof(err));
	if (qdx_index_close(ix, &err) && !rc) {
		print_error(&err);
		rc = QDX_EDB;
	}
	qdx_rules_free(rules);
	fprintf(stderr, "qdx: ingested %zu document(s) (%zu unchanged, %zu failed): %zu items, "
	                "%zu deadlines, %.1f MB in %.2f s\n",
	        st.added, st.unchanged, st.failed, st.items, st.deadlines, (double)st.bytes / 1e6,
	        st.seconds);
	if (rc)
		return exit_for(rc);
	return st.failed ? EXIT_FAILED_INPUT : 0;
}

static int cmd_rules(options *o, paths *in)
{
	qdx_rules *rules = NULL;
	int passed = 0, failed, rc;

	if (in->n != 1 || strcmp(in->v[0], "test")) {
		fputs(rules_help, stderr);
		return EXIT_USAGE;
	}
	if ((rc = load_rules(&rules, o)))
		return rc;
	failed = qdx_rules_selftest(rules, stdout, &passed);
	qdx_rules_free(rules);
	printf("%d passed, %d failed\n", passed, failed < 0 ? 0 : failed);
	return failed ? EXIT_FAILED_INPUT : 0;
}

/* ---- the commands that read the index ---- */

/* Maps --format to an output; `json_lines` makes "json" one object per
 * line (search, compare).  Returns -1 for an unknown name. */
static int output_format(const char *name, int json_lines, qdx_output *out)
{
	if (!name || !strcmp(name, "table") || !strcmp(name, "text"))
		*out = QDX_OUT_TEXT;
	else if (!strcmp(name, "csv"))
		*out = QDX_OUT_CSV;
	else if (!strcmp(name, "json"))
		*out = json_lines ? QDX_OUT_NDJSON : QDX_OUT_JSON;
	else if (!strcmp(name, "ndjson"))
		*out = QDX_OUT_NDJSON;
	else if (!strcmp(name, "ics"))
		*out = QDX_OUT_ICS;
	else
		return -1;
	return 0;
}

/* Opens --db (default qdx.db) for reading; 0 or an exit status. */
static int open_reader(qdx_reader **r, const options *o)
{
	qdx_error err = { 0 };
	int rc = qdx_reader_open(r, o->db ? o->db : "qdx.db", &err);

	if (rc)
		print_error(&err);
	return rc ? exit_for(rc) : 0;
}

/* Writes a result to standard output and frees it. */
static int print_result(char *text, size_t len)
{
	int bad = fwrite(text, 1, len, stdout) != len || fflush(stdout);

	free(text);
	if (bad) {
		fprintf(stderr, "qdx: error: cannot write standard output: %s\n", strerror(errno));
		return EXIT_IO;
	}
	return 0;
}

/* The end of an index command: its error, or its output (freed). */
static int finish(int rc, const qdx_error *err, char *text, size_t len)
{
	if (rc) {
		print_error(err);
		free(text);
		return exit_for(rc);
	}
	return print_result(text, len);
}

static int cmd_search(options *o, paths *in)
{
	qdx_search_options so = { 0 };
	qdx_reader *r = NULL;
	qdx_error err = { 0 };
	char *text = NULL, *query;
	size_t len = 0, hits = 0, i, n = 1, k = 0;
	int rc;

	if (!in->n || output_format(o->format, 1, &so.format) ||
	    (so.format != QDX_OUT_TEXT && so.format != QDX_OUT_NDJSON)) {
		if (o->format)
			fprintf(stderr, "qdx: error: search prints text or json, not '%s'\n", o->format);
		fputs(search_help, stderr);
		return EXIT_USAGE;
	}
	/* The words of the query may come as one argument or several. */
	for (i = 0; i < in->n; i++)
		n += strlen(in->v[i]) + 1;
	if (!(query = malloc(n)))
		die_oom();
	for (i = 0; i < in->n; i++) {
		size_t m = strlen(in->v[i]);
		if (i)
			query[k++] = ' ';
		memcpy(query + k, in->v[i], m);
		k += m;
	}
	query[k] = '\0';
	so.exact = o->exact;
	so.limit = o->limit > 0 ? (size_t)o->limit : 0;
	so.color = so.format == QDX_OUT_TEXT && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	if ((rc = open_reader(&r, o))) {
		free(query);
		return rc;
	}
	rc = qdx_search(&text, &len, &hits, r, query, &so, &err);
	qdx_reader_close(r);
	if (rc) {
		print_error(&err);
		free(query);
		return exit_for(rc);
	}
	if (!hits)
		fprintf(stderr, "qdx: no match for '%s'\n", query);
	free(query);
	return print_result(text, len);
}

static int cmd_tasks(options *o, paths *in)
{
	qdx_reader *r = NULL;
	qdx_error err = { 0 };
	qdx_output fmt;
	char *text = NULL;
	size_t len = 0, rows = 0;
	int rc;

	if (in->n || output_format(o->format, 0, &fmt)) {
		if (o->format)
			fprintf(stderr, "qdx: error: tasks prints table, csv, json, ndjson or ics, not '%s'\n",
			        o->format);
		fputs(tasks_help, stderr);
		return EXIT_USAGE;
	}
	if ((rc = open_reader(&r, o)))
		return rc;
	rc = qdx_tasks(&text, &len, &rows, r, &o->filter, fmt, &err);
	qdx_reader_close(r);
	return finish(rc, &err, text, len);
}

static int cmd_stats(options *o, paths *in)
{
	qdx_reader *r = NULL;
	qdx_error err = { 0 };
	qdx_output fmt;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (in->n || output_format(o->format, 0, &fmt) ||
	    (fmt != QDX_OUT_TEXT && fmt != QDX_OUT_JSON)) {
		if (o->format)
			fprintf(stderr, "qdx: error: stats prints text or json, not '%s'\n", o->format);
		fputs(stats_help, stderr);
		return EXIT_USAGE;
	}
	if ((rc = open_reader(&r, o)))
		return rc;
	rc = qdx_stats(&text, &len, r, fmt, &err);
	qdx_reader_close(r);
	return finish(rc, &err, text, len);
}

static int cmd_compare(options *o, paths *in)
{
	qdx_compare_options co = { 0 };
	qdx_comparison *c = NULL;
	qdx_reader *r = NULL;
	qdx_error err = { 0 };
	qdx_output fmt;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if ((in->n != 0 && in->n != 2) || (in->n && o->filter.cites) ||
	    output_format(o->format, 1, &fmt) || (fmt != QDX_OUT_TEXT && fmt != QDX_OUT_NDJSON)) {
		if (o->format)
			fprintf(stderr, "qdx: error: compare prints text or json, not '%s'\n", o->format);
		fputs(compare_help, stderr);
		return EXIT_USAGE;
	}
	co.cites = o->filter.cites;
	co.doc1 = in->n ? in->v[0] : NULL;
	co.doc2 = in->n ? in->v[1] : NULL;
	co.threshold = o->threshold;
	if ((rc = open_reader(&r, o)))
		return rc;
	rc = qdx_compare(&c, r, &co, &err);
	qdx_reader_close(r);
	if (!rc && o->html) {
		FILE *f;
		if ((rc = qdx_comparison_render(&text, &len, c, QDX_OUT_HTML, &err)))
			goto fail;
		if (!(f = fopen(o->html, "w")) || fwrite(text, 1, len, f) != len || fclose(f)) {
			fprintf(stderr, "qdx: %s: error: cannot write: %s\n", o->html, strerror(errno));
			free(text);
			qdx_comparison_free(c);
			return EXIT_IO;
		}
		free(text);
	}
	if (!rc)
		rc = qdx_comparison_render(&text, &len, c, fmt, &err);
fail:
	qdx_comparison_free(c);
	if (rc) {
		print_error(&err);
		return exit_for(rc);
	}
	return print_result(text, len);
}

/* A whole positive number, or -1. */
static int atoi_checked(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return (*s && !*end && v > 0 && v < 100000) ? (int)v : -1;
}

/* One parser per core: parsing is CPU-bound and the writer is light. */
static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)(n < 16 ? n : 16) : 1;
}

/* The commands, each with its help: `qdx NAME` runs it, `qdx help NAME`
 * and `qdx NAME --help` print the help. */
static const struct command {
	const char *name;
	int (*run)(options *o, paths *in);
	const char *help;
} commands[] = {
	{ "parse", cmd_parse, parse_help },
	{ "ingest", cmd_ingest, ingest_help },
	{ "rules", cmd_rules, rules_help },
	{ "search", cmd_search, search_help },
	{ "tasks", cmd_tasks, tasks_help },
	{ "stats", cmd_stats, stats_help },
	{ "compare", cmd_compare, compare_help },
};

static const struct command *command_named(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(paths *in)
{
	const char *c = in->n ? in->v[0] : "";
	const struct command *k = command_named(c);

	if (k)
		fputs(k->help, stdout);
	else if (!*c)
		fputs(usage_text, stdout);
	else {
		fprintf(stderr, "qdx: error: no command '%s'\n", c);
		return EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' }, { "out", required_argument, NULL, 'o' },
		{ "rules", required_argument, NULL, 'r' },  { "encoding", required_argument, NULL, 'e' },
		{ "db", required_argument, NULL, 'd' },     { "strict", no_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		/* search, tasks, compare: long options only */
		{ "exact", no_argument, NULL, OPT_EXACT },   { "limit", required_argument, NULL, OPT_LIMIT },
		{ "province", required_argument, NULL, OPT_PROVINCE },
		{ "agency", required_argument, NULL, OPT_AGENCY },
		{ "due-before", required_argument, NULL, OPT_DUE_BEFORE },
		{ "due-after", required_argument, NULL, OPT_DUE_AFTER },
		{ "kind", required_argument, NULL, OPT_KIND }, { "cites", required_argument, NULL, OPT_CITES },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "help", no_argument, NULL, 'h' },         { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	options o;
	paths in = { 0 };
	const char *cmd;
	int c, rc, i;

	memset(&o, 0, sizeof(o));
	o.parse.html = -1;
	o.jobs = default_jobs();
	qdx_init();
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help"))
		return fputs(usage_text, stdout), 0;
	if (!strcmp(cmd, "--version"))
		return puts("qdx " QDX_VERSION), 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, "f:o:r:e:d:j:sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o.format = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'r': o.rules_dir = optarg; break;
		case 'e': o.parse.encoding = optarg; break;
		case 'd': o.db = optarg; break;
		case 's': o.parse.strict = 1; break;
		case 'j':
			o.jobs = atoi_checked(optarg);
			if (o.jobs < 1 || o.jobs > 256) {
				fprintf(stderr, "qdx: error: -j takes a number of threads from 1 to 256\n");
				return EXIT_USAGE;
			}
			break;
		case OPT_EXACT: o.exact = 1; break;
		case OPT_LIMIT:
			if ((o.limit = atoi_checked(optarg)) < 1) {
				fprintf(stderr, "qdx: error: --limit takes a number of hits from 1 to 99999\n");
				return EXIT_USAGE;
			}
			break;
		case OPT_PROVINCE: o.filter.province = optarg; break;
		case OPT_AGENCY: o.filter.agency = optarg; break;
		case OPT_DUE_BEFORE: o.filter.due_before = optarg; break;
		case OPT_DUE_AFTER: o.filter.due_after = optarg; break;
		case OPT_KIND: o.filter.kind = optarg; break;
		case OPT_CITES: o.filter.cites = optarg; break;
		case OPT_HTML: o.html = optarg; break;
		case OPT_THRESHOLD: {
			char *end;
			o.threshold = strtod(optarg, &end);
			if (*end || end == optarg || !(o.threshold > 0 && o.threshold <= 1)) {
				fprintf(stderr, "qdx: error: --threshold takes a number above 0, at most 1\n");
				return EXIT_USAGE;
			}
			break;
		}
		case 'h': {
			paths h = { 0 };
			paths_add(&h, cmd);
			rc = cmd_help(&h);
			paths_free(&h);
			return rc;
		}
		default:
			fprintf(stderr, "qdx: see `qdx help %s`\n", cmd);
			return EXIT_USAGE;
		}
	}
	for (i = optind; i < argc; i++) {
		/* Only parse and ingest take files; the rest take words. */
		if ((strcmp(cmd, "parse") && strcmp(cmd, "ingest")) || !strcmp(argv[i], "-"))
			paths_add(&in, argv[i]);
		else
			expand(&in, argv[i]);
	}
	if (!strcmp(cmd, "ingest") && in.n == 1 && !strcmp(in.v[0], "-")) {
		char line[PATH_MAX];
		paths_free(&in);
		memset(&in, 0, sizeof(in));
		while (fgets(line, sizeof(line), stdin)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (*line)
				expand(&in, line);
		}
	}
	if (command_named(cmd))
		rc = command_named(cmd)->run(&o, &in);
	else if (!strcmp(cmd, "help"))
		rc = cmd_help(&in);
	else {
		fprintf(stderr, "qdx: error: unknown command '%s'\n%s", cmd, usage_text);
		rc = EXIT_USAGE;
	}
	paths_free(&in);
	return rc;
}
