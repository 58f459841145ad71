// bolt11.mjs — a small, independent BOLT11 writer/reader for the LND test
// double, with its own secp256k1 (BigInt, Jacobian coordinates) for the
// recoverable signature. Written from BOLT 11 and SEC 1, not from any library;
// it exists so the double can mint invoices the way LND does and read the
// ones mostro-ln asks it to pay. Not constant time: test use only.
import { createHash, createHmac } from 'node:crypto';

// ---------- secp256k1 ----------
const P = 2n ** 256n - 2n ** 32n - 977n;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const G = [0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
  0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n];

const mod = (a, m = P) => { const r = a % m; return r >= 0n ? r : r + m; };
function modpow(b, e, m) {
  let r = 1n; b = mod(b, m);
  while (e > 0n) { if (e & 1n) r = (r * b) % m; b = (b * b) % m; e >>= 1n; }
  return r;
}
const inv = (a, m = P) => modpow(a, m - 2n, m);

// Jacobian points [X, Y, Z]; Z = 0 is infinity.
function jdouble([X, Y, Z]) {
  if (Z === 0n || Y === 0n) return [0n, 1n, 0n];
  const S = mod(4n * X * Y * Y), M = mod(3n * X * X);
  const X3 = mod(M * M - 2n * S), Y3 = mod(M * (S - X3) - 8n * Y ** 4n);
  return [X3, Y3, mod(2n * Y * Z)];
}
function jadd(p, q) {
  if (p[2] === 0n) return q;
  if (q[2] === 0n) return p;
  const [X1, Y1, Z1] = p, [X2, Y2, Z2] = q;
  const U1 = mod(X1 * Z2 * Z2), U2 = mod(X2 * Z1 * Z1);
  const S1 = mod(Y1 * Z2 ** 3n), S2 = mod(Y2 * Z1 ** 3n);
  if (U1 === U2) return S1 === S2 ? jdouble(p) : [0n, 1n, 0n];
  const H = mod(U2 - U1), R = mod(S2 - S1);
  const X3 = mod(R * R - H ** 3n - 2n * U1 * H * H);
  const Y3 = mod(R * (U1 * H * H - X3) - S1 * H ** 3n);
  return [X3, Y3, mod(H * Z1 * Z2)];
}
function mul(k, [x, y]) {
  let r = [0n, 1n, 0n], a = [x, y, 1n];
  while (k > 0n) { if (k & 1n) r = jadd(r, a); a = jdouble(a); k >>= 1n; }
  if (r[2] === 0n) return null;
  const zi = inv(r[2]);
  return [mod(r[0] * zi * zi), mod(r[1] * zi ** 3n)];
}

const toBig = (buf) => BigInt('0x' + (Buffer.from(buf).toString('hex') || '0'));
const to32 = (n) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');

export function pubkey(secret) {
  const [x, y] = mul(toBig(secret), G);
  return Buffer.concat([Buffer.from([y & 1n ? 3 : 2]), to32(x)]);
}

// Deterministic nonce from (secret, hash, counter); low-S; recovery id.
export function signRecoverable(hash32, secret) {
  const d = toBig(secret), z = toBig(hash32);
  for (let ctr = 0; ; ctr++) {
    const k = mod(toBig(createHmac('sha256', secret).update(hash32).update(String(ctr)).digest()), N);
    if (k === 0n) continue;
    const R = mul(k, G);
    const r = mod(R[0], N);
    if (r === 0n) continue;
    let s = mod(inv(k, N) * (z + r * d), N);
    if (s === 0n) continue;
    let recid = Number(R[1] & 1n) | (R[0] >= N ? 2 : 0);
    if (s > N / 2n) { s = N - s; recid ^= 1; }
    return { sig: Buffer.concat([to32(r), to32(s)]), recid };
  }
}

// ---------- bech32 (BIP-173 checksum, no length limit) ----------
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function polymod(values) {
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((b >>> i) & 1) chk ^= GEN[i];
  }
  return chk >>> 0;
}
const hrpExpand = (hrp) => [...hrp].map((c) => c.charCodeAt(0) >> 5).concat([0], [...hrp].map((c) => c.charCodeAt(0) & 31));
function bech32Encode(hrp, data) {
  const pm = polymod(hrpExpand(hrp).concat(data, [0, 0, 0, 0, 0, 0])) ^ 1;
  const chk = []; for (let i = 0; i < 6; i++) chk.push((pm >>> (5 * (5 - i))) & 31);
  return hrp + '1' + data.concat(chk).map((v) => CHARSET[v]).join('');
}
function bech32Decode(str) {
  const s = str.toLowerCase();
  const pos = s.lastIndexOf('1');
  if (pos < 1 || pos + 7 > s.length) throw new Error('no separator');
  const hrp = s.slice(0, pos);
  const data = [...s.slice(pos + 1)].map((c) => { const v = CHARSET.indexOf(c); if (v < 0) throw new Error('bad char'); return v; });
  if (polymod(hrpExpand(hrp).concat(data)) !== 1) throw new Error('bad checksum');
  return { hrp, data: data.slice(0, -6) };
}
function toWords(bytes) {
  const out = []; let acc = 0, bits = 0;
  for (const b of bytes) { acc = (acc << 8) | b; bits += 8; while (bits >= 5) { bits -= 5; out.push((acc >> bits) & 31); } acc &= (1 << bits) - 1; }
  if (bits > 0) out.push((acc << (5 - bits)) & 31);
  return out;
}
function fromWords(words) {
  const out = []; let acc = 0, bits = 0;
  for (const w of words) { acc = (acc << 5) | w; bits += 5; if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 255); } acc &= (1 << bits) - 1; }
  return Buffer.from(out);
}
function fromWordsPadded(words) {   // the signing form: pad the last byte with zeros
  const out = []; let acc = 0, bits = 0;
  for (const w of words) { acc = (acc << 5) | w; bits += 5; if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 255); } acc &= (1 << bits) - 1; }
  if (bits > 0) out.push((acc << (8 - bits)) & 255);
  return Buffer.from(out);
}
export function signingHash(hrp, words) {
  return createHash('sha256').update(Buffer.concat([Buffer.from(hrp, 'utf8'), fromWordsPadded(words)])).digest();
}
function intWords(n) {               // minimal big-endian 5-bit groups
  const out = []; let v = BigInt(n);
  while (v > 0n) { out.unshift(Number(v & 31n)); v >>= 5n; }
  return out;
}
const wordsInt = (w) => w.reduce((a, v) => a * 32n + BigInt(v), 0n);

// ---------- BOLT11 ----------
export const PREFIX = { mainnet: 'bc', testnet: 'tb', signet: 'tbs', regtest: 'bcrt', simnet: 'sb' };
const NETWORK_OF = Object.fromEntries(Object.entries(PREFIX).map(([k, v]) => [v, k]));

function amountText(msat) {
  if (msat === null || msat === undefined) return '';
  const m = BigInt(msat);
  for (const [unit, per] of [['', 100000000000n], ['m', 100000000n], ['u', 100000n], ['n', 100n]])
    if (m % per === 0n) return (m / per).toString() + unit;
  return (m * 10n).toString() + 'p';
}

function field(type, words) {
  return [type, words.length >> 5, words.length & 31, ...words];
}

// inv: {network, amount_msat (null = any), timestamp, payment_hash (Buffer),
// payment_secret (Buffer), description, expiry, min_final_cltv, features [bits]}
export function encode(inv, secret) {
  const hrp = 'ln' + PREFIX[inv.network] + amountText(inv.amount_msat);
  let data = [];
  let ts = BigInt(inv.timestamp);
  for (let i = 6; i >= 0; i--) data.push(Number((ts >> BigInt(5 * i)) & 31n));
  data = data.concat(field(1, toWords(inv.payment_hash)));
  data = data.concat(field(16, toWords(inv.payment_secret)));
  data = data.concat(field(13, toWords(Buffer.from(inv.description ?? '', 'utf8'))));
  if (inv.expiry !== undefined) data = data.concat(field(6, intWords(inv.expiry)));
  if (inv.min_final_cltv !== undefined) data = data.concat(field(24, intWords(inv.min_final_cltv)));
  const bits = inv.features ?? [9, 14, 17];
  let fv = 0n; for (const b of bits) fv |= 1n << BigInt(b);
  data = data.concat(field(5, intWords(fv)));
  const hash = signingHash(hrp, data);
  const { sig, recid } = signRecoverable(hash, secret);
  data = data.concat(toWords(Buffer.concat([sig, Buffer.from([recid])])));
  return bech32Encode(hrp, data);
}

// Reads what the double needs to route a payment; no signature check.
export function decode(str) {
  const { hrp, data } = bech32Decode(str);
  const m = /^ln(bcrt|tbs|bc|tb|sb)(\d*)([munp]?)$/.exec(hrp);
  if (!m) throw new Error('bad hrp');
  let amount_msat = null;
  if (m[2] !== '') {
    const v = BigInt(m[2]);
    const per = { '': 100000000000n, m: 100000000n, u: 100000n, n: 100n }[m[3]];
    amount_msat = m[3] === 'p' ? v / 10n : v * per;
  } else if (m[3] !== '') throw new Error('bad amount');
  if (data.length < 7 + 104) throw new Error('too short');
  const out = { signing_hash: signingHash(hrp, data.slice(0, -104)).toString('hex'), network: NETWORK_OF[m[1]], amount_msat, timestamp: Number(wordsInt(data.slice(0, 7))),
    expiry: 3600, min_final_cltv: 18, description: null };
  const body = data.slice(7, data.length - 104);
  for (let i = 0; i + 3 <= body.length;) {
    const type = body[i], len = body[i + 1] * 32 + body[i + 2];
    const w = body.slice(i + 3, i + 3 + len);
    i += 3 + len;
    if (type === 1 && len === 52) out.payment_hash ??= fromWords(w).subarray(0, 32).toString('hex');
    else if (type === 16 && len === 52) out.payment_secret ??= fromWords(w).subarray(0, 32).toString('hex');
    else if (type === 13) out.description ??= fromWords(w).toString('utf8');
    else if (type === 6) out.expiry = Number(wordsInt(w));
    else if (type === 24) out.min_final_cltv = Number(wordsInt(w));
  }
  if (!out.payment_hash) throw new Error('no payment hash');
  return out;
}
