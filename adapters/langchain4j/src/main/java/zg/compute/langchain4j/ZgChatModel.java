package zg.compute.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import zg.compute.langchain4j.internal.ChatMapping;
import zg.compute.okhttp.ZgProviderClient;
import zg.compute.sdk.InferenceBroker;

/**
 * A LangChain4j {@link ChatModel} answered by a 0G chat provider: fresh auth per request, the TEE signature checked
 * over the exact bytes and the fee counted; both are in the {@link ZgChatResponseMetadata} of each response.
 *
 * <pre>{@code
 * ChatModel model = ZgChatModel.of(broker.inference(), provider);
 * ChatResponse r = model.chat(UserMessage.from("Hello"));
 * ((ZgChatResponseMetadata) r.metadata()).verification();   // VERIFIED
 * Assistant a = AiServices.create(Assistant.class, model);   // works in AI Services
 * }</pre>
 *
 * Text messages only (system, user, assistant); tool specifications are refused with a clear error.
 */
public final class ZgChatModel implements ChatModel {

    private final ZgProviderClient client;

    public ZgChatModel(ZgProviderClient client) {
        this.client = client;
    }

    /** For {@code provider}'s default model. */
    public static ZgChatModel of(InferenceBroker inference, String provider) {
        return new ZgChatModel(ZgProviderClient.create(inference, provider));
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        return ChatMapping.response(client.provider(), client.chat(ChatMapping.turns(request), request.modelName(),
                ChatMapping.parameters(request)));
    }
}
