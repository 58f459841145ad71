// key.test.mjs — mostro-key against nostr-tools 2.25.2 and rust-nostr 0.43 (wasm), both directions.
// NIP-19: entities made by a seeded generator (reproducible), encoded by each side and decoded by
// the other. NIP-06/BIP-39: mnemonics made by each side, keys derived by each side.
import * as nip19 from 'nostr-tools/nip19';
import { accountFromSeedWords, generateSeedWords, validateWords } from 'nostr-tools/nip06';
import { loadWasmSync, Nip19Profile, Nip19Event, Nip19Coordinate, Coordinate, EventId, PublicKey, Kind, Keys } from '@rust-nostr/nostr-sdk';
import { test, ok, run, done, hex } from './lib/tap.mjs';

loadWasmSync();

// xorshift32: the same entities on every run
let seed = 0x6d6f7374;
const rnd = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed; };
const pick = a => a[rnd() % a.length];
const bytes32 = () => hex(Uint8Array.from({ length: 32 }, () => rnd() & 255));
const text = (max) => {
  const parts = ['a', 'z', '0', '-', '.', '/', 'ñ', 'é', '😀', '中', ' ', '?', '='];
  let s = '';
  for (let i = rnd() % max; i > 0; i--) s += pick(parts);
  return s;
};
const relay = () => `wss://relay${rnd() % 1000}.example.com${pick(['', '/', '/p?x=1', '/' + text(8)])}`;
const relays = () => Array.from({ length: rnd() % 4 }, relay);

// One entity of each kind per round, in nostr-tools' data shapes.
function entities(rounds, maxKind) {
  const out = [];
  for (let i = 0; i < rounds; i++) {
    out.push({ type: 'npub', data: bytes32() });
    out.push({ type: 'note', data: bytes32() });
    out.push({ type: 'nprofile', data: { pubkey: bytes32(), relays: relays() } });
    const ev = { id: bytes32(), relays: relays() };
    if (rnd() & 1) ev.author = bytes32();
    if (rnd() & 1) ev.kind = rnd() % maxKind;
    out.push({ type: 'nevent', data: ev });
    out.push({ type: 'naddr', data: { identifier: text(20), pubkey: bytes32(), kind: rnd() % maxKind, relays: relays() } });
  }
  return out;
}
const ntEncode = e => ({
  npub: () => nip19.npubEncode(e.data), note: () => nip19.noteEncode(e.data),
  nprofile: () => nip19.nprofileEncode(e.data), nevent: () => nip19.neventEncode(e.data),
  naddr: () => nip19.naddrEncode(e.data),
})[e.type]();
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

await test('nostr-tools encodes, mostro-key decodes (300 entities, u32 kinds)', () => {
  const es = entities(60, 2 ** 32);
  const r = run('mostro-key', ['decode'], { input: es.map(ntEncode).join('\n') + '\n' });
  ok(r.status === 0, 'decode exit 0', r.stderr);
  ok(r.lines.length === es.length, `${es.length} records`, r.lines.length);
  const bad = es.filter((e, i) => !same(r.lines[i], e));
  ok(bad.length === 0, 'every record equals the original data in nostr-tools shape', bad.slice(0, 3));
});

await test('mostro-key encodes, nostr-tools decodes (300 entities)', () => {
  const es = entities(60, 2 ** 32);
  for (const type of ['npub', 'note', 'nprofile', 'nevent', 'naddr']) {
    const mine = es.filter(e => e.type === type);
    const input = mine.map(e => typeof e.data === 'string' ? e.data : JSON.stringify(e.data)).join('\n') + '\n';
    const r = run('mostro-key', ['encode', type], { input });
    ok(r.status === 0 && r.lines.length === mine.length, `encode ${type}: ${mine.length} records`, r.stderr);
    const bad = mine.filter((e, i) => { const d = nip19.decode(r.lines[i].bech32); return d.type !== type || !same(d.data, e.data); });
    ok(bad.length === 0, `encode ${type}: nostr-tools decodes every string to the same data`, bad.slice(0, 3));
  }
});

await test('nsec both ways with nostr-tools (secret via stdin only)', () => {
  const secrets = Array.from({ length: 20 }, bytes32);
  const enc = run('mostro-key', ['encode', 'nsec'], { input: secrets.join('\n') + '\n' });
  ok(enc.status === 0 && enc.lines.length === 20, 'encode nsec from stdin', enc.stderr);
  ok(enc.lines.every((l, i) => l.bech32 === nip19.nsecEncode(Uint8Array.from(Buffer.from(secrets[i], 'hex')))),
    'nsec strings equal nostr-tools nsecEncode');
  const dec = run('mostro-key', ['decode'], { input: enc.lines.map(l => l.bech32).join('\n') + '\n' });
  ok(dec.lines.every((l, i) => l.type === 'nsec' && l.data === secrets[i]), 'decode gives the secrets back');
});

await test('rust-nostr decodes mostro-key strings, and the reverse (kinds <= 65535)', () => {
  const es = entities(30, 65536).filter(e => ['nprofile', 'nevent', 'naddr', 'npub', 'note'].includes(e.type));
  const bad = [], badBack = [];
  for (const e of es) {
    const input = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    const s = run('mostro-key', ['encode', e.type, input]).lines[0].bech32;
    let got, back;
    if (e.type === 'npub') { const p = PublicKey.parse(s); got = p.toHex(); back = p.toBech32(); }
    else if (e.type === 'note') { const id = EventId.parse(s); got = id.toHex(); back = id.toBech32(); }
    else if (e.type === 'nprofile') {
      const p = Nip19Profile.fromBech32(s);
      got = p.publicKey().toHex(); back = p.toBech32();
    } else if (e.type === 'nevent') {
      const p = Nip19Event.fromBech32(s);
      got = [p.eventId().toHex(), p.author()?.toHex(), p.kind()?.asU16()];
      back = p.toBech32();
    } else {
      const c = Nip19Coordinate.fromBech32(s).coordinate();
      got = [c.identifier, c.publicKey.toHex(), c.kind.asU16()];
      back = Nip19Coordinate.fromBech32(s).toBech32();
    }
    const want = { npub: e.data, note: e.data, nprofile: e.data.pubkey, nevent: [e.data.id, e.data.author, e.data.kind],
      naddr: [e.data.identifier, e.data.pubkey, e.data.kind] }[e.type];
    if (!same(got, want)) bad.push({ e, s, got });
    // rust-nostr's own string decodes to the same keys/ids (relays may be normalized by RelayUrl)
    const d = run('mostro-key', ['decode', back]);
    const dd = d.lines[0] && d.lines[0].data;
    const key = x => typeof x === 'string' ? x : [x.pubkey, x.id, x.author, x.kind, x.identifier];
    if (d.status !== 0 || !same(key(dd), key(e.data))) badBack.push({ e, back, dd, err: d.stderr });
  }
  ok(bad.length === 0, `rust-nostr reads ${es.length} mostro-key strings`, bad.slice(0, 3));
  ok(badBack.length === 0, `mostro-key reads ${es.length} rust-nostr strings`, badBack.slice(0, 3));
});

await test('NIP-06: mostro-key mnemonics derive the same keys in nostr-tools and rust-nostr', () => {
  for (const words of ['12', '24']) {
    for (let i = 0; i < 3; i++) {
      const m = run('mostro-key', ['new', '--words', words]).lines[0].mnemonic;
      ok(validateWords(m), `nostr-tools validates a ${words}-word mostro-key mnemonic`);
      for (const [acct, pass] of [['0', ''], ['7', 'mostro p2p']]) {
        const mine = run('mostro-key', ['derive', '--account', acct, '--secret'], { env: { MOSTRO_MNEMONIC: m, MOSTRO_PASSPHRASE: pass } }).lines[0];
        const nt = accountFromSeedWords(m, pass, Number(acct));
        ok(mine.secret === hex(nt.privateKey) && mine.pubkey === nt.publicKey,
          `${words} words, account ${acct}, passphrase "${pass}": nostr-tools accountFromSeedWords agrees`, { mine, nt: nt.publicKey });
      }
      const range = run('mostro-key', ['derive', '--index', '0-3', '--secret'], { env: { MOSTRO_MNEMONIC: m, MOSTRO_PASSPHRASE: 'x' } }).lines;
      const rs = range.every((k, idx) => {
        const keys = Keys.fromMnemonic(m, 'x', 38383, 0, idx);
        return keys.secretKey.toHex() === k.secret && keys.publicKey.toHex() === k.pubkey;
      });
      ok(rs && range.length === 4, `${words} words: rust-nostr Keys.fromMnemonic(m, "x", 38383, 0, 0..3) agrees`);
    }
  }
});

await test('NIP-06: nostr-tools mnemonics are accepted by mostro-key; non-ASCII passphrase as @scure (NFKD)', () => {
  for (let i = 0; i < 3; i++) {
    const m = generateSeedWords();
    for (const pass of ['contraseña', 'contrasen\u0303a']) {
      const mine = run('mostro-key', ['derive', '--account', '0', '--secret'], { env: { MOSTRO_MNEMONIC: m, MOSTRO_PASSPHRASE: pass } });
      ok(mine.status === 0, 'derive accepts a nostr-tools mnemonic', mine.stderr);
      ok(mine.lines[0].pubkey === accountFromSeedWords(m, pass.normalize('NFKD'), 0).publicKey,
        `passphrase ${JSON.stringify(pass)} gives the NFKD keys`);
    }
  }
});

done();
