-- Rows of a mostrod 0.14.0 database (three migrations: no dev_fee, cashu_*
-- or payout_* columns; disputes still carry buyer_token and seller_token),
-- UUIDs as 16-byte BLOBs. An active order with its dispute, and its users.
INSERT INTO orders (id, kind, event_id, hash, preimage, creator_pubkey, buyer_pubkey,
  master_buyer_pubkey, seller_pubkey, master_seller_pubkey, status, premium, payment_method,
  amount, fee, fiat_code, fiat_amount, buyer_invoice, seller_dispute, invoice_held_at, taken_at,
  created_at, expires_at)
VALUES (X'0a1b2c3d4e5f40718293a4b5c6d7e8f9', 'sell', 'e101',
  '1212121212121212121212121212121212121212121212121212121212121212',
  '3434343434343434343434343434343434343434343434343434343434343434',
  'a1b1', 'b1b1', 'c1c1', 'a1b1', 'd1d1', 'dispute', 0, 'SEPA',
  40000, 120, 'EUR', 35, 'lnbc400u1pexample', 1, 1720000100, 1720000050, 1720000000, 1720086400);
INSERT INTO orders (id, kind, event_id, hash, preimage, creator_pubkey, buyer_pubkey,
  master_buyer_pubkey, seller_pubkey, master_seller_pubkey, status, premium, payment_method,
  amount, fee, fiat_code, fiat_amount, buyer_invoice, invoice_held_at, taken_at,
  created_at, expires_at)
VALUES (X'1b2c3d4e5f60418293a4b5c6d7e8f90a', 'buy', 'e102',
  '5656565656565656565656565656565656565656565656565656565656565656',
  '7878787878787878787878787878787878787878787878787878787878787878',
  'b2b2', 'b2b2', 'c2c2', 'a2b2', 'd2d2', 'active', 0, 'cash',
  25000, 75, 'USD', 24, 'lnbc250u1pexample', 1720000300, 1720000250, 1720000200, 1720086600);
INSERT INTO disputes (id, order_id, status, order_previous_status, solver_pubkey, created_at, taken_at,
  buyer_token, seller_token)
VALUES (X'2c3d4e5f6071429384a5b6c7d8e9fa0b', X'0a1b2c3d4e5f40718293a4b5c6d7e8f9', 'initiated', 'active',
  NULL, 1720000150, 0, 123, 456);
INSERT INTO users (pubkey, is_admin, is_solver, is_banned, category, last_trade_index, total_reviews,
  total_rating, last_rating, max_rating, min_rating, created_at)
VALUES ('c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1', 0, 0, 0, 0, 4, 2, 4.5, 4, 5, 4, 1719000000);
