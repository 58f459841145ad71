// tap.mjs — a tiny TAP producer and helpers for running mostroutils tools.
// Each interop test file imports { test, run, done } and calls done() at the end.
import { spawnSync, spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (!globalThis.crypto) globalThis.crypto = (await import('node:crypto')).webcrypto;

let n = 0, failed = 0;
export function ok(cond, name, diag) {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? '' : 'not '}ok ${n} - ${name}`);
  if (!cond && diag !== undefined)
    for (const l of String(typeof diag === 'string' ? diag : JSON.stringify(diag)).split('\n')) console.log(`# ${l}`);
}
export async function test(name, fn) {
  try { await fn(); } catch (e) { ok(false, `${name} (threw)`, e && e.stack || String(e)); }
}
export function done() { console.log(`1..${n}`); process.exitCode = failed ? 1 : 0; }

// Runs a mostroutils tool synchronously. input: string (stdin). Returns {status, stdout, stderr, lines}.
export function run(tool, args = [], { input = '', env = {} } = {}) {
  const r = spawnSync(tool, args, { input, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  const lines = r.stdout.split('\n').filter(Boolean).map(l => JSON.parse(l));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines };
}
export function spawnTool(tool, args = [], opts = {}) {
  return spawn(tool, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
}

// Writes a secret to a fresh 0600 file and returns its path.
const dir = mkdtempSync(join(tmpdir(), 'mostro-interop-'));
let fileNo = 0;
export function keyFile(secretHex) {
  const p = join(dir, `key${fileNo++}`);
  writeFileSync(p, secretHex + '\n', { mode: 0o600 });
  chmodSync(p, 0o600);
  return p;
}
export const hex = b => Buffer.from(b).toString('hex');
export const unhex = h => Uint8Array.from(Buffer.from(h, 'hex'));
