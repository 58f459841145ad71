// relay-client.mjs — a scriptable WebSocket client for the relay contract
// tests (tests/relay-serve.bats). Uses the pinned `ws` and `nostr-tools`
// from tests/interop/node_modules.
//
//   node relay-client.mjs URL [--expect N] [--auth SKHEX] [--keep-challenge]
//                             [--timeout MS] [--close-after]
//
// Sends every stdin line (a JSON frame) in order, prints every frame received
// as one compact JSON line, and exits 0 once N frames were printed (after the
// whole stdin was sent), or 1 with a message on stderr at the timeout
// (default 20000 ms, or $RELAY_CLIENT_TIMEOUT). The relay's initial ["AUTH", challenge] is not printed
// unless --keep-challenge. With --auth, the challenge is answered first with a
// kind 22242 event signed by SKHEX (relay tag = URL), its OK is awaited (and
// not printed), then stdin is sent. A stdin line `sleep MS` pauses; a line
// `await N` waits until N frames have been printed.
//
// Also: node relay-client.mjs --sign SKHEX  reads event templates (JSON lines,
// created_at defaults to now) and prints signed events;
//       node relay-client.mjs --pubkey SKHEX  prints the public key.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('../interop/package.json', import.meta.url));
const WebSocket = require('ws');
const { finalizeEvent, getPublicKey } = require('nostr-tools/pure');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const flag = name => args.includes(name);
const unhex = h => Uint8Array.from(Buffer.from(h, 'hex'));
const now = () => Math.floor(Date.now() / 1000);
const stdinLines = () => readFileSync(0, 'utf8').split('\n').filter(l => l.trim() !== '');

if (flag('--sign')) {
  const sk = unhex(opt('--sign'));
  for (const l of stdinLines()) {
    const t = JSON.parse(l);
    const ev = finalizeEvent({ kind: t.kind ?? 1, created_at: t.created_at ?? now(), tags: t.tags ?? [], content: t.content ?? '' }, sk);
    console.log(JSON.stringify(ev));
  }
  process.exit(0);
}
if (flag('--pubkey')) {
  console.log(getPublicKey(unhex(opt('--pubkey'))));
  process.exit(0);
}

const url = args[0];
const expect = Number(opt('--expect', '0'));
const timeoutMs = Number(opt('--timeout', process.env.RELAY_CLIENT_TIMEOUT || '20000'));
const authSk = opt('--auth');
const keepChallenge = flag('--keep-challenge');
const lines = stdinLines();

let printed = 0, sentAll = false, authId = null, authDone = !authSk;
const ws = new WebSocket(url);
const timer = setTimeout(() => {
  process.stderr.write(`relay-client: timeout after ${timeoutMs} ms (${printed} of ${expect} frames)\n`);
  process.exit(1);
}, timeoutMs);

function maybeExit() {
  if (sentAll && printed >= expect) {
    clearTimeout(timer);
    ws.close();
    process.exitCode = 0;
    setImmediate(() => process.exit(0));
  }
}

async function sendAll() {
  for (const l of lines) {
    const m = /^sleep (\d+)$/.exec(l.trim());
    if (m) { await new Promise(r => setTimeout(r, Number(m[1]))); continue; }
    const a = /^await (\d+)$/.exec(l.trim());
    if (a) { while (printed < Number(a[1])) await new Promise(r => setTimeout(r, 5)); continue; }
    ws.send(l);
  }
  sentAll = true;
  maybeExit();
}

ws.on('error', e => { process.stderr.write(`relay-client: ${e.message}\n`); process.exit(3); });
ws.on('open', () => { if (authDone) sendAll(); });
ws.on('message', data => {
  const text = data.toString();
  let f;
  try { f = JSON.parse(text); } catch { f = null; }
  if (Array.isArray(f) && f[0] === 'AUTH' && typeof f[1] === 'string' && !keepChallenge) {
    if (authSk && !authId) {
      const ev = finalizeEvent({ kind: 22242, created_at: now(), tags: [['relay', url], ['challenge', f[1]]], content: '' }, unhex(authSk));
      authId = ev.id;
      ws.send(JSON.stringify(['AUTH', ev]));
    }
    return;
  }
  if (authId && !authDone && Array.isArray(f) && f[0] === 'OK' && f[1] === authId) {
    if (f[2] !== true) { process.stderr.write(`relay-client: AUTH refused: ${f[3]}\n`); process.exit(1); }
    authDone = true;
    sendAll();
    return;
  }
  console.log(f ? JSON.stringify(f) : text);
  printed++;
  maybeExit();
});
ws.on('close', () => {
  if (!(sentAll && printed >= expect)) {
    process.stderr.write(`relay-client: connection closed (${printed} of ${expect} frames)\n`);
    process.exit(1);
  }
});
