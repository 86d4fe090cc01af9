-- V3: admission reservations, swept requests, broker instances, retention with exact totals.
--
-- request.state gains 'swept': a 'pending' row whose broker instance stopped (crash, kill) while the request
-- was in flight. Terminal, like 'failed': never billed, its reservation released. States are now
--   pending | billed | settling | settled | failed | swept
-- Amounts stay decimal neuron strings (uint256); SQLite has one writer at a time, sums happen in Java.

-- What the pending request holds against the user's balance (0 once billed/failed/swept, and for rows
-- admitted without a reservation).
ALTER TABLE request ADD COLUMN reserved TEXT NOT NULL DEFAULT '0';
-- The broker instance (random id per start) that wrote the row: start-up sweeps pending rows of others.
ALTER TABLE request ADD COLUMN instance_id TEXT;
-- Settlement (billableRows: state = 'billed'), metrics (oldest billed/settling) and pruning select by state.
CREATE INDEX request_state ON request (state, created_at);

-- Σ reserved over the user's pending rows, kept in step with them in the same transactions.
ALTER TABLE user_unsettled ADD COLUMN reserved TEXT NOT NULL DEFAULT '0';

-- Live broker instances: written at start and every few seconds (ms).
CREATE TABLE broker_instance (
    id           TEXT PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
);

-- What pruned request rows (settled/failed/swept past the retention) had billed and settled, so that
-- Σ fee and Σ paid over all requests ever = Σ over the table + these.
CREATE TABLE store_totals (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_billed  TEXT    NOT NULL,
    pruned_settled TEXT    NOT NULL,
    pruned_rows    INTEGER NOT NULL
);
INSERT INTO store_totals (id, pruned_billed, pruned_settled, pruned_rows) VALUES (1, '0', '0', 0);
