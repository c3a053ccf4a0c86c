/*
 * compare.c - `qdx compare`: the plans that implement one document, task
 * by task.
 *
 * Provinces answer a national decision with plans of their own, copying its
 * tasks in their own words and order: "Xây dựng ngân hàng câu hỏi và đáp án
 * thi tuyển công chức cấp xã" in one is "Xây dựng bộ các câu hỏi và đáp án
 * thi tuyển công chức đối với từng môn thi ..." in the other.  So tasks are
 * aligned by text alone, on folded syllables (tone marks and the typing of
 * đ differ between offices), as sets of syllable bigrams: a bigram keeps a
 * little word order ("cán bộ" is not "bộ ... cán") and Vietnamese words are
 * mostly two syllables.  Bigrams that every task has ("cán bộ", "công
 * chức") say nothing, so each weighs log(1 + N / df), N the tasks of the
 * two plans and df those that hold it, and the score is the weighted Dice
 * coefficient 2 w(A ∩ B) / (w(A) + w(B)).  Pairs are taken best first, each
 * task once, down to a threshold: a greedy 1:1 matching, which on two plans
 * that follow one model is what a reader does with a pencil.  The reader
 * also uses the order: both plans follow the model's, so a pair whose
 * neighbours are paired too (A's previous task with B's previous one, or
 * the next with the next) is believed a little more, NEIGHBOUR per such
 * neighbour in a second round of the same matching.  On the Bình Định and
 * Hậu Giang plans that settles "Nâng cao chất lượng tuyển dụng công chức"
 * between its neighbouring objectives instead of an appendix row about
 * exams that shares more words.
 *
 * A task is an item of a plan: not an all-capitals section heading, not a
 * bare label ("Mục tiêu", "Sở Nội vụ:", "Phân công trách nhiệm thực hiện"
 * above its sub-items: see MIN_SYLLABLES), and not
 * an article of the decision that attaches a plan ("Điều 1. Ban hành kèm
 * theo ...").  Its lead agency is its own or its nearest enclosing item's.
 */
#include "reader.h"

#include <math.h>
#include <stdlib.h>

#define DEFAULT_THRESHOLD 0.3
/* Fewer syllables than this make a label, not a task ("Mục tiêu", "Sở Nội
 * vụ:"); an item with sub-items needs more to be more than their heading
 * ("Mục tiêu cụ thể:", "Sở Thông tin và Truyền thông:"). */
#define MIN_SYLLABLES 4
#define MIN_HEADING 8
/* What a paired neighbour adds to a pair's score in the second round. */
#define NEIGHBOUR 0.1
/* Columns of one side in the text rendering. */
#define SIDE 58

typedef struct cdeadline {
	char *kind, *text, *start, *end, *freq, *at;
} cdeadline;

typedef struct ctask {
	sqlite3_int64 id, parent;
	unsigned line;
	char *item, *text, *leads;      /* leads: SEP-joined, or NULL */
	int is_article, has_children, lead_inherited, keep;
	cdeadline *dl;
	size_t ndl;
	int *grams;                     /* sorted, unique bigram ids */
	size_t ngrams;
	double weight;                  /* sum of its bigrams' weights */
} ctask;

typedef struct cdoc {
	sqlite3_int64 id;
	char *path, *number, *province, *title;
	ctask *t;                       /* only the tasks (see keep) */
	size_t n;
} cdoc;

typedef struct cpair {
	size_t a, b;
	double score;
} cpair;

/* One pair of documents compared. */
typedef struct cmp {
	size_t da, db;
	cpair *pairs;                   /* in the order of A's lines */
	size_t npairs;
	int *match_a, *match_b;         /* index of the counterpart, or -1 */
} cmp;

struct qdx_comparison {
	char *cites;                    /* the number compared on, or NULL */
	int implementing;               /* chosen as the document they implement */
	double threshold;
	cdoc *docs;
	size_t ndocs;
	cmp *cmps;
	size_t ncmps;
};

#define SEP QDX_LIST_SEP

static char *dup_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : qdx_xstrdup(qdx_col(st, i));
}

/* ---- which documents ------------------------------------------------------ */

/* A number a province or a local party committee issued: not a document
 * that plans in several provinces would implement. */
#define LOCAL_NUMBER \
	"(instr(qdx_fold(c.number), 'ubnd') OR instr(qdx_fold(c.number), 'hdnd')" \
	" OR qdx_fold(c.number) LIKE '%/tu')"

/* The national number cited before their first item (in the bases, the
 * preamble or the title: the document they implement) by the most
 * documents, two at least; ties go to the one cited more often. */
static const char sql_default_number[] =
	"SELECT c.number FROM citations c JOIN documents d ON d.id = c.doc"
	" WHERE c.line < coalesce((SELECT min(line) FROM items i WHERE i.doc = c.doc), 1e9)"
	"  AND NOT " LOCAL_NUMBER
	"  AND qdx_fold(c.number) IS NOT qdx_fold(d.number)"
	" GROUP BY qdx_fold(c.number) HAVING count(DISTINCT c.doc) >= 2"
	" ORDER BY count(DISTINCT c.doc) DESC, count(*) DESC, c.number LIMIT 1";

/* The documents citing ?1 (folded); ?2 = 1 keeps only citations before the
 * first item.  The document that is ?1 itself does not implement it. */
static const char sql_citing[] =
	"SELECT DISTINCT d.id FROM citations c JOIN documents d ON d.id = c.doc"
	" WHERE qdx_fold(c.number) = qdx_fold(?1)"
	"  AND (?2 = 0 OR c.line < coalesce((SELECT min(line) FROM items i WHERE i.doc = c.doc), 1e9))"
	"  AND qdx_fold(?1) IS NOT qdx_fold(d.number)"
	" ORDER BY d.path";

/* A document named by its path as ingested, its file name, or its number. */
static const char sql_named[] =
	"SELECT id FROM documents WHERE path = ?1"
	" OR (length(path) > length(?1) AND substr(path, -length(?1)) = ?1"
	"     AND substr(path, -length(?1) - 1, 1) = '/')"
	" OR qdx_fold(number) = qdx_fold(?1) OR qdx_fold(attached_number) = qdx_fold(?1)"
	" ORDER BY path = ?1 DESC, path";

static const char sql_doc[] =
	"SELECT path, coalesce(number, attached_number), province, title FROM documents"
	" WHERE id = ?1";

static const char sql_items[] =
	"SELECT i.id, i.parent, i.line, i.path, i.style, i.text,"
	" (SELECT group_concat(coalesce(a.canonical, a.text), char(31)) FROM agencies a"
	"   WHERE a.item = i.id AND a.role = 'lead'),"
	" EXISTS (SELECT 1 FROM items c WHERE c.parent = i.id)"
	" FROM items i WHERE i.doc = ?1 ORDER BY i.id";

static const char sql_deadlines[] =
	"SELECT item, kind, text, start, end, freq, at FROM deadlines WHERE doc = ?1"
	" ORDER BY item, id";

static int add_doc_id(qdx_comparison *c, sqlite3_int64 id)
{
	size_t i;

	for (i = 0; i < c->ndocs; i++)
		if (c->docs[i].id == id)
			return 0;
	c->docs = qdx_xrealloc(c->docs, (c->ndocs + 1) * sizeof(*c->docs));
	memset(&c->docs[c->ndocs], 0, sizeof(cdoc));
	c->docs[c->ndocs++].id = id;
	return 1;
}

static int find_named(qdx_comparison *c, qdx_reader *r, const char *name, qdx_error *err)
{
	sqlite3_stmt *st;
	sqlite3_int64 id = 0;
	int rc, n = 0;

	if ((rc = qdx_reader_prepare(r, &st, sql_named, err)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!n++)
			id = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return qdx_reader_error(r, err, "cannot look up documents");
	if (!n)
		return qdx_error_set(err, QDX_EUSAGE, r->path, 0, 0,
		                     "no document '%s' in the index (give its path, file name or number)",
		                     name);
	if (!add_doc_id(c, id))
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0,
		                     "'%s' names the same document as the other one", name);
	return 0;
}

static int find_citing(qdx_comparison *c, qdx_reader *r, const char *number, int implementing,
                       qdx_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qdx_reader_prepare(r, &st, sql_citing, err)))
		return rc;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, implementing);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		add_doc_id(c, sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return qdx_reader_error(r, err, "cannot look up citations");
	if (c->ndocs < 2)
		return qdx_error_set(err, QDX_EUSAGE, r->path, 0, 0,
		                     "%s document(s) in the index cite %s: nothing to compare",
		                     c->ndocs ? "only one" : "no", number);
	return 0;
}

static int choose_docs(qdx_comparison *c, qdx_reader *r, const qdx_compare_options *opt,
                       qdx_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (opt->doc1 || opt->doc2) {
		if (!opt->doc1 || !opt->doc2)
			return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0, "compare takes two documents");
		if ((rc = find_named(c, r, opt->doc1, err)) || (rc = find_named(c, r, opt->doc2, err)))
			return rc;
		return 0;
	}
	if (opt->cites) {
		c->cites = qdx_xstrdup(opt->cites);
		return find_citing(c, r, opt->cites, 0, err);
	}
	if ((rc = qdx_reader_prepare(r, &st, sql_default_number, err)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		c->cites = qdx_xstrdup(qdx_col(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return qdx_reader_error(r, err, "cannot look up citations");
	if (!c->cites)
		return qdx_error_set(err, QDX_EUSAGE, r->path, 0, 0,
		                     "no national document is cited by two documents of the index; "
		                     "name two documents or give --cites NUMBER");
	c->implementing = 1;
	return find_citing(c, r, c->cites, 1, err);
}

/* ---- loading the tasks ------------------------------------------------------ */

static ctask *task_by_id(cdoc *d, ctask *all, size_t n, sqlite3_int64 id)
{
	size_t lo = 0, hi = n;

	QDX_UNUSED(d);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (all[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && all[lo].id == id ? &all[lo] : NULL;
}

static void free_task(ctask *t)
{
	size_t k;

	free(t->item);
	free(t->text);
	free(t->leads);
	for (k = 0; k < t->ndl; k++) {
		free(t->dl[k].kind);
		free(t->dl[k].text);
		free(t->dl[k].start);
		free(t->dl[k].end);
		free(t->dl[k].freq);
		free(t->dl[k].at);
	}
	free(t->dl);
	free(t->grams);
}

static int load_doc(cdoc *d, qdx_reader *r, qdx_error *err)
{
	sqlite3_stmt *st;
	ctask *all = NULL;
	size_t n = 0, cap = 0, i, articles = 0;
	int rc;

	if ((rc = qdx_reader_prepare(r, &st, sql_doc, err)))
		return rc;
	sqlite3_bind_int64(st, 1, d->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		d->path = qdx_xstrdup(qdx_col(st, 0));
		d->number = dup_col(st, 1);
		d->province = dup_col(st, 2);
		d->title = dup_col(st, 3);
	}
	sqlite3_finalize(st);
	if (!d->path)
		return qdx_reader_error(r, err, "cannot read a document");

	if ((rc = qdx_reader_prepare(r, &st, sql_items, err)))
		return rc;
	sqlite3_bind_int64(st, 1, d->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ctask *t;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			all = qdx_xrealloc(all, cap * sizeof(*all));
		}
		t = memset(&all[n++], 0, sizeof(*t));
		t->id = sqlite3_column_int64(st, 0);
		t->parent = sqlite3_column_int64(st, 1);
		t->line = (unsigned)sqlite3_column_int(st, 2);
		t->item = qdx_xstrdup(qdx_col(st, 3));
		t->is_article = !strcmp(qdx_col(st, 4), "article");
		t->text = qdx_xstrdup(qdx_col(st, 5));
		t->leads = dup_col(st, 6);
		t->has_children = sqlite3_column_int(st, 7);
		articles += t->is_article;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = qdx_reader_error(r, err, "cannot read items");
		goto fail;
	}
	/* Ids grow in tree order: a parent is met before its children, so
	 * its lead is settled before they inherit it. */
	for (i = 0; i < n; i++) {
		ctask *up = all[i].parent ? task_by_id(d, all, n, all[i].parent) : NULL;
		if (!all[i].leads && up && up->leads) {
			all[i].leads = qdx_xstrdup(up->leads);
			all[i].lead_inherited = 1;
		}
	}

	if ((rc = qdx_reader_prepare(r, &st, sql_deadlines, err)))
		goto fail;
	sqlite3_bind_int64(st, 1, d->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ctask *t = task_by_id(d, all, n, sqlite3_column_int64(st, 0));
		cdeadline *x;
		if (!t)
			continue;
		t->dl = qdx_xrealloc(t->dl, (t->ndl + 1) * sizeof(*t->dl));
		x = &t->dl[t->ndl++];
		x->kind = dup_col(st, 1);
		x->text = dup_col(st, 2);
		x->start = dup_col(st, 3);
		x->end = dup_col(st, 4);
		x->freq = dup_col(st, 5);
		x->at = dup_col(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = qdx_reader_error(r, err, "cannot read deadlines");
		goto fail;
	}

	/* Keep the tasks; the rest go. */
	{
		qdx_words w = { 0 };
		for (i = 0; i < n; i++) {
			ctask *t = &all[i];
			qdx_words_split(&w, t->text, strlen(t->text));
			t->keep = w.n >= (t->has_children ? MIN_HEADING : MIN_SYLLABLES) &&
			          !qdx_upper_only(t->text, strlen(t->text)) &&
			          !(t->is_article && articles < n);
		}
		qdx_words_free(&w);
	}
	d->t = qdx_xcalloc(n, sizeof(*d->t));
	for (i = 0; i < n; i++) {
		if (all[i].keep)
			d->t[d->n++] = all[i];
		else
			free_task(&all[i]);
	}
	free(all);
	return 0;
fail:
	for (i = 0; i < n; i++)
		free_task(&all[i]);
	free(all);
	return rc;
}

/* ---- similarity -------------------------------------------------------------- */

/* Bigrams are interned to ints in an open-addressing table of strings. */
typedef struct grams {
	qdx_buf keys;        /* "syl1 syl2\0" ... */
	uint32_t *slot;      /* offset + 1 into keys, 0 = empty */
	int *slot_id;
	size_t cap, n;
	int *df;             /* per id: tasks holding it */
} grams;

static int intern(grams *g, const char *key)
{
	size_t i;

	if (2 * (g->n + 1) > g->cap) {
		/* Grow and re-insert. */
		size_t old = g->cap, k;
		uint32_t *slot = g->slot;
		int *ids = g->slot_id;
		g->cap = old ? 2 * old : 1024;
		g->slot = qdx_xcalloc(g->cap, sizeof(*g->slot));
		g->slot_id = qdx_xcalloc(g->cap, sizeof(*g->slot_id));
		for (k = 0; k < old; k++) {
			if (!slot[k])
				continue;
			i = qdx_hash(QDX_HASH_SEED, g->keys.p + slot[k] - 1,
			             strlen(g->keys.p + slot[k] - 1)) & (g->cap - 1);
			while (g->slot[i])
				i = (i + 1) & (g->cap - 1);
			g->slot[i] = slot[k];
			g->slot_id[i] = ids[k];
		}
		free(slot);
		free(ids);
	}
	i = qdx_hash(QDX_HASH_SEED, key, strlen(key)) & (g->cap - 1);
	while (g->slot[i]) {
		if (!strcmp(g->keys.p + g->slot[i] - 1, key))
			return g->slot_id[i];
		i = (i + 1) & (g->cap - 1);
	}
	g->slot[i] = (uint32_t)g->keys.len + 1;
	qdx_buf_put(&g->keys, key, strlen(key) + 1);
	g->slot_id[i] = (int)g->n;
	g->df = qdx_xrealloc(g->df, (g->n + 1) * sizeof(*g->df));
	g->df[g->n] = 0;
	return (int)g->n++;
}

static int by_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* The task's bigram ids, sorted and unique; counts them in df. */
static void task_grams(ctask *t, grams *g, qdx_words *w, qdx_buf *key)
{
	size_t i, k = 0;

	qdx_words_split(w, t->text, strlen(t->text));
	free(t->grams);
	t->grams = qdx_xmalloc((w->n ? w->n : 1) * sizeof(*t->grams));
	for (i = 0; i + 1 < w->n; i++) {
		key->len = 0;
		qdx_buf_puts(key, qdx_word_text(w, i));
		qdx_buf_putc(key, ' ');
		qdx_buf_puts(key, qdx_word_text(w, i + 1));
		t->grams[k++] = intern(g, key->p);
	}
	qsort(t->grams, k, sizeof(*t->grams), by_int);
	t->ngrams = 0;
	for (i = 0; i < k; i++)
		if (!t->ngrams || t->grams[t->ngrams - 1] != t->grams[i])
			t->grams[t->ngrams++] = t->grams[i];
	for (i = 0; i < t->ngrams; i++)
		g->df[t->grams[i]]++;
}

static double dice(const ctask *a, const ctask *b, const double *w)
{
	size_t i = 0, j = 0;
	double shared = 0;

	if (a->weight + b->weight <= 0)
		return 0;
	while (i < a->ngrams && j < b->ngrams) {
		if (a->grams[i] < b->grams[j])
			i++;
		else if (a->grams[i] > b->grams[j])
			j++;
		else
			shared += w[a->grams[i]], i++, j++;
	}
	return 2 * shared / (a->weight + b->weight);
}

static int by_score(const void *x, const void *y)
{
	const cpair *a = x, *b = y;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return (a->b > b->b) - (a->b < b->b);
}

static int by_a(const void *x, const void *y)
{
	const cpair *a = x, *b = y;
	return (a->a > b->a) - (a->a < b->a);
}

/* One greedy round over the candidates sorted by `rank` (best first):
 * fills match_a / match_b and, when `keep`, the kept pairs. */
static void greedy(cmp *m, const cpair *cand, const double *rank, size_t n, size_t na,
                   size_t nb, double threshold, int keep)
{
	size_t i;

	for (i = 0; i < na; i++)
		m->match_a[i] = -1;
	for (i = 0; i < nb; i++)
		m->match_b[i] = -1;
	m->npairs = 0;
	for (i = 0; i < n; i++) {
		const cpair *p = &cand[i];
		if (rank[i] < threshold || m->match_a[p->a] >= 0 || m->match_b[p->b] >= 0)
			continue;
		m->match_a[p->a] = (int)p->b;
		m->match_b[p->b] = (int)p->a;
		if (keep)
			m->pairs[m->npairs++] = *p;
	}
}

/* Sorts candidates by rank (best first, then by line) with the ranks. */
typedef struct ranked {
	cpair p;
	double rank;
} ranked;

static int by_rank(const void *x, const void *y)
{
	const ranked *a = x, *b = y;

	if (a->rank != b->rank)
		return a->rank < b->rank ? 1 : -1;
	return by_score(&a->p, &b->p);
}

/* Scores every task of A against every task of B, matches them greedily,
 * then again with the neighbour bonus of the first round. */
static void align(cmp *m, cdoc *A, cdoc *B, double threshold)
{
	grams g;
	qdx_words w = { 0 };
	qdx_buf key;
	double *weight, *rank;
	ranked *all = NULL;
	cpair *cand;
	size_t i, j, n = 0, cap = 0, tasks = A->n + B->n;

	memset(&g, 0, sizeof(g));
	qdx_buf_init(&g.keys);
	qdx_buf_init(&key);
	for (i = 0; i < A->n; i++)
		task_grams(&A->t[i], &g, &w, &key);
	for (i = 0; i < B->n; i++)
		task_grams(&B->t[i], &g, &w, &key);
	weight = qdx_xmalloc((g.n ? g.n : 1) * sizeof(*weight));
	for (i = 0; i < g.n; i++)
		weight[i] = log(1.0 + (double)tasks / g.df[i]);
	for (i = 0; i < A->n + B->n; i++) {
		ctask *t = i < A->n ? &A->t[i] : &B->t[i - A->n];
		t->weight = 0;
		for (j = 0; j < t->ngrams; j++)
			t->weight += weight[t->grams[j]];
	}
	/* Candidates: whatever two neighbours could lift over the threshold. */
	for (i = 0; i < A->n; i++) {
		for (j = 0; j < B->n; j++) {
			double s = dice(&A->t[i], &B->t[j], weight);
			if (s <= 0 || s < threshold - 2 * NEIGHBOUR)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 256;
				all = qdx_xrealloc(all, cap * sizeof(*all));
			}
			all[n].p.a = i;
			all[n].p.b = j;
			all[n].p.score = s;
			all[n++].rank = s;
		}
	}
	m->match_a = qdx_xmalloc((A->n ? A->n : 1) * sizeof(int));
	m->match_b = qdx_xmalloc((B->n ? B->n : 1) * sizeof(int));
	m->pairs = qdx_xmalloc((n ? n : 1) * sizeof(*m->pairs));
	cand = qdx_xmalloc((n ? n : 1) * sizeof(*cand));
	rank = qdx_xmalloc((n ? n : 1) * sizeof(*rank));
	/* Round 1 on the similarity alone. */
	qsort(all, n, sizeof(*all), by_rank);
	for (i = 0; i < n; i++)
		cand[i] = all[i].p, rank[i] = all[i].rank;
	greedy(m, cand, rank, n, A->n, B->n, threshold, 0);
	/* Round 2: each neighbour paired alike in round 1 adds NEIGHBOUR. */
	for (i = 0; i < n; i++) {
		size_t a = all[i].p.a, b = all[i].p.b;
		all[i].rank = all[i].p.score;
		if (a > 0 && b > 0 && m->match_a[a - 1] == (int)(b - 1))
			all[i].rank += NEIGHBOUR;
		if (a + 1 < A->n && m->match_a[a + 1] == (int)(b + 1))
			all[i].rank += NEIGHBOUR;
	}
	qsort(all, n, sizeof(*all), by_rank);
	for (i = 0; i < n; i++)
		cand[i] = all[i].p, rank[i] = all[i].rank;
	greedy(m, cand, rank, n, A->n, B->n, threshold, 1);
	qsort(m->pairs, m->npairs, sizeof(*m->pairs), by_a);
	free(all);
	free(cand);
	free(rank);
	free(weight);
	free(g.slot);
	free(g.slot_id);
	free(g.df);
	qdx_buf_free(&g.keys);
	qdx_buf_free(&key);
	qdx_words_free(&w);
}

/* ---- the public calls ------------------------------------------------------- */

int qdx_compare(qdx_comparison **out, qdx_reader *r, const qdx_compare_options *opt,
                qdx_error *err)
{
	static const qdx_compare_options defaults = { 0 };
	qdx_comparison *c;
	size_t i, j;
	int rc;

	*out = NULL;
	if (!opt)
		opt = &defaults;
	if (opt->threshold < 0 || opt->threshold > 1)
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0,
		                     "the threshold is a similarity from 0 to 1");
	c = qdx_xcalloc(1, sizeof(*c));
	c->threshold = opt->threshold > 0 ? opt->threshold : DEFAULT_THRESHOLD;
	if ((rc = choose_docs(c, r, opt, err)))
		goto fail;
	for (i = 0; i < c->ndocs; i++)
		if ((rc = load_doc(&c->docs[i], r, err)))
			goto fail;
	/* Every pair of documents, in the order of their paths. */
	c->cmps = qdx_xcalloc(c->ndocs * (c->ndocs - 1) / 2, sizeof(*c->cmps));
	for (i = 0; i < c->ndocs; i++) {
		for (j = i + 1; j < c->ndocs; j++) {
			cmp *m = &c->cmps[c->ncmps++];
			m->da = i;
			m->db = j;
			align(m, &c->docs[i], &c->docs[j], c->threshold);
		}
	}
	*out = c;
	return 0;
fail:
	qdx_comparison_free(c);
	return rc;
}

void qdx_comparison_free(qdx_comparison *c)
{
	size_t i, k;

	if (!c)
		return;
	for (i = 0; i < c->ndocs; i++) {
		cdoc *d = &c->docs[i];
		for (k = 0; k < d->n; k++)
			free_task(&d->t[k]);
		free(d->t);
		free(d->path);
		free(d->number);
		free(d->province);
		free(d->title);
	}
	for (i = 0; i < c->ncmps; i++) {
		free(c->cmps[i].pairs);
		free(c->cmps[i].match_a);
		free(c->cmps[i].match_b);
	}
	free(c->docs);
	free(c->cmps);
	free(c->cites);
	free(c);
}

/* ---- rendering ------------------------------------------------------------------ */


/* "Quý III/2014; Sở Nội vụ": the deadlines as written and the leads. */
static void put_meta(qdx_buf *b, const ctask *t, const char *none)
{
	size_t k;

	if (!t->ndl)
		qdx_buf_puts(b, none);
	for (k = 0; k < t->ndl; k++) {
		if (k)
			qdx_buf_puts(b, ", ");
		qdx_buf_puts(b, t->dl[k].text ? t->dl[k].text : t->dl[k].kind);
	}
	qdx_buf_puts(b, " | ");
	if (t->leads)
		qdx_out_list(b, t->leads, "; ");
	else
		qdx_buf_puts(b, none);
}

static const char *doc_name(const cdoc *d)
{
	const char *base = strrchr(d->path, '/');
	return d->number ? d->number : base ? base + 1 : d->path;
}

static void put_text_doc(qdx_buf *b, const char *side, const cdoc *d)
{
	qdx_buf_printf(b, "  %s  %s  %s%s%s, %zu tasks\n", side, d->path, doc_name(d),
	               d->province ? ", " : "", d->province ? d->province : "", d->n);
}

static void put_text_task_line(qdx_buf *b, qdx_buf *cell, const ctask *t, int meta)
{
	cell->len = 0;
	cell->p[0] = '\0';
	if (meta) {
		qdx_buf_puts(cell, "     ");
		put_meta(cell, t, "-");
	} else {
		qdx_buf_printf(cell, "%4u %s", t->line, t->text);
	}
	qdx_out_cell(b, cell->p, SIDE, 1);
}

static void put_text(qdx_buf *b, const qdx_comparison *c)
{
	qdx_buf cell;
	size_t i, k;

	qdx_buf_init(&cell);
	qdx_buf_reserve(&cell, 64);
	if (c->cites)
		qdx_buf_printf(b, "%zu documents %s %s:\n", c->ndocs,
		               c->implementing ? "implement" : "cite", c->cites);
	for (i = 0; i < c->ncmps; i++) {
		const cmp *m = &c->cmps[i];
		const cdoc *A = &c->docs[m->da], *B = &c->docs[m->db];
		size_t ua = A->n - m->npairs, ub = B->n - m->npairs;
		if (i)
			qdx_buf_putc(b, '\n');
		put_text_doc(b, "A", A);
		put_text_doc(b, "B", B);
		qdx_buf_printf(b, "\n%zu pairs (similarity, +0.1 for each neighbour paired alike, >= %.2f), in A's order.\nEach side: "
		                  "line and task, then deadline | lead\n\n",
		               m->npairs, c->threshold);
		qdx_buf_puts(b, " SIM  ");
		cell.len = 0;
		qdx_buf_printf(&cell, "A: %s", doc_name(A));
		qdx_out_cell(b, cell.p, SIDE, 1);
		qdx_buf_puts(b, "  ");
		cell.len = 0;
		qdx_buf_printf(&cell, "B: %s", doc_name(B));
		qdx_out_cell(b, cell.p, SIDE, 0);
		qdx_buf_putc(b, '\n');
		for (k = 0; k < m->npairs; k++) {
			const ctask *a = &A->t[m->pairs[k].a], *bt = &B->t[m->pairs[k].b];
			qdx_buf_printf(b, "%4.2f  ", m->pairs[k].score);
			put_text_task_line(b, &cell, a, 0);
			qdx_buf_puts(b, "  ");
			put_text_task_line(b, &cell, bt, 0);
			while (b->len && b->p[b->len - 1] == ' ')
				b->len--;
			qdx_buf_puts(b, "\n      ");
			put_text_task_line(b, &cell, a, 1);
			qdx_buf_puts(b, "  ");
			put_text_task_line(b, &cell, bt, 1);
			/* No trailing blanks. */
			while (b->len && b->p[b->len - 1] == ' ')
				b->len--;
			qdx_buf_putc(b, '\n');
		}
		for (k = 0; k < 2; k++) {
			const cdoc *d = k ? B : A;
			const int *match = k ? m->match_b : m->match_a;
			size_t t;
			qdx_buf_printf(b, "\nonly in %s (%zu tasks without a counterpart):\n", k ? "B" : "A",
			               k ? ub : ua);
			for (t = 0; t < d->n; t++) {
				if (match[t] >= 0)
					continue;
				cell.len = 0;
				qdx_buf_printf(&cell, "%4u %s", d->t[t].line, d->t[t].text);
				qdx_buf_puts(b, "  ");
				qdx_out_cell(b, cell.p, 2 * SIDE + 4, 0);
				cell.len = 0;
				put_meta(&cell, &d->t[t], "-");
				qdx_buf_puts(b, "\n         ");
				qdx_out_cell(b, cell.p, 2 * SIDE - 1, 0);
				qdx_buf_putc(b, '\n');
			}
		}
	}
	qdx_buf_free(&cell);
}

/* ---- JSON --------------------------------------------------------------------- */


static void put_json_task(qdx_buf *b, const ctask *t)
{
	size_t k;

	qdx_buf_printf(b, "{\"line\":%u,\"item\":", t->line);
	qdx_out_json_str(b, t->item);
	qdx_buf_puts(b, ",\"text\":");
	qdx_out_json_str(b, t->text);
	qdx_buf_puts(b, ",\"lead\":");
	qdx_out_json_list(b, t->leads);
	qdx_buf_printf(b, ",\"lead_inherited\":%s,\"deadlines\":[",
	               t->leads && t->lead_inherited ? "true" : "false");
	for (k = 0; k < t->ndl; k++) {
		const cdeadline *x = &t->dl[k];
		qdx_buf_puts(b, k ? ",{\"kind\":" : "{\"kind\":");
		qdx_out_json_str(b, x->kind);
		qdx_buf_puts(b, ",\"text\":");
		qdx_out_json_str(b, x->text);
		qdx_buf_puts(b, ",\"start\":");
		qdx_out_json_str(b, x->start);
		qdx_buf_puts(b, ",\"end\":");
		qdx_out_json_str(b, x->end);
		qdx_buf_puts(b, ",\"freq\":");
		qdx_out_json_str(b, x->freq);
		qdx_buf_puts(b, ",\"at\":");
		qdx_out_json_str(b, x->at);
		qdx_buf_putc(b, '}');
	}
	qdx_buf_puts(b, "]}");
}

static void put_json_doc(qdx_buf *b, const cdoc *d)
{
	qdx_buf_puts(b, "{\"path\":");
	qdx_out_json_str(b, d->path);
	qdx_buf_puts(b, ",\"number\":");
	qdx_out_json_str(b, d->number);
	qdx_buf_puts(b, ",\"province\":");
	qdx_out_json_str(b, d->province);
	qdx_buf_puts(b, ",\"title\":");
	qdx_out_json_str(b, d->title);
	qdx_buf_printf(b, ",\"tasks\":%zu}", d->n);
}

static void put_json(qdx_buf *b, const qdx_comparison *c)
{
	size_t i, k, s;

	for (i = 0; i < c->ncmps; i++) {
		const cmp *m = &c->cmps[i];
		const cdoc *A = &c->docs[m->da], *B = &c->docs[m->db];
		qdx_buf_puts(b, "{\"cites\":");
		qdx_out_json_str(b, c->cites);
		qdx_buf_printf(b, ",\"threshold\":%.2f,\"a\":", c->threshold);
		put_json_doc(b, A);
		qdx_buf_puts(b, ",\"b\":");
		put_json_doc(b, B);
		qdx_buf_puts(b, ",\"pairs\":[");
		for (k = 0; k < m->npairs; k++) {
			qdx_buf_printf(b, "%s{\"score\":%.3f,\"a\":", k ? "," : "", m->pairs[k].score);
			put_json_task(b, &A->t[m->pairs[k].a]);
			qdx_buf_puts(b, ",\"b\":");
			put_json_task(b, &B->t[m->pairs[k].b]);
			qdx_buf_putc(b, '}');
		}
		qdx_buf_putc(b, ']');
		for (s = 0; s < 2; s++) {
			const cdoc *d = s ? B : A;
			const int *match = s ? m->match_b : m->match_a;
			int first = 1;
			qdx_buf_puts(b, s ? ",\"only_b\":[" : ",\"only_a\":[");
			for (k = 0; k < d->n; k++) {
				if (match[k] >= 0)
					continue;
				if (!first)
					qdx_buf_putc(b, ',');
				first = 0;
				put_json_task(b, &d->t[k]);
			}
			qdx_buf_putc(b, ']');
		}
		qdx_buf_puts(b, "}\n");
	}
}

/* ---- HTML ------------------------------------------------------------------------ */

static const char html_style[] =
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
	"margin:24px auto;max-width:1200px;padding:0 16px;color:#1d2433;background:#fff}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;"
	"border-bottom:2px solid #dfe3ea;padding-bottom:4px}"
	".sub{color:#5b6577;margin:0 0 16px}"
	"table{border-collapse:collapse;width:100%}"
	"th,td{border:1px solid #dfe3ea;padding:6px 8px;vertical-align:top;text-align:left}"
	"th{background:#f3f5f9;font-weight:600}"
	"table.docs td:first-child{font-weight:700;width:2em;text-align:center}"
	"table.pairs td.sim{width:70px;font-variant-numeric:tabular-nums;text-align:right}"
	"table.pairs td.side{width:48%}"
	".bar{height:5px;background:#e6e9ef;border-radius:3px;margin-top:4px}"
	".bar span{display:block;height:5px;border-radius:3px;background:#2f7d4f}"
	".loc{font-size:12px;color:#5b6577}.loc b{color:#1d2433}"
	".meta{font-size:13px;margin-top:4px;color:#3b4456}"
	".due{background:#fff3cd;border-radius:3px;padding:0 4px}"
	".lead{background:#e3eefc;border-radius:3px;padding:0 4px}"
	".none{color:#98a1b3}"
	"tr.weak td{background:#fcfcf6}"
	"table.only td:first-child{width:60px;text-align:right;color:#5b6577}"
	"footer{margin:32px 0 8px;font-size:12px;color:#98a1b3}";

static void put_html_str(qdx_buf *b, const char *s)
{
	qdx_out_html(b, s, strlen(s));
}

static void put_html_meta(qdx_buf *b, const ctask *t)
{
	size_t k;
	qdx_buf list;

	qdx_buf_puts(b, "<div class=\"meta\">");
	if (!t->ndl)
		qdx_buf_puts(b, "<span class=\"none\">no deadline</span>");
	for (k = 0; k < t->ndl; k++) {
		qdx_buf_puts(b, "<span class=\"due\">");
		put_html_str(b, t->dl[k].text ? t->dl[k].text : t->dl[k].kind);
		if (t->dl[k].end) {
			qdx_buf_puts(b, " (");
			put_html_str(b, t->dl[k].end);
			qdx_buf_putc(b, ')');
		}
		qdx_buf_puts(b, k + 1 < t->ndl ? "</span> " : "</span>");
	}
	qdx_buf_puts(b, " &middot; ");
	if (t->leads) {
		qdx_buf_init(&list);
		qdx_out_list(&list, t->leads, "; ");
		qdx_buf_puts(b, "<span class=\"lead\">");
		put_html_str(b, list.p);
		qdx_buf_puts(b, t->lead_inherited ? "</span> <span class=\"none\">(from the heading)</span>"
		                                  : "</span>");
		qdx_buf_free(&list);
	} else {
		qdx_buf_puts(b, "<span class=\"none\">no lead agency</span>");
	}
	qdx_buf_puts(b, "</div>");
}

static void put_html_task(qdx_buf *b, const ctask *t)
{
	qdx_buf_printf(b, "<div class=\"loc\">line <b>%u</b> &middot; ", t->line);
	put_html_str(b, t->item);
	qdx_buf_puts(b, "</div><div>");
	put_html_str(b, t->text);
	qdx_buf_puts(b, "</div>");
	put_html_meta(b, t);
}

static void put_html_doc_row(qdx_buf *b, const char *side, const cdoc *d)
{
	qdx_buf_printf(b, "<tr><td>%s</td><td>", side);
	put_html_str(b, doc_name(d));
	qdx_buf_puts(b, "</td><td>");
	put_html_str(b, d->province ? d->province : "");
	qdx_buf_puts(b, "</td><td>");
	put_html_str(b, d->title ? d->title : "");
	qdx_buf_puts(b, "</td><td><code>");
	put_html_str(b, d->path);
	qdx_buf_printf(b, "</code></td><td>%zu</td></tr>", d->n);
}

static void put_html(qdx_buf *b, const qdx_comparison *c)
{
	size_t i, k, s;

	qdx_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
	                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	                "<title>qdx compare");
	if (c->cites) {
		qdx_buf_puts(b, ": ");
		put_html_str(b, c->cites);
	}
	qdx_buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n", html_style);
	qdx_buf_puts(b, "<h1>");
	if (c->cites) {
		qdx_buf_puts(b, c->implementing ? "Plans implementing " : "Documents citing ");
		put_html_str(b, c->cites);
	} else {
		qdx_buf_puts(b, "Two documents compared");
	}
	qdx_buf_printf(b, "</h1>\n<p class=\"sub\">Tasks aligned by the similarity of their "
	                  "syllables without tone marks (weighted Dice over syllable pairs), best "
	                  "pairs first, each task once, a pair whose neighbours are paired alike "
	                  "counting a little more; pairs below %.2f are left apart.</p>\n",
	               c->threshold);
	for (i = 0; i < c->ncmps; i++) {
		const cmp *m = &c->cmps[i];
		const cdoc *A = &c->docs[m->da], *B = &c->docs[m->db];
		qdx_buf_puts(b, "<table class=\"docs\"><thead><tr><th></th><th>number</th>"
		                "<th>province</th><th>title</th><th>file</th><th>tasks</th></tr>"
		                "</thead><tbody>");
		put_html_doc_row(b, "A", A);
		put_html_doc_row(b, "B", B);
		qdx_buf_puts(b, "</tbody></table>\n");
		qdx_buf_printf(b, "<h2>%zu aligned tasks</h2>\n<table class=\"pairs\"><thead><tr>"
		                  "<th>similarity</th><th>A: ", m->npairs);
		put_html_str(b, doc_name(A));
		qdx_buf_puts(b, "</th><th>B: ");
		put_html_str(b, doc_name(B));
		qdx_buf_puts(b, "</th></tr></thead><tbody>\n");
		for (k = 0; k < m->npairs; k++) {
			double sc = m->pairs[k].score;
			qdx_buf_printf(b, "<tr%s><td class=\"sim\">%.2f<div class=\"bar\"><span "
			                  "style=\"width:%d%%\"></span></div></td><td class=\"side\">",
			               sc < 0.5 ? " class=\"weak\"" : "", sc, (int)(sc * 100 + 0.5));
			put_html_task(b, &A->t[m->pairs[k].a]);
			qdx_buf_puts(b, "</td><td class=\"side\">");
			put_html_task(b, &B->t[m->pairs[k].b]);
			qdx_buf_puts(b, "</td></tr>\n");
		}
		qdx_buf_puts(b, "</tbody></table>\n");
		for (s = 0; s < 2; s++) {
			const cdoc *d = s ? B : A;
			const int *match = s ? m->match_b : m->match_a;
			size_t left = d->n - m->npairs;
			qdx_buf_printf(b, "<h2>Only in %s: ", s ? "B" : "A");
			put_html_str(b, doc_name(d));
			qdx_buf_printf(b, " (%zu without a counterpart)</h2>\n", left);
			if (!left) {
				qdx_buf_puts(b, "<p class=\"none\">none</p>\n");
				continue;
			}
			qdx_buf_puts(b, "<table class=\"only\"><tbody>\n");
			for (k = 0; k < d->n; k++) {
				if (match[k] >= 0)
					continue;
				qdx_buf_printf(b, "<tr><td>%u</td><td>", d->t[k].line);
				put_html_task(b, &d->t[k]);
				qdx_buf_puts(b, "</td></tr>\n");
			}
			qdx_buf_puts(b, "</tbody></table>\n");
		}
	}
	qdx_buf_puts(b, "<footer>qdx " QDX_VERSION " &middot; qdx compare</footer>\n</body>\n</html>\n");
}

int qdx_comparison_render(char **out, size_t *len, const qdx_comparison *c, qdx_output format,
                          qdx_error *err)
{
	qdx_buf b;

	*out = NULL;
	*len = 0;
	qdx_buf_init(&b);
	switch (format) {
	case QDX_OUT_TEXT: put_text(&b, c); break;
	case QDX_OUT_JSON:
	case QDX_OUT_NDJSON: put_json(&b, c); break;
	case QDX_OUT_HTML: put_html(&b, c); break;
	default:
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0,
		                     "a comparison renders as text, json or html");
	}
	*out = qdx_buf_detach(&b, len);
	return 0;
}
