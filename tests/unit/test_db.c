/*
 * test_db.c - the SQLite sink (src/db.c) and the search folding (src/fold.c).
 *
 * Hand-built trees pin the exact rows: numbering paths, deadlines with their
 * lead agency, budgets, citations, what a re-ingest and a changed file do,
 * batching, and a failure in the middle of a batch.  The corpus test then
 * parses every document of corpus/ and checks the index against the trees
 * it came from: as many item rows as ITEM nodes, as many folded full-text
 * hits as the folded texts contain, as many "due in 2014 Q3" rows as such
 * deadlines.  Every database lives in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "internal.h"
#include "ckpt.h"
#include "fold.h"

#ifndef QDX_TOP
#define QDX_TOP "."
#endif

static char tmpdir[256];

/* "All tasks due in 2014 Q3 with their lead agency": the example query of
 * the schema, run as a user would write it. */
static const char q3_sql[] =
	"SELECT d.path, i.path, i.line, i.text, dl.text, dl.start, dl.end,"
	"       (SELECT group_concat(a.text, '; ') FROM agencies a"
	"         WHERE a.item = i.id AND a.role = 'lead') AS lead"
	"  FROM deadlines dl"
	"  JOIN items i ON i.id = dl.item"
	"  JOIN documents d ON d.id = dl.doc"
	" WHERE dl.end BETWEEN '2014-07-01' AND '2014-09-30'"
	" ORDER BY dl.end, d.path, i.line";

/* ---- helpers ------------------------------------------------------------ */

static const char *db_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static void remove_db(const char *path)
{
	char p[600];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static sqlite3 *db_connect(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	return db;
}

/* The integer in the first column of the first row of `sql`. */
static long long sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The text in the first column of the first row of `sql`, into buf. */
static const char *sql_text(sqlite3 *db, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	buf[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void sql_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static void assert_folds(const char *in, const char *want)
{
	qdx_buf b;

	qdx_buf_init(&b);
	qdx_fold(&b, in, strlen(in));
	assert_string_equal(b.p, want);
	assert_int_equal(b.len, strlen(want));
	qdx_buf_free(&b);
}

static qdx_doc *doc_new(char sha)
{
	qdx_doc *doc = qdx_xcalloc(1, sizeof(*doc));

	doc->source = "unit.txt";
	memset(doc->sha256, sha, 64);
	doc->root = qdx_node_new(doc, QDX_NODE_DOCUMENT, 0);
	doc->root->type = "document";
	return doc;
}

static qdx_node *add(qdx_doc *doc, qdx_node *parent, qdx_node_kind kind, unsigned line,
                     const char *type, const char *label, const char *text)
{
	qdx_node *n = qdx_node_new(doc, kind, line);

	n->type = type;
	n->label = label;
	if (text)
		n->text = text;
	qdx_node_append(parent, n);
	return n;
}

/* A small plan: a decision with two articles, then a plan whose items
 * exercise every kind of numbering and every kind of leaf.  `variant`
 * changes one item's text, as an edited file would. */
static qdx_doc *plan_doc(char sha, int variant)
{
	qdx_doc *doc = doc_new(sha);
	qdx_node *dec, *plan, *i1, *one, *ii, *two, *a, *b, *n;

	doc->meta.kind = "ke-hoach";
	doc->meta.number = "103/KH-UBND";
	doc->meta.issuer = "Ủy ban nhân dân tỉnh Bình Định";
	doc->meta.province = "Bình Định";
	doc->meta.date = "2014-03-01";
	doc->meta.year = "2014";
	doc->meta.title = "Kế hoạch thực hiện Nghị quyết của Đảng năm 2014";
	doc->meta.signer_role = "CHỦ TỊCH";
	doc->meta.signer_name = "Lê Hữu Lộc";

	dec = add(doc, doc->root, QDX_NODE_PART, 1, "decision", NULL, NULL);
	add(doc, dec, QDX_NODE_BLOCK, 3, "basis", NULL, NULL);
	n = add(doc, dec->first, QDX_NODE_CITATION, 4, "nghi-dinh", NULL, "36/2013/NĐ-CP");
	add(doc, dec, QDX_NODE_ITEM, 6, "article", "Điều 1", "Ban hành kèm theo Quyết định này Kế hoạch.");
	add(doc, dec, QDX_NODE_ITEM, 7, "article", "Điều 2", "Quyết định có hiệu lực kể từ ngày ký.");

	plan = add(doc, doc->root, QDX_NODE_PART, 10, "plan", NULL, NULL);
	qdx_node_set_attr(doc, plan, "title", "KẾ HOẠCH");
	i1 = add(doc, plan, QDX_NODE_ITEM, 12, "roman", "I", "MỤC ĐÍCH, YÊU CẦU");
	one = add(doc, i1, QDX_NODE_ITEM, 13, "arabic", "1",
	          variant ? "Rà soát biên chế các cơ quan" : "Rà soát VỊ TRÍ VIỆC LÀM các cơ quan");
	add(doc, one, QDX_NODE_ITEM, 14, "bullet", "-", "Quán triệt Nghị quyết của Đảng");
	add(doc, one, QDX_NODE_ITEM, 15, "bullet", "-", "Tuyên truyền sâu rộng");
	ii = add(doc, plan, QDX_NODE_ITEM, 20, "roman", "II", "NHIỆM VỤ");
	two = add(doc, ii, QDX_NODE_ITEM, 21, "arabic", "2", "Cải cách tổ chức bộ máy");
	add(doc, two, QDX_NODE_ITEM, 22, "decimal", "2.1", "Sắp xếp các phòng chuyên môn");
	a = add(doc, two, QDX_NODE_ITEM, 23, "alpha", "a", "Xây dựng đề án vị trí việc làm");
	n = add(doc, a, QDX_NODE_DEADLINE, 23, "quarter", NULL, "Quý III/2014");
	qdx_node_set_attr(doc, n, "start", "2014-07-01");
	qdx_node_set_attr(doc, n, "end", "2014-09-30");
	n = add(doc, a, QDX_NODE_AGENCY, 23, "lead", NULL, "Sở Nội vụ");
	qdx_node_set_attr(doc, n, "canonical", "Sở Nội vụ");
	add(doc, a, QDX_NODE_AGENCY, 23, "partner", NULL, "Sở Tài chính");
	n = add(doc, a, QDX_NODE_BUDGET, 23, "", NULL, "45 tr/ huyện");
	qdx_node_set_attr(doc, n, "vnd", "45000000");
	qdx_node_set_attr(doc, n, "per", "huyện");
	n = add(doc, a, QDX_NODE_CITATION, 23, "quyet-dinh", NULL, "1557/QĐ-TTg");
	qdx_node_set_attr(doc, n, "date", "2012-10-18");
	qdx_node_set_attr(doc, a, "product", "Đề án");
	b = add(doc, two, QDX_NODE_ITEM, 24, "alpha", "b", "Rà soát thủ tục hành chính");
	n = add(doc, b, QDX_NODE_DEADLINE, 24, "recurring", NULL, "Tháng 12 hằng năm");
	qdx_node_set_attr(doc, n, "freq", "yearly");
	qdx_node_set_attr(doc, n, "at", "--12");
	qdx_node_set_attr(doc, n, "inferred", "true");
	n = add(doc, b, QDX_NODE_BUDGET, 24, "", NULL, "Theo Kế hoạch");
	add(doc, b, QDX_NODE_AGENCY, 24, "lead", NULL, "Sở Tư pháp");
	/* A blank STT cell, as in a task table. */
	add(doc, two, QDX_NODE_ITEM, 25, "row", "", "");
	return doc;
}

static int add_doc(qdx_index *ix, const qdx_doc *doc, const char *path)
{
	qdx_error err;
	int added = -1, rc;

	rc = qdx_index_add(ix, doc, path, &added, &err);
	if (rc) {
		char msg[1200];
		qdx_error_format(&err, msg, sizeof(msg));
		fail_msg("qdx_index_add %s: %s", path, msg);
	}
	return added;
}

/* qdx_index_add() with the texts folded ahead, as qdx_ingest() does. */
static int add_folded(qdx_index *ix, const qdx_doc *doc, const char *path)
{
	qdx_folded f;
	qdx_error err;
	int added = -1, rc;

	memset(&f, 0, sizeof(f));
	qdx_fold_doc(&f, doc);
	rc = qdx_index_add_folded(ix, doc, &f, path, &added, &err);
	qdx_folded_free(&f);
	if (rc) {
		char msg[1200];
		qdx_error_format(&err, msg, sizeof(msg));
		fail_msg("qdx_index_add_folded %s: %s", path, msg);
	}
	return added;
}

static qdx_index *open_ix(const char *path)
{
	qdx_index *ix = NULL;
	qdx_error err;

	if (qdx_index_open(&ix, path, &err)) {
		char msg[1200];
		qdx_error_format(&err, msg, sizeof(msg));
		fail_msg("qdx_index_open: %s", msg);
	}
	return ix;
}

static void close_ix(qdx_index *ix)
{
	qdx_error err;

	assert_int_equal(qdx_index_close(ix, &err), 0);
}

/* A fresh index at `path` holding `doc` alone, stored as `name`; the
 * connection the test then reads it with. */
static sqlite3 *index_alone(const char *path, const qdx_doc *doc, const char *name)
{
	qdx_index *ix;

	remove_db(path);
	ix = open_ix(path);
	assert_int_equal(add_doc(ix, doc, name), 1);
	close_ix(ix);
	return db_connect(path);
}

/* Does the folded text contain `phrase` as whole words?  What an FTS5
 * phrase query over the folded text should find. */
static int has_phrase(const char *folded, const char *phrase)
{
	size_t n = strlen(phrase);
	const char *p = folded;

	while ((p = strstr(p, phrase))) {
		int before = p == folded || !((unsigned char)p[-1] >= 0x80 ||
		                              (p[-1] >= 'a' && p[-1] <= 'z') ||
		                              (p[-1] >= '0' && p[-1] <= '9'));
		unsigned char c = (unsigned char)p[n];
		int after = !(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
		if (before && after)
			return 1;
		p++;
	}
	return 0;
}

/* qdx_fold() for the test's own connection. */
static void sql_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	qdx_buf b;

	QDX_UNUSED(argc);
	qdx_buf_init(&b);
	if (s)
		qdx_fold(&b, s, strlen(s));
	sqlite3_result_text(ctx, b.p, (int)b.len, SQLITE_TRANSIENT);
	qdx_buf_free(&b);
}

/* The search index holds exactly the postings a fresh index built from
 * today's items would hold: every token of every live item at its place,
 * nothing left over from replaced documents. */
static void assert_fts_exact(sqlite3 *db)
{
	assert_int_equal(sqlite3_create_function(db, "qdx_fold", 1, SQLITE_UTF8, NULL, sql_fold,
	                                         NULL, NULL), SQLITE_OK);
	sql_exec(db, "INSERT INTO items_fts(items_fts) VALUES ('integrity-check');"
	             "INSERT INTO documents_fts(documents_fts) VALUES ('integrity-check');"
	             "CREATE VIRTUAL TABLE temp.ref USING fts5(text, content='',"
	             " tokenize='unicode61 remove_diacritics 2');"
	             "INSERT INTO temp.ref(rowid, text)"
	             " SELECT id, qdx_fold(text) FROM items WHERE text <> '';"
	             "CREATE VIRTUAL TABLE temp.have USING fts5vocab(main, items_fts, instance);"
	             "CREATE VIRTUAL TABLE temp.want USING fts5vocab(temp, ref, instance);"
	             "CREATE VIRTUAL TABLE temp.dref USING fts5(title, content='',"
	             " tokenize='unicode61 remove_diacritics 2');"
	             "INSERT INTO temp.dref(rowid, title)"
	             " SELECT id, qdx_fold(title) FROM documents WHERE title <> '';"
	             "CREATE VIRTUAL TABLE temp.dhave USING fts5vocab(main, documents_fts, instance);"
	             "CREATE VIRTUAL TABLE temp.dwant USING fts5vocab(temp, dref, instance);");
	assert_true(sql_int(db, "SELECT count(*) FROM temp.want") > 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM temp.have"),
	                 sql_int(db, "SELECT count(*) FROM temp.want"));
	assert_int_equal(sql_int(db, "SELECT count(*) FROM temp.dhave"),
	                 sql_int(db, "SELECT count(*) FROM temp.dwant"));
	assert_int_equal(sql_int(db, "SELECT count(*) FROM (SELECT * FROM temp.have"
	                             " EXCEPT SELECT * FROM temp.want)"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM (SELECT * FROM temp.want"
	                             " EXCEPT SELECT * FROM temp.have)"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM (SELECT * FROM temp.dhave"
	                             " EXCEPT SELECT * FROM temp.dwant)"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM (SELECT * FROM temp.dwant"
	                             " EXCEPT SELECT * FROM temp.dhave)"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts_docsize"),
	                 sql_int(db, "SELECT count(*) FROM items WHERE text <> ''"));
	/* FTS5 forgives a row added twice or a delete of a row it never had
	 * in its postings, but not in its totals (row count, tokens per
	 * column), which bm25() ranks by: record 1 of the data table. */
	assert_int_equal(sql_int(db, "SELECT (SELECT block FROM items_fts_data WHERE id = 1)"
	                             " = (SELECT block FROM temp.ref_data WHERE id = 1)"), 1);
	assert_int_equal(sql_int(db, "SELECT (SELECT block FROM documents_fts_data WHERE id = 1)"
	                             " = (SELECT block FROM temp.dref_data WHERE id = 1)"), 1);
	sql_exec(db, "DROP TABLE temp.have; DROP TABLE temp.want; DROP TABLE temp.ref;"
	             "DROP TABLE temp.dhave; DROP TABLE temp.dwant; DROP TABLE temp.dref;");
}

/* ---- folding ---------------------------------------------------------------- */

static void test_fold(void **state)
{
	qdx_buf b;

	QDX_UNUSED(state);
	assert_folds("Vị trí việc làm", "vi tri viec lam");
	assert_folds("ĐẢNG Cộng sản", "dang cong san");
	assert_folds("đ Đ", "d d");
	assert_folds("àáảãạăằắẳẵặâầấẩẫậ", "aaaaaaaaaaaaaaaaa");
	assert_folds("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", "aaaaaaaaaaaaaaaaa");
	assert_folds("èéẻẽẹêềếểễệ ÈÉẺẼẸÊỀẾỂỄỆ", "eeeeeeeeeee eeeeeeeeeee");
	assert_folds("ìíỉĩị ÌÍỈĨỊ", "iiiii iiiii");
	assert_folds("òóỏõọôồốổỗộơờớởỡợ", "ooooooooooooooooo");
	assert_folds("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", "ooooooooooooooooo");
	assert_folds("ùúủũụưừứửữự ÙÚỦŨỤƯỪỨỬỮỰ", "uuuuuuuuuuu uuuuuuuuuuu");
	assert_folds("ỳýỷỹỵ ỲÝỶỸỴ", "yyyyy yyyyy");
	assert_folds("Quý III/2014", "quy iii/2014");
	/* NFD: base letter + combining marks. */
	assert_folds("Vi\xcc\xa3 tri\xcc\x81", "vi tri");
	/* Legacy converters' eth for Đ. */
	assert_folds("\xc3\x90\xe1\xba\xa3ng", "dang");
	/* Nothing to fold: kept; an invalid byte becomes U+FFFD. */
	assert_folds("Ωμέγα", "Ωμέγα");
	assert_folds("a\xff" "b", "a\xef\xbf\xbd" "b");
	/* Each replacement is longer than its byte: the output grows. */
	assert_folds("\xff\xfe\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_folds("", "");
	/* Appends. */
	qdx_buf_init(&b);
	qdx_buf_puts(&b, "x ");
	qdx_fold(&b, "Ơn", strlen("Ơn"));
	assert_string_equal(b.p, "x on");
	qdx_buf_free(&b);
}

/* ---- the schema and opening ----------------------------------------------------- */

static void test_open(void **state)
{
	const char *path = db_path("open.db");
	qdx_index *ix;
	qdx_error err;
	sqlite3 *db;
	char buf[64];
	long long v;

	QDX_UNUSED(state);
	remove_db(path);
	ix = open_ix(path);
	close_ix(ix);
	db = db_connect(path);
	v = sql_int(db, "PRAGMA user_version");
	assert_true(v >= 1);
	assert_string_equal(sql_text(db, "PRAGMA journal_mode", buf, sizeof(buf)), "wal");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name IN"
	                             " ('documents', 'parts', 'items', 'deadlines', 'agencies',"
	                             "  'citations', 'budgets', 'documents_fts', 'items_fts')"), 9);
	assert_int_equal(sql_int(db, "SELECT value FROM qdx_meta WHERE key = 'fold_version'"),
	                 QDX_FOLD_VERSION);

	/* Opening again migrates nothing. */
	ix = open_ix(path);
	close_ix(ix);
	assert_int_equal(sql_int(db, "PRAGMA user_version"), v);

	/* A file from a newer qdx is refused, naming the file. */
	sql_exec(db, "PRAGMA user_version = 999");
	assert_int_equal(qdx_index_open(&ix, path, &err), QDX_EDB);
	assert_null(ix);
	assert_string_equal(err.path, path);
	assert_non_null(strstr(err.message, "999"));
	sqlite3_close(db);
	remove_db(path);

	/* An unopenable path: QDX_EDB with the path and SQLite's words. */
	assert_int_equal(qdx_index_open(&ix, "/nonexistent-qdx-dir/x.db", &err), QDX_EDB);
	assert_string_equal(err.path, "/nonexistent-qdx-dir/x.db");
	assert_non_null(strstr(err.message, "unable to open"));
	assert_int_equal(qdx_index_close(NULL, &err), 0);
}

/* ---- rows from a hand-built tree -------------------------------------------------- */

static void test_rows(void **state)
{
	const char *path = db_path("rows.db");
	qdx_doc *doc = plan_doc('a', 0);
	sqlite3 *db;
	char buf[256];

	QDX_UNUSED(state);
	db = index_alone(path, doc, "plan.txt");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM parts"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items"), 12);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM deadlines"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM agencies"), 3);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM budgets"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM citations"), 2);

	/* Meta. */
	assert_string_equal(sql_text(db, "SELECT sha256 FROM documents", buf, sizeof(buf)),
	                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_string_equal(sql_text(db, "SELECT province FROM documents", buf, sizeof(buf)),
	                    "Bình Định");
	assert_string_equal(sql_text(db, "SELECT typeof(year) || year FROM documents", buf,
	                             sizeof(buf)), "integer2014");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents WHERE ingested_at LIKE '20__-__-__T__:__:__Z'"), 1);

	/* Numbering paths, levels and parents. */
	assert_string_equal(sql_text(db, "SELECT group_concat(path, ' ') FROM"
	                                 " (SELECT path FROM items ORDER BY line)", buf, sizeof(buf)),
	                    "Điều 1 Điều 2 I I.1 I.1.#1 I.1.#2 II II.2 II.2.1 II.2.a II.2.b II.2.#4");
	assert_string_equal(sql_text(db, "SELECT group_concat(level, '') FROM"
	                                 " (SELECT level FROM items ORDER BY line)", buf, sizeof(buf)),
	                    "111233123333");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items c JOIN items p ON p.id = c.parent"
	                             " WHERE c.path = 'II.2.a' AND p.path = 'II.2'"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items WHERE parent IS NULL"), 4);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items i JOIN parts p ON p.id = i.part"
	                             " WHERE p.type = 'plan'"), 10);
	assert_string_equal(sql_text(db, "SELECT style || '|' || product FROM items WHERE label = 'a'",
	                             buf, sizeof(buf)), "alpha|Đề án");
	assert_string_equal(sql_text(db, "SELECT title FROM parts WHERE type = 'plan'", buf,
	                             sizeof(buf)), "KẾ HOẠCH");

	/* Leaves. */
	assert_string_equal(sql_text(db, "SELECT kind || '|' || freq || '|' || at || '|' || inferred"
	                                 " || '|' || (start IS NULL) FROM deadlines WHERE line = 24",
	                             buf, sizeof(buf)), "recurring|yearly|--12|1|1");
	assert_string_equal(sql_text(db, "SELECT typeof(vnd) || vnd || per FROM budgets"
	                                 " WHERE vnd IS NOT NULL", buf, sizeof(buf)),
	                    "integer45000000huyện");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM budgets WHERE vnd IS NULL AND per IS NULL"
	                             " AND text = 'Theo Kế hoạch'"), 1);
	assert_string_equal(sql_text(db, "SELECT group_concat(role || ':' || text || ':' ||"
	                                 " ifnull(canonical, '-'), ',') FROM"
	                                 " (SELECT * FROM agencies ORDER BY id)", buf, sizeof(buf)),
	                    "lead:Sở Nội vụ:Sở Nội vụ,partner:Sở Tài chính:-,lead:Sở Tư pháp:-");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM citations c JOIN items i ON i.id = c.item"
	                             " WHERE c.number = '1557/QĐ-TTg' AND c.date = '2012-10-18'"
	                             " AND c.kind = 'quyet-dinh' AND i.path = 'II.2.a'"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM citations WHERE item IS NULL"
	                             " AND number = '36/2013/NĐ-CP' AND line = 4"), 1);

	/* The Q3 query: one task, its lead agency. */
	{
		sqlite3_stmt *st;
		int rows = 0;

		assert_int_equal(sqlite3_prepare_v2(db, q3_sql, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			rows++;
			assert_string_equal(sqlite3_column_text(st, 0), "plan.txt");
			assert_string_equal(sqlite3_column_text(st, 1), "II.2.a");
			assert_int_equal(sqlite3_column_int(st, 2), 23);
			assert_string_equal(sqlite3_column_text(st, 4), "Quý III/2014");
			assert_string_equal(sqlite3_column_text(st, 7), "Sở Nội vụ");
		}
		sqlite3_finalize(st);
		assert_int_equal(rows, 1);
	}

	/* Folded search: without tone marks, đ as d; with tone marks too;
	 * exact by narrowing on the original text. */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH"
	                             " '\"vi tri viec lam\"'"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH"
	                             " '\"vị trí việc làm\"'"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts f JOIN items i ON i.id = f.rowid"
	                             " WHERE items_fts MATCH '\"vi tri viec lam\"'"
	                             " AND instr(i.text, 'vị trí việc làm') > 0"), 1);
	assert_string_equal(sql_text(db, "SELECT i.path FROM items_fts f JOIN items i"
	                                 " ON i.id = f.rowid WHERE items_fts MATCH 'dang'",
	                             buf, sizeof(buf)), "I.1.#1");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents_fts f JOIN documents d"
	                             " ON d.id = f.rowid WHERE documents_fts MATCH 'dang'"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH"
	                             " 'nghi quyet'"), 1);
	assert_fts_exact(db);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	sqlite3_close(db);
	qdx_doc_free(doc);
	remove_db(path);
}

/* A path set by a stage is kept, and its children continue it. */
static void test_path_attr(void **state)
{
	const char *path = db_path("attr.db");
	qdx_doc *doc = doc_new('e');
	qdx_node *part, *one, *n;
	sqlite3 *db;
	char buf[128];

	QDX_UNUSED(state);
	part = add(doc, doc->root, QDX_NODE_PART, 1, "appendix", NULL, NULL);
	one = add(doc, part, QDX_NODE_ITEM, 2, "row", "1", "Hàng một");
	qdx_node_set_attr(doc, one, "path", "II.2");
	add(doc, one, QDX_NODE_ITEM, 3, "alpha", "a", "Hàng con");
	n = add(doc, part, QDX_NODE_ITEM, 4, "row", "2", "Hàng hai");
	add(doc, n, QDX_NODE_ITEM, 5, "row", "2.1", "Hàng con");
	db = index_alone(path, doc, "attr.txt");
	assert_string_equal(sql_text(db, "SELECT group_concat(path, ' ') FROM"
	                                 " (SELECT path FROM items ORDER BY line)", buf, sizeof(buf)),
	                    "II.2 II.2.a 2 2.1");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents WHERE title IS NULL"), 1);
	assert_fts_exact(db);
	sqlite3_close(db);
	qdx_doc_free(doc);
	remove_db(path);
}

/* ---- idempotence and replacement --------------------------------------------------- */

static void test_reingest(void **state)
{
	const char *path = db_path("again.db");
	qdx_doc *doc = plan_doc('a', 0), *edited = plan_doc('b', 1);
	qdx_index *ix;
	sqlite3 *db;
	long long changes, max_item;

	QDX_UNUSED(state);
	remove_db(path);
	ix = open_ix(path);
	assert_int_equal(add_doc(ix, doc, "plan.txt"), 1);
	assert_int_equal(add_doc(ix, doc, "copy.txt"), 1);
	close_ix(ix);

	db = db_connect(path);
	max_item = sql_int(db, "SELECT max(id) FROM items");
	changes = sql_int(db, "PRAGMA data_version");

	/* The same content under the same path: nothing written, in the same
	 * batch or after reopening. */
	ix = open_ix(path);
	assert_int_equal(add_doc(ix, doc, "plan.txt"), 0);
	assert_int_equal(add_doc(ix, doc, "plan.txt"), 0);
	close_ix(ix);
	assert_int_equal(sql_int(db, "PRAGMA data_version"), changes);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items"), 24);
	assert_int_equal(sql_int(db, "SELECT max(id) FROM items"), max_item);

	/* A changed file replaces its rows, and only its rows. */
	ix = open_ix(path);
	assert_int_equal(add_doc(ix, edited, "plan.txt"), 1);
	close_ix(ix);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents WHERE path = 'plan.txt'"
	                             " AND sha256 LIKE 'b%'"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items"), 24);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM deadlines"), 4);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM agencies"), 6);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM budgets"), 4);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM citations"), 4);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM parts"), 4);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items WHERE doc NOT IN"
	                             " (SELECT id FROM documents)"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM deadlines WHERE item NOT IN"
	                             " (SELECT id FROM items)"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM agencies WHERE item NOT IN"
	                             " (SELECT id FROM items)"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	/* The search index forgot the old text and learnt the new one. */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts f JOIN items i ON i.id = f.rowid"
	                             " JOIN documents d ON d.id = i.doc WHERE d.path = 'plan.txt'"
	                             " AND items_fts MATCH 'bien che'"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH"
	                             " '\"ra soat vi tri\"'"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'dang'"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH 'dang'"), 2);
	assert_fts_exact(db);

	/* The newest document replaced: its successor's rows reuse its ids. */
	ix = open_ix(path);
	assert_int_equal(add_doc(ix, edited, "copy.txt"), 1);
	close_ix(ix);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'bien che'"), 2);
	assert_fts_exact(db);
	ix = open_ix(path);
	assert_int_equal(add_doc(ix, doc, "copy.txt"), 1);
	close_ix(ix);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'bien che'"), 1);
	assert_fts_exact(db);

	/* Replaced twice inside one batch, before anything is committed. */
	ix = open_ix(path);
	assert_int_equal(add_doc(ix, doc, "batch.txt"), 1);
	assert_int_equal(add_doc(ix, edited, "batch.txt"), 1);
	assert_int_equal(add_doc(ix, doc, "batch.txt"), 1);
	assert_int_equal(add_doc(ix, doc, "batch.txt"), 0);
	close_ix(ix);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents"), 3);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items"), 36);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'bien che'"), 1);
	assert_fts_exact(db);
	sqlite3_close(db);
	qdx_doc_free(doc);
	qdx_doc_free(edited);
	remove_db(path);
}

/* ---- batching and failures ------------------------------------------------------- */

static void test_batches(void **state)
{
	const char *path = db_path("batch.db");
	qdx_doc *doc = plan_doc('c', 0), *edited = plan_doc('d', 1);
	qdx_index *ix;
	qdx_error err;
	sqlite3 *db;
	char name[32];
	int i;

	QDX_UNUSED(state);
	remove_db(path);
	ix = open_ix(path);
	db = db_connect(path);
	for (i = 0; i < 130; i++) {
		snprintf(name, sizeof(name), "doc%03d.txt", i);
		assert_int_equal(add_doc(ix, doc, name), 1);
	}
	/* Two batches of 64 are committed; the last two documents wait. */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents"), 128);
	assert_int_equal(qdx_index_commit(ix, &err), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents"), 130);
	assert_int_equal(qdx_index_commit(ix, &err), 0);

	/* A document that fails half-way leaves no row, and the documents
	 * before it in the batch stay. */
	sql_exec(db, "CREATE TRIGGER boom BEFORE INSERT ON deadlines"
	             " WHEN NEW.text = 'Quý III/2014' AND"
	             " (SELECT path FROM documents WHERE id = NEW.doc) = 'bad.txt'"
	             " BEGIN SELECT RAISE(ABORT, 'boom'); END");
	assert_int_equal(add_doc(ix, doc, "good.txt"), 1);
	{
		int added = -1;
		assert_int_equal(qdx_index_add(ix, doc, "bad.txt", &added, &err), QDX_EDB);
		assert_int_equal(added, 0);
		assert_string_equal(err.path, path);
		assert_non_null(strstr(err.message, "bad.txt"));
		assert_non_null(strstr(err.message, "boom"));
	}
	assert_int_equal(add_doc(ix, doc, "after.txt"), 1);
	close_ix(ix);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents"), 132);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents WHERE path = 'bad.txt'"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items"), 132 * 12);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts_docsize"), 132 * 11);
	assert_fts_exact(db);

	/* A replacement that fails keeps the old rows, and their search
	 * entries, exactly once. */
	ix = open_ix(path);
	sql_exec(db, "CREATE TRIGGER boom2 BEFORE INSERT ON budgets"
	             " WHEN (SELECT path FROM documents WHERE id = NEW.doc) = 'after.txt'"
	             " BEGIN SELECT RAISE(ABORT, 'boom2'); END");
	{
		int added = -1;
		assert_int_equal(qdx_index_add(ix, edited, "after.txt", &added, &err), QDX_EDB);
		assert_int_equal(added, 0);
		assert_non_null(strstr(err.message, "boom2"));
	}
	assert_int_equal(add_doc(ix, edited, "later.txt"), 1);
	close_ix(ix);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents WHERE path = 'after.txt'"
	                             " AND sha256 LIKE 'c%'"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents"), 133);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items"), 133 * 12);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'bien che'"), 1);
	assert_fts_exact(db);
	sqlite3_close(db);
	qdx_doc_free(doc);
	qdx_doc_free(edited);
	remove_db(path);
}

/* An index made before migrations 4 and 5 loses the indexes nothing
 * needs and the incremental FTS5 merges; its rows and search entries
 * stay. */
static void test_upgrade(void **state)
{
	const char *path = db_path("upgrade.db");
	qdx_doc *doc = plan_doc('e', 0);
	qdx_index *ix;
	sqlite3 *db;

	QDX_UNUSED(state);
	db = index_alone(path, doc, "a.txt");
	sql_exec(db, "CREATE INDEX agencies_canonical ON agencies(canonical, role)"
	             "  WHERE canonical IS NOT NULL;"
	             "CREATE INDEX documents_number ON documents(number);"
	             "INSERT INTO items_fts(items_fts, rank) VALUES ('automerge', 8);"
	             "PRAGMA user_version = 3");
	ix = open_ix(path);
	close_ix(ix);
	assert_int_equal(sql_int(db, "PRAGMA user_version"), 5);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema"
	                             " WHERE name IN ('agencies_canonical', 'documents_number')"), 0);
	/* the indexes the README's questions use stay */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema"
	                             " WHERE name IN ('deadlines_end', 'citations_number')"), 2);
	assert_int_equal(sql_int(db, "SELECT v FROM items_fts_config WHERE k = 'automerge'"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts"
	                             " WHERE items_fts MATCH '\"ra soat vi tri\"'"), 1);
	sqlite3_close(db);
	qdx_doc_free(doc);
	remove_db(path);
}

/* ---- indexes deferred on an empty index ------------------------------------------------ */

#define INDEXES "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
#define DEFERRED "SELECT count(*) FROM qdx_meta WHERE key GLOB 'index:*'"

static void test_deferred(void **state)
{
	const char *path = db_path("defer.db");
	qdx_doc *doc = plan_doc('e', 0);
	qdx_index *ix;
	qdx_error err;
	sqlite3 *db;
	char buf[64];
	long long n;

	QDX_UNUSED(state);
	remove_db(path);
	ix = open_ix(path);
	db = db_connect(path);
	n = sql_int(db, INDEXES);
	assert_int_equal(n, 10);

	/* The first batch into an empty index drops them; the close makes
	 * them again, the same. */
	assert_int_equal(add_folded(ix, doc, "a.txt"), 1);
	assert_int_equal(qdx_index_commit(ix, &err), 0);
	assert_int_equal(sql_int(db, INDEXES), 0);
	assert_int_equal(sql_int(db, DEFERRED), n);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts"
	                             " WHERE items_fts MATCH '\"ra soat vi tri\"'"), 1);
	assert_int_equal(add_doc(ix, doc, "b.txt"), 1);
	close_ix(ix);
	assert_int_equal(sql_int(db, INDEXES), n);
	assert_int_equal(sql_int(db, DEFERRED), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'items_parent'"
	                             " AND sql = 'CREATE INDEX items_parent ON items(parent)'"), 1);

	/* An index that is not empty keeps its indexes. */
	ix = open_ix(path);
	assert_int_equal(add_doc(ix, doc, "c.txt"), 1);
	assert_int_equal(qdx_index_commit(ix, &err), 0);
	assert_int_equal(sql_int(db, INDEXES), n);
	close_ix(ix);

	/* A writer killed mid-load leaves them dropped: the next one to open
	 * the index makes them before anything else. */
	sql_exec(db, "INSERT INTO qdx_meta(key, value) SELECT 'index:' || name, sql"
	             " FROM sqlite_schema WHERE name = 'items_doc';"
	             "DROP INDEX items_doc");
	assert_int_equal(sql_int(db, INDEXES), n - 1);
	ix = open_ix(path);
	assert_int_equal(sql_int(db, INDEXES), n);
	assert_int_equal(sql_int(db, DEFERRED), 0);
	close_ix(ix);
	assert_string_equal(sql_text(db, "PRAGMA integrity_check", buf, sizeof(buf)), "ok");
	sqlite3_close(db);
	qdx_doc_free(doc);
	remove_db(path);
}

/* ---- the corpus --------------------------------------------------------------------- */

typedef struct corpus {
	qdx_doc *doc[64];
	char path[64][300];
	size_t n;
	long long items, q3, vi_tri, dang;
} corpus;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parses every document of corpus/ and counts, from the trees, what the
 * index should then hold. */
static void load_corpus(corpus *c, const qdx_rules *rules)
{
	DIR *dir = opendir(QDX_TOP "/corpus");
	struct dirent *e;
	char *names[64];
	size_t n = 0, i;
	qdx_buf fold;

	assert_non_null(dir);
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 5 ||
		    (strcmp(e->d_name + len - 4, ".txt") && strcmp(e->d_name + len - 4, ".htm")))
			continue;
		assert_true(n < QDX_COUNT(names));
		names[n++] = qdx_xstrdup(e->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), by_name);

	memset(c, 0, sizeof(*c));
	qdx_buf_init(&fold);
	for (i = 0; i < n; i++) {
		qdx_error err;
		qdx_iter it;
		const qdx_node *node;
		qdx_event ev;

		snprintf(c->path[i], sizeof(c->path[i]), "%s/corpus/%s", QDX_TOP, names[i]);
		free(names[i]);
		if (qdx_doc_parse_file(&c->doc[i], rules, c->path[i], NULL, &err)) {
			char msg[1200];
			qdx_error_format(&err, msg, sizeof(msg));
			fail_msg("parse: %s", msg);
		}
		qdx_iter_init(&it, qdx_doc_root(c->doc[i]));
		while ((ev = qdx_iter_next(&it, &node)) != QDX_EVENT_DONE) {
			if (ev != QDX_EVENT_ENTER)
				continue;
			if (qdx_node_get_kind(node) == QDX_NODE_ITEM) {
				const char *text = qdx_node_text(node);
				c->items++;
				fold.len = 0;
				qdx_fold(&fold, text, strlen(text));
				c->vi_tri += has_phrase(fold.p, "vi tri viec lam");
				c->dang += has_phrase(fold.p, "dang");
			} else if (qdx_node_get_kind(node) == QDX_NODE_DEADLINE) {
				const char *end = qdx_node_attr(node, "end");
				c->q3 += end && strcmp(end, "2014-07-01") >= 0 &&
				         strcmp(end, "2014-09-30") <= 0;
			}
		}
	}
	c->n = n;
	qdx_buf_free(&fold);
}

static void test_corpus(void **state)
{
	const char *path = db_path("corpus.db");
	qdx_rules *rules = NULL;
	qdx_error err;
	qdx_index *ix;
	corpus *c = qdx_xcalloc(1, sizeof(*c));
	sqlite3 *db;
	size_t i;
	long long items_0, items_1;
	char sql[512];

	QDX_UNUSED(state);
	if (qdx_rules_load(&rules, QDX_TOP "/rules", &err)) {
		char msg[1200];
		qdx_error_format(&err, msg, sizeof(msg));
		fail_msg("rules: %s", msg);
	}
	load_corpus(c, rules);
	assert_true(c->n >= 10);
	print_message("corpus: %zu documents, %lld items, %lld \"vi tri viec lam\", %lld \"dang\","
	              " %lld deadlines due in 2014 Q3\n", c->n, c->items, c->vi_tri, c->dang, c->q3);
	remove_db(path);

	/* Ingest everything: one row per ITEM node.  Every other document
	 * comes folded ahead, as from qdx_ingest(): the index is the same. */
	ix = open_ix(path);
	for (i = 0; i < c->n; i++)
		assert_int_equal(i % 2 ? add_folded(ix, c->doc[i], c->path[i])
		                       : add_doc(ix, c->doc[i], c->path[i]), 1);
	close_ix(ix);
	db = db_connect(path);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents"), (long long)c->n);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items"), c->items);

	/* Again: nothing added, nothing written. */
	ix = open_ix(path);
	for (i = 0; i < c->n; i++)
		assert_int_equal(add_doc(ix, c->doc[i], c->path[i]), 0);
	close_ix(ix);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items"), c->items);

	/* Folded search finds what the folded texts hold. */
	assert_true(c->vi_tri > 0);
	assert_true(c->dang > 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH"
	                             " '\"vi tri viec lam\"'"), c->vi_tri);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'dang'"),
	                 c->dang);

	/* The Q3 query runs, one row per deadline due then. */
	{
		sqlite3_stmt *st;
		long long rows = 0;

		assert_int_equal(sqlite3_prepare_v2(db, q3_sql, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW)
			rows++;
		sqlite3_finalize(st);
		assert_int_equal(rows, c->q3);
	}

	/* A changed file: the first document's path now holds the second's
	 * content.  Its rows are replaced, the others untouched. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM items i JOIN documents d ON d.id = i.doc"
	                           " WHERE d.path = '%s'", c->path[0]);
	items_0 = sql_int(db, sql);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM items i JOIN documents d ON d.id = i.doc"
	                           " WHERE d.path = '%s'", c->path[1]);
	items_1 = sql_int(db, sql);
	ix = open_ix(path);
	assert_int_equal(add_doc(ix, c->doc[1], c->path[0]), 1);
	close_ix(ix);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM documents"), (long long)c->n);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM items"), c->items - items_0 + items_1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM documents WHERE path = '%s' AND sha256 = '%s'",
	         c->path[0], qdx_doc_sha256(c->doc[1]));
	assert_int_equal(sql_int(db, sql), 1);
	assert_fts_exact(db);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	sqlite3_close(db);

	for (i = 0; i < c->n; i++)
		qdx_doc_free(c->doc[i]);
	free(c);
	qdx_rules_free(rules);
	remove_db(path);
}

/* ---- main ------------------------------------------------------------------------------ */

static int setup(void **state)
{
	const char *t = getenv("TMPDIR");

	QDX_UNUSED(state);
	snprintf(tmpdir, sizeof(tmpdir), "%s/qdx-test-db-XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long long)st.st_size;
}

/* The checkpointer (src/ckpt.c) copies the -wal file into the database as
 * it grows, and the writer's commits start the file over: it stays near
 * QDX_CKPT_RESTART pages however much is written, and all of it reaches
 * the database.  512-byte pages keep the test small.  A reader holding
 * an old snapshot keeps pages in the file; the writer must not wait for
 * it forever. */
static void test_ckpt(void **state)
{
	const char *path = db_path("ckpt.db");
	/* 64 rows of 200 bytes: 26 pages of 512 bytes per commit. */
	const int rows = 64, commits = 3 * QDX_CKPT_RESTART / 26;
	long long frame = 512 + 24, biggest = 0;
	char wal[600], bad[600];
	sqlite3 *w, *r;
	qdx_ckpt *c;
	int i, k;

	QDX_UNUSED(state);
	remove_db(path);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(sqlite3_open(path, &w), SQLITE_OK);
	sql_exec(w, "PRAGMA page_size = 512; PRAGMA journal_mode = WAL;"
	            " PRAGMA synchronous = NORMAL; CREATE TABLE t(x)");
	snprintf(bad, sizeof(bad), "%s/no/such.db", tmpdir);
	assert_null(qdx_ckpt_start(w, bad));
	c = qdx_ckpt_start(w, path);
	assert_non_null(c);
	for (i = 0; i < commits; i++) {
		sql_exec(w, "BEGIN");
		for (k = 0; k < rows; k++)
			sql_exec(w, "INSERT INTO t VALUES (randomblob(200))");
		sql_exec(w, "COMMIT");
		if (file_size(wal) > biggest)
			biggest = file_size(wal);
	}
	/* Without restarts the file would hold every page written. */
	assert_true(biggest > 0);
	assert_true(biggest <= (QDX_CKPT_RESTART + 2 * 26) * frame + 32);
	/* The pages reached the database before it closed. */
	assert_true(file_size(path) >= (long long)commits * 20 * 512);

	/* A reader on an old snapshot: the checkpoints stop short of it, and
	 * the writer goes on. */
	r = db_connect(path);
	sql_exec(r, "BEGIN");
	assert_int_equal(sql_int(r, "SELECT count(*) FROM t"), (long long)commits * rows);
	for (i = 0; i < 2 * QDX_CKPT_RESTART / 26; i++) {
		sql_exec(w, "BEGIN");
		for (k = 0; k < rows; k++)
			sql_exec(w, "INSERT INTO t VALUES (randomblob(200))");
		sql_exec(w, "COMMIT");
	}
	assert_int_equal(sql_int(r, "SELECT count(*) FROM t"), (long long)commits * rows);
	sql_exec(r, "COMMIT");
	sqlite3_close(r);

	qdx_ckpt_stop(c);
	qdx_ckpt_stop(NULL);
	assert_int_equal(sql_int(w, "SELECT count(*) FROM t"),
	                 (long long)(commits + 2 * QDX_CKPT_RESTART / 26) * rows);
	sqlite3_close(w);
	r = db_connect(path);
	{
		char ok[16];
		assert_string_equal(sql_text(r, "PRAGMA integrity_check", ok, sizeof(ok)), "ok");
	}
	sqlite3_close(r);
	remove_db(path);
}

/* A failed test leaves its database behind: remove whatever is there. */
static int teardown(void **state)
{
	DIR *dir = opendir(tmpdir);
	struct dirent *e;
	char p[600];

	QDX_UNUSED(state);
	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	if (dir)
		closedir(dir);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_path_attr),
		cmocka_unit_test(test_reingest),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_upgrade),
		cmocka_unit_test(test_deferred),
		cmocka_unit_test(test_ckpt),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
