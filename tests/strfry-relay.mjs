#!/usr/bin/env node
// strfry-relay.mjs — a test relay that answers the way strfry (hoytech/strfry,
// master as of 2026) does where NIP-42 and refusals are concerned, for
// tests/relay.bats. Every text below is strfry's own wording, read from its
// source (src/apps/relay/RelayIngester.cpp, RelayServer.h, RelayWriter.cpp,
// src/ReadRestrictor.h, src/events.cpp):
//
//   - every CLOSED and NOTICE it sends starts with "ERROR: " (sendClosedError,
//     sendNoticeError; since February 2026), so the NIP-01 prefix comes second:
//     ["CLOSED",sub,"ERROR: auth-required: requested filter requires authentication"];
//     OK messages carry no such prefix;
//   - no challenge on connect: the first REQ whose every filter lists only
//     restricted kinds (relay.auth.restrictedReadKinds, default "4, 1059")
//     from a connection without an auth session gets ["AUTH",challenge] and
//     then that CLOSED; later ones only the CLOSED until the AUTH succeeds;
//   - a restricted event is delivered only to an authenticated reader it
//     involves (author or p tag; restrictReadToInvolvedPubkey = true);
//   - AUTH: OK true "successfully authenticated", or OK false "error: <why>"
//     (no session, already authenticated, challenge mismatch, relay tag not the
//     serviceUrl's host, wrong kind, bad signature, too old/new);
//   - EVENT: OK false "invalid: <why>" (bad id or signature), a NIP-70
//     protected event (a ["-"] tag) "auth-required: event marked as protected"
//     (with a challenge first when the connection has no session) or
//     "restricted: must be published by the author"; OK true "duplicate: have
//     this event" for a stored one, OK true "" when stored;
//   - a frame it cannot read: NOTICE "ERROR: bad msg: <why>"; a REQ it
//     refuses: CLOSED "ERROR: bad req: <why>" (NOTICE when there is no
//     subscription id yet); a CLOSE: NOTICE "ERROR: bad close: <why>".
// COUNT and negentropy are not served (NOTICE "ERROR: bad msg: unknown cmd").
//
//   node tests/strfry-relay.mjs SCRIPT.json PORTFILE
//       listens on 127.0.0.1 (a free port, or script.port), writes the port to
//       PORTFILE once listening. SCRIPT:
//         store                events held at start
//         restrictedReadKinds  kinds readable only after AUTH (default [4, 1059])
//         serviceUrl           the URL AUTH relay tags must name (strfry compares
//                              hosts; default this relay's ws://127.0.0.1:PORT)
//         maxReqFilterSize     filters per REQ (default 200, as strfry)
//         log                  file that receives every frame received, one per line
import { createRequire } from 'node:module';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'interop', 'package.json'));
const { WebSocketServer } = require('ws');
const nt = await import(join(here, 'interop', 'node_modules', 'nostr-tools', 'lib', 'esm', 'index.js'));

const [scriptPath, portFile] = process.argv.slice(2);
if (!portFile) { console.error('usage: strfry-relay.mjs SCRIPT PORTFILE'); process.exit(2); }
const script = JSON.parse(readFileSync(scriptPath, 'utf8'));
const store = [...(script.store || [])];
const restricted = new Set(script.restrictedReadKinds ?? [4, 1059]);
const maxReqFilterSize = script.maxReqFilterSize ?? 200;
let serviceUrl = script.serviceUrl;

const log = text => { if (script.log) appendFileSync(script.log, text + '\n'); };
const now = () => Math.floor(Date.now() / 1000);

// strfry's normalizeRelayUrl: drop the scheme, path, query; lowercase.
function normalizeRelayUrl(url) {
  let u = String(url);
  const p = u.indexOf('://');
  if (p >= 0) u = u.slice(p + 3);
  const q = u.search(/[/?#]/);
  if (q >= 0) u = u.slice(0, q);
  return u.toLowerCase();
}

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

// ReadRestrictor::isFilterGroupFullyRestricted
const fullyRestricted = filters => restricted.size > 0 && filters.length > 0 &&
  filters.every(f => Array.isArray(f.kinds) && f.kinds.every(k => restricted.has(k)));

// ReadRestrictor::shouldSendToSubscriber (restrictReadToInvolvedPubkey = true)
const mayRead = (ev, authed) => !restricted.has(ev.kind) ||
  (authed !== null && (ev.pubkey === authed || ev.tags.some(t => t[0] === 'p' && t[1] === authed)));

class Refusal extends Error {}
const refuse = why => { throw new Refusal(why); };

// parseAndVerifyEvent's checks our tests meet (events.cpp)
function verify(ev) {
  if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) refuse('event is not an object');
  if (nt.getEventHash(ev) !== ev.id) refuse('bad event id');
  if (!nt.verifyEvent(ev)) refuse('bad signature');
  const ephemeral = ev.kind >= 20000 && ev.kind < 30000;
  if (ev.created_at < now() - (ephemeral ? 300 : 94608000)) refuse(ephemeral ? 'ephemeral event expired' : 'created_at too early');
  if (ev.created_at > now() + 900) refuse('created_at too late');
}

const live = new Set();   // {conn, sub, filters}

const server = createServer((req, res) => { res.writeHead(404); res.end('not here'); });
const wss = new WebSocketServer({ server });
wss.on('connection', ws => {
  const conn = { ws, session: null };   // session: {challenge, authed: pubkey|null}
  const send = frame => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame)); };
  const notice = payload => send(['NOTICE', 'ERROR: ' + payload]);               // sendNoticeError
  const closed = (sub, payload) => send(['CLOSED', sub, 'ERROR: ' + payload]);    // sendClosedError
  const ok = (id, written, message) => send(['OK', id, written, message]);        // sendOKResponse
  const challenge = () => {
    conn.session = { challenge: randomBytes(16).toString('hex'), authed: null };
    send(['AUTH', conn.session.challenge]);
  };
  conn.send = send;

  function onEvent(ev) {
    verify(ev);
    if (ev.tags.some(t => t[0] === '-')) {        // NIP-70
      if (!conn.session) { challenge(); return ok(ev.id, false, 'auth-required: event marked as protected'); }
      if (!conn.session.authed) return ok(ev.id, false, 'auth-required: event marked as protected');
      if (conn.session.authed !== ev.pubkey) return ok(ev.id, false, 'restricted: must be published by the author');
    }
    if (store.some(e => e.id === ev.id)) return ok(ev.id, true, 'duplicate: have this event');
    store.push(ev);
    ok(ev.id, true, '');
    for (const l of live)
      if (l.filters.some(f => matches(f, ev)) && mayRead(ev, l.conn.session?.authed ?? null))
        l.conn.send(['EVENT', l.sub, ev]);
  }

  function onAuth(ev) {
    if (!serviceUrl) refuse('relay needs serviceUrl to be configured before AUTH can work');
    verify(ev);
    if (ev.kind !== 22242) refuse('wrong event kind, expected 22242');
    if (!conn.session) refuse('no auth status available for connection');
    if (conn.session.authed) refuse('already authenticated');
    const tag = name => ev.tags.filter(t => t.length >= 2 && t[0] === name).map(t => t[1]);
    if (!tag('challenge').includes(conn.session.challenge)) refuse('challenge string mismatch');
    if (!tag('relay').some(u => normalizeRelayUrl(u) === normalizeRelayUrl(serviceUrl)))
      refuse('incorrect or missing relay tag, expected: ' + serviceUrl);
    conn.session.authed = ev.pubkey;
    ok(ev.id, true, 'successfully authenticated');
  }

  function onReq(arr) {
    if (arr.length < 3) refuse('arr too small');
    if (typeof arr[1] !== 'string') refuse('subscription id was not a string');
    const sub = arr[1];
    try {
      if (arr.length > 2 + maxReqFilterSize) refuse('arr too big');
      const filters = arr.slice(2);
      if (filters.some(f => typeof f !== 'object' || f === null || Array.isArray(f))) refuse('filter is not an object');
      if (fullyRestricted(filters) && !conn.session?.authed) {
        if (!conn.session) challenge();
        return closed(sub, 'auth-required: requested filter requires authentication');
      }
      for (const l of live) if (l.conn === conn && l.sub === sub) live.delete(l);
      const authed = conn.session?.authed ?? null;
      const hits = new Map();
      for (const f of filters) {
        const evs = store.filter(ev => matches(f, ev) && mayRead(ev, authed)).sort((a, b) => b.created_at - a.created_at);
        for (const ev of evs.slice(0, f.limit ?? evs.length)) hits.set(ev.id, ev);
      }
      for (const ev of hits.values()) send(['EVENT', sub, ev]);
      send(['EOSE', sub]);
      live.add({ conn, sub, filters });
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      closed(sub, 'bad req: ' + e.message);
    }
  }

  ws.on('message', data => {
    const text = data.toString();
    log(text);
    let arr;
    try {
      if (!text.startsWith('[')) refuse('unparseable message');
      try { arr = JSON.parse(text); } catch { refuse('JSON parse error'); }
      if (!Array.isArray(arr)) refuse('message is not an array');
      if (arr.length < 2) refuse('too few array elements');
      if (typeof arr[0] !== 'string') refuse('first element not a command like REQ');
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      return notice('bad msg: ' + e.message);
    }
    const idOf = v => (v && typeof v.id === 'string' ? v.id : '?');
    try {
      switch (arr[0]) {
      case 'EVENT':
        try { onEvent(arr[1]); } catch (e) { if (!(e instanceof Refusal)) throw e; ok(idOf(arr[1]), false, 'invalid: ' + e.message); }
        break;
      case 'AUTH':
        try { onAuth(arr[1]); } catch (e) { if (!(e instanceof Refusal)) throw e; ok(idOf(arr[1]), false, 'error: ' + e.message); }
        break;
      case 'REQ':
        try { onReq(arr); } catch (e) { if (!(e instanceof Refusal)) throw e; notice('bad req: ' + e.message); }
        break;
      case 'CLOSE':
        if (arr.length !== 2) return notice('bad close: arr too small/big');
        if (typeof arr[1] !== 'string') return notice('bad close: CLOSE subscription id was not a string');
        for (const l of live) if (l.conn === conn && l.sub === arr[1]) live.delete(l);
        break;
      default:
        notice('bad msg: unknown cmd');
      }
    } catch (e) {
      notice('bad msg: ' + e.message);
    }
  });
  ws.on('close', () => { for (const l of live) if (l.conn === conn) live.delete(l); });
  ws.on('error', () => {});
});
server.listen(script.port || 0, '127.0.0.1', () => {
  const port = server.address().port;
  serviceUrl ??= `ws://127.0.0.1:${port}`;
  writeFileSync(portFile + '.tmp', String(port));
  renameSync(portFile + '.tmp', portFile);   // the port file appears complete
});
process.on('SIGTERM', () => process.exit(0));
