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
# mostrod's defaults (DAEMON.md §8) for the settings the job outputs show
DEFAULTS = {"fee": 0.0, "max_order_amount": 1000000, "min_payment_amount": 100, "expiration_hours": 24,
            "expiration_seconds": 900, "fiat_currencies_accepted": [], "max_orders_per_response": 10, "pow": 0,
            "transport": "nip44", "hold_invoice_expiration_window": 300, "hold_invoice_cltv_delta": 144,
            "invoice_expiration_window": 3600, "publish_mostro_info_interval": 300, "publish_relays_interval": 60,
            "user_rates_sent_interval_seconds": 3600, "payment_retries_interval": 60, "fee_audit_days": 365}

# §3 the scheduler, as lib/order_tick.c's table: (job, interval setting or
# seconds, needs the node's get_info). Every job runs at the first tick once
# the node answered get_info (mostrod starts its scheduler after GetInfo), then
# every interval; metadata (kind 0) at the first tick of every start.
JOBS = [("metadata", None, False), ("expire_pending", 60, True),
        ("rating_flush", "user_rates_sent_interval_seconds", True), ("waiting_timeout", 60, True),
        ("escrow_guardian", 300, True), ("retry_payouts", "payment_retries_interval", True),
        ("reconcile_payouts", 60, True), ("dev_fee", 60, True),
        ("info_event", "publish_mostro_info_interval", True), ("relay_list", "publish_relays_interval", True)]


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
        self.node = False           # the node answered get_info
        self.due = {"metadata": -1}  # job -> next run (absent: due)
        self.ratings = []           # queued 38384 templates (§5)
        self.out(ln_op(1, "get_info", {}))

    def setting(self, key):
        return self.config.get(key, DEFAULTS.get(key))

    def note(self, text):
        self.lines.append({"note": text})

    def inp(self, rec):
        self.lines.append({"in": rec})
        return dumps(rec)

    def out(self, rec):
        self.lines.append({"out": rec})

    def tick(self, dt=1, jobs=None):
        """A tick, then the jobs due (§3): the publications are written here,
        an order job's outputs by jobs[name]() when the flow expects some."""
        self.now += dt
        self.inp({"type": "tick", "now": self.now})
        self.run_jobs(jobs or {})

    def tick_to(self, at, jobs=None):
        self.tick(at - self.now, jobs)

    def run_jobs(self, jobs):
        for name, every, needs_node in JOBS:
            if self.due.get(name, -1) > self.now or (needs_node and not self.node):
                continue
            if name == "metadata":
                ev = metadata_event(self)
                if ev:
                    self.out(ev)
            elif name == "info_event":
                self.out(info_event(self))
            elif name == "relay_list":
                self.out(relay_list_event(self))
            elif name == "rating_flush":
                for ev in self.ratings:
                    self.out(ev)
                self.ratings = []
            elif name in jobs:
                jobs[name]()
            if every is None:
                self.due[name] = float("inf")
            else:
                self.due[name] = self.now + (self.setting(every) if isinstance(every, str) else every)

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


DEV_FEE_ADDRESS = "pivotaldeborah52@walletofsatoshi.com"     # mostrod's DEV_FEE_LIGHTNING_ADDRESS
# a regtest invoice for 180 sat (the §1.7 dev fee), hash 88.., valid until 1700086400
INV_FEE_180 = ("lnbcrt1800n1pj48ugqsp5wamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamspp53zyg3zyg3zyg3zyg3zyg3zy"
               "g3zyg3zyg3zyg3zyg3zyg3zyg3zyqdqvv3jhvgrxv4jsxqyz5vq9qrssqvzx43dpc7mwfxskqvc6u720g0dhpjzxpngasjytjm5g"
               "jjgxwc0fn9chnc3dewapsfnujvx9m48m4aql75a0l7lkryvmk7n53ekejgvqpwra62c")
HASH_FEE_180 = "88" * 32


def dev_fee_of(o, fee=0.006, pct=0.30):
    """§2.3: round(total Mostro fee × dev_fee_percentage); the total is both parties' share."""
    return int(2 * o["fee"] * pct + 0.5)


def dev_fee_resolve(f, o, address=DEV_FEE_ADDRESS):
    """§3.6 step 4: the claim (a PENDING marker, not visible here), then an invoice for the
    dev fee from the address with the LUD-12 comment."""
    n = f.next_ln()
    f.out(ln_op(n, "resolve_lnurl", {"address": address, "amount_sat": dev_fee_of(o),
                                     "comment": f"mostro-dev-fee order={o['id']} node={npub(MOSTRO)}",
                                     "node_network": "regtest", "now": f.now}))
    return n


def dev_fee_pays(f, o, r, address=DEV_FEE_ADDRESS, invoice=INV_FEE_180, h=HASH_FEE_180):
    """§3.6 the resolved invoice is paid (cap 10 sat up to 1000, §2.5); SUCCEEDED:
    dev_fee_paid and the kind 8383 audit event (§3.7)."""
    f.inp(ln_result(r, "resolve_lnurl", {"payment_request": invoice, "amount_msat": dev_fee_of(o) * 1000,
                                         "callback_url": "https://example.com/cb", "comment_sent": True,
                                         "description_hash_matches": True}))
    p = f.next_ln()
    f.out(ln_op(p, "pay_invoice", {"payment_request": invoice, "amount_sat": dev_fee_of(o), "fee_limit_sat": 10}))
    f.inp(ln_event(p, "pay_invoice", {"payment_hash": h, "status": "SUCCEEDED", "preimage": "99" * 32}))
    f.out(dev_fee_audit(f, o, h, address))
    f.inp(ln_result(p, "pay_invoice", {"payment_hash": h, "status": "SUCCEEDED"}))
    return p


def dev_fee_audit(f, o, h, address=DEV_FEE_ADDRESS):
    """§3.7 kind 8383 (a regular event): order-id, amount, hash, destination, network, y, z, expiration."""
    tags = [["order-id", o["id"]], ["amount", str(dev_fee_of(o))], ["hash", h], ["destination", address],
            ["network", "regtest"], platform_tag(f), ["z", "dev-fee-payment"],
            ["expiration", str(f.now + 365 * DAY)]]
    return {"kind": 8383, "tags": tags, "content": "", "created_at": f.now}


def memo(o):
    return (f"Escrow amount Order #{o['id']}: SELL BTC for {o['fiat_code']} {o['fiat_amount']} - It WILL FREEZE "
            "IN WALLET. It will release once you release. It will return if buyer does not confirm the payment")


NODE_KEY = "02" + "5e" * 32
GET_INFO = {"backend": "lnd", "simulated": False, "identity_pubkey": NODE_KEY, "alias": "test-node",
            "version": "0.18.4-beta commit=v0.18.4-beta", "commit_hash": "ddeb8351684a611f6c27f16f09be75d5c039f08c",
            "block_height": 800000,
            "block_hash": "00" * 32, "synced_to_chain": True, "chain": "bitcoin", "network": "regtest",
            "chains": [{"chain": "bitcoin", "network": "regtest"}], "uris": [NODE_KEY + "@127.0.0.1:9735"]}


def start(f):
    """The clock and the node's network, as a daemon starts; the jobs wait for
    the node (§3.0: the scheduler starts after GetInfo) and run at the next tick."""
    f.note("The first tick sets the engine clock; get_info (ln1) gives the node's network and status.")
    f.now = T0
    f.inp({"type": "tick", "now": T0})
    f.run_jobs({})
    f.inp(ln_result(1, "get_info", GET_INFO))
    f.node = True


def rust_display(x):
    """Rust's f64/integer Display: 0.006, 0, 2.5 (no exponent, no .0)."""
    if isinstance(x, float) and x != int(x):
        return repr(x)
    return str(int(x))


def info_event(f):
    """§3.7 kind 38385 (nip33::info_to_tags, in its order; no expiration tag), with
    mostro#895's fix: invoice_expiration_window is the real one."""
    transport = f.setting("transport")
    pow_ = f.setting("pow")
    pfc = f.config.get("pow_first_contact", pow_)
    first = pow_ if transport == "gift-wrap" else max(pow_, pfc)
    node = GET_INFO
    tags = [["d", MOSTRO], ["mostro_version", "0.18.5"], ["mostro_commit_hash", "mostroutils"],
            ["max_order_amount", rust_display(f.setting("max_order_amount"))],
            ["min_order_amount", rust_display(f.setting("min_payment_amount"))],
            ["expiration_hours", rust_display(f.setting("expiration_hours"))],
            ["expiration_seconds", rust_display(f.setting("expiration_seconds"))],
            ["fiat_currencies_accepted", ",".join(f.setting("fiat_currencies_accepted"))],
            ["max_orders_per_response", rust_display(f.setting("max_orders_per_response"))],
            ["fee", rust_display(f.setting("fee"))], ["pow", str(pow_)], ["pow_first_contact", str(first)],
            ["protocol_version", "1" if transport == "gift-wrap" else "2"],
            ["hold_invoice_expiration_window", rust_display(f.setting("hold_invoice_expiration_window"))],
            ["hold_invoice_cltv_delta", rust_display(f.setting("hold_invoice_cltv_delta"))],
            ["invoice_expiration_window", rust_display(f.setting("invoice_expiration_window"))],
            ["lnd_version", node["version"]], ["lnd_node_pubkey", node["identity_pubkey"]],
            ["lnd_commit_hash", node["commit_hash"]], ["lnd_node_alias", node["alias"]],
            ["lnd_chains", ",".join(c["chain"] for c in node["chains"])],
            ["lnd_networks", ",".join(c["network"] for c in node["chains"])],
            ["lnd_uris", ",".join(node["uris"])], platform_tag(f), ["z", "info"], ["bond_enabled", "false"]]
    if transport == "both":
        tags.append(["protocol_versions", "1,2"])     # ours: both versions spoken
    return {"kind": 38385, "tags": tags, "content": "", "created_at": f.stamp(38385, MOSTRO)}


def relay_list_event(f):
    """§3.7 kind 10002: an r tag per relay (the configured ones: the engine is not connected)."""
    return {"kind": 10002, "tags": [["r", r] for r in f.config["relays"]], "content": "",
            "created_at": f.stamp(10002, "")}


def platform_tag(f):
    name = (f.config.get("name") or "").strip()
    return ["y", "mostro", name] if name else ["y", "mostro"]


def metadata_event(f):
    """§3.0 kind 0 at boot: nostr's Metadata fields in declaration order (name,
    about, website, picture), URLs as Url::parse writes them; None when unset."""
    meta = {}
    for key in ("name", "about", "website", "picture"):
        v = f.config.get(key)
        if v is None:
            continue
        if key in ("website", "picture"):
            v = url_display(v)
            if v is None:
                continue
        meta[key] = v
    if not meta:
        return None
    return {"kind": 0, "tags": [], "content": dumps(meta), "created_at": f.stamp(0, "")}


def url_display(u):
    """Url::parse + Display for the cases the tests use: a scheme is required;
    http(s) lower-cases scheme and host and writes an empty path as /."""
    if ":" not in u or not u[0].isalpha():
        return None
    scheme, rest = u.split(":", 1)
    scheme = scheme.lower()
    if scheme in ("http", "https", "ws", "wss", "ftp"):
        if not rest.startswith("//") or len(rest) == 2:
            return None
        rest = rest[2:]
        cut = min([i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0] or [len(rest)])
        host, path = rest[:cut].lower(), rest[cut:]
        return f"{scheme}://{host}{path if path.startswith('/') else '/' + path}"
    return scheme + ":" + rest


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
         "premium": payload["premium"], "created_at": f.now, "expires_at": payload["expires_at"] or f.now + 24 * 3600,
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
    f.note("The retry job (first run at the first tick, then every 60 s) pays again: attempt 2 fails silently. "
           "The dev fee job (§3.6, same tick, after it) claims the settled order's dev fee (180 sat) and resolves "
           "an invoice from mostrod's dev fee Lightning Address.")
    ops = {}

    def retry(invoice=INV_99700):
        ops["pay"] = f.next_ln()
        f.out(ln_op(ops["pay"], "pay_invoice", {"payment_request": invoice, "amount_sat": 99700,
                                                "fee_limit_sat": 199}))

    def dev_fee():
        ops["fee"] = dev_fee_resolve(f, o)

    f.tick(60, {"retry_payouts": retry, "dev_fee": dev_fee})
    f.inp(ln_result(ops["pay"], "pay_invoice", {"payment_hash": HASH_99700, "status": "FAILED"}))
    f.note("The dev fee invoice: kept (its hash), paid with the routing cap; paid: the 8383 audit event.")
    dev_fee_pays(f, o, ops["fee"])
    f.note("Attempt 3 fails: the attempts reached the limit, add-invoice (amount - fee, status settled-hold-invoice).")
    f.tick(60, {"retry_payouts": retry})
    f.inp(ln_result(ops["pay"], "pay_invoice", {"payment_hash": HASH_99700, "status": "FAILED"}))
    f.out(dm(f, B_TRADE, "add-invoice", o["id"], None, None,
             {"order": small_order(o, amount=99700, pubkeys=True, invoice=True)}))
    f.note("No more retries while attempts = limit; the dev fee is paid: nothing to do.")
    f.tick(60)
    f.note("B -> add-invoice (a new, amountless invoice): invoice-updated; the next retry pays it.")
    f.inp(msg_record(event_id(65), B_TRADE, B_ID, f.now, "add-invoice", o["id"], 5, None,
                     {"payment_request": [None, INV_NEW, None]}))
    o["buyer_invoice"] = INV_NEW
    f.out(dm(f, B_TRADE, "invoice-updated", o["id"], 5))
    f.tick(60, {"retry_payouts": lambda: retry(INV_NEW)})
    p = ops["pay"]
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


# ------------------------------------------- disputes, solvers (DAEMON.md §6)

RO = "2f01e5e15cca351daff3843fb70f3c2f0a1bdd05e5af888a67784ef3e10a2a01"      # a read-only solver's identity
RW = "acd484e2f0c7f65309ad178a9f559abde09796974c57e714c35f110dfc27ccbe"      # a read-write solver's identity
SOLVER_TRADE = "a0434d9e47f3c86235477c7b1ae6ae5d3442d49b1943c2b752a68e2a47e247c7"  # the trade key solvers write from
B2 = "774ae7f858a9411e5ef4246b70c65aac5649980be5c17891bbec17895da008cb"      # a buyer in full privacy
DUMMY_ID = "00000000-0000-4000-8000-00000000a001"   # admin-add-solver needs an id to pass §0.4
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def npub(hexkey):
    """NIP-19 npub (BIP-173 bech32) of a 32-byte key."""
    data, acc, bits = [], 0, 0
    for b in bytes.fromhex(hexkey):
        acc, bits = (acc << 8) | b, bits + 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)

    def polymod(values):
        gen, chk = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3], 1
        for v in values:
            top = chk >> 25
            chk = (chk & 0x1FFFFFF) << 5 ^ v
            for i in range(5):
                chk ^= gen[i] if (top >> i) & 1 else 0
        return chk
    hrp = "npub"
    exp = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = polymod(exp + data + [0] * 6) ^ 1
    return hrp + "1" + "".join(BECH32[d] for d in data + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])


def add_solver(f, eid, text, rid, ti=None, sender=MOSTRO, identity=MOSTRO, ack=True):
    """§6 admin-add-solver: the ack goes to the sender, dispute channel, no id."""
    f.inp(msg_record(event_id(eid), sender, identity, f.now, "admin-add-solver", DUMMY_ID, rid, ti,
                     {"text_message": text}, channel="dispute"))
    if ack:
        f.out(dm(f, sender, "admin-add-solver", None, rid, None, None, channel="dispute"))


def dispute_event(f, d, status, initiator):
    """§6 kind 38386: d, expiration (dispute_days 90), s, initiator, created_at of the dispute, y, z."""
    tags = [["d", d["id"]], ["expiration", str(f.now + 90 * DAY)], ["s", status], ["initiator", initiator],
            ["created_at", str(d["created_at"])], ["y", "mostro"], ["z", "dispute"]]
    return {"kind": 38386, "tags": tags, "content": "", "created_at": f.stamp(38386, d["id"])}


def traded(f, o, eid, rid, ti=1, buyer=B_TRADE, buyer_id=B_ID, invoice=INV_99700):
    """B takes the sell order o with an invoice and S pays: active (§1.4, §1.5).
    Keeps what the solver's SolverDisputeInfo shows: taken_at (the hold
    invoice's creation), invoice_held_at (ACCEPTED)."""
    f.inp(msg_record(event_id(eid), buyer, buyer_id, f.now, "take-sell", o["id"], rid, ti if buyer_id != buyer else None,
                     {"payment_request": [None, invoice, None]}))
    o.update(buyer=buyer, buyer_id=buyer_id, ti_buyer=ti if buyer_id != buyer else 0, buyer_invoice=invoice)
    n = hold_request(f, o)
    w = hold_created(f, o, n, rid)
    o["taken_at"] = f.now
    f.tick()
    seller_pays(f, o, w, rid)
    o["invoice_held_at"] = f.now
    o["watch"] = w
    return w


def open_dispute(f, o, eid, by_buyer, rid):
    """§6 dispute: no 38383; dispute-initiated-by-peer to the counterpart, -by-you
    to the initiator (payload [dispute id, null]); 38386 initiated."""
    sender, ident = (o["buyer"], o["buyer_id"]) if by_buyer else (o["seller"], S_ID)
    f.inp(msg_record(event_id(eid), sender, ident, f.now, "dispute", o["id"], rid))
    d = {"id": uuid_of(event_id(eid)), "created_at": f.now, "prev": o["status"],
         "initiator": "buyer" if by_buyer else "seller"}
    o["status"] = "dispute"
    counterpart = o["seller"] if by_buyer else o["buyer"]
    f.out(dm(f, counterpart, "dispute-initiated-by-peer", o["id"], rid, None, {"dispute": [d["id"], None]}))
    f.out(dm(f, sender, "dispute-initiated-by-you", o["id"], rid, None, {"dispute": [d["id"], None]}))
    f.out(dispute_event(f, d, "initiated", d["initiator"]))
    return d


def user_info(reviews=0, rating=0.0):
    """UserInfo of a users row made within the day (operating_days 0)."""
    return {"rating": rating, "reviews": reviews, "operating_days": 0}


def solver_info(o, d, buyer_info=None, seller_info=None):
    """SolverDisputeInfo (mostro-core field order), preimage included: the solver settles with it."""
    buyer_side = d["initiator"] == "buyer"
    ini, cp = (buyer_info, seller_info) if buyer_side else (seller_info, buyer_info)
    return {"id": o["id"], "kind": o["kind"], "status": "dispute", "hash": o["hash"], "preimage": o["preimage"],
            "order_previous_status": d["prev"], "initiator_pubkey": o["buyer"] if buyer_side else o["seller"],
            "buyer_pubkey": o["buyer"], "seller_pubkey": o["seller"],
            "initiator_full_privacy": ini is None, "counterpart_full_privacy": cp is None,
            "initiator_info": ini, "counterpart_info": cp, "premium": o["premium"],
            "payment_method": o["payment_method"], "amount": o["amount"], "fiat_amount": o["fiat_amount"],
            "fee": o["fee"], "routing_fee": 0, "buyer_invoice": o.get("buyer_invoice"),
            "invoice_held_at": o["invoice_held_at"], "taken_at": o["taken_at"], "created_at": o["created_at"]}


def take_dispute(f, o, d, eid, solver, rid, sender=SOLVER_TRADE, infos=(None, None)):
    """§6 admin-take-dispute (message id = the dispute's): in-progress; the solver's
    IDENTITY gets admin-took-dispute (dispute channel, SolverDisputeInfo), buyer
    and seller get it with the solver's key as peer; 38386 in-progress."""
    f.inp(msg_record(event_id(eid), sender, solver, f.now, "admin-take-dispute", d["id"], rid, channel="dispute"))
    bi, si = infos
    f.out(dm(f, solver, "admin-took-dispute", d["id"], rid, None,
             {"dispute": [d["id"], solver_info(o, d, bi or user_info(), si or user_info())]}, channel="dispute"))
    for k in ("buyer", "seller"):
        f.out(dm(f, o[k], "admin-took-dispute", o["id"], rid, None, {"peer": {"pubkey": solver, "reputation": None}}))
    f.out(dispute_event(f, d, "in-progress", d["initiator"]))


def admin_cancel(f, o, d, eid, solver, rid, ti=None, sender=SOLVER_TRADE):
    """§6 admin-cancel: CancelInvoice first; then dispute seller-refunded (38386),
    canceled-by-admin (38383 canceled), admin-canceled to sender, seller, buyer
    (request_id and trade_index echoed to all three)."""
    f.inp(msg_record(event_id(eid), sender, solver, f.now, "admin-cancel", o["id"], rid, ti))
    c = f.next_ln()
    f.out(ln_op(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    f.inp(ln_result(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    f.out(dispute_event(f, d, "seller-refunded", d["initiator"]))
    o["status"] = "canceled-by-admin"
    f.out(order_event(f, o, "canceled"))
    for to in (sender, o["seller"], o["buyer"]):
        f.out(dm(f, to, "admin-canceled", o["id"], rid, ti))


def dispute_settle():
    f = Flow("dispute-settle", "§6 B opens a dispute on an active sell order; the read-write solver RW "
             "takes it and settles: the hold invoice is settled, the buyer paid as after a release "
             "(purchase-completed and rate with admin-settle's request_id), no rate to the seller.")
    start(f)
    f.tick()
    f.note("Mostro registers RW (bare npub: read-write); the ack goes to the sender on the dispute channel, no id.")
    add_solver(f, 100, npub(RW), 1)
    o = new_sell(f, 101, rid=2)
    f.tick()
    traded(f, o, 102, 3)
    f.tick()
    f.note("B -> dispute: S dispute-initiated-by-peer, B dispute-initiated-by-you ([dispute id, null]); "
           "38386 initiated, initiator buyer; no 38383 (§1.2).")
    d = open_dispute(f, o, 103, True, 4)
    f.note("A second dispute on the order (now by S): silent [quirk §11.12].")
    f.inp(msg_record(event_id(104), S_TRADE, S_ID, f.now, "dispute", o["id"], 5))
    f.inp(msg_record(event_id(105), STRANGER, STRANGER, f.now, "admin-settle", o["id"], 6))
    f.note("(a stranger's admin-settle: not the assigned solver: is_not_your_dispute)")
    f.out(cant_do(f, STRANGER, "is_not_your_dispute", o["id"], 6))
    f.tick()
    f.note("RW -> admin-take-dispute: SolverDisputeInfo (with the preimage) to RW's identity; both parties learn RW's key.")
    take_dispute(f, o, d, 106, RW, 7)
    f.tick()
    f.note("RW -> admin-settle (trade_index 3): SettleInvoice, then 38386 settled, admin-settled to the sender "
           "(request_id and trade_index), to S and B (trade_index only), and the payout of 99700.")
    f.inp(msg_record(event_id(107), SOLVER_TRADE, RW, f.now, "admin-settle", o["id"], 8, 3))
    n = f.next_ln()
    f.out(ln_op(n, "settle_hold_invoice", {"preimage": o["preimage"]}))
    f.inp(ln_result(n, "settle_hold_invoice", {"hash": o["hash"]}))
    o["status"] = "settled-hold-invoice"
    f.out(dispute_event(f, d, "settled", "buyer"))
    f.out(dm(f, SOLVER_TRADE, "admin-settled", o["id"], 8, 3))
    f.out(dm(f, S_TRADE, "admin-settled", o["id"], None, 3))
    f.out(dm(f, B_TRADE, "admin-settled", o["id"], None, 3))
    p = f.next_ln()
    f.out(ln_op(p, "pay_invoice", {"payment_request": INV_99700, "amount_sat": 99700, "fee_limit_sat": 199}))
    f.tick()
    paid(f, o, p, 8)
    f.note("Settling again: the order is success now: invalid_order_status (#5).")
    f.inp(msg_record(event_id(108), SOLVER_TRADE, RW, f.now, "admin-settle", o["id"], 9))
    f.out(cant_do(f, SOLVER_TRADE, "invalid_order_status", o["id"], 9))
    return f


def dispute_cancel():
    f = Flow("dispute-cancel", "§6 S opens a dispute after fiat-sent; the solver RW takes it and cancels: "
             "the hold invoice is canceled (the seller's sats return), the order canceled-by-admin.")
    start(f)
    f.tick()
    add_solver(f, 110, npub(RW) + ":write", 1)
    o = new_sell(f, 111, rid=2)
    f.tick()
    traded(f, o, 112, 3)
    fiat_sent(f, o, 113, 4)
    f.tick()
    f.note("S -> dispute in fiat-sent: B by-peer, S by-you; 38386 initiated, initiator seller.")
    d = open_dispute(f, o, 114, False, 5)
    f.note("The buyer's dispute on it now: a dispute row exists: silent [quirk §11.12].")
    f.inp(msg_record(event_id(115), B_TRADE, B_ID, f.now, "dispute", o["id"], 6))
    f.tick()
    f.note("RW cannot cancel before taking the dispute: is_not_your_dispute.")
    f.inp(msg_record(event_id(116), SOLVER_TRADE, RW, f.now, "admin-cancel", o["id"], 7))
    f.out(cant_do(f, SOLVER_TRADE, "is_not_your_dispute", o["id"], 7))
    take_dispute(f, o, d, 117, RW, 8)
    f.tick()
    f.note("RW -> admin-cancel: CancelInvoice, then 38386 seller-refunded, 38383 canceled, admin-canceled x3.")
    admin_cancel(f, o, d, 118, RW, 9, ti=4)
    f.note("The watch then reports CANCELED: we canceled it ourselves (canceled-by-admin), nothing said (§4.3).")
    f.inp(ln_event(o["watch"], "watch_invoice", {"hash": o["hash"], "state": "CANCELED", "amt_paid_msat": 0}))
    f.note("admin-settle now: still assigned, but the order is not in dispute: invalid_order_status; "
           "admin-cancel: not_allowed_by_status; a party's cancel: order_already_canceled.")
    f.inp(msg_record(event_id(119), SOLVER_TRADE, RW, f.now, "admin-settle", o["id"], 10))
    f.out(cant_do(f, SOLVER_TRADE, "invalid_order_status", o["id"], 10))
    f.inp(msg_record(event_id(120), SOLVER_TRADE, RW, f.now, "admin-cancel", o["id"], 11))
    f.out(cant_do(f, SOLVER_TRADE, "not_allowed_by_status", o["id"], 11))
    f.inp(msg_record(event_id(121), S_TRADE, S_ID, f.now, "cancel", o["id"], 12))
    f.out(cant_do(f, S_TRADE, "order_already_canceled", o["id"], 12))
    return f


def dispute_takeover():
    f = Flow("dispute-takeover", "§6 solver permission levels and takeovers: a read-only solver (RO) may take a "
             "dispute but not close it; a read-write solver (RW) takes it over from RO; Mostro's own key takes "
             "over from anyone and closes it; nobody takes it from Mostro.")
    start(f)
    f.tick()
    add_solver(f, 130, npub(RO) + ":read", 1)
    add_solver(f, 131, npub(RW) + ":read-write", 2)
    o = new_sell(f, 132, rid=3)
    f.tick()
    traded(f, o, 133, 4)
    f.tick()
    d = open_dispute(f, o, 134, True, 5)
    f.note("A stranger cannot take it (not a solver): invalid_pubkey.")
    f.inp(msg_record(event_id(135), STRANGER, STRANGER, f.now, "admin-take-dispute", d["id"], 6, channel="dispute"))
    f.out(cant_do(f, STRANGER, "invalid_pubkey", d["id"], 6))
    f.note("RO takes the initiated dispute (any solver may).")
    take_dispute(f, o, d, 136, RO, 7)
    f.note("RO -> admin-settle: assigned, but read-only: not_authorized (#3).")
    f.inp(msg_record(event_id(137), SOLVER_TRADE, RO, f.now, "admin-settle", o["id"], 8))
    f.out(cant_do(f, SOLVER_TRADE, "not_authorized", o["id"], 8))
    f.tick()
    f.note("RW takes it over (in-progress, current solver read-only): allowed; RO is not told.")
    take_dispute(f, o, d, 138, RW, 9)
    f.note("RO again: in-progress, not its own, and read-only: invalid_pubkey; its admin-settle: is_not_your_dispute.")
    f.inp(msg_record(event_id(139), SOLVER_TRADE, RO, f.now, "admin-take-dispute", d["id"], 10, channel="dispute"))
    f.out(cant_do(f, SOLVER_TRADE, "invalid_pubkey", d["id"], 10))
    f.inp(msg_record(event_id(140), SOLVER_TRADE, RO, f.now, "admin-settle", o["id"], 11))
    f.out(cant_do(f, SOLVER_TRADE, "is_not_your_dispute", o["id"], 11))
    f.tick()
    f.note("Mostro's key takes over from RW (admin: any open dispute).")
    take_dispute(f, o, d, 141, MOSTRO, 12, sender=MOSTRO)
    f.note("RW -> admin-settle: the dispute is Mostro's: dispute_taken_by_admin; RW cannot take it back "
           "(the current solver is no read-only solver): invalid_pubkey.")
    f.inp(msg_record(event_id(142), SOLVER_TRADE, RW, f.now, "admin-settle", o["id"], 13))
    f.out(cant_do(f, SOLVER_TRADE, "dispute_taken_by_admin", o["id"], 13))
    f.inp(msg_record(event_id(143), SOLVER_TRADE, RW, f.now, "admin-take-dispute", d["id"], 14, channel="dispute"))
    f.out(cant_do(f, SOLVER_TRADE, "invalid_pubkey", d["id"], 14))
    f.tick()
    f.note("Mostro -> admin-cancel (no category check for Mostro's key); its own admin-canceled comes to it.")
    admin_cancel(f, o, d, 144, MOSTRO, 15, sender=MOSTRO)
    f.note("Mostro cannot take the closed dispute: invalid_pubkey.")
    f.inp(msg_record(event_id(145), MOSTRO, MOSTRO, f.now, "admin-take-dispute", d["id"], 16, channel="dispute"))
    f.out(cant_do(f, MOSTRO, "invalid_pubkey", d["id"], 16))
    return f


def solver_variants():
    f = Flow("admin-add-solver", "§6 admin-add-solver: the text_message forms and refusals, in mostrod's order "
             "(a payload is looked for before the caller: a stranger's empty request is answered).")
    start(f)
    f.tick()
    f.note("A stranger with no payload: invalid_text_message (#1 comes before #2); with a text: silent (#2).")
    f.inp(msg_record(event_id(150), STRANGER, STRANGER, f.now, "admin-add-solver", DUMMY_ID, 1, channel="dispute"))
    f.out(cant_do(f, STRANGER, "invalid_text_message", DUMMY_ID, 1))
    add_solver(f, 151, npub(RO), 2, sender=STRANGER, identity=STRANGER, ack=False)
    f.note("Mostro: an empty or blank text, or no npub before the colon: invalid_text_message.")
    for eid, text, rid in ((152, "", 3), (153, " \t ", 4), (154, ":read", 5)):
        add_solver(f, eid, text, rid, ack=False)
        f.out(cant_do(f, MOSTRO, "invalid_text_message", DUMMY_ID, rid))
    f.note("Another suffix, an empty one, or a second colon: invalid_parameters.")
    for eid, text, rid in ((155, npub(RO) + ":admin", 6), (156, npub(RO) + ":", 7), (157, npub(RO) + ":read:write", 8)):
        add_solver(f, eid, text, rid, ack=False)
        f.out(cant_do(f, MOSTRO, "invalid_parameters", DUMMY_ID, rid))
    f.note("Not an npub (a hex key, a broken checksum): silent.")
    add_solver(f, 158, RO, 9, ack=False)
    add_solver(f, 159, npub(RO)[:-1] + ("q" if npub(RO)[-1] != "q" else "p"), 10, ack=False)
    f.note("Accepted (trimmed): ' npub:read ' (read-only), npub:write, a bare npub; each acked.")
    add_solver(f, 160, " " + npub(RO) + " : read ", 11)
    add_solver(f, 161, npub(RW) + ":write", 12)
    add_solver(f, 162, npub(SOLVER_TRADE), 13, ti=7)
    f.note("The same key again: the users row exists (an INSERT): silent.")
    add_solver(f, 163, npub(RO) + ":read-write", 14, ack=False)
    f.note("The solver added with trade_index 7 asks its last trade index: 7 (restore channel).")
    f.inp(msg_record(event_id(164), SOLVER_TRADE, SOLVER_TRADE, f.now, "last-trade-index", None, 15,
                     channel="restore"))
    f.out(dm(f, SOLVER_TRADE, "last-trade-index", None, 15, 7, None, channel="restore"))
    f.note("RO (added with no trade_index: 0) asks: invalid_trade_index.")
    f.inp(msg_record(event_id(165), RO, RO, f.now, "last-trade-index", None, 16, channel="restore"))
    f.out(cant_do(f, RO, "invalid_trade_index", None, 16))
    return f


# --------------------------------------------------------------- §5 ratings

def to_success(f, o, eid, rid):
    """fiat-sent, release, settled, paid: success (§1.3)."""
    fiat_sent(f, o, eid, rid)
    n = release_request(f, o, eid + 1, rid + 1)
    p = settled(f, o, n, rid + 1)
    paid(f, o, p, rid + 1)


def rate(f, o, eid, sender, identity, r, rid, out=True):
    f.inp(msg_record(event_id(eid), sender, identity, f.now, "rate-user", o["id"], rid, None, {"rating_user": r}))
    if out:
        f.out(dm(f, sender, "rate-received", o["id"], rid, None, {"rating_user": r}))


def ratings():
    f = Flow("ratings", "§5 rate-user: both sides rate, once each; the seller may rate in settled-hold-invoice, the "
             "buyer only after success; a full-privacy counterpart cannot be rated; the aggregate lags one vote "
             "[quirk §11.4], as the rating tag of S's next order shows.")
    start(f)
    f.tick()
    f.note("Trade 1: S sells to B (both in reputation mode).")
    o = new_sell(f, 170, rid=1)
    f.tick()
    traded(f, o, 171, 2)
    fiat_sent(f, o, 172, 3)
    f.tick()
    n = release_request(f, o, 173, 4)
    p = settled(f, o, n, 4)
    f.note("Released, not yet paid (settled-hold-invoice): S rates B 4: rate-received; B rates S: "
           "invalid_order_status (the buyer waits for success).")
    rate(f, o, 174, S_TRADE, S_ID, 4, 5)
    rate(f, o, 175, B_TRADE, B_ID, 5, 6, out=False)
    f.out(cant_do(f, B_TRADE, "invalid_order_status", o["id"], 6))
    f.tick()
    paid(f, o, p, 4)
    f.note("Success: B rates 6 (out of 1..5): silent; B rates S 5: rate-received.")
    rate(f, o, 176, B_TRADE, B_ID, 6, 7, out=False)
    rate(f, o, 177, B_TRADE, B_ID, 5, 8)
    f.note("S rates again, B rates again, a stranger rates: silent (once per side; third parties are a no-op).")
    rate(f, o, 178, S_TRADE, S_ID, 3, 9, out=False)
    rate(f, o, 179, B_TRADE, B_ID, 1, 10, out=False)
    rate(f, o, 180, STRANGER, STRANGER, 1, 11, out=False)
    f.note("S's aggregate: 1 review, total 5 / 2 = 2.5 (the first vote counts half).")
    f.tick()
    f.note("Trade 2: S sells to B2, in full privacy (identity = trade key, trade index 0); S's order event "
           "carries its first review: total_rating 2.5, total_reviews 1.")
    o2 = new_sell_rated(f, 181, 12, 2, (2.5, 1, T0 + 1))
    f.tick()
    traded(f, o2, 182, 13, buyer=B2, buyer_id=B2)
    f.tick()
    f.inp(msg_record(event_id(183), B2, B2, f.now, "fiat-sent", o2["id"], 14))
    o2["status"] = "fiat-sent"
    f.out(dm(f, S_TRADE, "fiat-sent-ok", o2["id"], None, None, {"peer": {"pubkey": B2, "reputation": None}}))
    f.out(dm(f, B2, "fiat-sent-ok", o2["id"], 14, None, {"peer": {"pubkey": S_TRADE, "reputation": None}}))
    n = release_request(f, o2, 184, 15)
    p = settled(f, o2, n, 15)
    paid(f, o2, p, 15)
    f.note("S rates B2: B2 is in full privacy: silent, and S's flag stays unset (so again: silent again).")
    rate(f, o2, 185, S_TRADE, S_ID, 5, 16, out=False)
    rate(f, o2, 186, S_TRADE, S_ID, 5, 17, out=False)
    f.note("B2 rates S 2: rate-received. S: 2 reviews, total 2.5 + (5 - 2.5) / 2 = 3.75: the new 2 is not in yet.")
    rate(f, o2, 187, B2, B2, 2, 18)
    f.tick()
    f.note("S's next order carries the aggregate in its rating tag: total_rating 3.75, total_reviews 2.")
    new_sell_rated(f, 188, 19, 3, (3.75, 2, T0 + 1))
    return f


def new_sell_rated(f, eid, rid, ti, rating):
    """new_sell when S's users row has reviews: the pending event's rating tag (§1.2) carries them."""
    payload = {"kind": "sell", "status": "pending", "amount": 100000, "fiat_code": "USD", "min_amount": None,
               "max_amount": None, "fiat_amount": 100, "payment_method": "SEPA,bank transfer", "premium": 0,
               "created_at": 0, "expires_at": None}
    f.inp(msg_record(event_id(eid), S_TRADE, S_ID, f.now, "new-order", rid=rid, ti=ti, payload={"order": payload}))
    o = {"id": uuid_of(event_id(eid)), "kind": "sell", "status": "pending", "amount": 100000, "fiat_code": "USD",
         "min_amount": None, "max_amount": None, "fiat_amount": 100, "payment_method": "SEPA,bank transfer",
         "premium": 0, "created_at": f.now, "expires_at": f.now + DAY, "fee": 300, "seller": S_TRADE,
         "creator": S_TRADE, "ti_seller": ti}
    f.out(order_event(f, o, "pending", rating))
    f.out(dm(f, S_TRADE, "new-order", o["id"], rid, ti, {"order": small_order(o)}))
    return o


# ------------------------------------------------------------ §7 sessions

def new_buy(f, eid, maker, maker_id, rid, ti, user_created=None):
    """§1.3 new-order, a buy order without invoice."""
    payload = {"kind": "buy", "status": "pending", "amount": 100000, "fiat_code": "USD", "min_amount": None,
               "max_amount": None, "fiat_amount": 100, "payment_method": "SEPA", "premium": 0,
               "created_at": 0, "expires_at": None}
    f.inp(msg_record(event_id(eid), maker, maker_id, f.now, "new-order", rid=rid, ti=ti, payload={"order": payload}))
    o = {"id": uuid_of(event_id(eid)), "kind": "buy", "status": "pending", "amount": 100000, "fiat_code": "USD",
         "min_amount": None, "max_amount": None, "fiat_amount": 100, "payment_method": "SEPA", "premium": 0,
         "created_at": f.now, "expires_at": f.now + DAY, "fee": 300, "buyer": maker, "buyer_id": maker_id,
         "ti_buyer": ti}
    f.out(order_event(f, o, "pending", (0.0, 0, user_created if user_created is not None else f.now)))
    f.out(dm(f, maker, "new-order", o["id"], rid, ti, {"order": small_order(o)}))
    return o


def restore(f, eid, sender, identity, rid, orders, disputes):
    """§7 restore-session: restore channel, no request_id, no id."""
    f.inp(msg_record(event_id(eid), sender, identity, f.now, "restore-session", None, rid, channel="restore"))
    f.out(dm(f, sender, "restore-session", None, None, None,
             {"restore_data": {"orders": orders, "disputes": disputes}}, channel="restore"))


def restore_session():
    f = Flow("restore-session", "§7 restore-session by identity: the orders still in play (buyer side first, "
             "then seller side) and the open disputes. mostro#882: canceled-by-admin and cooperatively-canceled "
             "orders are left out (0.18.5 spelled them without hyphens and returned them, quirk §11.6).")
    start(f)
    f.tick()
    add_solver(f, 200, npub(RW), 1)
    f.note("o1: S's pending sell order (index 1).")
    o1 = new_sell(f, 201, rid=2, ti=1)
    f.tick()
    f.note("o2: S's order (index 2) taken by B (index 1), paid, disputed by B, the dispute taken by RW.")
    o2 = new_sell(f, 202, rid=3, ti=2, user_created=T0 + 1)
    traded(f, o2, 203, 4, ti=1)
    f.tick()
    d2 = open_dispute(f, o2, 204, True, 5)
    take_dispute(f, o2, d2, 205, RW, 6)
    f.tick()
    f.note("o3: S's order (index 3) taken by B (index 2), paid, canceled cooperatively.")
    o3 = new_sell(f, 206, rid=7, ti=3, user_created=T0 + 1)
    traded(f, o3, 207, 8, ti=2)
    f.inp(msg_record(event_id(208), B_TRADE, B_ID, f.now, "cancel", o3["id"], 9))
    f.out(dm(f, B_TRADE, "cooperative-cancel-initiated-by-you", o3["id"], 9))
    f.out(dm(f, S_TRADE, "cooperative-cancel-initiated-by-peer", o3["id"]))
    f.inp(msg_record(event_id(209), S_TRADE, S_ID, f.now, "cancel", o3["id"], 10))
    c = f.next_ln()
    f.out(ln_op(c, "cancel_hold_invoice", {"hash": o3["hash"]}))
    f.inp(ln_result(c, "cancel_hold_invoice", {"hash": o3["hash"]}))
    o3["status"] = "cooperatively-canceled"
    f.out(order_event(f, o3, "canceled"))
    f.out(dm(f, S_TRADE, "cooperative-cancel-accepted", o3["id"], 10))
    f.out(dm(f, B_TRADE, "cooperative-cancel-accepted", o3["id"]))
    f.tick()
    f.note("o4: S's order (index 4) taken by B (index 3), disputed by S, canceled by RW (canceled-by-admin).")
    o4 = new_sell(f, 210, rid=11, ti=4, user_created=T0 + 1)
    traded(f, o4, 211, 12, ti=3)
    f.tick()
    d4 = open_dispute(f, o4, 212, False, 13)
    take_dispute(f, o4, d4, 213, RW, 14)
    admin_cancel(f, o4, d4, 214, RW, 15)
    f.tick()
    f.note("o5: S's order (index 5), canceled by S.")
    o5 = new_sell(f, 215, rid=16, ti=5, user_created=T0 + 1)
    f.inp(msg_record(event_id(216), S_TRADE, S_ID, f.now, "cancel", o5["id"], 17))
    o5["status"] = "canceled"
    f.out(order_event(f, o5, "canceled"))
    f.out(dm(f, S_TRADE, "canceled", o5["id"], 17))
    f.tick()
    f.note("o6: B's pending buy order (index 4); o7: S's buy order (index 6) taken by B as seller (index 5).")
    o6 = new_buy(f, 217, B_TRADE, B_ID, 18, 4, user_created=T0 + 2)
    o7 = new_buy(f, 218, S_TRADE, S_ID, 19, 6, user_created=T0 + 1)
    f.inp(msg_record(event_id(219), B_TRADE, B_ID, f.now, "take-buy", o7["id"], 20, 5))
    o7.update(seller=B_TRADE, ti_seller=5)
    n = hold_request(f, o7)
    hold_created(f, o7, n, 20, publish=True)
    f.tick()
    f.note("S restores from a new trade key: o7 as buyer (waiting-payment, index 6), then o1 as seller; o2 is in "
           "dispute, o3 cooperatively-canceled, o4 canceled-by-admin, o5 canceled: left out. The open dispute of o2 "
           "(S's seller index 2, initiator buyer, RW solving); o4's is seller-refunded: left out.")
    restore(f, 220, S_NEXT, S_ID, 21,
            [{"order_id": o7["id"], "trade_index": 6, "status": "waiting-payment"},
             {"order_id": o1["id"], "trade_index": 1, "status": "pending"}],
            [{"dispute_id": d2["id"], "order_id": o2["id"], "trade_index": 2, "status": "in-progress",
              "initiator": "buyer", "solver_pubkey": RW}])
    f.note("B restores: o6 as buyer, then o7 as seller; the same dispute with B's buyer index 1.")
    restore(f, 221, B_TRADE, B_ID, 22,
            [{"order_id": o6["id"], "trade_index": 4, "status": "pending"},
             {"order_id": o7["id"], "trade_index": 5, "status": "waiting-payment"}],
            [{"dispute_id": d2["id"], "order_id": o2["id"], "trade_index": 1, "status": "in-progress",
              "initiator": "buyer", "solver_pubkey": RW}])
    f.note("A stranger has nothing: both lists empty (still answered).")
    restore(f, 222, STRANGER, STRANGER, 23, [], [])
    return f


def last_trade_index():
    f = Flow("last-trade-index", "§7 last-trade-index: the identity's users row answers on the restore channel "
             "with its index in trade_index; no row: not_found; index 0: invalid_trade_index.")
    start(f)
    f.tick()
    f.note("A stranger (no users row): not_found, to its trade key, no id.")
    f.inp(msg_record(event_id(230), STRANGER, STRANGER, f.now, "last-trade-index", None, 1, channel="restore"))
    f.out(cant_do(f, STRANGER, "not_found", None, 1))
    f.note("S makes an order with index 3: S asks from any trade key: 3, request_id echoed.")
    new_sell(f, 231, rid=2, ti=3)
    f.inp(msg_record(event_id(232), S_NEXT, S_ID, f.now, "last-trade-index", None, 3, channel="restore"))
    f.out(dm(f, S_NEXT, "last-trade-index", None, 3, 3, None, channel="restore"))
    f.note("S's next order says trade_index 0: accepted, and the index is 0 now [quirk §11.10]: invalid_trade_index.")
    new_sell(f, 233, rid=4, ti=0, user_created=T0 + 1)
    f.inp(msg_record(event_id(234), S_TRADE, S_ID, f.now, "last-trade-index", None, 5, channel="restore"))
    f.out(cant_do(f, S_TRADE, "invalid_trade_index", None, 5))
    return f


def orders_action():
    f = Flow("orders", "§7 orders: the caller's orders among the ids (master buyer or seller = its identity), in "
             "request order, each once, without buyer_invoice; the limits and refusals.")
    start(f)
    f.tick()
    o1 = new_sell(f, 240, rid=1, ti=1)
    f.tick()
    o2 = new_sell(f, 241, rid=2, ti=2, user_created=T0 + 1)
    f.tick()
    traded(f, o2, 242, 3, ti=1)
    f.tick()
    o3 = new_buy(f, 243, B_TRADE, B_ID, 4, 2, user_created=T0 + 3)
    missing = "00000000-0000-4000-8000-000000000000"
    f.tick()
    f.note("S asks for [o2, o1, missing, o3 (B's), o1]: o2 (active, both trade keys, no invoice) then o1; no id in the reply.")
    f.inp(msg_record(event_id(244), S_NEXT, S_ID, f.now, "orders", None, 5, None,
                     {"ids": [o2["id"], o1["id"], missing, o3["id"], o1["id"]]}))
    so2 = small_order(o2, pubkeys=True)
    f.out(dm(f, S_NEXT, "orders", None, 5, None, {"orders": [so2, small_order(o1, pubkeys=True)]}))
    f.note("B asks for o2: B is its master buyer.")
    f.inp(msg_record(event_id(245), B_TRADE, B_ID, f.now, "orders", None, 6, None, {"ids": [o2["id"]]}))
    f.out(dm(f, B_TRADE, "orders", None, 6, None, {"orders": [so2]}))
    f.note("Only foreign or missing ids: not_found. No ids: invalid_parameters. An orders payload: invalid_parameters. "
           "11 ids (max_orders_per_response 10): too_many_requests.")
    f.inp(msg_record(event_id(246), STRANGER, STRANGER, f.now, "orders", None, 7, None, {"ids": [o1["id"], missing]}))
    f.out(cant_do(f, STRANGER, "not_found", None, 7))
    f.inp(msg_record(event_id(247), S_TRADE, S_ID, f.now, "orders", None, 8, None, {"ids": []}))
    f.out(cant_do(f, S_TRADE, "invalid_parameters", None, 8))
    f.inp(msg_record(event_id(248), S_TRADE, S_ID, f.now, "orders", None, 9, None, {"orders": []}))
    f.out(cant_do(f, S_TRADE, "invalid_parameters", None, 9))
    f.inp(msg_record(event_id(249), S_TRADE, S_ID, f.now, "orders", None, 10, None, {"ids": [o1["id"]] * 11}))
    f.out(cant_do(f, S_TRADE, "too_many_requests", None, 10))
    return f


def trade_pubkey():
    f = Flow("trade-pubkey", "§7 trade-pubkey: the maker moves a pending order to a new trade key (a compare-and-swap, "
             "mostro#903); the old key is no longer the maker; no 38383 revision.")
    start(f)
    f.tick()
    o = new_sell(f, 250, rid=1, ti=1)
    f.tick()
    f.note("B (not the maker's identity): silent. An unknown order: not_found.")
    f.inp(msg_record(event_id(251), B_TRADE, B_ID, f.now, "trade-pubkey", o["id"], 2))
    missing = "00000000-0000-4000-8000-000000000000"
    f.inp(msg_record(event_id(252), S_NEXT, S_ID, f.now, "trade-pubkey", missing, 3))
    f.out(cant_do(f, S_NEXT, "not_found", missing, 3))
    f.note("S from S_NEXT (identity S_ID): trade-pubkey to S_NEXT.")
    f.inp(msg_record(event_id(253), S_NEXT, S_ID, f.now, "trade-pubkey", o["id"], 4))
    f.out(dm(f, S_NEXT, "trade-pubkey", o["id"], 4))
    f.note("The old key's cancel: someone else now (is_not_your_order); the new key cancels.")
    f.inp(msg_record(event_id(254), S_TRADE, S_ID, f.now, "cancel", o["id"], 5))
    f.out(cant_do(f, S_TRADE, "is_not_your_order", o["id"], 5))
    f.inp(msg_record(event_id(255), S_NEXT, S_ID, f.now, "cancel", o["id"], 6))
    o["status"] = "canceled"
    o["seller"] = S_NEXT
    f.out(order_event(f, o, "canceled"))
    f.out(dm(f, S_NEXT, "canceled", o["id"], 6))
    f.note("A canceled order cannot move: invalid_order_status.")
    f.inp(msg_record(event_id(256), S_TRADE, S_ID, f.now, "trade-pubkey", o["id"], 7))
    f.out(cant_do(f, S_TRADE, "invalid_order_status", o["id"], 7))
    return f


FLOWS_ENGINE2 = [dispute_settle, dispute_cancel, dispute_takeover, solver_variants, ratings, restore_session,
                 last_trade_index, orders_action, trade_pubkey]


def ln_address():
    f = Flow("ln-address", "§4.4/§4.5 a buy order paid out to a Lightning Address: the address is only probed "
             "at creation (the message waits for mostro-ln's validate_invoice, then runs), an address that does "
             "not answer is invalid_invoice; at payout the address is resolved for amount - fee, then paid.")
    start(f)
    f.tick()
    addr = "buyer@example.com"
    payload = {"kind": "buy", "status": "pending", "amount": 100000, "fiat_code": "USD", "min_amount": None,
               "max_amount": None, "fiat_amount": 100, "payment_method": "SEPA", "premium": 0,
               "buyer_invoice": addr, "created_at": None, "expires_at": None}
    f.note("B -> new-order with a Lightning Address: probed first (validate_invoice), nothing else yet.")
    f.inp(msg_record(event_id(81), B_TRADE, B_ID, f.now, "new-order", rid=1, ti=1, payload={"order": payload}))
    n = f.next_ln()
    f.out(ln_op(n, "validate_invoice", {"invoice": addr, "mode": "buyer"}))
    f.note("The address answers: the order is created as if nothing had waited (its id from the message's event id).")
    f.inp(ln_result(n, "validate_invoice", {"type": "valid", "kind": "lnurl", "url": "https://example.com/.well-known/lnurlp/buyer"}))
    o = {"id": uuid_of(event_id(81)), "kind": "buy", "status": "pending", "amount": 100000, "fiat_code": "USD",
         "min_amount": None, "max_amount": None, "fiat_amount": 100, "payment_method": "SEPA", "premium": 0,
         "created_at": f.now, "expires_at": f.now + 24 * 3600, "fee": 300, "buyer": B_TRADE, "ti_buyer": 1,
         "buyer_invoice": addr}
    f.out(order_event(f, o, "pending", (0.0, 0, f.now)))
    f.out(dm(f, B_TRADE, "new-order", o["id"], 1, 1, {"order": small_order(o, invoice=True)}))
    f.note("An address that does not answer: invalid_invoice.")
    bad = dict(payload, buyer_invoice="nobody@example.com")
    f.inp(msg_record(event_id(82), B_TRADE, B_ID, f.now, "new-order", rid=2, ti=2, payload={"order": bad}))
    n = f.next_ln()
    f.out(ln_op(n, "validate_invoice", {"invoice": "nobody@example.com", "mode": "buyer"}))
    f.inp(ln_result(n, "validate_invoice", error={"kind": "lnurl", "message": "http_status: 404", "reason": "http_status"}))
    f.out(cant_do(f, B_TRADE, "invalid_invoice", None, 2))
    f.tick()
    f.note("S takes; pays; with the buyer's invoice (the address) known, the trade is active at once.")
    f.inp(msg_record(event_id(83), S_TRADE, S_ID, f.now, "take-buy", o["id"], 3, 1))
    o.update(seller=S_TRADE, ti_seller=1)
    n = hold_request(f, o)
    w = hold_created(f, o, n, 3, publish=True)
    seller_pays(f, o, w, 3)
    fiat_sent(f, o, 84, 4)
    n = release_request(f, o, 85, 5)
    f.note("The payout: the address is resolved for 99700 sat, then the invoice it gives is paid.")
    line = f.inp(ln_result(n, "settle_hold_invoice", {"hash": o["hash"]}))
    o["status"] = "settled-hold-invoice"
    f.out(dm(f, o["buyer"], "released", o["id"]))
    f.out(dm(f, o["seller"], "hold-invoice-payment-settled", o["id"], 5))
    f.out(dm(f, o["seller"], "rate", o["id"]))
    r = f.next_ln()
    f.out(ln_op(r, "resolve_lnurl", {"address": addr, "amount_sat": 99700, "node_network": "regtest", "now": f.now}))
    f.inp(ln_result(r, "resolve_lnurl", {"payment_request": INV_99700, "amount_msat": 99700000,
                                         "callback_url": "https://example.com/cb?amount=99700000",
                                         "comment_sent": False, "description_hash_matches": True}))
    p = f.next_ln()
    f.out(ln_op(p, "pay_invoice", {"payment_request": INV_99700, "amount_sat": 99700, "fee_limit_sat": 199}))
    paid(f, o, p, 5)
    return f




# ------------------------------------------------------------------ §3 timers

# Timer flows keep the periodic publications out of the way (they run once at the
# first tick after get_info, then a day later); the publication flows set them.
QUIET = {"publish_relays_interval": 86400, "publish_mostro_info_interval": 86400}
INV_FEE_180_B = ("lnbcrt1800n1pj48ugqsp5wamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamspp5329g4z52329g4z52329g4z5"
                 "2329g4z52329g4z52329g4z52329qdqvv3jhvgrxv4jsxqyz5vq9qrssqprzvazruy9rw769jfuh6aajgc3awkhexp4vqkv0cs9w"
                 "w7rzq0j3ngk6h6mpr3qwk2x4ndr292d2r69795p6fnmkv8a2aut3ta0sr7jcq7drjen")
HASH_FEE_180_B = "8a" * 32


def timer_flow(name, title, config=None):
    f = Flow(name, title, dict(QUIET, **(config or {})))
    start(f)
    f.note("T0+1: the jobs run for the first time (the node answered get_info): the info event and the relay list.")
    f.tick()
    return f


def expire():
    f = timer_flow("expire", "§3.1 expiration (every 60 s): a pending order whose expires_at has passed (strictly) "
                   "becomes expired and is republished s=canceled, with no message to anyone; expires_at is never "
                   "changed, and a taken order is left alone (its cell is 'nothing to do').")
    f.note("S publishes A with expires_at = now + 120 (a client may ask any time up to 15 days, §3.1), and B2 "
           "(the same 120 s) which B takes at once without an invoice.")
    a = new_sell(f, 201, rid=1, ti=1, extra={"expires_at": f.now + 120})
    b2 = new_sell(f, 202, rid=2, ti=2, extra={"expires_at": f.now + 120}, user_created=f.now)
    take_sell_no_invoice(f, b2, 203, rid=3)
    f.note("T0+61: A has 60 s left: nothing to do.")
    f.tick(60)
    f.note("T0+121: expires_at == now is not past (expires_at < now): nothing to do.")
    f.tick(60)
    f.note("T0+181: A expired: 38383 s=canceled (expires_at kept, expiration now + 30 days); no DM. "
           "B2 is waiting-buyer-invoice: not expired (and its §3.2 timeout is 900 s away).")
    a["status"] = "expired"
    f.tick(60, {"expire_pending": lambda: f.out(order_event(f, a, "canceled"))})
    f.note("T0+241: nothing left to expire.")
    f.tick(60)
    return f


def timeout_due(f, dt, hook):
    """Ticks until the §3.2 job sees taken_at < now - expiration_seconds."""
    f.tick(dt, {"waiting_timeout": hook})


def notified_closed(f, o, maker, taker, republished):
    """notify_users_canceled_order: maker new-order (the reset order) or canceled, taker canceled; no rid."""
    if republished:
        f.out(dm(f, maker, "new-order", o["id"], None, None, {"order": small_order(o, pubkeys=True)}))
    else:
        f.out(dm(f, maker, "canceled", o["id"]))
    f.out(dm(f, taker, "canceled", o["id"]))


def timeout_wbi_sell():
    f = timer_flow("timeout-wbi-sell", "§3.2 late-party table, waiting-buyer-invoice x sell: the taker (buyer) "
                   "did not send an invoice within expiration_seconds (900): the order is republished pending, "
                   "new-order to the maker, canceled to the taker. No hold invoice yet: nothing to cancel first.")
    o = new_sell(f, 211, rid=1)
    f.tick()
    f.note("B takes at T0+2 without an invoice: taken_at = T0+2.")
    take_sell_no_invoice(f, o, 212, rid=2)
    f.note("T0+902: taken_at < now - 900 is not true yet (T0+2 < T0+2): nothing to do.")
    f.tick(900)
    f.note("T0+962: late. Reset (status pending, buyer key, taken_at 0), 38383 s=pending with S's rating, "
           "new-order to S (the reset order, no buyer key), canceled to B; no request_id.")
    o.update(status="pending", buyer=None, buyer_invoice=None)

    def late():
        f.out(order_event(f, o, "pending", (0.0, 0, T0 + 1)))
        notified_closed(f, o, S_TRADE, B_TRADE, True)

    timeout_due(f, 60, late)
    f.note("B's add-invoice now: the order has no buyer key any more (add-invoice #2): silent.")
    f.inp(msg_record(event_id(213), B_TRADE, B_ID, f.now, "add-invoice", o["id"], 4, None,
                     {"payment_request": [None, INV_99700, None]}))
    return f


def timeout_wp_buy():
    f = timer_flow("timeout-wp-buy", "§3.2 late-party table, waiting-payment x buy: the taker (seller) did not pay "
                   "the hold invoice within 900 s. Step 1 cancels the hold invoice first; its failure leaves the "
                   "order for the next tick; once canceled the order is republished pending, and being priced at "
                   "the market (price_from_api) its amount and fee go back to 0.")
    f.inp({"type": "price", "rates": {"USD": 50000}, "source": "test"})
    payload = {"kind": "buy", "status": "pending", "amount": 0, "fiat_code": "USD", "min_amount": None,
               "max_amount": None, "fiat_amount": 100, "payment_method": "SEPA", "premium": 0,
               "created_at": 0, "expires_at": None}
    f.inp(msg_record(event_id(221), B_TRADE, B_ID, f.now, "new-order", rid=1, ti=1, payload={"order": payload}))
    o = {"id": uuid_of(event_id(221)), "kind": "buy", "status": "pending", "amount": 0, "fiat_code": "USD",
         "min_amount": None, "max_amount": None, "fiat_amount": 100, "payment_method": "SEPA", "premium": 0,
         "created_at": f.now, "expires_at": f.now + DAY, "buyer": B_TRADE, "ti_buyer": 1}
    f.out(order_event(f, o, "pending", (0.0, 0, f.now)))
    f.out(dm(f, B_TRADE, "new-order", o["id"], 1, 1, {"order": small_order(o)}))
    f.tick()
    f.note("S takes at T0+2: 100 USD at 50000 = 200000 sat, fee 600; the hold invoice (200600) is created: "
           "waiting-payment, 38383 in-progress (a buy order); taken_at = T0+2.")
    f.inp(msg_record(event_id(222), S_TRADE, S_ID, f.now, "take-buy", o["id"], 2, 1))
    o.update(amount=200000, fee=600, seller=S_TRADE, ti_seller=1)
    n = hold_request(f, o)
    w = hold_created(f, o, n, 2, publish=True)
    f.note("T0+962: S never paid: CancelInvoice first (the cell waits for it).")
    c = {}

    def cancel_first():
        c["n"] = f.next_ln()
        f.out(ln_op(c["n"], "cancel_hold_invoice", {"hash": o["hash"]}))

    timeout_due(f, 960, cancel_first)
    f.note("The node cannot be reached (transport: the outcome is unknown): the same cancel is asked again at once, "
           "the order held meanwhile (the escrow lock).")
    f.inp(ln_result(c["n"], "cancel_hold_invoice", error={"kind": "transport", "message": "connection refused"}))
    cancel_first()
    f.note("The node refuses it (an error of its own): the order is left for the next tick (mostrod: skip on error).")
    f.inp(ln_result(c["n"], "cancel_hold_invoice", error={"kind": "lnd", "message": "server busy", "grpc_code": 14}))
    f.note("T0+1022: again; now the node cancels it. Reset: pending, amount and fee 0 (market price), "
           "38383 s=pending (amt 0), new-order to B (the maker), canceled to S.")
    timeout_due(f, 60, cancel_first)
    f.inp(ln_result(c["n"], "cancel_hold_invoice", {"hash": o["hash"]}))
    o.update(status="pending", amount=0, fee=0, seller=None)
    f.out(order_event(f, o, "pending", (0.0, 0, T0 + 1)))
    notified_closed(f, o, B_TRADE, S_TRADE, True)
    f.note("The watch reports CANCELED: the order is pending, no escrow: nothing to say (§4.3).")
    f.inp(ln_event(w, "watch_invoice", {"hash": o["hash"], "state": "CANCELED", "amt_paid_msat": 0}))
    f.note("T0+1082: nothing left to time out.")
    f.tick(60)
    return f


def timeout_wbi_buy():
    f = timer_flow("timeout-wbi-buy", "§3.2 late-party table, waiting-buyer-invoice x buy: the seller paid, the "
                   "maker (buyer) never sent an invoice: the hold invoice is canceled (the seller's sats go back), "
                   "then the order is canceled: 38383 s=canceled, canceled to the maker and to the taker.")
    o = new_buy(f, 231, B_TRADE, B_ID, 1, 1)
    f.tick()
    f.inp(msg_record(event_id(232), S_TRADE, S_ID, f.now, "take-buy", o["id"], 2, 1))
    o.update(seller=S_TRADE, ti_seller=1)
    n = hold_request(f, o)
    w = hold_created(f, o, n, 2, publish=True)
    f.tick()
    f.note("T0+3: S pays; no buyer invoice yet: waiting-buyer-invoice, and the buyer's duty starts now (taken_at = T0+3).")
    f.inp(ln_event(w, "watch_invoice", {"hash": o["hash"], "state": "ACCEPTED", "amt_paid_msat": 100300000}))
    o["status"] = "waiting-buyer-invoice"
    f.out(dm(f, B_TRADE, "add-invoice", o["id"], 2, None, {"order": small_order(o, amount=99700)}))
    f.out(dm(f, S_TRADE, "waiting-buyer-invoice", o["id"], 2))
    f.out(dm(f, B_TRADE, "add-invoice", o["id"], None, None,
             {"peer": {"pubkey": "", "reputation": {"rating": 0.0, "reviews": 0, "operating_days": 0}}}))
    f.note("T0+962: the job runs (every 60 s since T0+1) but T0+3 < T0+62 is the first tick that is late: T0+962 is.")
    c = {}

    def cancel_first():
        c["n"] = f.next_ln()
        f.out(ln_op(c["n"], "cancel_hold_invoice", {"hash": o["hash"]}))

    timeout_due(f, 959, cancel_first)
    f.inp(ln_result(c["n"], "cancel_hold_invoice", {"hash": o["hash"]}))
    o["status"] = "canceled"
    f.out(order_event(f, o, "canceled"))
    notified_closed(f, o, B_TRADE, S_TRADE, False)
    f.note("The watch reports CANCELED: the order is canceled: nothing to say.")
    f.inp(ln_event(w, "watch_invoice", {"hash": o["hash"], "state": "CANCELED", "amt_paid_msat": 0}))
    return f


def timeout_wp_sell():
    f = timer_flow("timeout-wp-sell", "§3.2 late-party table, waiting-payment x sell: the maker (seller) did not "
                   "pay the hold invoice: canceled (first the invoice, then the order: 38383 s=canceled, canceled "
                   "to S and to B).")
    o = new_sell(f, 241, rid=1)
    f.tick()
    f.note("B takes at T0+2 with an invoice: the hold invoice is created: waiting-payment (no 38383: a sell order).")
    f.inp(msg_record(event_id(242), B_TRADE, B_ID, f.now, "take-sell", o["id"], 2, 1,
                     {"payment_request": [None, INV_99700, None]}))
    o.update(buyer=B_TRADE, ti_buyer=1, buyer_invoice=INV_99700)
    n = hold_request(f, o)
    w = hold_created(f, o, n, 2)
    c = {}

    def cancel_first():
        c["n"] = f.next_ln()
        f.out(ln_op(c["n"], "cancel_hold_invoice", {"hash": o["hash"]}))

    f.note("T0+962: late: CancelInvoice, then canceled.")
    timeout_due(f, 960, cancel_first)
    f.inp(ln_result(c["n"], "cancel_hold_invoice", {"hash": o["hash"]}))
    o["status"] = "canceled"
    f.out(order_event(f, o, "canceled"))
    notified_closed(f, o, S_TRADE, B_TRADE, False)
    f.inp(ln_event(w, "watch_invoice", {"hash": o["hash"], "state": "CANCELED", "amt_paid_msat": 0}))
    return f


W = (144 - 24) * 600       # §3.3 the guard window with the defaults: 72000 s


def guardian_pass(f, dt, tip_result, tip_error=None):
    """A guardian pass (every 300 s): the chain tip once (get_info), then the candidates."""
    g = {}

    def ask_tip():
        g["n"] = f.next_ln()
        f.out(ln_op(g["n"], "get_info", {}))

    f.tick(dt, {"escrow_guardian": ask_tip})
    return g["n"]


def lookup(f, o, expiry, tip):
    """LookupInvoice: the lowest expiry height of the ACCEPTED HTLCs (null: none)."""
    htlcs = [] if expiry is None else [{"state": "ACCEPTED", "amt_msat": 100300000, "accept_height": tip - 100,
                                        "expiry_height": expiry}]
    return {"hash": o["hash"], "state": "ACCEPTED" if htlcs else "CANCELED", "memo": memo(o),
            "payment_request": HOLD_BOLT11, "value_msat": 100300000, "amt_paid_msat": 100300000,
            "creation_date": T0, "settle_date": 0, "expiry": 86400, "cltv_expiry": 144, "add_index": 2,
            "htlcs": htlcs, "accepted_expiry_height": expiry}


def tip_info(height):
    return dict(GET_INFO, block_height=height)


def guardian_active():
    f = timer_flow("guardian-active", "§3.3 escrow CLTV guardian on an active order: W = (144 - 24) x 600 = "
                   "72000 s; from invoice_held_at + W/2 each 300 s pass asks the chain tip (get_info) and the hold "
                   "invoice's HTLC expiry (lookup_invoice): due when tip + margin (24) >= expiry. Not due: nothing; "
                   "due: the hold invoice is canceled, then the order: 38383 s=canceled, canceled to both.")
    o = new_sell(f, 251, rid=1)
    f.tick()
    traded(f, o, 252, 2)
    f.note("Active since T0+3 (invoice_held_at). T0+36003: held for W/2: a candidate; the tip is 800000 and the "
           "HTLC expires at 800100: 800000 + 24 < 800100: not due (a live HTLC beats the nominal clock).")
    n = guardian_pass(f, W // 2, None)
    f.inp(ln_result(n, "get_info", tip_info(800000)))
    k = f.next_ln()
    f.out(ln_op(k, "lookup_invoice", {"hash": o["hash"]}))
    f.inp(ln_result(k, "lookup_invoice", lookup(f, o, 800100, 800000)))
    f.note("T0+36303: tip 800080: 800080 + 24 >= 800100: due (not gone: 800080 < 800100). CancelInvoice first.")
    n = guardian_pass(f, 300, None)
    f.inp(ln_result(n, "get_info", tip_info(800080)))
    k = f.next_ln()
    f.out(ln_op(k, "lookup_invoice", {"hash": o["hash"]}))
    f.inp(ln_result(k, "lookup_invoice", lookup(f, o, 800100, 800080)))
    c = f.next_ln()
    f.out(ln_op(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    f.note("Canceled by the node: 38383 s=canceled; canceled to S (maker) and B (taker), no request_id.")
    f.inp(ln_result(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    o["status"] = "canceled"
    f.out(order_event(f, o, "canceled"))
    notified_closed(f, o, S_TRADE, B_TRADE, False)
    f.note("The watch's CANCELED: the order is canceled already: nothing more (§4.3).")
    f.inp(ln_event(o["watch"], "watch_invoice", {"hash": o["hash"], "state": "CANCELED", "amt_paid_msat": 0}))
    f.note("T0+36603: no escrow left to guard: the pass asks nothing.")
    f.tick(300)
    return f


def guardian_fiat_sent():
    f = timer_flow("guardian-fiat-sent", "§3.3 escrow CLTV guardian on a fiat-sent order: when due, a "
                   "buyer-initiated dispute is opened (the hold invoice is NOT canceled: it is the solver's "
                   "leverage): dispute-initiated-by-you to B, -by-peer to S, 38386 s=initiated, initiator buyer.")
    o = new_sell(f, 261, rid=1)
    f.tick()
    traded(f, o, 262, 2)
    fiat_sent(f, o, 263, 3)
    f.note("T0+36003: tip 800000, HTLC expiry 800010: due.")
    n = guardian_pass(f, W // 2, None)
    f.inp(ln_result(n, "get_info", tip_info(800000)))
    k = f.next_ln()
    f.out(ln_op(k, "lookup_invoice", {"hash": o["hash"]}))
    line = f.inp(ln_result(k, "lookup_invoice", lookup(f, o, 800010, 800000)))
    d = {"id": uuid_of(sha256_hex(line)), "created_at": f.now}
    o["status"] = "dispute"
    f.out(dm(f, B_TRADE, "dispute-initiated-by-you", o["id"], None, None, {"dispute": [d["id"], None]}))
    f.out(dm(f, S_TRADE, "dispute-initiated-by-peer", o["id"], None, None, {"dispute": [d["id"], None]}))
    f.out(dispute_event(f, d, "initiated", "buyer"))
    f.note("T0+36303: the order is in dispute: a solver holds it; nothing for the guardian.")
    f.tick(300)
    return f


def guardian_fallback():
    f = timer_flow("guardian-fallback", "§3.3 when the node cannot say (get_info or lookup_invoice fails), the "
                   "nominal clock decides: due once now >= invoice_held_at + W (10-minute blocks), never 'gone'; "
                   "a cancel the node refuses is tried again next pass; one whose outcome is unknown (transport) "
                   "is asked again at once, unless the escrow is gone (past its CLTV expiry: refunded whatever "
                   "the node did, the order is fixed at once).")
    o = new_sell(f, 271, rid=1)
    f.tick()
    traded(f, o, 272, 2)
    f.note("T0+36003: no chain tip (transport error): nominal clock: T0+3 + 72000 not reached: nothing.")
    n = guardian_pass(f, W // 2, None)
    f.inp(ln_result(n, "get_info", error={"kind": "transport", "message": "connection refused"}))
    f.note("T0+72003: still no tip: now >= invoice_held_at + W: due: CancelInvoice. It fails with a transport "
           "error: the outcome is unknown (man mostro-ln), so the same cancel is asked again at once (idempotent "
           "at the node; the order is held meanwhile: the escrow lock, docs/ENGINE.md).")
    n = guardian_pass(f, W // 2, None)
    f.inp(ln_result(n, "get_info", error={"kind": "transport", "message": "connection refused"}))
    c = f.next_ln()
    f.out(ln_op(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    f.inp(ln_result(c, "cancel_hold_invoice", error={"kind": "transport", "message": "connection refused"}))
    c = f.next_ln()
    f.out(ln_op(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    f.note("The node answers now, with an error of its own (a refusal, not 'already canceled' nor 'not found'): "
           "mostrod's classify_cancel_error: transient, the escrow not known gone: tried again next pass.")
    f.inp(ln_result(c, "cancel_hold_invoice", error={"kind": "lnd", "message": "server busy", "grpc_code": 14}))
    f.note("T0+72303: the tip comes back but the lookup fails: the nominal clock again: due; refused again.")
    n = guardian_pass(f, 300, None)
    f.inp(ln_result(n, "get_info", tip_info(800000)))
    k = f.next_ln()
    f.out(ln_op(k, "lookup_invoice", {"hash": o["hash"]}))
    f.inp(ln_result(k, "lookup_invoice", error={"kind": "transport", "message": "connection reset"}))
    c = f.next_ln()
    f.out(ln_op(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    f.inp(ln_result(c, "cancel_hold_invoice", error={"kind": "lnd", "message": "server busy", "grpc_code": 14}))
    f.note("T0+72603: tip 800000, the HTLC expired at 799990: due and gone (tip >= expiry). The cancel's outcome "
           "is unknown (transport), but it no longer matters: LND refunded the escrow itself, so it is not asked "
           "again and the order is fixed: 38383 s=canceled, canceled to S (maker) and B (taker).")
    n = guardian_pass(f, 300, None)
    f.inp(ln_result(n, "get_info", tip_info(800000)))
    k = f.next_ln()
    f.out(ln_op(k, "lookup_invoice", {"hash": o["hash"]}))
    f.inp(ln_result(k, "lookup_invoice", lookup(f, o, 799990, 800000)))
    c = f.next_ln()
    f.out(ln_op(c, "cancel_hold_invoice", {"hash": o["hash"]}))
    f.note("The watch reports CANCELED before the cancel's answer: the order is held by its cancel in flight, so "
           "the event waits for the answer and then finds the order canceled: nothing more (§4.3).")
    f.inp(ln_event(o["watch"], "watch_invoice", {"hash": o["hash"], "state": "CANCELED", "amt_paid_msat": 0}))
    f.inp(ln_result(c, "cancel_hold_invoice", error={"kind": "transport", "message": "connection reset"}))
    o["status"] = "canceled"
    f.out(order_event(f, o, "canceled"))
    notified_closed(f, o, S_TRADE, B_TRADE, False)
    return f


DEV_FEE_TEST_ADDRESS = "devfee@example.com"


def dev_fee():
    f = timer_flow("dev-fee", "§3.6 the dev fee job (every 60 s) with the dev fee address set to "
                   "devfee@example.com: a resolution that fails releases the claim; a payment that fails keeps "
                   "its hash until the node confirms FAILED (phase 3), which clears it; a resolution left "
                   "unanswered 20 s is dropped; the next claim is paid: dev_fee_paid and the 8383 audit event. "
                   "Nothing is paid twice: each step is a compare-and-swap on the order's dev fee columns.",
                   {"dev_fee_address": DEV_FEE_TEST_ADDRESS})
    o = new_sell(f, 281, rid=1)
    f.tick()
    traded(f, o, 282, 2)
    to_success(f, o, 283, 3)
    f.note("T0+61: success with dev_fee 180 (round(600 x 0.30)), unpaid, no hash: claimed (PENDING-<uuid>-<now>) "
           "and resolved with the LUD-12 comment.")
    r = {}

    def resolve():
        r["n"] = dev_fee_resolve(f, o, DEV_FEE_TEST_ADDRESS)

    f.tick_to(T0 + 61, {"dev_fee": resolve})
    f.note("The address does not answer: the claim is released.")
    f.inp(ln_result(r["n"], "resolve_lnurl", error={"kind": "lnurl", "message": "http_status: 404",
                                                    "reason": "http_status"}))
    f.note("T0+121: claimed again; the invoice is resolved, its hash kept, then paid; the payment FAILS: the hash "
           "stays (mostrod's handle_payment_failure).")
    f.tick(60, {"dev_fee": resolve})
    f.inp(ln_result(r["n"], "resolve_lnurl", {"payment_request": INV_FEE_180, "amount_msat": 180000,
                                              "callback_url": "https://example.com/cb", "comment_sent": True,
                                              "description_hash_matches": True}))
    p = f.next_ln()
    f.out(ln_op(p, "pay_invoice", {"payment_request": INV_FEE_180, "amount_sat": 180, "fee_limit_sat": 10}))
    f.inp(ln_event(p, "pay_invoice", {"payment_hash": HASH_FEE_180, "status": "FAILED",
                                      "failure_reason": "FAILURE_REASON_NO_ROUTE"}))
    f.inp(ln_result(p, "pay_invoice", {"payment_hash": HASH_FEE_180, "status": "FAILED"}))
    f.note("T0+181: phase 3 asks the node about the kept hash: FAILED: the hash is cleared.")
    s = {}

    def status():
        s["n"] = f.next_ln()
        f.out(ln_op(s["n"], "payment_status", {"hash": HASH_FEE_180}))

    f.tick(60, {"dev_fee": status})
    f.inp(ln_result(s["n"], "payment_status", {"payment_hash": HASH_FEE_180, "status": "FAILED"}))
    f.note("T0+241: claimed again; the resolution never answers.")
    f.tick(60, {"dev_fee": resolve})
    late = r["n"]
    f.note("T0+301: the resolution is 60 s old (> 20 s): dropped, its claim released; claimed again at once.")
    f.tick(60, {"dev_fee": resolve})
    f.note("The dropped resolution answers late: ignored (its intent is closed).")
    f.inp(ln_result(late, "resolve_lnurl", {"payment_request": INV_FEE_180, "amount_msat": 180000,
                                            "callback_url": "https://example.com/cb", "comment_sent": True,
                                            "description_hash_matches": True}))
    f.note("The new one is paid: dev_fee_paid, and the kind 8383 audit event with the node's hash.")
    dev_fee_pays(f, o, r["n"], DEV_FEE_TEST_ADDRESS, INV_FEE_180_B, HASH_FEE_180_B)
    f.note("T0+361: paid: nothing to do.")
    f.tick(60)
    return f


INFO_CONFIG = {"fee": 0.006, "pow": 2, "pow_first_contact": 8, "fiat_currencies_accepted": ["USD", "EUR"],
               "name": "  Test Mostro  ", "max_order_amount": 500000, "expiration_seconds": 600}


def info_flow(name, transport, title):
    f = Flow(name, title, dict(INFO_CONFIG, transport=transport))
    start(f)
    f.note("T0+1: the first run (the node answered get_info): 38385 (d = Mostro's pubkey, no expiration), "
           "then the 10002 relay list.")
    f.tick()
    f.note("T0+61 .. T0+241: the relay list every 60 s; T0+301: the info event again (every 300 s).")
    for _ in range(5):
        f.tick(60)
    return f


def info_nip44():
    return info_flow("info-nip44", "nip44", "§3.7 kind 38385 on transport nip44 (v2): protocol_version 2, "
                     "pow_first_contact = max(pow, pow_first_contact) = 8, fee 0.006 in Rust Display, the real "
                     "invoice_expiration_window (3600, mostro#895; 0.18.5 sent the hold window 300), lnd_* tags "
                     "from get_info, the y tag with the trimmed name, bond_enabled false.")


def info_gift_wrap():
    return info_flow("info-gift-wrap", "gift-wrap", "§3.7 kind 38385 on transport gift-wrap (v1): protocol_version "
                     "1, pow_first_contact = pow (2: the first-contact gate is v2's).")


def info_both():
    return info_flow("info-both", "both", "§3.7 kind 38385 with transport = both (ours): protocol_version 2 as a "
                     "v2 node, the v2 pow_first_contact, and a last tag of ours, protocol_versions \"1,2\".")


def relay_list():
    f = Flow("relay-list", "§3.7 kind 10002 every publish_relays_interval (30 here): an r tag per configured relay "
             "(mostrod lists the relays it is connected to; the engine has no connection: the configured ones).",
             {"relays": ["wss://relay.one", "wss://relay.two", "ws://127.0.0.1:7000"], "publish_relays_interval": 30,
              "publish_mostro_info_interval": 86400})
    start(f)
    f.tick()
    f.note("T0+31: again; T0+60: not yet; T0+61: again (created_at increases: a replaceable event).")
    f.tick(30)
    f.tick(29)
    f.tick(1)
    return f


def metadata():
    f = Flow("metadata", "§3.0 kind 0 metadata at boot, when [mostro] name/about/picture/website is set: content in "
             "nostr's Metadata field order (name, about, website, picture); URLs as Url::parse writes them "
             "(scheme and host lower-cased, an empty path /); one that does not parse (no scheme) is left out. "
             "Kind 0 does not wait for the node (mostrod publishes it before connecting to LND).",
             {"name": "Mostro Test", "about": "A test node: \"quotes\" and a\ttab",
              "picture": "HTTPS://Example.COM", "website": "example.com/home",
              "publish_relays_interval": 86400, "publish_mostro_info_interval": 86400})
    f.note("T0: kind 0 at once; the node's jobs wait for get_info.")
    start(f)
    f.note("T0+1: the info event (its y tag carries the name) and the relay list; no second kind 0 in this run.")
    f.tick()
    f.tick(60)
    return f


def rating_event(f, d, reviews, total, last, mx, mn):
    """§5 a kind 38384 as queued when the vote counted: d = the rater's own trade key [quirk §11.3]."""
    return {"kind": 38384, "tags": [["d", d], ["expiration", str(f.now + 90 * DAY)], ["total_reviews", str(reviews)],
                                    ["total_rating", rust_display(total)], ["last_rating", str(last)],
                                    ["max_rate", str(mx)], ["min_rate", str(mn)], ["z", "rating"], ["days", "0"]],
            "content": "", "created_at": f.now}


def rating_flush():
    f = Flow("rating-flush", "§5 the rating flush job (every user_rates_sent_interval_seconds, 120 here): the 38384 "
             "events queued by rate-user are published in the order the votes counted, then the queue is empty.",
             {"user_rates_sent_interval_seconds": 120, "publish_relays_interval": 86400,
              "publish_mostro_info_interval": 86400})
    start(f)
    f.tick()
    o = new_sell(f, 291, rid=1)
    f.tick()
    traded(f, o, 292, 2)
    to_success(f, o, 293, 3)
    f.note("S rates B 4, B rates S 5: rate-received to each; the events wait in the queue.")
    rate(f, o, 296, S_TRADE, S_ID, 4, 6)
    f.ratings.append(rating_event(f, S_TRADE, 1, 2.0, 4, 4, 4))
    rate(f, o, 297, B_TRADE, B_ID, 5, 7)
    f.ratings.append(rating_event(f, B_TRADE, 1, 2.5, 5, 5, 5))
    f.note("T0+61: not yet (the flush ran at T0+1 with an empty queue); the dev fee job pays the dev fee.")
    r = {}
    f.tick_to(T0 + 61, {"dev_fee": lambda: r.update(n=dev_fee_resolve(f, o))})
    dev_fee_pays(f, o, r["n"])
    f.note("T0+121: the flush: both events; T0+241: the queue is empty, nothing.")
    f.tick_to(T0 + 121)
    f.tick_to(T0 + 241)
    return f


FLOWS_TIMERS = [expire, timeout_wbi_sell, timeout_wp_buy, timeout_wbi_buy, timeout_wp_sell, guardian_active,
                guardian_fiat_sent, guardian_fallback, dev_fee, info_nip44, info_gift_wrap, info_both, relay_list,
                metadata, rating_flush]


FLOWS = [sell_happy, buy_happy, range_child, market_premium, cancels, payment_retry, intake, ln_address] + FLOWS_ENGINE2 + FLOWS_TIMERS

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for make in FLOWS:
        make().write(out)
    with open(os.path.join(out, "seed"), "w") as fh:
        fh.write(SEED + "\n")
