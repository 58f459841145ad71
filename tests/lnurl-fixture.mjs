// tests/lnurl-fixture.mjs — a loopback LNURL-pay server for mostro-ln's tests.
//
// Listens on 127.0.0.1 on a free port and prints {"port":N} as its first
// stdout line. Node built-ins only. Its invoices are real BOLT11 strings
// signed here (secp256k1 ECDSA in BigInt, deterministic nonce, low-S, with
// the recovery id), so mostro-ln's decoder is checked against an encoder
// that shares no code with it.
//
// Routes (<v> is a variant name, see `docs` below):
//   GET /.well-known/lnurlp/<v>  the pay document of variant <v>
//   GET /cb/<v>?amount=MSAT...   the callback of variant <v>
//   GET /_lnurl/<v>              the bech32 LNURL (lnurl1...) of the pay document
//   GET /_log                    JSON array of the request URLs received (not /_ ones)
//   GET /_reset                  clears the log
import http from 'node:http';
import crypto from 'node:crypto';

// ---- secp256k1 over BigInt -------------------------------------------------
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const G = [0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
	0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n];
const mod = (a, m) => ((a % m) + m) % m;
function inv(a, m) {
	let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
	while (r1) { const q = r0 / r1; [r0, r1] = [r1, r0 - q * r1]; [s0, s1] = [s1, s0 - q * s1]; }
	return mod(s0, m);
}
function add(p, q) {
	if (!p) return q;
	if (!q) return p;
	if (p[0] === q[0] && mod(p[1] + q[1], P) === 0n) return null;
	const l = p[0] === q[0] ? mod(3n * p[0] * p[0] * inv(2n * p[1], P), P)
		: mod((q[1] - p[1]) * inv(q[0] - p[0], P), P);
	const x = mod(l * l - p[0] - q[0], P);
	return [x, mod(l * (p[0] - x) - p[1], P)];
}
function mul(k, p) {
	let r = null;
	for (; k > 0n; k >>= 1n, p = add(p, p)) if (k & 1n) r = add(r, p);
	return r;
}
const big = (b) => BigInt('0x' + (Buffer.from(b).toString('hex') || '0'));
const be32 = (x) => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
const sha256 = (b) => crypto.createHash('sha256').update(b).digest();
// Same key as the sim node: sha256("mostro-ln sim node").
const SK = big(sha256('mostro-ln sim node'));
function sign(z32) {
	const z = big(z32);
	const k = mod(big(sha256(Buffer.concat([be32(SK), z32]))), N) || 1n;
	const R = mul(k, G);
	const r = mod(R[0], N);
	let s = mod(inv(k, N) * (z + r * SK), N);
	let recid = Number(R[1] & 1n) | (R[0] >= N ? 2 : 0);
	if (s > N / 2n) { s = N - s; recid ^= 1; }
	return Buffer.concat([be32(r), be32(s), Buffer.from([recid])]);
}

// ---- bech32 / BOLT11 -------------------------------------------------------
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function polymod(values) {
	const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
	let chk = 1;
	for (const v of values) {
		const b = chk >>> 25;
		chk = ((chk & 0x1ffffff) << 5) ^ v;
		for (let i = 0; i < 5; i++) if ((b >>> i) & 1) chk ^= GEN[i];
	}
	return chk >>> 0;
}
function bech32(hrp, data) {
	const exp = [...hrp].map((c) => c.charCodeAt(0) >> 5).concat([0], [...hrp].map((c) => c.charCodeAt(0) & 31));
	const pm = polymod(exp.concat(data, [0, 0, 0, 0, 0, 0])) ^ 1;
	const sum = [0, 1, 2, 3, 4, 5].map((i) => (pm >>> (5 * (5 - i))) & 31);
	return hrp + '1' + data.concat(sum).map((d) => CHARSET[d]).join('');
}
function to5(bytes) {
	const out = [];
	let acc = 0, bits = 0;
	for (const b of bytes) {
		acc = (acc << 8) | b; bits += 8;
		while (bits >= 5) { bits -= 5; out.push((acc >>> bits) & 31); }
		acc &= (1 << bits) - 1;
	}
	if (bits) out.push((acc << (5 - bits)) & 31);
	return out;
}
function to8padded(groups) {
	const out = [];
	let acc = 0, bits = 0;
	for (const g of groups) {
		acc = (acc << 5) | g; bits += 5;
		if (bits >= 8) { bits -= 8; out.push((acc >>> bits) & 255); }
		acc &= (1 << bits) - 1;
	}
	if (bits) out.push((acc << (8 - bits)) & 255);
	return Buffer.from(out);
}
const field = (type, d5) => [type, d5.length >> 5, d5.length & 31, ...d5];
function uint5(v) {
	const out = [];
	for (let x = BigInt(v); x > 0n; x >>= 5n) out.unshift(Number(x & 31n));
	return out;
}
// opts: {msat (BigInt|null), descHash (Buffer) | desc (string), expiry}
function invoice(opts) {
	const hrp = 'lnbcrt' + (opts.msat === null ? '' : `${opts.msat * 10n}p`);
	const ts = BigInt(Math.floor(Date.now() / 1000));
	let data = [];
	for (let i = 6; i >= 0; i--) data.push(Number((ts >> BigInt(5 * i)) & 31n));
	const preimage = crypto.randomBytes(32);
	data = data.concat(field(16, to5(crypto.randomBytes(32))), field(1, to5(sha256(preimage))));
	data = data.concat(opts.descHash ? field(23, to5(opts.descHash)) : field(13, to5(Buffer.from(opts.desc))));
	data = data.concat(field(6, uint5(opts.expiry ?? 86400)), field(24, uint5(40)));
	// features 9, 14, 17: groups (bit 17 -> group value 4 at position 3 from the end)
	const feat = [0, 0, 0, 0];
	for (const b of [9, 14, 17]) feat[feat.length - 1 - Math.floor(b / 5)] |= 1 << (b % 5);
	data = data.concat(field(5, feat.slice(feat.findIndex((x) => x !== 0))));
	const z = sha256(Buffer.concat([Buffer.from(hrp), to8padded(data)]));
	return bech32(hrp, data.concat(to5(sign(z))));
}

// ---- the server ------------------------------------------------------------
const log = [];
let base = '';
const metadata = JSON.stringify([['text/plain', 'mostro test payment'], ['text/identifier', 'ok@127.0.0.1']]);
const payDoc = (v, extra = {}) => ({
	tag: 'payRequest', callback: `${base}/cb/${v}?id=abc&amount=1`, minSendable: 1000,
	maxSendable: 100000000000, metadata, commentAllowed: 32, ...extra,
});
// Pay document variants. A function gets (req, res) and answers itself.
const docs = {
	ok: () => payDoc('ok'),
	comment0: () => payDoc('ok', { commentAllowed: undefined }),
	comment1000: () => payDoc('ok', { commentAllowed: 1000 }),
	drop: (req, res) => { req.socket.destroy(); },
	nocomma: () => ({ ...payDoc('ok'), callback: `${base}/cb/ok` }),
	error: () => ({ status: 'ERROR', reason: 'account disabled' }),
	wrongtag: () => payDoc('ok', { tag: 'withdrawRequest' }),
	nomax: () => payDoc('ok', { maxSendable: undefined }),
	strmax: () => payDoc('ok', { maxSendable: '100000000000' }),
	nocallback: () => payDoc('ok', { callback: undefined }),
	badjson: (req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"tag": "payRequest",'); },
	array: (req, res) => { res.writeHead(200); res.end('[1,2]'); },
	http404: (req, res) => { res.writeHead(404); res.end('{"status":"ERROR","reason":"not found"}'); },
	redirect: (req, res) => { res.writeHead(302, { location: '/.well-known/lnurlp/ok' }); res.end(); },
	big: (req, res) => { res.writeHead(200); res.end('{"pad":"' + 'x'.repeat(1024 * 1024) + '"}'); },
	slow: (req, res) => { setTimeout(() => { res.writeHead(200); res.end(JSON.stringify(payDoc('ok'))); }, 3000); },
	hang: () => undefined,                 // never answers: the client's bound ends it
	wrongamount: () => payDoc('wrongamount'),
	amountless: () => payDoc('amountless'),
	nopr: () => payDoc('nopr'),
	missingpr: () => payDoc('missingpr'),
	cberror: () => payDoc('cberror'),
	cb500: () => payDoc('cb500'),
	badpr: () => payDoc('badpr'),
	wronghash: () => payDoc('wronghash'),
	dfield: () => payDoc('dfield'),
	ssrfcb: () => payDoc('x', { callback: 'http://169.254.169.254/latest/meta-data?x=1' }),
	userinfocb: () => payDoc('x', { callback: `http://user:pw@127.0.0.1:${server.address().port}/cb/ok` }),
	ftpcb: () => payDoc('x', { callback: `ftp://127.0.0.1:${server.address().port}/cb/ok` }),
};

function callback(v, url, res) {
	const amount = url.searchParams.get('amount');
	const msat = /^[0-9]+$/.test(amount ?? '') ? BigInt(amount) : null;
	const send = (obj, status = 200) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
	if (msat === null) return send({ status: 'ERROR', reason: 'amount missing' });
	const descHash = sha256(Buffer.from(metadata));
	switch (v) {
	case 'ok': return send({ pr: invoice({ msat, descHash }), routes: [] });
	case 'wrongamount': return send({ pr: invoice({ msat: msat + 1000n, descHash }), routes: [] });
	case 'amountless': return send({ pr: invoice({ msat: null, descHash }), routes: [] });
	case 'nopr': return send({ pr: '', routes: [] });
	case 'missingpr': return send({ routes: [] });
	case 'cberror': return send({ status: 'ERROR', reason: 'cannot issue' });
	case 'cb500': return send({ status: 'ERROR', reason: 'boom' }, 500);
	case 'badpr': return send({ pr: 'lnbcrt1notaninvoice', routes: [] });
	case 'wronghash': return send({ pr: invoice({ msat, descHash: sha256(Buffer.from('other')) }), routes: [] });
	case 'dfield': return send({ pr: invoice({ msat, desc: 'plain description' }), routes: [] });
	default: return send({ status: 'ERROR', reason: 'unknown variant' }, 404);
	}
}

const server = http.createServer((req, res) => {
	const url = new URL(req.url, base);
	const parts = url.pathname.split('/').filter(Boolean);
	if (parts[0] === '_log') { res.writeHead(200); return res.end(JSON.stringify(log)); }
	if (parts[0] === '_reset') { log.length = 0; res.writeHead(200); return res.end('[]'); }
	if (parts[0] === '_lnurl') {
		res.writeHead(200);
		return res.end(bech32('lnurl', to5(Buffer.from(`${base}/.well-known/lnurlp/${parts[1]}`))));
	}
	log.push(req.url);
	if (parts[0] === '.well-known' && parts[1] === 'lnurlp' && docs[parts[2]]) {
		const d = docs[parts[2]](req, res);
		if (d) { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(d)); }
		return;
	}
	if (parts[0] === 'cb') return callback(parts[1], url, res);
	res.writeHead(404);
	res.end('{"status":"ERROR","reason":"no such route"}');
});
server.listen(0, '127.0.0.1', () => {
	base = `http://127.0.0.1:${server.address().port}`;
	console.log(JSON.stringify({ port: server.address().port }));
});
// The harness kills us; never outlive a forgotten run by more than 10 minutes.
setTimeout(() => process.exit(0), 600000).unref();
