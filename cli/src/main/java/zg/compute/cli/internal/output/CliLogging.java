package zg.compute.cli.internal.output;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The CLI's logging, set up in code when {@link #PROPERTY} is set (the CLI's main does): library logs only as
 * warnings on stderr ({@code ZG_LOG_LEVEL=DEBUG} for more), the CLI's own output being on stdout. In code rather
 * than a logback XML file because parsing that file (an XML parser, logback's configuration model) was a
 * measurable part of every command's start. Elsewhere (tests, a broker) the next configurator runs as usual.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class CliLogging extends ContextAwareBase implements Configurator {

    public static final String PROPERTY = "zg.cli.logging";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(PROPERTY) == null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        String env = System.getenv("ZG_LOG_LEVEL");
        Level level = env == null || env.isBlank() ? null : Level.toLevel(env.trim(), Level.WARN);

        ConsoleAppender<ILoggingEvent> err = new ConsoleAppender<>();
        err.setContext(context);
        err.setName("ERR");
        err.setTarget("System.err");
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        Line layout = new Line();
        layout.setContext(context);
        layout.start();
        encoder.setLayout(layout);
        encoder.start();
        err.setEncoder(encoder);
        err.start();

        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level != null ? level : Level.WARN);
        root.addAppender(err);
        // The commands that start a broker (provider start, devnet up) report the TEE acknowledgement themselves.
        context.getLogger("zg.compute.provider.internal.registration.ServiceRegistrar")
                .setLevel(level != null ? level : Level.ERROR);
        // inference serve / router-serve: every automatic top-up (amount, provider, reason) is worth seeing.
        context.getLogger("zg.compute.sdk.InferenceBroker").setLevel(level != null ? level : Level.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** {@code LEVEL Logger: message}, and the exception's first line when there is one. */
    static final class Line extends LayoutBase<ILoggingEvent> {
        @Override
        public String doLayout(ILoggingEvent e) {
            String name = e.getLoggerName();
            StringBuilder b = new StringBuilder().append(e.getLevel()).append(' ')
                    .append(name.substring(name.lastIndexOf('.') + 1)).append(": ").append(e.getFormattedMessage());
            IThrowableProxy t = e.getThrowableProxy();
            if (t != null) {
                b.append(" (").append(t.getClassName()).append(": ").append(t.getMessage()).append(')');
            }
            return b.append(System.lineSeparator()).toString();
        }
    }
}
