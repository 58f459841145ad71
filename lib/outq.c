#include "outq.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"

struct outq {
	int             fd;
	pthread_t       thread;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	buf             pending;   /* complete lines waiting for the writer */
	bool            closing;
	bool            failed;
	bool            corked;    /* pushes queue without waking the writer */
	uint64_t        written;   /* lines written so far */
};

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void *writer(void *arg)
{
	outq *q = arg;
	buf out = BUF_INIT;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while ((q->pending.len == 0 || q->corked) && !q->closing)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->pending.len == 0 && q->closing)
			break;
		/* take the whole batch: it holds only complete lines */
		buf tmp = out;
		out = q->pending;
		q->pending = tmp;
		buf_reset(&q->pending);
		bool dead = q->failed;
		pthread_mutex_unlock(&q->mu);
		bool ok = dead || write_all(q->fd, out.p, out.len);
		uint64_t lines = 0;
		for (size_t i = 0; ok && !dead && i < out.len; i++)
			lines += out.p[i] == '\n';
		buf_reset(&out);
		pthread_mutex_lock(&q->mu);
		if (!ok)
			q->failed = true;
		q->written += lines;
	}
	pthread_mutex_unlock(&q->mu);
	buf_free(&out);
	return NULL;
}

outq *outq_open(int fd)
{
	outq *q = mu_xmalloc(sizeof *q);
	memset(q, 0, sizeof *q);
	q->fd = fd;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if (pthread_create(&q->thread, NULL, writer, q) != 0) {
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
		free(q);
		return NULL;
	}
	return q;
}

bool outq_push(outq *q, const char *line, size_t n)
{
	pthread_mutex_lock(&q->mu);
	bool ok = !q->failed;
	if (ok) {
		buf_put(&q->pending, line, n);
		buf_putc(&q->pending, '\n');
		if (!q->corked)
			pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return ok;
}

bool outq_push_record(outq *q, jv v)
{
	buf b = BUF_INIT;
	json_write(&b, v);
	jv_free(v);
	bool ok = outq_push(q, b.p, b.len);
	buf_free(&b);
	return ok;
}

void outq_cork(outq *q, bool on)
{
	pthread_mutex_lock(&q->mu);
	q->corked = on;
	if (!on && q->pending.len)
		pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

bool outq_failed(outq *q)
{
	pthread_mutex_lock(&q->mu);
	bool f = q->failed;
	pthread_mutex_unlock(&q->mu);
	return f;
}

uint64_t outq_written(outq *q)
{
	pthread_mutex_lock(&q->mu);
	uint64_t n = q->written;
	pthread_mutex_unlock(&q->mu);
	return n;
}

size_t outq_pending(outq *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->pending.len;
	pthread_mutex_unlock(&q->mu);
	return n;
}

bool outq_close(outq *q)
{
	pthread_mutex_lock(&q->mu);
	q->closing = true;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	bool ok = !q->failed;
	buf_free(&q->pending);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q);
	return ok;
}
