package zg.compute.provider.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;
import zg.compute.protocol.units.Units;

/**
 * Prometheus metrics of the broker. Label values are fixed sets (route names, rejection reasons), never
 * raw paths or addresses, so cardinality stays bounded. Fees are exported in 0G (a double is fine
 * for a dashboard; the exact amounts live in the store).
 */
public final class BrokerMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter billed;
    private final Counter settled;
    private final Timer upstream;
    private final Timer billing;

    /** @param oldestUnsettledMillis creation time of the oldest billed, unsettled request, 0 if none */
    public BrokerMetrics(LongSupplier oldestUnsettledMillis, Clock clock) {
        billed = Counter.builder("zg_broker_fees_billed_og").description("fees billed to users, in 0G")
                .register(registry);
        settled = Counter.builder("zg_broker_fees_settled_og").description("fees settled on chain, in 0G")
                .register(registry);
        upstream = histogram("zg_broker_upstream", "time to the upstream's response headers");
        billing = histogram("zg_broker_billing", "time from the end of an upstream answer to its bill's commit"
                + " (charge, signature, store): the client's answer waits for it");
        Gauge.builder("zg_broker_settlement_lag_seconds", () -> {
            long oldest = oldestUnsettledMillis.getAsLong();
            return oldest == 0 ? 0 : Math.max(0, clock.millis() - oldest) / 1000.0;
        }).description("age of the oldest billed fee not yet settled").register(registry);
    }

    public void request(String route, String outcome) {
        registry.counter("zg_broker_requests", "route", route, "outcome", outcome).increment();
    }

    public void rejected(String reason) {
        registry.counter("zg_broker_rejections", "reason", reason).increment();
    }

    public void billed(BigInteger neuron) {
        billed.increment(Units.neuronToOg(neuron).doubleValue());
    }

    public void settled(BigInteger neuron) {
        settled.increment(Units.neuronToOg(neuron).doubleValue());
    }

    public void upstreamLatency(Duration d) {
        upstream.record(d);
    }

    public void billingLatency(Duration d) {
        billing.record(d);
    }

    /** A timer with Prometheus buckets from 100 µs to 60 s, so quantiles can be taken over any window. */
    private Timer histogram(String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
    }

    /** Prometheus text exposition format. */
    public String scrape() {
        return registry.scrape();
    }

    /** The rejection reason label for an error text of §11.1/§11.2. */
    public static String reasonOf(String error) {
        if (error.startsWith("validate session")) {
            return "auth";
        }
        if (error.startsWith("insufficient balance")) {
            return "balance";
        }
        if (error.startsWith("get account")) {
            return "account";
        }
        if (error.contains("acknowledge")) {
            return "acknowledgement";
        }
        if (error.startsWith("too many concurrent")) {
            return "concurrency";
        }
        if (error.startsWith("you can only")) {
            return "forbidden";
        }
        return "request";
    }
}
