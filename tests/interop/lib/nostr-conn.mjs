// nostr-conn.mjs — a small NIP-01/NIP-42 relay connection over `ws` for the independent
// Mostro user agent: REQ that resolves at EOSE (so a caller can subscribe before it
// publishes), EVENT that resolves at OK, NIP-42 for the keys registered. Relays serve
// gift wraps (and on `mostro-relay serve --auth-read-kinds 1059,14` kind 14) only to an
// authenticated recipient. `mostro-relay serve` challenges on connect and lets one
// connection authenticate several keys: a key registered then is authenticated at once.
// strfry challenges only with its first refusal (CLOSED "ERROR: auth-required: ..."),
// lets a connection authenticate one key, and refuses restricted REQs only when every
// filter is restricted: so callers keep restricted kinds in REQs of their own, and a
// refused REQ authenticates the registered keys its #p filters name, then is sent again
// once. Every wait is bounded. trace keeps the frames in the order they crossed the wire
// (type, subscription, event id) for tests.
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
    this.authing = new Map();   // pubkey -> AUTH in flight
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
    this.trace.push({ dir: 'out', type, sub: type === 'REQ' || type === 'CLOSE' ? a : undefined, id: type === 'EVENT' || type === 'AUTH' ? a.id : undefined,
      p: type === 'REQ' ? frame.slice(2).flatMap(f => f['#p'] ?? []) : undefined });
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
      this.authing.clear();
    }
  }

  async onClosed(subId, message) {
    const s = this.subs.get(subId);
    if (!s) return;
    const reason = message.replace(/^ERROR:\s*/, ''); // strfry's prefix before NIP-01's
    if (reason.startsWith('auth-required:') && !s.retried && this.challenge && this.signers.size) {
      s.retried = true;
      try {
        const named = new Set(s.filters.flatMap(f => f['#p'] ?? []));
        const keys = [...this.signers].filter(([pk]) => !named.size || named.has(pk)).map(([, sk]) => sk);
        await Promise.all(keys.map(sk => this.authOne(sk)));
        this.send(['REQ', subId, ...s.filters]);
        return;
      } catch (e) { s.eose?.reject(e); return; }
    }
    s.closedMessage = message;
    s.eose?.reject(new RelayError(`${this.url}: subscription ${subId} closed: ${message}`));
  }

  authOne(sk) {
    const pk = getPublicKey(sk);
    if (!this.challenge || this.authed.has(pk)) return Promise.resolve();
    if (this.authing.has(pk)) return this.authing.get(pk);
    const ev = finalizeEvent(makeAuthEvent(this.url, this.challenge), sk);
    const d = deferred(this.timeout, `OK to AUTH as ${pk}`);
    this.pendingOk.set(ev.id, d);
    this.send(['AUTH', ev]);
    const p = d.p.then(r => {
      if (!r.accepted) throw new RelayError(`${this.url}: AUTH as ${pk} refused: ${r.message}`);
      this.authed.add(pk);
    }).finally(() => this.authing.delete(pk));
    this.authing.set(pk, p);
    return p;
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
