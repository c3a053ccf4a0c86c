/*
 * ingest.c - many files into the index: parsers in parallel, one writer.
 *
 * SQLite takes one writer at a time, so worker threads only parse; the
 * calling thread stores the documents in input order, in the index's
 * batched transactions.  At most `window` parsed documents wait for the
 * writer, so memory stays flat whether there are a hundred files or a
 * hundred thousand.
 */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct slot {
	qdx_doc *doc;
	qdx_error err;
	int rc, done;
	size_t bytes;
} slot;

typedef struct job {
	const qdx_rules *rules;
	const char *const *paths;
	size_t n, window;
	const qdx_parse_options *opt;
	slot *slots;             /* ring of `window` slots: file i uses i % window */
	size_t next;             /* the next file a worker takes */
	size_t stored;           /* files the writer has finished with */
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t ready, room;
} job;

static void *worker(void *arg)
{
	job *j = arg;

	for (;;) {
		size_t i;
		slot *s;
		struct stat st;
		qdx_parse_options o;

		pthread_mutex_lock(&j->mu);
		while (!j->stop && j->next < j->n && j->next >= j->stored + j->window)
			pthread_cond_wait(&j->room, &j->mu);
		if (j->stop || j->next >= j->n) {
			pthread_mutex_unlock(&j->mu);
			return NULL;
		}
		i = j->next++;
		pthread_mutex_unlock(&j->mu);

		s = &j->slots[i % j->window];
		o = *j->opt;
		o.source = j->paths[i];
		memset(&s->err, 0, sizeof(s->err));
		s->bytes = stat(j->paths[i], &st) ? 0 : (size_t)st.st_size;
		s->rc = qdx_doc_parse_file(&s->doc, j->rules, j->paths[i], &o, &s->err);

		pthread_mutex_lock(&j->mu);
		s->done = 1;
		pthread_cond_broadcast(&j->ready);
		pthread_mutex_unlock(&j->mu);
	}
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(const qdx_ingest_stats *st, size_t done, size_t n, double t0)
{
	double dt = seconds() - t0, mbs = dt > 0 ? (double)st->bytes / 1e6 / dt : 0;
	double left = done ? dt * (double)(n - done) / (double)done : 0;

	fprintf(stderr, "\r\033[Kqdx: %zu/%zu files  %.1f MB/s  %.0f s left", done, n, mbs, left);
}

int qdx_ingest(qdx_index *ix, const qdx_rules *rules, const char *const *paths, size_t n,
               const qdx_parse_options *opt, int threads, qdx_ingest_report report,
               void *ctx, qdx_ingest_stats *st)
{
	job j;
	pthread_t *tids;
	int k, rc = 0, tty = isatty(2);
	size_t i;
	double t0 = seconds(), last = 0;

	memset(st, 0, sizeof(*st));
	memset(&j, 0, sizeof(j));
	if (threads < 1)
		threads = 1;
	j.rules = rules;
	j.paths = paths;
	j.n = n;
	j.opt = opt;
	j.window = (size_t)threads * 4;
	j.slots = qdx_xcalloc(j.window, sizeof(*j.slots));
	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.ready, NULL);
	pthread_cond_init(&j.room, NULL);
	tids = qdx_xcalloc((size_t)threads, sizeof(*tids));
	for (k = 0; k < threads; k++)
		if (pthread_create(&tids[k], NULL, worker, &j))
			qdx_die("cannot start a thread");

	for (i = 0; i < n; i++) {
		slot *s = &j.slots[i % j.window];
		int added = 0;

		pthread_mutex_lock(&j.mu);
		while (!s->done)
			pthread_cond_wait(&j.ready, &j.mu);
		pthread_mutex_unlock(&j.mu);

		st->bytes += s->bytes;
		if (s->rc) {
			st->failed++;
			if (report)
				report(ctx, &s->err);
		} else if (!rc) {
			qdx_error err = { 0 };
			int r = qdx_index_add(ix, s->doc, paths[i], &added, &err);
			if (r) {
				rc = r;
				if (report)
					report(ctx, &err);
			} else if (added) {
				qdx_iter it;
				const qdx_node *nd;
				st->added++;
				qdx_iter_init(&it, qdx_doc_root(s->doc));
				while (qdx_iter_next(&it, &nd) != QDX_EVENT_DONE) {
					if (it.ev != QDX_EVENT_ENTER)
						continue;
					st->items += nd->kind == QDX_NODE_ITEM;
					st->deadlines += nd->kind == QDX_NODE_DEADLINE;
				}
			} else {
				st->unchanged++;
			}
		}
		qdx_doc_free(s->doc);
		s->doc = NULL;

		pthread_mutex_lock(&j.mu);
		s->done = 0;
		j.stored = i + 1;
		j.stop = rc != 0;
		pthread_cond_broadcast(&j.room);
		pthread_mutex_unlock(&j.mu);

		if (tty && (seconds() - last > 0.2 || i + 1 == n)) {
			progress(st, i + 1, n, t0);
			last = seconds();
		}
		if (rc)
			break;
	}
	if (tty)
		fputs("\r\033[K", stderr);
	pthread_mutex_lock(&j.mu);
	j.stop = 1;
	pthread_cond_broadcast(&j.room);
	pthread_mutex_unlock(&j.mu);
	for (k = 0; k < threads; k++)
		pthread_join(tids[k], NULL);
	/* Documents parsed ahead of a stop are not stored. */
	for (i = 0; i < j.window; i++)
		qdx_doc_free(j.slots[i].doc);
	free(tids);
	free(j.slots);
	pthread_mutex_destroy(&j.mu);
	pthread_cond_destroy(&j.ready);
	pthread_cond_destroy(&j.room);
	st->seconds = seconds() - t0;
	return rc;
}
