#!/usr/bin/env python3
"""Writes mostro-msg-golden.jsonl: message shapes mostro-core 0.14 accepts
(with the canonical bytes serde_json re-creates) and shapes it refuses (with
our error code and the path of the offending field).

Expectations are written from mostro-core's type declarations (PROTOCOL.md
§2), independently of the C code: each accepted record spells out its
canonical form. Run: python3 tests/vectors/mostro-msg-golden.py > tests/vectors/mostro-msg-golden.jsonl
"""
import json
import sys

UUID = "308e1272-d5f4-47e6-bd97-3504baea9c23"
UUID2 = "efc75871-2568-40b9-a6ee-c382d4d6de01"
PK = "5011d0e7a57ae27627ab76962537072c6809ef3b9e24c2e3db4e672c61624eef"

ACTIONS = """new-order take-sell take-buy pay-invoice pay-bond-invoice fiat-sent fiat-sent-ok
release released cancel canceled cooperative-cancel-initiated-by-you
cooperative-cancel-initiated-by-peer dispute-initiated-by-you dispute-initiated-by-peer
cooperative-cancel-accepted buyer-invoice-accepted bond-invoice-accepted purchase-completed
bond-payout-completed bond-slashed hold-invoice-payment-accepted hold-invoice-payment-settled
hold-invoice-payment-canceled waiting-seller-to-pay waiting-buyer-invoice add-invoice
add-bond-invoice buyer-took-order rate rate-user rate-received cant-do dispute admin-cancel
admin-canceled admin-settle admin-settled admin-add-solver admin-take-dispute
admin-took-dispute payment-failed invoice-updated send-dm trade-pubkey restore-session
last-trade-index orders add-cashu-escrow cashu-escrow-locked cashu-pm-signature""".split()
assert len(ACTIONS) == 51

STATUSES = """active canceled canceled-by-admin settled-by-admin completed-by-admin dispute
expired fiat-sent settled-hold-invoice pending success waiting-buyer-invoice waiting-payment
waiting-taker-bond cooperatively-canceled in-progress waiting-maker-bond""".split()
assert len(STATUSES) == 17

REASONS = """invalid_signature invalid_trade_index invalid_amount invalid_invoice
invalid_payment_request invalid_peer invalid_rating invalid_text_message invalid_order_kind
invalid_order_status invalid_pubkey invalid_parameters invalid_payload order_already_canceled
cant_create_user is_not_your_order not_allowed_by_status out_of_range_fiat_amount
out_of_range_sats_amount price_too_stale is_not_your_dispute dispute_taken_by_admin
not_authorized dispute_creation_error not_found invalid_dispute_status invalid_action
pending_order_exists invalid_fiat_currency too_many_requests invalid_cashu_token
cashu_mint_unavailable invalid_mint_url cashu_escrow_not_locked cashu_signature_missing""".split()
assert len(REASONS) == 35

out = []


def accept(name, text, canonical, verify=None):
    r = {"name": name, "input": text, "canonical": canonical}
    if verify is not None:
        r["verify"] = verify
    out.append(r)


def refuse(name, text, error, path=None):
    r = {"name": name, "input": text, "error": error}
    if path is not None:
        r["path"] = path
    out.append(r)


def kind(version=2, request_id="null", trade_index="null", id=UUID, action="cancel", payload="null"):
    """Canonical MessageKind text: struct order, id omitted when None."""
    s = '{"version":%s,"request_id":%s,"trade_index":%s,' % (version, request_id, trade_index)
    if id is not None:
        s += '"id":"%s",' % id
    return s + '"action":"%s","payload":%s}' % (action, payload)


def msg(channel="order", **kw):
    return '{"%s":%s}' % (channel, kind(**kw))


def small_order(id=None, kind_="sell", status="null", amount="100", fiat_code="VES",
                min_amount="null", max_amount="null", fiat_amount="100",
                payment_method="face to face", premium="1", buyer_trade_pubkey=None,
                seller_trade_pubkey=None, buyer_invoice=None, created_at="null", expires_at="null"):
    """Canonical SmallOrder: id/buyer_trade_pubkey/seller_trade_pubkey/buyer_invoice omitted when None."""
    f = []
    if id is not None:
        f.append('"id":"%s"' % id)
    f.append('"kind":%s' % ('"%s"' % kind_ if kind_ != "null" else "null"))
    f.append('"status":%s' % ('"%s"' % status if status != "null" else "null"))
    f.append('"amount":%s' % amount)
    f.append('"fiat_code":"%s"' % fiat_code)
    f.append('"min_amount":%s' % min_amount)
    f.append('"max_amount":%s' % max_amount)
    f.append('"fiat_amount":%s' % fiat_amount)
    f.append('"payment_method":"%s"' % payment_method)
    f.append('"premium":%s' % premium)
    if buyer_trade_pubkey is not None:
        f.append('"buyer_trade_pubkey":"%s"' % buyer_trade_pubkey)
    if seller_trade_pubkey is not None:
        f.append('"seller_trade_pubkey":"%s"' % seller_trade_pubkey)
    if buyer_invoice is not None:
        f.append('"buyer_invoice":"%s"' % buyer_invoice)
    f.append('"created_at":%s' % created_at)
    f.append('"expires_at":%s' % expires_at)
    return "{" + ",".join(f) + "}"


MIN_ORDER_IN = '{"kind":"sell","amount":100,"fiat_code":"VES","fiat_amount":100,"payment_method":"face to face","premium":1}'
MIN_ORDER = small_order()

# ---------------------------------------------------------------- channels
for ch in ["order", "dispute", "cant-do", "rate", "dm", "restore"]:
    accept("channel %s" % ch, msg(ch), msg(ch))

# ------------------------------------------------------------------ actions
for a in ACTIONS:
    text = '{"order":{"version":2,"id":"%s","action":"%s"}}' % (UUID, a)
    accept("action %s (payload omitted)" % a, text, msg(action=a))

# action as the serde_json unit-variant object form
accept("action as {\"take-sell\":null}",
       '{"order":{"version":2,"id":"%s","action":{"take-sell":null},"payload":null}}' % UUID,
       msg(action="take-sell"))

# -------------------------------------------------------- payload variants
pr_inv = "lnbcrt78510n1pj59wmepp5"
payloads = [
    ("order", MIN_ORDER_IN, MIN_ORDER, "new-order"),
    ("payment_request", '[null,"%s",null]' % pr_inv, '[null,"%s",null]' % pr_inv, "add-invoice"),
    ("payment_request with order and amount",
     '[%s,"%s",42]' % (MIN_ORDER_IN, pr_inv), '[%s,"%s",42]' % (MIN_ORDER, pr_inv), "pay-invoice"),
    ("text_message", '"npub1abc:read-write"', '"npub1abc:read-write"', "admin-add-solver"),
    ("peer", '{"pubkey":"%s","reputation":null}' % PK, '{"pubkey":"%s","reputation":null}' % PK, "fiat-sent-ok"),
    ("peer without reputation key", '{"pubkey":"%s"}' % PK, '{"pubkey":"%s","reputation":null}' % PK, "fiat-sent-ok"),
    ("peer with integer rating", '{"pubkey":"","reputation":{"rating":5,"reviews":3,"operating_days":7}}',
     '{"pubkey":"","reputation":{"rating":5.0,"reviews":3,"operating_days":7}}', "pay-invoice"),
    ("peer with rating 4.50", '{"pubkey":"","reputation":{"operating_days":7,"reviews":3,"rating":4.50}}',
     '{"pubkey":"","reputation":{"rating":4.5,"reviews":3,"operating_days":7}}', "pay-invoice"),
    ("peer with rating 45e-1", '{"pubkey":"","reputation":{"rating":45e-1,"reviews":0,"operating_days":0}}',
     '{"pubkey":"","reputation":{"rating":4.5,"reviews":0,"operating_days":0}}', "pay-invoice"),
    ("rating_user", "5", "5", "rate-user"),
    ("rating_user 0 (range is the daemon's business)", "0", "0", "rate-user"),
    ("amount", "15", "15", "take-buy"),
    ("amount negative", "-15", "-15", "take-buy"),
    ("dispute", '["%s",null]' % UUID2, '["%s",null]' % UUID2, "dispute-initiated-by-you"),
    ("cant_do", '"not_found"', '"not_found"', "cant-do"),
    ("cant_do null", "null", "null", "cant-do"),
    ("next_trade", '["%s",4294967295]' % PK, '["%s",4294967295]' % PK, "release"),
    ("payment_failed", '{"payment_attempts":2,"payment_retries_interval":60}',
     '{"payment_attempts":2,"payment_retries_interval":60}', "payment-failed"),
    ("restore_data empty", '{"orders":[],"disputes":[]}', '{"orders":[],"disputes":[]}', "restore-session"),
    ("ids", '["%s","%s"]' % (UUID, UUID2.upper()), '["%s","%s"]' % (UUID, UUID2), "orders"),
    ("ids empty", "[]", "[]", "orders"),
    ("orders", "[%s]" % MIN_ORDER_IN, "[%s]" % MIN_ORDER, "orders"),
    ("bond_resolution", '{"slash_buyer":true,"slash_seller":false}', '{"slash_seller":false,"slash_buyer":true}', "admin-settle"),
    ("bond_payout_request", '{"order":%s,"slashed_at":1734000000}' % MIN_ORDER_IN,
     '{"order":%s,"slashed_at":1734000000}' % MIN_ORDER, "add-bond-invoice"),
    ("cashu_lock_proof", '{"token":"cashuA","mint_url":"https://m","buyer_pubkey":"b","seller_pubkey":"s","mostro_pubkey":"m"}',
     '{"token":"cashuA","mint_url":"https://m","buyer_pubkey":"b","seller_pubkey":"s","mostro_pubkey":"m"}', "add-cashu-escrow"),
    ("cashu_lock_proof with fee_token", '{"token":"t","mint_url":"u","buyer_pubkey":"b","seller_pubkey":"s","mostro_pubkey":"m","fee_token":"f"}',
     '{"token":"t","mint_url":"u","buyer_pubkey":"b","seller_pubkey":"s","mostro_pubkey":"m","fee_token":"f"}', "add-cashu-escrow"),
    ("cashu_lock_proof fee_token null", '{"token":"t","mint_url":"u","buyer_pubkey":"b","seller_pubkey":"s","mostro_pubkey":"m","fee_token":null}',
     '{"token":"t","mint_url":"u","buyer_pubkey":"b","seller_pubkey":"s","mostro_pubkey":"m"}', "add-cashu-escrow"),
    ("cashu_signatures", '[{"secret":"s1","signature":"ab"}]', '[{"secret":"s1","signature":"ab"}]', "cashu-pm-signature"),
]
for name, vin, vout, action in payloads:
    variant = name.split(" ")[0]
    text = '{"order":{"version":2,"request_id":1,"trade_index":1,"id":"%s","action":"%s","payload":{"%s":%s}}}' % (
        UUID, action, variant, vin)
    accept("payload %s" % name, text,
           msg(request_id="1", trade_index="1", action=action, payload='{"%s":%s}' % (variant, vout)))

# restore_data with entries, SolverDisputeInfo in the dispute tuple
rd = ('{"orders":[{"order_id":"%s","trade_index":3,"status":"active"}],'
      '"disputes":[{"dispute_id":"%s","order_id":"%s","trade_index":3,"status":"initiated","initiator":"seller","solver_pubkey":"%s"}]}'
      % (UUID, UUID2, UUID, PK))
accept("restore_data with an order and a dispute",
       '{"restore":{"version":2,"action":"restore-session","payload":{"restore_data":%s}}}' % rd,
       msg("restore", id=None, action="restore-session", payload='{"restore_data":%s}' % rd), verify=False)
rd_min = ('{"orders":[],"disputes":[{"dispute_id":"%s","order_id":"%s","trade_index":3,"status":"initiated"}]}' % (UUID2, UUID))
rd_min_out = ('{"orders":[],"disputes":[{"dispute_id":"%s","order_id":"%s","trade_index":3,"status":"initiated","initiator":null,"solver_pubkey":null}]}' % (UUID2, UUID))
accept("restore_data dispute without optional keys",
       '{"restore":{"version":2,"action":"restore-session","payload":{"restore_data":%s}}}' % rd_min,
       msg("restore", id=None, action="restore-session", payload='{"restore_data":%s}' % rd_min_out))
sdi_fields = [
    ("id", '"%s"' % UUID), ("kind", '"sell"'), ("status", '"dispute"'), ("hash", "null"),
    ("preimage", '"aa"'), ("order_previous_status", '"active"'), ("initiator_pubkey", '"%s"' % PK),
    ("buyer_pubkey", "null"), ("seller_pubkey", '"%s"' % PK), ("initiator_full_privacy", "false"),
    ("counterpart_full_privacy", "true"), ("initiator_info", '{"rating":3.25,"reviews":4,"operating_days":10}'),
    ("counterpart_info", "null"), ("premium", "0"), ("payment_method", '"bank"'), ("amount", "1000"),
    ("fiat_amount", "10"), ("fee", "6"), ("routing_fee", "1"), ("buyer_invoice", "null"),
    ("invoice_held_at", "1700000000"), ("taken_at", "1700000001"), ("created_at", "1700000002"),
]
sdi = "{" + ",".join('"%s":%s' % kv for kv in sdi_fields) + "}"
sdi_rev = "{" + ",".join('"%s":%s' % kv for kv in reversed(sdi_fields)) + "}"
accept("admin-took-dispute with SolverDisputeInfo (keys reversed on input)",
       '{"dispute":{"version":2,"id":"%s","action":"admin-took-dispute","payload":{"dispute":["%s",%s]}}}' % (UUID2, UUID2, sdi_rev),
       msg("dispute", id=UUID2, action="admin-took-dispute", payload='{"dispute":["%s",%s]}' % (UUID2, sdi)), verify=True)
sdi_int = sdi.replace('"rating":3.25', '"rating":3')
accept("SolverDisputeInfo integral rating prints 3.0",
       '{"dispute":{"version":2,"id":"%s","action":"admin-took-dispute","payload":{"dispute":["%s",%s]}}}' % (UUID2, UUID2, sdi_int),
       msg("dispute", id=UUID2, action="admin-took-dispute", payload='{"dispute":["%s",%s]}' % (UUID2, sdi.replace('"rating":3.25', '"rating":3.0'))))

# --------------------------------------------------- statuses, kinds, reasons
for st in STATUSES:
    o_in = MIN_ORDER_IN.replace('"kind":"sell"', '"kind":"sell","status":"%s"' % st)
    accept("order status %s" % st,
           '{"order":{"version":2,"action":"new-order","payload":{"order":%s}}}' % o_in,
           msg(id=None, action="new-order", payload='{"order":%s}' % small_order(status=st)), verify=True)
for k in ["buy", "sell"]:
    o_in = MIN_ORDER_IN.replace('"kind":"sell"', '"kind":"%s"' % k)
    accept("order kind %s" % k,
           '{"order":{"version":2,"action":"new-order","payload":{"order":%s}}}' % o_in,
           msg(id=None, action="new-order", payload='{"order":%s}' % small_order(kind_=k)))
accept("order kind null", '{"order":{"version":2,"action":"new-order","payload":{"order":%s}}}' % MIN_ORDER_IN.replace('"kind":"sell"', '"kind":null'),
       msg(id=None, action="new-order", payload='{"order":%s}' % small_order(kind_="null")))
accept("order kind as {\"buy\":null}", '{"order":{"version":2,"action":"new-order","payload":{"order":%s}}}' % MIN_ORDER_IN.replace('"kind":"sell"', '"kind":{"buy":null}'),
       msg(id=None, action="new-order", payload='{"order":%s}' % small_order(kind_="buy")))
for r in REASONS:
    accept("cant_do reason %s" % r,
           '{"cant-do":{"version":2,"request_id":7,"trade_index":null,"action":"cant-do","payload":{"cant_do":"%s"}}}' % r,
           msg("cant-do", request_id="7", id=None, action="cant-do", payload='{"cant_do":"%s"}' % r), verify=True)

# ---------------------------------------------------- SmallOrder details
full_in = ('{"expires_at":1698956573,"created_at":1698870173,"buyer_invoice":"a@b.c","seller_trade_pubkey":"%s",'
           '"buyer_trade_pubkey":"%s","premium":-3,"payment_method":"SEPA,Bank transfer","fiat_amount":0,'
           '"max_amount":20,"min_amount":10,"fiat_code":"eur","amount":0,"status":"pending","kind":"buy","id":"%s"}'
           % (PK, PK, UUID.upper()))
full_out = small_order(id=UUID, kind_="buy", status="pending", amount="0", fiat_code="eur", min_amount="10",
                       max_amount="20", fiat_amount="0", payment_method="SEPA,Bank transfer", premium="-3",
                       buyer_trade_pubkey=PK, seller_trade_pubkey=PK, buyer_invoice="a@b.c",
                       created_at="1698870173", expires_at="1698956573")
accept("SmallOrder every field, reversed, uppercase id",
       '{"order":{"version":2,"id":"%s","action":"buyer-took-order","payload":{"order":%s}}}' % (UUID, full_in),
       msg(action="buyer-took-order", payload='{"order":%s}' % full_out))
arr_in = '[null,"sell",null,100,"VES",null,null,100,"face to face",1,null,null,null,null,null]'
accept("SmallOrder as an array of its fields (serde_json seq form)",
       '{"order":{"version":2,"action":"new-order","payload":{"order":%s}}}' % arr_in,
       msg(id=None, action="new-order", payload='{"order":%s}' % MIN_ORDER))
accept("MessageKind as an array of its fields",
       '{"order":[2,5,null,"%s","cancel",null]}' % UUID,
       msg(request_id="5"))

# ------------------------------------------------------------- integers
accept("request_id u64::MAX", '{"order":{"version":2,"request_id":18446744073709551615,"id":"%s","action":"release"}}' % UUID,
       msg(request_id="18446744073709551615", action="release"))
accept("trade_index i64::MIN", '{"order":{"version":2,"trade_index":-9223372036854775808,"id":"%s","action":"release"}}' % UUID,
       msg(trade_index="-9223372036854775808", action="release"))
accept("trade_index i64::MAX", '{"order":{"version":2,"trade_index":9223372036854775807,"id":"%s","action":"release"}}' % UUID,
       msg(trade_index="9223372036854775807", action="release"))
accept("version 0", '{"order":{"version":0,"id":"%s","action":"cancel"}}' % UUID, msg(version=0))
accept("version 255", '{"order":{"version":255,"id":"%s","action":"cancel"}}' % UUID, msg(version=255))
accept("version 1 (v1 transport)", '{"order":{"version":1,"id":"%s","action":"cancel"}}' % UUID, msg(version=1))
accept("unknown MessageKind keys are ignored",
       '{"order":{"extra":{"deep":[1,2.5]},"version":2,"id":"%s","action":"cancel","pubkey":"x"}}' % UUID, msg())
accept("whitespace and escapes",
       ' { "order" : { "version" : 2 , "id" : "%s" , "action" : "\\u0063ancel" } } ' % UUID, msg())
accept("text_message with escapes re-escaped canonically",
       '{"dm":{"version":2,"id":"%s","action":"send-dm","payload":{"text_message":"a\\/b\\u00e9\\u0001\\u007f\\t"}}}' % UUID,
       msg("dm", action="send-dm", payload='{"text_message":"a/b\u00e9\\u0001\u007f\\t"}'))
accept("payload explicit null", '{"order":{"version":2,"id":"%s","action":"cancel","payload":null}}' % UUID, msg())
accept("id null is omitted", '{"order":{"version":2,"id":null,"action":"restore-session"}}',
       msg(id=None, action="restore-session"), verify=True)
accept("simple-form uuid", '{"order":{"version":2,"id":"308e1272d5f447e6bd973504baea9c23","action":"cancel"}}', msg())
accept("braced uuid", '{"order":{"version":2,"id":"{%s}","action":"cancel"}}' % UUID, msg())
accept("urn uuid", '{"order":{"version":2,"id":"urn:uuid:%s","action":"cancel"}}' % UUID, msg())

# verify() decisions on accepted shapes
accept("verify: take-sell without id fails", '{"order":{"version":2,"action":"take-sell"}}',
       msg(id=None, action="take-sell"), verify=False)
accept("verify: new-order without payload fails", '{"order":{"version":2,"action":"new-order"}}',
       msg(id=None, action="new-order"), verify=False)
accept("verify: restore-session with a payload fails",
       '{"restore":{"version":2,"action":"restore-session","payload":{"amount":1}}}',
       msg("restore", id=None, action="restore-session", payload='{"amount":1}'), verify=False)
accept("verify: cancel with bond_resolution fails",
       '{"order":{"version":2,"id":"%s","action":"cancel","payload":{"bond_resolution":{"slash_seller":true,"slash_buyer":true}}}}' % UUID,
       msg(action="cancel", payload='{"bond_resolution":{"slash_seller":true,"slash_buyer":true}}'), verify=False)
accept("verify: cashu-pm-signature empty fails",
       '{"order":{"version":2,"id":"%s","action":"cashu-pm-signature","payload":{"cashu_signatures":[]}}}' % UUID,
       msg(action="cashu-pm-signature", payload='{"cashu_signatures":[]}'), verify=False)
accept("verify: admin-settle with null passes", '{"order":{"version":2,"id":"%s","action":"admin-settle"}}' % UUID,
       msg(action="admin-settle"), verify=True)
accept("verify: admin-add-solver reply without id fails",
       '{"dispute":{"version":2,"action":"admin-add-solver","payload":null}}',
       msg("dispute", id=None, action="admin-add-solver"), verify=False)
accept("verify: orders with ids passes", '{"order":{"version":2,"action":"orders","payload":{"ids":[]}}}',
       msg(id=None, action="orders", payload='{"ids":[]}'), verify=True)
accept("verify: rate-user without id passes", '{"order":{"version":2,"action":"rate-user","payload":{"rating_user":3}}}',
       msg(id=None, action="rate-user", payload='{"rating_user":3}'), verify=True)

# ------------------------------------------------------------- refusals
B = '{"order":{"version":2,"id":"%s","action":"%%s","payload":%%s}}' % UUID
refuse("not JSON", '{"order":', "json")
refuse("not an object", '["order"]', "type")
refuse("message as a bare string", '"order"', "type")
refuse("empty object", "{}", "enum-shape")
refuse("two envelope keys", '{"order":%s,"dispute":%s}' % (kind(), kind()), "enum-shape")
refuse("unknown envelope key", '{"orders":%s}' % kind(), "variant")
refuse("envelope key in snake case", '{"cant_do":%s}' % kind(action="cant-do"), "variant")
refuse("unknown action", B % ("take-order", "null"), "variant", "order.action")
refuse("action in snake case", B % ("take_sell", "null"), "variant", "order.action")
refuse("action in PascalCase", B % ("TakeSell", "null"), "variant", "order.action")
refuse("action as object with a value", B.replace('"%s"', '{"take-sell":1}') % "null", "type", "order.action")
refuse("action as object with two keys", B.replace('"%s"', '{"take-sell":null,"cancel":null}') % "null", "enum-shape", "order.action")
refuse("action missing", '{"order":{"version":2,"id":"%s"}}' % UUID, "missing", "order.action")
refuse("version missing", '{"order":{"id":"%s","action":"cancel"}}' % UUID, "missing", "order.version")
refuse("version 256", '{"order":{"version":256,"id":"%s","action":"cancel"}}' % UUID, "range", "order.version")
refuse("version -1", '{"order":{"version":-1,"id":"%s","action":"cancel"}}' % UUID, "range", "order.version")
refuse("version 2.0", '{"order":{"version":2.0,"id":"%s","action":"cancel"}}' % UUID, "type", "order.version")
refuse("version \"2\"", '{"order":{"version":"2","id":"%s","action":"cancel"}}' % UUID, "type", "order.version")
refuse("request_id as string (docs §12.6)", '{"order":{"version":2,"request_id":"123456","id":"%s","action":"release"}}' % UUID, "type", "order.request_id")
refuse("request_id negative", '{"order":{"version":2,"request_id":-1,"id":"%s","action":"release"}}' % UUID, "range", "order.request_id")
refuse("request_id 2^64", '{"order":{"version":2,"request_id":18446744073709551616,"id":"%s","action":"release"}}' % UUID, "type", "order.request_id")
refuse("request_id 1e3", '{"order":{"version":2,"request_id":1e3,"id":"%s","action":"release"}}' % UUID, "type", "order.request_id")
refuse("request_id -0", '{"order":{"version":2,"request_id":-0,"id":"%s","action":"release"}}' % UUID, "type", "order.request_id")
refuse("trade_index i64::MAX+1", '{"order":{"version":2,"trade_index":9223372036854775808,"id":"%s","action":"release"}}' % UUID, "range", "order.trade_index")
refuse("trade_index 1.5", '{"order":{"version":2,"trade_index":1.5,"id":"%s","action":"release"}}' % UUID, "type", "order.trade_index")
refuse("id not a uuid", '{"order":{"version":2,"id":"308e1272","action":"cancel"}}', "uuid", "order.id")
refuse("id as integer (docs §12.18)", '{"order":{"version":2,"id":12345,"action":"cancel"}}', "type", "order.id")
refuse("id with bad hyphen", '{"order":{"version":2,"id":"308e1272-d5f4-47e6-bd97_3504baea9c23","action":"cancel"}}', "uuid", "order.id")
refuse("payload unknown variant", B % ("cancel", '{"invoice":"lnbc"}'), "variant", "order.payload")
refuse("payload two variants", B % ("cancel", '{"amount":1,"rating_user":2}'), "enum-shape", "order.payload")
refuse("payload empty object", B % ("cancel", "{}"), "enum-shape", "order.payload")
refuse("payload as a string", B % ("cancel", '"amount"'), "type", "order.payload")
refuse("payload variant in camelCase", B % ("add-invoice", '{"paymentRequest":[null,"lnbc",null]}'), "variant", "order.payload")
refuse("payment_request with 2 elements (docs §12.2)", B % ("add-invoice", '{"payment_request":[null,"lnbc"]}'), "length", "order.payload.payment_request")
refuse("payment_request with 4 elements", B % ("add-invoice", '{"payment_request":[null,"lnbc",null,null]}'), "length", "order.payload.payment_request")
refuse("payment_request as an object", B % ("add-invoice", '{"payment_request":{"invoice":"lnbc"}}'), "type", "order.payload.payment_request")
refuse("payment_request invoice null", B % ("add-invoice", '{"payment_request":[null,null,null]}'), "type", "order.payload.payment_request[1]")
refuse("payment_request amount as string", B % ("take-sell", '{"payment_request":[null,"lnbc","100"]}'), "type", "order.payload.payment_request[2]")
refuse("dispute payload as a bare string (docs §12.3)", B % ("dispute-initiated-by-you", '{"dispute":"%s"}' % UUID2), "type", "order.payload.dispute")
refuse("dispute payload with 1 element", B % ("dispute-initiated-by-you", '{"dispute":["%s"]}' % UUID2), "length", "order.payload.dispute")
refuse("dispute payload bad uuid", B % ("dispute-initiated-by-you", '{"dispute":["x",null]}'), "uuid", "order.payload.dispute[0]")
refuse("cant_do reason in kebab case (docs §12.1)", B % ("cant-do", '{"cant_do":"not-allowed-by-status"}'), "variant", "order.payload.cant_do")
refuse("cant_do unknown reason", B % ("cant-do", '{"cant_do":"rate_limited"}'), "variant", "order.payload.cant_do")
refuse("next_trade with 1 element", B % ("release", '{"next_trade":["%s"]}' % PK), "length", "order.payload.next_trade")
refuse("next_trade index negative", B % ("release", '{"next_trade":["%s",-1]}' % PK), "range", "order.payload.next_trade[1]")
refuse("next_trade index beyond u32", B % ("release", '{"next_trade":["%s",4294967296]}' % PK), "range", "order.payload.next_trade[1]")
refuse("rating_user 256", B % ("rate-user", '{"rating_user":256}'), "range", "order.payload.rating_user")
refuse("rating_user 4.5", B % ("rate-user", '{"rating_user":4.5}'), "type", "order.payload.rating_user")
refuse("amount as string", B % ("take-buy", '{"amount":"15"}'), "type", "order.payload.amount")
refuse("text_message as number", B % ("send-dm", '{"text_message":5}'), "type", "order.payload.text_message")
refuse("peer without pubkey", B % ("fiat-sent-ok", '{"peer":{"reputation":null}}'), "missing", "order.payload.peer.pubkey")
refuse("peer rating as string", B % ("fiat-sent-ok", '{"peer":{"pubkey":"","reputation":{"rating":"5","reviews":1,"operating_days":1}}}'), "type", "order.payload.peer.reputation.rating")
refuse("peer operating_days negative", B % ("fiat-sent-ok", '{"peer":{"pubkey":"","reputation":{"rating":5,"reviews":1,"operating_days":-1}}}'), "range", "order.payload.peer.reputation.operating_days")
refuse("payment_failed attempts beyond u32", B % ("payment-failed", '{"payment_failed":{"payment_attempts":4294967296,"payment_retries_interval":60}}'), "range", "order.payload.payment_failed.payment_attempts")
refuse("payment_failed missing interval", B % ("payment-failed", '{"payment_failed":{"payment_attempts":1}}'), "missing", "order.payload.payment_failed.payment_retries_interval")
refuse("restore_data missing disputes", B % ("restore-session", '{"restore_data":{"orders":[]}}'), "missing", "order.payload.restore_data.disputes")
refuse("restore_data initiator unknown", B % ("restore-session", '{"restore_data":{"orders":[],"disputes":[{"dispute_id":"%s","order_id":"%s","trade_index":1,"status":"x","initiator":"admin"}]}}' % (UUID, UUID)), "variant", "order.payload.restore_data.disputes[0].initiator")
refuse("ids with a bad uuid", B % ("orders", '{"ids":["%s","nope"]}' % UUID), "uuid", "order.payload.ids[1]")
refuse("ids as object", B % ("orders", '{"ids":{}}'), "type", "order.payload.ids")
refuse("bond_resolution missing slash_buyer", B % ("admin-settle", '{"bond_resolution":{"slash_seller":true}}'), "missing", "order.payload.bond_resolution.slash_buyer")
refuse("bond_resolution as 0/1", B % ("admin-settle", '{"bond_resolution":{"slash_seller":0,"slash_buyer":1}}'), "type", "order.payload.bond_resolution.slash_seller")
refuse("bond_payout_request without slashed_at", B % ("add-bond-invoice", '{"bond_payout_request":{"order":%s}}' % MIN_ORDER_IN), "missing", "order.payload.bond_payout_request.slashed_at")
refuse("cashu_lock_proof missing mostro_pubkey", B % ("add-cashu-escrow", '{"cashu_lock_proof":{"token":"t","mint_url":"u","buyer_pubkey":"b","seller_pubkey":"s"}}'), "missing", "order.payload.cashu_lock_proof.mostro_pubkey")
refuse("cashu_signatures entry without signature", B % ("cashu-pm-signature", '{"cashu_signatures":[{"secret":"s"}]}'), "missing", "order.payload.cashu_signatures[0].signature")
for f in ["amount", "fiat_code", "fiat_amount", "payment_method", "premium"]:
    o = json.loads(MIN_ORDER_IN)
    del o[f]
    refuse("SmallOrder without %s" % f, B % ("new-order", '{"order":%s}' % json.dumps(o, separators=(",", ":"))), "missing", "order.payload.order.%s" % f)
refuse("SmallOrder unknown key (deny_unknown_fields)", B % ("new-order", '{"order":%s}' % MIN_ORDER_IN.replace("}", ',"name":"x"}')), "unknown-field", "order.payload.order.name")
refuse("SmallOrder docs key order with an extra key", B % ("new-order", '{"order":%s}' % MIN_ORDER_IN.replace("{", '{"pubkey":null,', 1)), "unknown-field", "order.payload.order.pubkey")
refuse("SmallOrder amount 100.0", B % ("new-order", '{"order":%s}' % MIN_ORDER_IN.replace('"amount":100', '"amount":100.0')), "type", "order.payload.order.amount")
refuse("SmallOrder fiat_amount as string", B % ("new-order", '{"order":%s}' % MIN_ORDER_IN.replace('"fiat_amount":100', '"fiat_amount":"100"')), "type", "order.payload.order.fiat_amount")
refuse("SmallOrder kind unknown", B % ("new-order", '{"order":%s}' % MIN_ORDER_IN.replace('"kind":"sell"', '"kind":"Sell"')), "variant", "order.payload.order.kind")
refuse("SmallOrder status unknown", B % ("new-order", '{"order":%s}' % MIN_ORDER_IN.replace('"kind":"sell"', '"kind":"sell","status":"waiting_payment"')), "variant", "order.payload.order.status")
refuse("SmallOrder as array too short", B % ("new-order", '{"order":[null,"sell",null,100]}'), "length", "order.payload.order")
refuse("SmallOrder as array too long", B % ("new-order", '{"order":%s}' % arr_in.replace("]", ",null]")), "length", "order.payload.order")
refuse("SmallOrder created_at float", B % ("new-order", '{"order":%s}' % MIN_ORDER_IN.replace("}", ',"created_at":1.7e9}')), "type", "order.payload.order.created_at")
refuse("orders entry with only an amount", B % ("orders", '{"orders":[%s,{"amount":1}]}' % MIN_ORDER_IN), "missing", "order.payload.orders[1].fiat_code")
refuse("MessageKind array form too long", '{"order":[2,5,null,"%s","cancel",null,null]}' % UUID, "length", "order")
refuse("MessageKind array form too short (option fields are positional)", '{"order":[2,5,null,"%s","cancel"]}' % UUID, "length", "order")
refuse("MessageKind as a string", '{"order":"cancel"}', "type", "order")
refuse("MessageKind null", '{"order":null}', "type", "order")
refuse("duplicate key", '{"order":{"version":2,"version":2,"id":"%s","action":"cancel"}}' % UUID, "json")
refuse("lone surrogate in text", B % ("send-dm", '{"text_message":"\\ud800"}'), "json")

for r in out:
    sys.stdout.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
