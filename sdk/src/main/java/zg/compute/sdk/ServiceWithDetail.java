package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.List;

/**
 * A service plus what the status service and its additionalInfo say about it. {@code health} and
 * {@code modelInfo} are null when the status service has nothing (or could not be reached).
 *
 * @param tieredPricing     {@code additionalInfo.tieredPricing.tiers}, empty when flat-priced
 * @param cacheTokenDivisor {@code additionalInfo.cacheTokenBilling.divisor}, null when absent
 */
public record ServiceWithDetail(ServiceInfo service, Health health, JsonNode modelInfo,
        List<PricingTier> tieredPricing, Long cacheTokenDivisor) {

    public ServiceWithDetail {
        tieredPricing = List.copyOf(tieredPricing);
    }

    /** Monitoring figures (not money): uptime in percent, response time in ms as the status service reports. */
    public record Health(String status, Double uptime, Double avgResponseTime, String lastCheck) {
    }

    /** A price tier: up to {@code maxInputTokens} (0 = unbounded) input tokens, prices times the multipliers. */
    public record PricingTier(long maxInputTokens, BigDecimal inputMultiplier, BigDecimal outputMultiplier) {
    }
}
