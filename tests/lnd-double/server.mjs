// server.mjs — a faithful LND REST test double (LIGHTNING.md §d.3), so the
// mostro-ln lnd backend is tested without a real node. Node's built-in https
// only. It reproduces what the client must cope with:
//   - the eight REST calls mostrod uses, exact paths and methods; 404 code 5
//     for an unknown path, 501 code 12 for a wrong method;
//   - Grpc-Metadata-macaroon (hex) checked on every call: missing or wrong is
//     HTTP 500 code 2 (wrapped in {"error":..} on streams), like LND;
//   - protojson: snake_case and lowerCamel names, int64 as "string" out and
//     string-or-number in, bytes as padded standard base64 out and std/url,
//     padded or not in; unknown body field -> 400 code 3; path bytes decoded
//     std-then-url with padding required (a '/' splits the route);
//   - unary errors {"code","message","details":[]} with the grpc-gateway
//     status mapping and LND's exact texts;
//   - streams: 200 chunked, one {"result":..}\n per message written in awkward
//     pieces (split lines, two lines in one chunk); errors before the first
//     message change the status; {"error":..} trailers; close after terminal;
//   - hold invoices OPEN -> ACCEPTED -> SETTLED/CANCELED; payments with
//     duplicate rules and scripted outcomes.
// Usage: node server.mjs --cert C --key K --macaroon-hex HEX [--network regtest]
// Prints {"https":PORT,"control":PORT} on stdout once both listen on
// 127.0.0.1. The control server (plain HTTP, JSON) drives the state:
//   POST /pay_hold {hash, amt_msat?}        the payer's HTLC arrives (ACCEPTED)
//   POST /mine {blocks}                     height += blocks (auto-cancel near expiry)
//   POST /invoice {amount_msat?, expiry?, cltv?, memo?, timestamp?, network?}
//                                           a payee invoice the node can pay
//   POST /script {match, outcome, times?, delay_ms?, fee_msat?}
//        outcome: succeed | fail:REASON | hang | initiated_then_succeed |
//                 cut_then_succeed | future_status_then_succeed | error:CODE:MESSAGE
//   POST /resolve {hash, outcome}           finish a hanging payment
//   POST /cut_streams {}                    half a line, then drop every open stream
//   POST /close_streams {}                  end every open stream cleanly (last chunk, no error)
//   POST /stream_error {hash, code, message} a trailing {"error"} on that hash's streams
//   POST /hang {path, times}                the next matching requests never get an answer
//   POST /set {height?, macaroon_hex?}
//   GET  /state, GET /log                   everything / every request seen
import https from 'node:https';
import http from 'node:http';
import fs from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { encode, decode, pubkey } from './bolt11.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
  (v.startsWith('--') ? a.concat([[v.slice(2), all[i + 1]]]) : a), []));
const NODE_KEY = createHash('sha256').update('mostroutils lnd-double node').digest();
const PAYEE_KEY = createHash('sha256').update('mostroutils lnd-double payee').digest();
const NODE_PUB = pubkey(NODE_KEY).toString('hex');

const S = {
  macaroon: (args['macaroon-hex'] || '').toLowerCase(),
  network: args.network || 'regtest',
  height: 1000,
  invoices: new Map(),      // hash hex -> invoice
  addIndex: 0, settleIndex: 0,
  invoiceSubs: new Map(),   // hash hex -> Set(stream)
  payments: new Map(),      // hash hex -> payment
  paymentIndex: 0,
  paymentSubs: new Map(),   // hash hex -> Set(stream)
  payees: new Map(),        // hash hex -> {preimage}
  scripts: new Map(),       // hash hex | 'default' -> {outcome, times, delay_ms, fee_msat}
  hangs: [],                // {path, times}
  hung: [],                 // responses never answered
  streams: new Set(),       // every open stream
  log: [],
};

// ---------- encodings ----------
const GRPC_HTTP = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401];
const b64 = (buf) => Buffer.from(buf).toString('base64');
const str = (n) => BigInt(n).toString();
const nowSec = () => Math.floor(Date.now() / 1000);

class RpcError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}
const err = (code, msg) => new RpcError(code, msg);

// protojson bytes in a JSON body: std or url alphabet, padded or not.
function bytesIn(v, name) {
  if (typeof v !== 'string') throw err(3, `proto: (line 1:1): invalid value for bytes field ${name}: ${JSON.stringify(v)}`);
  const url = /[-_]/.test(v);
  const s = v.replace(/=+$/, '');
  if (!(url ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9+/]*$/).test(s) || s.length % 4 === 1)
    throw err(3, `proto: (line 1:1): invalid value for bytes field ${name}: "${v}"`);
  return Buffer.from(s, url ? 'base64url' : 'base64');
}
// Path bytes: Go's base64.StdEncoding, then URLEncoding; both need padding.
function bytesPath(v, name) {
  for (const re of [/^[A-Za-z0-9+/]*={0,2}$/, /^[A-Za-z0-9_-]*={0,2}$/])
    if (re.test(v) && v.length % 4 === 0) return Buffer.from(v, re.source.includes('_') ? 'base64url' : 'base64');
  throw err(3, `type mismatch, parameter: ${name}, error: illegal base64 data at input byte ${Math.max(0, v.length - 1)}`);
}
function int64In(v, name) {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw err(3, `proto: (line 1:1): invalid value for int64 field ${name}: ${JSON.stringify(v)}`);
}
function int32In(v, name) {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw err(3, `proto: (line 1:1): invalid value for int32 field ${name}: ${JSON.stringify(v)}`);
}
const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
// Parses a request body against a message's fields {name: kind}; unknown field -> 400 code 3.
function parseBody(text, fields) {
  let obj;
  try { obj = text.length ? JSON.parse(text) : {}; } catch (e) { throw err(3, `proto: syntax error (line 1:1): ${e.message}`); }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw err(3, 'proto: syntax error (line 1:1): unexpected token');
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    const name = Object.keys(fields).find((f) => f === k || camel(f) === k);
    if (!name) throw err(3, `proto: (line 1:2): unknown field "${k}"`);
    if (v === null) continue;
    const kind = fields[name];
    if (kind === 'bytes') out[name] = bytesIn(v, name);
    else if (kind === 'int64') out[name] = int64In(v, name);
    else if (kind === 'int32') out[name] = int32In(v, name);
    else if (kind === 'bool') { if (typeof v !== 'boolean') throw err(3, `proto: invalid value for bool field ${name}`); out[name] = v; }
    else if (kind === 'string') { if (typeof v !== 'string') throw err(3, `proto: invalid value for string field ${name}`); out[name] = v; }
    else out[name] = v;                 // repeated/message fields: accepted as given
  }
  return out;
}

// ---------- LND messages ----------
function invoiceJson(inv) {
  return {
    memo: inv.memo, r_preimage: inv.state === 'SETTLED' ? b64(inv.preimage) : '', r_hash: b64(inv.hash),
    value: str(inv.value_msat / 1000n), value_msat: str(inv.value_msat), settled: inv.state === 'SETTLED',
    creation_date: str(inv.created), settle_date: str(inv.settle_date), payment_request: inv.payment_request,
    description_hash: '', expiry: str(inv.expiry), fallback_addr: '', cltv_expiry: str(inv.cltv),
    route_hints: [], private: false, add_index: str(inv.add_index), settle_index: str(inv.settle_index),
    amt_paid: str(inv.amt_paid_msat), amt_paid_sat: str(inv.amt_paid_msat / 1000n), amt_paid_msat: str(inv.amt_paid_msat),
    state: inv.state,
    htlcs: inv.htlcs.map((h) => ({
      chan_id: '123456789012345678', htlc_index: str(h.index), amt_msat: str(h.amt_msat),
      accept_height: h.accept_height, accept_time: str(h.accept_time), resolve_time: str(h.resolve_time),
      expiry_height: h.expiry_height, state: h.state, custom_records: {}, mpp_total_amt_msat: str(h.amt_msat),
      amp: null, custom_channel_data: '',
    })),
    features: {
      9: { name: 'tlv-onion', is_required: false, is_known: true },
      14: { name: 'payment-addr', is_required: true, is_known: true },
      17: { name: 'multi-path-payments', is_required: false, is_known: true },
    },
    is_keysend: false, payment_addr: b64(inv.payment_addr), is_amp: false, amp_invoice_state: {},
    is_blinded: false, blinded_path_config: null,
  };
}

function paymentJson(p) {
  return {
    payment_hash: p.hash, value: str(p.value_msat / 1000n), creation_date: str(p.created),
    fee: str(p.fee_msat / 1000n), payment_preimage: p.preimage || '0'.repeat(64),
    value_sat: str(p.value_msat / 1000n), value_msat: str(p.value_msat), payment_request: p.payment_request,
    status: p.status, fee_sat: str(p.fee_msat / 1000n), fee_msat: str(p.fee_msat),
    creation_time_ns: str(BigInt(p.created) * 1000000000n), htlcs: [], payment_index: str(p.index),
    failure_reason: p.failure_reason, first_hop_custom_records: {},
  };
}

// ---------- streams ----------
// Writes each line in awkward pieces: 1 byte, a few bytes, the rest; a line
// queued right behind another shares a chunk with its tail.
class Stream {
  constructor(res, kind, hash) {
    this.res = res; this.kind = kind; this.hash = hash; this.queue = []; this.busy = false; this.ended = false;
    this.started = false;
    S.streams.add(this);
    res.on('close', () => { this.ended = true; S.streams.delete(this); this.unsub(); });
  }
  unsub() {
    const m = this.kind === 'invoice' ? S.invoiceSubs : S.paymentSubs;
    m.get(this.hash)?.delete(this);
  }
  head() {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Grpc-Metadata-Content-Type': 'application/grpc' });
    this.res.flushHeaders();
  }
  send(obj) { this.head(); this.push(JSON.stringify({ result: obj }) + '\n'); }
  fail(code, message) {                      // error after (or before) messages
    const line = JSON.stringify({ error: { code, message, details: [] } }) + '\n';
    if (!this.started) {
      this.started = true;
      this.res.writeHead(GRPC_HTTP[code] || 500, { 'Content-Type': 'application/json' });
    }
    this.push(line); this.close();
  }
  close() { this.push(null); }
  push(piece) { this.queue.push(piece); this.pump(); }
  pump() {
    if (this.busy || this.ended) return;
    const next = this.queue.shift();
    if (next === undefined) return;
    if (next === null) { this.ended = true; S.streams.delete(this); this.unsub(); this.res.end(); return; }
    const parts = next.length > 12 ? [next.slice(0, 1), next.slice(1, 7), next.slice(7, -2), next.slice(-2)] : [next];
    // two lines in one chunk: the tail of this one with the head of the next
    if (this.queue.length && typeof this.queue[0] === 'string') {
      const after = this.queue.shift();
      parts[parts.length - 1] += after.slice(0, 3);
      this.queue.unshift(after.slice(3));
    }
    this.busy = true;
    const step = () => {
      if (this.ended) return;
      const p = parts.shift();
      this.res.write(p);
      if (parts.length) setTimeout(step, 2);
      else { this.busy = false; setTimeout(() => this.pump(), 1); }
    };
    step();
  }
  cut() {                                    // half a line, then drop the connection
    this.head();
    this.ended = true;
    this.res.write('{"result":{"sta');
    setTimeout(() => this.res.socket?.destroy(), 5);
  }
}

function notifyInvoice(inv) {
  const hash = inv.hash.toString('hex');
  for (const s of [...(S.invoiceSubs.get(hash) || [])]) {
    s.send(invoiceJson(inv));
    if (inv.state === 'SETTLED' || inv.state === 'CANCELED') s.close();
  }
}
function notifyPayment(p) {
  for (const s of [...(S.paymentSubs.get(p.hash) || [])]) {
    if (s.noInflight && p.status === 'IN_FLIGHT') continue;
    s.send(paymentJson(p));
    if (p.status === 'SUCCEEDED' || p.status === 'FAILED') s.close();
  }
}
function subscribe(map, hash, stream) {
  if (!map.has(hash)) map.set(hash, new Set());
  map.get(hash).add(stream);
}

// ---------- the RPCs ----------
function getInfo() {
  return {
    version: '0.21.2-beta commit=v0.21.2-beta', commit_hash: '29257ecc8892af0c882fa627b66a556190c84fd9',
    identity_pubkey: NODE_PUB, alias: 'lnd-double', color: '#3399ff', num_pending_channels: 0,
    num_active_channels: 1, num_inactive_channels: 0, num_peers: 1, block_height: S.height,
    block_hash: createHash('sha256').update(String(S.height)).digest('hex'),
    best_header_timestamp: str(nowSec()), synced_to_chain: true, synced_to_graph: true, testnet: false,
    chains: [{ chain: 'bitcoin', network: S.network }], uris: [`${NODE_PUB}@127.0.0.1:9735`],
    features: {}, require_htlc_interceptor: false, store_final_htlc_resolutions: false,
    wallet_synced: true, graph_cache_status: 'GRAPH_CACHE_STATUS_LOADED',
  };
}

function addHoldInvoice(body) {
  const q = parseBody(body, { memo: 'string', hash: 'bytes', value: 'int64', value_msat: 'int64',
    description_hash: 'bytes', expiry: 'int64', fallback_addr: 'string', cltv_expiry: 'int64',
    route_hints: 'list', private: 'bool' });
  if (!q.hash || q.hash.length !== 32) throw err(2, 'payment hash must be exactly 32 bytes');
  const memo = q.memo || '';
  if (Buffer.byteLength(memo) > 1024) throw err(2, `memo too large: ${Buffer.byteLength(memo)} bytes (maxlen=1024)`);
  if (q.value && q.value_msat) throw err(2, 'value and value_msat are mutually exclusive');
  const value_msat = q.value_msat ?? (q.value ?? 0n) * 1000n;
  const expiry = q.expiry ?? 0n;
  if (expiry > 31536000n) throw err(2, `expiry of ${expiry} seconds greater than max expiry of 3.1536e+07 seconds`);
  let cltv = q.cltv_expiry ?? 0n;
  if (cltv === 0n) cltv = 80n;
  if (cltv < 24n) throw err(2, `CLTV delta of ${cltv} must be greater than minimum of 24`);
  if (cltv > 65535n) throw err(2, `CLTV delta of ${cltv} is too large, max accepted is: 65535`);
  const hash = q.hash.toString('hex');
  if (S.invoices.has(hash)) throw err(2, 'invoice with payment hash already exists');
  const payment_addr = randomBytes(32);
  const created = nowSec();
  const inv = {
    hash: q.hash, preimage: null, memo, value_msat, state: 'OPEN', created, settle_date: 0,
    expiry: Number(expiry || 86400n), cltv: Number(cltv), add_index: ++S.addIndex, settle_index: 0,
    htlcs: [], payment_addr, amt_paid_msat: 0n,
  };
  inv.payment_request = encode({ network: S.network, amount_msat: value_msat || null, timestamp: created,
    payment_hash: q.hash, payment_secret: payment_addr, description: memo, expiry: inv.expiry,
    min_final_cltv: inv.cltv }, NODE_KEY);
  S.invoices.set(hash, inv);
  notifyInvoice(inv);              // a subscription opened before creation sees it now
  return { payment_request: inv.payment_request, add_index: str(inv.add_index), payment_addr: b64(payment_addr) };
}

function settleInvoice(body) {
  const q = parseBody(body, { preimage: 'bytes' });
  if (!q.preimage || q.preimage.length !== 32) throw err(2, 'unable to parse preimage: invalid length');
  const hash = createHash('sha256').update(q.preimage).digest('hex');
  const inv = S.invoices.get(hash);
  if (!inv) throw err(2, 'unable to locate invoice');
  if (inv.state === 'SETTLED') return {};
  if (inv.state === 'OPEN') throw err(2, 'invoice still open');
  if (inv.state === 'CANCELED') throw err(2, 'invoice already canceled');
  inv.state = 'SETTLED'; inv.preimage = q.preimage; inv.settle_date = nowSec(); inv.settle_index = ++S.settleIndex;
  for (const h of inv.htlcs) { h.state = 'SETTLED'; h.resolve_time = nowSec(); }
  notifyInvoice(inv);
  return {};
}

function cancelInvoice(body) {
  const q = parseBody(body, { payment_hash: 'bytes' });
  const inv = S.invoices.get((q.payment_hash || Buffer.alloc(0)).toString('hex'));
  if (!inv) throw err(2, 'unable to locate invoice');
  if (inv.state === 'CANCELED') return {};
  if (inv.state === 'SETTLED') throw err(2, 'invoice already settled');
  cancel(inv);
  return {};
}
function cancel(inv) {
  inv.state = 'CANCELED';
  inv.amt_paid_msat = 0n;
  for (const h of inv.htlcs) { h.state = 'CANCELED'; h.resolve_time = nowSec(); }
  notifyInvoice(inv);
}

function lookupInvoice(rhashStr) {
  if (!/^[0-9a-fA-F]*$/.test(rhashStr) || rhashStr.length % 2) throw err(2, `encoding/hex: invalid byte: U+0067 'g'`);
  if (rhashStr.length !== 64) throw err(2, `payment hash must be exactly 32 bytes, is instead ${rhashStr.length / 2}`);
  if (S.invoices.size === 0) throw err(5, 'there are no existing invoices');
  const inv = S.invoices.get(rhashStr.toLowerCase());
  if (!inv) throw err(5, 'unable to locate invoice');
  return invoiceJson(inv);
}

function subscribeInvoice(res, rhash) {
  const hash = bytesPath(rhash, 'r_hash').toString('hex');
  const s = new Stream(res, 'invoice', hash);
  s.head();
  subscribe(S.invoiceSubs, hash, s);
  const inv = S.invoices.get(hash);
  if (inv) {                         // the current state first; idle when unknown
    s.send(invoiceJson(inv));
    if (inv.state === 'SETTLED' || inv.state === 'CANCELED') s.close();
  }
}

function takeScript(hash) {
  for (const key of [hash, 'default']) {
    const sc = S.scripts.get(key);
    if (!sc) continue;
    if (sc.times !== undefined && --sc.times <= 0) S.scripts.delete(key);
    return sc;
  }
  return { outcome: 'succeed' };
}

function sendPayment(res, body) {
  const s = new Stream(res, 'payment', null);
  let q;
  try {
    q = parseBody(body, { dest: 'bytes', amt: 'int64', payment_hash: 'bytes', final_cltv_delta: 'int32',
      payment_request: 'string', timeout_seconds: 'int32', fee_limit_sat: 'int64', cltv_limit: 'int32',
      route_hints: 'list', dest_custom_records: 'map', amt_msat: 'int64', fee_limit_msat: 'int64',
      last_hop_pubkey: 'bytes', allow_self_payment: 'bool', dest_features: 'list', max_parts: 'int32',
      no_inflight_updates: 'bool', outgoing_chan_ids: 'list', payment_addr: 'bytes',
      max_shard_size_msat: 'int64', amp: 'bool', time_pref: 'number', cancelable: 'bool',
      first_hop_custom_records: 'map' });
    if (!q.timeout_seconds) throw err(2, 'timeout_seconds must be specified');
    let inv;
    try { inv = decode(q.payment_request || ''); } catch (e) { throw err(2, `invalid payment request: ${e.message}`); }
    if (inv.network !== S.network) throw err(2, `invoice not for current active network '${S.network}'`);
    if (nowSec() > inv.timestamp + inv.expiry)
      throw err(2, `invoice expired. Valid until ${new Date((inv.timestamp + inv.expiry) * 1000).toISOString()}`);
    // LND: an amount in the HRP, even "0" (lnbc0), is an invoice with an amount
    if (inv.amount_msat !== null && (q.amt || q.amt_msat))
      throw err(2, 'amount must not be specified when paying a non-zero amount invoice');
    if (inv.amount_msat === null && !q.amt && !q.amt_msat)
      throw err(2, 'amount must be specified when paying a zero amount invoice');
    const hash = inv.payment_hash;
    const old = S.payments.get(hash);
    if (old && old.status === 'SUCCEEDED') throw err(6, 'invoice is already paid');
    if (old && (old.status === 'IN_FLIGHT' || old.status === 'INITIATED')) throw err(6, 'payment is in transition');
    const sc = takeScript(hash);
    if (sc.outcome.startsWith('error:')) {
      const [, code, ...msg] = sc.outcome.split(':');
      throw err(Number(code), msg.join(':'));
    }
    const value_msat = inv.amount_msat || q.amt_msat || q.amt * 1000n;
    const p = { hash, value_msat, fee_msat: 0n, status: 'IN_FLIGHT', preimage: null, created: nowSec(),
      payment_request: q.payment_request, index: ++S.paymentIndex, failure_reason: 'FAILURE_REASON_NONE',
      fee_limit_sat: q.fee_limit_sat ?? 0n, script: sc };
    S.payments.set(hash, p);
    s.hash = hash;
    subscribe(S.paymentSubs, hash, s);
    runPayment(p, s);
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    s.fail(e.code, e.message);      // before any message: the mapped status
  }
}

function runPayment(p, s) {
  const sc = p.script;
  const delay = sc.delay_ms ?? 20;
  if (sc.outcome === 'initiated_then_succeed') {
    p.status = 'INITIATED'; notifyPayment(p);
    setTimeout(() => { p.status = 'IN_FLIGHT'; notifyPayment(p); }, 5);
    setTimeout(() => finishPayment(p, 'succeed'), delay + 10);
    return;
  }
  if (sc.outcome === 'future_status_then_succeed') {
    // the send stream's first message carries a status this client does not
    // know (as INITIATED once was new); the payment goes on and succeeds
    s.send({ ...paymentJson(p), status: 'FUTURE_STATUS' });
    setTimeout(() => finishPayment(p, 'succeed'), delay + 50);
    return;
  }
  notifyPayment(p);
  if (sc.outcome === 'hang') return;
  if (sc.outcome === 'cut_then_succeed') {
    setTimeout(() => s.cut(), 10);
    setTimeout(() => finishPayment(p, 'succeed'), delay + 50);
    return;
  }
  setTimeout(() => finishPayment(p, sc.outcome), delay);
}

function finishPayment(p, outcome) {
  if (p.status === 'SUCCEEDED' || p.status === 'FAILED') return;
  const sc = p.script;
  const fee = BigInt(sc.fee_msat ?? 0);
  if (outcome === 'succeed' && (p.fee_limit_sat === 0n && fee > 0n)) outcome = 'fail:NO_ROUTE';
  if (outcome === 'succeed' && fee > p.fee_limit_sat * 1000n) outcome = 'fail:NO_ROUTE';
  const payee = S.payees.get(p.hash);
  if (outcome === 'succeed' && !payee) outcome = 'fail:NO_ROUTE';
  if (outcome === 'succeed') {
    p.status = 'SUCCEEDED'; p.preimage = payee.preimage; p.fee_msat = fee;
  } else {
    p.status = 'FAILED';
    p.failure_reason = 'FAILURE_REASON_' + (outcome.split(':')[1] || 'ERROR');
  }
  notifyPayment(p);
}

function trackPayment(res, hashParam, query) {
  const hash = bytesPath(hashParam, 'payment_hash').toString('hex');
  const s = new Stream(res, 'payment', hash);
  const p = S.payments.get(hash);
  if (!p) { s.fail(5, "payment isn't initiated"); return; }
  s.noInflight = query.get('no_inflight_updates') === 'true';
  subscribe(S.paymentSubs, hash, s);
  s.send(paymentJson(p));
  if (p.status === 'SUCCEEDED' || p.status === 'FAILED') s.close();
}

// ---------- HTTP ----------
const ROUTES = [
  ['GET', /^\/v1\/getinfo$/, 'unary', () => getInfo()],
  ['POST', /^\/v2\/invoices\/hodl$/, 'unary', (m, body) => addHoldInvoice(body)],
  ['POST', /^\/v2\/invoices\/settle$/, 'unary', (m, body) => settleInvoice(body)],
  ['POST', /^\/v2\/invoices\/cancel$/, 'unary', (m, body) => cancelInvoice(body)],
  ['GET', /^\/v1\/invoice\/([^/]+)$/, 'unary', (m) => lookupInvoice(m[1])],
  ['GET', /^\/v2\/invoices\/subscribe\/([^/]+)$/, 'stream', (m, body, res) => subscribeInvoice(res, m[1])],
  ['POST', /^\/v2\/router\/send$/, 'stream', (m, body, res) => sendPayment(res, body)],
  ['GET', /^\/v2\/router\/track\/([^/]+)$/, 'stream', (m, body, res, q) => trackPayment(res, m[1], q)],
];

function unaryError(res, code, message) {
  res.writeHead(GRPC_HTTP[code] || 500, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ code, message, details: [] }));
}
function streamError(res, code, message) {
  res.writeHead(GRPC_HTTP[code] || 500, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message, details: [] } }) + '\n');
}
// LND's REST proxy keeps grpc-gateway v2's default (legacy) unescaping: it
// routes on Go's decoded URL.Path, so an encoded '/' (%2F) splits the path
// segment like a raw one and the route no longer matches (LIGHTNING.md §a.3).
const unescapePath = (p) => { try { return decodeURIComponent(p); } catch { return p; } };

function handle(req, res, body) {
  const url = new URL(req.url, 'https://x');
  const path = unescapePath(url.pathname);
  S.log.push({ method: req.method, path: url.pathname + url.search, body,
    macaroon: req.headers['grpc-metadata-macaroon'] ?? null, content_type: req.headers['content-type'] ?? null });
  const hang = S.hangs.find((h) => path.startsWith(h.path) && h.times > 0);
  if (hang) { hang.times--; S.hung.push(res); return; }
  const byPath = ROUTES.filter(([, re]) => re.test(path));
  if (!byPath.length) return unaryError(res, 5, 'Not Found');
  const route = byPath.find(([m]) => m === req.method);
  if (!route) return unaryError(res, 12, 'Method Not Allowed');
  const [, re, kind, fn] = route;
  const mac = req.headers['grpc-metadata-macaroon'];
  const fail = kind === 'stream' ? streamError : unaryError;
  if (mac === undefined) return fail(res, 2, 'expected 1 macaroon, got 0');
  if (String(mac).toLowerCase() !== S.macaroon)
    return fail(res, 2, 'verification failed: signature mismatch after caveat verification');
  try {
    if (kind === 'unary') {
      const out = fn(re.exec(path), body, res, url.searchParams);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(out));
    } else {
      fn(re.exec(path), body, res, url.searchParams);
    }
  } catch (e) {
    if (!(e instanceof RpcError)) { console.error(e); return fail(res, 13, String(e.message)); }
    fail(res, e.code, e.message);
  }
}

function collect(req, cb) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => cb(Buffer.concat(chunks).toString('utf8')));
}

// ---------- control ----------
const CONTROL = {
  'POST /pay_hold': (q) => {
    const inv = S.invoices.get(q.hash);
    if (!inv) throw new Error('no such invoice');
    if (inv.state !== 'OPEN') throw new Error(`invoice is ${inv.state}`);
    const amt = BigInt(q.amt_msat ?? inv.value_msat);
    inv.htlcs.push({ index: inv.htlcs.length, amt_msat: amt, accept_height: S.height, accept_time: nowSec(),
      resolve_time: 0, expiry_height: S.height + inv.cltv + 3, state: 'ACCEPTED' });
    inv.amt_paid_msat = amt;
    inv.state = 'ACCEPTED';
    notifyInvoice(inv);
    return { hash: q.hash, state: inv.state };
  },
  'POST /mine': (q) => {
    S.height += Number(q.blocks ?? 1);
    for (const inv of S.invoices.values())
      if (inv.state === 'ACCEPTED' && inv.htlcs.some((h) => h.state === 'ACCEPTED' && S.height >= h.expiry_height - 12))
        cancel(inv);
    return { height: S.height };
  },
  'POST /invoice': (q) => {
    const preimage = randomBytes(32);
    const hash = createHash('sha256').update(preimage).digest();
    const pr = encode({ network: q.network ?? S.network, amount_msat: q.amount_msat === undefined || q.amount_msat === null ? null : BigInt(q.amount_msat),
      timestamp: q.timestamp ?? nowSec(), payment_hash: hash, payment_secret: randomBytes(32),
      description: q.memo ?? '', expiry: q.expiry ?? 86400, min_final_cltv: q.cltv ?? 40 }, PAYEE_KEY);
    S.payees.set(hash.toString('hex'), { preimage: preimage.toString('hex') });
    return { payment_request: pr, hash: hash.toString('hex'), preimage: preimage.toString('hex') };
  },
  'POST /script': (q) => { S.scripts.set(q.match ?? 'default', { outcome: q.outcome, times: q.times, delay_ms: q.delay_ms, fee_msat: q.fee_msat }); return {}; },
  'POST /resolve': (q) => { const p = S.payments.get(q.hash); if (!p) throw new Error('no such payment'); finishPayment(p, q.outcome ?? 'succeed'); return { status: p.status }; },
  'POST /cut_streams': () => { const n = S.streams.size; for (const s of [...S.streams]) s.cut(); return { cut: n }; },
  'POST /close_streams': () => { const n = S.streams.size; for (const s of [...S.streams]) { s.head(); s.close(); } return { closed: n }; },
  'POST /stream_error': (q) => {
    let n = 0;
    for (const s of [...S.streams]) if (s.hash === q.hash) { s.fail(q.code ?? 2, q.message ?? 'error'); n++; }
    return { streams: n };
  },
  'POST /hang': (q) => { S.hangs.push({ path: q.path, times: q.times ?? 1 }); return {}; },
  'POST /set': (q) => {
    if (q.height !== undefined) S.height = q.height;
    if (q.macaroon_hex !== undefined) S.macaroon = q.macaroon_hex.toLowerCase();
    return {};
  },
  'GET /state': () => ({
    height: S.height,
    invoices: [...S.invoices.values()].map((i) => ({ hash: i.hash.toString('hex'), state: i.state, value_msat: str(i.value_msat), cltv: i.cltv, expiry: i.expiry, memo: i.memo })),
    payments: [...S.payments.values()].map((p) => ({ hash: p.hash, status: p.status, value_msat: str(p.value_msat), fee_limit_sat: str(p.fee_limit_sat), failure_reason: p.failure_reason })),
    streams: S.streams.size,
  }),
  'GET /log': () => S.log,
};

const control = http.createServer((req, res) => collect(req, (body) => {
  const fn = CONTROL[`${req.method} ${new URL(req.url, 'http://x').pathname}`];
  res.setHeader('Content-Type', 'application/json');
  if (!fn) { res.writeHead(404); return res.end('{"error":"no such control"}\n'); }
  try {
    const out = fn(body ? JSON.parse(body) : {});
    res.end(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
  } catch (e) { res.writeHead(400); res.end(JSON.stringify({ error: e.message }) + '\n'); }
}));

const server = https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) },
  (req, res) => { req.socket.setNoDelay(true); collect(req, (body) => handle(req, res, body)); });
server.keepAliveTimeout = 60000;

let ready = 0;
const done = () => {
  if (++ready < 2) return;
  process.stdout.write(JSON.stringify({ https: server.address().port, control: control.address().port }) + '\n');
};
server.listen(Number(args.port ?? 0), '127.0.0.1', done);
control.listen(Number(args['control-port'] ?? 0), '127.0.0.1', done);
process.on('SIGTERM', () => process.exit(0));
