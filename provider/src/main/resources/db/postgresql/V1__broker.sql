-- Amounts are decimal neuron strings (uint256 does not fit any SQL integer type); sums happen in Java.
CREATE TABLE request (
    seq          BIGSERIAL PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    user_address TEXT    NOT NULL,
    created_at   BIGINT NOT NULL,
    -- pending (before/while upstream runs) | billed | settling (in a journal item) | settled | failed
    state        TEXT    NOT NULL,
    input_count  BIGINT NOT NULL DEFAULT 0,
    output_count BIGINT NOT NULL DEFAULT 0,
    input_fee    TEXT    NOT NULL DEFAULT '0',
    output_fee   TEXT    NOT NULL DEFAULT '0',
    fee          TEXT    NOT NULL DEFAULT '0',
    -- how much of fee is already settled on chain (a PARTIAL settlement can pay part of a row)
    paid         TEXT    NOT NULL DEFAULT '0',
    journal_id   BIGINT
);
CREATE INDEX request_user_state ON request (user_address, state);
CREATE INDEX request_journal ON request (journal_id);

-- One settleFeesWithTEE transaction. The raw signed tx and its hash are stored BEFORE broadcasting.
CREATE TABLE settlement_batch (
    id           BIGSERIAL PRIMARY KEY,
    state        TEXT    NOT NULL, -- sent | confirmed | abandoned
    tx_hash      TEXT    NOT NULL,
    raw_tx       TEXT    NOT NULL,
    wallet_nonce TEXT    NOT NULL,
    created_at   BIGINT NOT NULL
);

-- One TEESettlementData item: what was signed for one user.
CREATE TABLE settlement_item (
    id            BIGSERIAL PRIMARY KEY,
    batch_id      BIGINT,
    user_address  TEXT    NOT NULL,
    nonce         TEXT    NOT NULL,
    total_fee     TEXT    NOT NULL,
    requests_hash TEXT    NOT NULL,
    signature     TEXT    NOT NULL,
    -- signed | sent | confirmed (status says SUCCESS/PARTIAL/…) | rejected (preview) | abandoned (never sent)
    state         TEXT    NOT NULL,
    status        INTEGER,
    unsettled     TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX settlement_item_state ON settlement_item (state);

-- The last settlement nonce signed per user: nonces only grow, even across restarts.
CREATE TABLE settlement_nonce (
    user_address TEXT PRIMARY KEY,
    last_nonce   TEXT NOT NULL
);

CREATE TABLE response_signature (
    chat_key   TEXT PRIMARY KEY,
    text       TEXT    NOT NULL,
    signature  TEXT    NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Σ (fee − paid) over a user's billed and settling rows, kept in step with them in the same
-- transactions, so the balance gate reads one row instead of summing the user's whole history.
CREATE TABLE user_unsettled (
    user_address TEXT PRIMARY KEY,
    amount       TEXT NOT NULL
);
