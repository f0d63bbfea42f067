-- The old Ms-Balance seed: the same two accounts at 1000 (version 1, as in the wallet). Idempotent.
INSERT IGNORE INTO balances (id, account_id, amount, version, created_at, updated_at) VALUES
  ('b0000000-0000-4000-8000-000000000001', '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3', 1000, 1, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000'),
  ('b0000000-0000-4000-8000-000000000002', 'c6aee752-9977-46c3-9fa0-29e14f85f73f', 1000, 1, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000');
