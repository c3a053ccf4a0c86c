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
	"Several files are parsed by N threads (-j, default one per core) and\n"
	"printed in the order given.\n";

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
	"  -j, --jobs N     parse with N threads (default: one per core)\n";

static const char rules_help[] =
	"usage: qdx rules test [--rules DIR]\n"
	"\n"
	"Loads every rules file and runs the `test` and `reject` examples written\n"
	"in them; prints each failure with its file and line.\n";

typedef struct options {
	const char *rules_dir, *format, *out_dir, *db;
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
	char pos[64] = "";

	if (err->line && err->column)
		snprintf(pos, sizeof(pos), ":%u:%u", err->line, err->column);
	else if (err->line)
		snprintf(pos, sizeof(pos), ":%u", err->line);
	if (err->path[0])
		fprintf(stderr, "qdx: %s%s: error: %s\n", err->path, pos, err->message);
	else
		fprintf(stderr, "qdx: error: %s\n", err->message);
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

static int write_file(const char *dir, const char *path, const char *ext, const char *data,
                      size_t len)
{
	char out[PATH_MAX];
	const char *base = strrchr(path, '/');
	const char *dot;
	int n;
	FILE *f;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	n = dot ? (int)(dot - base) : (int)strlen(base);
	snprintf(out, sizeof(out), "%s/%.*s.%s", dir, n, base, ext);
	if (!(f = fopen(out, "w")) || fwrite(data, 1, len, f) != len || fclose(f)) {
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

/* Renders one parsed document to standard output or its file in --out. */
static int emit(void *arg, size_t i, const qdx_doc *doc, const qdx_error *err)
{
	parse_ctx *c = arg;
	char *text;
	size_t len;
	int rc;

	if (!doc) {
		print_error(err);
		c->status = c->status ? c->status : exit_for(err->code);
		return 0;
	}
	if (qdx_render(&text, &len, doc, c->fmt)) {
		fprintf(stderr, "qdx: %s: error: cannot render\n", c->in->v[i]);
		c->status = EXIT_FAILED_INPUT;
		return 0;
	}
	if (c->o->out_dir) {
		rc = write_file(c->o->out_dir, c->in->v[i], c->fmt == QDX_FORMAT_XML ? "xml" : "json",
		                text, len);
		c->status = c->status ? c->status : rc;
	} else {
		fwrite(text, 1, len, stdout);
		fputc('\n', stdout);
	}
	free(text);
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

static int cmd_help(paths *in)
{
	const char *c = in->n ? in->v[0] : "";

	if (!strcmp(c, "parse"))
		fputs(parse_help, stdout);
	else if (!strcmp(c, "ingest"))
		fputs(ingest_help, stdout);
	else if (!strcmp(c, "rules"))
		fputs(rules_help, stdout);
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
		if (!strcmp(cmd, "rules") || !strcmp(cmd, "help") || !strcmp(argv[i], "-"))
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
	if (!strcmp(cmd, "parse"))
		rc = cmd_parse(&o, &in);
	else if (!strcmp(cmd, "ingest"))
		rc = cmd_ingest(&o, &in);
	else if (!strcmp(cmd, "rules"))
		rc = cmd_rules(&o, &in);
	else if (!strcmp(cmd, "help"))
		rc = cmd_help(&in);
	else {
		fprintf(stderr, "qdx: error: unknown command '%s'\n%s", cmd, usage_text);
		rc = EXIT_USAGE;
	}
	paths_free(&in);
	return rc;
}
