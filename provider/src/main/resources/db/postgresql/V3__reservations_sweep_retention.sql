-- V3: admission reservations, swept requests, broker instances, retention with exact totals, settlement
-- leadership epochs.
--
-- request.state gains 'swept': a 'pending' row whose broker instance stopped (crash, kill) while the request
-- was in flight. Terminal, like 'failed': never billed, its reservation released. States are now
--   pending | billed | settling | settled | failed | swept
-- The running per-user totals become NUMERIC(78,0) (any uint256), so concurrent brokers add in the
-- database: amount = user_unsettled.amount + excluded.amount, never a read-then-overwrite.

ALTER TABLE user_unsettled ALTER COLUMN amount TYPE NUMERIC(78,0) USING amount::NUMERIC(78,0);
-- Σ reserved over the user's pending rows, kept in step with them in the same transactions.
ALTER TABLE user_unsettled ADD COLUMN reserved NUMERIC(78,0) NOT NULL DEFAULT 0;

-- What the pending request holds against the user's balance (0 once billed/failed/swept, and for rows
-- admitted without a reservation).
ALTER TABLE request ADD COLUMN reserved NUMERIC(78,0) NOT NULL DEFAULT 0;
-- The broker instance (random id per start) that wrote the row: pending rows of instances without a
-- recent heartbeat are swept.
ALTER TABLE request ADD COLUMN instance_id TEXT;
-- Settlement (billableRows: state = 'billed'), metrics (oldest billed/settling), sweeping and pruning
-- select by state.
CREATE INDEX request_state ON request (state, created_at);

-- Live broker instances: written at start and every few seconds, by the database clock (ms).
CREATE TABLE broker_instance (
    id           TEXT PRIMARY KEY,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);

-- What pruned request rows (settled/failed/swept past the retention) had billed and settled, so that
-- Σ fee and Σ paid over all requests ever = Σ over the table + these.
CREATE TABLE store_totals (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_billed  NUMERIC(78,0) NOT NULL,
    pruned_settled NUMERIC(78,0) NOT NULL,
    pruned_rows    BIGINT        NOT NULL
);
INSERT INTO store_totals (id, pruned_billed, pruned_settled, pruned_rows) VALUES (1, 0, 0, 0);

-- The settlement leader's fencing epoch. An instance that takes the advisory lock increments it (waiting
-- for any journal transaction of the previous leader to end); every journal write locks this row and
-- checks the epoch it took, so a leader that lost its lock can never write after its successor started.
CREATE TABLE settlement_leader (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    epoch  BIGINT NOT NULL,
    holder TEXT,
    since  BIGINT
);
INSERT INTO settlement_leader (id, epoch) VALUES (1, 0);
