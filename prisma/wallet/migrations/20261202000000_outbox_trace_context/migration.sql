-- The trace context of the request that wrote an outbox row (issue 16): the W3C `traceparent`
-- (and `tracestate`) of the span active when the row was inserted, as JSON
-- `{"traceparent":"00-…","tracestate":"…"}`. The relay's Kafka produce continues that trace, so a
-- transfer's spans, the publish and everything downstream form one trace, however late the relay
-- publishes and however often it retries. NULL when tracing is off or the row predates this
-- column; the event itself (payload, headers) is unchanged. Nullable, no default, no backfill:
-- an instant ALTER on MariaDB 10.11 and MySQL 8.4.

-- AlterTable
ALTER TABLE `outbox_events` ADD COLUMN `trace_context` VARCHAR(640) NULL;
