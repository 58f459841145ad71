// mostrod.mjs — the daemon-specific glue of daemon-flows.test.mjs, kept in one place so
// it is easy to adjust to scripts/mostrod as it lands. Written against issue 12's
// interface and docs/ENGINE.md:
//   mostrod -d DIR --embedded-relay      DIR holds settings.toml (0600) and the databases
//   [lightning] backend = "sim", sim_db (relative to DIR)
//   [nostr] nsec_privkey, relays (a loopback URL: --embedded-relay serves it)
//   [mostro] mostrod 0.18.5's keys, transport = "nip44" | "gift-wrap" | "both"
// and drives the simulated node with `mostro-ln sim --sim-db DIR/ln-sim.db`.
import { existsSync, accessSync, constants, mkdtempSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, spawnSync } from 'node:child_process';
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { nsecEncode } from 'nostr-tools/nip19';
import { bytesToHex } from '@noble/hashes/utils.js';
import WebSocket from 'ws';
import { freePort, sleep, stopped } from './procs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const TOP = process.env.MOSTRO_TOP ?? join(here, '..', '..', '..');
export const MOSTROD = process.env.MOSTROD ?? join(TOP, 'scripts', 'mostrod'); // MOSTROD: an installed one

// Why the daemon cannot run here, or null.
export function mostrodMissing() {
  if (!existsSync(MOSTROD)) return process.env.MOSTROD ? `${MOSTROD} not found` : 'scripts/mostrod not built yet';
  try { accessSync(MOSTROD, constants.X_OK); } catch { return 'scripts/mostrod is not executable'; }
  return null;
}

// settings.toml: mostrod 0.18.5's template values (DAEMON.md §8) with ours (issue 12).
// Fast timers where a test waits on them; everything else as the template.
export function settingsToml({ nsec, relayUrl, transport = 'nip44', fee = 0.006, pow = 0, powFirstContact, ratesInterval = 1, infoInterval = 2 }) {
  return `# written by tests/interop/daemon-flows.test.mjs
[lightning]
backend = "sim"
sim_db = "ln-sim.db"
invoice_expiration_window = 3600
hold_invoice_cltv_delta = 144
hold_invoice_expiration_window = 300
payment_attempts = 3
payment_retries_interval = 60

[nostr]
nsec_privkey = '${nsec}'
relays = ['${relayUrl}']

[mostro]
fee = ${fee}
max_routing_fee = 0.002
max_order_amount = 1000000
min_payment_amount = 100
expiration_hours = 24
max_expiration_days = 15
expiration_seconds = 900
user_rates_sent_interval_seconds = ${ratesInterval}
publish_relays_interval = 60
pow = ${pow}
${powFirstContact != null ? `pow_first_contact = ${powFirstContact}\n` : ''}transport = "${transport}"
publish_mostro_info_interval = ${infoInterval}
fiat_currencies_accepted = ['USD', 'EUR']
max_orders_per_response = 10
dev_fee_percentage = 0.30

[database]
url = "sqlite://mostro.db"

[expiration]
order_days = 30
rating_days = 90
dispute_days = 90
fee_audit_days = 365
dm_days = 30

[rpc]
enabled = false
listen_address = "127.0.0.1"
port = 50051
`;
}

function wsReachable(url, ms = 500) {
  return new Promise(resolve => {
    const ws = new WebSocket(url);
    const t = setTimeout(() => { ws.terminate(); resolve(false); }, ms);
    ws.on('open', () => { clearTimeout(t); ws.close(); resolve(true); });
    ws.on('error', () => { clearTimeout(t); resolve(false); });
  });
}

// Starts the daemon on a fresh settings directory; resolves once its relay answers.
export async function startMostrod({ transport = 'nip44', settings = {}, startTimeout = 20000, env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mostrod-interop-'));
  chmodSync(dir, 0o700);
  const sk = generateSecretKey();
  const pk = getPublicKey(sk);
  const port = await freePort();
  const relayUrl = `ws://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'settings.toml'), settingsToml({ nsec: nsecEncode(sk), relayUrl, transport, ...settings }), { mode: 0o600 });
  chmodSync(join(dir, 'settings.toml'), 0o600);
  const simDb = join(dir, 'ln-sim.db');
  let log = '';
  const proc = spawn(MOSTROD, ['-d', dir, '--embedded-relay'], {
    stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    env: { ...process.env, MOSTRO_LOG: process.env.MOSTRO_LOG ?? 'info', MOSTRO_LN_SIM_DB: simDb, ...env },
  });
  proc.stdout.on('data', d => { log += d; });
  proc.stderr.on('data', d => { log += d; });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = code ?? sig; });
  const c = { proc, stop: sig => { try { process.kill(-proc.pid, sig ?? 'SIGTERM'); } catch { /* gone */ } } };
  const end = Date.now() + startTimeout;
  while (Date.now() < end && exited === null && !(await wsReachable(relayUrl))) await sleep(100);
  if (exited !== null || Date.now() >= end) {
    await stopped(c, 2000);
    throw new Error(`mostrod did not come up (${exited !== null ? `exited ${exited}` : 'no relay on ' + relayUrl}):\n${log.slice(-3000)}`);
  }
  const sim = (...args) => {
    const r = spawnSync('mostro-ln', ['sim', '--sim-db', simDb, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mostro-ln sim ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  };
  return {
    dir, relayUrl, mostroPubkey: pk, mostroSecret: bytesToHex(sk), simDb, transport,
    log: () => log,
    exited: () => exited,
    sim,
    // the seller's wallet pays the node's hold invoice (bolt11 -> its hash)
    payHold: bolt11 => sim('pay-hold', decodeHash(bolt11)),
    // a payout invoice of the buyer's wallet
    buyerInvoice: amount => sim('invoice', '--amount', String(amount), '--wallet', 'buyer').payment_request,
    invoiceState: bolt11 => sim('state').invoices.find(i => i.hash === decodeHash(bolt11))?.state,
    // SIGTERM, bounded; resolves with the exit status
    stop: (ms = 10000) => stopped(c, ms),
    settings: () => readFileSync(join(dir, 'settings.toml'), 'utf8'),
  };
}

export function decodeHash(bolt11) {
  const r = spawnSync('mostro-ln', ['decode', '--', bolt11], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mostro-ln decode: ${r.stderr}`);
  return JSON.parse(r.stdout).payment_hash;
}
