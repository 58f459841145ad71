-- Rewrites every UUID of store-mostrod-rows.sql from its 16-byte BLOB to
-- text, in the spellings the Rust uuid crate reads: hyphenated uppercase
-- (orders.id), simple 32 digits (range_parent_id, disputes.order_id),
-- braced (disputes.id), a URN (bonds.id).
UPDATE orders SET id = upper(substr(hex(id),1,8)||'-'||substr(hex(id),9,4)||'-'||substr(hex(id),13,4)||'-'
  ||substr(hex(id),17,4)||'-'||substr(hex(id),21)) WHERE typeof(id) = 'blob';
UPDATE orders SET range_parent_id = lower(hex(range_parent_id)) WHERE typeof(range_parent_id) = 'blob';
UPDATE disputes SET id = '{'||lower(substr(hex(id),1,8)||'-'||substr(hex(id),9,4)||'-'||substr(hex(id),13,4)||'-'
  ||substr(hex(id),17,4)||'-'||substr(hex(id),21))||'}' WHERE typeof(id) = 'blob';
UPDATE disputes SET order_id = hex(order_id) WHERE typeof(order_id) = 'blob';
UPDATE bonds SET id = 'urn:uuid:'||lower(substr(hex(id),1,8)||'-'||substr(hex(id),9,4)||'-'||substr(hex(id),13,4)||'-'
  ||substr(hex(id),17,4)||'-'||substr(hex(id),21)) WHERE typeof(id) = 'blob';
