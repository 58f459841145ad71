// mostro-envelope.mjs — Mostro envelopes of an independent client (PROTOCOL.md §3-4):
//   v2: a kind 14 event by the trade key, NIP-44 of [message, trade sig, identity proof]
//       (nostr-tools: finalizeEvent, nip44, nip13 mining that keeps created_at current);
//   v1: a NIP-59 gift wrap, rumor by the trade key, seal by the identity key, wrap by a
//       fresh key with PoW (@rust-nostr/nostr-sdk, the library mostro-core and mostrod use);
// and the opening of Mostro's replies: v2 authenticated by the event author, v1 by the
// seal signer (rust-nostr UnwrappedGift), both compared with the node's key.
import { finalizeEvent, getPublicKey, verifyEvent, getEventHash } from 'nostr-tools/pure';
import * as nip44 from 'nostr-tools/nip44';
import { minePow } from 'nostr-tools/nip13';
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import * as rn from '@rust-nostr/nostr-sdk';
import { canonical, normalize, stringify } from './mostro-msg.mjs';

let wasm;
export const ready = () => (wasm ??= rn.loadWasmAsync());

const utf8 = s => new TextEncoder().encode(s);
export const now = () => Math.floor(Date.now() / 1000);
const TWO_DAYS = 2 * 86400;

// PROTOCOL §3.2: BIP-340 over SHA-256(text). aux: 32 bytes (default random, as the Rust code).
export function signText(text, sk, aux) {
  return bytesToHex(aux ? schnorr.sign(sha256(utf8(text)), sk, aux) : schnorr.sign(sha256(utf8(text)), sk));
}
export function verifyText(sigHex, text, pkHex) {
  try { return schnorr.verify(hexToBytes(sigHex), sha256(utf8(text)), hexToBytes(pkHex)); } catch { return false; }
}
// PROTOCOL §3.3
export const identityPayload = (tradePk, M) => `mostro-transport-v2-identity:${tradePk}:${M}`;

// The content tuple: v1 [M, sig|null], v2 [M, sig|null, [identity pk, proof]|null].
// key = {sk, pk} of the trade key; identity = {sk, pk} or null (full privacy).
export function tupleText(message, { transport, trade, identity = null, signed = identity != null, aux }) {
  const M = canonical(message);
  const sig = signed ? JSON.stringify(signText(M, trade.sk, aux)) : 'null';
  if (transport === 'v1') return { M, text: `[${M},${sig}]` };
  const proof = identity && identity.pk !== trade.pk
    ? JSON.stringify([identity.pk, signText(identityPayload(trade.pk, M), identity.sk, aux)]) : 'null';
  return { M, text: `[${M},${sig},${proof}]` };
}

// v2 (PROTOCOL §4.2): tags p, optional expiration, nonce when mined; created_at = now.
export function wrapV2(text, { trade, to, pow = 0, expiration = null, createdAt }) {
  const ck = nip44.v2.utils.getConversationKey(trade.sk, to);
  const tags = [['p', to]];
  if (expiration != null) tags.push(['expiration', String(expiration)]);
  let ev = { kind: 14, created_at: createdAt ?? now(), tags, content: nip44.v2.encrypt(text, ck), pubkey: trade.pk };
  if (pow > 0) ev = minePow(ev, pow);
  return finalizeEvent(ev, trade.sk);
}

// v1 (PROTOCOL §4.1), built as mostro-core's wrap_message does with rust-nostr: rumor
// (textNote by the trade key, real time), seal by the identity key, gift wrap by a fresh
// key, backdated a random 0-2 days, tags [expiration], p, then nonce when mined.
export async function wrapV1(text, { trade, sealer, to, pow = 0, expiration = null, createdAt }) {
  await ready();
  const tradeKeys = rn.Keys.parse(bytesToHex(trade.sk));
  const sealKeys = rn.Keys.parse(bytesToHex(sealer.sk));
  const receiver = rn.PublicKey.parse(to);
  let rb = rn.EventBuilder.textNote(text);
  if (createdAt != null) rb = rb.customCreatedAt(rn.Timestamp.fromSecs(createdAt));
  const rumor = rb.build(tradeKeys.publicKey);
  const seal = (await rn.EventBuilder.seal(rn.NostrSigner.keys(sealKeys), receiver, rumor)).signWithKeys(sealKeys);
  const ephemeral = rn.Keys.generate();
  const content = rn.nip44Encrypt(ephemeral.secretKey, receiver, seal.asJson(), rn.NIP44Version.V2);
  const tags = [];
  if (expiration != null) tags.push(rn.Tag.expiration(rn.Timestamp.fromSecs(expiration)));
  tags.push(rn.Tag.publicKey(receiver));
  let b = new rn.EventBuilder(new rn.Kind(1059), content).tags(tags)
    .customCreatedAt(rn.Timestamp.fromSecs(now() - Math.floor(Math.random() * TWO_DAYS)));
  if (pow > 0) b = b.pow(pow);
  return JSON.parse(b.signWithKeys(ephemeral).asJson());
}

// One message to Mostro: {event, M, tuple}. identity null = full privacy (the trade key
// is its own identity: v1 seal by the trade key, v2 no proof).
export async function buildEnvelope(message, { transport, trade, identity = null, to, signed, pow = 0, expiration, createdAt, aux }) {
  const { M, text } = tupleText(message, { transport, trade, identity, signed, aux });
  const event = transport === 'v1'
    ? await wrapV1(text, { trade, sealer: identity ?? trade, to, pow, expiration, createdAt })
    : wrapV2(text, { trade, to, pow, expiration, createdAt });
  return { event, M, tuple: text };
}

// nostr-tools caches a successful verifyEvent on the object (a symbol that object
// spread copies): verify a plain copy, so an event changed after a check is checked again.
export const verifyFresh = ev => verifyEvent({ id: ev.id, pubkey: ev.pubkey, created_at: ev.created_at, kind: ev.kind,
  tags: ev.tags, content: ev.content, sig: ev.sig });

export class EnvelopeError extends Error {
  constructor(code, detail) { super(`${code}: ${detail}`); this.code = code; }
}

function parseTuple(text, len) {
  let t;
  try { t = JSON.parse(text); } catch (e) { throw new EnvelopeError('bad-tuple', e.message); }
  if (!Array.isArray(t) || t.length !== len) throw new EnvelopeError('bad-tuple', `expected a ${len}-element array`);
  let msg;
  try { msg = normalize(t[0]); } catch (e) { throw new EnvelopeError('bad-message', e.message); }
  return { tuple: t, plaintext: text, message: JSON.parse(stringify(msg)), M: stringify(msg) };
}

// Opens a message from Mostro addressed to one of our keys. keyFor(pk) -> {sk, pk} or
// undefined. Returns {transport, to, sender, created_at, message, M, tuple, event_id}.
// Replies are authenticated only by the node's key (PROTOCOL §13 client 5): v2 event
// author, v1 seal signer; their signatures elements are not required.
export async function openFromMostro(ev, { mostroPubkey, keyFor }) {
  if (!verifyFresh(ev)) throw new EnvelopeError('bad-signature', 'outer id or signature');
  const ps = ev.tags.filter(t => t[0] === 'p').map(t => t[1]);
  const key = ps.map(keyFor).find(Boolean);
  if (!key) throw new EnvelopeError('not-for-us', 'no p tag names one of our keys');
  if (ev.kind === 14) {
    if (ev.pubkey !== mostroPubkey) throw new EnvelopeError('not-mostro', `kind 14 by ${ev.pubkey}`);
    let text;
    try { text = nip44.v2.decrypt(ev.content, nip44.v2.utils.getConversationKey(key.sk, ev.pubkey)); }
    catch (e) { throw new EnvelopeError('bad-mac', e.message); }
    return { transport: 'v2', to: key.pk, sender: ev.pubkey, created_at: ev.created_at, event_id: ev.id, ...parseTuple(text, 3) };
  }
  if (ev.kind === 1059) {
    await ready();
    let ug;
    try {
      ug = await rn.UnwrappedGift.fromGiftWrap(rn.NostrSigner.keys(rn.Keys.parse(bytesToHex(key.sk))), rn.Event.fromJson(JSON.stringify(ev)));
    } catch (e) { throw new EnvelopeError('bad-wrap', String(e)); }
    const sealer = ug.sender.toHex();
    if (sealer !== mostroPubkey) throw new EnvelopeError('not-mostro', `sealed by ${sealer}`);
    const rumor = JSON.parse(ug.rumor.asJson());
    if (rumor.kind !== 1) throw new EnvelopeError('bad-rumor', `rumor kind ${rumor.kind}`);
    return { transport: 'v1', to: key.pk, sender: sealer, created_at: rumor.created_at, event_id: ev.id, ...parseTuple(rumor.content, 2) };
  }
  throw new EnvelopeError('bad-kind', `kind ${ev.kind}`);
}

export { getPublicKey, getEventHash, bytesToHex, hexToBytes };
