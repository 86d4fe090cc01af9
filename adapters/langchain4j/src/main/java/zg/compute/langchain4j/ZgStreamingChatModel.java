package zg.compute.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import zg.compute.langchain4j.internal.ChatMapping;
import zg.compute.okhttp.ChatResult;
import zg.compute.okhttp.ZgProviderClient;
import zg.compute.sdk.InferenceBroker;

/**
 * A LangChain4j {@link StreamingChatModel} answered by a 0G chat provider: each piece of text goes to
 * {@code onPartialResponse} as it arrives; {@code onCompleteResponse} gets the whole answer with a
 * {@link ZgChatResponseMetadata} — the signature is checked over the whole stream, so only then. The call runs on
 * the caller's thread and returns when the stream has ended.
 */
public final class ZgStreamingChatModel implements StreamingChatModel {

    private final ZgProviderClient client;

    public ZgStreamingChatModel(ZgProviderClient client) {
        this.client = client;
    }

    public static ZgStreamingChatModel of(InferenceBroker inference, String provider) {
        return new ZgStreamingChatModel(ZgProviderClient.create(inference, provider));
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        ChatResult r;
        try {
            r = client.chatStream(ChatMapping.turns(request), request.modelName(), ChatMapping.parameters(request),
                    handler::onPartialResponse);
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        handler.onCompleteResponse(ChatMapping.response(client.provider(), r));
    }
}
