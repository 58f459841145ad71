// mostro-msg.mjs — the Mostro message model of an independent client, written from
// PROTOCOL.md §2 (and mostro-core's type declarations for facts), not from our C code.
//
// canonical(msg) parses a message with mostro-core's strictness and returns the
// compact text serde_json writes for it (§2.3): struct key order, null for absent
// optionals except the keys serde skips, lowercase hyphenated UUIDs, floats with a
// '.0'. That text is what a client signs and sends. A refusal throws MsgError with a
// code (json, type, enum-shape, variant, missing, range, length, uuid, unknown-field)
// and the path of the field, the vocabulary of tests/vectors/mostro-msg-golden.jsonl.
//
// Limits of a JavaScript value as input: JSON.parse has already turned 2.0 into 2 and
// cannot hold integers past 2^53, so callers build messages from JS values (the user
// agent does) or accept those limits.

export const ACTIONS = `new-order take-sell take-buy pay-invoice pay-bond-invoice fiat-sent fiat-sent-ok
release released cancel canceled cooperative-cancel-initiated-by-you
cooperative-cancel-initiated-by-peer dispute-initiated-by-you dispute-initiated-by-peer
cooperative-cancel-accepted buyer-invoice-accepted bond-invoice-accepted purchase-completed
bond-payout-completed bond-slashed hold-invoice-payment-accepted hold-invoice-payment-settled
hold-invoice-payment-canceled waiting-seller-to-pay waiting-buyer-invoice add-invoice
add-bond-invoice buyer-took-order rate rate-user rate-received cant-do dispute admin-cancel
admin-canceled admin-settle admin-settled admin-add-solver admin-take-dispute
admin-took-dispute payment-failed invoice-updated send-dm trade-pubkey restore-session
last-trade-index orders add-cashu-escrow cashu-escrow-locked cashu-pm-signature`.split(/\s+/);
export const STATUSES = `active canceled canceled-by-admin settled-by-admin completed-by-admin dispute
expired fiat-sent settled-hold-invoice pending success waiting-buyer-invoice waiting-payment
waiting-taker-bond cooperatively-canceled in-progress waiting-maker-bond`.split(/\s+/);
export const CANT_DO = `invalid_signature invalid_trade_index invalid_amount invalid_invoice
invalid_payment_request invalid_peer invalid_rating invalid_text_message invalid_order_kind
invalid_order_status invalid_pubkey invalid_parameters invalid_payload order_already_canceled
cant_create_user is_not_your_order not_allowed_by_status out_of_range_fiat_amount
out_of_range_sats_amount price_too_stale is_not_your_dispute dispute_taken_by_admin
not_authorized dispute_creation_error not_found invalid_dispute_status invalid_action
pending_order_exists invalid_fiat_currency too_many_requests invalid_cashu_token
cashu_mint_unavailable invalid_mint_url cashu_escrow_not_locked cashu_signature_missing`.split(/\s+/);
export const CHANNELS = ['order', 'dispute', 'cant-do', 'rate', 'dm', 'restore'];

export class MsgError extends Error {
  constructor(code, path, detail) {
    super(`${path || 'message'}: ${code}${detail ? ': ' + detail : ''}`);
    this.code = code;
    this.path = path;
  }
}

// A float that must print the way serde_json (ryu) prints an f64.
class F64 { constructor(v) { this.v = v; } }

// ryu's format64: shortest round-trip digits; plain notation for exponents -5 < kk <= 16.
export function formatF64(x) {
  if (!Number.isFinite(x)) throw new MsgError('type', '', 'not a finite number');
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [m, e] = Math.abs(x).toExponential().split('e');
  const d = m.replace('.', ''), n = d.length, kk = Number(e) + 1;
  if (n <= kk && kk <= 16) return sign + d + '0'.repeat(kk - n) + '.0';
  if (0 < kk && kk <= 16) return sign + d.slice(0, kk) + '.' + d.slice(kk);
  if (-5 < kk && kk <= 0) return sign + '0.' + '0'.repeat(-kk) + d;
  return sign + d[0] + (n > 1 ? '.' + d.slice(1) : '') + 'e' + (kk - 1);
}

// Compact JSON in insertion order, F64 as ryu prints it. JSON.stringify's string
// escaping is serde_json's: " \ \b \f \n \r \t, other controls as \u00xx (lowercase),
// '/' and non-ASCII verbatim.
export function stringify(v) {
  if (v === null) return 'null';
  if (v instanceof F64) return formatF64(v.v);
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new MsgError('range', '', `${v} is not an integer JavaScript can hold exactly`);
    return String(v);
  }
  if (Array.isArray(v)) return '[' + v.map(stringify).join(',') + ']';
  return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ':' + stringify(x)).join(',') + '}';
}

// ------------------------------------------------------------------ readers
const isObj = v => v !== null && typeof v === 'object' && !Array.isArray(v);
const at = (p, k) => (typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${k}` : k);

function int(v, p, min, max) {
  if (typeof v !== 'number' || !Number.isInteger(v) || Object.is(v, -0)) throw new MsgError('type', p, `expected an integer, got ${JSON.stringify(v)}`);
  if (!Number.isSafeInteger(v)) throw new MsgError('range', p, 'beyond 2^53: not representable here');
  if (v < min || v > max) throw new MsgError('range', p, `${v} outside ${min}..${max}`);
  return v;
}
const U8 = [0, 255], U32 = [0, 4294967295], I64 = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], U64 = [0, Number.MAX_SAFE_INTEGER];
const optInt = (v, p, [a, b]) => (v == null ? null : int(v, p, a, b));
function str(v, p) { if (typeof v !== 'string') throw new MsgError('type', p, 'expected a string'); return v; }
const optStr = (v, p) => (v == null ? null : str(v, p));
function bool(v, p) { if (typeof v !== 'boolean') throw new MsgError('type', p, 'expected a boolean'); return v; }
function f64(v, p) { if (typeof v !== 'number' || !Number.isFinite(v)) throw new MsgError('type', p, 'expected a number'); return new F64(v); }
function arr(v, p, len) {
  if (!Array.isArray(v)) throw new MsgError('type', p, 'expected an array');
  if (len !== undefined && v.length !== len) throw new MsgError('length', p, `expected ${len} elements, got ${v.length}`);
  return v;
}
function req(o, k, p) { if (!(k in o) || o[k] === undefined) throw new MsgError('missing', at(p, k)); return o[k]; }

// serde's unit variant: "name" or {"name":null}
function unit(v, p, names) {
  let name = v;
  if (isObj(v)) {
    const ks = Object.keys(v);
    if (ks.length !== 1) throw new MsgError('enum-shape', p, 'an enum object has exactly one key');
    if (v[ks[0]] !== null) throw new MsgError('type', p, 'a unit variant carries no value');
    name = ks[0];
  } else if (typeof v !== 'string') throw new MsgError('type', p, 'expected a string');
  if (!names.includes(name)) throw new MsgError('variant', p, `unknown value ${JSON.stringify(name)}`);
  return name;
}

// The uuid crate's parser: hyphenated, simple, braced, urn; written lowercase hyphenated.
export function uuid(v, p = 'id') {
  if (typeof v !== 'string') throw new MsgError('type', p, 'expected a UUID string');
  let s = v;
  if (/^urn:uuid:/i.test(s)) s = s.slice(9);
  else if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  let h;
  if (/^[0-9a-fA-F]{32}$/.test(s)) h = s;
  else if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s)) h = s.replace(/-/g, '');
  else throw new MsgError('uuid', p, `not a UUID: ${JSON.stringify(v)}`);
  h = h.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
const optUuid = (v, p) => (v == null ? null : uuid(v, p));

// A struct may also arrive as the array of its fields (serde's seq form).
function fields(v, p, names) {
  if (Array.isArray(v)) {
    if (v.length !== names.length) throw new MsgError('length', p, `expected ${names.length} fields, got ${v.length}`);
    return Object.fromEntries(names.map((n, i) => [n, v[i]]));
  }
  if (!isObj(v)) throw new MsgError('type', p, 'expected an object');
  return v;
}

// ------------------------------------------------------------------- types
const SMALL_ORDER = ['id', 'kind', 'status', 'amount', 'fiat_code', 'min_amount', 'max_amount', 'fiat_amount',
  'payment_method', 'premium', 'buyer_trade_pubkey', 'seller_trade_pubkey', 'buyer_invoice', 'created_at', 'expires_at'];

// SmallOrder: deny_unknown_fields; id, the two trade pubkeys and buyer_invoice skipped when None.
export function smallOrder(v, p = 'order') {
  const o = fields(v, p, SMALL_ORDER);
  for (const k of Object.keys(o)) if (!SMALL_ORDER.includes(k)) throw new MsgError('unknown-field', at(p, k));
  const out = {};
  if (o.id != null) out.id = uuid(o.id, at(p, 'id'));
  out.kind = o.kind == null ? null : unit(o.kind, at(p, 'kind'), ['buy', 'sell']);
  out.status = o.status == null ? null : unit(o.status, at(p, 'status'), STATUSES);
  out.amount = int(req(o, 'amount', p), at(p, 'amount'), ...I64);
  out.fiat_code = str(req(o, 'fiat_code', p), at(p, 'fiat_code'));
  out.min_amount = optInt(o.min_amount, at(p, 'min_amount'), I64);
  out.max_amount = optInt(o.max_amount, at(p, 'max_amount'), I64);
  out.fiat_amount = int(req(o, 'fiat_amount', p), at(p, 'fiat_amount'), ...I64);
  out.payment_method = str(req(o, 'payment_method', p), at(p, 'payment_method'));
  out.premium = int(req(o, 'premium', p), at(p, 'premium'), ...I64);
  for (const k of ['buyer_trade_pubkey', 'seller_trade_pubkey', 'buyer_invoice'])
    if (o[k] != null) out[k] = str(o[k], at(p, k));
  out.created_at = optInt(o.created_at, at(p, 'created_at'), I64);
  out.expires_at = optInt(o.expires_at, at(p, 'expires_at'), I64);
  return out;
}

function userInfo(v, p) {
  const o = fields(v, p, ['rating', 'reviews', 'operating_days']);
  return { rating: f64(req(o, 'rating', p), at(p, 'rating')), reviews: int(req(o, 'reviews', p), at(p, 'reviews'), ...I64),
    operating_days: int(req(o, 'operating_days', p), at(p, 'operating_days'), ...U64) };
}
const optUserInfo = (v, p) => (v == null ? null : userInfo(v, p));

const SOLVER_INFO = [
  ['id', uuid], ['kind', str], ['status', str], ['hash', optStr], ['preimage', optStr], ['order_previous_status', str],
  ['initiator_pubkey', str], ['buyer_pubkey', optStr], ['seller_pubkey', optStr], ['initiator_full_privacy', bool],
  ['counterpart_full_privacy', bool], ['initiator_info', optUserInfo], ['counterpart_info', optUserInfo],
  ['premium', (v, p) => int(v, p, ...I64)], ['payment_method', str], ['amount', (v, p) => int(v, p, ...I64)],
  ['fiat_amount', (v, p) => int(v, p, ...I64)], ['fee', (v, p) => int(v, p, ...I64)], ['routing_fee', (v, p) => int(v, p, ...I64)],
  ['buyer_invoice', optStr], ['invoice_held_at', (v, p) => int(v, p, ...I64)], ['taken_at', (v, p) => int(v, p, ...I64)],
  ['created_at', (v, p) => int(v, p, ...I64)],
];
function solverDisputeInfo(v, p) {
  const o = fields(v, p, SOLVER_INFO.map(([k]) => k));
  const out = {};
  for (const [k, read] of SOLVER_INFO) {
    const optional = read === optStr || read === optUserInfo;
    out[k] = read(optional ? o[k] : req(o, k, p), at(p, k));
  }
  return out;
}

function record(v, p, spec) {
  const o = fields(v, p, spec.map(([k]) => k));
  const out = {};
  for (const [k, read, optional] of spec) out[k] = read(optional ? o[k] : req(o, k, p), at(p, k));
  return out;
}
const i64 = (v, p) => int(v, p, ...I64);
const u32 = (v, p) => int(v, p, ...U32);
const RESTORED_ORDER = [['order_id', uuid], ['trade_index', i64], ['status', str]];
const RESTORED_DISPUTE = [['dispute_id', uuid], ['order_id', uuid], ['trade_index', i64], ['status', str],
  ['initiator', (v, p) => (v == null ? null : unit(v, p, ['buyer', 'seller'])), true], ['solver_pubkey', optStr, true]];
const list = (v, p, read) => arr(v, p).map((x, i) => read(x, at(p, i)));

const PAYLOADS = {
  order: (v, p) => smallOrder(v, p),
  payment_request: (v, p) => {
    const a = arr(v, p, 3);
    return [a[0] == null ? null : smallOrder(a[0], at(p, 0)), str(a[1], at(p, 1)), optInt(a[2], at(p, 2), I64)];
  },
  text_message: (v, p) => str(v, p),
  peer: (v, p) => {
    const o = fields(v, p, ['pubkey', 'reputation']);
    return { pubkey: str(req(o, 'pubkey', p), at(p, 'pubkey')), reputation: optUserInfo(o.reputation, at(p, 'reputation')) };
  },
  rating_user: (v, p) => int(v, p, ...U8),
  amount: (v, p) => int(v, p, ...I64),
  dispute: (v, p) => { const a = arr(v, p, 2); return [uuid(a[0], at(p, 0)), a[1] == null ? null : solverDisputeInfo(a[1], at(p, 1))]; },
  cant_do: (v, p) => (v == null ? null : unit(v, p, CANT_DO)),
  next_trade: (v, p) => { const a = arr(v, p, 2); return [str(a[0], at(p, 0)), int(a[1], at(p, 1), ...U32)]; },
  payment_failed: (v, p) => record(v, p, [['payment_attempts', u32], ['payment_retries_interval', u32]]),
  restore_data: (v, p) => {
    const o = fields(v, p, ['orders', 'disputes']);
    return { orders: list(req(o, 'orders', p), at(p, 'orders'), (x, q) => record(x, q, RESTORED_ORDER)),
      disputes: list(req(o, 'disputes', p), at(p, 'disputes'), (x, q) => record(x, q, RESTORED_DISPUTE)) };
  },
  ids: (v, p) => list(v, p, uuid),
  orders: (v, p) => list(v, p, smallOrder),
  bond_resolution: (v, p) => record(v, p, [['slash_seller', bool], ['slash_buyer', bool]]),
  bond_payout_request: (v, p) => record(v, p, [['order', smallOrder], ['slashed_at', i64]]),
  cashu_lock_proof: (v, p) => {
    const out = record(v, p, [['token', str], ['mint_url', str], ['buyer_pubkey', str], ['seller_pubkey', str], ['mostro_pubkey', str]]);
    if (v.fee_token != null) out.fee_token = str(v.fee_token, at(p, 'fee_token'));
    return out;
  },
  cashu_signatures: (v, p) => list(v, p, (x, q) => record(x, q, [['secret', str], ['signature', str]])),
};
export const PAYLOAD_VARIANTS = Object.keys(PAYLOADS);

function payload(v, p) {
  if (v == null) return null;
  if (!isObj(v)) throw new MsgError('type', p, 'expected an object with one variant key');
  const ks = Object.keys(v);
  if (ks.length !== 1) throw new MsgError('enum-shape', p, 'a payload has exactly one variant key');
  const read = PAYLOADS[ks[0]];
  if (!read) throw new MsgError('variant', p, `unknown payload variant ${JSON.stringify(ks[0])}`);
  return { [ks[0]]: read(v[ks[0]], at(p, ks[0])) };
}

function messageKind(v, p) {
  const o = fields(v, p, ['version', 'request_id', 'trade_index', 'id', 'action', 'payload']);
  const out = {};
  out.version = int(req(o, 'version', p), at(p, 'version'), ...U8);
  out.request_id = optInt(o.request_id, at(p, 'request_id'), U64);
  out.trade_index = optInt(o.trade_index, at(p, 'trade_index'), I64);
  if (o.id != null) out.id = uuid(o.id, at(p, 'id'));
  out.action = unit(req(o, 'action', p), at(p, 'action'), ACTIONS);
  out.payload = payload(o.payload, at(p, 'payload'));
  return out;
}

// Parses a message (a JS value or JSON text) and returns it in canonical form as a JS
// value (floats wrapped; use stringify) — throws MsgError.
export function normalize(msg) {
  if (typeof msg === 'string') {
    try { msg = JSON.parse(msg); } catch (e) { throw new MsgError('json', '', e.message); }
  }
  if (!isObj(msg)) throw new MsgError('type', '', 'a message is an object with one channel key');
  const ks = Object.keys(msg);
  if (ks.length !== 1) throw new MsgError('enum-shape', '', 'a message has exactly one channel key');
  if (!CHANNELS.includes(ks[0])) throw new MsgError('variant', '', `unknown channel ${JSON.stringify(ks[0])}`);
  if (!isObj(msg[ks[0]]) && !Array.isArray(msg[ks[0]])) throw new MsgError('type', ks[0], 'expected an object');
  return { [ks[0]]: messageKind(msg[ks[0]], ks[0]) };
}
export const canonical = msg => stringify(normalize(msg));

// The channel's inner MessageKind of a (parsed) message.
export function inner(msg) {
  const [ch] = Object.keys(msg);
  return { channel: ch, ...msg[ch] };
}

// mostro-core's MessageKind::verify() (PROTOCOL §2.9): the structural gate mostrod
// applies before dispatch. A client checks its own requests with it; never replies.
export function verifyShape(msg) {
  const k = inner(normalize(msg));
  const v = k.payload ? Object.keys(k.payload)[0] : null;
  const hasId = k.id != null;
  switch (k.action) {
    case 'new-order': return v === 'order';
    case 'pay-invoice': case 'pay-bond-invoice': case 'add-invoice': return hasId && v === 'payment_request';
    case 'add-bond-invoice': return hasId && (v === 'bond_payout_request' || v === 'payment_request');
    case 'admin-settle': case 'admin-cancel': return hasId && (v === null || v === 'bond_resolution');
    case 'add-cashu-escrow': return hasId && v === 'cashu_lock_proof';
    case 'cashu-pm-signature': return hasId && v === 'cashu_signatures' && k.payload.cashu_signatures.length > 0;
    case 'payment-failed': return hasId && v === 'payment_failed';
    case 'rate-user': return v === 'rating_user';
    case 'cant-do': return v === 'cant_do';
    case 'orders': return v === 'ids' || v === 'orders';
    case 'restore-session': case 'last-trade-index': return v === null;
    default: return hasId && v !== 'bond_resolution' && v !== 'bond_payout_request';
  }
}
