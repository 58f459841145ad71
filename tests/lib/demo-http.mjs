// demo-http.mjs DIR — serves the files under DIR over plain HTTP on 127.0.0.1
// (a port the kernel picks), for tests/recipes.bats: the price feed's
// yadio-shaped JSON without a network. Prints {"port":N} once it listens.
// GET /a/b -> DIR/a/b (200, application/json), anything else 404; every
// request is logged on stderr. Ends on SIGTERM.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] || '.');
const server = http.createServer((req, res) => {
	const url = new URL(req.url, 'http://127.0.0.1');
	const file = path.resolve(root, '.' + path.posix.normalize(decodeURIComponent(url.pathname)));
	process.stderr.write(`${req.method} ${url.pathname}\n`);
	if (req.method !== 'GET' || !file.startsWith(root + path.sep)) {
		res.writeHead(404).end();
		return;
	}
	fs.readFile(file, (err, body) => {
		if (err) {
			res.writeHead(404).end();
			return;
		}
		res.writeHead(200, { 'content-type': 'application/json' }).end(body);
	});
});
server.listen(0, '127.0.0.1', () => {
	process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => {
	server.close(() => process.exit(0));
	server.closeAllConnections();
	setTimeout(() => process.exit(0), 1000).unref();
});
