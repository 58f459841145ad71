// mostro-user.mjs — a Mostro user agent that is not ours: written from PROTOCOL.md (and
// the real mostro-core / mostro-cli for facts), built only on pinned npm packages
// (nostr-tools, @rust-nostr/nostr-sdk, ws, @noble/*), with no mostroutils code or tool in
// its path. It is the independent client of tests/interop (issues 12 and 13).
//
//   const alice = await MostroUser.fromMnemonic(m, { relay, mostroPubkey, transport: 'v2' });
//   const r = await alice.newOrder({ kind: 'sell', fiat_code: 'USD', fiat_amount: 3,
//                                    payment_method: 'XYZ', amount: 5000 });
//   r.action === 'new-order' && r.id      // the reply, matched by request_id
//
// Keys (§8.1): NIP-06 m/44'/1237'/38383'/0/i, identity i = 0, a fresh trade key
// i = tradeIndex + 1 for every new-order / take-*; each later message of an order comes
// from the key that opened it. Reputation mode signs with the trade key and proves the
// identity (v2 element 3, v1 seal); full privacy sends neither and trade_index null.
// Transport v2 (kind 14) or v1 (gift wrap) or 'auto' from the node's 38385; PoW as the
// 38385 asks (max of pow and pow_first_contact on v2). Every request subscribes (and waits
// for EOSE) before it publishes, then waits for the reply carrying its request_id.
//
// Incoming messages land in user.inbox as records:
//   {seq, transport, to, index, channel, action, id, request_id, trade_index, payload,
//    message, M, created_at, event_id}
// waitFor(predicate, timeout) resolves with the first record (from a sequence number on)
// that matches; a timeout rejects with what did arrive. Chat records land in user.chats.
import { extendedKeysFromSeedWords, accountFromExtendedKey } from 'nostr-tools/nip06';
import { getPublicKey } from 'nostr-tools/pure';
import { hexToBytes, bytesToHex } from '@noble/hashes/utils.js';
import { RelayConn } from './nostr-conn.mjs';
import { buildEnvelope, openFromMostro, now, verifyFresh } from './mostro-envelope.mjs';
import { inner } from './mostro-msg.mjs';
import { Conversation } from './mostro-chat.mjs';

export class TimeoutError extends Error {}

const TWO_DAYS = 2 * 86400;
const randomRequestId = () => 1 + Math.floor(Math.random() * 2 ** 31);

// Tags of a public event as an object: single values as strings, the rest as arrays.
function tagMap(ev) {
  const m = {};
  for (const [k, ...v] of ev.tags) if (!(k in m)) m[k] = v.length === 1 ? v[0] : v;
  return m;
}

// NIP-01 replacement: the newest per d, ties to the lowest id.
function latestPerD(events) {
  const best = new Map();
  for (const e of events) {
    const d = e.tags.find(t => t[0] === 'd')?.[1];
    if (d === undefined) continue;
    const b = best.get(d);
    if (!b || e.created_at > b.created_at || (e.created_at === b.created_at && e.id < b.id)) best.set(d, e);
  }
  return [...best.values()];
}

export function parseOrderEvent(ev) {
  const t = tagMap(ev);
  const fa = ev.tags.find(x => x[0] === 'fa')?.slice(1) ?? [];
  return {
    id: t.d, kind: t.k, fiat_code: t.f, status: t.s, amount: Number(t.amt),
    fiat_amount: fa.length === 1 ? Number(fa[0]) : 0, min_amount: fa.length === 2 ? Number(fa[0]) : null,
    max_amount: fa.length === 2 ? Number(fa[1]) : null,
    payment_method: ev.tags.find(x => x[0] === 'pm')?.slice(1) ?? [], premium: Number(t.premium),
    expires_at: t.expires_at != null ? Number(t.expires_at) : null, created_at: ev.created_at, tags: t, event: ev,
  };
}

export class MostroUser {
  // mnemonic: BIP-39 words; opts: relay (ws URL), mostroPubkey (hex), transport
  // 'v2' | 'v1' | 'auto', fullPrivacy, pow (override), timeout (ms), tradeIndex (last
  // used), name (for messages), lookback (s: how far back replies are read).
  static async fromMnemonic(mnemonic, opts = {}) {
    const u = new MostroUser(opts);
    const { privateExtendedKey } = extendedKeysFromSeedWords(mnemonic, opts.passphrase ?? '', 38383);
    u.derive = i => accountFromExtendedKey(privateExtendedKey, i).privateKey;
    if (opts.relay) await u.connect();
    return u;
  }
  // One key for everything (an admin or solver, or the node's own key as super-admin).
  static async fromKey(sk, opts = {}) {
    const u = new MostroUser(opts);
    const key = typeof sk === 'string' ? hexToBytes(sk) : sk;
    u.derive = () => key;
    u.single = true;
    if (opts.relay) await u.connect();
    return u;
  }

  constructor(opts) {
    this.opts = opts;
    this.name = opts.name ?? 'user';
    this.mostroPubkey = opts.mostroPubkey;
    this.timeout = opts.timeout ?? 10000;
    this.tradeIndex = opts.tradeIndex ?? 0;
    this.fullPrivacy = !!opts.fullPrivacy;
    this.since = now() - (opts.lookback ?? 600);
    this.keys = new Map();        // index -> {index, sk, pk}
    this.byPk = new Map();        // pk -> key
    this.listening = new Set();   // pks in the Mostro subscription
    this.orderKeys = new Map();   // order id -> trade key index
    this.inbox = [];
    this.chats = [];
    this.rejected = [];           // events addressed to us that did not open (diagnostics)
    this.seen = new Set();
    this.waiters = new Set();
    this.conversations = new Map(); // `${tradePk}:${peerPk}` -> Conversation
    this.lock = Promise.resolve();
    this.infoCache = null;
  }

  // ------------------------------------------------------------------ keys
  key(i) {
    if (this.single) i = 0;
    let k = this.keys.get(i);
    if (!k) {
      const sk = this.derive(i);
      k = { index: i, sk, pk: getPublicKey(sk) };
      this.keys.set(i, k);
      this.byPk.set(k.pk, k);
    }
    return k;
  }
  get identity() { return this.key(0); }
  nextTradeKey() {
    if (this.single) return this.key(0);
    this.tradeIndex += 1;
    return this.key(this.tradeIndex);
  }
  keyOf(orderId) {
    const i = this.orderKeys.get(orderId);
    if (i === undefined) throw new Error(`${this.name}: no trade key known for order ${orderId}`);
    return this.key(i);
  }
  get lastTradeIndexUsed() { return this.tradeIndex; }

  // ----------------------------------------------------------------- relay
  async connect(url = this.opts.relay) {
    this.conn = await RelayConn.connect(url, { timeout: Math.min(this.timeout, 10000) });
    return this;
  }
  close() {
    for (const w of this.waiters) { clearTimeout(w.timer); w.reject(new TimeoutError(`${this.name}: closed`)); }
    this.waiters.clear();
    this.conn?.close();
  }
  serial(fn) {
    const p = this.lock.then(fn, fn);
    this.lock = p.catch(() => {});
    return p;
  }

  // Subscribes to Mostro's messages to these keys (both transports: a node on
  // transport = both answers on the one we last wrote on) and waits for EOSE.
  listen(...keys) {
    return this.serial(async () => {
      const fresh = keys.filter(k => !this.listening.has(k.pk));
      if (!fresh.length && this.mostroSub) return;
      for (const k of fresh) await this.conn.addSigner(k.sk);
      const pks = [...this.listening, ...fresh.map(k => k.pk)];
      // one REQ per kind: a relay that restricts gift wraps (strfry) challenges only a
      // REQ whose every filter is restricted
      await this.conn.req([{ kinds: [14], authors: [this.mostroPubkey], '#p': pks, since: this.since }],
        e => this.onMostroEvent(e), { id: 'mostro-v2' });
      await this.conn.req([{ kinds: [1059], '#p': pks, since: this.since - TWO_DAYS }],
        e => this.onMostroEvent(e), { id: 'mostro-v1' });
      for (const k of fresh) this.listening.add(k.pk);
      this.mostroSub = true;
    });
  }

  async onMostroEvent(ev) {
    if (this.seen.has(ev.id)) return;
    this.seen.add(ev.id);
    let r;
    try {
      r = await openFromMostro(ev, { mostroPubkey: this.mostroPubkey, keyFor: pk => this.byPk.get(pk) });
    } catch (e) {
      this.rejected.push({ event_id: ev.id, kind: ev.kind, error: e.code ?? 'error', message: e.message });
      return;
    }
    this.deliver(r);
  }

  // Adds an opened message to the inbox (also used by tests that open events by hand).
  deliver(r) {
    const k = inner(r.message);
    const rec = { seq: this.inbox.length, ...k, transport: r.transport, to: r.to, index: this.byPk.get(r.to)?.index,
      message: r.message, M: r.M, created_at: r.created_at, event_id: r.event_id };
    this.inbox.push(rec);
    // learn order ids pushed to our keys (a child order, a restored trade)
    if (rec.id && !this.orderKeys.has(rec.id) && rec.action !== 'admin-took-dispute' && rec.index !== undefined && !this.single)
      this.orderKeys.set(rec.id, rec.index);
    for (const w of [...this.waiters]) if (w.kind === 'inbox' && w.pred(rec)) this.settle(w, rec);
    return rec;
  }
  settle(w, value) { this.waiters.delete(w); clearTimeout(w.timer); w.resolve(value); }

  summary() {
    return this.inbox.map(r => `${r.action}${r.id ? ' ' + r.id.slice(0, 8) : ''} rid=${r.request_id} -> key ${r.index}${r.payload ? ' ' + Object.keys(r.payload)[0] : ''}${r.action === 'cant-do' ? ' ' + r.payload?.cant_do : ''}`);
  }

  // The first inbox record from `from` on that matches; bounded.
  waitFor(pred, timeout = this.timeout, { from = 0, what = 'matching message' } = {}) {
    const hit = this.inbox.slice(from).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { kind: 'inbox', pred, resolve, reject };
      w.timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new TimeoutError(`${this.name}: no ${what} within ${timeout} ms; inbox: [${this.summary().join('; ')}]` +
          (this.rejected.length ? `; rejected: ${JSON.stringify(this.rejected)}` : '')));
      }, timeout);
      this.waiters.add(w);
    });
  }
  // Shorthand: the next message with this action (and order id).
  waitAction(action, id, opts = {}) {
    return this.waitFor(r => r.action === action && (id === undefined || r.id === id), opts.timeout,
      { what: `${action}${id ? ' for ' + id : ''}`, ...opts });
  }

  // --------------------------------------------------------- node's events
  // The node's 38385 (author and signature checked), parsed; cached.
  async info({ refresh = false } = {}) {
    if (this.infoCache && !refresh) return this.infoCache;
    const evs = (await this.conn.fetch([{ kinds: [38385], authors: [this.mostroPubkey], '#d': [this.mostroPubkey] }]))
      .filter(e => e.pubkey === this.mostroPubkey && verifyFresh(e));
    const ev = latestPerD(evs)[0];
    this.infoCache = ev ? { ...tagMap(ev), event: ev } : null;
    return this.infoCache;
  }
  async transport() {
    if (this.opts.transport && this.opts.transport !== 'auto') return this.opts.transport;
    const i = await this.info();
    if (!i) return 'v2';                       // no info at all: today's default
    return i.protocol_version === '2' ? 'v2' : 'v1';   // no tag: v1 (PROTOCOL §4)
  }
  async pow(transport) {
    if (this.opts.pow != null) return this.opts.pow;
    const i = await this.info();
    if (!i) return 0;
    const pow = Number(i.pow ?? 0) || 0;
    const first = i.pow_first_contact != null ? Number(i.pow_first_contact) || 0 : pow;
    return transport === 'v2' ? Math.max(pow, first) : pow;
  }

  // The order book: 38383 by the node, signature verified, newest revision per d.
  async orderBook({ status, kind, fiat, ids } = {}) {
    const f = { kinds: [38383], authors: [this.mostroPubkey] };
    if (ids) f['#d'] = ids;
    const evs = (await this.conn.fetch([f])).filter(e => e.pubkey === this.mostroPubkey && verifyFresh(e));
    return latestPerD(evs).map(parseOrderEvent)
      .filter(o => (!status || o.status === status) && (!kind || o.kind === kind) && (!fiat || o.fiat_code === fiat))
      .sort((a, b) => b.created_at - a.created_at);
  }
  async disputeEvents({ ids } = {}) {
    const f = { kinds: [38386], authors: [this.mostroPubkey] };
    if (ids) f['#d'] = ids;
    const evs = (await this.conn.fetch([f])).filter(e => e.pubkey === this.mostroPubkey && verifyFresh(e));
    return latestPerD(evs).map(e => ({ id: tagMap(e).d, ...tagMap(e), event: e }));
  }

  // ------------------------------------------------------------- requests
  // Builds the envelope of one message (no relay): for tests and for send().
  async envelope(kindFields, { key, channel = 'order', transport, pow = 0, identity, createdAt, expiration } = {}) {
    const t = transport ?? 'v2';
    const k = { version: t === 'v1' ? 1 : 2, request_id: null, trade_index: null, ...kindFields };
    const message = { [channel]: k };
    const fp = this.fullPrivacy || this.single || key.pk === this.identity.pk;
    const id = identity !== undefined ? identity : fp ? null : this.identity;
    const env = await buildEnvelope(message, { transport: t, trade: key, identity: id, to: this.mostroPubkey, pow, createdAt, expiration });
    return { ...env, message };
  }

  // Sends one message from `key` and resolves with the reply (by default: the first
  // message to that key carrying our request_id). Subscribes before publishing.
  async send(action, { id, payload = null, key, channel = 'order', tradeIndex = null, requestId, expect, timeout,
    noReply = false } = {}) {
    const transport = await this.transport();
    const pow = await this.pow(transport);
    const rid = requestId === undefined ? randomRequestId() : requestId;
    await this.listen(key);
    const fields = { request_id: rid, trade_index: this.fullPrivacy ? null : tradeIndex, action, payload };
    if (id) fields.id = id;
    const from = this.inbox.length;
    const { event, M } = await this.envelope(fields, { key, channel, transport, pow });
    this.seen.add(event.id); // an admin on the node's own key would read its request back
    this.sent = [...(this.sent ?? []), { event_id: event.id, M, transport, pow, key: key.pk }];
    await this.conn.publish(event);
    if (noReply) return { event, M };
    const match = expect ?? (r => r.request_id === rid && r.to === key.pk);
    return this.waitFor(match, timeout, { from, what: `reply to ${action}${id ? ' ' + id : ''} (request_id ${rid}, ${transport}, pow ${pow})` });
  }

  // ---------------------------------------------------------- trade verbs
  async newOrder(order, opts = {}) {
    const key = this.nextTradeKey();
    const o = { kind: order.kind, status: 'pending', amount: order.amount ?? 0, fiat_code: order.fiat_code,
      min_amount: order.min_amount ?? null, max_amount: order.max_amount ?? null, fiat_amount: order.fiat_amount ?? 0,
      payment_method: order.payment_method, premium: order.premium ?? 0 };
    if (order.buyer_invoice) o.buyer_invoice = order.buyer_invoice;
    o.created_at = null;
    o.expires_at = order.expires_at ?? null;
    const r = await this.send('new-order', { key, tradeIndex: key.index, payload: { order: o }, ...opts });
    if (r.action === 'new-order' && r.id) this.orderKeys.set(r.id, key.index);
    return r;
  }
  take(action, orderId, { invoice, amount } = {}, opts = {}) {
    const key = this.nextTradeKey();
    this.orderKeys.set(orderId, key.index);
    const payload = invoice ? { payment_request: [null, invoice, amount ?? null] } : amount != null ? { amount } : null;
    return this.send(action, { key, id: orderId, tradeIndex: key.index, payload, ...opts });
  }
  takeSell(orderId, args, opts) { return this.take('take-sell', orderId, args, opts); }
  takeBuy(orderId, args, opts) { return this.take('take-buy', orderId, args, opts); }
  addInvoice(orderId, invoice, { amount } = {}, opts = {}) {
    return this.send('add-invoice', { key: this.keyOf(orderId), id: orderId, payload: { payment_request: [null, invoice, amount ?? null] }, ...opts });
  }
  nextTradePayload(nextTrade) {
    if (!nextTrade) return null;
    const k = this.nextTradeKey();
    return { next_trade: [k.pk, k.index] };
  }
  fiatSent(orderId, { nextTrade } = {}, opts = {}) {
    return this.send('fiat-sent', { key: this.keyOf(orderId), id: orderId, payload: this.nextTradePayload(nextTrade), ...opts });
  }
  release(orderId, { nextTrade } = {}, opts = {}) {
    return this.send('release', { key: this.keyOf(orderId), id: orderId, payload: this.nextTradePayload(nextTrade), ...opts });
  }
  cancel(orderId, opts = {}) { return this.send('cancel', { key: this.keyOf(orderId), id: orderId, ...opts }); }
  dispute(orderId, opts = {}) { return this.send('dispute', { key: this.keyOf(orderId), id: orderId, ...opts }); }
  rate(orderId, rating, opts = {}) {
    return this.send('rate-user', { key: this.keyOf(orderId), id: orderId, payload: { rating_user: rating }, ...opts });
  }
  // mostro-cli sends the orders request, restore-session and last-trade-index from the
  // identity key itself (account-scoped), so does this agent.
  orders(ids, opts = {}) {
    return this.send('orders', { key: this.identity, payload: { ids }, ...opts });
  }
  async lastTradeIndex(opts = {}) {
    const r = await this.send('last-trade-index', { key: this.identity, channel: 'restore', ...opts });
    if (r.action === 'last-trade-index' && Number.isInteger(r.trade_index)) this.tradeIndex = Math.max(this.tradeIndex, r.trade_index);
    return r;
  }
  // Restore: the node answers without our request_id (PROTOCOL §8.4); the trades learned
  // are mapped to their keys and listened on.
  async restoreSession(opts = {}) {
    const key = this.identity;
    let rid;
    const r = await this.send('restore-session', { key, channel: 'restore', ...opts,
      requestId: rid = opts.requestId ?? randomRequestId(),
      expect: m => m.to === key.pk && ((m.action === 'restore-session' && m.payload?.restore_data) || (m.action === 'cant-do' && m.request_id === rid)) });
    if (r.action === 'restore-session') {
      const d = r.payload.restore_data;
      for (const o of [...d.orders, ...d.disputes]) {
        this.orderKeys.set(o.order_id, o.trade_index);
        this.tradeIndex = Math.max(this.tradeIndex, o.trade_index);
      }
      const ks = [...new Set([...d.orders, ...d.disputes].map(o => o.trade_index))].map(i => this.key(i));
      if (ks.length) await this.listen(...ks);
    }
    return r;
  }

  // ------------------------------------------------------- admin / solver
  adminTakeDispute(disputeId, opts = {}) {
    return this.send('admin-take-dispute', { key: this.identity, id: disputeId, channel: 'dispute', ...opts });
  }
  adminSettle(orderId, opts = {}) { return this.send('admin-settle', { key: this.identity, id: orderId, ...opts }); }
  adminCancel(orderId, opts = {}) { return this.send('admin-cancel', { key: this.identity, id: orderId, ...opts }); }
  adminAddSolver(npub, { id, ...opts } = {}) {
    return this.send('admin-add-solver', { key: this.identity, id: id ?? crypto.randomUUID(), channel: 'dispute',
      payload: { text_message: npub }, ...opts });
  }

  // ------------------------------------------------------------------ chat
  // The counterparty's trade key of an order, from what Mostro told us.
  peerOf(orderId) {
    const mine = this.keyOf(orderId).pk;
    for (const r of [...this.inbox].reverse()) {
      if (r.id !== orderId) continue;
      const o = r.payload?.order;
      if (o && (o.buyer_trade_pubkey || o.seller_trade_pubkey))
        return o.buyer_trade_pubkey === mine ? o.seller_trade_pubkey : o.buyer_trade_pubkey;
      if (r.payload?.peer?.pubkey && r.action !== 'admin-took-dispute') return r.payload.peer.pubkey;
    }
    throw new Error(`${this.name}: the counterparty of ${orderId} is not known yet`);
  }
  solverOf(orderId) {
    const r = [...this.inbox].reverse().find(m => m.id === orderId && m.action === 'admin-took-dispute' && m.payload?.peer);
    if (!r) throw new Error(`${this.name}: no solver has taken ${orderId}`);
    return r.payload.peer.pubkey;
  }
  conversation(orderId, peer) {
    const key = this.single ? this.identity : this.keyOf(orderId);
    const peerPk = peer ?? this.peerOf(orderId);
    const id = `${key.pk}:${peerPk}`;
    let c = this.conversations.get(id);
    if (!c) { c = new Conversation(key.sk, peerPk); c.orderId = orderId; this.conversations.set(id, c); }
    return c;
  }
  chatListen(c) {
    return this.serial(async () => {
      if (c.listening && this.chatSub) return;
      for (const sk of c.authKeys()) await this.conn.addSigner(sk);
      const filters = [...this.conversations.values()].filter(x => x.listening || x === c).flatMap(x => x.filters(this.since));
      for (const [id, kind] of [['chat-current', 14], ['chat-legacy', 1059]])
        await this.conn.req(filters.filter(f => f.kinds[0] === kind), e => this.onChatEvent(e), { id });
      c.listening = true;
      this.chatSub = true;
    });
  }
  async onChatEvent(ev) {
    if (this.seen.has(ev.id)) return;
    const c = [...this.conversations.values()].find(x => x.matches(ev));
    if (!c) return;
    this.seen.add(ev.id);
    try {
      const m = await c.open(ev);
      const rec = { seq: this.chats.length, orderId: c.orderId, peer: c.peerPk, mine: m.sender === c.tradePk, ...m };
      this.chats.push(rec);
      for (const w of [...this.waiters]) if (w.kind === 'chat' && w.pred(rec)) this.settle(w, rec);
    } catch (e) {
      this.rejected.push({ event_id: ev.id, kind: ev.kind, error: e.code ?? 'error', message: e.message });
    }
  }
  // Writes a chat message (current format unless format: 'legacy'); returns the event.
  async chatSend(orderId, text, { peer, format = 'current' } = {}) {
    const c = this.conversation(orderId, peer);
    await this.chatListen(c);
    const ev = await c.wrap(text, { format });
    await this.conn.publish(ev);
    return ev;
  }
  // Resolves with the first `count` chat messages from the peer (either format).
  async chatRead(orderId, { peer, count = 1, timeout = this.timeout, from = 0 } = {}) {
    const c = this.conversation(orderId, peer);
    await this.chatListen(c);
    const pick = () => this.chats.slice(from).filter(m => m.peer === c.peerPk && m.sender === c.peerPk);
    if (pick().length >= count) return pick().slice(0, count);
    return new Promise((resolve, reject) => {
      const w = { kind: 'chat', pred: () => pick().length >= count, resolve: () => resolve(pick().slice(0, count)), reject };
      w.timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new TimeoutError(`${this.name}: ${pick().length}/${count} chat messages from ${c.peerPk.slice(0, 8)} within ${timeout} ms`));
      }, timeout);
      this.waiters.add(w);
    });
  }
}

export { hexToBytes, bytesToHex };
