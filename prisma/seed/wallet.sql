-- Seed data of the old system (shared CONTRACTS.md). Idempotent: every row is INSERT IGNORE with a fixed id.
-- The opening balances are recorded as deposits (money in = sum of balances) and as outbox events,
-- so a read model rebuilt from the `balances` topic also knows them.
INSERT IGNORE INTO clients (id, name, email, email_key, created_at, updated_at) VALUES
  ('c26425d8-d0f3-4a91-bb96-a1f8fddc3653', 'Lucas', 'lucas@l.com', 'lucas@l.com', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000'),
  ('c995e35d-1927-4cbb-b873-8e9dc946f062', 'Samuca', 'samuca@s.com', 'samuca@s.com', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000');

INSERT IGNORE INTO accounts (id, client_id, balance, version, created_at, updated_at) VALUES
  ('7dfe0fa9-d168-4329-a9ba-ca1b7052fac3', 'c26425d8-d0f3-4a91-bb96-a1f8fddc3653', 1000, 1, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000'),
  ('c6aee752-9977-46c3-9fa0-29e14f85f73f', 'c995e35d-1927-4cbb-b873-8e9dc946f062', 1000, 1, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000');

INSERT IGNORE INTO deposits (id, account_id, amount, created_at) VALUES
  ('5eed0000-0000-4000-8000-000000000001', '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3', 1000, '2026-01-01 00:00:00.000'),
  ('5eed0000-0000-4000-8000-000000000002', 'c6aee752-9977-46c3-9fa0-29e14f85f73f', 1000, '2026-01-01 00:00:00.000');

INSERT IGNORE INTO outbox_events (event_id, topic, message_key, payload, headers, created_at) VALUES
  ('5eed0000-0000-4000-8000-000000000101', 'balances', '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3',
   '{"Name":"BalanceUpdated","Payload":{"account_id_from":"7dfe0fa9-d168-4329-a9ba-ca1b7052fac3","account_id_to":"7dfe0fa9-d168-4329-a9ba-ca1b7052fac3","balance_account_id_from":1000,"balance_account_id_to":1000,"version_account_id_from":1,"version_account_id_to":1,"event_id":"5eed0000-0000-4000-8000-000000000101","occurred_at":"2026-01-01T00:00:00.000Z"}}',
   '{"event-id":"5eed0000-0000-4000-8000-000000000101","event-name":"BalanceUpdated","schema-version":"2","occurred-at":"2026-01-01T00:00:00.000Z","producer":"walletgraph"}',
   '2026-01-01 00:00:00.000'),
  ('5eed0000-0000-4000-8000-000000000102', 'balances', 'c6aee752-9977-46c3-9fa0-29e14f85f73f',
   '{"Name":"BalanceUpdated","Payload":{"account_id_from":"c6aee752-9977-46c3-9fa0-29e14f85f73f","account_id_to":"c6aee752-9977-46c3-9fa0-29e14f85f73f","balance_account_id_from":1000,"balance_account_id_to":1000,"version_account_id_from":1,"version_account_id_to":1,"event_id":"5eed0000-0000-4000-8000-000000000102","occurred_at":"2026-01-01T00:00:00.000Z"}}',
   '{"event-id":"5eed0000-0000-4000-8000-000000000102","event-name":"BalanceUpdated","schema-version":"2","occurred-at":"2026-01-01T00:00:00.000Z","producer":"walletgraph"}',
   '2026-01-01 00:00:00.000');
