/*
 * ckpt.h - the index's WAL checkpoints, in a thread of their own.
 */
#ifndef QDX_CKPT_H
#define QDX_CKPT_H

struct sqlite3;

typedef struct qdx_ckpt qdx_ckpt;

/* Pages of -wal file between checkpoints: SQLite's own default. */
#define QDX_CKPT_STEP 1000

/* Pages at which the writer waits for the file to start over: 32 MB of
 * disk at 4 KiB pages, and a wait about every 8 steps. */
#define QDX_CKPT_RESTART 8192

/* Takes the checkpoints of the database at `path`, open for writing in
 * `writer`, off the writer's thread: a second connection makes them in a
 * thread of its own as the -wal file grows.  NULL when it cannot start
 * (no connection, no thread): SQLite then checkpoints in the writer, as
 * it does by default.  The caller stops it with qdx_ckpt_stop() before
 * closing `writer`. */
qdx_ckpt *qdx_ckpt_start(struct sqlite3 *writer, const char *path);

/* Waits for a checkpoint under way, closes the second connection, and
 * gives `writer` back SQLite's own checkpoints; call it from the thread
 * that writes.  NULL is a no-op. */
void qdx_ckpt_stop(qdx_ckpt *c);

#endif
