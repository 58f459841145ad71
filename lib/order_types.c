/* order_types.c — names and row helpers of lib/order.h. */
#include "order.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

const char *order_status_name(int s)
{
	return s >= 0 && s < OS_COUNT ? mostro_order_status_names[s] : NULL;
}

const char *order_kind_name(int k)
{
	return k >= 0 && k < ORDER_KIND_COUNT ? mostro_order_kind_names[k] : NULL;
}

const char *cant_do_name(int r)
{
	return r >= 0 && r < CD_COUNT ? mostro_cant_do_names[r] : NULL;
}

const char *dispute_status_name(int s)
{
	return s >= 0 && s < DS_COUNT ? mostro_dispute_status_names[s] : NULL;
}

static int name_index(const char *const *names, int n, const char *s)
{
	return s ? mostro_name_index(names, n, s, strlen(s)) : -1;
}

int order_status_from_name(const char *s) { return name_index(mostro_order_status_names, OS_COUNT, s); }
int order_kind_from_name(const char *s) { return name_index(mostro_order_kind_names, ORDER_KIND_COUNT, s); }
int dispute_status_from_name(const char *s) { return name_index(mostro_dispute_status_names, DS_COUNT, s); }

void str_set(char **field, const char *s)
{
	char *n = s ? mu_xstrdup(s) : NULL;
	free(*field);
	*field = n;
}

void str_setn(char **field, const char *s, size_t n)
{
	char *c = s ? mu_xstrndup(s, n) : NULL;
	free(*field);
	*field = c;
}

void str_clear(char **field)
{
	free(*field);
	*field = NULL;
}

bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The heap strings of an order row, for init/free/copy. */
#define ORDER_STRINGS(X) X(event_id) X(hash) X(preimage) X(creator_pubkey) \
	X(cancel_initiator_pubkey) X(dispute_initiator_pubkey) X(buyer_pubkey) \
	X(master_buyer_pubkey) X(seller_pubkey) X(master_seller_pubkey) X(payment_method) \
	X(fiat_code) X(buyer_invoice) X(range_parent_id) X(next_trade_pubkey) \
	X(dev_fee_payment_hash) X(cashu_mint_url) X(cashu_escrow_token) X(payout_payment_hash)

void order_row_init(order_row *o)
{
	memset(o, 0, sizeof *o);
	o->status = OS_PENDING;
}

void order_row_free(order_row *o)
{
#define FREE_ONE(f) free(o->f);
	ORDER_STRINGS(FREE_ONE)
#undef FREE_ONE
	order_row_init(o);
}

void order_row_copy(order_row *dst, const order_row *src)
{
	if (dst == src)
		return;
	order_row_free(dst);
	*dst = *src;
#define DUP_ONE(f) dst->f = src->f ? mu_xstrdup(src->f) : NULL;
	ORDER_STRINGS(DUP_ONE)
#undef DUP_ONE
}

void dispute_row_init(dispute_row *d)
{
	memset(d, 0, sizeof *d);
}

void dispute_row_free(dispute_row *d)
{
	free(d->order_previous_status);
	free(d->solver_pubkey);
	dispute_row_init(d);
}

void user_row_init(user_row *u)
{
	memset(u, 0, sizeof *u);
}

void user_row_free(user_row *u)
{
	free(u->admin_password);
	user_row_init(u);
}

const char *order_taker_pubkey(const order_row *o)
{
	if (!o->creator_pubkey)
		return NULL;
	if (str_eq(o->creator_pubkey, o->seller_pubkey))
		return o->buyer_pubkey;
	if (str_eq(o->creator_pubkey, o->buyer_pubkey))
		return o->seller_pubkey;
	return NULL;
}

/* mostro#882: the terminal statuses, spelled as they are stored. */
bool order_status_is_terminal(order_status s)
{
	switch (s) {
	case OS_EXPIRED: case OS_SUCCESS: case OS_CANCELED: case OS_CANCELED_BY_ADMIN:
	case OS_COMPLETED_BY_ADMIN: case OS_SETTLED_BY_ADMIN: case OS_COOPERATIVELY_CANCELED:
		return true;
	case OS_ACTIVE: case OS_DISPUTE: case OS_FIAT_SENT: case OS_SETTLED_HOLD_INVOICE:
	case OS_PENDING: case OS_WAITING_BUYER_INVOICE: case OS_WAITING_PAYMENT:
	case OS_WAITING_TAKER_BOND: case OS_IN_PROGRESS: case OS_WAITING_MAKER_BOND:
	case OS_COUNT:
		return false;
	}
	return false;
}
