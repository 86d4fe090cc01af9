-- Runs of a task's current step that started and never concluded: a run that crashes the process stays
-- counted, and a task whose Setup or training was interrupted fineTuning.maxRetries times in a row is Failed at
-- the next start instead of crashing the server again (a zip bomb, a trainer that takes the JVM down).
ALTER TABLE ft_task ADD COLUMN interrupted_runs INTEGER NOT NULL DEFAULT 0;
