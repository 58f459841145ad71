// procs.mjs — child processes of the interop suites: our embedded relay, shell
// pipelines of our tools fed and read line by line, each stopped by its own process
// group id (never by name), every wait bounded.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';

const children = new Set();
export function stopAll() { for (const c of children) c.stop(); }
process.on('exit', stopAll);

function track(p) {
  const c = {
    proc: p,
    stop(sig = 'SIGTERM') {
      if (p.exitCode !== null || p.signalCode !== null) return;
      try { process.kill(-p.pid, sig); } catch { try { p.kill(sig); } catch { /* gone */ } }
    },
  };
  children.add(c);
  p.on('exit', () => children.delete(c));
  return c;
}

// Waits for the process to exit, at most ms; KILLs its group after that.
export function stopped(c, ms = 3000) {
  return new Promise(resolve => {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve(c.proc.exitCode ?? c.proc.signalCode);
    const t = setTimeout(() => c.stop('SIGKILL'), ms);
    c.proc.on('exit', (code, sig) => { clearTimeout(t); resolve(code ?? sig); });
    c.stop();
  });
}

// `mostro-relay serve` on a free loopback port; resolves with {url, stop, stderr}.
export function startRelay(args = [], { timeout = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn('mostro-relay', ['serve', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const c = track(p);
    let err = '';
    const t = setTimeout(() => { c.stop('SIGKILL'); reject(new Error('mostro-relay serve did not start: ' + err)); }, timeout);
    p.on('error', e => { clearTimeout(t); reject(e); });
    p.stderr.on('data', d => {
      err += d;
      const m = /listening on (ws:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(t); resolve({ url: m[1], stop: () => stopped(c), stderr: () => err }); }
    });
    p.on('exit', code => { clearTimeout(t); reject(new Error(`mostro-relay serve exited ${code}: ${err}`)); });
  });
}

// A bash pipeline (positional parameters $1.. from args) whose stdout is read as JSON
// lines: onLine(obj) per line; write(obj) sends a JSON line to its stdin.
export function pipeline(script, args = [], { onLine = () => {}, env = {} } = {}) {
  const p = spawn('bash', ['-c', `set -o pipefail; ${script}`, 'pipeline', ...args],
    { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env } });
  const c = track(p);
  let stderr = '';
  p.stderr.on('data', d => { stderr += d; });
  createInterface({ input: p.stdout }).on('line', l => {
    if (!l.trim()) return;
    let v;
    try { v = JSON.parse(l); } catch { v = { type: 'unparsed', line: l }; }
    onLine(v);
  });
  return {
    ...c,
    write: obj => p.stdin.write(JSON.stringify(obj) + '\n'),
    end: () => p.stdin.end(),
    stderr: () => stderr,
    stop: ms => stopped(c, ms),
  };
}

// A free loopback TCP port (for settings files that must name one before a server starts).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export const sleep = ms => new Promise(r => setTimeout(r, ms));

// Polls cond() every 20 ms for at most ms; resolves with its last value.
export async function until(cond, ms = 5000) {
  const end = Date.now() + ms;
  let v;
  while (!(v = await cond()) && Date.now() < end) await sleep(20);
  return v;
}
