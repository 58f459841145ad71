// bench/peer/nostr-relay.mjs — the peer relay bench/relay measures next to
// `mostro-relay serve`: @nostr-relay/core (NIP-01 handling, schnorr
// verification with @noble/curves), its SQLite repository (better-sqlite3, WAL)
// and its zod validator, wired to a `ws` server the way that project's README
// describes. Listens on 127.0.0.1 only.
//
//   node bench/peer/nostr-relay.mjs [--db FILE]     (default :memory:)
//
// Prints "listening on ws://127.0.0.1:PORT" on stderr once ready; SIGTERM
// closes the server and the database and exits 0.
//
// Two settings differ from its defaults, both to compare like with like:
// the REQ result cache (filterResultCacheTtl, 1 s) is off, since bench/relay
// repeats one REQ 20 times and a cache would answer 19 of them without reading
// the store; and SQLite runs with synchronous=NORMAL, as `mostro-relay serve`
// does by default (better-sqlite3's default, FULL, adds an fsync per event:
// the peer would be slower). Everything else is the default.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { NostrRelay } from '@nostr-relay/core';
import { EventRepositorySqlite } from '@nostr-relay/event-repository-sqlite';
import { Validator } from '@nostr-relay/validator';

const args = process.argv.slice(2);
const dbArg = args.indexOf('--db');
const db = dbArg >= 0 ? args[dbArg + 1] : ':memory:';

const repo = new EventRepositorySqlite(db);
await repo.init();
repo.getDatabase().pragma('synchronous = NORMAL');
const relay = new NostrRelay(repo, { logLevel: 3, filterResultCacheTtl: 0 });
const validator = new Validator();

const http = createServer((req, res) => { res.writeHead(404); res.end(); });
const wss = new WebSocketServer({ server: http, maxPayload: 1 << 20 });
wss.on('connection', ws => {
  relay.handleConnection(ws);
  ws.on('message', async data => {
    try {
      await relay.handleMessage(ws, await validator.validateIncomingMessage(data));
    } catch (e) {
      ws.send(JSON.stringify(['NOTICE', String(e && e.message || e)]));
    }
  });
  ws.on('close', () => relay.handleDisconnect(ws));
  ws.on('error', () => {});
});
http.listen(0, '127.0.0.1', () => {
  process.stderr.write(`listening on ws://127.0.0.1:${http.address().port}\n`);
});
process.on('SIGTERM', async () => {
  wss.close();
  http.close();
  await relay.destroy();
  process.exit(0);
});
