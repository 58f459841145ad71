#include "relay_auth_client.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"

void relay_auth_frame(buf *out, const mu_key *k, const char *relay_url,
		      const char *challenge, size_t challenge_len, uint64_t now, uint8_t id[32])
{
	nostr_event ev;
	event_init(&ev);
	ev.kind = NIP42_CLIENT_KIND;
	ev.created_at = now;
	char *ch = mu_xstrndup(challenge, challenge_len);
	const char *relay_tag[] = {"relay", relay_url};
	const char *challenge_tag[] = {"challenge", ch};
	event_add_tag(&ev, 2, relay_tag);
	event_add_tag(&ev, 2, challenge_tag);
	event_set_content(&ev, "", 0);
	event_sign(&ev, k, NULL);
	memcpy(id, ev.id, 32);
	buf_puts(out, "[\"AUTH\",");
	event_write(out, &ev);
	buf_putc(out, ']');
	free(ch);
	event_free(&ev);
}
