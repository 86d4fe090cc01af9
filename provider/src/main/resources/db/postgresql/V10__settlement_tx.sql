-- Every transaction ever signed for a settlement batch: the first one and each same-nonce replacement
-- (higher fee) of a stuck one. Any of them may be the one that lands, so recovery looks for a receipt
-- of each. settlement_batch.tx_hash/raw_tx stay the latest; sent_at is when it was journaled.
CREATE TABLE settlement_tx (
    id         BIGSERIAL PRIMARY KEY,
    batch_id   BIGINT NOT NULL,
    tx_hash    TEXT   NOT NULL,
    raw_tx     TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX settlement_tx_batch ON settlement_tx (batch_id);
ALTER TABLE settlement_batch ADD COLUMN sent_at BIGINT;
UPDATE settlement_batch SET sent_at = created_at;
