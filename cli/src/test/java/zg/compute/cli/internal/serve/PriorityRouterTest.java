package zg.compute.cli.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Selection rules of {@code router-serve} (sdk-cli.md §7.3), with a clock the test moves. */
class PriorityRouterTest {

    /** A clock that only moves when the test says so. */
    private static final class SteppedClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static final Target A = new EndpointTarget("a", "http://127.0.0.1:1/v1", "k", "m", "chatbot");
    private static final Target B = new EndpointTarget("b", "http://127.0.0.1:2/v1", "k", "m", "chatbot");
    private static final Target C = new EndpointTarget("c", "http://127.0.0.1:3/v1", "k", "m", "chatbot");
    private static final Target IMG = new EndpointTarget("img", "http://127.0.0.1:4/v1", "k", "m", "text-to-image");
    private static final Target EMB = new EndpointTarget("emb", "http://127.0.0.1:5/v1", "k", "m", "embedding");

    private final SteppedClock clock = new SteppedClock();

    private PriorityRouter router() {
        return new PriorityRouter(List.of(new PriorityRouter.Prioritised(A, 100), new PriorityRouter.Prioritised(B, 50),
                new PriorityRouter.Prioritised(C, 100)), Duration.ofSeconds(60), clock);
    }

    @Test
    void lowestNumberFirstAndEqualPrioritiesKeepTheirOrder() {
        assertThat(router().order("chatbot")).containsExactly(B, A, C);
    }

    @Test
    void aFailedTargetIsSkippedForSixtySecondsThenTriedAgain() {
        PriorityRouter r = router();
        r.failed(B, "HTTP 500");
        assertThat(r.order("chatbot")).containsExactly(A, C);
        TargetStatus b = r.status().get(0);
        assertThat(b.available()).isFalse();
        assertThat(b.unavailableUntil()).isEqualTo(clock.millis() + 60_000);
        assertThat(b.lastError()).isEqualTo("HTTP 500");

        clock.advance(Duration.ofSeconds(59));
        assertThat(r.order("chatbot")).containsExactly(A, C);
        clock.advance(Duration.ofSeconds(1));
        assertThat(r.order("chatbot")).containsExactly(B, A, C);
        assertThat(r.status().get(0).available()).isTrue();
        assertThat(r.status().get(0).lastError()).isNull();
    }

    @Test
    void whenEveryTargetIsMarkedAllAreReset() {
        PriorityRouter r = router();
        r.failed(A, "x");
        r.failed(B, "y");
        r.failed(C, "z");
        assertThat(r.status()).noneMatch(TargetStatus::available);
        assertThat(r.order("chatbot")).containsExactly(B, A, C);
        assertThat(r.status()).allMatch(TargetStatus::available);
    }

    @Test
    void eachRequestTriesOnlyTheTargetsOfItsServiceTypeAndTheirMarksResetAlone() {
        PriorityRouter r = new PriorityRouter(List.of(new PriorityRouter.Prioritised(A, 10),
                new PriorityRouter.Prioritised(IMG, 1), new PriorityRouter.Prioritised(EMB, 5),
                new PriorityRouter.Prioritised(B, 20)), Duration.ofSeconds(60), clock);
        assertThat(r.order("chatbot")).containsExactly(A, B);
        assertThat(r.order("text-to-image")).containsExactly(IMG);
        assertThat(r.order("speech-to-text")).isEmpty();

        r.failed(A, "x");
        r.failed(IMG, "y");
        assertThat(r.order("chatbot")).containsExactly(B);
        // the only image target is marked: it alone is reset, the chat mark stays
        assertThat(r.order("text-to-image")).containsExactly(IMG);
        assertThat(r.order("chatbot")).containsExactly(B);
        assertThat(r.status()).filteredOn(s -> s.target() == A).allMatch(s -> !s.available());
    }

    @Test
    void aRouterNeedsATarget() {
        assertThatThrownBy(() -> new PriorityRouter(List.of(), Duration.ofSeconds(60), clock))
                .hasMessage("router-serve needs at least one --add-provider or --add-endpoint");
    }
}
