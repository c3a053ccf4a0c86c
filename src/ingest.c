/*
 * ingest.c - many files: parsers in parallel, one consumer in input order.
 *
 * Worker threads only parse; the calling thread hands each document, in
 * input order, to a consumer (the index's writer: SQLite takes one writer
 * at a time; or a renderer writing to standard output), and parses too
 * whenever the next document is not ready.  At most `window` parsed
 * documents wait for it, so memory stays flat whether there are a hundred
 * files or a hundred thousand.
 */
#include "internal.h"
#include "fold.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One parsed file on its way to the consumer. */
typedef struct slot {
	qdx_doc *doc;
	qdx_error err;
	int rc, done;
	size_t bytes;
	/* For the index: its texts folded, and what the summary counts. */
	qdx_folded folded;
	size_t items, deadlines;
} slot;

/* Receives file i in input order, in the calling thread. */
typedef int (*consume_fn)(void *ctx, size_t i, slot *s);

typedef struct job {
	const qdx_rules *rules;
	const char *const *paths;
	size_t n, window;
	const qdx_parse_options *opt;
	int fold;                /* prepare the documents for the index */
	slot *slots;             /* ring of `window` slots: file i uses i % window */
	size_t next;             /* the next file a worker takes */
	size_t stored;           /* files the writer has finished with */
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t ready, room;
} job;

/* Parses file i into `s`, and for the index does there what needs no
 * connection (folding the texts for FTS5, counting), so that the single
 * writer, the bottleneck with two threads parsing, has less to do. */
static void parse_one(job *j, size_t i, slot *s)
{
	struct stat st;
	qdx_parse_options o = *j->opt;
	qdx_iter it;
	const qdx_node *n;

	o.source = j->paths[i];
	memset(&s->err, 0, sizeof(s->err));
	s->bytes = stat(j->paths[i], &st) ? 0 : (size_t)st.st_size;
	s->rc = qdx_doc_parse_file(&s->doc, j->rules, j->paths[i], &o, &s->err);
	s->items = s->deadlines = 0;
	if (s->rc || !j->fold)
		return;
	qdx_fold_doc(&s->folded, s->doc);
	qdx_iter_init(&it, qdx_doc_root(s->doc));
	while (qdx_iter_next(&it, &n) != QDX_EVENT_DONE) {
		if (it.ev != QDX_EVENT_ENTER)
			continue;
		s->items += qdx_node_get_kind(n) == QDX_NODE_ITEM;
		s->deadlines += qdx_node_get_kind(n) == QDX_NODE_DEADLINE;
	}
}

/* With j->mu held: parses the next file no thread has taken, when there
 * is one and the window has room for it (at most `window` files past the
 * one the consumer waits for), and returns 1; else 0.  Workers and the
 * consumer both take their files here. */
static int parse_next(job *j)
{
	size_t k = j->next;
	slot *s = &j->slots[k % j->window];

	if (j->stop || k >= j->n || k >= j->stored + j->window)
		return 0;
	j->next++;
	pthread_mutex_unlock(&j->mu);
	parse_one(j, k, s);
	pthread_mutex_lock(&j->mu);
	s->done = 1;
	pthread_cond_broadcast(&j->ready);
	return 1;
}

static void *worker(void *arg)
{
	job *j = arg;

	pthread_mutex_lock(&j->mu);
	while (!j->stop && j->next < j->n)
		if (!parse_next(j))
			pthread_cond_wait(&j->room, &j->mu);
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(size_t bytes, size_t done, size_t n, double t0)
{
	double dt = seconds() - t0, mbs = dt > 0 ? (double)bytes / 1e6 / dt : 0;
	double left = done ? dt * (double)(n - done) / (double)done : 0;

	fprintf(stderr, "\r\033[Kqdx: %zu/%zu files  %.1f MB/s  %.0f s left", done, n, mbs, left);
}

/* Returns when file i is parsed.  While it is not, the calling thread
 * parses the next file no worker has taken rather than wait: so `-j N` is
 * N threads in all, each busy.  With N workers beside a busy consumer (the
 * index's writer), three threads shared two cores: each parser was
 * descheduled hundreds of times, and the process spent a third more CPU
 * than `-j 1` on the same work (perf sched, bench corpus: parsers 1.0 and
 * 1.2 s, writer 1.65 s; ingest -j 2 2.1 s).  With one worker and the
 * writer parsing in its waits, 1.6 s.  With one thread this parses file i
 * itself, as no one else takes it. */
static void take_turn(job *j, size_t i)
{
	slot *s = &j->slots[i % j->window];

	pthread_mutex_lock(&j->mu);
	while (!s->done)
		if (!parse_next(j))
			pthread_cond_wait(&j->ready, &j->mu);
	pthread_mutex_unlock(&j->mu);
}

/* Consumes the files in input order, with threads - 1 workers parsing at
 * most `window` files ahead of the consumer. */
static int run(job *j, int threads, consume_fn consume, void *ctx)
{
	pthread_t *tids = NULL;
	int k, rc = 0, tty = isatty(2) && j->n > 1;
	size_t i, bytes = 0;
	double t0 = seconds(), last = 0;

	/* 8 documents ahead per thread.  When two workers parsed beside the
	 * writer, 4 stalled them behind its bursts (ingest -j 2 of the bench
	 * corpus 2.8-3.0 s; 8: 2.5 s; 16: 2.4-2.6 s but 2 MB more at the
	 * peak).  Since the writer parses in its waits, 4, 8 and 16 per
	 * thread measure the same (1.66-1.82 s, medians of 5), and 8 stays. */
	j->window = threads > 1 ? (size_t)threads * 8 : 1;
	j->slots = qdx_xcalloc(j->window, sizeof(*j->slots));
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->ready, NULL);
	pthread_cond_init(&j->room, NULL);
	if (threads > 1) {
		tids = qdx_xcalloc((size_t)threads - 1, sizeof(*tids));
		for (k = 0; k < threads - 1; k++)
			if (pthread_create(&tids[k], NULL, worker, j))
				qdx_die("cannot start a thread");
	}

	for (i = 0; i < j->n && !rc; i++) {
		slot *s = &j->slots[i % j->window];

		take_turn(j, i);

		bytes += s->bytes;
		rc = consume(ctx, i, s);
		qdx_doc_free(s->doc);
		s->doc = NULL;

		pthread_mutex_lock(&j->mu);
		s->done = 0;
		j->stored = i + 1;
		j->stop = rc != 0;
		pthread_cond_broadcast(&j->room);
		pthread_mutex_unlock(&j->mu);

		if (tty && (seconds() - last > 0.2 || i + 1 == j->n)) {
			progress(bytes, i + 1, j->n, t0);
			last = seconds();
		}
	}
	if (tty)
		fputs("\r\033[K", stderr);
	pthread_mutex_lock(&j->mu);
	j->stop = 1;
	pthread_cond_broadcast(&j->room);
	pthread_mutex_unlock(&j->mu);
	for (k = 0; tids && k < threads - 1; k++)
		pthread_join(tids[k], NULL);
	/* Documents parsed ahead of a stop are dropped. */
	for (i = 0; i < j->window; i++) {
		qdx_doc_free(j->slots[i].doc);
		qdx_folded_free(&j->slots[i].folded);
	}
	free(tids);
	free(j->slots);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->ready);
	pthread_cond_destroy(&j->room);
	return rc;
}

static void init_job(job *j, const qdx_rules *rules, const char *const *paths, size_t n,
                     const qdx_parse_options *opt)
{
	memset(j, 0, sizeof(*j));
	j->rules = rules;
	j->paths = paths;
	j->n = n;
	j->opt = opt;
}

typedef struct each_ctx {
	qdx_each_fn each;
	void *ctx;
} each_ctx;

static int each_doc(void *arg, size_t i, slot *s)
{
	each_ctx *c = arg;

	return c->each(c->ctx, i, s->rc ? NULL : s->doc, &s->err);
}

int qdx_parse_many(const qdx_rules *rules, const char *const *paths, size_t n,
                   const qdx_parse_options *opt, int threads, qdx_each_fn each, void *ctx)
{
	job j;
	each_ctx c = { each, ctx };

	init_job(&j, rules, paths, n, opt);
	return run(&j, threads, each_doc, &c);
}

typedef struct ingest_ctx {
	qdx_index *ix;
	const char *const *paths;
	qdx_ingest_report report;
	void *ctx;
	qdx_ingest_stats *st;
} ingest_ctx;

static int store(void *arg, size_t i, slot *s)
{
	ingest_ctx *c = arg;
	qdx_error err = { 0 };
	int added = 0, rc;

	c->st->bytes += s->bytes;
	if (s->rc) {
		c->st->failed++;
		if (c->report)
			c->report(c->ctx, &s->err);
		return 0;
	}
	if ((rc = qdx_index_add_folded(c->ix, s->doc, &s->folded, c->paths[i], &added, &err))) {
		if (c->report)
			c->report(c->ctx, &err);
		return rc;
	}
	if (!added) {
		c->st->unchanged++;
		return 0;
	}
	c->st->added++;
	c->st->items += s->items;
	c->st->deadlines += s->deadlines;
	return 0;
}

int qdx_ingest(qdx_index *ix, const qdx_rules *rules, const char *const *paths, size_t n,
               const qdx_parse_options *opt, int threads, qdx_ingest_report report,
               void *ctx, qdx_ingest_stats *st)
{
	ingest_ctx c = { ix, paths, report, ctx, st };
	double t0 = seconds();
	job j;
	int rc;

	memset(st, 0, sizeof(*st));
	init_job(&j, rules, paths, n, opt);
	j.fold = 1;
	rc = run(&j, threads, store, &c);
	st->seconds = seconds() - t0;
	return rc;
}
