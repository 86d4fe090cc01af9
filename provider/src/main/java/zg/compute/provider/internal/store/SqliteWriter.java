package zg.compute.provider.internal.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that touches a SQLite database, with group commit. SQLite has one writer; callers that each
 * took a lock for their own transaction formed a convoy under load (a lock holder preempted on a busy CPU
 * stalls every request behind it). Here callers queue their work and park; the writer runs whatever has
 * queued back to back, each piece inside its own savepoint (a failing piece rolls back alone), and commits
 * them with one commit. A caller learns its outcome only after that commit, so nothing it acts on can be
 * lost by a crash that it did not also see.
 *
 * <p>Two connections because SQLite cannot change {@code synchronous} inside a transaction: durable work
 * (the settlement journal, fsync on commit) and fast work (the request path, no fsync) are committed
 * separately, in queue order.
 */
final class SqliteWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SqliteWriter.class);
    /** Work pieces per commit at most: bounds how long the first of a group waits for the last. */
    private static final int MAX_GROUP = 128;
    /** The longest a group waits for the bills of requests in flight: a commit costs several page writes. */
    static final long GATHER_NANOS = 200_000;

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** {@code between}: not database work of the writer's, run between two groups with no transaction open. */
    private record Job<T>(boolean durable, Work<T> work, CompletableFuture<T> result, Runnable between) {
        Job(boolean durable, Work<T> work, CompletableFuture<T> result) {
            this(durable, work, result, null);
        }
    }

    private static final Job<Void> STOP = new Job<>(false, c -> null, new CompletableFuture<>());

    private final Connection durableConn;
    private final Connection fastConn;
    private final BlockingQueue<Job<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final IntSupplier inFlight;
    private volatile boolean closed;
    /** The running piece's after-commit actions (writer thread only). */
    private List<Runnable> pieceAfterCommit;

    SqliteWriter(Connection durableConn, Connection fastConn) {
        this(durableConn, fastConn, () -> 0);
    }

    /**
     * @param inFlight how many requests are admitted and not yet billing: while two or more are, the writer waits
     *     up to {@link #GATHER_NANOS} for more work to share the commit (as PostgreSQL's {@code commit_delay} with
     *     {@code commit_siblings}); a lone request never waits
     */
    SqliteWriter(Connection durableConn, Connection fastConn, IntSupplier inFlight) {
        this.durableConn = durableConn;
        this.fastConn = fastConn;
        this.inFlight = inFlight;
        this.thread = new Thread(this::loop, "zg-sqlite-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code work} in a committed transaction and returns its result; SQL errors become IllegalStateException. */
    <T> T run(boolean durable, Work<T> work) {
        if (Thread.currentThread() == thread) {
            // Work started by work (never done today): part of the running transaction.
            try {
                return work.run(durable ? durableConn : fastConn);
            } catch (SQLException e) {
                throw new IllegalStateException("database: " + e.getMessage(), e);
            }
        }
        CompletableFuture<T> result = submit(durable, work);
        try {
            while (true) {
                try {
                    return result.get(1, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    if (!thread.isAlive() && !result.isDone()) {
                        throw new IllegalStateException("database: the store is closed");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the database", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("database: " + cause.getMessage(), cause);
        }
    }

    /**
     * Queues {@code work} without waiting: the future completes on the writer thread once the work's transaction
     * committed (or failed: SQL errors as IllegalStateException). For callers that must not park a thread.
     */
    <T> CompletableFuture<T> submit(boolean durable, Work<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("database: the store is closed"));
            return result;
        }
        queue.add(new Job<>(durable, work, result));
        return result;
    }

    /**
     * Runs {@code action} on the writer thread between two groups, neither connection in a transaction: for what
     * must not overlap the writer's own transactions (a {@code RESTART} checkpoint holds new writes back, and a
     * transaction of ours that read before it wrote could then only fail). Does not wait for it.
     */
    CompletableFuture<Void> runBetweenGroups(Runnable action) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("database: the store is closed"));
            return result;
        }
        queue.add(new Job<>(false, c -> null, result, action));
        return result;
    }

    /**
     * From work on the writer thread: runs {@code action} once the running piece's transaction committed, before its
     * caller learns the outcome; dropped if the piece rolls back or the commit fails. Keeps in-memory copies of
     * committed state (see {@link MemoryLedger}) exactly in step with what a crash would keep.
     */
    void afterCommit(Runnable action) {
        if (Thread.currentThread() != thread || pieceAfterCommit == null) {
            throw new IllegalStateException("afterCommit outside the SQLite writer's work");
        }
        pieceAfterCommit.add(action);
    }

    private void loop() {
        List<Job<?>> batch = new ArrayList<>(MAX_GROUP);
        while (true) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_GROUP - 1);
                if (batch.size() < MAX_GROUP && inFlight.getAsInt() >= 2) {
                    Job<?> more = queue.poll(GATHER_NANOS, TimeUnit.NANOSECONDS);
                    if (more != null) {
                        batch.add(more);
                        queue.drainTo(batch, MAX_GROUP - batch.size());
                    }
                }
                int from = 0;
                while (from < batch.size()) {
                    if (batch.get(from) == STOP) {
                        failAll(batch.subList(from + 1, batch.size()));
                        failAll(queue);
                        return;
                    }
                    if (batch.get(from).between() != null) {
                        runBetween(batch.get(from));
                        from++;
                        continue;
                    }
                    int to = from + 1;
                    while (to < batch.size() && batch.get(to) != STOP && batch.get(to).between() == null
                            && batch.get(to).durable() == batch.get(from).durable()) {
                        to++;
                    }
                    commitGroup(batch.subList(from, to));
                    from = to;
                }
                batch.clear();
            } catch (InterruptedException e) {
                failAll(batch);
                failAll(queue);
                return;
            } catch (Throwable t) {
                // Never die quietly: fail what was taken and keep serving.
                log.error("SQLite writer: {}", t.toString(), t);
                failAll(batch);
                batch.clear();
            }
        }
    }

    private void commitGroup(List<Job<?>> group) {
        Connection c = group.get(0).durable() ? durableConn : fastConn;
        boolean alone = group.size() == 1;
        List<Object> results = new ArrayList<>(group.size());
        List<Throwable> failures = new ArrayList<>(group.size());
        List<Runnable> after = new ArrayList<>();
        for (Job<?> job : group) {
            Object value = null;
            Throwable failure = null;
            pieceAfterCommit = new ArrayList<>(2);
            try {
                if (!alone) {
                    exec(c, "SAVEPOINT zg_work");
                }
                value = job.work().run(c);
                if (!alone) {
                    exec(c, "RELEASE zg_work");
                }
                after.addAll(pieceAfterCommit);
            } catch (SQLException | RuntimeException e) {
                failure = e instanceof SQLException ? new IllegalStateException("database: " + e.getMessage(), e) : e;
                undo(c, alone, failure);
            } finally {
                pieceAfterCommit = null;
            }
            results.add(value);
            failures.add(failure);
        }
        try {
            c.commit();
        } catch (SQLException e) {
            rollback(c, e);
            IllegalStateException failed = new IllegalStateException("database: commit failed: " + e.getMessage(), e);
            group.forEach(j -> j.result().completeExceptionally(failed));
            return;
        }
        for (Runnable action : after) {
            try {
                action.run();
            } catch (RuntimeException e) {
                log.error("SQLite writer: after-commit action failed: {}", e.toString(), e);
            }
        }
        for (int i = 0; i < group.size(); i++) {
            complete(group.get(i), results.get(i), failures.get(i));
        }
    }

    private static void runBetween(Job<?> job) {
        try {
            job.between().run();
            ((CompletableFuture<?>) job.result()).complete(null);
        } catch (RuntimeException e) {
            job.result().completeExceptionally(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Job<T> job, Object value, Throwable failure) {
        if (failure != null) {
            job.result().completeExceptionally(failure);
        } else {
            job.result().complete((T) value);
        }
    }

    private static void undo(Connection c, boolean alone, Throwable failure) {
        try {
            if (alone) {
                c.rollback();
            } else {
                exec(c, "ROLLBACK TO zg_work");
                exec(c, "RELEASE zg_work");
            }
        } catch (SQLException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    private static void rollback(Connection c, Exception e) {
        try {
            c.rollback();
        } catch (SQLException suppressed) {
            e.addSuppressed(suppressed);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) { // compiled once per connection (StatementCache)
            s.execute();
        }
    }

    private static void failAll(Iterable<? extends Job<?>> jobs) {
        IllegalStateException closedError = new IllegalStateException("database: the store is closed");
        for (Job<?> j : jobs) {
            j.result().completeExceptionally(closedError);
        }
    }

    /** Finishes the work queued so far, then stops the thread and closes both connections. */
    @Override
    public void close() {
        closed = true;
        queue.add(STOP);
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            fastConn.close();
            durableConn.close();
        } catch (SQLException ignored) {
            // closing: nothing left to protect
        }
    }
}
