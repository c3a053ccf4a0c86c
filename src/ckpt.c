/*
 * ckpt.c - the index's WAL checkpoints, in a thread of their own.
 *
 * In WAL mode each commit appends its pages to the -wal file, and a
 * checkpoint copies them into the database, syncing both files (with
 * synchronous=NORMAL the only syncs there are).  SQLite checkpoints in the
 * connection whose commit took the file past 1,000 pages, so an ingest's
 * one writer, the thread every parser waits for, stopped to do it:
 * measured on the bench corpus (2,000 files, 55.8 MB), 53 fdatasync()
 * calls of 9 ms each and 6% of the process's CPU.  Here a second
 * connection makes them while the writer goes on; a PASSIVE checkpoint
 * takes no lock a writer needs.
 *
 * Such a checkpoint copies only what was committed before the writer's
 * open transaction began, and the -wal file starts over only when a
 * transaction begins with all of it copied, which never happens while the
 * two run side by side.  So when the file reaches QDX_CKPT_RESTART pages,
 * the writer waits after its commit for one more checkpoint: it has only
 * the pages since the last to copy, and the writer's next transaction
 * starts the file over.
 */
#include "ckpt.h"
#include "internal.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>

struct qdx_ckpt {
	sqlite3 *db;              /* the checkpointer's own connection */
	sqlite3 *writer;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;      /* asked moved, or stop */
	pthread_cond_t idle;      /* done moved */
	unsigned long asked;      /* checkpoints asked for ... */
	unsigned long done;       /* ... and the last one made, by number */
	int stop;
	int last;                 /* -wal pages at the last request */
};

static void *loop(void *arg)
{
	qdx_ckpt *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		unsigned long want;

		while (!c->stop && c->asked == c->done)
			pthread_cond_wait(&c->wake, &c->mu);
		if (c->stop)
			break;
		want = c->asked;
		pthread_mutex_unlock(&c->mu);
		/* A failure (a reader holding old pages, an I/O error) leaves
		 * the pages in the -wal file, where readers find them and the
		 * next checkpoint tries again: SQLite ignores it the same way
		 * in its own automatic checkpoints. */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->mu);
		c->done = want;
		pthread_cond_broadcast(&c->idle);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* SQLite's WAL hook: runs in the writer's thread after each commit, with
 * the transaction's locks released, `pages` long the -wal file. */
static int committed(void *arg, sqlite3 *db, const char *name, int pages)
{
	qdx_ckpt *c = arg;
	unsigned long want;

	(void)db;
	(void)name;
	if (pages < c->last)
		c->last = 0; /* the file started over */
	if (pages < QDX_CKPT_RESTART && pages - c->last < QDX_CKPT_STEP)
		return SQLITE_OK;
	c->last = pages;
	pthread_mutex_lock(&c->mu);
	want = ++c->asked;
	pthread_cond_signal(&c->wake);
	while (pages >= QDX_CKPT_RESTART && c->done < want && !c->stop)
		pthread_cond_wait(&c->idle, &c->mu);
	pthread_mutex_unlock(&c->mu);
	return SQLITE_OK;
}

qdx_ckpt *qdx_ckpt_start(sqlite3 *writer, const char *path)
{
	qdx_ckpt *c = qdx_xcalloc(1, sizeof(*c));

	c->writer = writer;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->wake, NULL);
	pthread_cond_init(&c->idle, NULL);
	/* The checkpoint syncs as the writer's would: the -wal file before
	 * the copy, the database after it. */
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) ||
	    sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) ||
	    pthread_create(&c->thread, NULL, loop, c)) {
		sqlite3_close(c->db);
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->wake);
		pthread_cond_destroy(&c->idle);
		free(c);
		return NULL;
	}
	/* Replaces the hook behind SQLite's automatic checkpoints. */
	sqlite3_wal_hook(writer, committed, c);
	return c;
}

void qdx_ckpt_stop(qdx_ckpt *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_broadcast(&c->wake);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	sqlite3_wal_autocheckpoint(c->writer, QDX_CKPT_STEP);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->idle);
	free(c);
}
