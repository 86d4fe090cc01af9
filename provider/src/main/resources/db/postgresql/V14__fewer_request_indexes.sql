-- V14: fewer index pages written per bill. No query reads request rows by user (per-user totals live in
-- user_unsettled), and journal_id is set only while a row settles: only those rows need an index entry.
DROP INDEX request_user_state;
DROP INDEX request_journal;
CREATE INDEX request_journal ON request (journal_id) WHERE journal_id IS NOT NULL;
