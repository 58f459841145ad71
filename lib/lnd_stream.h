/* lnd_stream.h — the framing of LND's REST server-streaming responses.
 *
 * grpc-gateway writes one JSON object per message, each followed by '\n':
 *   {"result":{...message...}}       a message
 *   {"error":{"code":N,"message":"...","details":[]}}   the stream failed
 * and, when the stream could not even be opened, the bare unary error body
 *   {"code":N,"message":"...","details":[]}
 * HTTP chunk boundaries do not line up with lines (LIGHTNING.md §a.5), so the
 * parser buffers bytes and splits on '\n' itself. It accepts arbitrary slices
 * (fuzz/fuzz_lnd_stream.c feeds random chunkings).
 *
 * Ownership: the callback receives a jv it owns (the "result" object, or an
 * error object normalized to {"code":int,"message":string}). The stream owns
 * its buffer; lnd_stream_free releases it.
 */
#ifndef MU_LND_STREAM_H
#define MU_LND_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <jv.h>

#include "buf.h"

#define LND_STREAM_MAX_LINE (4u * 1024 * 1024)

typedef enum lnd_msg_kind {
	LND_MSG_RESULT,     /* payload: the message object */
	LND_MSG_ERROR,      /* payload: {"code":int,"message":string} */
	LND_MSG_MALFORMED,  /* payload: {"message":reason}; the stream is unusable from here */
} lnd_msg_kind;

typedef void (*lnd_msg_fn)(void *ctx, lnd_msg_kind kind, jv payload);

typedef struct lnd_stream {
	buf          line;        /* the incomplete line so far */
	size_t       max_line;
	unsigned long results;    /* messages delivered */
	bool         stopped;     /* an error or malformed line was delivered */
	lnd_msg_fn   fn;
	void        *ctx;
} lnd_stream;

void lnd_stream_init(lnd_stream *s, size_t max_line, lnd_msg_fn fn, void *ctx);
void lnd_stream_free(lnd_stream *s);
/* Feeds bytes; delivers every complete line. After an error or malformed
 * line nothing more is delivered and it returns false. */
bool lnd_stream_feed(lnd_stream *s, const char *data, size_t n);
/* End of body: a last line without '\n' is still delivered. */
bool lnd_stream_end(lnd_stream *s);

/* Parses one unary error body ({"code","message"}) or stream error wrapper;
 * returns the normalized object or jv_invalid(). */
jv lnd_error_body(const char *text, size_t n);

#endif
