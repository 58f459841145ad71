#!/usr/bin/env node
// fake-relay.mjs — a scriptable misbehaving Nostr relay for tests/relay.bats.
//
//   node tests/fake-relay.mjs serve SCRIPT.json PORTFILE
//       listens on 127.0.0.1 (a free port, or script.port), writes the port to
//       PORTFILE once listening, and behaves as SCRIPT says:
//         store      events answered to a REQ (those matching a filter, newest first);
//                    accepted EVENTs are stored and sent to open subscriptions
//         cap        at most this many events per REQ (a relay's result cap)
//         reqDelay   answer each REQ this many milliseconds late (a slower relay)
//         accept     OK true (default) or false to every EVENT; accepted events are stored
//         okMessage  the OK message
//         silentOk   never answer an EVENT (the client's OK timeout)
//         auth       send ["AUTH",challenge] on connect; refuse REQ (CLOSED) and EVENT
//                    (OK false) with "auth-required:" until a valid kind 22242 AUTH arrives
//         onReq      raw frames sent after each REQ before the stored events ("$SUB" = subid)
//         noEose     never send EOSE
//         closeReq   answer every REQ with ["CLOSED",sub,closeReq]
//         closeAfterEose  end every subscription right after its EOSE with
//                    ["CLOSED",sub,closeAfterEose] (the connection stays open)
//         dropAfter  close the connection after sending this many frames
//         freezeAfterEose  after a connection's first EOSE, hang: send nothing more on it
//                    and stop reading it (no PONG), the connection stays open
//         maxPayload close the connection (1009) on a frame larger than this many bytes,
//                    as strfry and nostr-rs-relay do past their message size limit
//         stall      accept TCP connections but never answer (handshake timeout)
//         info       the NIP-11 document (GET with Accept: application/nostr+json)
//         log        file that receives every frame received, one per line
//         tls        {"cert":PEM file,"key":PEM file}: serve wss:// and https://
//   node tests/fake-relay.mjs sign SECRETHEX [TEMPLATE_JSON]
//       prints the template (or each template line of stdin) signed with
//       nostr-tools (finalizeEvent); created_at defaults to now.
import { createRequire } from 'node:module';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'interop', 'package.json'));
const { WebSocketServer } = require('ws');
const nt = await import(join(here, 'interop', 'node_modules', 'nostr-tools', 'lib', 'esm', 'index.js'));

const [mode, ...args] = process.argv.slice(2);

if (mode === 'sign') {
  const [sk, tmpl] = args;
  const lines = tmpl !== undefined ? [tmpl] : readFileSync(0, 'utf8').split('\n').filter(Boolean);
  for (const line of lines) {
    const t = JSON.parse(line);
    const ev = nt.finalizeEvent({ tags: [], content: '', created_at: Math.floor(Date.now() / 1000), ...t },
      Uint8Array.from(Buffer.from(sk, 'hex')));
    console.log(JSON.stringify(ev));
  }
  process.exit(0);
}
if (mode !== 'serve') { console.error('usage: fake-relay.mjs serve SCRIPT PORTFILE | sign SK TEMPLATE'); process.exit(2); }

const script = JSON.parse(readFileSync(args[0], 'utf8'));
const portFile = args[1];
const store = [...(script.store || [])];

function matches(f, ev) {
  if (f.ids && !f.ids.includes(ev.id)) return false;
  if (f.authors && !f.authors.includes(ev.pubkey)) return false;
  if (f.kinds && !f.kinds.includes(ev.kind)) return false;
  if (f.since !== undefined && ev.created_at < f.since) return false;
  if (f.until !== undefined && ev.created_at > f.until) return false;
  for (const k of Object.keys(f))
    if (k[0] === '#' && !ev.tags.some(t => t[0] === k.slice(1) && f[k].includes(t[1]))) return false;
  return true;
}

function query(filters) {
  const out = new Map();
  for (const f of filters) {
    let hits = store.filter(ev => matches(f, ev)).sort((a, b) => b.created_at - a.created_at);
    let n = hits.length;
    if (f.limit !== undefined) n = Math.min(n, f.limit);
    if (script.cap) n = Math.min(n, script.cap);
    for (const ev of hits.slice(0, n)) out.set(ev.id, ev);
  }
  return [...out.values()];
}

function log(text) {
  if (script.log) appendFileSync(script.log, text + '\n');
}

let server;
if (script.stall) {
  const sockets = [];
  server = net.createServer(s => { sockets.push(s); s.on('error', () => {}); });
} else {
  const make = script.tls
    ? h => createTlsServer({ cert: readFileSync(script.tls.cert), key: readFileSync(script.tls.key) }, h)
    : h => createServer(h);
  server = make((req, res) => {
    if ((req.headers.accept || '').includes('application/nostr+json') && script.info) {
      res.writeHead(200, { 'content-type': 'application/nostr+json' });
      res.end(JSON.stringify(script.info));
    } else {
      res.writeHead(404); res.end('not here');
    }
  });
  const wss = new WebSocketServer({ server, ...(script.maxPayload ? { maxPayload: script.maxPayload } : {}) });
  const live = new Set();   // {ws, sub, filters, send}: open subscriptions get new events
  wss.on('connection', ws => {
    let sent = 0, authed = false, frozen = false;
    const challenge = 'challenge-' + Math.random().toString(36).slice(2);
    const send = frame => {
      if (ws.readyState !== ws.OPEN || frozen) return;
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
      if (script.dropAfter && ++sent >= script.dropAfter) ws.terminate();
    };
    if (script.auth) send(['AUTH', challenge]);
    ws.on('message', data => {
      const text = data.toString();
      log(text);
      let m;
      try { m = JSON.parse(text); } catch { send(['NOTICE', 'error: bad JSON']); return; }
      if (m[0] === 'AUTH') {
        const ev = m[1];
        const ok = nt.verifyEvent(ev) && ev.kind === 22242 &&
          ev.tags.some(t => t[0] === 'challenge' && t[1] === challenge) &&
          ev.tags.some(t => t[0] === 'relay');
        authed = authed || ok;
        send(['OK', ev.id, ok, ok ? '' : 'invalid: bad auth event']);
      } else if (m[0] === 'EVENT') {
        const ev = m[1];
        if (script.auth && !authed) { send(['OK', ev.id, false, 'auth-required: authenticate first']); return; }
        if (script.silentOk) return;
        const accept = script.accept !== false;
        const fresh = accept && !store.some(e => e.id === ev.id);
        if (fresh) store.push(ev);
        send(['OK', ev.id, accept, script.okMessage || '']);
        if (fresh)
          for (const l of live)
            if (l.filters.some(f => matches(f, ev))) l.send(['EVENT', l.sub, ev]);
      } else if (m[0] === 'REQ') {
        const sub = m[1];
        if (script.auth && !authed) { send(['CLOSED', sub, 'auth-required: authenticate first']); return; }
        if (script.closeReq) { send(['CLOSED', sub, script.closeReq]); return; }
        const answer = () => {
          for (const raw of script.onReq || []) send(raw.split('$SUB').join(sub));
          for (const ev of query(m.slice(2))) send(['EVENT', sub, ev]);
          if (!script.noEose) send(['EOSE', sub]);
          if (script.freezeAfterEose) { frozen = true; ws._socket.pause(); }
          for (const l of live) if (l.ws === ws && l.sub === sub) live.delete(l);
          if (script.closeAfterEose) { send(['CLOSED', sub, script.closeAfterEose]); return; }
          live.add({ ws, sub, filters: m.slice(2), send });
        };
        if (script.reqDelay) setTimeout(answer, script.reqDelay); else answer();
      } else if (m[0] === 'CLOSE') {
        for (const l of live) if (l.ws === ws && l.sub === m[1]) live.delete(l);
      }
    });
    ws.on('close', () => { for (const l of live) if (l.ws === ws) live.delete(l); });
    ws.on('error', () => {});
  });
}
server.listen(script.port || 0, '127.0.0.1', () => {
  writeFileSync(portFile + '.tmp', String(server.address().port));
  // rename makes the port file appear complete
  import('node:fs').then(fs => fs.renameSync(portFile + '.tmp', portFile));
});
process.on('SIGTERM', () => process.exit(0));
