#include "relay_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "safefile.h"

#define STATE_MAX 4096

const char *relay_state_strerror(relay_state_err e)
{
	switch (e) {
	case RELAY_STATE_OK: return "ok";
	case RELAY_STATE_ERR_READ: return "cannot read the state file";
	case RELAY_STATE_ERR_FORMAT: return "state file is not a cursor record";
	case RELAY_STATE_ERR_WRITE: return "cannot write the state file";
	}
	return "unknown error";
}

relay_state_err relay_state_load(const char *path, uint64_t *created_at, bool *found)
{
	*found = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? RELAY_STATE_OK : RELAY_STATE_ERR_READ;
	char text[STATE_MAX];
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, text + n, sizeof text - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return RELAY_STATE_ERR_READ;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == sizeof text) {
			close(fd);
			return RELAY_STATE_ERR_FORMAT;
		}
	}
	close(fd);
	jv v = json_parse(text, n, JSON_INTEGERS_ONLY, NULL);
	relay_state_err e = RELAY_STATE_ERR_FORMAT;
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		const char *type = json_get_str(v, "type", NULL);
		jv c = json_get(v, "created_at");
		if (type && strcmp(type, "cursor") == 0 && json_get_u64(c, created_at)) {
			*found = true;
			e = RELAY_STATE_OK;
		}
		jv_free(c);
	}
	jv_free(v);
	return e;
}

relay_state_err relay_state_save(const char *path, uint64_t created_at)
{
	buf rec = BUF_INIT;
	buf_puts(&rec, "{\"type\":\"cursor\",\"created_at\":");
	buf_put_u64(&rec, created_at);
	buf_puts(&rec, "}\n");
	safefile_err e = safefile_write(path, rec.p, rec.len, SAFEFILE_REPLACE);
	buf_free(&rec);
	return e == SAFEFILE_OK ? RELAY_STATE_OK : RELAY_STATE_ERR_WRITE;
}
