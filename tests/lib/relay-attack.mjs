// relay-attack.mjs — hostile clients for the adversarial suite of
// `mostro-relay serve` (tests/relay-adversarial.bats, make soak). Plain
// node:net sockets with hand-made WebSocket framing, so a client can do what
// a library refuses to: never read, never answer a ping, send broken frames.
// Loopback only: every mode refuses a host that is not 127.0.0.1/::1/localhost.
// Every mode is bounded in count and time and prints one JSON summary line.
//
//   node relay-attack.mjs idle  URL N SECONDS [--no-pong]
//       opens N WebSocket connections (50 handshakes at a time), holds them
//       SECONDS, answering pings unless --no-pong. Summary: opened, refused
//       (closed or reset before the 101), pending (no answer within 5 s or
//       --pending-ms),
//       closed (by the relay during the hold), first_close_s, pinged.
//   node relay-attack.mjs slow  URL N SECONDS FRAME [--drain S]
//       opens N connections, sends FRAME on each, then reads nothing for
//       SECONDS; then reads again for S seconds (default 3). Summary: opened,
//       closed (ended by the relay: seen once reading resumed), bytes.
//   node relay-attack.mjs silent URL N SECONDS [--partial]
//       opens N TCP connections that never finish a request (nothing, or
//       with --partial an unfinished header), holds them SECONDS. Summary:
//       connected, closed (by the relay during the hold), first_close_s.
//   node relay-attack.mjs raw   URL [--wait MS]
//       sends stdin as is on one TCP connection, prints what comes back until
//       the relay closes or MS (default 1500) of silence.
//   node relay-attack.mjs frames URL SEED COUNT
//       COUNT connections, each sending frames made from valid ones by seeded
//       mutation (bit flips, truncation, bad opcodes, reserved bits, unmasked,
//       oversized lengths, fragmented control frames, invalid UTF-8, stray
//       continuations, JSON junk). Summary: connections, frames, answers.
import net from 'node:net';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const [mode, url] = args;
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const flag = name => args.includes(name);
const sleep = ms => new Promise(r => setTimeout(r, ms));
const now = () => performance.now() / 1000;

function target(u) {
  const m = /^ws:\/\/(\[[^\]]+\]|[^:/]+):(\d+)/.exec(u || '');
  if (!m) throw new Error(`not a ws://host:port URL: ${u}`);
  const host = m[1].replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', '::1', 'localhost'].includes(host) && !/^127\./.test(host))
    throw new Error(`refusing a non-loopback target: ${host}`);
  return { host, port: Number(m[2]) };
}

/* One WebSocket frame from this client: masked, as RFC 6455 requires. */
function frame(opcode, payload, { fin = true, mask = true, rsv = 0 } = {}) {
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const n = p.length;
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
  const m = mask ? 0x80 : 0;
  if (n < 126) head.push(m | n);
  else if (n < 65536) head.push(m | 126, n >> 8, n & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), p]);
  const key = crypto.randomBytes(4);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = p[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, out]);
}

function handshake(t) {
  const key = crypto.randomBytes(16).toString('base64');
  return `GET / HTTP/1.1\r\nHost: ${t.host}:${t.port}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

/* A WebSocket connection. ev: onOpen, onFrame(op, payload), onEnd(why). */
class Conn {
  constructor(t, ev = {}) {
    this.ev = ev;
    this.state = 'connecting';
    this.buf = Buffer.alloc(0);
    this.bytes = 0;
    this.pongs = !ev.noPong;
    this.pinged = 0;
    this.sock = net.connect(t.port, t.host);
    this.sock.setNoDelay(true);
    this.sock.on('connect', () => this.sock.write(handshake(t)));
    this.sock.on('data', d => this.data(d));
    this.sock.on('error', () => this.end('error'));
    this.sock.on('close', () => this.end('close'));
  }
  end(why) {
    if (this.state === 'ended') return;
    const was = this.state;
    this.state = 'ended';
    this.sock.destroy();
    if (this.ev.onEnd) this.ev.onEnd(why, was);
  }
  data(d) {
    this.bytes += d.length;
    this.buf = Buffer.concat([this.buf, d]);
    if (this.state === 'connecting') {
      const i = this.buf.indexOf('\r\n\r\n');
      if (i < 0) return;
      const head = this.buf.subarray(0, i).toString();
      this.buf = this.buf.subarray(i + 4);
      if (!/^HTTP\/1\.1 101/.test(head)) return this.end('status ' + head.split('\r\n')[0]);
      this.state = 'open';
      if (this.ev.onOpen) this.ev.onOpen(this);
    }
    while (this.state === 'open' && this.buf.length >= 2) {
      let n = this.buf[1] & 0x7f, at = 2;
      if (n === 126) { if (this.buf.length < 4) return; n = this.buf.readUInt16BE(2); at = 4; }
      else if (n === 127) { if (this.buf.length < 10) return; n = Number(this.buf.readBigUInt64BE(2)); at = 10; }
      if (this.buf.length < at + n) return;
      const op = this.buf[0] & 0x0f, payload = this.buf.subarray(at, at + n);
      this.buf = this.buf.subarray(at + n);
      if (op === 9) {
        this.pinged++;
        if (this.pongs) this.send(10, payload);
      } else if (op === 8) {
        return this.end('close frame');
      }
      if (this.ev.onFrame) this.ev.onFrame(op, payload, this);
    }
  }
  send(op, payload, o) { if (this.state !== 'ended') this.sock.write(frame(op, payload, o)); }
  text(s) { this.send(1, s); }
}

/* Opens n connections, at most `width` handshakes at a time; resolves when
 * each is open, refused or pending for --pending-ms (default 5000). */
async function openMany(t, n, ev, width = 50) {
  const pendingMs = Number(opt('--pending-ms', '5000'));
  const conns = [];
  let opened = 0, refused = 0, pending = 0;
  for (let i = 0; i < n; i += width) {
    const batch = [];
    for (let k = i; k < Math.min(n, i + width); k++) {
      batch.push(new Promise(resolve => {
        let done = false;
        const settle = r => { if (!done) { done = true; resolve(r); } };
        const c = new Conn(t, {
          ...ev,
          onOpen: cc => { settle('open'); if (ev.onOpen) ev.onOpen(cc); },
          onEnd: (why, was) => { settle('refused'); if (ev.onEnd) ev.onEnd(why, was, c); },
        });
        conns.push(c);
        setTimeout(() => settle('pending'), pendingMs);
      }));
    }
    for (const r of await Promise.all(batch)) {
      if (r === 'open') opened++;
      else if (r === 'refused') refused++;
      else pending++;
    }
  }
  return { conns, opened, refused, pending };
}

async function idle() {
  const t = target(url);
  const n = Number(args[2]), secs = Number(args[3]);
  let closed = 0, firstClose = null, t0 = 0, over = false;
  const r = await openMany(t, n, {
    noPong: flag('--no-pong'),
    onEnd: (why, was) => {
      if (was !== 'open' || over) return;
      closed++;
      if (firstClose === null) firstClose = now() - t0;
    },
  });
  t0 = now();
  await sleep(secs * 1000);
  const pinged = r.conns.filter(c => c.pinged > 0).length;
  over = true;
  for (const c of r.conns) c.end('done');
  return { opened: r.opened, refused: r.refused, pending: r.pending, closed,
           first_close_s: firstClose === null ? null : Math.round(firstClose * 10) / 10, pinged };
}

async function slow() {
  const t = target(url);
  const n = Number(args[2]), secs = Number(args[3]), fr = args[4];
  const drain = Number(opt('--drain', '3'));
  let closed = 0, over = false;
  const r = await openMany(t, n, {
    onOpen: c => { c.text(fr); c.sock.pause(); },
    onEnd: (why, was) => { if (was === 'open' && !over) closed++; },
  });
  await sleep(secs * 1000);
  for (const c of r.conns) c.sock.resume();
  await sleep(drain * 1000);
  const bytes = r.conns.reduce((a, c) => a + c.bytes, 0);
  over = true;
  for (const c of r.conns) c.end('done');
  return { opened: r.opened, refused: r.refused, closed, bytes };
}

async function silent() {
  const t = target(url);
  const n = Number(args[2]), secs = Number(args[3]);
  let connected = 0, closed = 0, firstClose = null, over = false;
  const t0 = now(), socks = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(t.port, t.host);
    s.on('connect', () => { connected++; if (flag('--partial')) s.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: '); });
    const end = () => { if (over || s.ended) return; s.ended = true; closed++; if (firstClose === null) firstClose = now() - t0; };
    s.on('close', end);
    s.on('error', () => {});
    socks.push(s);
  }
  await sleep(secs * 1000);
  over = true;
  for (const s of socks) s.destroy();
  return { connected, closed, first_close_s: firstClose === null ? null : Math.round(firstClose * 10) / 10 };
}

async function raw() {
  const t = target(url);
  const wait = Number(opt('--wait', '1500'));
  const input = readFileSync(0);
  return new Promise(resolve => {
    const s = net.connect(t.port, t.host);
    let timer;
    const out = [];
    const done = () => { clearTimeout(timer); s.destroy(); process.stdout.write(Buffer.concat(out)); resolve(null); };
    const arm = () => { clearTimeout(timer); timer = setTimeout(done, wait); };
    s.on('connect', () => { s.write(input); arm(); });
    s.on('data', d => { out.push(d); arm(); });
    s.on('close', done);
    s.on('error', done);
  });
}

/* A small seeded PRNG (xorshift32): the same SEED gives the same frames. */
function prng(seed) {
  let x = (seed >>> 0) || 0x9e3779b9;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
}

const VALID = [
  '["REQ","a",{"kinds":[1],"limit":3}]',
  '["CLOSE","a"]',
  '["COUNT","c",{"kinds":[1]}]',
  '["EVENT",{"id":"' + '0'.repeat(64) + '","pubkey":"' + '1'.repeat(64) +
    '","created_at":1,"kind":1,"tags":[["p","' + '2'.repeat(64) + '"]],"content":"x","sig":"' + '3'.repeat(128) + '"}]',
  '["AUTH",{"kind":22242,"tags":[],"content":""}]',
  '["REQ","b",{"#p":["' + 'a'.repeat(64) + '"],"since":0}]',
];

function mutate(rand) {
  const pick = a => a[Math.floor(rand() * a.length)];
  const text = Buffer.from(pick(VALID));
  const kind = Math.floor(rand() * 12);
  const b = Buffer.from(text);
  switch (kind) {
  case 0: for (let i = 0; i < 1 + rand() * 4; i++) b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
    return [frame(1, b)];
  case 1: return [frame(1, b.subarray(0, Math.floor(rand() * b.length)))];
  case 2: return [frame(3 + Math.floor(rand() * 5), b)];                      // reserved opcode
  case 3: return [frame(1, b, { rsv: 1 + Math.floor(rand() * 7) })];          // reserved bits
  case 4: return [frame(1, b, { mask: false })];                              // unmasked
  case 5: { const f = frame(1, b); f[1] = 0xff; return [f.subarray(0, 10)]; } // 2^63-ish length, cut
  case 6: return [frame(9, Buffer.alloc(200), { fin: false })];               // fragmented ping, too long
  case 7: return [frame(1, Buffer.concat([b.subarray(0, 5), Buffer.from([0xc3, 0x28, 0xff]), b.subarray(5)]))];
  case 8: return [frame(0, b)];                                               // continuation with no start
  case 9: return [frame(1, b.subarray(0, 10), { fin: false }), frame(2, b)];  // new frame inside a message
  case 10: return [frame(2, b)];                                              // binary
  default: {
    const junk = Buffer.alloc(1 + Math.floor(rand() * 300));
    for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rand() * 256);
    return [rand() < 0.5 ? frame(1, junk) : junk];                           // random bytes
  }
  }
}

async function frames() {
  const t = target(url);
  const rand = prng(Number(args[2]));
  const count = Number(args[3]);
  let nframes = 0, answers = 0;
  for (let i = 0; i < count; i++) {
    await new Promise(resolve => {
      const c = new Conn(t, {
        onOpen: async cc => {
          const k = 1 + Math.floor(rand() * 6);
          for (let j = 0; j < k && cc.state === 'open'; j++) {
            for (const f of mutate(rand)) { cc.sock.write(f); nframes++; }
            await sleep(2);
          }
          setTimeout(() => { cc.end('done'); }, 60);
        },
        onFrame: () => { answers++; },
        onEnd: () => resolve(),
      });
      setTimeout(() => { c.end('timeout'); }, 5000);
    });
  }
  return { connections: count, frames: nframes, answers };
}

const modes = { idle, slow, silent, raw, frames };
if (!modes[mode]) {
  process.stderr.write('usage: relay-attack.mjs idle|slow|raw|frames URL ...\n');
  process.exit(2);
}
const hardStop = setTimeout(() => { process.stderr.write('relay-attack: hard time limit\n'); process.exit(1); },
  Number(process.env.RELAY_ATTACK_LIMIT_S || 600) * 1000);
hardStop.unref();
modes[mode]().then(r => {
  if (r) console.log(JSON.stringify(r));
  process.exit(0);
}, e => { process.stderr.write(`relay-attack: ${e.message}\n`); process.exit(1); });
