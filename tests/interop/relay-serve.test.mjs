// relay.test.mjs — nostr-tools (pinned) as a client of `mostro-relay serve`:
// publish (OK), subscribe (stored events, EOSE, live events), replaceable and
// addressable replacement, NIP-42 (relay.auth with a signer) gating kinds 1059
// and 14, NIP-40 expiration, NIP-45 count, NIP-11 through nostr-tools' fetch.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { ok, test, done } from './lib/tap.mjs';

useWebSocketImplementation(WebSocket);

const now = () => Math.floor(Date.now() / 1000);
const sleep = ms => new Promise(r => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'mostro-relay-interop-'));

function startServe(args = []) {
  return new Promise((resolve, reject) => {
    const p = spawn('mostro-relay', ['serve', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const t = setTimeout(() => reject(new Error('serve did not start: ' + err)), 10000);
    p.stderr.on('data', d => {
      err += d;
      const m = /listening on (ws:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(t); resolve({ url: m[1], proc: p, stop: () => p.kill('SIGTERM') }); }
    });
    p.on('exit', c => reject(new Error(`serve exited ${c}: ${err}`)));
  });
}

// Collects a subscription's stored events until EOSE; keeps it open for live events.
function sub(relay, filters) {
  const events = [], live = [];
  let eosed = false, closedReason = null;
  return new Promise(resolve => {
    const s = relay.subscribe(filters, {
      onevent: e => (eosed ? live : events).push(e),
      oneose: () => { eosed = true; resolve({ s, events, live, closed: () => closedReason }); },
      onclose: r => { closedReason = r; if (!eosed) resolve({ s, events, live, closed: () => closedReason }); },
    });
  });
}

async function waitFor(cond, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(10);
  return cond();
}

const alice = generateSecretKey(), bob = generateSecretKey(), carol = generateSecretKey();
const A = getPublicKey(alice), B = getPublicKey(bob);
const sign = (sk, t) => finalizeEvent({ created_at: now(), tags: [], content: '', ...t }, sk);

const srv = await startServe(['--db', join(dir, 'relay.db'), '--auth-read-kinds', '1059,14']);

await test('publish: OK true, then duplicate:, then a forged event refused', async () => {
  const relay = await Relay.connect(srv.url);
  const ev = sign(alice, { kind: 1, content: 'hello from nostr-tools' });
  const r = await relay.publish(ev);
  ok(r === '', 'publish resolves with an empty OK message', r);
  const again = await relay.publish(ev);
  ok(/^duplicate:/.test(again), 'republishing: OK true with duplicate:', again);
  const forged = { ...ev, content: 'changed' };
  let err = null;
  try { await relay.publish(forged); } catch (e) { err = e.message; }
  ok(err && /^invalid:/.test(err), 'a forged event: OK false invalid:', err);
  relay.close();
});

await test('subscribe: stored events, EOSE, then live events', async () => {
  const relay = await Relay.connect(srv.url);
  const t0 = now() - 100;
  for (let i = 0; i < 3; i++) await relay.publish(sign(alice, { kind: 1111, created_at: t0 + i, content: `stored ${i}` }));
  const s = await sub(relay, [{ kinds: [1111] }]);
  ok(s.events.length === 3 && s.events.map(e => e.content).join() === 'stored 2,stored 1,stored 0',
    'three stored events, newest first, before EOSE', s.events.map(e => e.content));
  const other = await Relay.connect(srv.url);
  await other.publish(sign(bob, { kind: 1111, content: 'live one' }));
  await other.publish(sign(bob, { kind: 1112, content: 'not matching' }));
  ok(await waitFor(() => s.live.length === 1), 'the live event arrives', s.live.length);
  ok(s.live[0] && s.live[0].content === 'live one' && s.live[0].pubkey === B, 'it is the matching one');
  s.s.close();
  await other.publish(sign(bob, { kind: 1111, content: 'after close' }));
  await sleep(100);
  ok(s.live.length === 1, 'nothing after CLOSE');
  const lim = await sub(relay, [{ kinds: [1111], limit: 2 }, { authors: [B], kinds: [1112] }]);
  ok(lim.events.length === 3, 'two filters: 2 (limit) + 1', lim.events.map(e => e.content));
  lim.s.close();
  relay.close();
  other.close();
});

await test('replaceable and addressable events are replaced', async () => {
  const relay = await Relay.connect(srv.url);
  const t = now() - 50;
  await relay.publish(sign(alice, { kind: 0, created_at: t, content: '{"name":"old"}' }));
  await relay.publish(sign(alice, { kind: 0, created_at: t + 1, content: '{"name":"new"}' }));
  let err = null;
  try { await relay.publish(sign(alice, { kind: 0, created_at: t - 1, content: '{"name":"older"}' })); } catch (e) { err = e.message; }
  ok(err && /^duplicate:/.test(err), 'an older version is refused with duplicate:', err);
  const m = await sub(relay, [{ kinds: [0], authors: [A] }]);
  ok(m.events.length === 1 && m.events[0].content === '{"name":"new"}', 'one kind 0, the newest', m.events.map(e => e.content));
  m.s.close();
  for (const [d, at, c] of [['order-1', t, 'v1'], ['order-2', t, 'other'], ['order-1', t + 5, 'v2']])
    await relay.publish(sign(alice, { kind: 38383, created_at: at, tags: [['d', d]], content: c }));
  const o = await sub(relay, [{ kinds: [38383], authors: [A] }]);
  ok(o.events.map(e => e.content).sort().join() === 'other,v2', 'addressable: newest per d tag', o.events.map(e => e.content));
  const one = await sub(relay, [{ kinds: [38383], '#d': ['order-1'] }]);
  ok(one.events.length === 1 && one.events[0].content === 'v2', '#d filter');
  o.s.close(); one.s.close();
  relay.close();
});

await test('NIP-42: kinds 1059 and 14 only for an authenticated recipient', async () => {
  const pub = await Relay.connect(srv.url);
  await pub.publish(sign(carol, { kind: 1059, tags: [['p', B]], content: 'wrap for bob' }));
  await pub.publish(sign(carol, { kind: 14, tags: [['p', A]], content: 'dm for alice' }));
  pub.close();
  const anon = await Relay.connect(srv.url);
  const denied = await sub(anon, [{ kinds: [1059] }]);
  ok(/^auth-required:/.test(denied.closed() || ''), 'unauthenticated REQ for 1059: CLOSED auth-required:', denied.closed());
  const all = await sub(anon, [{ authors: [getPublicKey(carol)] }]);
  ok(all.events.length === 0, 'unauthenticated: restricted events skipped silently', all.events.length);
  all.s.close();
  anon.close();

  const relay = await Relay.connect(srv.url);
  await waitFor(() => relay.challenge);
  const r = await relay.auth(async t => finalizeEvent(t, bob));
  ok(r === '', 'relay.auth with a signer: OK true', r);
  const got = await sub(relay, [{ kinds: [1059, 14] }]);
  ok(got.events.length === 1 && got.events[0].content === 'wrap for bob', 'bob gets his gift wrap, not alice\'s DM',
    got.events.map(e => e.content));
  const p2 = await Relay.connect(srv.url);
  await p2.publish(sign(carol, { kind: 1059, tags: [['p', B]], content: 'second wrap for bob' }));
  await p2.publish(sign(carol, { kind: 1059, tags: [['p', A]], content: 'wrap for alice' }));
  ok(await waitFor(() => got.live.length >= 1), 'a live wrap for bob arrives');
  await sleep(100);
  ok(got.live.length === 1 && got.live[0].content === 'second wrap for bob', 'only bob\'s', got.live.map(e => e.content));
  got.s.close();
  p2.close();
  relay.close();

  const bad = await Relay.connect(srv.url);
  await waitFor(() => bad.challenge);
  bad.challenge = 'not-the-challenge';
  let err = null;
  try { await bad.auth(async t => finalizeEvent(t, alice)); } catch (e) { err = e.message; }
  ok(err && /^invalid: challenge/.test(err), 'AUTH with a wrong challenge is refused', err);
  bad.close();
});

await test('NIP-40: expired events refused; expiring ones stop being served', async () => {
  const relay = await Relay.connect(srv.url);
  let err = null;
  try { await relay.publish(sign(alice, { kind: 1, tags: [['expiration', String(now() - 10)]], content: 'stale' })); } catch (e) { err = e.message; }
  ok(err === 'invalid: event has expired', 'an expired event: OK false invalid:', err);
  const exp = now() + 2;
  await relay.publish(sign(alice, { kind: 4040, tags: [['expiration', String(exp)]], content: 'brief' }));
  const before = await sub(relay, [{ kinds: [4040] }]);
  ok(before.events.length === 1, 'served before its expiration');
  before.s.close();
  await sleep((exp + 1 - now()) * 1000 + 50);
  const after = await sub(relay, [{ kinds: [4040] }]);
  ok(after.events.length === 0, 'not served after', after.events.length);
  after.s.close();
  relay.close();
});

await test('NIP-45 count and NIP-11 document', async () => {
  const relay = await Relay.connect(srv.url);
  const n = await relay.count([{ kinds: [1111] }], {});
  ok(n === 5, 'count of kind 1111 (3 stored + 2 live)', n);
  relay.close();
  const http = srv.url.replace(/^ws/, 'http');
  const doc = await (await fetch(http, { headers: { Accept: 'application/nostr+json' } })).json();
  ok(JSON.stringify(doc.supported_nips) === '[1,11,40,42,45]', 'supported_nips', doc.supported_nips);
  ok(doc.limitation && doc.limitation.max_subscriptions === 20 && doc.limitation.max_limit === 5000, 'limitation', doc.limitation);
});

srv.stop();
await new Promise(r => srv.proc.on('exit', r));
ok(srv.proc.exitCode === 0, 'serve exits 0 on SIGTERM', srv.proc.exitCode);
rmSync(dir, { recursive: true, force: true });
done();
