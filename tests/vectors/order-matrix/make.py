#!/usr/bin/env python3
"""Writes matrix.jsonl, the authorization matrix of mostro-order run:
action x sender role x order status, one row per cell, each with what
DAEMON.md (mostrod 0.18.5) says happens and the section and check number
that decides it.

The expectations come from a model of DAEMON.md's guard tables and matrices
written here (one function per action, the checks in DAEMON.md's order; the
mostrod source where DAEMON.md is unclear, said so at the row), never from
the engine. tests/unit/test_order_matrix.c builds each cell's fixture by
driving the engine through real inputs (the fixture's steps), checks the
fixture's state, sends the cell's action from its role and compares the
engine's outputs and the order's row with the cell's row.

Lines of matrix.jsonl:
  {"note": text}
  {"fixture": NAME, "family": F, "kind": "sell"|"buy", "steps": [STEP...],
   "state": STATE|null, "needs_job": JOB|null}
  {"cell": N, "fixture": NAME, "action": A, "as": ROLE, "ref": "§...",
   "expect": {"out": [TOKEN...], "state": STATE|null}, "xfail"?: reason}

One engine runs per family (its cells in file order, each on its own order
and its own keys; only Mostro's key is shared, and the model follows what
it did across the family's cells).

Roles: maker, taker (the key that takes or took the order), stranger, solver
(a read-write solver no dispute is assigned to), admin (Mostro's key); in
the admin family rw and rw2 (read-write solvers), ro and ro2 (read-only).
maker, taker and stranger write from a trade key with an identity key
(reputation mode, a trade index on new-order and take-*); solvers and
Mostro's key write with identity = trade key. For trade-pubkey the maker
writes from a new trade key (maker2) with its identity.

STEP (what the driver does; it answers Lightning ops as mostro-ln run would):
  {"do":"msg","as":ROLE,"action":A[,"invoice":true][,"expires":"now"]}
  {"do":"ln","op":OP}             answer the newest open OP with success
  {"do":"accept"}                 the watch reports ACCEPTED (the seller paid)
  {"do":"pay","outcome":"succeed"|"fail"}   the newest pay_invoice ends so
  {"do":"add-solver","who":ROLE,"level":"write"|"read"}   admin-add-solver from Mostro's key
  {"do":"tick","dt":N}

TOKEN (one output of the engine, in order):
  "dm <to> <action> <rid> <payload>[ @<channel>][ <detail>]"
      to: a role name (its trade key; "<role>.id" for an identity key);
      rid: "rid" (the cell's request_id, above 2^63 to check the u64 echo),
      "-" (null), "old" (another request's); payload: the payload's key
      or null; channel when not "order"; detail: the cant_do reason,
      "ti=N" (last-trade-index), "orders=N disputes=M" (restore-session)
  "ev 38383 <s>" / "ev 38386 <s>"  (" other" when d is not the cell's order)
  "ln <op>"
  In the act phase the driver answers create_hold_invoice,
  settle_hold_invoice and cancel_hold_invoice with success (what follows
  them is part of the cell); watches and payments stay open.

STATE (the order's row, from ctl order / ctl disputes; a cell's expect.state
lists only the fields its action changes, the rest are the fixture's):
  status, creator, buyer, seller, cancel_initiator (roles or null),
  buyer_dispute, seller_dispute, buyer_coop, seller_coop, buyer_rated,
  seller_rated, hash, invoice, payout (payout_payment_hash set),
  failed_payment (booleans), attempts, dispute ({status, solver} or null).

Run: python3 tests/vectors/order-matrix/make.py tests/vectors/order-matrix
"""
import copy
import json
import os
import sys

RID = "rid"

# ------------------------------------------------------------ DAEMON.md facts

# §1.2: the 38383 `s` tag per status and kind (None: not published)
PUBLISH = {
    "pending": ("pending", "pending"),
    "waiting-buyer-invoice": (None, "in-progress"),   # (buy, sell)
    "waiting-payment": ("in-progress", None),
    "active": (None, None), "fiat-sent": (None, None), "settled-hold-invoice": (None, None),
    "dispute": (None, None), "success": ("success", "success"),
    "canceled": ("canceled", "canceled"), "canceled-by-admin": ("canceled", "canceled"),
    "cooperatively-canceled": ("canceled", "canceled"), "expired": ("canceled", "canceled"),
}

# §7 restore-session: statuses left out (mostro#882 followed: hyphenated names)
RESTORE_EXCLUDED = {"expired", "success", "canceled", "dispute", "canceled-by-admin",
                    "cooperatively-canceled", "completed-by-admin", "settled-by-admin"}

CANCELED_ANY = {"canceled", "cooperatively-canceled", "canceled-by-admin"}


def s_tag(st, status):
    buy, sell = PUBLISH[status]
    return buy if st["kind"] == "buy" else sell


# ------------------------------------------------------------------ states

def base_state():
    return {"status": None, "creator": None, "buyer": None, "seller": None, "cancel_initiator": None,
            "buyer_dispute": False, "seller_dispute": False, "buyer_coop": False, "seller_coop": False,
            "buyer_rated": False, "seller_rated": False, "hash": False, "invoice": False,
            "payout": False, "failed_payment": False, "attempts": 0, "dispute": None,
            # model-only facts (not compared): removed before writing
            "_kind": None, "_window": True, "_master_buyer": None, "_master_seller": None,
            "_users": {}}


def public(st):
    if st is None:
        return None
    return {k: v for k, v in st.items() if not k.startswith("_")}


# The users rows of the roles after a fixture: identity -> last_trade_index.
# Solvers have a row (admin-add-solver, trade_index null: 0).

class Fixture:
    def __init__(self, name, family, kind, steps, st, needs_job=None):
        self.name, self.family, self.kind, self.steps, self.st, self.needs_job = \
            name, family, kind, steps, st, needs_job


def msg(as_, action, **kw):
    d = {"do": "msg", "as": as_, "action": action}
    d.update(kw)
    return d


def ln(op):
    return {"do": "ln", "op": op}


def solver_steps(family):
    if family == "admin":
        return [{"do": "add-solver", "who": "rw", "level": "write"},
                {"do": "add-solver", "who": "ro", "level": "read"},
                {"do": "add-solver", "who": "rw2", "level": "write"},
                {"do": "add-solver", "who": "ro2", "level": "read"}]
    return [{"do": "add-solver", "who": "solver", "level": "write"}]


def solver_users(family):
    if family == "admin":
        return {"rw": 0, "ro": 0, "rw2": 0, "ro2": 0}
    return {"solver": 0}


def trade_fixtures(kind, family):
    """The order statuses of §1.1 a trade of this kind goes through, each as
    the inputs that reach it and the row they leave."""
    buyer_role, seller_role = ("taker", "maker") if kind == "sell" else ("maker", "taker")
    take = "take-sell" if kind == "sell" else "take-buy"
    pre = solver_steps(family)
    fx = {}

    def st_new(window=True):
        st = base_state()
        st.update(status="pending", creator="maker", _kind=kind, _window=window, _users=solver_users(family))
        st["_users"]["maker"] = 1
        if kind == "sell":
            st.update(seller="maker", _master_seller="maker")
        else:
            st.update(buyer="maker", _master_buyer="maker")
        return st

    def add(name, steps, st, needs_job=None):
        fx[name] = Fixture(f"{family}:{name}", family, kind, pre + steps, st, needs_job)

    add("none", [], None)
    new = [msg("maker", "new-order", kind=kind)]
    add("pending", new, st_new())
    add("pending-closed", [msg("maker", "new-order", kind=kind, expires="now")], st_new(window=False))

    def taken(st):
        st = copy.deepcopy(st)
        st["_users"]["taker"] = 1
        if kind == "sell":
            st.update(buyer="taker", _master_buyer="taker")
        else:
            st.update(seller="taker", _master_seller="taker")
        return st

    if kind == "sell":
        # §1.3 take-sell without invoice -> waiting-buyer-invoice; with one -> §1.4
        wbi_steps = new + [msg("taker", take)]
        st = taken(st_new())
        st["status"] = "waiting-buyer-invoice"
        add("waiting-buyer-invoice", wbi_steps, st)
        wp_steps = new + [msg("taker", take, invoice=True), ln("create_hold_invoice")]
        st = taken(st_new())
        st.update(status="waiting-payment", hash=True, invoice=True)
        add("waiting-payment", wp_steps, st)
        active_steps = wp_steps + [{"do": "accept"}]
        st_active = copy.deepcopy(st)
        st_active["status"] = "active"
    else:
        # §1.3 take-buy -> §1.4 waiting-payment; §1.5 ACCEPTED without invoice ->
        # waiting-buyer-invoice; add-invoice -> active
        wp_steps = new + [msg("taker", take), ln("create_hold_invoice")]
        st = taken(st_new())
        st.update(status="waiting-payment", hash=True)
        add("waiting-payment", wp_steps, st)
        wbi_steps = wp_steps + [{"do": "accept"}]
        st = copy.deepcopy(st)
        st["status"] = "waiting-buyer-invoice"
        add("waiting-buyer-invoice", wbi_steps, st)
        active_steps = wbi_steps + [msg("maker", "add-invoice")]
        st_active = copy.deepcopy(st)
        st_active.update(status="active", invoice=True)
    add("active", active_steps, st_active)
    # §1.3 cancel, first of the two parties: the flag and the initiator
    for who in ("maker", "taker"):
        st = copy.deepcopy(st_active)
        side = "buyer" if who == buyer_role else "seller"
        st[side + "_coop"] = True
        st["cancel_initiator"] = who
        add(f"active-coop-{who}", active_steps + [msg(who, "cancel")], st)
    fs_steps = active_steps + [msg(buyer_role, "fiat-sent")]
    st_fs = copy.deepcopy(st_active)
    st_fs["status"] = "fiat-sent"
    add("fiat-sent", fs_steps, st_fs)
    # §6 dispute opened by the taker after fiat-sent
    st = copy.deepcopy(st_fs)
    st["status"] = "dispute"
    st["buyer_dispute" if buyer_role == "taker" else "seller_dispute"] = True
    st["dispute"] = {"status": "initiated", "solver": None}
    dispute_steps = fs_steps + [msg("taker", "dispute")]
    add("dispute", dispute_steps, st)
    # §1.3 release: settled-hold-invoice with the payout in flight (§4.2 claim)
    shi_steps = fs_steps + [msg(seller_role, "release"), ln("settle_hold_invoice")]
    st_shi = copy.deepcopy(st_fs)
    st_shi.update(status="settled-hold-invoice", payout=True)
    add("settled-hold-invoice", shi_steps, st_shi)
    # §3.4 the first attempt failed: failed_payment, attempts 1, no payout in flight
    st = copy.deepcopy(st_shi)
    st.update(payout=False, failed_payment=True, attempts=1)
    add("settled-hold-invoice-failed", shi_steps + [{"do": "pay", "outcome": "fail"}], st)
    st = copy.deepcopy(st_shi)
    st.update(status="success", payout=False)
    add("success", shi_steps + [{"do": "pay", "outcome": "succeed"}], st)
    st = st_new()
    st["status"] = "canceled"
    add("canceled", new + [msg("maker", "cancel")], st)
    st = copy.deepcopy(st_active)
    st.update(status="cooperatively-canceled", buyer_coop=True, seller_coop=True, cancel_initiator="maker")
    add("cooperatively-canceled", active_steps + [msg("maker", "cancel"), msg("taker", "cancel"),
                                                   ln("cancel_hold_invoice")], st)
    # §6: the solver takes the taker's dispute and cancels (canceled-by-admin)
    st = copy.deepcopy(fx["dispute"].st)
    st.update(status="canceled-by-admin", dispute={"status": "seller-refunded", "solver": "solver"})
    add("canceled-by-admin", dispute_steps + [msg("solver", "admin-take-dispute"), msg("solver", "admin-cancel"),
                                              ln("cancel_hold_invoice")], st)
    return fx


def expired_fixtures(kind):
    """§3.1: a pending order past its expires_at, expired by the job at a tick."""
    pre = solver_steps("timed")
    st = base_state()
    st.update(status="expired", creator="maker", _kind=kind, _window=False, _users=solver_users("timed"))
    st["_users"]["maker"] = 1
    if kind == "sell":
        st.update(seller="maker", _master_seller="maker")
    else:
        st.update(buyer="maker", _master_buyer="maker")
    steps = pre + [msg("maker", "new-order", kind=kind, expires="now"), {"do": "tick", "dt": 61}]
    return {"expired": Fixture(f"timed:{kind}:expired", "timed", kind, steps, st, "expire_pending")}


def admin_fixtures():
    """§6: a sell order, taken with an invoice and paid (active), its dispute in
    each state, and the four solvers registered."""
    kind = "sell"
    pre = solver_steps("admin")
    new = [msg("maker", "new-order", kind=kind)]
    active = new + [msg("taker", "take-sell", invoice=True), ln("create_hold_invoice"), {"do": "accept"}]
    st = base_state()
    st.update(status="active", creator="maker", seller="maker", buyer="taker", hash=True, invoice=True,
              _kind=kind, _master_seller="maker", _master_buyer="taker", _users=solver_users("admin"))
    st["_users"].update(maker=1, taker=1)
    fx = {}

    def add(name, steps, s):
        fx[name] = Fixture(f"admin:{name}", "admin", kind, pre + steps, s)

    add("none", [], None)
    add("active", active, copy.deepcopy(st))
    dis = active + [msg("taker", "dispute")]
    sd = copy.deepcopy(st)
    sd.update(status="dispute", buyer_dispute=True, dispute={"status": "initiated", "solver": None})
    add("dispute-initiated", dis, sd)
    for who in ("rw", "ro", "admin"):
        s = copy.deepcopy(sd)
        s["dispute"] = {"status": "in-progress", "solver": who}
        add(f"dispute-{who}", dis + [msg(who, "admin-take-dispute")], s)
    taken_rw = dis + [msg("rw", "admin-take-dispute")]
    s = copy.deepcopy(sd)
    s.update(status="cooperatively-canceled", buyer_coop=True, seller_coop=True, cancel_initiator="maker",
             dispute={"status": "seller-refunded", "solver": "rw"})
    add("coop-canceled-in-dispute", taken_rw + [msg("maker", "cancel"), msg("taker", "cancel"),
                                                ln("cancel_hold_invoice")], s)
    s = copy.deepcopy(sd)
    s.update(status="canceled-by-admin", dispute={"status": "seller-refunded", "solver": "rw"})
    add("canceled-by-admin", taken_rw + [msg("rw", "admin-cancel"), ln("cancel_hold_invoice")], s)
    s = copy.deepcopy(sd)
    s.update(status="settled-hold-invoice", payout=True, dispute={"status": "settled", "solver": "rw"})
    add("settled-by-admin", taken_rw + [msg("rw", "admin-settle"), ln("settle_hold_invoice")], s)
    s = copy.deepcopy(sd)
    s.update(status="settled-hold-invoice", payout=True, dispute={"status": "settled", "solver": None})
    add("released-in-dispute", dis + [msg("maker", "release"), ln("settle_hold_invoice")], s)
    return fx


# ------------------------------------------------------------------ the model

class Family:
    """What Mostro's key (the one key shared by every cell of a family) holds:
    orders it made or took, as [master side, status]."""

    def __init__(self):
        self.admin_orders = []


def role_is_party(st, role):
    return role in (st["buyer"], st["seller"])


def dm(to, action, rid, payload="null", channel=None, detail=None):
    t = f"dm {to} {action} {rid} {payload}"
    if channel:
        t += f" @{channel}"
    if detail:
        t += f" {detail}"
    return t


def cant(role, reason):
    return [dm(role, "cant-do", RID, "cant_do", detail=reason)]


class Outcome:
    def __init__(self, ref, out, st, summary):
        self.ref, self.out, self.st, self.summary = ref, out, st, summary


def refused(ref, role, reason, st):
    return Outcome(ref, cant(role, reason), st, f"cant-do {reason}")


def silent(ref, st):
    return Outcome(ref, [], st, "silent")


def identity_master_in(fam, st, role, side, status):
    """take #2: the role's identity is the master buyer (seller) of an order
    in `status`: this cell's order, or (Mostro's key) an earlier cell's."""
    if st is not None and st["_master_" + side] == role and st["status"] == status:
        return True
    if role == "admin":
        return any(s == side and stat == status for s, stat in fam.admin_orders)
    return False


FULL_PRIVACY = {"solver", "rw", "ro", "rw2", "ro2", "admin"}     # identity == trade key


def sent_index(role, users, variant):
    """The trade_index the driver sends on new-order/take-*: the next one in
    reputation mode, none in full privacy; variants: ti0 (0 from everyone),
    ti-repeat (the last one again), no-ti (none)."""
    if variant == "ti0":
        return 0
    if variant == "no-ti" or role in FULL_PRIVACY:
        return None
    last = users.get(role, 0)
    return last if variant == "ti-repeat" else last + 1


def intake_index(role, users, action, variant, st):
    """§9 step 8 (new-order, take-*), then the handlers' own #8/#11: None
    when the message goes on, else its Outcome."""
    ti = sent_index(role, users, variant)
    if role in users:
        if ti is not None and ti >= 1 and ti <= users[role]:
            return refused("§9 trade index: not above users.last_trade_index", role, "invalid_trade_index", st)
    elif ti == 0:
        return silent("§9 trade index: 0 from a new user (dropped)", st)
    if ti is None and role not in FULL_PRIVACY:
        n = "#8" if action == "new-order" else "#11"
        return "deferred-silent:" + f"§1.3 {action} {n} (no trade index in reputation mode)"
    return None


def m_take(fam, st, role, action, variant, users):
    kind_needed = "sell" if action == "take-sell" else "buy"
    side = "buyer" if action == "take-sell" else "seller"
    pending_status = "waiting-buyer-invoice" if action == "take-sell" else "waiting-payment"
    ref = f"§1.3 {action}"
    early = intake_index(role, users, action, variant, st)
    if isinstance(early, Outcome):
        return early
    if st is None:
        return refused(f"{ref} #1", role, "not_found", st)
    if identity_master_in(fam, st, role, side, pending_status):
        return refused(f"{ref} #2", role, "pending_order_exists", st)
    if st["_kind"] != kind_needed:
        return refused(f"{ref} #3", role, "invalid_order_kind", st)
    if st["status"] != "pending":
        return refused(f"{ref} #4", role, "invalid_order_status", st)
    if not st["_window"]:
        return refused(f"{ref} #5", role, "invalid_order_status", st)
    if role == "maker":
        return refused(f"{ref} #6", role, "invalid_pubkey", st)
    if action == "take-sell" and variant == "bad-invoice":
        return refused(f"{ref} #10", role, "invalid_invoice", st)
    if early:
        return silent(early.split(":", 1)[1], st)
    n = copy.deepcopy(st)
    if action == "take-sell" and variant != "invoice":
        # no invoice: waiting-buyer-invoice; add-invoice to the buyer (amount - fee),
        # waiting-buyer-invoice to the seller, then 38383 in-progress
        n.update(status="waiting-buyer-invoice", buyer=role, _master_buyer=role)
        out = [dm(role, "add-invoice", RID, "order"), dm("maker", "waiting-buyer-invoice", RID),
               "ev 38383 in-progress"]
        if role == "admin":
            fam.admin_orders.append(("buyer", "waiting-buyer-invoice"))
        return Outcome(f"{ref} (no invoice)", out, n, "waiting-buyer-invoice")
    if action == "take-sell":
        # with an invoice: §1.4, a sell order: no 38383 [quirk §11.1]
        n.update(status="waiting-payment", buyer=role, _master_buyer=role, hash=True, invoice=True)
        out = ["ln create_hold_invoice", dm("maker", "pay-invoice", RID, "payment_request"),
               dm(role, "waiting-seller-to-pay", RID), "ln watch_invoice"]
        if role == "admin":
            fam.admin_orders.append(("buyer", "waiting-payment"))
        return Outcome(f"{ref} (invoice) → §1.4 [quirk §11.1]", out, n, "waiting-payment")
    # take-buy (a supplied invoice is ignored): §1.4 show hold invoice: the hold
    # invoice, then waiting-payment, 38383 in-progress (buy order), pay-invoice to
    # the seller, waiting-seller-to-pay to the buyer, the watch
    n.update(status="waiting-payment", seller=role, _master_seller=role, hash=True)
    out = ["ln create_hold_invoice", "ev 38383 in-progress", dm(role, "pay-invoice", RID, "payment_request"),
           dm("maker", "waiting-seller-to-pay", RID), "ln watch_invoice"]
    if role == "admin":
        fam.admin_orders.append(("seller", "waiting-payment"))
    return Outcome(f"{ref} → §1.4", out, n, "waiting-payment")


def m_add_invoice(fam, st, role, variant):
    ref = "§1.3 add-invoice"
    if st is None:
        return refused(f"{ref} #1", role, "not_found", st)
    if st["buyer"] is None:
        return silent(f"{ref} #2", st)
    if role != st["buyer"]:
        return refused(f"{ref} #3", role, "invalid_peer", st)
    if variant == "bad-amount":
        return refused(f"{ref} #4 (99000 sat, not amount - fee)", role, "invalid_invoice", st)
    status = st["status"]
    n = copy.deepcopy(st)
    if status == "settled-hold-invoice":
        # replace the payout invoice, guarded by no payout in flight
        if st["payout"]:
            return refused(f"{ref} #5 (replace: a payout in flight)", role, "not_allowed_by_status", st)
        n.update(attempts=0, invoice=True)
        return Outcome(f"{ref} #5 replace payout invoice", [dm(role, "invoice-updated", RID)], n, "invoice-updated")
    if status != "waiting-buyer-invoice":
        return refused(f"{ref} #5", role, "not_allowed_by_status", st)
    seller = st["seller"]
    if st["hash"]:
        # buy order whose seller already paid: active
        n.update(status="active", invoice=True)
        out = [dm(seller, "buyer-took-order", "-", "order"), dm(role, "hold-invoice-payment-accepted", RID, "order")]
        return Outcome(f"{ref} (paid) → active", out, n, "active")
    # sell order: the buyer's reputation to the seller, then §1.4
    n.update(status="waiting-payment", invoice=True, hash=True)
    out = [dm(seller, "pay-invoice", "-", "peer"), "ln create_hold_invoice",
           dm(seller, "pay-invoice", RID, "payment_request"), dm(role, "waiting-seller-to-pay", RID),
           "ln watch_invoice"]
    return Outcome(f"{ref} → §1.4", out, n, "waiting-payment")


def m_fiat_sent(fam, st, role, variant):
    ref = "§1.3 fiat-sent"
    if st is None:
        return refused(f"{ref} #1", role, "not_found", st)
    if st["status"] != "active":
        return refused(f"{ref} #2", role, "invalid_order_status", st)
    if role != st["buyer"]:
        return refused(f"{ref} #3", role, "invalid_pubkey", st)
    if variant == "text":
        return silent(f"{ref} #4 (a text_message payload)", st)
    n = copy.deepcopy(st)
    n["status"] = "fiat-sent"
    out = [dm(st["seller"], "fiat-sent-ok", "-", "peer"), dm(role, "fiat-sent-ok", RID, "peer")]
    return Outcome(ref, out, n, "fiat-sent")


def m_release(fam, st, role, variant):
    ref = "§1.3 release"
    if st is None:
        return refused(f"{ref} #1", role, "not_found", st)
    if st["buyer"] is None or st["seller"] is None:
        return silent(f"{ref} #2", st)
    if role != st["seller"]:
        return refused(f"{ref} #3", role, "invalid_peer", st)
    if st["status"] not in ("fiat-sent", "dispute"):
        return refused(f"{ref} #4", role, "not_allowed_by_status", st)
    if variant == "text":
        return silent(f"{ref} #5 (a text_message payload)", st)
    n = copy.deepcopy(st)
    n.update(status="settled-hold-invoice", payout=True)
    out = ["ln settle_hold_invoice"]
    if st["dispute"]:
        # §6 auto-close: the dispute settled, 38386
        n["dispute"] = dict(st["dispute"], status="settled")
        out.append("ev 38386 settled")
    out += [dm(st["buyer"], "released", "-"), dm(role, "hold-invoice-payment-settled", RID), dm(role, "rate", "-"),
            "ln pay_invoice"]
    return Outcome(f"{ref} → §4.2", out, n, "settled-hold-invoice")


def m_cancel(fam, st, role):
    ref = "§1.3 cancel"
    if st is None:
        return refused(f"{ref} (lookup)", role, "not_found", st)
    status = st["status"]
    if status in CANCELED_ANY:
        return refused(f"{ref}: {status} x any", role, "order_already_canceled", st)
    n = copy.deepcopy(st)
    taker = "taker" if role_is_party(st, "taker") else None
    if status == "pending":
        if role != "maker":
            return refused(f"{ref}: pending x someone else", role, "is_not_your_order", st)
        n["status"] = "canceled"
        return Outcome(f"{ref}: pending x maker", ["ev 38383 canceled", dm("maker", "canceled", RID)], n, "canceled")
    if status in ("waiting-payment", "waiting-buyer-invoice"):
        if role == "maker":
            n["status"] = "canceled"
            out = ["ev 38383 canceled"] + (["ln cancel_hold_invoice"] if st["hash"] else []) + \
                  [dm("maker", "canceled", RID), dm(taker, "canceled", "-")]
            return Outcome(f"{ref}: waiting-* x maker", out, n, "canceled")
        if role == taker:
            # back to pending: hash, preimage, invoice cleared, taker keys cleared
            n.update(status="pending", hash=False, invoice=False)
            side = "buyer" if st["buyer"] == "taker" else "seller"
            n[side] = None
            n["_master_" + side] = None
            out = (["ln cancel_hold_invoice"] if st["hash"] else []) + \
                  [dm(role, "canceled", RID), "ev 38383 pending", dm("maker", "new-order", RID, "order")]
            return Outcome(f"{ref}: waiting-* x taker", out, n, "pending")
        return refused(f"{ref}: waiting-* x anyone else", role, "invalid_pubkey", st)
    if status in ("active", "fiat-sent", "dispute"):
        if not role_is_party(st, role):
            return refused(f"{ref}: active/fiat-sent/dispute x third party", role, "invalid_pubkey", st)
        me = "buyer" if role == st["buyer"] else "seller"
        other = st["seller"] if me == "buyer" else st["buyer"]
        initiator = st["cancel_initiator"]
        if initiator is None:
            n[me + "_coop"] = True
            n["cancel_initiator"] = role
            out = [dm(role, "cooperative-cancel-initiated-by-you", RID),
                   dm(other, "cooperative-cancel-initiated-by-peer", "-")]
            return Outcome(f"{ref}: first of the two parties", out, n, "cooperative cancel initiated")
        if initiator == role:
            return refused(f"{ref}: the same initiator again", role, "invalid_pubkey", st)
        # the counterparty accepts (mostrod sets its flag too)
        n[me + "_coop"] = True
        n["status"] = "cooperatively-canceled"
        out = ["ln cancel_hold_invoice", "ev 38383 canceled", dm(role, "cooperative-cancel-accepted", RID),
               dm(initiator, "cooperative-cancel-accepted", "-")]
        if st["dispute"]:
            n["dispute"] = dict(st["dispute"], status="seller-refunded")
            out.append("ev 38386 seller-refunded")
        return Outcome(f"{ref}: the counterparty accepts", out, n, "cooperatively-canceled")
    return refused(f"{ref}: anything else ({status})", role, "not_allowed_by_status", st)


def m_dispute(fam, st, role):
    ref = "§6 dispute"
    if st is None:
        # #1 id present; #2 no dispute row; #3 the order
        return refused(f"{ref} #3", role, "not_found", st)
    if st["dispute"] is not None:
        return silent(f"{ref} #2 [quirk §11.12]", st)
    if st["status"] not in ("active", "fiat-sent"):
        return refused(f"{ref} #4", role, "not_allowed_by_status", st)
    if not role_is_party(st, role):
        return refused(f"{ref} #6", role, "invalid_pubkey", st)
    me = "buyer" if role == st["buyer"] else "seller"
    other = st["seller"] if me == "buyer" else st["buyer"]
    n = copy.deepcopy(st)
    n["status"] = "dispute"
    n[me + "_dispute"] = True
    n["dispute"] = {"status": "initiated", "solver": None}
    out = [dm(other, "dispute-initiated-by-peer", RID, "dispute"), dm(role, "dispute-initiated-by-you", RID, "dispute"),
           "ev 38386 initiated"]
    return Outcome(ref, out, n, "dispute")


def m_rate_user(fam, st, role, variant):
    ref = "§5 rate-user"
    if st is None:
        return refused(f"{ref} #1", role, "not_found", st)
    if st["buyer"] is None or st["seller"] is None:
        return silent(f"{ref} #2", st)
    status = st["status"]
    if not (status == "success" or (status == "settled-hold-invoice" and role == st["seller"])):
        return refused(f"{ref} #3", role, "invalid_order_status", st)
    if not role_is_party(st, role):
        return silent(f"{ref} #4 (not a party)", st)
    me = "buyer" if role == st["buyer"] else "seller"
    if st[me + "_rated"]:
        return silent(f"{ref} #4 (rated already)", st)
    if variant == "6":
        return silent(f"{ref} #5 (rating 6)", st)
    n = copy.deepcopy(st)
    n[me + "_rated"] = True
    return Outcome(ref, [dm(role, "rate-received", RID, "rating_user")], n, "rate-received (38384 queued)")


def m_trade_pubkey(fam, st, role):
    ref = "§7 trade-pubkey"
    who = "maker2" if role == "maker" else role
    if st is None:
        return refused(f"{ref} #1", who, "not_found", st)
    if st["status"] != "pending":
        return refused(f"{ref} #2", who, "invalid_order_status", st)
    maker_side = "seller" if st["_kind"] == "sell" else "buyer"
    if st["_master_" + maker_side] != role:
        return silent(f"{ref} #3", st)
    n = copy.deepcopy(st)
    n["creator"] = "maker2"
    n[maker_side] = "maker2"
    return Outcome(f"{ref} (mostro#903)", [dm(who, "trade-pubkey", RID)], n, "the maker's key rotated")


def m_admin_common(fam, st, role, action):
    """§6 admin-settle / admin-cancel common checks 1-5 (mostrod
    is_assigned_solver: a dispute row of the order whose solver is the caller's
    identity, in any status; ensure_dispute_finalize_permission)."""
    ref = f"§6 {action}"
    if st is None:
        return refused(f"{ref} #1", role, "not_found", st), None
    d = st["dispute"]
    if d is None or d["solver"] != role:
        if d is not None and d["status"] == "in-progress" and d["solver"] == "admin":
            return refused(f"{ref} #2", role, "dispute_taken_by_admin", st), None
        return refused(f"{ref} #2", role, "is_not_your_dispute", st), None
    if role != "admin" and role not in ("solver", "rw", "rw2"):
        return refused(f"{ref} #3", role, "not_authorized", st), None
    if st["status"] == "cooperatively-canceled":
        return Outcome(f"{ref} #4", [dm(role, "cooperative-cancel-accepted", RID)], st,
                       "cooperative-cancel-accepted"), None
    if st["status"] != "dispute":
        reason = "invalid_order_status" if action == "admin-settle" else "not_allowed_by_status"
        return refused(f"{ref} #5", role, reason, st), None
    return None, ref


def m_admin_settle(fam, st, role, variant):
    o, ref = m_admin_common(fam, st, role, "admin-settle")
    if o:
        return o
    if variant == "slash":
        return refused(f"{ref} #6 (a slash, no bond locked)", role, "invalid_payload", st)
    n = copy.deepcopy(st)
    n.update(status="settled-hold-invoice", payout=True, dispute=dict(st["dispute"], status="settled"))
    out = ["ln settle_hold_invoice", "ev 38386 settled", dm(role, "admin-settled", RID),
           dm(st["seller"], "admin-settled", "-"), dm(st["buyer"], "admin-settled", "-"), "ln pay_invoice"]
    return Outcome(f"{ref} → §4.2", out, n, "settled-hold-invoice")


def m_admin_cancel(fam, st, role, variant):
    o, ref = m_admin_common(fam, st, role, "admin-cancel")
    if o:
        return o
    if variant == "slash":
        return refused(f"{ref} #6 (a slash, no bond locked)", role, "invalid_payload", st)
    n = copy.deepcopy(st)
    n.update(status="canceled-by-admin", dispute=dict(st["dispute"], status="seller-refunded"))
    out = ["ln cancel_hold_invoice", "ev 38386 seller-refunded", "ev 38383 canceled",
           dm(role, "admin-canceled", RID), dm(st["seller"], "admin-canceled", RID),
           dm(st["buyer"], "admin-canceled", RID)]
    return Outcome(ref, out, n, "canceled-by-admin")


SOLVER_LEVEL = {"solver": 2, "rw": 2, "rw2": 2, "ro": 1, "ro2": 1}


def m_admin_take_dispute(fam, st, role):
    """§6 admin-take-dispute (message id: the dispute's); mostrod
    pubkey_event_can_solve for the caller's identity."""
    ref = "§6 admin-take-dispute"
    d = st["dispute"] if st else None
    if d is None:
        return silent(f"{ref} #1 (no such dispute)", st)
    status, current = d["status"], d["solver"]
    open_ = status in ("initiated", "in-progress")
    if role == "admin":
        ok = open_
    elif role not in SOLVER_LEVEL:
        ok = False
    elif status == "initiated":
        ok = True
    elif status != "in-progress":
        ok = False
    elif current == role:
        ok = True
    else:
        ok = SOLVER_LEVEL[role] == 2 and SOLVER_LEVEL.get(current) == 1
    if not ok:
        return refused(f"{ref} #2 (status {status} x caller)", role, "invalid_pubkey", st)
    n = copy.deepcopy(st)
    n["dispute"] = {"status": "in-progress", "solver": role}
    out = [dm(role, "admin-took-dispute", RID, "dispute", channel="dispute"),
           dm(st["buyer"], "admin-took-dispute", RID, "peer"), dm(st["seller"], "admin-took-dispute", RID, "peer"),
           "ev 38386 in-progress"]
    return Outcome(ref, out, n, "in-progress")


def m_orders(fam, st, role, variant):
    ref = "§7 orders"
    if variant == "empty":
        return refused(f"{ref} #2 (no ids)", role, "invalid_parameters", st)
    if variant == "eleven":
        return refused(f"{ref} #3 (11 ids, max_orders_per_response 10)", role, "too_many_requests", st)
    if st is not None and role in (st["_master_buyer"], st["_master_seller"]):
        return Outcome(f"{ref} #4", [dm(role, "orders", RID, "orders")], st, "orders")
    return refused(f"{ref} #4", role, "not_found", st)


def m_restore(fam, st, role):
    ref = "§7 restore-session (mostro#882)"
    orders = disputes = 0
    if st is not None and role in (st["_master_buyer"], st["_master_seller"]):
        if st["status"] not in RESTORE_EXCLUDED:
            orders += 1
        if st["dispute"] and st["dispute"]["status"] in ("initiated", "in-progress"):
            disputes += 1
    if role == "admin":
        orders += sum(1 for _, s in fam.admin_orders if s not in RESTORE_EXCLUDED)
    out = [dm(role, "restore-session", "-", "restore_data", channel="restore",
              detail=f"orders={orders} disputes={disputes}")]
    return Outcome(ref, out, st, f"restore: {orders} orders, {disputes} disputes")


def m_last_trade_index(fam, st, role, users):
    ref = "§7 last-trade-index"
    if role not in users:
        return refused(f"{ref} #1", role, "not_found", st)
    if users[role] == 0:
        return refused(f"{ref} #2", role, "invalid_trade_index", st)
    return Outcome(ref, [dm(role, "last-trade-index", RID, channel="restore", detail=f"ti={users[role]}")], st,
                   f"trade index {users[role]}")


# new-order payload variants: what the driver changes in the standard order
# (100000 sat, 100 USD, SEPA, premium 0) and the §1.3 new-order check that
# refuses it (the node accepts USD and EUR).
NEW_ORDER_VARIANTS = {
    "fiat-xyz": ("#2", "invalid_fiat_currency"),     # fiat_code XYZ
    "fiat-zero": ("#3", "invalid_amount"),           # fiat_amount 0, no range
    "negative": ("#4", "invalid_amount"),            # amount -1
    "range-bad": ("#5", "invalid_amount"),           # amount 0, min 10 > max 5
    "amount-premium": ("#6", "invalid_parameters"),  # premium 5 with a fixed amount
    "too-big": ("#7", "out_of_range_sats_amount"),   # 2 000 000 sat > max_order_amount
    "no-kind": ("#10", "invalid_order_kind"),        # kind null
    "two-fails": ("#2", "invalid_fiat_currency"),    # XYZ and amount -1: the earlier check wins
}


def m_new_order(fam, kind, role, variant, users):
    early = intake_index(role, users, "new-order", variant, None)
    if isinstance(early, Outcome):
        return early
    if variant in NEW_ORDER_VARIANTS:
        n, reason = NEW_ORDER_VARIANTS[variant]
        if n in ("#10",) and early:
            return silent(early.split(":", 1)[1], None)
        return refused(f"§1.3 new-order {n}", role, reason, None)
    if early:
        return silent(early.split(":", 1)[1], None)
    n = base_state()
    n.update(status="pending", creator=role, _kind=kind)
    n["seller" if kind == "sell" else "buyer"] = role
    if role == "admin":
        fam.admin_orders.append(("seller" if kind == "sell" else "buyer", "pending"))
    return Outcome("§1.3 new-order (checks 1-10 pass)", ["ev 38383 pending", dm(role, "new-order", RID, "order")], n,
                   "pending")


def m_add_solver(fam, st, role):
    if role != "admin":
        return silent("§6 admin-add-solver #2 [quirk §11.12]", st)
    return Outcome("§6 admin-add-solver", [dm("admin", "admin-add-solver", RID, channel="dispute")], st, "solver added")


def m_pay_invoice(fam, st, role):
    return refused("§9 dispatch: pay-invoice", role, "invalid_action", st)


def m_add_bond_invoice(fam, st, role):
    # mostrod add_bond_invoice_action: no bond on the order accepts an invoice
    # from this sender -> NotAllowedByStatus (bonds are off: there is none)
    return refused("§10.1 add-bond-invoice (no bond)", role, "not_allowed_by_status", st)


def m_ignored(fam, st, role):
    return silent("§9 dispatch: anything else is ignored silently", st)


MODELS = {
    "take-sell": lambda f, st, r, u, v: m_take(f, st, r, "take-sell", v, u),
    "take-buy": lambda f, st, r, u, v: m_take(f, st, r, "take-buy", v, u),
    "add-invoice": lambda f, st, r, u, v: m_add_invoice(f, st, r, v),
    "fiat-sent": lambda f, st, r, u, v: m_fiat_sent(f, st, r, v),
    "release": lambda f, st, r, u, v: m_release(f, st, r, v),
    "cancel": lambda f, st, r, u, v: m_cancel(f, st, r),
    "dispute": lambda f, st, r, u, v: m_dispute(f, st, r),
    "rate-user": lambda f, st, r, u, v: m_rate_user(f, st, r, v),
    "trade-pubkey": lambda f, st, r, u, v: m_trade_pubkey(f, st, r),
    "admin-settle": lambda f, st, r, u, v: m_admin_settle(f, st, r, v),
    "admin-cancel": lambda f, st, r, u, v: m_admin_cancel(f, st, r, v),
    "admin-take-dispute": lambda f, st, r, u, v: m_admin_take_dispute(f, st, r),
    "orders": lambda f, st, r, u, v: m_orders(f, st, r, v),
    "restore-session": lambda f, st, r, u, v: m_restore(f, st, r),
    "last-trade-index": lambda f, st, r, u, v: m_last_trade_index(f, st, r, u),
    "admin-add-solver": lambda f, st, r, u, v: m_add_solver(f, st, r),
    "pay-invoice": lambda f, st, r, u, v: m_pay_invoice(f, st, r),
    "add-bond-invoice": lambda f, st, r, u, v: m_add_bond_invoice(f, st, r),
    "send-dm": lambda f, st, r, u, v: m_ignored(f, st, r),
    "fiat-sent-ok": lambda f, st, r, u, v: m_ignored(f, st, r),
}

TRADE_ACTIONS = ["take-sell", "take-buy", "add-invoice", "fiat-sent", "release", "cancel", "dispute", "rate-user",
                 "trade-pubkey", "admin-settle", "admin-cancel", "orders", "restore-session", "last-trade-index"]
TRADE_ROLES = ["maker", "taker", "stranger", "solver", "admin"]

# Payload and trade-index variants ("action:variant"), on the fixtures where
# they meet a check of their own (None: every fixture). What the driver sends:
#   take-sell:invoice       a valid payout invoice (amount - fee): §1.4 at once
#   take-sell:bad-invoice   an invoice for 99000 sat: take-sell #10
#   take-buy:invoice        a payment_request (ignored by take-buy)
#   *:ti0 / *:ti-repeat     trade_index 0 / the last one again (§9 rules)
#   add-invoice:bad-amount  an invoice for 99000 sat: add-invoice #4
#   fiat-sent:text, release:text   a text_message payload (#4, #5)
#   rate-user:6             rating 6 (#5)
#   orders:empty / eleven   no ids / 11 ids (#2, #3)
#   admin-*:slash           bond_resolution slashing the seller (#6)
TAKE_PLACES = {"none", "pending", "pending-closed", "waiting-buyer-invoice", "waiting-payment", "active"}
VARIANT_ACTIONS = [
    ("add-invoice:bad-amount", None),
    ("take-sell:invoice", TAKE_PLACES), ("take-sell:bad-invoice", TAKE_PLACES), ("take-buy:invoice", TAKE_PLACES),
    ("take-sell:ti0", TAKE_PLACES), ("take-sell:ti-repeat", TAKE_PLACES),
    ("take-buy:ti0", TAKE_PLACES), ("take-buy:ti-repeat", TAKE_PLACES),
    ("fiat-sent:text", {"pending", "active", "fiat-sent", "dispute"}),
    ("release:text", {"pending", "active", "fiat-sent", "dispute"}),
    ("rate-user:6", {"pending", "settled-hold-invoice", "success"}),
    ("orders:empty", {"none", "pending"}), ("orders:eleven", {"none", "pending"}),
]
ADMIN_ROLES = ["admin", "rw", "ro", "rw2", "ro2", "maker", "taker", "stranger"]

# Engine disagreements found with this matrix, each checked against DAEMON.md
# and mostrod's code: (fixture, action, role) -> reason. The cell still runs:
# it is reported as xfail while the engine disagrees and fails once it agrees
# (then drop the entry).
XFAIL = {}


def users_of(st, fx):
    """The users rows (role -> last_trade_index) after the fixture."""
    if st is not None:
        return dict(st["_users"])
    return dict(solver_users(fx.family))


def cells_for(fx, actions, roles, fam, rows, counter):
    for action in actions:
        for role in roles:
            st = copy.deepcopy(fx.st)
            users = users_of(st, fx)
            base, _, variant = action.partition(":")
            if base == "new-order":
                o = m_new_order(fam, fx.kind, role, variant, users)
            else:
                o = MODELS[base](fam, st, role, users, variant)
            row = {"cell": counter[0], "fixture": fx.name, "action": action, "as": role, "ref": o.ref,
                   "summary": o.summary, "expect": {"out": o.out, "state": changes(public(fx.st), public(o.st))}}
            key = (fx.name, action, role)
            if key in XFAIL:
                row["xfail"] = XFAIL[key]
            rows.append(row)
            counter[0] += 1


def changes(before, after):
    """A cell's state as the fields that differ from its fixture's (a whole
    row when the cell made the order, null when there is none)."""
    if before is None or after is None:
        return after
    return {k: v for k, v in after.items() if before.get(k) != v}


def fixture_line(fx):
    return {"fixture": fx.name, "family": fx.family, "kind": fx.kind, "steps": fx.steps,
            "state": public(fx.st), "needs_job": fx.needs_job}


def main(outdir):
    lines = [{"note": "The authorization matrix of mostro-order run: action x sender role x order status, "
                      "written from DAEMON.md by make.py (see its docstring for the format)."}]
    counter = [1]
    for kind in ("sell", "buy"):
        fam = Family()
        fxs = trade_fixtures(kind, kind)
        lines.append({"note": f"family {kind}: a {kind} order (maker = {'seller' if kind == 'sell' else 'buyer'}) "
                              "in each status it can reach"})
        for name, fx in fxs.items():
            lines.append(fixture_line(fx))
            rows = []
            actions = list(TRADE_ACTIONS)
            if name == "none":
                actions = ["new-order", "admin-add-solver"] + actions
            if name in ("none", "pending", "active"):
                actions += ["pay-invoice", "add-bond-invoice"]
            if name == "pending":
                actions += ["send-dm", "fiat-sent-ok"]
            if name == "none":
                actions += ["new-order:" + v for v in NEW_ORDER_VARIANTS] + ["new-order:no-ti", "new-order:ti0"]
            actions += [a for a, where in VARIANT_ACTIONS if where is None or name in where]
            cells_for(fx, actions, TRADE_ROLES, fam, rows, counter)
            lines += rows
    fam = Family()
    lines.append({"note": "family admin: §6 disputes of a sell order (taker = buyer opened it) and the solvers: "
                          "rw, rw2 read-write, ro, ro2 read-only"})
    for name, fx in admin_fixtures().items():
        lines.append(fixture_line(fx))
        rows = []
        cells_for(fx, ["admin-settle", "admin-cancel", "admin-take-dispute", "admin-settle:slash", "admin-cancel:slash"],
                  ADMIN_ROLES, fam, rows, counter)
        lines += rows
    fam = Family()
    lines.append({"note": "family timed: orders the §3.1 job expired"})
    for kind in ("sell", "buy"):
        for name, fx in expired_fixtures(kind).items():
            lines.append(fixture_line(fx))
            rows = []
            cells_for(fx, TRADE_ACTIONS, TRADE_ROLES, fam, rows, counter)
            lines += rows
    with open(os.path.join(outdir, "matrix.jsonl"), "w") as f:
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"{counter[0] - 1} cells", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
