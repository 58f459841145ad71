// relay-client.test.mjs — mostro-relay pub/req/sub interoperating with
// nostr-tools: events signed by nostr-tools published through `mostro-relay
// pub` arrive intact at a nostr-tools subscription, and events nostr-tools
// publishes are received (verified, deduplicated) by `mostro-relay req` and
// `mostro-relay sub`. Relays: the fake relay (tests/fake-relay.mjs) and
// `mostro-relay serve`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { finalizeEvent, verifyEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay';
import { ok, test, done } from './lib/tap.mjs';

useWebSocketImplementation(WebSocket);
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mostro-relay-interop-'));
const sleep = ms => new Promise(r => setTimeout(r, ms));

// Runs a tool to completion with stdin input; resolves {status, stdout, stderr, lines}.
function runAsync(tool, args, input = '') {
  return new Promise((resolve, reject) => {
    const p = spawn(tool, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', d => { out += d; });
    p.stderr.on('data', d => { err += d; });
    p.on('error', reject);
    p.on('close', status => resolve({
      status, stdout: out, stderr: err,
      get lines() { return out.split('\n').filter(Boolean).map(l => JSON.parse(l)); },
    }));
    p.stdin.end(input);
  });
}

async function startFake(name, script = {}) {
  const scriptFile = join(dir, `${name}.json`), portFile = join(dir, `${name}.port`);
  writeFileSync(scriptFile, JSON.stringify(script));
  const proc = spawn('node', [join(here, '..', 'fake-relay.mjs'), 'serve', scriptFile, portFile], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !existsSync(portFile); i++) await sleep(25);
  return { url: `ws://127.0.0.1:${readFileSync(portFile, 'utf8')}`, stop: () => proc.kill('SIGTERM') };
}

async function startServe(name) {
  const db = join(dir, `${name}.db`);
  const proc = spawn('mostro-relay', ['serve', '--db', db, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const url = await new Promise(resolve => {
    const t = setTimeout(() => resolve(null), 5000);
    const look = d => {
      text += d;
      const m = text.match(/ws:\/\/127\.0\.0\.1:\d+/);
      if (m) { clearTimeout(t); resolve(m[0]); }
    };
    proc.stdout.on('data', look);
    proc.stderr.on('data', look);
  });
  if (!url) { proc.kill('SIGTERM'); return null; }
  return { url, stop: () => proc.kill('SIGTERM') };
}

// Events with awkward content: escapes, unicode, many tags.
function makeEvents(sk, n, kind = 1) {
  const evs = [];
  for (let i = 0; i < n; i++)
    evs.push(finalizeEvent({
      kind, created_at: Math.floor(Date.now() / 1000) - i,
      tags: [['t', `tag${i}`], ['p', getPublicKey(generateSecretKey())], ['x', 'a "quoted" \\ value']],
      content: `note ${i}: \u00e9\u4e2d\ud83d\ude00 \n\t "esc" \\ \u0001 ${'x'.repeat(i * 10)}`,
    }, sk));
  return evs;
}

async function suite(label, relay) {
  const sk = generateSecretKey(), pk = getPublicKey(sk);

  await test(`${label}: nostr-tools events through mostro-relay pub reach a nostr-tools subscription`, async () => {
    const r = await Relay.connect(relay.url);
    const got = [];
    let eose;
    const eosed = new Promise(res => { eose = res; });
    const sub = r.subscribe([{ kinds: [1], authors: [pk] }], { onevent: e => got.push(e), oneose: () => eose() });
    await eosed;
    const evs = makeEvents(sk, 5);
    const res = await runAsync('mostro-relay', ['pub', relay.url], evs.map(e => JSON.stringify(e)).join('\n') + '\n');
    ok(res.status === 0, `${label}: pub exits 0`, res.stderr);
    ok(res.lines.length === 5 && res.lines.every(l => l.type === 'ok' && l.accepted === true && l.relay === relay.url),
      `${label}: one accepted ok record per event`, res.stdout);
    ok(JSON.stringify(res.lines.map(l => l.id).sort()) === JSON.stringify(evs.map(e => e.id).sort()),
      `${label}: ok records carry the nostr-tools ids`);
    for (let i = 0; i < 100 && got.length < 5; i++) await sleep(20);
    ok(got.length === 5, `${label}: nostr-tools subscription received all 5`, got.length);
    ok(got.every(e => verifyEvent(e)), `${label}: received events verify in nostr-tools`);
    const byId = new Map(evs.map(e => [e.id, e]));
    ok(got.every(e => byId.has(e.id) && byId.get(e.id).content === e.content &&
      JSON.stringify(byId.get(e.id).tags) === JSON.stringify(e.tags)), `${label}: content and tags intact`);
    sub.close();
    r.close();
  });

  await test(`${label}: events nostr-tools publishes are read by mostro-relay req`, async () => {
    const sk2 = generateSecretKey(), pk2 = getPublicKey(sk2);
    const r = await Relay.connect(relay.url);
    const evs = makeEvents(sk2, 4, 7);
    for (const e of evs) await r.publish(e);
    r.close();
    const res = await runAsync('mostro-relay', ['req', relay.url, relay.url + '/', '--filter', JSON.stringify({ kinds: [7], authors: [pk2] })]);
    ok(res.status === 0, `${label}: req exits 0`, res.stderr);
    ok(res.lines.length === 4, `${label}: req returns the 4 events once`, res.stdout);
    const byId = new Map(evs.map(e => [e.id, e]));
    ok(res.lines.every(e => byId.has(e.id) && verifyEvent({ ...e }) && byId.get(e.id).content === e.content),
      `${label}: req output verifies in nostr-tools and is byte-identical in content`);
  });

  await test(`${label}: a live event from nostr-tools reaches mostro-relay sub`, async () => {
    const sk3 = generateSecretKey(), pk3 = getPublicKey(sk3);
    const p = spawn('mostro-relay', ['sub', '--status', relay.url, '--filter', JSON.stringify({ kinds: [1], authors: [pk3] })],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', d => { out += d; });
    for (let i = 0; i < 200 && !out.includes('"eose"'); i++) await sleep(20);
    ok(out.includes('"eose"'), `${label}: sub reached EOSE`, out);
    const r = await Relay.connect(relay.url);
    const [ev] = makeEvents(sk3, 1);
    await r.publish(ev);
    r.close();
    for (let i = 0; i < 200 && !out.includes(ev.id); i++) await sleep(20);
    const status = await new Promise(res => { p.on('close', res); p.kill('SIGTERM'); });
    const lines = out.split('\n').filter(Boolean).map(l => JSON.parse(l));
    const got = lines.filter(l => l.id === ev.id);
    ok(got.length === 1 && verifyEvent(got[0]) && got[0].content === ev.content, `${label}: sub printed the live event once`, out);
    ok(status === 0, `${label}: sub exits 0 on SIGTERM`, status);
  });
}

const fake = await startFake('fake');
await suite('fake relay', fake);
fake.stop();

const serve = await startServe('serve');
if (serve) {
  await suite('mostro-relay serve', serve);
  serve.stop();
} else {
  ok(false, 'mostro-relay serve started');
}
done();
