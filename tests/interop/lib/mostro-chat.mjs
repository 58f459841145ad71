// mostro-chat.mjs — peer chat of an independent Mostro client (PROTOCOL.md §9).
//   current (§9.1): K_conv, K_sign = HKDF(ECDH(own trade sk, peer pk)); outer kind 14 by
//     K_sign, one tag [p, pub(K_conv)], content NIP-44 self-encryption under K_conv of a
//     kind 1 event signed by the trade key (nostr-tools + @noble).
//   legacy (§9.2): the raw ECDH X used as a secret key; outer kind 1059 by a fresh key,
//     tag [p, shared pubkey], content NIP-44 (fresh key -> shared) of the signed kind 1
//     event, backdated up to two days, no seal (rust-nostr, as mostro-cli builds it).
// Written from the spec; the same primitives a Mostro mobile or mostro-cli peer uses.
import { finalizeEvent, getPublicKey } from 'nostr-tools/pure';
import * as nip44 from 'nostr-tools/nip44';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import * as rn from '@rust-nostr/nostr-sdk';
import { ready, now, verifyFresh } from './mostro-envelope.mjs';

const utf8 = s => new TextEncoder().encode(s);
const TWO_DAYS = 2 * 86400;

// ECDH as NIP-44 step 1: the peer's x-only key lifted to even Y; the raw X coordinate.
export function sharedX(ownSk, peerPk) {
  return secp256k1.getSharedSecret(ownSk, hexToBytes('02' + peerPk), true).slice(1);
}

// HKDF-SHA256, salt empty (= 32 zero bytes), info label; on an invalid scalar retry
// with label || 0x01, 0x02, ...
function deriveScalar(prk, label) {
  for (let c = 0; c < 256; c++) {
    const info = c ? Uint8Array.from([...utf8(label), c]) : utf8(label);
    const k = hkdf(sha256, prk, undefined, info, 32);
    if (secp256k1.utils.isValidSecretKey(k)) return k;
  }
  throw new Error('no valid chat key');
}

// The keys of one conversation (the same from either side).
export function chatKeys(ownSk, peerPk) {
  const x = sharedX(ownSk, peerPk);
  const conv = deriveScalar(x, 'mostro:chat:conv:v1');
  const sign = deriveScalar(x, 'mostro:chat:sign:v1');
  return {
    shared: x, sharedPk: getPublicKey(x),
    conv, convPk: getPublicKey(conv), sign, signPk: getPublicKey(sign),
  };
}

function innerEvent(text, tradeSk, createdAt) {
  return finalizeEvent({ kind: 1, created_at: createdAt, tags: [], content: text }, tradeSk);
}

// Current format (§9.1).
export function wrapCurrent(text, { tradeSk, peerPk, createdAt = now() }) {
  const k = chatKeys(tradeSk, peerPk);
  const inner = innerEvent(text, tradeSk, createdAt);
  const content = nip44.v2.encrypt(JSON.stringify(inner), nip44.v2.utils.getConversationKey(k.conv, k.convPk));
  return finalizeEvent({ kind: 14, created_at: createdAt, tags: [['p', k.convPk]], content }, k.sign);
}

// Legacy format (§9.2), the rust-nostr way mostro-cli builds it.
export async function wrapLegacy(text, { tradeSk, peerPk, createdAt = now() }) {
  await ready();
  const k = chatKeys(tradeSk, peerPk);
  const inner = innerEvent(text, tradeSk, createdAt);
  const ephemeral = rn.Keys.generate();
  const shared = rn.PublicKey.parse(k.sharedPk);
  const content = rn.nip44Encrypt(ephemeral.secretKey, shared, JSON.stringify(inner), rn.NIP44Version.V2);
  const ev = new rn.EventBuilder(new rn.Kind(1059), content).tags([rn.Tag.publicKey(shared)])
    .customCreatedAt(rn.Timestamp.fromSecs(now() - Math.floor(Math.random() * TWO_DAYS)))
    .signWithKeys(ephemeral);
  return JSON.parse(ev.asJson());
}

export class ChatError extends Error {
  constructor(code, detail) { super(`${code}: ${detail}`); this.code = code; }
}

// A conversation: our trade key and the peer's. open(ev) returns
// {format, sender, text, created_at, inner, event_id} or throws ChatError.
export class Conversation {
  constructor(tradeSk, peerPk) {
    this.tradeSk = tradeSk;
    this.tradePk = getPublicKey(tradeSk);
    this.peerPk = peerPk;
    this.k = chatKeys(tradeSk, peerPk);
  }
  filters(since) {
    return [{ kinds: [14], authors: [this.k.signPk], since }, { kinds: [1059], '#p': [this.k.sharedPk], since: since - TWO_DAYS }];
  }
  // keys a relay may ask us to authenticate as to read these events (NIP-42)
  authKeys() { return [this.k.conv, this.k.shared]; }
  matches(ev) {
    return (ev.kind === 14 && ev.pubkey === this.k.signPk) ||
      (ev.kind === 1059 && ev.tags.some(t => t[0] === 'p' && t[1] === this.k.sharedPk));
  }
  checkInner(inner, outer) {
    if (!inner || typeof inner !== 'object' || !verifyFresh(inner)) throw new ChatError('bad-inner', 'inner event not signed');
    if (inner.kind !== 1) throw new ChatError('bad-inner', `inner kind ${inner.kind}`);
    if (inner.pubkey !== this.tradePk && inner.pubkey !== this.peerPk) throw new ChatError('bad-inner', `inner author ${inner.pubkey} is not of this conversation`);
    return { sender: inner.pubkey, text: inner.content, created_at: inner.created_at, inner, event_id: outer.id };
  }
  async open(ev) {
    if (!verifyFresh(ev)) throw new ChatError('bad-signature', 'outer id or signature');
    if (ev.kind === 14) {
      if (ev.pubkey !== this.k.signPk) throw new ChatError('not-ours', 'author is not this conversation');
      const ps = ev.tags.filter(t => t[0] === 'p');
      if (ps.length !== 1 || ps[0][1] !== this.k.convPk) throw new ChatError('bad-chat', 'not exactly one p tag naming K_conv');
      if (ev.created_at > now() + 60) throw new ChatError('bad-chat', 'dated more than 60 s ahead');
      let inner;
      try { inner = JSON.parse(nip44.v2.decrypt(ev.content, nip44.v2.utils.getConversationKey(this.k.conv, this.k.convPk))); }
      catch (e) { throw new ChatError('bad-mac', e.message); }
      const r = this.checkInner(inner, ev);
      if (Math.abs(inner.created_at - ev.created_at) > 60) throw new ChatError('bad-chat', 'inner and outer times more than 60 s apart');
      return { format: 'current', ...r };
    }
    if (ev.kind === 1059) {
      await ready();
      let inner;
      try {
        inner = JSON.parse(rn.nip44Decrypt(rn.SecretKey.parse(bytesToHex(this.k.shared)), rn.PublicKey.parse(ev.pubkey), ev.content));
      } catch (e) { throw new ChatError('bad-mac', String(e)); }
      let rinner;
      try { rinner = rn.Event.fromJson(JSON.stringify(inner)); } catch (e) { throw new ChatError('bad-inner', String(e)); }
      if (!rinner.verify()) throw new ChatError('bad-inner', 'rust-nostr: inner event does not verify');
      return { format: 'legacy', ...this.checkInner(inner, ev) };
    }
    throw new ChatError('bad-kind', `kind ${ev.kind}`);
  }
  wrap(text, { format = 'current', createdAt } = {}) {
    const o = { tradeSk: this.tradeSk, peerPk: this.peerPk, createdAt };
    return format === 'legacy' ? wrapLegacy(text, o) : Promise.resolve(wrapCurrent(text, o));
  }
}
