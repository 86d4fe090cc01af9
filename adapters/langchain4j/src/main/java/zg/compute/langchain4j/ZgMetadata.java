package zg.compute.langchain4j;

/**
 * Keys of the 0G facts in the {@code metadata()} map of an embedding or image {@code Response} (chat responses carry
 * them typed, in {@link ZgChatResponseMetadata}).
 */
public final class ZgMetadata {

    /** The provider's address. */
    public static final String PROVIDER = "zg.provider";
    /** The {@code ZG-Res-Key} the TEE signature was fetched by. */
    public static final String CHAT_ID = "zg.chatId";
    /** A {@link zg.compute.sdk.ResponseVerification}: VERIFIED only when the signature covers exactly these bytes. */
    public static final String VERIFICATION = "zg.verification";
    /** The fee counted for this answer, a {@link java.math.BigInteger} in neuron. */
    public static final String FEE = "zg.fee";

    private ZgMetadata() {
    }
}
