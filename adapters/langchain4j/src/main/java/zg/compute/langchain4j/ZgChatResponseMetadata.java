package zg.compute.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import java.math.BigInteger;
import java.util.Objects;
import zg.compute.sdk.ResponseVerification;

/**
 * {@link ChatResponseMetadata} of a 0G answer: besides id, model, usage and finish reason, the provider, the chat id
 * its TEE signature was fetched by ({@code ZG-Res-Key}), whether that signature covers exactly the bytes exchanged,
 * and the fee counted (neuron).
 */
public class ZgChatResponseMetadata extends ChatResponseMetadata {

    private final String provider;
    private final String chatId;
    private final ResponseVerification verification;
    private final BigInteger fee;

    protected ZgChatResponseMetadata(Builder b) {
        super(b);
        this.provider = b.provider;
        this.chatId = b.chatId;
        this.verification = b.verification;
        this.fee = b.fee;
    }

    public String provider() {
        return provider;
    }

    public String chatId() {
        return chatId;
    }

    public ResponseVerification verification() {
        return verification;
    }

    /** The fee of this answer in neuron, as the SDK counts it (prompt × input + completion × output price). */
    public BigInteger fee() {
        return fee;
    }

    @Override
    public Builder toBuilder() {
        Builder b = (Builder) toBuilder(builder());
        return b.provider(provider).chatId(chatId).verification(verification).fee(fee);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZgChatResponseMetadata z && super.equals(o) && Objects.equals(provider, z.provider)
                && Objects.equals(chatId, z.chatId) && verification == z.verification && Objects.equals(fee, z.fee);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), provider, chatId, verification, fee);
    }

    @Override
    public String toString() {
        return "ZgChatResponseMetadata{id=" + id() + ", modelName=" + modelName() + ", tokenUsage=" + tokenUsage()
                + ", finishReason=" + finishReason() + ", provider=" + provider + ", chatId=" + chatId
                + ", verification=" + verification + ", fee=" + fee + "}";
    }

    public static class Builder extends ChatResponseMetadata.Builder<Builder> {
        private String provider;
        private String chatId;
        private ResponseVerification verification;
        private BigInteger fee;

        public Builder provider(String provider) {
            this.provider = provider;
            return this;
        }

        public Builder chatId(String chatId) {
            this.chatId = chatId;
            return this;
        }

        public Builder verification(ResponseVerification verification) {
            this.verification = verification;
            return this;
        }

        public Builder fee(BigInteger fee) {
            this.fee = fee;
            return this;
        }

        @Override
        public ZgChatResponseMetadata build() {
            return new ZgChatResponseMetadata(this);
        }
    }
}
