/* fuzz_unwrap — mostro-unwrap's input path on arbitrary bytes, at every layer.
 * The first byte picks where the rest lands:
 *   0  the input line itself (bare event or EVENT frame)
 *   1  the plaintext tuple of a valid v2 event to Mostro
 *   2  the rumor content of a valid v1 gift wrap (seal by the identity key)
 *   3  the seal position of a valid gift wrap (the wrap's plaintext)
 *   4  the rumor JSON inside a valid seal and wrap
 *   5  the inner event of a valid current-format chat envelope
 * Envelopes are built with fixed keys, so every layer above the fuzzed one
 * verifies and the bytes reach the parser under test. Whatever opens must
 * give a record that is valid JSON, and a message whose canonical text
 * re-parses to the very same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "hex.h"
#include "json.h"
#include "mostro_chat.h"
#include "mostro_envelope.h"
#include "mostro_msg.h"
#include "nip44.h"
#include "nip59.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mu_key mostro, trade, identity;
static chat_keys ck;
static env_keyring ring;
static bool ready;

static void setup(void)
{
	uint8_t sk[32];
	memset(sk, 1, 32);
	key_from_secret(&mostro, sk);
	memset(sk, 2, 32);
	key_from_secret(&trade, sk);
	memset(sk, 3, 32);
	key_from_secret(&identity, sk);
	env_keyring_init(&ring);
	env_keyring_add(&ring, &mostro);
	env_keyring_add(&ring, &trade);
	env_keyring_add_peer(&ring, identity.pk);        /* a chat between trade and identity */
	chat_keys_derive(&ck, trade.sk, identity.pk);
	ready = true;
}

static jv p_tag(const uint8_t pk[32])
{
	char hx[65];
	hex_encode(hx, pk, 32);
	return jv_array_append(jv_array(), jv_array_append(jv_array_append(jv_array(), jv_string("p")), jv_string(hx)));
}

static void check_opened(const env_opened *o)
{
	buf rec = BUF_INIT;
	env_opened_write(&rec, o);
	json_error je;
	jv v = json_parse(rec.p, rec.len, JSON_EXACT_NUMBERS, &je);
	if (!jv_is_valid(v)) {
		fprintf(stderr, "record is not JSON (%s): %s\n", je.msg, rec.p);
		abort();
	}
	jv_free(v);
	if (o->type == ENV_MESSAGE) {
		mostro_msg m;
		buf again = BUF_INIT;
		if (mostro_msg_parse(&m, o->tuple.canonical.p, o->tuple.canonical.len, NULL) != MOSTRO_MSG_OK) {
			fprintf(stderr, "canonical message does not re-parse: %s\n", o->tuple.canonical.p);
			abort();
		}
		mostro_msg_write(&again, &m);
		if (again.len != o->tuple.canonical.len || memcmp(again.p, o->tuple.canonical.p, again.len) != 0) {
			fprintf(stderr, "canonical form is not a fixed point:\n%s\n%s\n", o->tuple.canonical.p, again.p);
			abort();
		}
		buf_free(&again);
		mostro_msg_free(&m);
	}
	buf_free(&rec);
}

static void open_event(const nostr_event *ev)
{
	env_unwrapper u;
	env_opened o;
	char d[320];
	env_opts eo = { .dedupe = true };
	env_unwrapper_init(&u, &ring, &eo);
	if (env_unwrap(&u, ev, &o, d, sizeof d) == ENV_OK) {
		check_opened(&o);
		env_opened_free(&o);
	}
	env_unwrapper_free(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	if (size < 1)
		return 0;
	int mode = data[0] % 6;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	nostr_event ev;
	mostro_wrap_opts o = { .has_created_at = true, .created_at = 1700000000 };
	if (mode == 0) {
		char d[200];
		if (env_parse_line(s, n, &ev, d, sizeof d) == ENV_OK)
			open_event(&ev);
		event_free(&ev);
		return 0;
	}
	if (n == 0 || n > NIP44_MAX_PLAINTEXT)
		return 0;
	if (mode == 1 || mode == 2) {
		o.transport = mode == 1 ? MOSTRO_V2 : MOSTRO_V1;
		if (mostro_wrap_tuple(&ev, s, n, &trade, &identity, mostro.pk, &o) == ENV_WRAP_OK)
			open_event(&ev);
		event_free(&ev);
		return 0;
	}
	if (mode == 3) {
		if (nip59_gift_wrap(&ev, mostro.pk, s, n, 1700000000, p_tag(mostro.pk), NULL, NULL) == NIP59_OK)
			open_event(&ev);
		event_free(&ev);
		return 0;
	}
	if (mode == 4) {
		nostr_event seal;
		buf sj = BUF_INIT;
		if (nip59_seal(&seal, &identity, mostro.pk, s, n, 1700000000) == NIP44_OK) {
			event_write(&sj, &seal);
			if (nip59_gift_wrap(&ev, mostro.pk, sj.p, sj.len, 1700000000, p_tag(mostro.pk), NULL, NULL) == NIP59_OK)
				open_event(&ev);
			event_free(&ev);
		}
		event_free(&seal);
		buf_free(&sj);
		return 0;
	}
	/* mode 5: current chat, inner event fuzzed */
	buf ct = BUF_INIT;
	if (nip44_encrypt_to(&ct, ck.conv.sk, ck.conv.pk, s, n) == NIP44_OK) {
		event_init(&ev);
		ev.kind = 14;
		ev.created_at = 1700000000;
		jv_free(ev.tags);
		ev.tags = p_tag(ck.conv.pk);
		event_set_content(&ev, ct.p, ct.len);
		event_sign(&ev, &ck.sign, NULL);
		open_event(&ev);
		event_free(&ev);
	}
	buf_free(&ct);
	return 0;
}
