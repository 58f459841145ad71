// wrap-unwrap.test.mjs — mostro-wrap / mostro-unwrap against nostr-tools 2.25.2 and
// @rust-nostr/nostr-sdk 0.43.0 (the library mostrod is built on), both directions:
//   theirs -> mostro-unwrap   (v1 gift wraps, v2 kind 14, chat; reputation, full privacy, replies)
//   mostro-wrap -> theirs     (their unwrap / decrypt / verify; the trade signature and identity
//                              proof checked by an independent implementation of mostro-core's
//                              rule written here: sha256 of the canonical message, BIP-340 verify)
//   tampering                 (ciphertext byte, seal from another key, re-signed message) refused
//                              by both.
// Every check is named "producer -> consumer transport mode: ..."; the matrix is printed at the end.
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nt from 'nostr-tools';
import * as nip44 from 'nostr-tools/nip44';
import * as nip59 from 'nostr-tools/nip59';
import * as nip13 from 'nostr-tools/nip13';
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import * as rn from '@rust-nostr/nostr-sdk';
import { ok, test, run, done, keyFile, hex, unhex } from './lib/tap.mjs';

await rn.loadWasmAsync();
const here = dirname(fileURLToPath(import.meta.url));
const vectors = join(here, '..', 'vectors');
const utf8 = s => new TextEncoder().encode(s);
const now = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------- matrix
const matrix = new Map();
function cell(producer, consumer, transport, mode, pass) {
  const k = `${producer} | ${consumer} | ${transport} | ${mode}`;
  matrix.set(k, (matrix.get(k) ?? true) && pass);
}
function check(producer, consumer, transport, mode, cond, what, diag) {
  ok(cond, `${producer} -> ${consumer} ${transport} ${mode}: ${what}`, diag);
  cell(producer, consumer, transport, mode, !!cond);
}

// ------------------------------------------------------------------ keys
const sk = label => sha256(utf8('interop-envelopes:' + label));
const K = {};
for (const n of ['identity', 'trade', 'mostro', 'other', 'alice', 'bob'])
  K[n] = { sk: sk(n), skHex: hex(sk(n)), pk: nt.getPublicKey(sk(n)), file: keyFile(hex(sk(n))) };
const rk = n => rn.Keys.parse(K[n].skHex);
const rpk = n => rn.PublicKey.parse(K[n].pk);

// --------------------------------------- mostro-core's rule, independently
// The canonical form serde_json writes for the shapes used here (PROTOCOL §2.2/§2.6).
function canonSmallOrder(o) {
  const out = {};
  if (o.id != null) out.id = o.id.toLowerCase();
  out.kind = o.kind ?? null;
  out.status = o.status ?? null;
  out.amount = o.amount;
  out.fiat_code = o.fiat_code;
  out.min_amount = o.min_amount ?? null;
  out.max_amount = o.max_amount ?? null;
  out.fiat_amount = o.fiat_amount;
  out.payment_method = o.payment_method;
  out.premium = o.premium;
  for (const k of ['buyer_trade_pubkey', 'seller_trade_pubkey', 'buyer_invoice']) if (o[k] != null) out[k] = o[k];
  out.created_at = o.created_at ?? null;
  out.expires_at = o.expires_at ?? null;
  return out;
}
function canonPayload(p) {
  if (p == null) return null;
  const [k] = Object.keys(p);
  let v = p[k];
  if (k === 'order') v = canonSmallOrder(v);
  else if (k === 'payment_request') v = [v[0] == null ? null : canonSmallOrder(v[0]), v[1], v[2] ?? null];
  else if (k === 'peer') v = { pubkey: v.pubkey, reputation: v.reputation ?? null };
  else if (k === 'dispute') v = [v[0], v[1] ?? null];
  return { [k]: v };
}
function canonical(msg) {
  const [ch] = Object.keys(msg);
  const k = msg[ch];
  const out = { version: k.version, request_id: k.request_id ?? null, trade_index: k.trade_index ?? null };
  if (k.id != null) out.id = k.id.toLowerCase();
  out.action = k.action;
  out.payload = canonPayload(k.payload);
  return JSON.stringify({ [ch]: out });
}
const mostroSign = (text, key) => hex(schnorr.sign(sha256(utf8(text)), key.sk));
const mostroVerify = (sigHex, text, pkHex) => {
  try { return schnorr.verify(unhex(sigHex), sha256(utf8(text)), unhex(pkHex)); } catch { return false; }
};
const identityPayload = (tradePk, M) => `mostro-transport-v2-identity:${tradePk}:${M}`;
// mostrod's acceptance of an opened tuple (PROTOCOL §3-4): trade signature by the trade
// key over the canonical re-serialization, identity proof bound to the trade key, and
// identity != trade requires a trade signature.
function mostroAccepts(tuple, tradePk, sealPk /* v1 only */) {
  const M = canonical(tuple[0]);
  if (tuple[1] != null && !mostroVerify(tuple[1], M, tradePk)) return { ok: false, why: 'trade signature' };
  let identity = sealPk ?? tradePk;
  if (tuple.length === 3 && tuple[2] != null) {
    if (!mostroVerify(tuple[2][1], identityPayload(tradePk, M), tuple[2][0])) return { ok: false, why: 'identity proof' };
    identity = tuple[2][0];
  }
  if (identity !== tradePk && tuple[1] == null) return { ok: false, why: 'identity without trade signature' };
  return { ok: true, identity, M };
}

// ---------------------------------------------------------------- corpus
const UUID = '308e1272-d5f4-47e6-bd97-3504baea9c23';
const corpus = [
  { order: { version: 2, request_id: 1, trade_index: 1, id: UUID, action: 'take-sell', payload: null } },
  { order: { version: 2, request_id: 42, trade_index: 2, action: 'new-order',
    payload: { order: { kind: 'sell', status: 'pending', amount: 0, fiat_code: 'VES', fiat_amount: 100,
      payment_method: 'face to face,bank transfer', premium: 1 } } } },
  { order: { version: 2, request_id: 7, trade_index: 4, id: UUID, action: 'add-invoice',
    payload: { payment_request: [null, 'lnbcrt78510n1pj59wmepp50677g8tffdqa2p8882y0x6newny5vtz0hjuyngdwv226nanv4uzs', 7851] } } },
  { dm: { version: 2, id: UUID, action: 'send-dm', payload: { text_message: 'hola "amigo"\n¿qué tal? 😀 \\ / \u0001' } } },
  { restore: { version: 2, action: 'restore-session', payload: null } },
];
const tuple1 = (m, signer) => [m, signer ? mostroSign(canonical(m), signer) : null];
function tuple2(m, signer, identity, tradePk) {
  const M = canonical(m);
  return [m, signer ? mostroSign(M, signer) : null,
    identity ? [identity.pk, mostroSign(identityPayload(tradePk, M), identity)] : null];
}
// JSON.stringify keeps insertion order; the tuple text carries the canonical message.
const tupleText = t => JSON.stringify([JSON.parse(canonical(t[0])), ...t.slice(1)]);

function unwrap(events, keyArgs, extra = []) {
  const input = events.map(e => JSON.stringify(e)).join('\n') + '\n';
  return run('mostro-unwrap', [...keyArgs, '--errors', ...extra], { input });
}

// ===================================================== theirs -> mostro-unwrap

// rust-nostr, the mostro-core way (nip59.rs): rumor by the trade key, seal by the identity
function rustV1(m, tradeName, sealName, receiverName, signed, pow = 0) {
  const t = tuple1(m, signed ? K[tradeName] : null);
  const rumor = rn.EventBuilder.textNote(tupleText(t)).build(rpk(tradeName));
  return rn.EventBuilder.seal(rn.NostrSigner.keys(rk(sealName)), rpk(receiverName), rumor).then(b => {
    const seal = b.signWithKeys(rk(sealName));
    const wrap = rn.EventBuilder.giftWrapFromSeal(rpk(receiverName), seal, []);
    return JSON.parse(wrap.asJson());
  });
}
function rustV2(m, tradeName, identityName, receiverName, signed, pow = 0, expiration = now() + 86400) {
  const t = tuple2(m, signed ? K[tradeName] : null, identityName ? K[identityName] : null, K[tradeName].pk);
  const content = rn.nip44Encrypt(rk(tradeName).secretKey, rpk(receiverName), tupleText(t), rn.NIP44Version.V2);
  let b = new rn.EventBuilder(new rn.Kind(14), content).tags([rn.Tag.publicKey(rpk(receiverName)),
    rn.Tag.expiration(rn.Timestamp.fromSecs(expiration))]);
  if (pow) b = b.pow(pow);
  return JSON.parse(b.signWithKeys(rk(tradeName)).asJson());
}
function toolsV1(m, tradeName, sealName, receiverName, signed) {
  const t = tuple1(m, signed ? K[tradeName] : null);
  const rumor = nip59.createRumor({ kind: 1, content: tupleText(t), tags: [] }, K[tradeName].sk);
  const seal = nip59.createSeal(rumor, K[sealName].sk, K[receiverName].pk);
  return nip59.createWrap(seal, K[receiverName].pk);
}
function toolsV2(m, tradeName, identityName, receiverName, signed) {
  const t = tuple2(m, signed ? K[tradeName] : null, identityName ? K[identityName] : null, K[tradeName].pk);
  const ck = nip44.v2.utils.getConversationKey(K[tradeName].sk, K[receiverName].pk);
  return nt.finalizeEvent({ kind: 14, created_at: now(), content: nip44.v2.encrypt(tupleText(t), ck),
    tags: [['p', K[receiverName].pk], ['expiration', String(now() + 86400)]] }, K[tradeName].sk);
}

function expectOpened(producer, transport, mode, events, msgs, keyName, sender, identity, signed) {
  const r = unwrap(events, ['--key-file', K[keyName].file]);
  check(producer, 'mostro-unwrap', transport, mode, r.status === 0 && r.lines.length === events.length,
    `${events.length} envelopes open (exit ${r.status})`, r.stderr);
  r.lines.forEach((rec, i) => {
    const M = canonical(msgs[i]);
    const pass = rec.type === 'message' && rec.transport === transport && JSON.stringify(rec.message) === M &&
      rec.sender === K[sender].pk && rec.identity === K[identity].pk && rec.recipient === K[keyName].pk &&
      rec.mode === (sender === identity ? 'full-privacy' : 'reputation') &&
      (signed ? mostroVerify(rec.trade_signature, M, K[sender].pk) : rec.trade_signature === null);
    check(producer, 'mostro-unwrap', transport, mode, pass, `${msgs[i][Object.keys(msgs[i])[0]].action}: record`, rec);
  });
}

await test('rust-nostr v1 -> mostro-unwrap', async () => {
  const rep = await Promise.all(corpus.map(m => rustV1(m, 'trade', 'identity', 'mostro', true)));
  expectOpened('rust-nostr', 'v1', 'reputation', rep, corpus, 'mostro', 'trade', 'identity', true);
  const fp = await Promise.all(corpus.map(m => rustV1(m, 'trade', 'trade', 'mostro', false)));
  expectOpened('rust-nostr', 'v1', 'full-privacy', fp, corpus, 'mostro', 'trade', 'trade', false);
  const reply = await Promise.all(corpus.map(m => rustV1(m, 'mostro', 'mostro', 'trade', false)));
  expectOpened('rust-nostr', 'v1', 'mostro-reply', reply, corpus, 'trade', 'mostro', 'mostro', false);
});
await test('rust-nostr v2 -> mostro-unwrap', async () => {
  expectOpened('rust-nostr', 'v2', 'reputation', corpus.map(m => rustV2(m, 'trade', 'identity', 'mostro', true, 4)),
    corpus, 'mostro', 'trade', 'identity', true);
  expectOpened('rust-nostr', 'v2', 'full-privacy', corpus.map(m => rustV2(m, 'trade', null, 'mostro', false)),
    corpus, 'mostro', 'trade', 'trade', false);
  expectOpened('rust-nostr', 'v2', 'mostro-reply', corpus.map(m => rustV2(m, 'mostro', null, 'trade', false)),
    corpus, 'trade', 'mostro', 'mostro', false);
});
await test('nostr-tools v1/v2 -> mostro-unwrap', async () => {
  expectOpened('nostr-tools', 'v1', 'reputation', corpus.map(m => toolsV1(m, 'trade', 'identity', 'mostro', true)),
    corpus, 'mostro', 'trade', 'identity', true);
  expectOpened('nostr-tools', 'v1', 'full-privacy', corpus.map(m => nip59.wrapEvent({ kind: 1, content: tupleText(tuple1(m, null)), tags: [] },
    K.trade.sk, K.mostro.pk)), corpus, 'mostro', 'trade', 'trade', false);
  expectOpened('nostr-tools', 'v2', 'reputation', corpus.map(m => toolsV2(m, 'trade', 'identity', 'mostro', true)),
    corpus, 'mostro', 'trade', 'identity', true);
  expectOpened('nostr-tools', 'v2', 'full-privacy', corpus.map(m => toolsV2(m, 'trade', null, 'mostro', false)),
    corpus, 'mostro', 'trade', 'trade', false);
});

// chat: NIP-59 (NIP-17 style) from both libraries, the current and legacy Mostro formats
// built here from their primitives
function chatKeys(ownSk, peerPk) {
  const shared = nt.nip44.v2.utils.getConversationKey ? null : null; // (not used: NIP-44's key is hashed)
  void shared;
  const x = rn.generateSharedKey(rn.SecretKey.parse(hex(ownSk)), rn.PublicKey.parse(peerPk));
  const derive = info => {
    for (let c = 0; c < 256; c++) {
      const label = c ? new Uint8Array([...utf8(info), c]) : utf8(info);
      const k = hkdf(sha256, x, undefined, label, 32);
      try { nt.getPublicKey(k); return k; } catch { /* retry */ }
    }
  };
  return { x, conv: derive('mostro:chat:conv:v1'), sign: derive('mostro:chat:sign:v1') };
}
function chatCurrent(from, to, text) {
  const ck = chatKeys(K[from].sk, K[to].pk);
  const inner = nt.finalizeEvent({ kind: 1, created_at: now(), tags: [], content: text }, K[from].sk);
  const convPk = nt.getPublicKey(ck.conv);
  const content = nip44.v2.encrypt(JSON.stringify(inner), nip44.v2.utils.getConversationKey(ck.conv, convPk));
  return nt.finalizeEvent({ kind: 14, created_at: inner.created_at, tags: [['p', convPk]], content }, ck.sign);
}
function chatLegacy(from, to, text) {
  const ck = chatKeys(K[from].sk, K[to].pk);
  const sharedPk = nt.getPublicKey(ck.x);
  const inner = nt.finalizeEvent({ kind: 1, created_at: now(), tags: [], content: text }, K[from].sk);
  const eph = nt.generateSecretKey();
  const content = nip44.v2.encrypt(JSON.stringify(inner), nip44.v2.utils.getConversationKey(eph, sharedPk));
  return nt.finalizeEvent({ kind: 1059, created_at: now() - 3600, tags: [['p', sharedPk]], content }, eph);
}
await test('chat -> mostro-unwrap', async () => {
  const texts = ['hola Bob', 'tricky "q" \n 😀 \u0001', ''];
  const cases = [
    ['nostr-tools', 'nip59', texts.map(t => nip59.wrapEvent({ kind: 14, content: t, tags: [['p', K.bob.pk]] }, K.alice.sk, K.bob.pk))],
    ['rust-nostr', 'nip59', await Promise.all(texts.map(async t => JSON.parse((await rn.EventBuilder.privateMsg(
      rn.NostrSigner.keys(rk('alice')), rpk('bob'), t)).asJson())))],
    ['nostr-tools+noble', 'current', texts.map(t => chatCurrent('alice', 'bob', t))],
    ['nostr-tools+rust-nostr', 'legacy', texts.map(t => chatLegacy('alice', 'bob', t))],
  ];
  for (const [producer, format, evs] of cases) {
    const r = unwrap(evs, ['--key-file', K.bob.file, '--peer', K.alice.pk]);
    check(producer, 'mostro-unwrap', format === 'current' ? 'v2' : 'v1', `chat-${format}`,
      r.status === 0 && r.lines.length === evs.length, `${evs.length} chat envelopes open`, r.stderr);
    r.lines.forEach((rec, i) => check(producer, 'mostro-unwrap', format === 'current' ? 'v2' : 'v1', `chat-${format}`,
      rec.type === 'chat' && rec.format === format && rec.sender === K.alice.pk && rec.rumor.content === texts[i],
      `chat record ${i}`, rec));
  }
});

// vectors through the tool: every nip59.jsonl wrap and every v2_event
await test('vectors through mostro-unwrap', async () => {
  const recs = readFileSync(join(vectors, 'nip59.jsonl'), 'utf8').trim().split('\n').map(l => JSON.parse(l));
  let opened = 0;
  for (const rec of recs) {
    const r = unwrap([rec.wrap], ['--key-file', keyFile(rec.recipient_secret_key)]);
    const out = r.lines[0];
    const isMostro = !!rec.mostro || !!rec.trade_secret_key;
    const good = r.status === 0 && out && (isMostro
      ? out.type === 'message' && out.sender === (rec.expected.rumor_pubkey ?? rec.expected.rumor.pubkey) && out.identity === rec.expected.seal_pubkey
      : out.type === 'chat' && out.rumor.content === rec.expected.rumor.content && out.sender === rec.expected.seal_pubkey);
    if (good) opened++;
    else ok(false, `nip59.jsonl ${rec.name}`, r.stderr || out);
  }
  ok(opened === recs.length, `vectors -> mostro-unwrap: nip59.jsonl ${opened}/${recs.length} records open as expected`);
  const v2 = readFileSync(join(vectors, 'mostro-sign.jsonl'), 'utf8').trim().split('\n').map(l => JSON.parse(l)).filter(r => r.type === 'v2_event');
  for (const rec of v2) {
    const r = unwrap([rec.event], ['--key-file', keyFile(rec.receiver_secret_key)]);
    const out = r.lines[0];
    ok(r.status === 0 && out && JSON.stringify(out.message) === rec.expected.message_json && out.sender === rec.expected.sender &&
      out.identity === rec.expected.identity && out.trade_signature === rec.expected.trade_sig,
      `vectors -> mostro-unwrap: v2_event ${rec.name}`, r.stderr || out);
  }
});

// ===================================================== mostro-wrap -> theirs

function wrapWith(args, msgs) {
  const r = run('mostro-wrap', args, { input: msgs.map(m => JSON.stringify(m)).join('\n') + '\n' });
  if (r.status !== 0) throw new Error(`mostro-wrap ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.lines;
}
function toolsOpenV1(wrap, rxSk) {
  // nostr-tools primitives: decrypt the wrap, verify the seal, decrypt the seal
  const seal = JSON.parse(nip44.v2.decrypt(wrap.content, nip44.v2.utils.getConversationKey(rxSk, wrap.pubkey)));
  if (seal.kind !== 13 || !nt.verifyEvent(seal)) throw new Error('bad seal');
  const rumor = JSON.parse(nip44.v2.decrypt(seal.content, nip44.v2.utils.getConversationKey(rxSk, seal.pubkey)));
  return { seal, rumor };
}

await test('mostro-wrap v1 -> theirs', async () => {
  for (const [mode, extra] of [['reputation', ['--identity-key-file', K.identity.file]], ['full-privacy', []], ['full-privacy-signed', ['--sign']]]) {
    const evs = wrapWith(['--to', K.mostro.pk, '--key-file', K.trade.file, '--transport', 'v1', ...extra], corpus);
    const identity = mode === 'reputation' ? K.identity.pk : K.trade.pk;
    for (const [i, ev] of evs.entries()) {
      const M = canonical(corpus[i]);
      // rust-nostr
      const ug = await rn.UnwrappedGift.fromGiftWrap(rn.NostrSigner.keys(rk('mostro')), rn.Event.fromJson(JSON.stringify(ev)));
      const rt = JSON.parse(ug.rumor.content);
      const ra = mostroAccepts(rt, ug.rumor.pubkey.toHex(), ug.sender.toHex());
      check('mostro-wrap', 'rust-nostr', 'v1', mode, rn.Event.fromJson(JSON.stringify(ev)).verify() && ug.rumor.kind.asU16() === 1 &&
        ug.sender.toHex() === identity && ug.rumor.pubkey.toHex() === K.trade.pk && ra.ok && ra.M === M &&
        JSON.stringify(rt[0]) === M && (mode === 'full-privacy') === (rt[1] === null),
        `${corpus[i][Object.keys(corpus[i])[0]].action}: UnwrappedGift + mostro rule`, ra);
      // nostr-tools
      const { seal, rumor } = toolsOpenV1(ev, K.mostro.sk);
      const tt = JSON.parse(rumor.content);
      const ta = mostroAccepts(tt, rumor.pubkey, seal.pubkey);
      check('mostro-wrap', 'nostr-tools', 'v1', mode, nt.verifyEvent(ev) && seal.pubkey === identity && ta.ok && ta.identity === identity,
        `${corpus[i][Object.keys(corpus[i])[0]].action}: nip44 + verifyEvent + mostro rule`, ta);
      // tag order and timestamps of PROTOCOL §4.1
      check('mostro-wrap', 'nostr-tools', 'v1', mode, ev.kind === 1059 && ev.tags.length === 1 && ev.tags[0][0] === 'p' &&
        ev.tags[0][1] === K.mostro.pk && ev.created_at <= now() && ev.created_at > now() - 172800 &&
        seal.created_at <= now() && seal.created_at > now() - 172800 && Math.abs(rumor.created_at - now()) < 5,
        'wrap: tags [p], wrap and seal backdated, rumor real time', { tags: ev.tags, w: ev.created_at, s: seal.created_at, r: rumor.created_at });
      if (mode !== 'reputation')
        check('mostro-wrap', 'nostr-tools', 'v1', mode, nip59.unwrapEvent(ev, K.mostro.sk).pubkey === K.trade.pk, 'nip59.unwrapEvent accepts it');
    }
  }
  // PoW and expiration on the wrap: [expiration, p, nonce]
  const [ev] = wrapWith(['--to', K.mostro.pk, '--key-file', K.trade.file, '--transport', 'gift-wrap', '--pow', '10', '--expiration', '3600'], [corpus[0]]);
  check('mostro-wrap', 'nostr-tools', 'v1', 'pow+expiration', nip13.getPow(ev.id) >= 10 && ev.tags.map(t => t[0]).join() === 'expiration,p,nonce' &&
    rn.Event.fromJson(JSON.stringify(ev)).checkPow(10), 'getPow >= 10, tags expiration,p,nonce, rust checkPow', ev.tags);
});

await test('mostro-wrap v2 -> theirs', async () => {
  for (const [mode, extra] of [['reputation', ['--identity-key-file', K.identity.file]], ['full-privacy', []], ['full-privacy-signed', ['--sign']]]) {
    const evs = wrapWith(['--to', K.mostro.pk, '--key-file', K.trade.file, '--transport', 'nip44', ...extra], corpus);
    const identity = mode === 'reputation' ? K.identity.pk : K.trade.pk;
    for (const [i, ev] of evs.entries()) {
      const M = canonical(corpus[i]);
      const rev = rn.Event.fromJson(JSON.stringify(ev));
      const rt = JSON.parse(rn.nip44Decrypt(rk('mostro').secretKey, rev.author, rev.content));
      const ra = mostroAccepts(rt, rev.author.toHex());
      check('mostro-wrap', 'rust-nostr', 'v2', mode, rev.verify() && rev.kind.asU16() === 14 && rt.length === 3 && ra.ok &&
        ra.identity === identity && ra.M === M && (mode === 'reputation') === (rt[2] !== null),
        `${corpus[i][Object.keys(corpus[i])[0]].action}: Event.verify + nip44Decrypt + mostro rule`, ra);
      const tt = JSON.parse(nip44.v2.decrypt(ev.content, nip44.v2.utils.getConversationKey(K.mostro.sk, ev.pubkey)));
      const ta = mostroAccepts(tt, ev.pubkey);
      check('mostro-wrap', 'nostr-tools', 'v2', mode, nt.verifyEvent(ev) && ta.ok && ta.identity === identity &&
        ev.tags.map(t => t[0]).join() === 'p,expiration' && Number(ev.tags[1][1]) === ev.created_at + 2592000 &&
        Math.abs(ev.created_at - now()) < 5, `${corpus[i][Object.keys(corpus[i])[0]].action}: verifyEvent + nip44 + mostro rule, tags p,expiration(+30d)`, ta);
    }
  }
  const [ev] = wrapWith(['--to', K.mostro.pk, '--key-file', K.trade.file, '--pow', '12', '--identity-key-file', K.identity.file], [corpus[1]]);
  check('mostro-wrap', 'nostr-tools', 'v2', 'pow', nip13.getPow(ev.id) >= 12 && ev.tags.map(t => t[0]).join() === 'p,expiration,nonce' &&
    Math.abs(ev.created_at - now()) < 5, 'getPow >= 12, tags p,expiration,nonce, created_at fresh', ev.tags);
});

function openCurrentChat(ev, ownSk, peerPk) {
  const ck = chatKeys(ownSk, peerPk);
  const convPk = nt.getPublicKey(ck.conv);
  if (ev.pubkey !== nt.getPublicKey(ck.sign) || ev.tags.length !== 1 || ev.tags[0][1] !== convPk || !nt.verifyEvent(ev)) throw new Error('outer');
  const inner = JSON.parse(nip44.v2.decrypt(ev.content, nip44.v2.utils.getConversationKey(ck.conv, convPk)));
  if (!nt.verifyEvent(inner) || inner.kind !== 1) throw new Error('inner');
  return inner;
}
await test('mostro-wrap --chat -> theirs', async () => {
  const lines = ['hola Bob', 'tricky "q" \n 😀 \u0001'];
  const wrapChat = fmt => wrapWith(['--to', K.bob.pk, '--key-file', K.alice.file, `--chat=${fmt}`], lines);
  for (const [i, ev] of wrapChat('nip59').entries()) {
    const r = nip59.unwrapEvent(ev, K.bob.sk);
    check('mostro-wrap', 'nostr-tools', 'v1', 'chat-nip59', r.pubkey === K.alice.pk && r.content === lines[i], 'nip59.unwrapEvent', r);
    const ug = await rn.UnwrappedGift.fromGiftWrap(rn.NostrSigner.keys(rk('bob')), rn.Event.fromJson(JSON.stringify(ev)));
    check('mostro-wrap', 'rust-nostr', 'v1', 'chat-nip59', ug.sender.toHex() === K.alice.pk && ug.rumor.content === lines[i], 'UnwrappedGift');
  }
  for (const [i, ev] of wrapChat('current').entries()) {
    let inner;
    try { inner = openCurrentChat(ev, K.bob.sk, K.alice.pk); } catch (e) { inner = { error: String(e) }; }
    check('mostro-wrap', 'nostr-tools+noble', 'v2', 'chat-current', inner.pubkey === K.alice.pk && inner.content === lines[i] &&
      ev.kind === 14 && Math.abs(inner.created_at - ev.created_at) <= 60, 'HKDF keys, self-NIP-44, inner signature', inner);
  }
  for (const [i, ev] of wrapChat('legacy').entries()) {
    const x = rn.generateSharedKey(rn.SecretKey.parse(K.bob.skHex), rn.PublicKey.parse(K.alice.pk));
    const inner = JSON.parse(rn.nip44Decrypt(rn.SecretKey.parse(hex(x)), rn.PublicKey.parse(ev.pubkey), ev.content));
    check('mostro-wrap', 'rust-nostr', 'v1', 'chat-legacy', ev.kind === 1059 && ev.tags[0][1] === nt.getPublicKey(x) &&
      nt.verifyEvent(inner) && inner.pubkey === K.alice.pk && inner.content === lines[i], 'generateSharedKey + nip44Decrypt + verify', inner);
  }
});

await test('mostro-wrap --plain -> theirs', async () => {
  const tpl = { kind: 38383, created_at: 1702548701, content: '', tags: [['d', UUID], ['k', 'sell'], ['f', 'VES'], ['s', 'pending'], ['amt', '0'],
    ['fa', '10', '20'], ['pm', 'face to face', ' bank transfer'], ['premium', '1'], ['y', 'mostro'], ['z', 'order']] };
  const [ev] = wrapWith(['--plain', '--key-file', K.mostro.file], [tpl]);
  check('mostro-wrap', 'nostr-tools', 'plain', '38383', nt.verifyEvent(ev) && ev.pubkey === K.mostro.pk &&
    JSON.stringify(ev.tags) === JSON.stringify(tpl.tags) && ev.created_at === tpl.created_at, 'verifyEvent, tags kept in order', ev);
  check('mostro-wrap', 'rust-nostr', 'plain', '38383', rn.Event.fromJson(JSON.stringify(ev)).verify(), 'Event.verify');
});

// ===================================================== tampering, refused by both

await test('tampering', async () => {
  // one byte of ciphertext (v2), re-signed by the author so only the MAC can tell
  const [ev] = wrapWith(['--to', K.mostro.pk, '--key-file', K.trade.file, '--identity-key-file', K.identity.file], [corpus[0]]);
  const c = ev.content, j = Math.floor(c.length / 2);
  const bad = nt.finalizeEvent({ kind: 14, created_at: ev.created_at, tags: ev.tags,
    content: c.slice(0, j) + (c[j] === 'A' ? 'B' : 'A') + c.slice(j + 1) }, K.trade.sk);
  let r = unwrap([bad], ['--key-file', K.mostro.file]);
  check('tamper', 'mostro-unwrap', 'v2', 'ciphertext-byte', r.status === 123 && r.lines[0]?.error === 'bad-mac', 'bad-mac', r.lines);
  let threw = false;
  try { rn.nip44Decrypt(rk('mostro').secretKey, rpk('trade'), bad.content); } catch { threw = true; }
  check('tamper', 'rust-nostr', 'v2', 'ciphertext-byte', threw, 'nip44Decrypt throws');
  threw = false;
  try { nip44.v2.decrypt(bad.content, nip44.v2.utils.getConversationKey(K.mostro.sk, K.trade.pk)); } catch { threw = true; }
  check('tamper', 'nostr-tools', 'v2', 'ciphertext-byte', threw, 'nip44.decrypt throws');
  // the same byte changed without re-signing: the event signature
  const bad2 = { ...ev, content: bad.content };
  r = unwrap([bad2], ['--key-file', K.mostro.file]);
  check('tamper', 'mostro-unwrap', 'v2', 'ciphertext-byte-unsigned', r.lines[0]?.error === 'bad-signature', 'bad-signature', r.lines);
  check('tamper', 'nostr-tools', 'v2', 'ciphertext-byte-unsigned', !nt.verifyEvent(bad2), 'verifyEvent false');
  check('tamper', 'rust-nostr', 'v2', 'ciphertext-byte-unsigned', !rn.Event.fromJson(JSON.stringify(bad2)).verify(), 'Event.verify false');

  // v1: a seal from another key, no trade signature (rust-nostr builds it the mostro-core way)
  const forged = await rustV1(corpus[0], 'trade', 'other', 'mostro', false);
  r = unwrap([forged], ['--key-file', K.mostro.file]);
  check('tamper', 'mostro-unwrap', 'v1', 'seal-from-other-key', r.lines[0]?.error === 'bad-trade-signature', 'refused', r.lines);
  const ug = await rn.UnwrappedGift.fromGiftWrap(rn.NostrSigner.keys(rk('mostro')), rn.Event.fromJson(JSON.stringify(forged)));
  check('tamper', 'rust-nostr+rule', 'v1', 'seal-from-other-key', !mostroAccepts(JSON.parse(ug.rumor.content), ug.rumor.pubkey.toHex(), ug.sender.toHex()).ok,
    'mostro rule refuses (identity != trade without signature)');
  threw = false;
  try { nip59.unwrapEvent(forged, K.mostro.sk); } catch { threw = true; }
  check('tamper', 'nostr-tools', 'v1', 'seal-from-other-key', threw, 'nip59.unwrapEvent throws (rumor author != seal)');

  // v1: one byte of the wrap's ciphertext
  const [w1] = wrapWith(['--to', K.mostro.pk, '--key-file', K.trade.file, '--transport', 'v1'], [corpus[0]]);
  const bw = { ...w1, content: w1.content.slice(0, 80) + (w1.content[80] === 'A' ? 'B' : 'A') + w1.content.slice(81) };
  r = unwrap([bw], ['--key-file', K.mostro.file]);
  check('tamper', 'mostro-unwrap', 'v1', 'ciphertext-byte', r.lines[0]?.error === 'bad-signature', 'bad-signature', r.lines);
  threw = false;
  try { await rn.UnwrappedGift.fromGiftWrap(rn.NostrSigner.keys(rk('mostro')), rn.Event.fromJson(JSON.stringify(bw))); } catch { threw = true; }
  check('tamper', 'rust-nostr', 'v1', 'ciphertext-byte', threw, 'UnwrappedGift throws');

  // a re-signed message: the reputation tuple re-encrypted and sent by another trade key
  const pt = nip44.v2.decrypt(ev.content, nip44.v2.utils.getConversationKey(K.mostro.sk, ev.pubkey));
  const resent = nt.finalizeEvent({ kind: 14, created_at: now(), tags: [['p', K.mostro.pk]],
    content: nip44.v2.encrypt(pt, nip44.v2.utils.getConversationKey(K.other.sk, K.mostro.pk)) }, K.other.sk);
  r = unwrap([resent], ['--key-file', K.mostro.file]);
  check('tamper', 'mostro-unwrap', 'v2', 're-signed-message', r.lines[0]?.error === 'bad-trade-signature', 'refused', r.lines);
  check('tamper', 'nostr-tools+rule', 'v2', 're-signed-message', !mostroAccepts(JSON.parse(pt), K.other.pk).ok, 'mostro rule refuses');
  // a signature over the docs' key order instead of the canonical one
  const m = corpus[0], docs = JSON.stringify({ order: { version: 2, id: UUID, request_id: 1, trade_index: 1, action: 'take-sell', payload: null } });
  const docsTuple = `[${docs},"${mostroSign(docs, K.trade)}",null]`;
  const docsEv = nt.finalizeEvent({ kind: 14, created_at: now(), tags: [['p', K.mostro.pk]],
    content: nip44.v2.encrypt(docsTuple, nip44.v2.utils.getConversationKey(K.trade.sk, K.mostro.pk)) }, K.trade.sk);
  r = unwrap([docsEv], ['--key-file', K.mostro.file]);
  check('tamper', 'mostro-unwrap', 'v2', 'signed-docs-order', r.lines[0]?.error === 'bad-trade-signature', 'refused', r.lines);
  check('tamper', 'nostr-tools+rule', 'v2', 'signed-docs-order', !mostroAccepts(JSON.parse(docsTuple), K.trade.pk).ok && canonical(m) !== docs, 'mostro rule refuses');
});

// Every layer of a v1 envelope built by hand from nostr-tools primitives, so that one
// layer at a time can be tampered with and the others re-signed (only the tampered
// check can catch it). A control of each construction opens first.
function layered({ content, rumorAuthor, rumorId, sealSigner, receiver = 'mostro', sealCt, sealSig, wrapCt }) {
  const rumor = { kind: 1, created_at: now(), tags: [], content, pubkey: K[rumorAuthor].pk };
  rumor.id = rumorId ?? nt.getEventHash(rumor);
  const flip = (c, i) => c.slice(0, i) + (c[i] === 'A' ? 'B' : 'A') + c.slice(i + 1);
  let sc = nip44.v2.encrypt(JSON.stringify(rumor), nip44.v2.utils.getConversationKey(K[sealSigner].sk, K[receiver].pk));
  if (sealCt) sc = flip(sc, 60);
  let seal = nt.finalizeEvent({ kind: 13, created_at: now() - 3600, tags: [], content: sc }, K[sealSigner].sk);
  if (sealSig) seal = { ...seal, sig: (seal.sig[0] === '0' ? '1' : '0') + seal.sig.slice(1) };
  const eph = nt.generateSecretKey();
  let wc = nip44.v2.encrypt(JSON.stringify(seal), nip44.v2.utils.getConversationKey(eph, K[receiver].pk));
  if (wrapCt) wc = flip(wc, 80);
  return nt.finalizeEvent({ kind: 1059, created_at: now() - 7200, tags: [['p', K[receiver].pk]], content: wc }, eph);
}
async function rustOpens(ev, receiver) {
  try {
    const ug = await rn.UnwrappedGift.fromGiftWrap(rn.NostrSigner.keys(rk(receiver)), rn.Event.fromJson(JSON.stringify(ev)));
    return { ok: true, sender: ug.sender.toHex(), rumor: JSON.parse(ug.rumor.asJson()) };
  } catch (e) { return { ok: false, error: String(e) }; }
}
function toolsOpens(ev, receiver) {
  try { return { ok: true, rumor: nip59.unwrapEvent(ev, K[receiver].sk) }; } catch (e) { return { ok: false, error: String(e) }; }
}

await test('tampering, layer by layer (v1 wrap, seal, rumor; v2 proof; chat)', async () => {
  const signed = tupleText(tuple1(corpus[0], K.trade));
  const M = canonical(corpus[0]);
  const rep = { content: signed, rumorAuthor: 'trade', sealSigner: 'identity' };
  const mu = ev => unwrap([ev], ['--key-file', K.mostro.file]);
  // control: the hand-built reputation envelope opens everywhere
  let ev = layered(rep), r = mu(ev), rr = await rustOpens(ev, 'mostro');
  check('nostr-tools(layers)', 'mostro-unwrap', 'v1', 'reputation', r.status === 0 && r.lines[0]?.identity === K.identity.pk &&
    r.lines[0]?.sender === K.trade.pk && JSON.stringify(r.lines[0]?.message) === M, 'control: hand-built layers open', r.lines);
  check('nostr-tools(layers)', 'rust-nostr', 'v1', 'reputation', rr.ok && rr.sender === K.identity.pk &&
    mostroAccepts(JSON.parse(rr.rumor.content), rr.rumor.pubkey, rr.sender).ok, 'control: UnwrappedGift + mostro rule', rr);

  // a rumor whose own id is wrong is opened by all (mostro-core does not check it)
  ev = layered({ ...rep, rumorId: '00'.repeat(32) });
  r = mu(ev); rr = await rustOpens(ev, 'mostro');
  check('nostr-tools(layers)', 'mostro-unwrap', 'v1', 'rumor-id-not-checked', r.status === 0 && JSON.stringify(r.lines[0]?.message) === M,
    'a rumor with a wrong id opens', r.lines);
  check('nostr-tools(layers)', 'rust-nostr', 'v1', 'rumor-id-not-checked', rr.ok && rr.rumor.id === '00'.repeat(32), 'UnwrappedGift opens it too', rr);

  // one byte of the wrap's ciphertext, the wrap re-signed by its key: only the MAC can tell
  ev = layered({ ...rep, wrapCt: true });
  r = mu(ev);
  check('tamper', 'mostro-unwrap', 'v1', 'wrap-ciphertext-byte', r.status === 123 && r.lines[0]?.error === 'bad-mac', 'bad-mac', r.lines);
  check('tamper', 'rust-nostr', 'v1', 'wrap-ciphertext-byte', !(await rustOpens(ev, 'mostro')).ok, 'UnwrappedGift throws');
  check('tamper', 'nostr-tools', 'v1', 'wrap-ciphertext-byte', !toolsOpens(ev, 'mostro').ok, 'nip59.unwrapEvent throws');

  // one byte of the seal's ciphertext, the seal re-signed by the identity
  ev = layered({ ...rep, sealCt: true });
  r = mu(ev);
  check('tamper', 'mostro-unwrap', 'v1', 'seal-ciphertext-byte', r.status === 123 && r.lines[0]?.error === 'bad-seal', 'bad-seal', r.lines);
  check('tamper', 'rust-nostr', 'v1', 'seal-ciphertext-byte', !(await rustOpens(ev, 'mostro')).ok, 'UnwrappedGift throws');
  check('tamper', 'nostr-tools', 'v1', 'seal-ciphertext-byte', !toolsOpens(ev, 'mostro').ok, 'nip59.unwrapEvent throws');

  // the seal's signature broken (content intact)
  ev = layered({ ...rep, sealSig: true });
  r = mu(ev);
  check('tamper', 'mostro-unwrap', 'v1', 'seal-signature', r.status === 123 && r.lines[0]?.error === 'bad-seal', 'bad-seal', r.lines);
  check('tamper', 'rust-nostr', 'v1', 'seal-signature', !(await rustOpens(ev, 'mostro')).ok, 'UnwrappedGift throws');
  check('tamper', 'nostr-tools', 'v1', 'seal-signature', !toolsOpens(ev, 'mostro').ok, 'nip59.unwrapEvent throws');

  // a re-signed message on v1: another trade key authors a rumor carrying the trade key's signed tuple
  ev = layered({ ...rep, rumorAuthor: 'other' });
  r = mu(ev); rr = await rustOpens(ev, 'mostro');
  check('tamper', 'mostro-unwrap', 'v1', 're-signed-message', r.status === 123 && r.lines[0]?.error === 'bad-trade-signature', 'bad-trade-signature', r.lines);
  check('tamper', 'rust-nostr+rule', 'v1', 're-signed-message', rr.ok && !mostroAccepts(JSON.parse(rr.rumor.content), rr.rumor.pubkey, rr.sender).ok,
    'UnwrappedGift opens, mostro rule refuses', rr);

  // v2: an identity proof made for the trade key grafted onto another trade key's (validly signed) message
  const graft = tuple2(corpus[0], K.other, K.identity, K.trade.pk);
  const gev = nt.finalizeEvent({ kind: 14, created_at: now(), tags: [['p', K.mostro.pk]],
    content: nip44.v2.encrypt(tupleText(graft), nip44.v2.utils.getConversationKey(K.other.sk, K.mostro.pk)) }, K.other.sk);
  r = mu(gev);
  check('tamper', 'mostro-unwrap', 'v2', 'grafted-identity-proof', r.status === 123 && r.lines[0]?.error === 'bad-identity-proof', 'bad-identity-proof', r.lines);
  check('tamper', 'nostr-tools+rule', 'v2', 'grafted-identity-proof', !mostroAccepts(graft, K.other.pk).ok, 'mostro rule refuses');

  // plain NIP-59 chat whose rumor is not the seal signer's (nak#110): refused; nostr-tools refuses it too
  ev = layered({ content: 'hola', rumorAuthor: 'alice', sealSigner: 'other', receiver: 'bob' });
  r = unwrap([ev], ['--key-file', K.bob.file]);
  check('tamper', 'mostro-unwrap', 'v1', 'chat-rumor-not-seal-author', r.status === 123 && r.lines[0]?.error === 'bad-seal', 'bad-seal', r.lines);
  check('tamper', 'nostr-tools', 'v1', 'chat-rumor-not-seal-author', !toolsOpens(ev, 'bob').ok, 'nip59.unwrapEvent throws');
  ev = layered({ content: 'hola', rumorAuthor: 'alice', sealSigner: 'alice', receiver: 'bob' });
  r = unwrap([ev], ['--key-file', K.bob.file]);
  check('nostr-tools(layers)', 'mostro-unwrap', 'v1', 'chat-nip59', r.status === 0 && r.lines[0]?.type === 'chat' && r.lines[0]?.sender === K.alice.pk,
    'control: the same chat with rumor author = seal author opens', r.lines);

  // current-format chat whose inner event was altered after signing (outer re-signed with K_sign)
  const ck = chatKeys(K.alice.sk, K.bob.pk), convPk = nt.getPublicKey(ck.conv);
  // (through JSON: nostr-tools caches a successful verifyEvent on the object itself)
  const inner = { ...JSON.parse(JSON.stringify(nt.finalizeEvent({ kind: 1, created_at: now(), tags: [], content: 'pay 100' }, K.alice.sk))),
    content: 'pay 999' };
  const cev = nt.finalizeEvent({ kind: 14, created_at: inner.created_at, tags: [['p', convPk]],
    content: nip44.v2.encrypt(JSON.stringify(inner), nip44.v2.utils.getConversationKey(ck.conv, convPk)) }, ck.sign);
  r = unwrap([cev], ['--key-file', K.bob.file, '--peer', K.alice.pk]);
  check('tamper', 'mostro-unwrap', 'v2', 'chat-inner-event', r.status === 123 && r.lines[0]?.error === 'bad-chat', 'bad-chat', r.lines);
  check('tamper', 'nostr-tools', 'v2', 'chat-inner-event', !nt.verifyEvent(inner), 'verifyEvent false');
  check('tamper', 'rust-nostr', 'v2', 'chat-inner-event', !rn.Event.fromJson(JSON.stringify(inner)).verify(), 'Event.verify false');
});

console.log('# interop matrix (producer | consumer | transport | mode: result)');
for (const [k, v] of [...matrix.entries()].sort()) console.log(`#   ${k}: ${v ? 'pass' : 'FAIL'}`);
done();
