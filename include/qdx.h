/*
 * qdx.h - turn Vietnamese administrative documents into structured data.
 *
 * The only public header of libqdx.  Every function consumes its inputs and
 * produces its outputs: nothing is retained from a caller's buffer after a
 * call returns, and anything handed back through an `out` parameter belongs
 * to the caller, who releases it with the matching `_free` function.
 *
 * The library never prints.  A call that can fail returns 0 or a negative
 * QDX_E* code and fills a qdx_error with a message that names the position.
 */
#ifndef QDX_H
#define QDX_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QDX_VERSION "0.1.0"

/** Error codes; the CLI maps each to an exit status (see `qdx help`). */
enum qdx_status {
	QDX_OK = 0,
	QDX_EINPUT = -1,   /**< the input is not a document qdx can read */
	QDX_ERULES = -2,   /**< a rules file is malformed */
	QDX_EIO = -3,      /**< a file could not be read or written */
	QDX_EDB = -4,      /**< the SQLite index refused an operation */
	QDX_EUSAGE = -5    /**< the caller passed something meaningless */
};

/** A failure's description, filled by any call that returns an error.
 *  `path` and `line` are 0/empty when they do not apply. */
typedef struct qdx_error {
	int code;
	char path[512];
	unsigned line;
	unsigned column;
	char message[512];
} qdx_error;

/** Formats the error as "path:line:column: error: message", the parts
 *  that do not apply left out.  Writes at most `n` bytes into `buf` (always
 *  NUL-terminated). */
void qdx_error_format(const qdx_error *err, char *buf, size_t n);

/** Initialises the libraries qdx uses (libxml2 is not safe to initialise
 *  from several threads at once).  Call once, from the main thread, before
 *  parsing in several threads; harmless to call again. */
void qdx_init(void);

/* ---- rules ------------------------------------------------------------ */

/** The compiled rule sets (rules/NAME.rules).  Immutable once loaded, so one
 *  qdx_rules may be shared by threads parsing documents in parallel. */
typedef struct qdx_rules qdx_rules;

/** Loads and JIT-compiles every `*.rules` file in `dir`.  On success the
 *  caller owns `*out` and frees it with qdx_rules_free().  On a malformed
 *  rule, `err` names "dir/x.rules", the line and the column of the fault. */
int qdx_rules_load(qdx_rules **out, const char *dir, qdx_error *err);

/** Frees rules loaded by qdx_rules_load(); NULL is allowed. */
void qdx_rules_free(qdx_rules *rules);

/** Runs the `test` lines of every rule file against the rules, writing one
 *  line per failure (and a summary) to `report`.  Returns the number of
 *  failed examples, or a negative code. */
int qdx_rules_selftest(const qdx_rules *rules, FILE *report, int *passed);

/* ---- documents -------------------------------------------------------- */

typedef struct qdx_doc qdx_doc;
typedef struct qdx_node qdx_node;

/** What qdx_doc_parse() may be told about its input. */
typedef struct qdx_parse_options {
	const char *source;    /**< name printed in output and errors, or NULL */
	const char *encoding;  /**< force an encoding ("utf-8", "tcvn3", "vni",
	                            "viscii", "windows-1258", "utf-16le", ...),
	                            or NULL to detect it from the bytes */
	int html;              /**< 1 HTML, 0 text, -1 guess from name/bytes */
	int strict;            /**< invalid bytes are an error, not a warning */
} qdx_parse_options;

/** Parses `len` bytes of one document.  On success the caller owns `*out`
 *  (free with qdx_doc_free()); the bytes are copied, not retained.  Input
 *  that cannot be read at all (binary, empty, too large) fails with
 *  QDX_EINPUT and a message in `err`; lesser oddities become the
 *  document's diagnostics. */
int qdx_doc_parse(qdx_doc **out, const qdx_rules *rules, const void *data,
                  size_t len, const qdx_parse_options *opt, qdx_error *err);

/** Reads and parses the file at `path` (see qdx_doc_parse()). */
int qdx_doc_parse_file(qdx_doc **out, const qdx_rules *rules, const char *path,
                       const qdx_parse_options *opt, qdx_error *err);

/** Frees a document and its whole tree; NULL is allowed. */
void qdx_doc_free(qdx_doc *doc);

/** The document's root node; owned by the document. */
const qdx_node *qdx_doc_root(const qdx_doc *doc);

/** Hex SHA-256 of the input bytes; owned by the document. */
const char *qdx_doc_sha256(const qdx_doc *doc);

/** A field of the document's identity ("kind", "number", "issuer",
 *  "province", "date", "year", "title", "signer.role", "signer.name",
 *  "signer.on_behalf", "attached_to.number", "attached_to.date"), or NULL
 *  when unknown.  Owned by the document. */
const char *qdx_doc_meta(const qdx_doc *doc, const char *field);

/** Number of diagnostics, and the i-th one (owned by the document). */
size_t qdx_doc_diag_count(const qdx_doc *doc);
const char *qdx_doc_diag(const qdx_doc *doc, size_t i, unsigned *line,
                         const char **severity);

/* ---- the tree --------------------------------------------------------- */

/** Node kinds.  A document holds parts; a part holds items, paragraphs of
 *  its front matter and citations; an item holds items, deadlines,
 *  agencies, a budget and citations. */
typedef enum qdx_node_kind {
	QDX_NODE_DOCUMENT,
	QDX_NODE_PART,       /**< decision, plan, appendix...: see qdx_node_type() */
	QDX_NODE_BLOCK,      /**< front matter: basis, recipients, signature... */
	QDX_NODE_ITEM,       /**< a numbered or bulleted item, or a table row */
	QDX_NODE_DEADLINE,
	QDX_NODE_AGENCY,     /**< type "lead" or "partner" */
	QDX_NODE_BUDGET,
	QDX_NODE_CITATION
} qdx_node_kind;

qdx_node_kind qdx_node_get_kind(const qdx_node *n);
/** Line where the node starts in the original file (1-based), 0 if none. */
unsigned qdx_node_line(const qdx_node *n);
/** Last line of the node's own span in the original file. */
unsigned qdx_node_end_line(const qdx_node *n);
/** Sub-type: a part's kind ("decision", "plan", "appendix"), a block's kind
 *  ("basis", "recipients", "signature", "preamble"), an item's numbering
 *  style ("roman", "arabic", "decimal", "alpha", "bullet", "article",
 *  "chapter", "section", "row"), a deadline's kind, an agency's role, a
 *  citation's document kind.  Never NULL. */
const char *qdx_node_type(const qdx_node *n);
/** Label as written without punctuation (items), or NULL. */
const char *qdx_node_label(const qdx_node *n);
/** The node's text: an item's first paragraph, a deadline's phrase, an
 *  agency as written, a citation's number.  Never NULL. */
const char *qdx_node_text(const qdx_node *n);
/** A named attribute: deadlines "start" "end" "freq" "at" "condition"
 *  "inferred"; agencies "canonical"; budgets "vnd" "per"; citations
 *  "date"; items "product" "path"; parts "title".  NULL when absent. */
const char *qdx_node_attr(const qdx_node *n, const char *name);

const qdx_node *qdx_node_parent(const qdx_node *n);
const qdx_node *qdx_node_first_child(const qdx_node *n);
const qdx_node *qdx_node_next(const qdx_node *n);

/** A non-recursive walk: each node is seen once on ENTER and, if it may
 *  have children, once on EXIT. */
typedef enum qdx_event { QDX_EVENT_DONE, QDX_EVENT_ENTER, QDX_EVENT_EXIT } qdx_event;
typedef struct qdx_iter {
	const qdx_node *root, *cur;
	qdx_event ev;
} qdx_iter;

/** Starts a walk of the subtree at `root` (no allocation). */
void qdx_iter_init(qdx_iter *it, const qdx_node *root);
/** Advances; returns the event and sets `*node`.  DONE ends the walk. */
qdx_event qdx_iter_next(qdx_iter *it, const qdx_node **node);

/* ---- renderers -------------------------------------------------------- */

typedef enum qdx_format { QDX_FORMAT_JSON, QDX_FORMAT_XML } qdx_format;

/** Renders the document.  On success `*out` is a malloc'd NUL-terminated
 *  string the caller frees with free(), `*len` its length. */
int qdx_render(char **out, size_t *len, const qdx_doc *doc, qdx_format fmt);

/** Takes `n` bytes of rendered output at `p` (not NUL-terminated, valid
 *  during the call only); a nonzero return stops the rendering. */
typedef int (*qdx_write_fn)(void *ctx, const char *p, size_t n);

/** Renders the document as qdx_render() does, handing the text to `write`
 *  in order, in pieces of about 64 KiB, so that the output of a large
 *  document is never whole in memory.  Returns 0, QDX_EUSAGE for an
 *  unknown format, or what `write` returned when it stopped it. */
int qdx_render_write(const qdx_doc *doc, qdx_format fmt, qdx_write_fn write, void *ctx);

/* ---- the SQLite index ------------------------------------------------- */

typedef struct qdx_index qdx_index;

/** Opens (creating or migrating) the index at `path`.  The caller owns
 *  `*out` and closes it with qdx_index_close(). */
int qdx_index_open(qdx_index **out, const char *path, qdx_error *err);

/** Stores a parsed document under `path`, replacing earlier rows of the
 *  same path.  Sets `*added` to 0 when the same content was already
 *  stored.  Writes are batched; qdx_index_commit() makes them durable.
 *  The first write starts a thread of the index's own, with a second
 *  connection, that copies the write-ahead log into the database until
 *  qdx_index_close(). */
int qdx_index_add(qdx_index *ix, const qdx_doc *doc, const char *path,
                  int *added, qdx_error *err);

/** Commits the current batch. */
int qdx_index_commit(qdx_index *ix, qdx_error *err);

/** Commits and closes; NULL is allowed. */
int qdx_index_close(qdx_index *ix, qdx_error *err);

/** Receives the documents of qdx_parse_many(), in input order, in the
 *  calling thread: `doc` (owned by qdx_parse_many, valid during the call)
 *  or NULL and the error that stopped file `i`.  A non-zero return stops
 *  the run and is returned by qdx_parse_many(). */
typedef int (*qdx_each_fn)(void *ctx, size_t i, const qdx_doc *doc, const qdx_error *err);

/** Parses the `n` files in `paths` with `threads` threads in all (the
 *  calling thread and `threads` - 1 workers; the calling thread parses
 *  whenever the next file is not ready) and calls `each` for every file
 *  in order.  Shows progress on standard error when
 *  it is a terminal.  Call qdx_init() once before. */
int qdx_parse_many(const qdx_rules *rules, const char *const *paths, size_t n,
                   const qdx_parse_options *opt, int threads, qdx_each_fn each, void *ctx);

/** What qdx_ingest() did. */
typedef struct qdx_ingest_stats {
	size_t added, unchanged, failed;   /* files */
	size_t items, deadlines;           /* in the files added */
	size_t bytes;                      /* of all files read */
	double seconds;
} qdx_ingest_stats;

/** Called, in the calling thread, for each file that fails. */
typedef void (*qdx_ingest_report)(void *ctx, const qdx_error *err);

/** Parses the `n` files in `paths` with `threads` threads in all, as
 *  qdx_parse_many() does, and stores them in `ix` in that order, from the
 *  calling thread.  A file that fails is reported and
 *  skipped; an index error stops the run and is returned.  Shows progress
 *  on standard error when it is a terminal.  Fills `*stats`.  Call
 *  qdx_init() once before. */
int qdx_ingest(qdx_index *ix, const qdx_rules *rules, const char *const *paths, size_t n,
               const qdx_parse_options *opt, int threads, qdx_ingest_report report,
               void *ctx, qdx_ingest_stats *stats);

/* ---- reading the index: search, tasks, stats, compare ------------------ */

/** A read-only connection to an index written by qdx_index_open() and
 *  qdx_ingest().  It never creates or changes the file, and may be used
 *  while another process ingests. */
typedef struct qdx_reader qdx_reader;

/** Opens the index at `path` for reading.  The caller owns `*out` and
 *  closes it with qdx_reader_close().  A missing file fails with QDX_EIO;
 *  a file that is not a qdx index, or whose search tables were folded by
 *  another qdx (run `qdx ingest` on it again), with QDX_EDB. */
int qdx_reader_open(qdx_reader **out, const char *path, qdx_error *err);

/** Closes a reader; NULL is allowed. */
void qdx_reader_close(qdx_reader *r);

/** Output formats of the reading calls; each call says which it takes and
 *  refuses the others with QDX_EUSAGE. */
typedef enum qdx_output {
	QDX_OUT_TEXT,      /**< for a terminal: aligned columns, blocks */
	QDX_OUT_CSV,       /**< RFC 4180: a header row, CRLF, quotes doubled */
	QDX_OUT_JSON,      /**< one JSON array (tasks) or object (stats) */
	QDX_OUT_NDJSON,    /**< one JSON object per line */
	QDX_OUT_ICS,       /**< iCalendar (RFC 5545): one VTODO per deadline */
	QDX_OUT_HTML       /**< a self-contained page: inline CSS, no script */
} qdx_output;

/** How qdx_search() matches and prints. */
typedef struct qdx_search_options {
	int exact;          /**< the whole query is one phrase that must appear
	                         as typed (tone marks and đ count; case does not) */
	size_t limit;       /**< at most this many hits; 0 means 20 */
	int color;          /**< QDX_OUT_TEXT: mark matches with ANSI bold
	                         instead of [brackets] */
	qdx_output format;  /**< QDX_OUT_TEXT or QDX_OUT_NDJSON */
} qdx_search_options;

/** Searches document titles and item texts for `query`.  Words are matched
 *  folded (no tone marks, đ = d, any case): "vi tri viec lam" finds "vị trí
 *  việc làm", "dang" finds "Đảng"; rows holding the words as one phrase come
 *  first, then rows holding them all.  A part of the query in double quotes
 *  ("\"Đảng\"") must appear as typed.  Each hit gives the document's path
 *  and line, the item's path and a snippet with the matches marked.  On
 *  success `*out` is a malloc'd NUL-terminated string the caller frees with
 *  free(), `*len` its length and `*hits` the number of hits in it. */
int qdx_search(char **out, size_t *len, size_t *hits, qdx_reader *r, const char *query,
               const qdx_search_options *opt, qdx_error *err);

/** Which tasks qdx_tasks() lists; a NULL field does not filter.  Text is
 *  compared folded ("binh dinh" is "Bình Định"); dates are YYYY, YYYY-MM
 *  or YYYY-MM-DD and bound the deadline's end, inclusive. */
typedef struct qdx_task_filter {
	const char *province;    /**< the document's province contains this */
	const char *agency;      /**< a lead agency (as written or canonical) contains this */
	const char *due_before;  /**< the deadline ends on or before this date */
	const char *due_after;   /**< the deadline ends on or after this date */
	const char *kind;        /**< the deadline's kind ("quarter", "recurring"...) */
	const char *cites;       /**< the document cites this number ("1557/QĐ-TTg") */
} qdx_task_filter;

/** Lists the tasks of the index: one row per deadline of an item, and one
 *  row for an item without a deadline that has no sub-items and a lead
 *  agency (its own, or the nearest enclosing item's, as in "a) Sở Nội vụ:"
 *  above its tasks).  Formats: QDX_OUT_TEXT (a table), QDX_OUT_CSV,
 *  QDX_OUT_JSON, QDX_OUT_NDJSON, QDX_OUT_ICS (deadlines with a date only;
 *  recurring ones with an RRULE).  On success `*out` is a malloc'd
 *  NUL-terminated string the caller frees with free(), `*len` its length,
 *  `*rows` the number of tasks in it. */
int qdx_tasks(char **out, size_t *len, size_t *rows, qdx_reader *r,
              const qdx_task_filter *filter, qdx_output format, qdx_error *err);

/** Counts: documents by kind, province and year; items; deadlines by kind;
 *  the lead agencies (canonical names) with the most tasks.  Formats
 *  QDX_OUT_TEXT and QDX_OUT_JSON.  `*out` is malloc'd; free() it. */
int qdx_stats(char **out, size_t *len, qdx_reader *r, qdx_output format, qdx_error *err);

/** What qdx_compare() compares. */
typedef struct qdx_compare_options {
	const char *cites;       /**< compare the documents that cite this number;
	                              NULL: the national number that most documents
	                              cite before their first item (the document
	                              they implement), shared by two at least */
	const char *doc1, *doc2; /**< or these two documents (a path as ingested,
	                              its file name, or the document's number) */
	double threshold;        /**< least similarity of a pair; 0 means 0.3 */
} qdx_compare_options;

/** The plans that implement one document, aligned task by task. */
typedef struct qdx_comparison qdx_comparison;

/** Aligns the tasks of each pair of chosen documents: every task is scored
 *  against every task of the other document by the similarity of their
 *  folded syllable bigrams (a Dice coefficient weighted by how rare each
 *  bigram is in the two documents), and pairs are taken best first, each
 *  task at most once, down to the threshold.  The caller owns `*out` and
 *  frees it with qdx_comparison_free().  Fails with QDX_EUSAGE when fewer
 *  than two documents qualify. */
int qdx_compare(qdx_comparison **out, qdx_reader *r, const qdx_compare_options *opt,
                qdx_error *err);

/** Renders a comparison: QDX_OUT_TEXT (pairs in two columns, then the tasks
 *  left without a counterpart), QDX_OUT_NDJSON (one object per pair of
 *  documents) or QDX_OUT_HTML (a self-contained report).  `*out` is
 *  malloc'd; free() it. */
int qdx_comparison_render(char **out, size_t *len, const qdx_comparison *c,
                          qdx_output format, qdx_error *err);

/** Frees a comparison; NULL is allowed. */
void qdx_comparison_free(qdx_comparison *c);

#ifdef __cplusplus
}
#endif
#endif
