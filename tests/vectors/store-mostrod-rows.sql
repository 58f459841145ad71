-- Rows of a mostrod 0.18.5 database in the middle of its life, UUIDs bound
-- as sqlx binds them (16-byte BLOBs). Every order status a running daemon
-- holds, orders in flight included (hold invoices locked, a payout in
-- flight, a dispute taken by a solver), a range order and its child, users
-- of every kind. Keys are made-up hex; amounts in sats, times unix seconds.
-- store-mostrod-text-uuids.sql rewrites the UUIDs as text.

-- pending sell at market price (amount 0, premium +2), maker only
INSERT INTO orders (id, kind, event_id, creator_pubkey, seller_pubkey, master_seller_pubkey,
  status, price_from_api, premium, payment_method, amount, fiat_code, fiat_amount,
  created_at, expires_at, trade_index_seller)
VALUES (X'308e1272d5f447e6bd973504baea9c23', 'sell', 'e001', 'a1a1', 'a1a1', 'f1f1',
  'pending', 1, 2, 'SEPA', 0, 'EUR', 100, 1760000000, 1760086400, 3);

-- sell taken by a buyer with an invoice: waiting for the seller's hold invoice payment
INSERT INTO orders (id, kind, event_id, hash, preimage, creator_pubkey, buyer_pubkey,
  master_buyer_pubkey, seller_pubkey, master_seller_pubkey, status, premium, payment_method,
  amount, fee, fiat_code, fiat_amount, buyer_invoice, taken_at, created_at, expires_at,
  trade_index_seller, trade_index_buyer, dev_fee)
VALUES (X'1b9a57a2a8014f4e9c2b6a0b5f5e7d01', 'sell', 'e002',
  '2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a',
  '3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b',
  'a2a2', 'b2b2', 'f2f2', 'a2a2', 'f3f3', 'waiting-payment', 0, 'bank transfer',
  100000, 300, 'USD', 97, 'lnbc1000u1pexample', 1760000100, 1760000050, 1760086450, 1, 7, 180);

-- buy taken by a seller who paid the hold invoice: waiting for the buyer's invoice
INSERT INTO orders (id, kind, event_id, hash, preimage, creator_pubkey, buyer_pubkey,
  master_buyer_pubkey, seller_pubkey, master_seller_pubkey, status, premium, payment_method,
  amount, fee, fiat_code, fiat_amount, invoice_held_at, taken_at, created_at, expires_at,
  trade_index_seller, trade_index_buyer, dev_fee)
VALUES (X'2c0b68b3b9125f5f0d3c7b1c606f8e02', 'buy', 'e003',
  '4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c',
  '5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d',
  'b3b3', 'b3b3', 'f4f4', 'a3a3', 'f5f5', 'waiting-buyer-invoice', -1, 'cash',
  50000, 150, 'ARS', 60000, 1760000300, 1760000200, 1760000150, 1760086550, 2, 4, 90);

-- active sell: escrow locked, buyer invoice known
INSERT INTO orders (id, kind, event_id, hash, preimage, creator_pubkey, buyer_pubkey,
  master_buyer_pubkey, seller_pubkey, master_seller_pubkey, status, premium, payment_method,
  amount, fee, fiat_code, fiat_amount, buyer_invoice, invoice_held_at, taken_at, created_at,
  expires_at, trade_index_seller, trade_index_buyer, dev_fee)
VALUES (X'3d1c79c4ca2346a6ae4d8c2d71709f03', 'sell', 'e004',
  '6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e',
  '7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f',
  'a4a4', 'b4b4', 'f6f6', 'a4a4', 'f7f7', 'active', 0, 'SEPA,Revolut',
  200000, 600, 'EUR', 180, 'buyer@ln.example', 1760000400, 1760000350, 1760000300,
  1760086700, 5, 2, 360);

-- fiat-sent buy
INSERT INTO orders (id, kind, event_id, hash, preimage, creator_pubkey, buyer_pubkey,
  master_buyer_pubkey, seller_pubkey, master_seller_pubkey, status, premium, payment_method,
  amount, fee, fiat_code, fiat_amount, buyer_invoice, invoice_held_at, taken_at, created_at,
  expires_at, trade_index_seller, trade_index_buyer, next_trade_pubkey, next_trade_index, dev_fee)
VALUES (X'4e2d8ad5db3447b7bf5e9d3e82810004', 'buy', 'e005',
  '8080808080808080808080808080808080808080808080808080808080808080',
  '9191919191919191919191919191919191919191919191919191919191919191',
  'b5b5', 'b5b5', 'f8f8', 'a5a5', 'f9f9', 'fiat-sent', 3, 'zelle',
  30000, 90, 'USD', 30, 'lnbc300u1pexample', 1760000500, 1760000450, 1760000400,
  1760086800, 9, 11, 'c5c5', 12, 54);

-- settled escrow, buyer payout in flight after a failed attempt
INSERT INTO orders (id, kind, event_id, hash, preimage, creator_pubkey, buyer_pubkey,
  master_buyer_pubkey, seller_pubkey, master_seller_pubkey, status, premium, payment_method,
  amount, fee, routing_fee, fiat_code, fiat_amount, buyer_invoice, invoice_held_at, taken_at,
  created_at, expires_at, payment_attempts, failed_payment, dev_fee,
  payout_payment_hash, payout_claimed_at)
VALUES (X'5f3e9be6ec4548c8806fae4f93921105', 'sell', 'e006',
  'a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2',
  'b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3',
  'a6a6', 'b6b6', 'fafa', 'a6a6', 'fbfb', 'settled-hold-invoice', 0, 'SEPA',
  75000, 225, 40, 'EUR', 70, 'lnbc750u1pexample', 1760000600, 1760000550, 1760000500,
  1760086900, 2, 1, 135,
  'c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4', 1760000700);

-- disputed sell (the buyer opened it; a solver took it)
INSERT INTO orders (id, kind, event_id, hash, preimage, creator_pubkey, buyer_pubkey,
  master_buyer_pubkey, seller_pubkey, master_seller_pubkey, status, premium, payment_method,
  amount, fee, fiat_code, fiat_amount, buyer_invoice, buyer_dispute, invoice_held_at, taken_at,
  created_at, expires_at, dev_fee)
VALUES (X'604fa0f7fd5649d9917a0b50a4a32206', 'sell', 'e007',
  'd5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5',
  'e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6',
  'a7a7', 'b7b7', 'fcfc', 'a7a7', 'fdfd', 'dispute', 0, 'SEPA',
  120000, 360, 'EUR', 110, 'lnbc1200u1pexample', 1, 1760000800, 1760000750, 1760000700,
  1760087100, 216);

-- finished: success (rated, dev fee paid), canceled, cooperatively canceled
INSERT INTO orders (id, kind, event_id, hash, preimage, creator_pubkey, buyer_pubkey,
  master_buyer_pubkey, seller_pubkey, master_seller_pubkey, status, premium, payment_method,
  amount, fee, fiat_code, fiat_amount, buyer_sent_rate, seller_sent_rate, created_at,
  expires_at, dev_fee, dev_fee_paid, dev_fee_payment_hash)
VALUES (X'7150b108fe675aea0a8b1c61b5b43307', 'buy', 'e008',
  'f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7',
  '0808080808080808080808080808080808080808080808080808080808080808',
  'b8b8', 'b8b8', 'f0f0', 'a8a8', 'f1f0', 'success', 0, 'cash',
  10000, 30, 'CUP', 5000, 1, 1, 1759990000, 1760076400, 18, 1,
  '1919191919191919191919191919191919191919191919191919191919191919');
INSERT INTO orders (id, kind, event_id, creator_pubkey, seller_pubkey, master_seller_pubkey,
  status, premium, payment_method, amount, fiat_code, fiat_amount, created_at, expires_at)
VALUES (X'8261c219af7846fb9b9c2d72c6c54408', 'sell', 'e009', 'a9a9', 'a9a9', 'f2f0',
  'canceled', 0, 'SEPA', 5000, 'EUR', 5, 1759990100, 1760076500);
INSERT INTO orders (id, kind, event_id, hash, preimage, creator_pubkey, cancel_initiator_pubkey,
  buyer_pubkey, master_buyer_pubkey, seller_pubkey, master_seller_pubkey, status, premium,
  payment_method, amount, fee, fiat_code, fiat_amount, buyer_cooperativecancel,
  seller_cooperativecancel, seller_dispute, created_at, expires_at)
VALUES (X'9372d32ab08957ac8cad3e83d7d65509', 'sell', 'e010',
  '2a2b2a2b2a2b2a2b2a2b2a2b2a2b2a2b2a2b2a2b2a2b2a2b2a2b2a2b2a2b2a2b',
  '3c3d3c3d3c3d3c3d3c3d3c3d3c3d3c3d3c3d3c3d3c3d3c3d3c3d3c3d3c3d3c3d',
  'aaaa', 'bbbb', 'bbbb', 'f3f0', 'aaaa', 'f4f0', 'cooperatively-canceled', 0,
  'SEPA', 8000, 24, 'EUR', 8, 1, 1, 1, 1759990200, 1760076600);

-- range sell (10..100 EUR) and the child order left after a first take
INSERT INTO orders (id, kind, event_id, creator_pubkey, seller_pubkey, master_seller_pubkey,
  status, price_from_api, premium, payment_method, amount, min_amount, max_amount, fiat_code,
  fiat_amount, created_at, expires_at, trade_index_seller)
VALUES (X'a483e43bc19a48bd9dbe4f94e8e7660a', 'sell', 'e011', 'acac', 'acac', 'f5f0',
  'success', 1, 1, 'SEPA', 0, 10, 100, 'EUR', 40, 1760001000, 1760087400, 13);
INSERT INTO orders (id, kind, event_id, creator_pubkey, seller_pubkey, master_seller_pubkey,
  status, price_from_api, premium, payment_method, amount, min_amount, max_amount, fiat_code,
  fiat_amount, range_parent_id, created_at, expires_at, trade_index_seller)
VALUES (X'b594f54cd2ab49ce8ecf50a5f9f8770b', 'sell', 'e012', 'adad', 'adad', 'f5f0',
  'pending', 1, 1, 'SEPA', 0, 10, 60, 'EUR', 0, X'a483e43bc19a48bd9dbe4f94e8e7660a',
  1760001100, 1760087500, 14);

-- disputes: the open one (taken by the solver), one closed by a cooperative cancel
INSERT INTO disputes (id, order_id, status, order_previous_status, solver_pubkey, created_at, taken_at)
VALUES (X'c6a5065de3bc4adf9fd061b60a09880c', X'604fa0f7fd5649d9917a0b50a4a32206', 'in-progress',
  'fiat-sent', '5050505050505050505050505050505050505050505050505050505050505050', 1760000900, 1760000950);
INSERT INTO disputes (id, order_id, status, order_previous_status, solver_pubkey, created_at, taken_at)
VALUES (X'd7b6176ef4cd4be0a0e172c71b1a990d', X'9372d32ab08957ac8cad3e83d7d65509', 'seller-refunded',
  'active', NULL, 1759990300, 0);

-- users: admin, read-write and read-only solvers, a rated trader, a banned one
INSERT INTO users (pubkey, is_admin, admin_password, is_solver, is_banned, category, last_trade_index,
  total_reviews, total_rating, last_rating, max_rating, min_rating, created_at)
VALUES
  ('4040404040404040404040404040404040404040404040404040404040404040', 1,
   '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 0, 0, 0, 0, 0, 0.0, 0, 0, 0, 1750000000),
  ('5050505050505050505050505050505050505050505050505050505050505050', 0, NULL, 1, 0, 2, 0, 0, 0.0, 0, 0, 0, 1750000100),
  ('6060606060606060606060606060606060606060606060606060606060606060', 0, NULL, 1, 0, 1, 0, 0, 0.0, 0, 0, 0, 1750000200),
  ('f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2', 0, NULL, 0, 0, 0, 7, 3, 4.666666666666667, 5, 5, 4, 1750000300),
  ('7070707070707070707070707070707070707070707070707070707070707070', 0, NULL, 0, 1, 0, 2, 1, 1.0, 1, 1, 1, 1750000400);

-- a bond of the (off by default) anti-abuse extension, long released
INSERT INTO bonds (id, order_id, pubkey, role, amount_sats, state, hash, preimage, locked_at, released_at, created_at)
VALUES (X'e8c7287f05de4cf1b1f283d82c2caa0e', X'7150b108fe675aea0a8b1c61b5b43307', 'a8a8', 'taker', 1000, 'released',
  'abababababababababababababababababababababababababababababababab',
  'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', 1759990050, 1759990400, 1759990040);
