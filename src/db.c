/*
 * db.c - the SQLite sink: one walk over the document tree, one row per node.
 *
 * Like xml.c and json.c this is a renderer of the same tree with the same
 * ENTER/EXIT loop; only the output is rows instead of text.  The schema is
 * the list of migrations below, applied in order, each in its own
 * transaction, with PRAGMA user_version counting how many have run.
 *
 * Speed comes from three things measured in ../shared/NOTES.md: WAL with
 * synchronous=NORMAL, statements prepared once per index, and one
 * transaction per QDX_INDEX_BATCH documents (a commit per row is 100-4,000
 * times slower).  A failure undoes its document alone and leaves the rest
 * of the batch: a new document's rows are deleted again, a replacement is
 * written inside a SAVEPOINT (see add_new() for why not every document).
 *
 * Full-text search.  FTS5's unicode61 tokenizer can strip tone marks but
 * never turns "đ" into "d", and a reader without a Vietnamese keyboard types
 * "dang" for "Đảng".  So the text is folded in C (fold.c: tone and vowel
 * marks removed, đ -> d, lower case) and the folded text is what FTS5
 * indexes, through the qdx_fold() SQL function registered here.  The index
 * is contentless (content=''): the original text is already in items.text
 * and documents.title, and a stored folded copy (external content) would
 * only add write volume; the price is that removing a row from the index
 * needs its folded text again, which qdx_fold() recomputes from the stored
 * original.  The tokenizer also strips diacritics (remove_diacritics 2), so
 * a query typed with tone marks ("vị trí") finds the folded tokens too;
 * only "đ" must be typed as "d".  An exact search is the folded match
 * narrowed by the original text, which still uses the index:
 *
 *   SELECT i.* FROM items_fts f JOIN items i ON i.id = f.rowid
 *    WHERE items_fts MATCH '"vi tri"' AND instr(i.text, 'vị trí') > 0;
 *
 * A second, unfolded FTS column for exact search measured 40% slower
 * ingest for something instr() does on the few rows the folded match
 * leaves.
 *
 * FTS5 is most of the cost of ingest, and how rows reach it matters.
 * Measured on the corpus (CPU time, 50 MB): rows alone 33-45 MB/s; plus an
 * FTS5 insert per item in the same transaction 16-18 MB/s; plus one
 * INSERT ... SELECT qdx_fold(text) per batch, just before its COMMIT,
 * 23-25 MB/s (a single one after the whole load: 25-26).  The per-item
 * inserts were slow because each document's SAVEPOINT makes FTS5 flush
 * its pending terms into a new segment, and merging that many small
 * segments is the cost; entries added outside any savepoint cost what one
 * statement does, FTS5 writing one segment per commit.  So a new document
 * is written without a savepoint, and its search entries right after its
 * rows.  Adding them all at the commit instead cost the same but came in
 * bursts: the writer spent 40 ms on each while the parsing threads, their
 * window of documents full, waited (bench corpus, -j 2: the parsers 0.7 s
 * each, the writer 0.65 s, of a 2.1 s loop).
 *
 * With `qdx ingest -j N` this file runs in one thread, the only writer
 * SQLite allows, while N others parse: it is the bottleneck, so what needs
 * no connection is done before the document gets here (qdx_fold_doc() in
 * the parsing thread).  Measured there (bench corpus, 2,000 files, 55.8
 * MB, CPU of the writing thread): 2.85 s before; 2.0 s with the indexes
 * deferred on an empty index (defer_indexes()); less with FTS5 merging 8
 * segments at a time (migration 3); and the texts folded ahead.  Then, in
 * instructions (callgrind): 11.4 G; 8.4 G without the indexes no query
 * used (migration 4) and with FTS5 merging only when 64 segments wait
 * (migration 5).
 */
#include "internal.h"
#include "ckpt.h"
#include "fold.h"

#include <assert.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

/* Documents per transaction: large enough that commits stop mattering,
 * small enough that a crash loses little work. */
#define QDX_INDEX_BATCH 64

/* The page cache, in KiB as PRAGMA cache_size takes it (see
 * qdx_index_open()). */
#define QDX_INDEX_CACHE "-2000"

/* ---- the schema --------------------------------------------------------- */

/* Migration N (1-based) takes a database from user_version N-1 to N.
 * Never edit one that has shipped: append a new one. */
static const char *const migrations[] = {
	/* 1: the initial schema. */
	"CREATE TABLE documents ("
	"  id INTEGER PRIMARY KEY,"
	"  path TEXT NOT NULL UNIQUE,"          /* as given to qdx_index_add() */
	"  sha256 TEXT NOT NULL,"               /* of the input bytes */
	"  kind TEXT, number TEXT, issuer TEXT, province TEXT,"
	"  date TEXT,"                          /* ISO 8601, NULL when unknown */
	"  year INTEGER, title TEXT,"
	"  signer_role TEXT, signer_name TEXT, signer_on_behalf TEXT,"
	"  attached_number TEXT, attached_date TEXT,"
	"  ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
	");"
	"CREATE INDEX documents_sha256 ON documents(sha256);"
	"CREATE INDEX documents_province ON documents(province, year);"
	"CREATE INDEX documents_number ON documents(number);"

	"CREATE TABLE parts ("
	"  id INTEGER PRIMARY KEY,"
	"  doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL,"                 /* decision, plan, appendix... */
	"  line INTEGER, title TEXT"
	");"
	"CREATE INDEX parts_doc ON parts(doc);"

	"CREATE TABLE items ("
	"  id INTEGER PRIMARY KEY,"
	"  doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  part INTEGER REFERENCES parts(id) ON DELETE CASCADE,"
	"  parent INTEGER REFERENCES items(id) ON DELETE CASCADE," /* NULL at the top of its part */
	"  line INTEGER NOT NULL,"
	"  label TEXT,"                         /* as written: I, 2, 2.1, a, -, Điều 1 */
	"  style TEXT,"                         /* roman, arabic, decimal, alpha, bullet, row... */
	"  path TEXT,"                          /* II.2.a; #n for the n-th unnumbered child */
	"  level INTEGER NOT NULL,"             /* 1 at the top of its part */
	"  text TEXT NOT NULL,"
	"  product TEXT"
	");"
	"CREATE INDEX items_doc ON items(doc, line);"

	"CREATE TABLE deadlines ("
	"  id INTEGER PRIMARY KEY,"
	"  item INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  line INTEGER, kind TEXT NOT NULL, text TEXT NOT NULL,"
	"  start TEXT, end TEXT,"               /* ISO dates, NULL when open */
	"  freq TEXT, at TEXT, condition TEXT,"
	"  inferred INTEGER NOT NULL DEFAULT 0" /* 1: the year came from the document */
	");"
	/* "Due in 2014 Q3" is a range on end; "under way in Q3" is a range
	 * on end filtered by start: one index serves both. */
	"CREATE INDEX deadlines_end ON deadlines(end, start);"
	"CREATE INDEX deadlines_item ON deadlines(item);"

	"CREATE TABLE agencies ("
	"  id INTEGER PRIMARY KEY,"
	"  item INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  role TEXT NOT NULL,"                 /* lead or partner */
	"  text TEXT NOT NULL,"                 /* as written */
	"  canonical TEXT"
	");"
	"CREATE INDEX agencies_item ON agencies(item, role);"
	"CREATE INDEX agencies_canonical ON agencies(canonical, role)"
	"  WHERE canonical IS NOT NULL;"

	"CREATE TABLE citations ("
	"  id INTEGER PRIMARY KEY,"
	"  doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  item INTEGER REFERENCES items(id) ON DELETE CASCADE," /* NULL outside items */
	"  line INTEGER, kind TEXT, number TEXT NOT NULL, date TEXT"
	");"
	"CREATE INDEX citations_number ON citations(number);"
	"CREATE INDEX citations_doc ON citations(doc);"

	"CREATE TABLE budgets ("
	"  id INTEGER PRIMARY KEY,"
	"  item INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  text TEXT NOT NULL, vnd INTEGER, per TEXT"
	");"
	"CREATE INDEX budgets_item ON budgets(item);"

	/* What the index was built with (fold_version, see fold.h). */
	"CREATE TABLE qdx_meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	/* rowid = documents.id / items.id; the text is qdx_fold(original). */
	"CREATE VIRTUAL TABLE documents_fts USING fts5(title, content='',"
	"  tokenize='unicode61 remove_diacritics 2');"
	"CREATE VIRTUAL TABLE items_fts USING fts5(text, content='',"
	"  tokenize='unicode61 remove_diacritics 2');",

	/* 2: the tree walked downwards.  `qdx tasks` gives an item the lead
	 * agency of its nearest enclosing item ("a) Sở Nội vụ:" above its
	 * tasks) with a recursive query over items.parent, and asks whether
	 * an item has sub-items: without this index each step scans items. */
	"CREATE INDEX items_parent ON items(parent);",

	/* 3: FTS5 merges its segments 8 at a time, not 4: each batch adds a
	 * segment, and merging in wider steps rewrites the index fewer times
	 * (13% less writer CPU over the bench corpus; more segments for a
	 * query to read, which the searches did not show). */
	"INSERT INTO documents_fts(documents_fts, rank) VALUES ('automerge', 8);"
	"INSERT INTO items_fts(items_fts, rank) VALUES ('automerge', 8);",

	/* 4: indexes that neither qdx's queries nor the questions the README
	 * shows need (search, tasks, stats and compare match documents by
	 * qdx_fold(number) and group agencies by an expression).  Sorting
	 * agencies_canonical alone at the end of a load cost 540M
	 * instructions on the bench corpus, a sixth of the writer's index
	 * building; a query of one's own by canonical name scans the
	 * agencies, a few milliseconds at 100,000 rows.  deadlines_end and
	 * citations_number stay: tasks due in a period and the documents
	 * that cite one are what analysts ask the index directly. */
	"DROP INDEX IF EXISTS agencies_canonical;"
	"DROP INDEX IF EXISTS documents_number;"
	"DROP INDEX IF EXISTS documents_sha256;",

	/* 5: FTS5 merges its segments only when 64 wait on one level, never
	 * a few at a time as they come.  Each commit adds a segment, and the
	 * incremental merges of migration 3 rewrote the index as it grew: a
	 * third of FTS5's work in a load (bench corpus: 6.3 G instructions
	 * with them, 4.2 G without; its 32 segments stay apart).  A search
	 * reads one more doclist per segment, which did not show (4 queries
	 * of common words: 0.08-0.11 s over 32 segments, 0.08 s over 11). */
	"INSERT INTO documents_fts(documents_fts, rank) VALUES ('automerge', 0);"
	"INSERT INTO documents_fts(documents_fts, rank) VALUES ('crisismerge', 64);"
	"INSERT INTO items_fts(items_fts, rank) VALUES ('automerge', 0);"
	"INSERT INTO items_fts(items_fts, rank) VALUES ('crisismerge', 64);",
};

#define QDX_INDEX_VERSION ((int)QDX_COUNT(migrations))

/* ---- prepared statements -------------------------------------------------- */

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_FIND,
	/* Removing a document, in this order (see delete_rows()). */
	ST_DEL_DOC_FTS,
	ST_DEL_ITEM_FTS,
	ST_DEL_DEADLINES,
	ST_DEL_AGENCIES,
	ST_DEL_BUDGETS,
	ST_DEL_CITATIONS,
	ST_DEL_ITEMS,
	ST_DEL_PARTS,
	ST_DEL_DOC,
	ST_INS_DOC,
	ST_INS_PART,
	ST_INS_ITEM,
	ST_INS_DEADLINE,
	ST_INS_AGENCY,
	ST_INS_BUDGET,
	ST_INS_CITATION,
	ST_FTS_DOC,
	ST_FTS_ITEM,
	ST_COUNT
};

static const char *const statements[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_SAVEPOINT] = "SAVEPOINT qdx_doc",
	[ST_RELEASE] = "RELEASE qdx_doc",
	[ST_ROLLBACK_TO] = "ROLLBACK TO qdx_doc",
	[ST_FIND] = "SELECT id, sha256 FROM documents WHERE path = ?1",
	[ST_DEL_DOC_FTS] =
		"INSERT INTO documents_fts(documents_fts, rowid, title)"
		" SELECT 'delete', id, qdx_fold(title) FROM documents"
		" WHERE id = ?1 AND title <> ''",
	[ST_DEL_ITEM_FTS] =
		"INSERT INTO items_fts(items_fts, rowid, text)"
		" SELECT 'delete', id, qdx_fold(text) FROM items"
		" WHERE doc = ?1 AND text <> ''",
	[ST_DEL_DEADLINES] =
		"DELETE FROM deadlines WHERE item IN (SELECT id FROM items WHERE doc = ?1)",
	[ST_DEL_AGENCIES] =
		"DELETE FROM agencies WHERE item IN (SELECT id FROM items WHERE doc = ?1)",
	[ST_DEL_BUDGETS] =
		"DELETE FROM budgets WHERE item IN (SELECT id FROM items WHERE doc = ?1)",
	[ST_DEL_CITATIONS] = "DELETE FROM citations WHERE doc = ?1",
	[ST_DEL_ITEMS] = "DELETE FROM items WHERE doc = ?1",
	[ST_DEL_PARTS] = "DELETE FROM parts WHERE doc = ?1",
	[ST_DEL_DOC] = "DELETE FROM documents WHERE id = ?1",
	[ST_INS_DOC] =
		"INSERT INTO documents(path, sha256, kind, number, issuer, province,"
		" date, year, title, signer_role, signer_name, signer_on_behalf,"
		" attached_number, attached_date)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[ST_INS_PART] = "INSERT INTO parts(doc, type, line, title) VALUES (?1, ?2, ?3, ?4)",
	[ST_INS_ITEM] =
		"INSERT INTO items(doc, part, parent, line, label, style, path, level,"
		" text, product) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_INS_DEADLINE] =
		"INSERT INTO deadlines(item, doc, line, kind, text, start, end, freq,"
		" at, condition, inferred)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_INS_AGENCY] =
		"INSERT INTO agencies(item, doc, role, text, canonical)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_INS_BUDGET] =
		"INSERT INTO budgets(item, doc, text, vnd, per) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_INS_CITATION] =
		"INSERT INTO citations(doc, item, line, kind, number, date)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_FTS_DOC] = "INSERT INTO documents_fts(rowid, title) VALUES (?1, ?2)",
	[ST_FTS_ITEM] = "INSERT INTO items_fts(rowid, text) VALUES (?1, ?2)",
};

/* A row of the document being written waiting for its FTS5 entry, in the
 * order written: its folded text ends at fts_text.p[end], where the next
 * one starts. */
enum { FTS_TITLE, FTS_ITEM };

typedef struct fts_row {
	sqlite3_int64 id;      /* documents.id or items.id */
	size_t end;
	int kind;
} fts_row;

/* One enclosing item during the walk (or the part itself, at depth 0). */
typedef struct frame {
	sqlite3_int64 id;      /* items.id, 0 for the part */
	const char *label;     /* its label, for decimal children ("2" -> "2.1") */
	size_t path_end;       /* its path is ix->item_path.p[0..path_end) */
	unsigned children;     /* items seen under it so far */
} frame;

struct qdx_index {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
	int in_tx;             /* a batch transaction is open */
	int batch;             /* documents written in it */
	int tried_defer;       /* defer_indexes() has had its chance */
	qdx_ckpt *ckpt;        /* checkpoints since the first batch, or NULL */
	sqlite3_int64 doc_id;  /* the documents row being written, 0 before it */
	/* The search entries of the document being written, added by
	 * sync_fts() once its rows are; the first fts_done of them are in
	 * FTS5 already (more stay only after a failure, for a retry). */
	qdx_buf fts_text;
	fts_row *fts;
	size_t nfts, cap_fts, fts_done;
	/* The document being written: its texts folded by the parsing thread
	 * (NULL: fold them here), and the items seen so far. */
	const qdx_folded *folded;
	size_t nitems;
	qdx_buf fold;          /* scratch for qdx_fold() in SQL */
	qdx_buf item_path;     /* scratch: the numbering path being built */
	frame *stack;
	size_t depth, cap;
};

/* ---- helpers -------------------------------------------------------------- */

/* Every SQLite failure reads the same way: the index's path, what we were
 * doing, and SQLite's own words. */
static int db_error(qdx_index *ix, qdx_error *err, const char *what, const char *doc)
{
	if (doc)
		return qdx_error_set(err, QDX_EDB, ix->path, 0, 0, "%s %s: %s", what, doc,
		                     sqlite3_errmsg(ix->db));
	return qdx_error_set(err, QDX_EDB, ix->path, 0, 0, "%s: %s", what,
	                     sqlite3_errmsg(ix->db));
}

/* Runs a statement whose rows we do not need to completion: 0, or the
 * SQLite code with the message still readable for db_error(). */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : rc;
}

static int exec(qdx_index *ix, const char *sql)
{
	return sqlite3_exec(ix->db, sql, NULL, NULL, NULL);
}

/* NULL binds as SQL NULL: an absent field is unknown, not empty. */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_id(sqlite3_stmt *st, int i, sqlite3_int64 id)
{
	if (id)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

/* A whole decimal number, or NULL: "2013" and "45000000" bind as integers,
 * anything else (a blank year, "Theo quy định") as NULL. */
static void bind_integer(sqlite3_stmt *st, int i, const char *s)
{
	char *end;
	long long v;

	if (s && *s && (*s == '-' || (*s >= '0' && *s <= '9'))) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (!errno && !*end) {
			sqlite3_bind_int64(st, i, v);
			return;
		}
	}
	sqlite3_bind_null(st, i);
}


/* ---- opening: pragmas and migrations ---------------------------------------- */

/* The first column of the first row of `sql`, or 0 when there is none. */
static int query_int(qdx_index *ix, const char *sql, int *value)
{
	sqlite3_stmt *st;
	int rc;

	*value = 0;
	rc = sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : rc;
}

static int user_version(qdx_index *ix, int *version)
{
	return query_int(ix, "PRAGMA user_version", version);
}

/* Applies the migrations the file lacks, each in its own transaction.  The
 * version is read again under the write lock, so two processes opening a
 * new index at once do not both run migration 1; an index that is up to
 * date is not locked at all. */
static int migrate(qdx_index *ix, qdx_error *err)
{
	int version, rc;
	char sql[64], what[64] = "cannot read the schema version";

	if (user_version(ix, &version))
		return db_error(ix, err, "cannot read the schema version", NULL);
	while (version >= 0 && version < QDX_INDEX_VERSION) {
		if (exec(ix, "BEGIN IMMEDIATE"))
			return db_error(ix, err, "cannot lock the index to migrate it", NULL);
		if (user_version(ix, &version))
			goto fail;
		if (version >= 0 && version < QDX_INDEX_VERSION) {
			snprintf(what, sizeof(what), "cannot apply schema migration %d", version + 1);
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
			if (exec(ix, migrations[version]) || exec(ix, sql))
				goto fail;
			version++;
		}
		if (exec(ix, "COMMIT"))
			goto fail;
	}
	if (version != QDX_INDEX_VERSION)
		return qdx_error_set(err, QDX_EDB, ix->path, 0, 0,
		                     "schema version %d is not one this qdx knows (1 to %d)",
		                     version, QDX_INDEX_VERSION);
	return 0;
fail:
	rc = db_error(ix, err, what, NULL);
	if (!sqlite3_get_autocommit(ix->db))
		exec(ix, "ROLLBACK");
	return rc;
}

#define FOLD_VERSION_SQL "SELECT value FROM qdx_meta WHERE key = 'fold_version'"

/* Rebuilds both FTS5 indexes when they were made by another qdx_fold()
 * (QDX_FOLD_VERSION), or never made: a contentless index forgets a row only
 * when given the very tokens it was given, so rows folded the old way must
 * not meet deletes folded the new way.  A new index rebuilds in no time. */
static int check_fold(qdx_index *ix, qdx_error *err)
{
	static const char rebuild[] =
		"INSERT INTO documents_fts(documents_fts) VALUES ('delete-all');"
		"INSERT INTO documents_fts(rowid, title)"
		" SELECT id, qdx_fold(title) FROM documents WHERE title <> '';"
		"INSERT INTO items_fts(items_fts) VALUES ('delete-all');"
		"INSERT INTO items_fts(rowid, text)"
		" SELECT id, qdx_fold(text) FROM items WHERE text <> '';";
	char sql[128];
	int version, rc;

	if (query_int(ix, FOLD_VERSION_SQL, &version))
		return db_error(ix, err, "cannot read the folding version", NULL);
	if (version == QDX_FOLD_VERSION)
		return 0;
	if (exec(ix, "BEGIN IMMEDIATE"))
		return db_error(ix, err, "cannot lock the index to rebuild its search tables", NULL);
	if (query_int(ix, FOLD_VERSION_SQL, &version))
		goto fail;
	if (version != QDX_FOLD_VERSION) {
		snprintf(sql, sizeof(sql),
		         "INSERT OR REPLACE INTO qdx_meta(key, value) VALUES ('fold_version', %d)",
		         QDX_FOLD_VERSION);
		if (exec(ix, rebuild) || exec(ix, sql))
			goto fail;
	}
	if (exec(ix, "COMMIT"))
		goto fail;
	return 0;
fail:
	rc = db_error(ix, err, "cannot rebuild the search tables", NULL);
	if (!sqlite3_get_autocommit(ix->db))
		exec(ix, "ROLLBACK");
	return rc;
}

/* Runs the SQL that `sql` selects (one statement per row, in its first
 * column) as one script. */
static int exec_selected(qdx_index *ix, const char *sql)
{
	sqlite3_stmt *st;
	qdx_buf script;
	int rc;

	if ((rc = sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL)))
		return rc;
	qdx_buf_init(&script);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		qdx_buf_puts(&script, (const char *)sqlite3_column_text(st, 0));
		qdx_buf_putc(&script, ';');
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		rc = exec(ix, script.p);
	qdx_buf_free(&script);
	return rc;
}

/* An index filled from empty is built faster without its secondary
 * indexes: keeping a dozen B-trees in order row by row, several of them
 * in random order (agencies by canonical name, deadlines by date), took a
 * third of the writer's time; sorting the rows once at the end costs less
 * than half of that (bench corpus: writer 3.0 s -> 2.0 s CPU, the end's
 * CREATE INDEX included).  So the first batch written into an empty
 * index drops them, in its own transaction, and leaves their CREATE
 * statements in qdx_meta under 'index:NAME'; restore_indexes() makes them
 * again when the writer closes, or, after a crash, when the next writer
 * opens.  Until then every answer is the same, only slower to find. */
static int defer_indexes(qdx_index *ix)
{
	int empty;

	if (query_int(ix, "SELECT NOT EXISTS (SELECT 1 FROM documents)", &empty))
		return -1;
	if (!empty)
		return 0;
	if (exec(ix, "INSERT OR REPLACE INTO qdx_meta(key, value)"
	             " SELECT 'index:' || name, sql FROM sqlite_schema"
	             " WHERE type = 'index' AND sql IS NOT NULL") ||
	    exec_selected(ix, "SELECT 'DROP INDEX \"' || replace(substr(key, 7), '\"', '\"\"') || '\"'"
	                      " FROM qdx_meta WHERE key GLOB 'index:*'"))
		return -1;
	return 0;
}

/* Makes the indexes defer_indexes() dropped, if any are missing. */
static int restore_indexes(qdx_index *ix, qdx_error *err)
{
	static const char pending[] = "SELECT count(*) FROM qdx_meta WHERE key GLOB 'index:*'";
	int version, n, rc;

	/* Before migration 1 there is no qdx_meta, and nothing deferred. */
	if (user_version(ix, &version))
		return db_error(ix, err, "cannot read the schema version", NULL);
	if (version < 1 || version > QDX_INDEX_VERSION)
		return 0;
	if (query_int(ix, pending, &n))
		return db_error(ix, err, "cannot read the deferred indexes", NULL);
	if (!n)
		return 0;
	/* The sort behind CREATE INDEX keeps as much in memory as the page
	 * cache holds, and spills the rest to temporary files, which
	 * temp_store = MEMORY would keep in memory too (46 MB more for 10,000
	 * files).  A smaller cache meanwhile hands its memory to the sort:
	 * the peak stays that of the load. */
	if (exec(ix, "PRAGMA temp_store = FILE") || exec(ix, "PRAGMA cache_size = -500") ||
	    exec(ix, "BEGIN IMMEDIATE")) {
		rc = db_error(ix, err, "cannot lock the index to build its indexes", NULL);
		exec(ix, "PRAGMA temp_store = MEMORY");
		exec(ix, "PRAGMA cache_size = " QDX_INDEX_CACHE);
		return rc;
	}
	rc = 0;
	if (exec_selected(ix, "SELECT value FROM qdx_meta WHERE key GLOB 'index:*'") ||
	    exec(ix, "DELETE FROM qdx_meta WHERE key GLOB 'index:*'") || exec(ix, "COMMIT")) {
		rc = db_error(ix, err, "cannot build the indexes", NULL);
		if (!sqlite3_get_autocommit(ix->db))
			exec(ix, "ROLLBACK");
	}
	exec(ix, "PRAGMA temp_store = MEMORY");
	exec(ix, "PRAGMA cache_size = " QDX_INDEX_CACHE);
	return rc;
}

int qdx_index_open(qdx_index **out, const char *path, qdx_error *err)
{
	qdx_index *ix;
	int rc, i;

	*out = NULL;
	if (!path || !*path)
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0, "no index path given");
	ix = qdx_xcalloc(1, sizeof(*ix));
	ix->path = qdx_xstrdup(path);
	qdx_buf_init(&ix->fold);
	qdx_buf_init(&ix->item_path);
	qdx_buf_init(&ix->fts_text);

	/* One qdx_index is used by one thread at a time (like a qdx_doc), so
	 * the connection needs no mutex of its own. */
	rc = sqlite3_open_v2(path, &ix->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                     NULL);
	if (rc) {
		if (!ix->db) {
			rc = qdx_error_set(err, QDX_EDB, path, 0, 0, "cannot open: %s",
			                   sqlite3_errstr(rc));
			goto cleanup;
		}
		rc = db_error(ix, err, "cannot open", NULL);
		goto cleanup;
	}
	sqlite3_extended_result_codes(ix->db, 1);
	/* Another writer (a second `qdx index` on the same file) holds the
	 * lock for one batch at most: wait for it rather than fail. */
	sqlite3_busy_timeout(ix->db, 10000);
	/* WAL lets readers query while we ingest; NORMAL syncs at checkpoints
	 * only, which keeps the database consistent after a crash and loses
	 * at most the last batches.  temp_store=MEMORY keeps the per-document
	 * savepoint journal off the disk.  A load only appends (its indexes
	 * deferred, see defer_indexes()), so 2 MB of page cache is as fast as
	 * 32 MB was, and memory stays flat: 32 MB filled up by 1,000 files. */
	if (exec(ix, "PRAGMA journal_mode = WAL") ||
	    exec(ix, "PRAGMA synchronous = NORMAL") ||
	    exec(ix, "PRAGMA temp_store = MEMORY") ||
	    exec(ix, "PRAGMA cache_size = " QDX_INDEX_CACHE)) {
		rc = db_error(ix, err, "cannot configure", NULL);
		goto cleanup;
	}
	if (qdx_fold_register(ix->db, &ix->fold)) {
		rc = db_error(ix, err, "cannot register qdx_fold()", NULL);
		goto cleanup;
	}
	rc = restore_indexes(ix, err);
	if (!rc)
		rc = migrate(ix, err);
	if (!rc)
		rc = check_fold(ix, err);
	if (rc)
		goto cleanup;
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(ix->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &ix->st[i], NULL)) {
			rc = db_error(ix, err, "cannot prepare a statement", NULL);
			goto cleanup;
		}
	}
	*out = ix;
	ix = NULL;
	rc = 0;
cleanup:
	if (ix)
		qdx_index_close(ix, NULL);
	return rc;
}

/* ---- the walk ------------------------------------------------------------- */

static frame *push(qdx_index *ix)
{
	if (ix->depth == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 32;
		ix->stack = qdx_xrealloc(ix->stack, ix->cap * sizeof(*ix->stack));
	}
	return memset(&ix->stack[ix->depth++], 0, sizeof(frame));
}

static int is_bullet(const char *label)
{
	/* "-", "+", "*", "•", "–", "—": marks, not numbers. */
	return !strcmp(label, "-") || !strcmp(label, "+") || !strcmp(label, "*") ||
	       !strcmp(label, "\xe2\x80\xa2") || !strcmp(label, "\xe2\x80\x93") ||
	       !strcmp(label, "\xe2\x80\x94");
}

/* The numbering path of an item whose enclosing item (or part) is `up`,
 * left in ix->item_path: the labels from the top of the part joined by
 * dots ("II.2.a").  A decimal label already holds its parent's number
 * ("2.1" under "2"), so only its own last component is added ("II.2.1").
 * Bullets and blank labels have no number to cite, so they are named by
 * their position among their siblings ("II.2.#3"). */
static void item_path(qdx_index *ix, frame *up, const qdx_node *n)
{
	const char *label = qdx_node_label(n);
	qdx_buf *b = &ix->item_path;
	size_t k;

	qdx_buf_reserve(b, 16);
	b->len = up->path_end;
	b->p[b->len] = '\0';
	if (b->len)
		qdx_buf_putc(b, '.');
	if (!label || !*label || is_bullet(label)) {
		qdx_buf_printf(b, "#%u", up->children);
		return;
	}
	if (up->label && (k = strlen(up->label)) && !strncmp(label, up->label, k) &&
	    label[k] == '.' && label[k + 1]) {
		qdx_buf_puts(b, label + k + 1);
		return;
	}
	qdx_buf_puts(b, label);
}

/* Queues the search entry of row `id` for sync_fts(): text number `k` of
 * the document's folded texts (0 the title, then the items in tree order),
 * or `text` folded here when the parsing thread did not. */
static void queue_fts(qdx_index *ix, int kind, sqlite3_int64 id, const char *text, size_t k)
{
	fts_row *r;

	if (ix->nfts == ix->cap_fts) {
		ix->cap_fts = ix->cap_fts ? ix->cap_fts * 2 : 1024;
		ix->fts = qdx_xrealloc(ix->fts, ix->cap_fts * sizeof(*ix->fts));
	}
	if (ix->folded) {
		const qdx_folded *f = ix->folded;
		assert(k < f->n);
		qdx_buf_put(&ix->fts_text, f->text.p + f->at[k],
		            (k + 1 < f->n ? f->at[k + 1] : f->text.len) - f->at[k] - 1);
	} else {
		qdx_fold(&ix->fts_text, text, strlen(text));
	}
	r = &ix->fts[ix->nfts++];
	r->id = id;
	r->kind = kind;
	r->end = ix->fts_text.len;
}

static int add_part(qdx_index *ix, sqlite3_int64 doc, const qdx_node *n, frame *f)
{
	sqlite3_stmt *st = ix->st[ST_INS_PART];

	sqlite3_bind_int64(st, 1, doc);
	bind_text(st, 2, qdx_node_type(n));
	sqlite3_bind_int64(st, 3, qdx_node_line(n));
	bind_text(st, 4, qdx_node_attr(n, "title"));
	if (run(st))
		return -1;
	f->id = 0;
	f->path_end = 0;
	f->label = NULL;
	f->children = 0;
	return 0;
}

static int add_item(qdx_index *ix, sqlite3_int64 doc, sqlite3_int64 part, const qdx_node *n)
{
	frame *up = &ix->stack[ix->depth - 1], *f;
	const char *path = qdx_node_attr(n, "path");
	const char *text = qdx_node_text(n);
	sqlite3_stmt *st = ix->st[ST_INS_ITEM];
	sqlite3_int64 id;
	size_t path_end;

	up->children++;
	if (path) {
		/* A stage that knows better (an appendix row placed under
		 * "Mục II.2") may set the path itself; children continue it. */
		ix->item_path.len = 0;
		qdx_buf_puts(&ix->item_path, path);
	} else {
		item_path(ix, up, n);
	}
	path_end = ix->item_path.len;
	sqlite3_bind_int64(st, 1, doc);
	bind_id(st, 2, part);
	bind_id(st, 3, up->id);
	sqlite3_bind_int64(st, 4, qdx_node_line(n));
	bind_text(st, 5, qdx_node_label(n));
	bind_text(st, 6, qdx_node_type(n));
	bind_text(st, 7, ix->item_path.p);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)ix->depth);
	bind_text(st, 9, text);
	bind_text(st, 10, qdx_node_attr(n, "product"));
	if (run(st))
		return -1;
	id = sqlite3_last_insert_rowid(ix->db);
	ix->nitems++;
	if (*text)
		queue_fts(ix, FTS_ITEM, id, text, ix->nitems);
	/* push() may move the stack: `up` is not used past this point. */
	f = push(ix);
	f->id = id;
	f->label = qdx_node_label(n);
	f->path_end = path_end;
	return 0;
}

static int add_leaf(qdx_index *ix, sqlite3_int64 doc, const qdx_node *n)
{
	const qdx_node *up = qdx_node_parent(n);
	sqlite3_int64 item = 0;
	sqlite3_stmt *st;

	/* The tree puts deadlines, agencies and budgets only under items
	 * (node.c checks it); citations may also sit in a part or a block. */
	if (up && qdx_node_get_kind(up) == QDX_NODE_ITEM && ix->depth > 1)
		item = ix->stack[ix->depth - 1].id;
	switch (qdx_node_get_kind(n)) {
	case QDX_NODE_DEADLINE: {
		const char *inferred = qdx_node_attr(n, "inferred");
		st = ix->st[ST_INS_DEADLINE];
		bind_id(st, 1, item);
		sqlite3_bind_int64(st, 2, doc);
		sqlite3_bind_int64(st, 3, qdx_node_line(n));
		bind_text(st, 4, qdx_node_type(n));
		bind_text(st, 5, qdx_node_text(n));
		bind_text(st, 6, qdx_node_attr(n, "start"));
		bind_text(st, 7, qdx_node_attr(n, "end"));
		bind_text(st, 8, qdx_node_attr(n, "freq"));
		bind_text(st, 9, qdx_node_attr(n, "at"));
		bind_text(st, 10, qdx_node_attr(n, "condition"));
		sqlite3_bind_int(st, 11, inferred && strcmp(inferred, "0") &&
		                         strcmp(inferred, "false"));
		break;
	}
	case QDX_NODE_AGENCY:
		st = ix->st[ST_INS_AGENCY];
		bind_id(st, 1, item);
		sqlite3_bind_int64(st, 2, doc);
		bind_text(st, 3, qdx_node_type(n));
		bind_text(st, 4, qdx_node_text(n));
		bind_text(st, 5, qdx_node_attr(n, "canonical"));
		break;
	case QDX_NODE_BUDGET:
		st = ix->st[ST_INS_BUDGET];
		bind_id(st, 1, item);
		sqlite3_bind_int64(st, 2, doc);
		bind_text(st, 3, qdx_node_text(n));
		bind_integer(st, 4, qdx_node_attr(n, "vnd"));
		bind_text(st, 5, qdx_node_attr(n, "per"));
		break;
	case QDX_NODE_CITATION:
		st = ix->st[ST_INS_CITATION];
		sqlite3_bind_int64(st, 1, doc);
		bind_id(st, 2, item);
		sqlite3_bind_int64(st, 3, qdx_node_line(n));
		bind_text(st, 4, qdx_node_type(n));
		bind_text(st, 5, qdx_node_text(n));
		bind_text(st, 6, qdx_node_attr(n, "date"));
		break;
	default:
		return 0;
	}
	return run(st) ? -1 : 0;
}

/* The document row, then one walk over the tree.  The stack mirrors the
 * items enclosing the current node: frame 0 is the current part. */
static int add_rows(qdx_index *ix, const qdx_doc *doc, const char *path)
{
	sqlite3_stmt *st = ix->st[ST_INS_DOC];
	const char *title = qdx_doc_meta(doc, "title");
	sqlite3_int64 id, part = 0;
	qdx_iter it;
	qdx_event ev;
	const qdx_node *n;

	bind_text(st, 1, path);
	bind_text(st, 2, qdx_doc_sha256(doc));
	bind_text(st, 3, qdx_doc_meta(doc, "kind"));
	bind_text(st, 4, qdx_doc_meta(doc, "number"));
	bind_text(st, 5, qdx_doc_meta(doc, "issuer"));
	bind_text(st, 6, qdx_doc_meta(doc, "province"));
	bind_text(st, 7, qdx_doc_meta(doc, "date"));
	bind_integer(st, 8, qdx_doc_meta(doc, "year"));
	bind_text(st, 9, title);
	bind_text(st, 10, qdx_doc_meta(doc, "signer.role"));
	bind_text(st, 11, qdx_doc_meta(doc, "signer.name"));
	bind_text(st, 12, qdx_doc_meta(doc, "signer.on_behalf"));
	bind_text(st, 13, qdx_doc_meta(doc, "attached_to.number"));
	bind_text(st, 14, qdx_doc_meta(doc, "attached_to.date"));
	if (run(st))
		return -1;
	id = sqlite3_last_insert_rowid(ix->db);
	ix->doc_id = id;
	if (title && *title)
		queue_fts(ix, FTS_TITLE, id, title, 0);
	ix->nitems = 0;

	ix->depth = 0;
	push(ix);
	qdx_iter_init(&it, qdx_doc_root(doc));
	while ((ev = qdx_iter_next(&it, &n)) != QDX_EVENT_DONE) {
		switch (qdx_node_get_kind(n)) {
		case QDX_NODE_PART:
			if (ev == QDX_EVENT_ENTER) {
				ix->depth = 1;
				if (add_part(ix, id, n, &ix->stack[0]))
					return -1;
				part = sqlite3_last_insert_rowid(ix->db);
			} else {
				part = 0;
			}
			break;
		case QDX_NODE_ITEM:
			if (ev == QDX_EVENT_ENTER) {
				if (add_item(ix, id, part, n))
					return -1;
			} else if (ix->depth > 1) {
				ix->depth--;
			}
			break;
		case QDX_NODE_DEADLINE:
		case QDX_NODE_AGENCY:
		case QDX_NODE_BUDGET:
		case QDX_NODE_CITATION:
			if (ev == QDX_EVENT_ENTER && add_leaf(ix, id, n))
				return -1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Removes the rows of document `id` with the statements from `first` to
 * ST_DEL_DOC: from ST_DEL_DOC_FTS its FTS entries first, while the
 * originals that reproduce their folded text exist, then children before
 * parents; from ST_DEL_DEADLINES the rows alone, for a document whose
 * entries are not in FTS5 yet. */
static int delete_rows(qdx_index *ix, sqlite3_int64 id, int first)
{
	int i;

	for (i = first; i <= ST_DEL_DOC; i++) {
		sqlite3_bind_int64(ix->st[i], 1, id);
		if (run(ix->st[i]))
			return -1;
	}
	return 0;
}

static void clear_fts(qdx_index *ix)
{
	ix->nfts = 0;
	ix->fts_done = 0;
	ix->fts_text.len = 0;
}

/* Adds the queued search entries to FTS5.  The entries added are counted
 * as they go, so that a retry after a failure adds none twice. */
static int sync_fts(qdx_index *ix)
{
	size_t from = ix->fts_done ? ix->fts[ix->fts_done - 1].end : 0;

	for (; ix->fts_done < ix->nfts; ix->fts_done++) {
		const fts_row *r = &ix->fts[ix->fts_done];
		sqlite3_stmt *st = ix->st[r->kind == FTS_TITLE ? ST_FTS_DOC : ST_FTS_ITEM];

		sqlite3_bind_int64(st, 1, r->id);
		sqlite3_bind_text(st, 2, ix->fts_text.p + from, (int)(r->end - from), SQLITE_STATIC);
		if (run(st))
			return -1;
		from = r->end;
	}
	clear_fts(ix);
	return 0;
}

/* ---- the public calls ------------------------------------------------------- */

/* Looks `path` up: *old is its document id (0 if absent), *same tells
 * whether the stored content hash is `sha`. */
static int lookup(qdx_index *ix, const char *path, const char *sha, sqlite3_int64 *old,
                  int *same)
{
	sqlite3_stmt *st = ix->st[ST_FIND];
	int rc;

	*old = 0;
	*same = 0;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *stored = (const char *)sqlite3_column_text(st, 1);
		*old = sqlite3_column_int64(st, 0);
		*same = stored && !strcmp(stored, sha);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A failure inside a batch may have made SQLite roll the whole transaction
 * back (disk full, I/O error): then there is no batch left to commit. */
static void check_tx(qdx_index *ix)
{
	if (ix->in_tx && sqlite3_get_autocommit(ix->db)) {
		ix->in_tx = 0;
		ix->batch = 0;
		clear_fts(ix);
	}
}

/* Writes a document whose path the index lacks, without a savepoint: FTS5
 * writes its pending terms out as a new segment at every savepoint, and a
 * segment per document is what made search entries written with their
 * rows slow (see the top of this file).  A failure is undone by deleting
 * what was written of the document, its search entries not being added
 * yet; should that fail too, the whole batch goes rather than half a
 * document. */
static int add_new(qdx_index *ix, const qdx_doc *doc, const char *path, qdx_error *err)
{
	int rc;

	if (!add_rows(ix, doc, path))
		return 0;
	rc = db_error(ix, err, "cannot store", path);
	clear_fts(ix);
	if (ix->doc_id && !sqlite3_get_autocommit(ix->db) && delete_rows(ix, ix->doc_id, ST_DEL_DEADLINES))
		exec(ix, "ROLLBACK");
	check_tx(ix);
	return rc;
}

/* Replaces document `old` by `doc` inside a savepoint, so that a failure
 * keeps the old rows and their search entries. */
static int replace(qdx_index *ix, const qdx_doc *doc, const char *path, sqlite3_int64 old,
                   qdx_error *err)
{
	int rc;

	if (run(ix->st[ST_SAVEPOINT]))
		return db_error(ix, err, "cannot store", path);
	if (delete_rows(ix, old, ST_DEL_DOC_FTS) || add_rows(ix, doc, path)) {
		rc = db_error(ix, err, "cannot store", path);
		run(ix->st[ST_ROLLBACK_TO]);
		run(ix->st[ST_RELEASE]);
		clear_fts(ix);
		check_tx(ix);
		return rc;
	}
	if (run(ix->st[ST_RELEASE])) {
		rc = db_error(ix, err, "cannot store", path);
		check_tx(ix);
		return rc;
	}
	return 0;
}

int qdx_index_add(qdx_index *ix, const qdx_doc *doc, const char *path, int *added,
                  qdx_error *err)
{
	return qdx_index_add_folded(ix, doc, NULL, path, added, err);
}

int qdx_index_add_folded(qdx_index *ix, const qdx_doc *doc, const qdx_folded *folded,
                         const char *path, int *added, qdx_error *err)
{
	const char *sha = qdx_doc_sha256(doc);
	sqlite3_int64 old;
	int same, rc;

	assert(ix && doc && added);
	*added = 0;
	if (!path || !*path)
		return qdx_error_set(err, QDX_EUSAGE, ix->path, 0, 0,
		                     "a document needs a path to be indexed");
	/* Outside a batch the first look-up takes no lock, so re-indexing an
	 * unchanged tree never blocks another writer. */
	if (lookup(ix, path, sha, &old, &same))
		return db_error(ix, err, "cannot look up", path);
	if (same)
		return 0;
	if (!ix->in_tx) {
		if (run(ix->st[ST_BEGIN]))
			return db_error(ix, err, "cannot begin a transaction for", path);
		ix->in_tx = 1;
		/* The first batch: an empty index defers its indexes, and
		 * writing starts the checkpoints. */
		if (!ix->tried_defer) {
			if (defer_indexes(ix))
				return db_error(ix, err, "cannot begin a transaction for", path);
			ix->ckpt = qdx_ckpt_start(ix->db, ix->path);
			ix->tried_defer = 1;
		}
		/* Another process may have stored it since the look-up. */
		if (lookup(ix, path, sha, &old, &same))
			return db_error(ix, err, "cannot look up", path);
		if (same)
			return 0;
	}

	/* Entries an earlier failure left queued go first: the delete of a
	 * replaced document must find all of its own. */
	if (sync_fts(ix)) {
		rc = db_error(ix, err, "cannot update the search index before", path);
		check_tx(ix);
		return rc;
	}
	ix->folded = folded;
	ix->doc_id = 0;
	if ((rc = old ? replace(ix, doc, path, old, err) : add_new(ix, doc, path, err)))
		return rc;
	*added = 1;
	if (sync_fts(ix)) {
		rc = db_error(ix, err, "cannot add to the search index", path);
		check_tx(ix);
		return rc;
	}
	if (++ix->batch >= QDX_INDEX_BATCH)
		return qdx_index_commit(ix, err);
	return 0;
}

int qdx_index_commit(qdx_index *ix, qdx_error *err)
{
	if (!ix->in_tx)
		return 0;
	if (sync_fts(ix)) {
		int rc = db_error(ix, err, "cannot update the search index", NULL);
		check_tx(ix);
		return rc;
	}
	if (run(ix->st[ST_COMMIT])) {
		int rc = db_error(ix, err, "cannot commit", NULL);
		check_tx(ix);
		return rc;
	}
	ix->in_tx = 0;
	ix->batch = 0;
	clear_fts(ix);
	return 0;
}

int qdx_index_close(qdx_index *ix, qdx_error *err)
{
	int rc = 0, i;

	if (!ix)
		return 0;
	if (ix->db) {
		if (ix->in_tx && ix->st[ST_COMMIT])
			rc = qdx_index_commit(ix, err);
		if (rc && sqlite3_get_autocommit(ix->db) == 0)
			exec(ix, "ROLLBACK");
		if (!rc && ix->tried_defer)
			rc = restore_indexes(ix, err);
		qdx_ckpt_stop(ix->ckpt);
		for (i = 0; i < ST_COUNT; i++)
			sqlite3_finalize(ix->st[i]);
		if (sqlite3_close(ix->db) && !rc)
			rc = db_error(ix, err, "cannot close", NULL);
	}
	qdx_buf_free(&ix->fold);
	qdx_buf_free(&ix->item_path);
	qdx_buf_free(&ix->fts_text);
	free(ix->fts);
	free(ix->stack);
	free(ix->path);
	free(ix);
	return rc;
}
