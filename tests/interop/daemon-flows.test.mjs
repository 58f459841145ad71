// daemon-flows.test.mjs — the trade flows of PROTOCOL.md §11 / DAEMON.md §1.7 against
// scripts/mostrod (embedded relay, simulated Lightning node), played by two users that
// are not ours (lib/mostro-user.mjs: nostr-tools, @rust-nostr/nostr-sdk; issue 12):
//   sell happy path (with chat), buy happy path, rating, cooperative cancel, maker cancel,
//   dispute (solver added by the node's key, takes, chats, settles), restore-session
// on a node speaking v2 (nip44), v1 (gift-wrap), and both (Alice on v2, Bob on v1).
// The sim wallets play the Lightning side: `mostro-ln sim pay-hold` (the seller pays the
// escrow), `mostro-ln sim invoice --wallet buyer` (the payout invoice).
// Daemon glue (settings, start, stop) lives in lib/mostrod.mjs. Until scripts/mostrod
// exists the suite is one skipped test.
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { npubEncode, nsecEncode } from 'nostr-tools/nip19';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ok, done, run } from './lib/tap.mjs';
import { MostroUser, TimeoutError } from './lib/mostro-user.mjs';
import { ready } from './lib/mostro-envelope.mjs';
import { mostrodMissing, startMostrod, settingsToml } from './lib/mostrod.mjs';
import { until } from './lib/procs.mjs';

const CONFIGS = [
  { name: 'v2', transport: 'nip44', alice: 'v2', bob: 'v2', settings: { pow: 1, powFirstContact: 4 }, protocolVersion: '2' },
  { name: 'v1', transport: 'gift-wrap', alice: 'v1', bob: 'v1', settings: { pow: 2 }, protocolVersion: '1' },
  { name: 'both', transport: 'both', alice: 'v2', bob: 'v1', settings: { pow: 1, powFirstContact: 4 }, protocolVersion: '2' },
];

// The settings files the flows write, read by the daemon's own settings loader
// (`mostro-order settings`): accepted without a warning and resolved as meant.
function settingsAccepted() {
  for (const cfg of CONFIGS) {
    const dir = mkdtempSync(join(tmpdir(), 'mostrod-settings-'));
    const relayUrl = 'ws://127.0.0.1:7777';
    writeFileSync(join(dir, 'settings.toml'), settingsToml({ nsec: nsecEncode(generateSecretKey()), relayUrl, transport: cfg.transport, ...cfg.settings }), { mode: 0o600 });
    const r = run('mostro-order', ['settings', '-d', dir]);
    const j = r.lines[0] ?? {};
    ok(r.status === 0 && r.stderr === '' && j.lightning?.backend === 'sim' && j.lightning.sim_db === join(dir, 'ln-sim.db') &&
      j.mostro?.transport === cfg.transport && j.mostro.pow === cfg.settings.pow && j.mostro.pow_first_contact === (cfg.settings.powFirstContact ?? cfg.settings.pow) &&
      JSON.stringify(j.nostr?.relays) === JSON.stringify([relayUrl]), `${cfg.name}: mostro-order settings reads the flows' settings.toml as meant, no warning`,
    { status: r.status, stderr: r.stderr, resolved: j });
  }
}

const missing = mostrodMissing();
if (missing) {
  ok(true, `daemon flows through scripts/mostrod # SKIP ${missing}`);
  settingsAccepted();
  done();
  process.exit();
}
await ready();
settingsAccepted();

const ALICE_M = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const BOB_M = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const WAIT = Number(process.env.MOSTRO_FLOW_WAIT_MS ?? 8000);
const AMOUNT = 5000, FEE = 15; // fee 0.006: each party round(0.006 * 5000 / 2)
const ORDER = { fiat_code: 'USD', fiat_amount: 3, payment_method: 'XYZ', amount: AMOUNT };

// ------------------------------------------------------------ bookkeeping
const matrix = new Map(); // flow -> config -> pass
class FlowFail extends Error {}
function flow(config, name) {
  const cells = matrix.get(name) ?? new Map();
  matrix.set(name, cells);
  cells.set(config, cells.get(config) ?? true);
  return {
    expect(cond, what, diag) {
      ok(!!cond, `${config} ${name}: ${what}`, cond ? undefined : diag);
      if (!cond) { cells.set(config, false); throw new FlowFail(what); }
    },
    fail(what, diag) { ok(false, `${config} ${name}: ${what}`, diag); cells.set(config, false); },
  };
}
async function runFlow(config, name, fn) {
  const x = flow(config, name);
  try { await fn(x); } catch (e) {
    if (e instanceof TimeoutError) x.fail('no answer', e.message);
    else if (!(e instanceof FlowFail)) x.fail('threw', e && e.stack || String(e));
  }
}
const silent = async p => { try { await p; return false; } catch (e) { return e instanceof TimeoutError; } };

// ------------------------------------------------------------------ steps
// Alice sells, Bob takes without an invoice, adds one, Alice pays the escrow: active.
async function sellToActive(x, node, a, b) {
  const r = await a.newOrder({ kind: 'sell', ...ORDER });
  x.expect(r.action === 'new-order' && r.id && r.payload?.order?.status === 'pending' && r.payload.order.amount === AMOUNT,
    'new-order acknowledged, pending', r);
  const id = r.id;
  const book = await until(async () => (await a.orderBook({ ids: [id] }))[0], WAIT);
  x.expect(book?.status === 'pending' && book.kind === 'sell' && book.fiat_amount === 3, '38383 pending on the relay', book);
  const t = await b.takeSell(id);
  x.expect(t.action === 'add-invoice' && t.payload?.order?.status === 'waiting-buyer-invoice' && t.payload.order.amount === AMOUNT - FEE,
    `take-sell: add-invoice for amount - fee (${AMOUNT - FEE})`, t);
  const wbi = await a.waitAction('waiting-buyer-invoice', id);
  x.expect(wbi.to === a.keyOf(id).pk, 'seller told: waiting-buyer-invoice', wbi);
  const inv = node.buyerInvoice(t.payload.order.amount);
  const ai = await b.addInvoice(id, inv);
  x.expect(ai.action === 'waiting-seller-to-pay', 'add-invoice: waiting-seller-to-pay', ai);
  const pi = await a.waitFor(m => m.action === 'pay-invoice' && m.id === id && m.payload?.payment_request);
  const hold = pi.payload.payment_request[1];
  x.expect(pi.payload.payment_request[0]?.amount === AMOUNT + FEE && pi.payload.payment_request[0].status === 'waiting-payment',
    `seller asked to pay amount + fee (${AMOUNT + FEE})`, pi);
  node.payHold(hold);
  const bto = await a.waitAction('buyer-took-order', id);
  const hpa = await b.waitAction('hold-invoice-payment-accepted', id);
  x.expect(bto.payload?.order?.status === 'active' && hpa.payload?.order?.amount === AMOUNT - FEE &&
    hpa.payload.order.buyer_trade_pubkey === b.keyOf(id).pk && hpa.payload.order.seller_trade_pubkey === a.keyOf(id).pk &&
    bto.payload.order.buyer_trade_pubkey === b.keyOf(id).pk, 'escrow paid: active, both know each other\'s trade key', { bto, hpa });
  return { id, hold, inv };
}

async function fiatSentAndRelease(x, node, buyer, seller, id, inv) {
  const fs = await buyer.fiatSent(id);
  x.expect(fs.action === 'fiat-sent-ok' && fs.payload?.peer?.pubkey === seller.keyOf(id).pk, 'fiat-sent: fiat-sent-ok, peer = the seller', fs);
  const fss = await seller.waitAction('fiat-sent-ok', id);
  x.expect(fss.payload?.peer?.pubkey === buyer.keyOf(id).pk, 'the seller gets fiat-sent-ok, peer = the buyer', fss);
  const rel = await seller.release(id);
  x.expect(rel.action === 'hold-invoice-payment-settled', 'release: hold-invoice-payment-settled', rel);
  await buyer.waitAction('released', id);
  await buyer.waitAction('purchase-completed', id);
  await seller.waitAction('rate', id);
  await buyer.waitAction('rate', id);
  x.expect(node.invoiceState(inv) === 'SETTLED', 'the buyer\'s invoice was paid (sim)', node.sim('state').invoices);
  const book = await until(async () => { const o = (await buyer.orderBook({ ids: [id] }))[0]; return o?.status === 'success' && o; }, WAIT);
  x.expect(book, '38383 success on the relay', await buyer.orderBook({ ids: [id] }));
}

// ------------------------------------------------------------------ flows
const FLOWS = {
  async 'sell happy path'(x, { node, a, b, state }) {
    const { id, hold, inv } = await sellToActive(x, node, a, b);
    // chat (PROTOCOL §9): current format both ways, a legacy line read too
    await a.chatSend(id, 'hola, pago por XYZ');
    await b.chatSend(id, 'ok, enviado', {});
    await b.chatSend(id, 'legacy line', { format: 'legacy' });
    const toBob = await b.chatRead(id, { timeout: WAIT });
    const toAlice = await a.chatRead(id, { count: 2, timeout: WAIT });
    x.expect(toBob[0].text === 'hola, pago por XYZ' && toAlice.map(m => `${m.format}:${m.text}`).sort().join('|') === 'current:ok, enviado|legacy:legacy line',
      'chat between the trade keys Mostro introduced, both formats', { toBob, toAlice });
    await fiatSentAndRelease(x, node, b, a, id, inv);
    x.expect(node.invoiceState(hold) === 'SETTLED', 'the hold invoice was settled (sim)', node.sim('state').invoices);
    state.sold = id;
  },

  async 'buy happy path'(x, { node, a, b }) {
    const r = await a.newOrder({ kind: 'buy', ...ORDER });
    x.expect(r.action === 'new-order' && r.payload?.order?.kind === 'buy', 'new-order (buy) acknowledged', r);
    const id = r.id;
    const tb = await b.takeBuy(id);
    x.expect(tb.action === 'pay-invoice' && tb.payload?.payment_request?.[0]?.amount === AMOUNT + FEE, 'take-buy: pay-invoice for amount + fee', tb);
    await a.waitAction('waiting-seller-to-pay', id);
    node.payHold(tb.payload.payment_request[1]);
    const ask = await a.waitFor(m => m.action === 'add-invoice' && m.id === id && m.payload?.order);
    x.expect(ask.payload.order.amount === AMOUNT - FEE, 'escrow paid: the buyer asked for an invoice of amount - fee', ask);
    await b.waitAction('waiting-buyer-invoice', id);
    const inv = node.buyerInvoice(AMOUNT - FEE);
    const ai = await a.addInvoice(id, inv);
    x.expect(ai.action === 'hold-invoice-payment-accepted', 'add-invoice: hold-invoice-payment-accepted', ai);
    await b.waitAction('buyer-took-order', id);
    await fiatSentAndRelease(x, node, a, b, id, inv);
  },

  async rating(x, { a, b, state }) {
    x.expect(state.sold, 'a sold order from the sell flow', state);
    const id = state.sold;
    const ra = await a.rate(id, 5);
    x.expect(ra.action === 'rate-received' && ra.payload?.rating_user === 5, 'seller rates 5: rate-received', ra);
    const rb = await b.rate(id, 4);
    x.expect(rb.action === 'rate-received' && rb.payload?.rating_user === 4, 'buyer rates 4: rate-received', rb);
    x.expect(await silent(a.rate(id, 3, { timeout: 1000 })), 'a second rating is silent (no reply within 1 s)');
    const ev = await until(async () => (await a.conn.fetch([{ kinds: [38384], authors: [a.mostroPubkey] }]))[0], WAIT);
    x.expect(ev && ev.tags.some(t => t[0] === 'total_reviews') && ev.tags.some(t => t[0] === 'z' && t[1] === 'rating'), '38384 rating event published', ev);
  },

  async 'cooperative cancel'(x, { node, a, b }) {
    const { id, hold } = await sellToActive(x, node, a, b);
    const c1 = await a.cancel(id);
    x.expect(c1.action === 'cooperative-cancel-initiated-by-you', 'seller: cooperative-cancel-initiated-by-you', c1);
    await b.waitAction('cooperative-cancel-initiated-by-peer', id);
    const c2 = await b.cancel(id);
    x.expect(c2.action === 'cooperative-cancel-accepted', 'buyer: cooperative-cancel-accepted', c2);
    await a.waitAction('cooperative-cancel-accepted', id);
    x.expect(node.invoiceState(hold) === 'CANCELED', 'the hold invoice was canceled: the seller is refunded (sim)', node.sim('state').invoices);
    const book = await until(async () => { const o = (await a.orderBook({ ids: [id] }))[0]; return o?.status === 'canceled' && o; }, WAIT);
    x.expect(book, '38383 canceled', await a.orderBook({ ids: [id] }));
  },

  async 'maker cancel'(x, { a, b }) {
    const r = await a.newOrder({ kind: 'sell', ...ORDER });
    x.expect(r.action === 'new-order', 'new-order', r);
    const id = r.id;
    b.orderKeys.set(id, b.nextTradeKey().index); // Bob tries to cancel an order that is not his
    const nb = await b.cancel(id);
    x.expect(nb.action === 'cant-do' && nb.payload?.cant_do === 'is_not_your_order', 'someone else: cant-do is_not_your_order', nb);
    const c = await a.cancel(id);
    x.expect(c.action === 'canceled', 'maker: canceled', c);
    const again = await a.cancel(id);
    x.expect(again.action === 'cant-do' && again.payload?.cant_do === 'order_already_canceled', 'again: cant-do order_already_canceled', again);
    const book = await until(async () => { const o = (await a.orderBook({ ids: [id] }))[0]; return o?.status === 'canceled' && o; }, WAIT);
    x.expect(book, '38383 canceled', await a.orderBook({ ids: [id] }));
  },

  async dispute(x, { node, a, b, admin, solver, solverPk }) {
    const { id, inv } = await sellToActive(x, node, a, b);
    const fs = await b.fiatSent(id);
    x.expect(fs.action === 'fiat-sent-ok', 'fiat-sent', fs);
    const d = await b.dispute(id);
    const did = d.payload?.dispute?.[0];
    x.expect(d.action === 'dispute-initiated-by-you' && did, 'buyer: dispute-initiated-by-you with the dispute id', d);
    const dp = await a.waitAction('dispute-initiated-by-peer', id);
    x.expect(dp.payload?.dispute?.[0] === did, 'seller: dispute-initiated-by-peer, same dispute', dp);
    const ev = await until(async () => (await a.disputeEvents({ ids: [did] }))[0], WAIT);
    x.expect(ev?.s === 'initiated', '38386 initiated', ev);
    const add = await admin.adminAddSolver(npubEncode(solverPk));
    x.expect(add.action === 'admin-add-solver' && add.channel === 'dispute', 'the node\'s key adds a solver: acknowledged', add);
    const took = await solver.adminTakeDispute(did);
    x.expect(took.action === 'admin-took-dispute' && took.channel === 'dispute' && took.payload?.dispute?.[0] === did &&
      took.payload.dispute[1]?.id === id && took.payload.dispute[1].status === 'dispute', 'solver: admin-took-dispute with SolverDisputeInfo', took);
    const pa = await a.waitAction('admin-took-dispute', id), pb = await b.waitAction('admin-took-dispute', id);
    x.expect(pa.payload?.peer?.pubkey === solverPk && pb.payload?.peer?.pubkey === solverPk, 'both parties learn the solver\'s key', { pa, pb });
    // dispute chat, party <-> solver (§9.1 with the solver's key)
    await b.chatSend(id, 'I paid, here is the receipt', { peer: solverPk });
    const heard = await solver.chatRead(id, { peer: b.keyOf(id).pk, timeout: WAIT });
    await solver.chatSend(id, 'thanks, settling', { peer: b.keyOf(id).pk });
    const back = await b.chatRead(id, { peer: solverPk, timeout: WAIT });
    x.expect(heard[0]?.text === 'I paid, here is the receipt' && back[0]?.text === 'thanks, settling', 'dispute chat both ways', { heard, back });
    const st = await solver.adminSettle(id);
    x.expect(st.action === 'admin-settled', 'solver settles: admin-settled', st);
    await a.waitAction('admin-settled', id);
    await b.waitAction('admin-settled', id);
    await b.waitAction('purchase-completed', id);
    x.expect(node.invoiceState(inv) === 'SETTLED', 'the buyer was paid (sim)', node.sim('state').invoices);
    const ev2 = await until(async () => { const e = (await a.disputeEvents({ ids: [did] }))[0]; return e?.s === 'settled' && e; }, WAIT);
    x.expect(ev2, '38386 settled', await a.disputeEvents({ ids: [did] }));
  },

  async 'restore-session'(x, { node, a, b, cfg, relayUrl, mostroPubkey }) {
    const p = await a.newOrder({ kind: 'sell', ...ORDER });
    x.expect(p.action === 'new-order', 'a pending order', p);
    const { id: q, inv } = await sellToActive(x, node, a, b);
    const a2 = await MostroUser.fromMnemonic(ALICE_M, { relay: relayUrl, mostroPubkey, transport: cfg.alice, pow: a.opts.pow, timeout: WAIT, name: 'alice-restored' });
    try {
      const rs = await a2.restoreSession();
      const orders = rs.payload?.restore_data?.orders ?? [];
      const op = orders.find(o => o.order_id === p.id), oq = orders.find(o => o.order_id === q);
      x.expect(rs.action === 'restore-session' && op?.status === 'pending' && op.trade_index === a.orderKeys.get(p.id) &&
        oq?.status === 'active' && oq.trade_index === a.orderKeys.get(q), 'restore-session: both trades with their trade indexes', rs);
      const lti = await a2.lastTradeIndex();
      x.expect(lti.action === 'last-trade-index' && lti.trade_index === a.tradeIndex, `last-trade-index = ${a.tradeIndex}`, lti);
      const info = await a2.orders([p.id, q]);
      x.expect(info.action === 'orders' && info.payload?.orders?.length === 2, 'orders: both', info);
      // the restored session finishes the trades
      const c = await a2.cancel(p.id);
      x.expect(c.action === 'canceled', 'restored: cancels the pending order', c);
      await b.fiatSent(q);
      await a2.waitAction('fiat-sent-ok', q);
      const rel = await a2.release(q);
      x.expect(rel.action === 'hold-invoice-payment-settled', 'restored: releases the active one', rel);
      await b.waitAction('purchase-completed', q);
      x.expect(node.invoiceState(inv) === 'SETTLED', 'the buyer was paid (sim)');
      const n = await a2.newOrder({ kind: 'buy', ...ORDER });
      x.expect(n.action === 'new-order' && a2.orderKeys.get(n.id) === a.tradeIndex + 1, 'restored: the next order uses the next trade index', n);
    } finally { a2.close(); }
  },
};

// ------------------------------------------------------------------- run
for (const cfg of CONFIGS) {
  let node;
  try {
    node = await startMostrod({ transport: cfg.transport, settings: cfg.settings });
  } catch (e) {
    ok(false, `${cfg.name}: mostrod starts`, e.message);
    for (const name of Object.keys(FLOWS)) flow(cfg.name, name).fail('not run: the daemon did not start');
    continue;
  }
  ok(true, `${cfg.name}: mostrod -d DIR --embedded-relay is up (${node.relayUrl})`);
  const common = { relay: node.relayUrl, mostroPubkey: node.mostroPubkey, timeout: WAIT };
  const probe = await MostroUser.fromKey(generateSecretKey(), common);
  const info = await until(() => probe.info({ refresh: true }), WAIT);
  probe.close();
  ok(info?.protocol_version === cfg.protocolVersion && info.pow === String(cfg.settings.pow ?? 0), `${cfg.name}: 38385 says protocol_version ${cfg.protocolVersion}, pow ${cfg.settings.pow}`,
    info ? info.event.tags : 'no 38385 within the wait');
  // without a 38385 the users mine what the settings ask
  const pow = info ? undefined : Math.max(cfg.settings.pow ?? 0, cfg.settings.powFirstContact ?? 0);
  const a = await MostroUser.fromMnemonic(ALICE_M, { ...common, transport: cfg.alice, pow, name: 'alice' });
  const b = await MostroUser.fromMnemonic(BOB_M, { ...common, transport: cfg.bob, pow, name: 'bob' });
  const admin = await MostroUser.fromKey(node.mostroSecret, { ...common, transport: cfg.alice, pow, name: 'admin' });
  const solverSk = generateSecretKey();
  const solver = await MostroUser.fromKey(solverSk, { ...common, transport: cfg.bob, pow, name: 'solver' });
  const ctx = { node, a, b, admin, solver, solverPk: getPublicKey(solverSk), cfg, relayUrl: node.relayUrl, mostroPubkey: node.mostroPubkey, state: {} };
  for (const [name, fn] of Object.entries(FLOWS)) await runFlow(cfg.name, name, x => fn(x, ctx));
  for (const u of [a, b, admin, solver]) u.close();
  const status = await node.stop();
  ok(status === 0, `${cfg.name}: SIGTERM stops mostrod cleanly (exit ${status})`, node.log().slice(-2000));
  const bad = [...matrix.values()].some(m => m.get(cfg.name) === false);
  if (bad) console.log(node.log().slice(-4000).split('\n').map(l => `# mostrod: ${l}`).join('\n'));
}

console.log('# daemon flow matrix (flow: ' + CONFIGS.map(c => `${c.name} [${c.transport}, Alice ${c.alice}, Bob ${c.bob}]`).join(' | ') + '; backend sim)');
for (const [name, cells] of matrix) console.log(`#   ${name.padEnd(20)} ${CONFIGS.map(c => `${c.name}: ${cells.get(c.name) === undefined ? '-' : cells.get(c.name) ? 'pass' : 'FAIL'}`).join('  ')}`);
done();
