-- tests/lib/chaos.sql: the invariants of a chaos run (tests/chaos.sh), read
-- from the engine's database (e), the simulated node's (s), the embedded
-- relay's (r), all opened read-only, and the load generator's ledger (one
-- JSON object per trade, @ledger a JSON array of them).
--
-- Each check is one row of `checks`: name, bad (rows that break it; 0 = it
-- holds), figure (what was counted); rows of `evidence` name what broke it,
-- with the order (or event) it concerns as anchor.
-- Statuses with a timer that ends them (DAEMON.md §3): pending (expiration),
-- waiting-payment and waiting-buyer-invoice (expiration_seconds),
-- settled-hold-invoice (the payout retries). active and fiat-sent wait for a
-- user: a trade left there by a client that got every reply is stuck.

CREATE TEMP TABLE l AS SELECT
	json_extract(value, '$.trade') AS trade,
	json_extract(value, '$.flow') AS flow,
	json_extract(value, '$.state') AS state,
	json_extract(value, '$.step') AS step,
	json_extract(value, '$.order') AS order_id,
	json_extract(value, '$.amount') AS amount,
	json_extract(value, '$.fee') AS fee,
	json_extract(value, '$.seller.wallet') AS seller_wallet,
	json_extract(value, '$.buyer.wallet') AS buyer_wallet,
	json_extract(value, '$.seller.pubkey') AS seller_pk,
	json_extract(value, '$.buyer.pubkey') AS buyer_pk,
	json_extract(value, '$.seller.dms') + json_extract(value, '$.buyer.dms') AS dms,
	CASE json_extract(value, '$.kind') WHEN 'sell' THEN json_extract(value, '$.seller.pubkey')
	     ELSE json_extract(value, '$.buyer.pubkey') END AS maker_pk,
	json_extract(value, '$.hold_hash') AS hold_hash,
	json_extract(value, '$.buyer_hash') AS buyer_hash,
	value AS line
FROM json_each(readfile(@ledger));

-- the engine's order of each trade: by the id its maker was told, else by
-- the maker's trade key (an order whose new-order reply never came)
CREATE TEMP TABLE t AS SELECT l.*,
	coalesce(l.order_id, (SELECT id FROM e.orders o WHERE o.creator_pubkey = l.maker_pk)) AS oid,
	(SELECT status FROM e.orders o WHERE o.id = coalesce(l.order_id,
		(SELECT id FROM e.orders o2 WHERE o2.creator_pubkey = l.maker_pk))) AS status
FROM l;

CREATE TEMP TABLE checks (name TEXT, bad INTEGER, figure TEXT);
CREATE TEMP TABLE evidence (name TEXT, anchor TEXT, detail TEXT);

-- 1. every trade finished, or waits in a status a timer ends
INSERT INTO evidence SELECT 'finished-or-timed', oid, 'trade ' || trade || ' (' || flow || ', client at ' || step || ', '
	|| state || '): order ' || coalesce(oid, 'none') || ' is ' || coalesce(status, 'absent')
FROM t WHERE oid IS NOT NULL AND (status IS NULL OR status NOT IN ('success', 'canceled', 'cooperatively-canceled',
	'canceled-by-admin', 'settled-by-admin', 'completed-by-admin', 'expired', 'pending', 'waiting-payment',
	'waiting-buyer-invoice', 'settled-hold-invoice'));
INSERT INTO checks SELECT 'finished-or-timed', (SELECT count(*) FROM evidence WHERE name = 'finished-or-timed'),
	(SELECT group_concat(n || ' ' || s, ', ') FROM (SELECT coalesce(status, 'no order') AS s, count(*) AS n
		FROM t GROUP BY 1 ORDER BY 2 DESC));

-- 2. no request went unanswered: each request the client sent got its reply
--    (the first send's or a repeat's)
INSERT INTO evidence SELECT 'answered', coalesce(t.oid, 'trade:' || t.trade), 'trade ' || t.trade || ' (' || t.flow || ', order ' || coalesce(t.oid, 'none')
	|| ' ' || coalesce(t.status, '-') || '): ' || json_extract(s.value, '$.step') || ' sent '
	|| json_extract(s.value, '$.sends') || ' time(s), no reply'
	|| coalesce(', cant-do ' || json_extract(s.value, '$.cant_do'), '') || '; events '
	|| json_extract(s.value, '$.events')
FROM t, json_each(t.line, '$.steps') s
WHERE json_extract(s.value, '$.events') IS NOT NULL AND json_extract(s.value, '$.reply') = 0;
INSERT INTO checks SELECT 'answered', (SELECT count(*) FROM evidence WHERE name = 'answered'),
	(SELECT sum(json_extract(s.value, '$.reply')) || ' of ' || count(*) || ' requests answered, '
		|| sum(json_extract(s.value, '$.sends')) || ' events sent, '
		|| coalesce(sum(json_extract(s.value, '$.dup_refusals')), 0) || ' repeats refused as already decided'
	 FROM t, json_each(t.line, '$.steps') s WHERE json_extract(s.value, '$.events') IS NOT NULL);

-- 3. no message lost: a trade still waiting for a message its order's status
--    shows the engine sent (it decided the step), or a trade its client
--    finished without one of its replies or notices
INSERT INTO evidence SELECT 'delivered', oid, 'trade ' || trade || ' (' || flow || ', order ' || oid || ' ' || status
	|| '): waits for ' || json_extract(line, '$.waits_for') || ' at ' || step
FROM t WHERE state IN ('running', 'stalled') AND status IN (SELECT value FROM json_each(line, '$.decided_if'));
INSERT INTO evidence SELECT 'delivered', t.oid, 'trade ' || t.trade || ' (' || t.flow || ', order ' || t.oid || ' '
	|| t.status || '): no ' || CASE WHEN json_extract(s.value, '$.reply') = 0 THEN 'reply' ELSE 'notice' END
	|| ' of ' || json_extract(s.value, '$.step')
FROM t, json_each(t.line, '$.steps') s
WHERE t.state = 'done' AND (json_extract(s.value, '$.reply') = 0 OR json_extract(s.value, '$.notice') = 0);
INSERT INTO checks SELECT 'delivered', (SELECT count(*) FROM evidence WHERE name = 'delivered'),
	(SELECT count(*) FROM t WHERE state = 'done') || ' trades finished by their clients, '
	|| (SELECT count(*) FROM t WHERE state IN ('running', 'stalled')) || ' waiting';

-- 4. no buyer was paid twice: at most one payment succeeded per order, for
--    amount - fee, to the invoice its buyer gave; no payment to anything else
CREATE TEMP TABLE paid AS SELECT p.hash, p.value_msat, p.payment_request, t.trade, t.oid, t.amount, t.fee
FROM s.sim_payments p LEFT JOIN t ON t.buyer_hash = p.hash WHERE p.status = 'SUCCEEDED';
INSERT INTO evidence SELECT 'paid-once', oid, 'order ' || oid || ': ' || count(*) || ' payments succeeded'
	FROM paid WHERE oid IS NOT NULL GROUP BY oid HAVING count(*) > 1;
INSERT INTO evidence SELECT 'paid-once', hash, 'payment ' || hash || ' of ' || value_msat || ' msat to no trade''s buyer'
	FROM paid WHERE trade IS NULL;
INSERT INTO evidence SELECT 'paid-once', oid, 'trade ' || trade || ': paid ' || value_msat || ' msat, amount - fee is '
	|| (amount - fee) * 1000 FROM paid WHERE trade IS NOT NULL AND value_msat != (amount - fee) * 1000;
INSERT INTO evidence SELECT 'paid-once', o.id, 'order ' || o.id || ' is success but its buyer''s invoice was not paid'
	FROM e.orders o WHERE o.status = 'success' AND NOT EXISTS
	(SELECT 1 FROM paid WHERE paid.payment_request = o.buyer_invoice);
INSERT INTO checks SELECT 'paid-once', (SELECT count(*) FROM evidence WHERE name = 'paid-once'),
	(SELECT count(*) || ' payouts succeeded' FROM paid) || ', '
	|| (SELECT count(*) FROM s.sim_payments WHERE status != 'SUCCEEDED') || ' not, '
	|| (SELECT count(*) FROM (SELECT order_id FROM e.ln_intents WHERE op = 'pay_invoice' GROUP BY order_id
		HAVING count(*) > 1)) || ' orders with a second pay_invoice';

-- 5. no hold invoice both settled and canceled: the engine never asked for
--    both, and what the node did matches the order
INSERT INTO evidence SELECT 'settled-xor-canceled', order_id, 'hold ' || hash || ' (order ' || order_id || '): settle and cancel both asked'
	FROM e.ln_intents WHERE op IN ('settle_hold_invoice', 'cancel_hold_invoice') AND hash IS NOT NULL
	GROUP BY hash HAVING count(DISTINCT op) = 2;
INSERT INTO evidence SELECT 'settled-xor-canceled', o.id, 'order ' || o.id || ' is ' || o.status || ' but its hold invoice is ' || i.state
	FROM e.orders o JOIN s.sim_invoices i ON i.hash = o.hash
	WHERE (o.status IN ('success', 'settled-hold-invoice') AND i.state != 'SETTLED')
	   OR (o.status IN ('canceled', 'cooperatively-canceled', 'canceled-by-admin', 'expired', 'pending') AND i.state = 'SETTLED');
INSERT INTO evidence SELECT 'settled-xor-canceled', i.hash, 'hold ' || i.hash || ' is ACCEPTED (' || i.amt_paid_msat
	|| ' msat held) and no order in play has it'
	FROM s.sim_invoices i WHERE i.owner = '' AND i.state = 'ACCEPTED' AND NOT EXISTS
	(SELECT 1 FROM e.orders o WHERE o.hash = i.hash AND o.status IN ('active', 'fiat-sent', 'dispute',
		'waiting-buyer-invoice', 'waiting-payment'));
INSERT INTO checks SELECT 'settled-xor-canceled', (SELECT count(*) FROM evidence WHERE name = 'settled-xor-canceled'),
	(SELECT group_concat(n || ' ' || state, ', ') FROM (SELECT state, count(*) AS n FROM s.sim_invoices
		WHERE owner = '' GROUP BY 1 ORDER BY 2 DESC)) || ' hold invoices';

-- 6. the wallets add up: nothing created or lost in all (node + wallets +
--    escrows held = what the node and the wallets started with), and each
--    balance is what the engine's orders say: a seller pays amount + fee for
--    an escrow held (ACCEPTED) or taken (success, settled-hold-invoice), a
--    buyer receives amount - fee at success, the node keeps the difference
CREATE TEMP TABLE w AS SELECT name, balance_msat,
	100000000000
	- coalesce((SELECT sum(i.amt_paid_msat) FROM t JOIN e.orders o ON o.id = t.oid JOIN s.sim_invoices i ON i.hash = o.hash
		WHERE t.seller_wallet = sim_wallets.name AND i.state = 'ACCEPTED'), 0)
	- coalesce((SELECT sum((o.amount + o.fee) * 1000) FROM t JOIN e.orders o ON o.id = t.oid
		WHERE t.seller_wallet = sim_wallets.name AND o.status IN ('success', 'settled-hold-invoice')), 0)
	+ coalesce((SELECT sum((o.amount - o.fee) * 1000) FROM t JOIN e.orders o ON o.id = t.oid
		WHERE t.buyer_wallet = sim_wallets.name AND o.status = 'success'), 0) AS expected
FROM s.sim_wallets;
INSERT INTO evidence SELECT 'balances', name, 'wallet ' || name || ': ' || balance_msat || ' msat, the orders say ' || expected
	FROM w WHERE balance_msat != expected;
INSERT INTO evidence SELECT 'balances', 'node', 'node: ' || n.balance_msat || ' msat, the orders say ' || x.expected
	FROM s.sim_node n, (SELECT 1000000000000
		+ coalesce((SELECT sum((amount + fee) * 1000) FROM e.orders WHERE status IN ('success', 'settled-hold-invoice')), 0)
		- coalesce((SELECT sum((amount - fee) * 1000) FROM e.orders WHERE status = 'success'), 0) AS expected) x
	WHERE n.balance_msat != x.expected;
INSERT INTO evidence SELECT 'balances', 'all', 'in all: ' || total || ' msat, started with ' || start
	FROM (SELECT (SELECT balance_msat FROM s.sim_node) + (SELECT sum(balance_msat) FROM s.sim_wallets)
		+ (SELECT coalesce(sum(amt_paid_msat), 0) FROM s.sim_invoices WHERE state = 'ACCEPTED') AS total,
		1000000000000 + 100000000000 * (SELECT count(*) FROM s.sim_wallets) AS start) WHERE total != start;
INSERT INTO checks SELECT 'balances', (SELECT count(*) FROM evidence WHERE name = 'balances'),
	(SELECT count(*) FROM s.sim_wallets) || ' wallets, node gained '
	|| (((SELECT balance_msat FROM s.sim_node) - 1000000000000) / 1000) || ' sat';

-- 7. figures: DMs the relay holds for the trades' keys next to what the
--    clients received (the clients close a connection a moment after its
--    trades ended; a late rating request is not theirs to see)
INSERT INTO checks SELECT 'relay-dms', 0, (SELECT count(*) FROM r.tags g JOIN r.events v ON v.seq = g.seq
	WHERE g.name = 'p' AND v.kind IN (14, 1059) AND g.value IN (SELECT seller_pk FROM t UNION SELECT buyer_pk FROM t))
	|| ' DMs to trade keys on the relay, ' || (SELECT sum(dms) FROM t) || ' received by the clients';
INSERT INTO checks SELECT 'engine', 0, (SELECT count(*) FROM e.processed) || ' event ids processed, '
	|| (SELECT count(*) FROM e.outbox) || ' outbox lines unsent, '
	|| (SELECT count(*) FROM e.ln_intents WHERE state = 'open') || ' LN intents open';

SELECT 'check|' || name || '|' || bad || '|' || coalesce(figure, '') FROM checks;
SELECT 'evidence|' || name || '|' || coalesce(anchor, '') || '|' || detail FROM evidence;
