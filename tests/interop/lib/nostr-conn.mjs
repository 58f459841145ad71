// nostr-conn.mjs — a small NIP-01/NIP-42 relay connection over `ws` for the independent
// Mostro user agent: REQ that resolves at EOSE (so a caller can subscribe before it
// publishes), EVENT that resolves at OK, AUTH answered for every key registered (a relay
// such as strfry or `mostro-relay serve --auth-read-kinds 1059,14` serves gift wraps and
// kind 14 only to an authenticated recipient), a subscription CLOSED auth-required: sent
// again once after authenticating. Every wait is bounded. trace keeps the frames in the
// order they crossed the wire (type, subscription, event id) for tests.
import WebSocket from 'ws';
import { finalizeEvent, getPublicKey } from 'nostr-tools/pure';
import { makeAuthEvent } from 'nostr-tools/nip42';

export class RelayError extends Error {}

function deferred(ms, what) {
  let resolve, reject;
  const p = new Promise((a, b) => { resolve = a; reject = b; });
  const t = setTimeout(() => reject(new RelayError(`timed out after ${ms} ms waiting for ${what}`)), ms);
  return { p, resolve: v => { clearTimeout(t); resolve(v); }, reject: e => { clearTimeout(t); reject(e); } };
}

export class RelayConn {
  constructor(url, { timeout = 5000 } = {}) {
    this.url = url;
    this.timeout = timeout;
    this.subs = new Map();      // id -> {filters, onEvent, eose, closed}
    this.pendingOk = new Map(); // event id -> deferred
    this.signers = new Map();   // pubkey -> sk
    this.authed = new Set();    // pubkeys authenticated for the current challenge
    this.challenge = null;
    this.notices = [];
    this.trace = [];
    this.subNo = 0;
  }

  static async connect(url, opts) {
    const c = new RelayConn(url, opts);
    await c.open();
    return c;
  }

  open() {
    const d = deferred(this.timeout, `connection to ${this.url}`);
    this.ws = new WebSocket(this.url);
    this.ws.on('open', () => d.resolve());
    this.ws.on('error', e => d.reject(new RelayError(`${this.url}: ${e.message}`)));
    this.ws.on('message', data => this.onFrame(String(data)));
    this.ws.on('close', () => {
      this.closed = true;
      for (const s of this.subs.values()) s.eose?.reject(new RelayError('connection closed'));
      for (const o of this.pendingOk.values()) o.reject(new RelayError('connection closed'));
    });
    return d.p;
  }

  send(frame) {
    if (this.closed) throw new RelayError(`${this.url}: connection closed`);
    const [type, a] = frame;
    this.trace.push({ dir: 'out', type, sub: type === 'REQ' || type === 'CLOSE' ? a : undefined, id: type === 'EVENT' || type === 'AUTH' ? a.id : undefined });
    this.ws.send(JSON.stringify(frame));
  }

  onFrame(text) {
    let f;
    try { f = JSON.parse(text); } catch { return; }
    if (!Array.isArray(f)) return;
    const [type, a, b, c] = f;
    this.trace.push({ dir: 'in', type, sub: ['EVENT', 'EOSE', 'CLOSED'].includes(type) ? a : undefined,
      id: type === 'EVENT' ? b?.id : type === 'OK' ? a : undefined });
    if (type === 'EVENT') {
      const s = this.subs.get(a);
      if (s && b && typeof b === 'object') s.onEvent(b);
    } else if (type === 'EOSE') {
      this.subs.get(a)?.eose?.resolve();
    } else if (type === 'OK') {
      this.pendingOk.get(a)?.resolve({ accepted: b === true, message: String(c ?? '') });
      this.pendingOk.delete(a);
    } else if (type === 'CLOSED') {
      this.onClosed(a, String(b ?? ''));
    } else if (type === 'NOTICE') {
      this.notices.push(a);
    } else if (type === 'AUTH' && typeof a === 'string') {
      this.challenge = a;
      this.authed.clear();
      for (const sk of this.signers.values()) this.authOne(sk).catch(() => {});
    }
  }

  async onClosed(subId, message) {
    const s = this.subs.get(subId);
    if (!s) return;
    if (message.startsWith('auth-required:') && !s.retried && this.challenge && this.signers.size) {
      s.retried = true;
      try {
        await this.authAll();
        this.send(['REQ', subId, ...s.filters]);
        return;
      } catch (e) { s.eose?.reject(e); return; }
    }
    s.closedMessage = message;
    s.eose?.reject(new RelayError(`${this.url}: subscription ${subId} closed: ${message}`));
  }

  async authOne(sk) {
    const pk = getPublicKey(sk);
    if (!this.challenge || this.authed.has(pk)) return;
    const ev = finalizeEvent(makeAuthEvent(this.url, this.challenge), sk);
    const d = deferred(this.timeout, `OK to AUTH as ${pk}`);
    this.pendingOk.set(ev.id, d);
    this.send(['AUTH', ev]);
    const r = await d.p;
    if (!r.accepted) throw new RelayError(`${this.url}: AUTH as ${pk} refused: ${r.message}`);
    this.authed.add(pk);
  }
  authAll() { return Promise.all([...this.signers.values()].map(sk => this.authOne(sk))); }

  // Registers a key to authenticate as (now if the relay already sent its challenge).
  async addSigner(sk) {
    const pk = getPublicKey(sk);
    if (!this.signers.has(pk)) this.signers.set(pk, sk);
    if (this.challenge) await this.authOne(sk);
  }

  // Sends REQ (a new one, or the same id again to replace its filters) and resolves at
  // EOSE. onEvent gets every event of the subscription, stored and live.
  async req(filters, onEvent, { id } = {}) {
    const subId = id ?? `s${++this.subNo}`;
    const old = this.subs.get(subId);
    const s = { filters, onEvent: onEvent ?? old?.onEvent, eose: deferred(this.timeout, `EOSE of ${subId}`) };
    this.subs.set(subId, s);
    this.send(['REQ', subId, ...filters]);
    await s.eose.p;
    s.eose = null;
    return { id: subId, close: () => this.unsub(subId) };
  }
  unsub(subId) {
    if (this.subs.delete(subId) && !this.closed) this.send(['CLOSE', subId]);
  }

  // Stored events of the filters (until EOSE), then the subscription is closed.
  async fetch(filters) {
    const out = [];
    const s = await this.req(filters, e => out.push(e));
    s.close();
    return out;
  }

  // Publishes and resolves at the relay's OK; an auth-required: refusal is retried once
  // after authenticating.
  async publish(ev) {
    for (let attempt = 0; ; attempt++) {
      const d = deferred(this.timeout, `OK for ${ev.id}`);
      this.pendingOk.set(ev.id, d);
      this.send(['EVENT', ev]);
      const r = await d.p;
      if (!r.accepted && r.message.startsWith('auth-required:') && attempt === 0 && this.signers.size) {
        await this.authAll();
        continue;
      }
      if (!r.accepted && !r.message.startsWith('duplicate:')) throw new RelayError(`${this.url}: event ${ev.id} refused: ${r.message}`);
      return r;
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.ws.close();
  }
}
