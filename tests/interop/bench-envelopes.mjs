// bench-envelopes.mjs — the peers' side of bench/envelopes: nostr-tools 2.25.2 and
// rust-nostr (nostr-sdk 0.43.0 wasm) wrapping and unwrapping the same corpus, with the
// same checks as mostro-unwrap (outer event, seal, trade signature, identity proof).
// Usage: node bench-envelopes.mjs CORPUS.jsonl [SLICE_SECONDS]
// Prints one JSON line per row: {"row":"unwrap v2 reputation","nostr_tools":N,"rust_nostr":N}.
// rust-nostr's JS API has no raw Schnorr call: its unwrap checks Mostro signatures with
// Event.verifySignature over an event whose id is sha256(M) (rust-nostr's secp256k1), and
// its wrap makes the two Mostro signatures with noble (the rest is rust-nostr).
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as nt from 'nostr-tools';
import * as nip44 from 'nostr-tools/nip44';
import * as nip59 from 'nostr-tools/nip59';
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as rn from '@rust-nostr/nostr-sdk';

await rn.loadWasmAsync();
const [, , file, sliceArg] = process.argv;
const SLICE = Number(sliceArg) > 0 ? Number(sliceArg) : 0.25;
const ROUNDS = 5;
const hex = b => Buffer.from(b).toString('hex');
const unhex = h => Uint8Array.from(Buffer.from(h, 'hex'));
const utf8 = s => new TextEncoder().encode(s);

const lines = readFileSync(file, 'utf8').trim().split('\n').map(l => JSON.parse(l));
const keys = lines.find(l => l.type === 'keys');
const messages = lines.filter(l => l.type === 'message').map(l => l.text);
const sets = {};
for (const l of lines.filter(l => l.type === 'event')) (sets[l.set] ??= []).push(JSON.stringify(l.event));

const mostroSk = unhex(keys.mostro), mostroPk = nt.getPublicKey(mostroSk);
const idSk = unhex(keys.identity), idPk = nt.getPublicKey(idSk);
const tradeSk = keys.trade.map(unhex), tradePk = tradeSk.map(k => nt.getPublicKey(k));
const rMostro = rn.Keys.parse(keys.mostro), rId = rn.Keys.parse(keys.identity);
const rTrade = keys.trade.map(k => rn.Keys.parse(k));
const rMostroPk = rn.PublicKey.parse(mostroPk);
const proofPayload = (pk, M) => `mostro-transport-v2-identity:${pk}:${M}`;

// CPU time of the process (user + system), as bench/envelopes measures its thread's:
// the figures should not depend on what else the machine runs.
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
async function best(fn) {
  let bestRate = 0, i = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = cpu();
    let n = 0, t;
    do {
      for (let k = 0; k < 8; k++) { await fn(i++); n++; }
      t = cpu() - t0;
    } while (t < SLICE);
    bestRate = Math.max(bestRate, n / t);
  }
  return bestRate;
}

// ----------------------------------------------------------------- nostr-tools
function ntTuple(tuple, tradePkHex) {
  const M = JSON.stringify(tuple[0]);
  if (tuple[1] != null && !schnorr.verify(unhex(tuple[1]), sha256(utf8(M)), unhex(tradePkHex))) throw new Error('trade sig');
  let identity = tradePkHex;
  if (tuple.length === 3 && tuple[2] != null) {
    if (!schnorr.verify(unhex(tuple[2][1]), sha256(utf8(proofPayload(tradePkHex, M))), unhex(tuple[2][0]))) throw new Error('proof');
    identity = tuple[2][0];
  }
  return { M, identity };
}
function ntUnwrap(line) {
  const ev = JSON.parse(line);
  if (!nt.verifyEvent(ev)) throw new Error('event');
  if (ev.kind === 14) {
    const tuple = JSON.parse(nip44.v2.decrypt(ev.content, nip44.v2.utils.getConversationKey(mostroSk, ev.pubkey)));
    const r = ntTuple(tuple, ev.pubkey);
    return JSON.stringify({ type: 'message', transport: 'v2', id: ev.id, sender: ev.pubkey, identity: r.identity, message: tuple[0], trade_signature: tuple[1] });
  }
  const seal = JSON.parse(nip44.v2.decrypt(ev.content, nip44.v2.utils.getConversationKey(mostroSk, ev.pubkey)));
  if (seal.kind !== 13 || !nt.verifyEvent(seal)) throw new Error('seal');
  const rumor = JSON.parse(nip44.v2.decrypt(seal.content, nip44.v2.utils.getConversationKey(mostroSk, seal.pubkey)));
  const tuple = JSON.parse(rumor.content);
  const r = ntTuple(tuple, rumor.pubkey);
  return JSON.stringify({ type: 'message', transport: 'v1', id: ev.id, sender: rumor.pubkey, identity: seal.pubkey, message: tuple[0], trade_signature: tuple[1] });
}
function ntWrap(i, v1) {
  const M = messages[i % messages.length], j = i % tradeSk.length;
  const sig = hex(schnorr.sign(sha256(utf8(M)), tradeSk[j]));
  if (v1) {
    const rumor = nip59.createRumor({ kind: 1, content: `[${M},"${sig}"]`, tags: [] }, tradeSk[j]);
    return JSON.stringify(nip59.createWrap(nip59.createSeal(rumor, idSk, mostroPk), mostroPk));
  }
  const proof = hex(schnorr.sign(sha256(utf8(proofPayload(tradePk[j], M))), idSk));
  const content = nip44.v2.encrypt(`[${M},"${sig}",["${idPk}","${proof}"]]`, nip44.v2.utils.getConversationKey(tradeSk[j], mostroPk));
  return JSON.stringify(nt.finalizeEvent({ kind: 14, created_at: Math.floor(Date.now() / 1000), content,
    tags: [['p', mostroPk], ['expiration', '1900000000']] }, tradeSk[j]));
}

// ------------------------------------------------------------------ rust-nostr
const digestHex = s => createHash('sha256').update(s).digest('hex');
function rnSchnorrVerify(sigHex, text, pkHex) {
  const e = rn.Event.fromJson(`{"id":"${digestHex(text)}","pubkey":"${pkHex}","created_at":0,"kind":1,"tags":[],"content":"","sig":"${sigHex}"}`);
  const ok = e.verifySignature();
  e.free();
  return ok;
}
function rnTuple(tuple, tradePkHex) {
  const M = JSON.stringify(tuple[0]);
  if (tuple[1] != null && !rnSchnorrVerify(tuple[1], M, tradePkHex)) throw new Error('trade sig');
  let identity = tradePkHex;
  if (tuple.length === 3 && tuple[2] != null) {
    if (!rnSchnorrVerify(tuple[2][1], proofPayload(tradePkHex, M), tuple[2][0])) throw new Error('proof');
    identity = tuple[2][0];
  }
  return { M, identity };
}
const rMostroSecret = rMostro.secretKey;
function rnUnwrap(line) {
  const ev = rn.Event.fromJson(line);
  if (!ev.verify()) throw new Error('event');
  const author = ev.author, authorHex = author.toHex();
  const pt = rn.nip44Decrypt(rMostroSecret, author, ev.content);
  let out;
  if (ev.kind.asU16() === 14) {
    const tuple = JSON.parse(pt);
    const r = rnTuple(tuple, authorHex);
    out = JSON.stringify({ type: 'message', transport: 'v2', id: ev.id.toHex(), sender: authorHex, identity: r.identity, message: tuple[0], trade_signature: tuple[1] });
  } else {
    const seal = rn.Event.fromJson(pt);
    if (seal.kind.asU16() !== 13 || !seal.verify()) throw new Error('seal');
    const sealAuthor = seal.author;
    const rumor = JSON.parse(rn.nip44Decrypt(rMostroSecret, sealAuthor, seal.content));
    const tuple = JSON.parse(rumor.content);
    const r = rnTuple(tuple, rumor.pubkey);
    out = JSON.stringify({ type: 'message', transport: 'v1', id: ev.id.toHex(), sender: rumor.pubkey, identity: sealAuthor.toHex(), message: tuple[0], trade_signature: tuple[1] });
    sealAuthor.free();
    seal.free();
  }
  author.free();
  ev.free();
  return out;
}
const kind14 = () => new rn.Kind(14);
async function rnWrap(i, v1) {
  const M = messages[i % messages.length], j = i % tradeSk.length;
  const sig = hex(schnorr.sign(sha256(utf8(M)), tradeSk[j]));
  if (v1) {
    const rumor = rn.EventBuilder.textNote(`[${M},"${sig}"]`).build(rTrade[j].publicKey);
    const seal = (await rn.EventBuilder.seal(rn.NostrSigner.keys(rId), rMostroPk, rumor)).signWithKeys(rId);
    const wrap = rn.EventBuilder.giftWrapFromSeal(rMostroPk, seal, []);
    const s = wrap.asJson();
    wrap.free();
    seal.free();
    return s;
  }
  const proof = hex(schnorr.sign(sha256(utf8(proofPayload(tradePk[j], M))), idSk));
  const content = rn.nip44Encrypt(rTrade[j].secretKey, rMostroPk, `[${M},"${sig}",["${idPk}","${proof}"]]`, rn.NIP44Version.V2);
  const ev = new rn.EventBuilder(kind14(), content).tags([rn.Tag.publicKey(rMostroPk),
    rn.Tag.expiration(rn.Timestamp.fromSecs(1900000000))]).signWithKeys(rTrade[j]);
  const s = ev.asJson();
  ev.free();
  return s;
}

// ------------------------------------------------------------------------ rows
const rows = [
  ['unwrap v2 reputation', 'v2-reputation-cold'], ['unwrap v2 reputation warm', 'v2-reputation-warm'],
  ['unwrap v2 full-privacy', 'v2-full-privacy-cold'], ['unwrap v1 reputation', 'v1-reputation-cold'],
  ['unwrap v1 reputation warm', 'v1-reputation-warm'], ['unwrap v1 full-privacy', 'v1-full-privacy-cold'],
];
for (const [name, set] of rows) {
  const evs = sets[set];
  // both sides must open the corpus before they are timed
  for (const e of evs) { ntUnwrap(e); rnUnwrap(e); }
  const a = await best(i => ntUnwrap(evs[i % evs.length]));
  const b = await best(i => rnUnwrap(evs[i % evs.length]));
  console.log(JSON.stringify({ row: name, nostr_tools: a, rust_nostr: b }));
}
for (const [name, v1] of [['wrap v2 reputation', false], ['wrap v1 reputation', true]]) {
  const a = await best(i => ntWrap(i, v1));
  const b = await best(i => rnWrap(i, v1));
  console.log(JSON.stringify({ row: name, nostr_tools: a, rust_nostr: b }));
}
