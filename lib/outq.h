/* outq.h — ordered whole-line output through a writer thread.
 *
 * A long-running tool that both reads and writes pipes (mostro-ln run and the
 * daemon feeding each other) must never stop reading because its output pipe
 * is full: that is how two processes deadlock. outq_push() only appends to an
 * in-memory queue; a dedicated thread writes the lines to the descriptor in
 * order, each line whole (one write sequence per line, never interleaved).
 *
 * Ownership: outq_push() copies the bytes; outq_push_record() consumes the jv.
 * outq_close() writes everything still queued, stops the thread and frees q.
 */
#ifndef MU_OUTQ_H
#define MU_OUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

typedef struct outq outq;

/* Starts the writer for fd. NULL when the thread cannot be created. */
outq *outq_open(int fd);
/* Queues one line (a '\n' is appended). Returns false once the descriptor
 * failed (EPIPE or another write error): the reader is gone. */
bool outq_push(outq *q, const char *line, size_t n);
/* Serializes v (consumed) with json_write and queues it. */
bool outq_push_record(outq *q, jv v);
/* Corked (on), pushes only queue: the writer wakes once at outq_cork(q,
 * false) and writes them together, instead of being woken (a thread switch)
 * for every line of a batch. outq_close() writes what is queued, corked or
 * not. */
void outq_cork(outq *q, bool on);
/* True once a write failed. */
bool outq_failed(outq *q);
/* Lines written to the descriptor so far (a caller that must know a line
 * reached its reader, such as the order engine's outbox, counts its pushes). */
uint64_t outq_written(outq *q);
/* Bytes queued and not yet written. */
size_t outq_pending(outq *q);
/* Flushes the queue, joins the thread, frees q. False when a write failed. */
bool outq_close(outq *q);

#endif
