package zg.compute.provider.internal.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps a SQLite connection's prepared statements for reuse: sqlite-jdbc compiles the SQL again on every
 * {@code prepareStatement}, which was a tenth of the writer thread's time on the request path. The returned
 * connection hands out one statement per SQL text; closing it only clears its parameters, closing the
 * connection closes them all. For a connection used by one thread at a time (the {@link SqliteWriter}).
 */
final class StatementCache {

    private StatementCache() {
    }

    static Connection wrap(Connection c) {
        Map<String, PreparedStatement> cached = new HashMap<>();
        InvocationHandler h = (proxy, method, args) -> {
            String name = method.getName();
            if (name.equals("prepareStatement") && args.length == 1 && args[0] instanceof String sql) {
                PreparedStatement ps = cached.get(sql);
                if (ps == null) {
                    ps = reusable(c.prepareStatement(sql));
                    cached.put(sql, ps);
                }
                return ps;
            }
            if (name.equals("close") && (args == null || args.length == 0)) {
                for (PreparedStatement ps : cached.values()) {
                    ((Reusable) Proxy.getInvocationHandler(ps)).statement.close();
                }
                cached.clear();
            }
            return call(method, c, args);
        };
        return (Connection) Proxy.newProxyInstance(StatementCache.class.getClassLoader(),
                new Class<?>[] {Connection.class}, h);
    }

    private static PreparedStatement reusable(PreparedStatement ps) {
        return (PreparedStatement) Proxy.newProxyInstance(StatementCache.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, new Reusable(ps));
    }

    /** A cached statement: {@code close} clears its parameters and leaves it open for the next use. */
    private record Reusable(PreparedStatement statement) implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("close") && (args == null || args.length == 0)) {
                statement.clearParameters();
                return null;
            }
            if (method.getName().equals("isClosed") && (args == null || args.length == 0)) {
                return false;
            }
            return call(method, statement, args);
        }
    }

    private static Object call(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } catch (IllegalAccessException e) {
            throw new SQLException("statement cache: " + e.getMessage(), e);
        }
    }
}
