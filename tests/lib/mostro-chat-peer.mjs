// tests/lib/mostro-chat-peer.mjs — the other side of a `mostro chat`, written
// with nostr-tools and rust-nostr (tests/interop/lib/mostro-chat.mjs, from
// PROTOCOL.md §9, no code of ours in its path), for tests/mostro-chat.bats:
//
//   node mostro-chat-peer.mjs wrap --sk HEX --peer PUBKEY --text TEXT [--format current|legacy]
//       one chat event from trade key SK to PEER, on stdout
//   node mostro-chat-peer.mjs open --sk HEX --peer PUBKEY < events
//       each event (one per line) opened as the conversation of SK and PEER:
//       {"format","sender","text"} or {"error":code}
//
// The keys are given on the command line: test keys of a throwaway session.
import { Conversation, ChatError } from '../interop/lib/mostro-chat.mjs';
import { createInterface } from 'node:readline';

const hexToBytes = h => Uint8Array.from(h.match(/../g), b => parseInt(b, 16));
const args = process.argv.slice(2);
const cmd = args.shift();
const opt = {};
for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
const conv = new Conversation(hexToBytes(opt.sk), opt.peer);

if (cmd === 'wrap') {
  const ev = await conv.wrap(opt.text, { format: opt.format || 'current' });
  process.stdout.write(JSON.stringify(ev) + '\n');
} else if (cmd === 'open') {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    try {
      const r = await conv.open(JSON.parse(line));
      process.stdout.write(JSON.stringify({ format: r.format, sender: r.sender, text: r.text }) + '\n');
    } catch (e) {
      process.stdout.write(JSON.stringify({ error: e instanceof ChatError ? e.code : String(e) }) + '\n');
    }
  }
} else {
  process.stderr.write('usage: mostro-chat-peer.mjs wrap|open --sk HEX --peer PUBKEY [--text TEXT]\n');
  process.exit(2);
}
