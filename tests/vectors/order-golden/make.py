#!/usr/bin/env python3
"""Writes the golden transcripts of mostro-order run: one JSONL file per
flow, each line {"note": text}, {"in": record} or {"out": record}; the
outputs of an input follow it, in order.

The expectations are written from DAEMON.md (mostrod 0.18.5) step by step,
not from the engine: each `out` below is what the section it cites says
Mostro sends, built with the record formats of docs/ENGINE.md (DM records
for mostro-wrap, event templates, mostro-ln ops) and the engine's documented
derivations (order ids: UUIDv4 over SHA-256("mostro-order uuid:<origin>:<n>"),
origin = the message's event id, or the SHA-256 of the input line for
records without one; preimages: HMAC-SHA256(seed, "preimage:<order>:<n>")).

Run: python3 tests/vectors/order-golden/make.py tests/vectors/order-golden
"""
import hashlib
import hmac
import json
import os
import sys

# ---------------------------------------------------------------- fixtures

SEED = "5eed" * 16
MOSTRO = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
S_ID = "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"      # seller identity
S_TRADE = "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"   # seller trade key
B_ID = "e493dbf1c10d80f3581e4904930b1404cc6c13900ee0758474fa94abe8c4cd13"      # buyer identity
B_TRADE = "2f8bde4d1a07209355b4a7250a5c5128e88b84bddc619ab7cba8d569b240efe4"   # buyer trade key
S_NEXT = "fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556"    # seller's next trade key
STRANGER = "5cbdf0646e5db4eaa398f365f2ea7a0e3d419b7e0330e39ce92bddedcac4f9bc"
SIG = "ab" * 64          # the engine only needs to know a trade signature was present (unwrap verified it)

# regtest invoices signed by a test key (mostro-ln encode), valid until 1700086400
INV_99700 = ("lnbcrt997u1pj48ugqsp5xvenxvenxvenxvenxvenxvenxvenxvenxvenxvenxvenxvenxvespp5yg3zyg3zyg3zyg3zyg3z"
             "yg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3qdqgvf6hjetjxqyz5vq9qrssqfg5nxtm9ln4x9yaz0krhsvzqwfn4edm6hhhxu8jxh"
             "345evpp5rgj49y6ts07kx8gpc9sze7cl3ly92cuf2zc0z5my032y4wwj0g6nrcpykzc30")
HASH_99700 = "22" * 32
INV_ANY = ("lnbcrt1pj48ugqsp5242424242424242424242424242424242424242424242424242spp5g3zyg3zyg3zyg3zyg3zyg3zy"
       "g3zyg3zyg3zyg3zyg3zyg3zyg3zqdq0vf6hjetjypsku7gxqyz5vq9qrssqcu5lc2vgl4lae0p8lju4yz7vhnutyfpdx2a8t"
       "chtueu23hzzdks422cjvptx0zq7gn0w0e05h0e3uwutljqpvw4je286x4skddckzhspfk5fl6")
HASH_ANY = "44" * 32
assert len(INV_ANY) == 265
INV_NEW = ("lnbcrt1pj48ugqsp5wamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamspp5venxvenxvenxvenxvenxvenx"
       "venxvenxvenxvenxvenxvenxvenqdq0vf6hjetjyphx2acxqyz5vq9qrssqqwl8axyzxv62nfedmjcvgfjd8rwtvjtuea4uv"
       "keh9r65u8ugkcwjpypx4krfxp37y5x7rmx56axsfcj5erzm8ynrnr9mvyvrkstyjucpwhrvzf")
HASH_NEW = "66" * 32
HOLD_BOLT11 = "lnbcrt1holdinvoicefromthenode"     # what the node answers; the engine passes it on

T0 = 1700000000
DAY = 86400
CONFIG = {"fee": 0.006, "relays": ["wss://relay.one", "wss://relay.two"]}


def dumps(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(s):
    return hashlib.sha256(s.encode() if isinstance(s, str) else s).hexdigest()


def uuid_of(origin, n=0):
    h = bytearray(hashlib.sha256(f"mostro-order uuid:{origin}:{n}".encode()).digest())
    h[6] = (h[6] & 0x0F) | 0x40
    h[8] = (h[8] & 0x3F) | 0x80
    x = h[:16].hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:32]}"


def preimage(order_id, n):
    pre = hmac.new(bytes.fromhex(SEED), f"preimage:{order_id}:{n}".encode(), hashlib.sha256).digest()
    return pre.hex(), hashlib.sha256(pre).hexdigest()


def event_id(n):
    return f"{n:064x}"


class Flow:
    """A transcript being written; keeps the engine clock and the counters
    the documented derivations need."""

    def __init__(self, name, title, config=None):
        self.name = name
        self.lines = [{"note": title}]
        self.now = T0
        self.config = dict(CONFIG, **(config or {}))
        self.lines.append({"config": self.config})
        self.ln = 1                 # ln1 is the get_info every start sends
        self.pre_n = 0
        self.pub = {}               # (kind, d) -> last created_at
        self.out(ln_op(1, "get_info", {}))

    def note(self, text):
        self.lines.append({"note": text})

    def inp(self, rec):
        self.lines.append({"in": rec})
        return dumps(rec)

    def out(self, rec):
        self.lines.append({"out": rec})

    def tick(self, dt=1):
        self.now += dt
        self.inp({"type": "tick", "now": self.now})

    def next_ln(self):
        self.ln += 1
        return self.ln

    def stamp(self, kind, d):
        t = max(self.now, self.pub.get((kind, d), -1) + 1)
        self.pub[(kind, d)] = t
        return t

    def write(self, directory):
        with open(os.path.join(directory, self.name + ".jsonl"), "w") as f:
            for line in self.lines:
                f.write(dumps(line) + "\n")


# ---------------------------------------------------------------- records

def msg_record(eid, sender, identity, created_at, action, oid=None, rid=None, ti=None, payload=None,
               channel="order", transport="v2"):
    kind = {"version": 2, "request_id": rid, "trade_index": ti}
    if oid:
        kind["id"] = oid
    kind["action"] = action
    kind["payload"] = payload
    return {"type": "message", "transport": transport, "id": eid, "recipient": MOSTRO, "sender": sender,
            "identity": identity, "mode": "full-privacy" if identity == sender else "reputation",
            "created_at": created_at, "message": {channel: kind},
            "trade_signature": None if identity == sender else SIG}


def dm(f, to, action, oid=None, rid=None, ti=None, payload=None, channel="order"):
    """A DM record for mostro-wrap (§0.1: v2, version 2, expiration now + dm_days)."""
    kind = {"version": 2, "request_id": rid, "trade_index": ti}
    if oid:
        kind["id"] = oid
    kind["action"] = action
    kind["payload"] = payload
    return {"to": to, "transport": "v2", "message": {channel: kind}, "expiration": f.now + 30 * DAY}


def cant_do(f, to, reason, oid=None, rid=None):
    """§0.2: a cant-do reply to the sender's trade key."""
    return dm(f, to, "cant-do", oid, rid, None, {"cant_do": reason}, channel="cant-do")


def small_order(o, status=None, amount=None, pubkeys=False, invoice=False, created=True, expires=True):
    """SmallOrder in mostro-core's field order (§0.2); omitted fields as serde skips them."""
    s = {"id": o["id"], "kind": o["kind"], "status": status if status is not None else o["status"],
         "amount": o["amount"] if amount is None else amount, "fiat_code": o["fiat_code"],
         "min_amount": o.get("min_amount"), "max_amount": o.get("max_amount"),
         "fiat_amount": o["fiat_amount"], "payment_method": o["payment_method"], "premium": o["premium"]}
    if pubkeys and o.get("buyer"):
        s["buyer_trade_pubkey"] = o["buyer"]
    if pubkeys and o.get("seller"):
        s["seller_trade_pubkey"] = o["seller"]
    if invoice and o.get("buyer_invoice"):
        s["buyer_invoice"] = o["buyer_invoice"]
    s["created_at"] = o["created_at"] if created else None
    s["expires_at"] = o["expires_at"] if expires else None
    return s


def order_event(f, o, s, rating=None):
    """§1.2: a 38383 revision, tags in mostrod's order."""
    pending = s == "pending"
    fa = [str(o["min_amount"]), str(o["max_amount"])] if pending and o.get("min_amount") is not None \
        and o.get("max_amount") is not None else [str(o["fiat_amount"])]
    tags = [["d", o["id"]], ["k", o["kind"]], ["f", o["fiat_code"]], ["s", s], ["amt", str(o["amount"])],
            ["fa"] + fa, ["pm"] + [p for p in o["payment_method"].split(",") if p], ["premium", str(o["premium"])]]
    if pending:
        r, n, created = rating or (0.0, 0, 0)
        days = (f.now - created) // DAY if created else 0
        tags.append(["rating", dumps(["rating", {"days": days, "total_rating": r, "total_reviews": n}])])
        tags.append(["source", f"mostro:{o['id']}?relays=" + ",".join(f.config["relays"]) + f"&mostro={MOSTRO}"])
    tags += [["network", "regtest"], ["layer", "lightning"], ["expires_at", str(o["expires_at"])],
             ["expiration", str(o["expires_at"] if pending else f.now + 30 * DAY)], ["y", "mostro"], ["z", "order"]]
    return {"kind": 38383, "tags": tags, "content": "", "created_at": f.stamp(38383, o["id"])}


def ln_op(n, op, params):
    return dict({"id": f"ln{n}", "op": op}, **params)


def ln_result(n, op, result=None, error=None):
    r = {"type": "ln_result", "id": f"ln{n}", "op": op, "ok": error is None}
    if error is None:
        r["result"] = result or {}
    else:
        r["error"] = error
    return r


def ln_event(n, op, event):
    return {"type": "ln_event", "id": f"ln{n}", "op": op, "event": event}


def memo(o):
    return (f"Escrow amount Order #{o['id']}: SELL BTC for {o['fiat_code']} {o['fiat_amount']} - It WILL FREEZE "
            "IN WALLET. It will release once you release. It will return if buyer does not confirm the payment")


GET_INFO = {"network": "regtest", "chains": [{"chain": "bitcoin", "network": "regtest"}]}


def start(f):
    """The clock and the node's network, as a daemon starts."""
    f.note("The first tick sets the engine clock; get_info (ln1) gives the node's network.")
    f.now = T0
    f.inp({"type": "tick", "now": T0})
    f.inp(ln_result(1, "get_info", GET_INFO))


# -------------------------------------------------------------- the steps

def new_sell(f, eid, amount=100000, fiat=100, rid=1, ti=1, extra=None, user_created=None):
    """§1.3 new-order, a sell order by S (reputation mode: the trade-index check
    creates S's users row, created_at = now, so the rating tag says 0 days)."""
    payload = {"kind": "sell", "status": "pending", "amount": amount, "fiat_code": "USD", "min_amount": None,
               "max_amount": None, "fiat_amount": fiat, "payment_method": "SEPA,bank transfer", "premium": 0,
               "created_at": 0, "expires_at": None}
    payload.update(extra or {})
    f.inp(msg_record(event_id(eid), S_TRADE, S_ID, f.now, "new-order", rid=rid, ti=ti, payload={"order": payload}))
    o = {"id": uuid_of(event_id(eid)), "kind": "sell", "status": "pending", "amount": payload["amount"],
         "fiat_code": "USD", "min_amount": payload["min_amount"], "max_amount": payload["max_amount"],
         "fiat_amount": payload["fiat_amount"], "payment_method": payload["payment_method"],
         "premium": payload["premium"], "created_at": f.now, "expires_at": f.now + 24 * 3600,
         "fee": round(0.006 * payload["amount"] / 2) if payload["amount"] > 0 else 0,
         "seller": S_TRADE, "creator": S_TRADE, "ti_seller": ti}
    f.out(order_event(f, o, "pending", (0.0, 0, user_created if user_created is not None else f.now)))
    f.out(dm(f, S_TRADE, "new-order", o["id"], rid, ti, {"order": small_order(o)}))
    return o


def take_sell_no_invoice(f, o, eid, rid=2, ti=1, amount_payload=None):
    """§1.3 take-sell without invoice: add-invoice to B (amount - fee,
    expires_at null), waiting-buyer-invoice to S, 38383 in-progress."""
    f.inp(msg_record(event_id(eid), B_TRADE, B_ID, f.now, "take-sell", o["id"], rid, ti, amount_payload))
    o.update(status="waiting-buyer-invoice", buyer=B_TRADE, ti_buyer=ti)
    f.out(dm(f, B_TRADE, "add-invoice", o["id"], rid, ti,
             {"order": small_order(o, amount=o["amount"] - o["fee"], expires=False)}))
    f.out(dm(f, S_TRADE, "waiting-buyer-invoice", o["id"], rid, o["ti_seller"]))
    f.out(order_event(f, o, "in-progress"))


def hold_request(f, o):
    """§1.4 step 1: AddHoldInvoice for amount + fee with a seed-derived preimage."""
    f.pre_n += 1
    pre, h = preimage(o["id"], f.pre_n)
    o["hash"], o["preimage"] = h, pre
    n = f.next_ln()
    f.out(ln_op(n, "create_hold_invoice", {"amount_sat": o["amount"] + o["fee"], "memo": memo(o),
                                           "cltv_expiry": 144, "preimage": pre}))
    return n


def hold_created(f, o, n, rid, publish=False):
    """§1.4 steps 2-7 once the node answers: waiting-payment (38383 only for a
    buy order), pay-invoice to the seller (amount + fee), waiting-seller-to-pay
    to the buyer, the watch."""
    f.inp(ln_result(n, "create_hold_invoice", {"payment_request": HOLD_BOLT11, "hash": o["hash"],
                                               "preimage": o["preimage"], "add_index": n, "payment_addr": "00" * 32}))
    o["status"] = "waiting-payment"
    if publish:
        f.out(order_event(f, o, "in-progress"))
    so = small_order(o, amount=o["amount"] + o["fee"])
    f.out(dm(f, o["seller"], "pay-invoice", o["id"], rid, o.get("ti_seller"),
             {"payment_request": [so, HOLD_BOLT11, None]}))
    f.out(dm(f, o["buyer"], "waiting-seller-to-pay", o["id"], rid, o.get("ti_buyer")))
    w = f.next_ln()
    f.out(ln_op(w, "watch_invoice", {"hash": o["hash"]}))
    return w


def seller_pays(f, o, w, rid):
    """§1.5 ACCEPTED with the buyer's invoice known: active; buyer-took-order
    to S (amount + fee, both keys), hold-invoice-payment-accepted to B."""
    f.inp(ln_event(w, "watch_invoice", {"hash": o["hash"], "state": "OPEN", "amt_paid_msat": 0}))
    f.inp(ln_event(w, "watch_invoice", {"hash": o["hash"], "state": "ACCEPTED",
                                        "amt_paid_msat": (o["amount"] + o["fee"]) * 1000}))
    o["status"] = "active"
    f.out(dm(f, o["seller"], "buyer-took-order", o["id"], rid, None,
             {"order": small_order(o, amount=o["amount"] + o["fee"], pubkeys=True)}))
    f.out(dm(f, o["buyer"], "hold-invoice-payment-accepted", o["id"], rid, None,
             {"order": small_order(o, amount=o["amount"] - o["fee"], pubkeys=True)}))


def fiat_sent(f, o, eid, rid, payload=None):
    f.inp(msg_record(event_id(eid), o["buyer"], B_ID, f.now, "fiat-sent", o["id"], rid, None, payload))
    o["status"] = "fiat-sent"
    f.out(dm(f, o["seller"], "fiat-sent-ok", o["id"], None, None, {"peer": {"pubkey": o["buyer"], "reputation": None}}))
    f.out(dm(f, o["buyer"], "fiat-sent-ok", o["id"], rid, None, {"peer": {"pubkey": o["seller"], "reputation": None}}))


def release_request(f, o, eid, rid, payload=None):
    """§1.3 release: SettleInvoice first."""
    f.inp(msg_record(event_id(eid), o["seller"], S_ID, f.now, "release", o["id"], rid, None, payload))
    n = f.next_ln()
    f.out(ln_op(n, "settle_hold_invoice", {"preimage": o["preimage"]}))
    return n


def settled(f, o, n, rid, child=None, payout_invoice=INV_99700, payout_amount=99700):
    """§1.3 release after the settlement: released to B, (child), settled and
    rate to S, then the payout (§4.2) with the §2.5 fee cap."""
    line = f.inp(ln_result(n, "settle_hold_invoice", {"hash": o["hash"]}))
    o["status"] = "settled-hold-invoice"
    f.out(dm(f, o["buyer"], "released", o["id"]))
    if child:
        child(line)
    f.out(dm(f, o["seller"], "hold-invoice-payment-settled", o["id"], rid))
    f.out(dm(f, o["seller"], "rate", o["id"]))
    p = f.next_ln()
    cap = 10 if payout_amount <= 1000 else int(payout_amount * 0.002)
    f.out(ln_op(p, "pay_invoice", {"payment_request": payout_invoice, "amount_sat": payout_amount,
                                   "fee_limit_sat": cap}))
    return p


def paid(f, o, p, rid, payout_hash=HASH_99700):
    """Buyer payout outcome, success: 38383 success, purchase-completed, rate."""
    f.inp(ln_event(p, "pay_invoice", {"payment_hash": payout_hash, "status": "IN_FLIGHT"}))
    f.inp(ln_event(p, "pay_invoice", {"payment_hash": payout_hash, "status": "SUCCEEDED",
                                      "preimage": "99" * 32}))
    o["status"] = "success"
    f.out(order_event(f, o, "success"))
    f.out(dm(f, o["buyer"], "purchase-completed", o["id"]))
    f.out(dm(f, o["buyer"], "rate", o["id"], rid))
    f.inp(ln_result(p, "pay_invoice", {"payment_hash": payout_hash, "status": "SUCCEEDED"}))


# ------------------------------------------------------------------ flows

def sell_happy():
    f = Flow("sell-happy", "§1.7 sell order: S sells 100000 sat for 100 USD, fee 0.006 "
             "(per-party 300: S pays 100300, B gets 99700); B takes without an invoice.")
    start(f)
    f.tick()
    f.note("1. S -> new-order: 38383 pending (rating of S's new users row), ack with the order.")
    o = new_sell(f, 1, rid=12157665459056928801)
    f.tick()
    f.note("2. B -> take-sell: add-invoice to B (99700), waiting-buyer-invoice to S, 38383 in-progress.")
    take_sell_no_invoice(f, o, 2, rid=2)
    f.tick()
    f.note("3. B -> add-invoice: S gets B's reputation (pay-invoice with a peer payload), then the hold invoice is requested.")
    f.inp(msg_record(event_id(3), B_TRADE, B_ID, f.now, "add-invoice", o["id"], 3, None,
                     {"payment_request": [None, INV_99700, None]}))
    o["buyer_invoice"] = INV_99700
    f.out(dm(f, S_TRADE, "pay-invoice", o["id"], None, None,
             {"peer": {"pubkey": "", "reputation": {"rating": 0.0, "reviews": 0, "operating_days": 0}}}))
    n = hold_request(f, o)
    f.note("   The node creates it: pay-invoice (100300 + bolt11) to S, waiting-seller-to-pay to B, watch (no 38383: sell order).")
    w = hold_created(f, o, n, 3)
    f.tick()
    f.note("4. S pays; ACCEPTED: buyer-took-order to S (100300), hold-invoice-payment-accepted to B (99700).")
    seller_pays(f, o, w, 3)
    f.tick()
    f.note("5. B -> fiat-sent: fiat-sent-ok to S (peer B) and to B (peer S).")
    fiat_sent(f, o, 4, 4)
    f.tick()
    f.note("6. S -> release: settle; released to B, settled + rate to S, payout of 99700 (fee cap 199).")
    n = release_request(f, o, 5, 5)
    p = settled(f, o, n, 5)
    f.tick()
    f.note("   Payout succeeded: 38383 success, purchase-completed and rate (release's request_id) to B.")
    paid(f, o, p, 5)
    return f


def buy_happy():
    f = Flow("buy-happy", "§1.7 buy order: B buys 100000 sat for 100 USD without an invoice; S takes.")
    start(f)
    f.tick()
    f.note("1. B -> new-order (buy): 38383 pending, ack.")
    payload = {"kind": "buy", "status": "pending", "amount": 100000, "fiat_code": "USD", "min_amount": None,
               "max_amount": None, "fiat_amount": 100, "payment_method": "SEPA", "premium": 0,
               "created_at": 0, "expires_at": None}
    f.inp(msg_record(event_id(11), B_TRADE, B_ID, f.now, "new-order", rid=1, ti=1, payload={"order": payload}))
    o = {"id": uuid_of(event_id(11)), "kind": "buy", "status": "pending", "amount": 100000, "fiat_code": "USD",
         "min_amount": None, "max_amount": None, "fiat_amount": 100, "payment_method": "SEPA", "premium": 0,
         "created_at": f.now, "expires_at": f.now + 24 * 3600, "fee": 300, "buyer": B_TRADE, "ti_buyer": 1}
    f.out(order_event(f, o, "pending", (0.0, 0, f.now)))
    f.out(dm(f, B_TRADE, "new-order", o["id"], 1, 1, {"order": small_order(o)}))
    f.tick()
    f.note("2. S -> take-buy: the hold invoice; once created 38383 in-progress (buy order), pay-invoice to S, waiting-seller-to-pay to B.")
    f.inp(msg_record(event_id(12), S_TRADE, S_ID, f.now, "take-buy", o["id"], 2, 1))
    o.update(seller=S_TRADE, ti_seller=1)
    n = hold_request(f, o)
    w = hold_created(f, o, n, 2, publish=True)
    f.tick()
    f.note("3. S pays; ACCEPTED without a buyer invoice: add-invoice to B (99700, no keys), waiting-buyer-invoice to S, "
           "S's reputation to B (add-invoice with a peer payload, no request_id).")
    f.inp(ln_event(w, "watch_invoice", {"hash": o["hash"], "state": "ACCEPTED", "amt_paid_msat": 100300000}))
    o["status"] = "waiting-buyer-invoice"
    f.out(dm(f, B_TRADE, "add-invoice", o["id"], 2, None, {"order": small_order(o, amount=99700)}))
    f.out(dm(f, S_TRADE, "waiting-buyer-invoice", o["id"], 2))
    f.out(dm(f, B_TRADE, "add-invoice", o["id"], None, None,
             {"peer": {"pubkey": "", "reputation": {"rating": 0.0, "reviews": 0, "operating_days": 0}}}))
    f.tick()
    f.note("4. B -> add-invoice: the seller already paid, so active: buyer-took-order to S (no invoice, no request_id), "
           "hold-invoice-payment-accepted to B (with the invoice).")
    f.inp(msg_record(event_id(13), B_TRADE, B_ID, f.now, "add-invoice", o["id"], 3, None,
                     {"payment_request": [None, INV_99700, None]}))
    o.update(status="active", buyer_invoice=INV_99700)
    f.out(dm(f, S_TRADE, "buyer-took-order", o["id"], None, None,
             {"order": small_order(o, amount=100300, pubkeys=True)}))
    f.out(dm(f, B_TRADE, "hold-invoice-payment-accepted", o["id"], 3, None,
             {"order": small_order(o, amount=99700, pubkeys=True, invoice=True)}))
    f.tick()
    f.note("5-6. as for the sell order.")
    fiat_sent(f, o, 14, 4)
    f.tick()
    n = release_request(f, o, 15, 5)
    p = settled(f, o, n, 5)
    f.tick()
    paid(f, o, p, 5)
    return f


def range_child():
    f = Flow("range-child", "§2.4 range sell order 10..100 USD at market price (USD 50000): B takes 50 USD "
             "with an invoice (taken with an invoice: no in-progress revision, quirk §11.1); the release "
             "names S's next trade key, so the remainder 10..50 is a new pending order.")
    start(f)
    f.inp({"type": "price", "rates": {"USD": 50000}, "source": "test"})
    f.tick()
    f.note("1. S -> new-order amount 0, min 10, max 100: each bound priced (20000 and 200000 sat) within limits.")
    o = new_sell(f, 21, amount=0, fiat=0, extra={"min_amount": 10, "max_amount": 100})
    f.tick()
    f.note("2. B -> take-sell [null, invoice, 50]: fiat_amount 50 -> 100000 sat now, fee 300; invoice checked (amountless); "
           "the hold invoice of 100300.")
    f.inp(msg_record(event_id(22), B_TRADE, B_ID, f.now, "take-sell", o["id"], 2, 1,
                     {"payment_request": [None, INV_ANY, 50]}))
    o.update(fiat_amount=50, amount=100000, fee=300, buyer=B_TRADE, ti_buyer=1, buyer_invoice=INV_ANY)
    n = hold_request(f, o)
    w = hold_created(f, o, n, 2)
    seller_pays(f, o, w, 2)
    f.tick()
    fiat_sent(f, o, 23, 4)
    f.tick()
    f.note("3. S -> release with next_trade [S_NEXT, 2]: the child (new id, pending, amount 0, max 100 - 50 = 50, "
           "created_at and expires_at of the parent [quirk §11.8]) goes to S_NEXT with trade index 2.")
    n = release_request(f, o, 24, 5, {"next_trade": [S_NEXT, 2]})

    def child(line):
        c = dict(o)
        c.update(id=uuid_of(sha256_hex(line)), status="pending", amount=0, fiat_amount=0, max_amount=50,
                 seller=S_NEXT, buyer=None, buyer_invoice=None)
        f.out(dm(f, S_NEXT, "new-order", c["id"], 5, 2, {"order": small_order(c)}))
        f.out(order_event(f, c, "pending", (0.0, 0, T0 + 1)))

    p = settled(f, o, n, 5, child=child, payout_invoice=INV_ANY)
    f.tick()
    paid(f, o, p, 5, payout_hash=HASH_ANY)
    return f


def market_premium():
    f = Flow("market-premium", "§2.2 market buy order with premium +5 at USD 50000: 100 USD is "
             "(100 / 50000 x 1e8) - 5 % = 190000 sat, fee round(0.006 x 190000 / 2) = 570; the seller's "
             "hold invoice is 190570. Then the taker cancels (§1.3 cancel: waiting-* x taker): the invoice "
             "is canceled, the order is pending again with amount and fee back to 0 (price_from_api).")
    start(f)
    f.inp({"type": "price", "rates": {"usd": 50000}, "at": T0, "source": "test"})
    f.tick()
    payload = {"kind": "buy", "status": None, "amount": 0, "fiat_code": "USD", "min_amount": None,
               "max_amount": None, "fiat_amount": 100, "payment_method": "cash", "premium": 5,
               "created_at": None, "expires_at": None}
    f.inp(msg_record(event_id(31), B_TRADE, B_TRADE, f.now, "new-order", rid=7, payload={"order": payload}))
    f.note("(B in full privacy: no trade index, no users row; rating tag zeros.)")
    o = {"id": uuid_of(event_id(31)), "kind": "buy", "status": "pending", "amount": 0, "fiat_code": "USD",
         "min_amount": None, "max_amount": None, "fiat_amount": 100, "payment_method": "cash", "premium": 5,
         "created_at": f.now, "expires_at": f.now + 24 * 3600, "buyer": B_TRADE, "creator": B_TRADE}
    f.out(order_event(f, o, "pending"))
    f.out(dm(f, B_TRADE, "new-order", o["id"], 7, None, {"order": small_order(o)}))
    f.tick()
    f.inp(msg_record(event_id(32), S_TRADE, S_ID, f.now, "take-buy", o["id"], 8, 1))
    o.update(amount=190000, fee=570, seller=S_TRADE, ti_seller=1)
    n = hold_request(f, o)
    hold_created(f, o, n, 8, publish=True)
    f.tick()
    f.note("S (the taker) cancels: CancelInvoice, then canceled to S, 38383 pending again, new-order to the maker.")
    f.inp(msg_record(event_id(33), S_TRADE, S_ID, f.now, "cancel", o["id"], 9))
    c = f.next_ln()
    f.out(ln_op(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    f.inp(ln_result(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    f.out(dm(f, S_TRADE, "canceled", o["id"], 9))
    o.update(status="pending", amount=0, fee=0, seller=None)
    f.out(order_event(f, o, "pending"))
    f.out(dm(f, B_TRADE, "new-order", o["id"], 9, None, {"order": small_order(o, pubkeys=True)}))
    return f


def cancels():
    f = Flow("cancel", "§1.3 cancel table, row by row.")
    start(f)
    f.tick()
    f.note("pending x someone else: is_not_your_order.")
    o = new_sell(f, 41, rid=1)
    f.inp(msg_record(event_id(42), STRANGER, STRANGER, f.now, "cancel", o["id"], 2))
    f.out(cant_do(f, STRANGER, "is_not_your_order", o["id"], 2))
    f.note("pending x maker: 38383 canceled, canceled to the maker.")
    f.inp(msg_record(event_id(43), S_TRADE, S_ID, f.now, "cancel", o["id"], 3))
    o["status"] = "canceled"
    f.out(order_event(f, o, "canceled"))
    f.out(dm(f, S_TRADE, "canceled", o["id"], 3))
    f.note("canceled x anyone: order_already_canceled.")
    f.inp(msg_record(event_id(44), S_TRADE, S_ID, f.now, "cancel", o["id"], 4))
    f.out(cant_do(f, S_TRADE, "order_already_canceled", o["id"], 4))
    f.note("unknown order: not_found.")
    missing = "00000000-0000-4000-8000-000000000000"
    f.inp(msg_record(event_id(45), S_TRADE, S_ID, f.now, "cancel", missing, 5))
    f.out(cant_do(f, S_TRADE, "not_found", missing, 5))

    f.tick()
    f.note("waiting-buyer-invoice x maker (no hold invoice yet): 38383 canceled, saved; canceled to maker and taker.")
    o = new_sell(f, 46, rid=6, ti=2)
    take_sell_no_invoice(f, o, 47, rid=7)
    f.inp(msg_record(event_id(48), STRANGER, STRANGER, f.now, "cancel", o["id"], 8))
    f.note("(waiting-* x a third party: invalid_pubkey)")
    f.out(cant_do(f, STRANGER, "invalid_pubkey", o["id"], 8))
    f.inp(msg_record(event_id(49), S_TRADE, S_ID, f.now, "cancel", o["id"], 9))
    o["status"] = "canceled"
    f.out(order_event(f, o, "canceled"))
    f.out(dm(f, S_TRADE, "canceled", o["id"], 9))
    f.out(dm(f, B_TRADE, "canceled", o["id"]))

    f.tick()
    f.note("active: the buyer asks first (cooperative-cancel-initiated-by-you/-by-peer), asks again (invalid_pubkey), "
           "a third party (invalid_pubkey), the seller accepts: CancelInvoice, then cooperatively-canceled "
           "(38383 canceled) and cooperative-cancel-accepted to both.")
    o = new_sell(f, 50, rid=10, ti=3)
    f.inp(msg_record(event_id(51), B_TRADE, B_ID, f.now, "take-sell", o["id"], 11, 2,
                     {"payment_request": [None, INV_99700, None]}))
    o.update(buyer=B_TRADE, ti_buyer=2, buyer_invoice=INV_99700)
    n = hold_request(f, o)
    w = hold_created(f, o, n, 11)
    seller_pays(f, o, w, 11)
    f.inp(msg_record(event_id(52), B_TRADE, B_ID, f.now, "cancel", o["id"], 12))
    f.out(dm(f, B_TRADE, "cooperative-cancel-initiated-by-you", o["id"], 12))
    f.out(dm(f, S_TRADE, "cooperative-cancel-initiated-by-peer", o["id"]))
    f.inp(msg_record(event_id(53), B_TRADE, B_ID, f.now, "cancel", o["id"], 13))
    f.out(cant_do(f, B_TRADE, "invalid_pubkey", o["id"], 13))
    f.inp(msg_record(event_id(54), STRANGER, STRANGER, f.now, "cancel", o["id"], 14))
    f.out(cant_do(f, STRANGER, "invalid_pubkey", o["id"], 14))
    f.inp(msg_record(event_id(55), S_TRADE, S_ID, f.now, "cancel", o["id"], 15))
    c = f.next_ln()
    f.out(ln_op(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    f.inp(ln_result(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    o["status"] = "cooperatively-canceled"
    f.out(order_event(f, o, "canceled"))
    f.out(dm(f, S_TRADE, "cooperative-cancel-accepted", o["id"], 15))
    f.out(dm(f, B_TRADE, "cooperative-cancel-accepted", o["id"]))
    f.note("The watch then reports CANCELED: we canceled it ourselves, nothing to say (§4.3).")
    f.inp(ln_event(w, "watch_invoice", {"hash": o["hash"], "state": "CANCELED", "amt_paid_msat": 0}))
    f.note("cooperatively-canceled x anyone: order_already_canceled.")
    f.inp(msg_record(event_id(56), S_TRADE, S_ID, f.now, "cancel", o["id"], 16))
    f.out(cant_do(f, S_TRADE, "order_already_canceled", o["id"], 16))
    return f


def payment_retry():
    f = Flow("payment-retry", "§3.4 payout failures (payment_attempts 3, retries every 60 s): the first "
             "failure tells the buyer (payment-failed 2/60), the retries are silent, the third failure asks "
             "for a new invoice; add-invoice replaces it (invoice-updated), the next retry pays.")
    start(f)
    f.tick()
    o = new_sell(f, 61, rid=1)
    f.inp(msg_record(event_id(62), B_TRADE, B_ID, f.now, "take-sell", o["id"], 2, 1,
                     {"payment_request": [None, INV_99700, None]}))
    o.update(buyer=B_TRADE, ti_buyer=1, buyer_invoice=INV_99700)
    n = hold_request(f, o)
    w = hold_created(f, o, n, 2)
    seller_pays(f, o, w, 2)
    fiat_sent(f, o, 63, 3)
    n = release_request(f, o, 64, 4)
    p = settled(f, o, n, 4)
    f.note("Attempt 1 fails: payment-failed {payment_attempts: 2, payment_retries_interval: 60} with the release's request_id.")
    f.inp(ln_event(p, "pay_invoice", {"payment_hash": HASH_99700, "status": "FAILED",
                                      "failure_reason": "FAILURE_REASON_NO_ROUTE"}))
    f.out(dm(f, B_TRADE, "payment-failed", o["id"], 4, None,
             {"payment_failed": {"payment_attempts": 2, "payment_retries_interval": 60}}))
    f.inp(ln_result(p, "pay_invoice", {"payment_hash": HASH_99700, "status": "FAILED"}))
    f.note("The retry job (first run at the first tick, then every 60 s) pays again: attempt 2 fails silently.")
    f.tick(60)
    p = f.next_ln()
    f.out(ln_op(p, "pay_invoice", {"payment_request": INV_99700, "amount_sat": 99700, "fee_limit_sat": 199}))
    f.inp(ln_result(p, "pay_invoice", {"payment_hash": HASH_99700, "status": "FAILED"}))
    f.note("Attempt 3 fails: the attempts reached the limit, add-invoice (amount - fee, status settled-hold-invoice).")
    f.tick(60)
    p = f.next_ln()
    f.out(ln_op(p, "pay_invoice", {"payment_request": INV_99700, "amount_sat": 99700, "fee_limit_sat": 199}))
    f.inp(ln_result(p, "pay_invoice", {"payment_hash": HASH_99700, "status": "FAILED"}))
    f.out(dm(f, B_TRADE, "add-invoice", o["id"], None, None,
             {"order": small_order(o, amount=99700, pubkeys=True, invoice=True)}))
    f.note("No more retries while attempts = limit.")
    f.tick(60)
    f.note("B -> add-invoice (a new, amountless invoice): invoice-updated; the next retry pays it.")
    f.inp(msg_record(event_id(65), B_TRADE, B_ID, f.now, "add-invoice", o["id"], 5, None,
                     {"payment_request": [None, INV_NEW, None]}))
    o["buyer_invoice"] = INV_NEW
    f.out(dm(f, B_TRADE, "invoice-updated", o["id"], 5))
    f.tick(60)
    p = f.next_ln()
    f.out(ln_op(p, "pay_invoice", {"payment_request": INV_NEW, "amount_sat": 99700, "fee_limit_sat": 199}))
    f.inp(ln_event(p, "pay_invoice", {"payment_hash": HASH_NEW, "status": "SUCCEEDED"}))
    o["status"] = "success"
    f.out(order_event(f, o, "success"))
    f.out(dm(f, B_TRADE, "purchase-completed", o["id"]))
    f.out(dm(f, B_TRADE, "rate", o["id"]))
    return f


def intake():
    f = Flow("intake", "§9 intake: drops and replies before any handler.", {"pow": 0})
    start(f)
    f.tick(100)
    f.note("pay-invoice from a user: CantDo(invalid_action) (§9 dispatch).")
    oid = "11111111-1111-4111-8111-111111111111"
    f.inp(msg_record(event_id(71), S_TRADE, S_ID, f.now, "pay-invoice", oid, 1, None,
                     {"payment_request": [None, INV_99700, None]}))
    f.out(cant_do(f, S_TRADE, "invalid_action", oid, 1))
    f.note("The same event id again: dropped as a replay.")
    f.inp(msg_record(event_id(71), S_TRADE, S_ID, f.now, "pay-invoice", oid, 1, None,
                     {"payment_request": [None, INV_99700, None]}))
    f.note("Older than now - 10: stale, dropped; exactly now - 10 passes (here: take-sell of an unknown order, not_found).")
    f.inp(msg_record(event_id(72), S_TRADE, S_ID, f.now - 11, "take-sell", oid, 2, 5))
    f.inp(msg_record(event_id(73), S_TRADE, S_ID, f.now - 10, "take-sell", oid, 3, 5))
    f.out(cant_do(f, S_TRADE, "not_found", oid, 3))
    f.note("The users row now holds index 5: a take with index 5 is answered invalid_trade_index, 6 passes.")
    f.inp(msg_record(event_id(74), S_TRADE, S_ID, f.now, "take-sell", oid, 4, 5))
    f.out(cant_do(f, S_TRADE, "invalid_trade_index", oid, 4))
    f.inp(msg_record(event_id(75), S_TRADE, S_ID, f.now, "take-sell", oid, 5, 6))
    f.out(cant_do(f, S_TRADE, "not_found", oid, 5))
    f.note("A new user's first message with trade index 0: dropped silently.")
    f.inp(msg_record(event_id(76), B_TRADE, B_ID, f.now, "take-sell", oid, 6, 0))
    f.note("Payload shape (§0.4): take-sell without an id is dropped.")
    f.inp(msg_record(event_id(77), STRANGER, STRANGER, f.now, "take-sell", None, 7))
    f.note("Ignored actions (fiat-sent-ok from a user) answer nothing.")
    f.inp(msg_record(event_id(78), STRANGER, STRANGER, f.now, "fiat-sent-ok", oid, 8))
    return f


FLOWS = [sell_happy, buy_happy, range_child, market_premium, cancels, payment_retry, intake]

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for make in FLOWS:
        make().write(out)
    with open(os.path.join(out, "seed"), "w") as fh:
        fh.write(SEED + "\n")
