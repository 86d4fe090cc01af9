package zg.compute.springai;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import zg.compute.okhttp.ChatResult;
import zg.compute.okhttp.ChatTurn;
import zg.compute.okhttp.ZgProviderClient;
import zg.compute.sdk.InvalidRequestException;

/**
 * A Spring AI {@link ChatModel} answered by a 0G chat provider: fresh auth per request, the TEE signature checked
 * over the exact bytes, the fee counted. The response metadata holds {@value #VERIFICATION} (a
 * {@code ResponseVerification}), {@value #FEE} (neuron, a {@code BigInteger}), {@value #CHAT_ID} and
 * {@value #PROVIDER}. {@link #stream} emits one {@code ChatResponse} per piece of text and a last, empty one whose
 * metadata carries the verification of the whole stream. Text messages only (system, user, assistant).
 */
public class ZgChatModel implements ChatModel {

    public static final String VERIFICATION = "zg.verification";
    public static final String FEE = "zg.fee";
    public static final String CHAT_ID = "zg.chatId";
    public static final String PROVIDER = "zg.provider";

    private final ZgProviderClient client;

    public ZgChatModel(ZgProviderClient client) {
        this.client = client;
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        ChatOptions o = prompt.getOptions();
        return response(client.chat(turns(prompt), o == null ? null : o.getModel(), parameters(o)));
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        ChatOptions o = prompt.getOptions();
        List<ChatTurn> turns = turns(prompt);
        return Flux.<ChatResponse>create(sink -> {
            try {
                ChatResult r = client.chatStream(turns, o == null ? null : o.getModel(), parameters(o),
                        piece -> sink.next(new ChatResponse(List.of(new Generation(new AssistantMessage(piece))))));
                sink.next(last(r));
                sink.complete();
            } catch (RuntimeException e) {
                sink.error(e);
            }
        }).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public ChatOptions getDefaultOptions() {
        return ChatOptions.builder().model(client.model()).build();
    }

    /** The stream's closing response: no new text, the finish reason, usage and the verification of it all. */
    private ChatResponse last(ChatResult r) {
        Generation g = new Generation(new AssistantMessage(""),
                ChatGenerationMetadata.builder().finishReason(r.finishReason()).build());
        return new ChatResponse(List.of(g), metadata(r));
    }

    private ChatResponse response(ChatResult r) {
        Generation g = new Generation(new AssistantMessage(r.text()),
                ChatGenerationMetadata.builder().finishReason(r.finishReason()).build());
        return new ChatResponse(List.of(g), metadata(r));
    }

    private ChatResponseMetadata metadata(ChatResult r) {
        ChatResponseMetadata.Builder m = ChatResponseMetadata.builder()
                .id(r.id() == null ? "" : r.id())
                .model(r.model() == null ? client.model() : r.model())
                .keyValue(PROVIDER, client.provider())
                .keyValue(VERIFICATION, r.outcome().verification())
                .keyValue(FEE, r.outcome().fee());
        if (r.outcome().chatId() != null) {
            m.keyValue(CHAT_ID, r.outcome().chatId());
        }
        if (r.promptTokens() >= 0 && r.completionTokens() >= 0) {
            m.usage(new DefaultUsage((int) r.promptTokens(), (int) r.completionTokens()));
        }
        return m.build();
    }

    private static List<ChatTurn> turns(Prompt prompt) {
        List<ChatTurn> turns = new ArrayList<>();
        for (Message m : prompt.getInstructions()) {
            String role = switch (m.getMessageType()) {
                case SYSTEM -> "system";
                case USER -> "user";
                case ASSISTANT -> "assistant";
                default -> throw new InvalidRequestException("Messages of type " + m.getMessageType()
                        + " are not supported by the 0G Spring AI adapter yet");
            };
            turns.add(new ChatTurn(role, m.getText() == null ? "" : m.getText()));
        }
        return turns;
    }

    private static Map<String, Object> parameters(ChatOptions o) {
        Map<String, Object> p = new LinkedHashMap<>();
        if (o != null) {
            p.put("temperature", o.getTemperature());
            p.put("top_p", o.getTopP());
            p.put("max_tokens", o.getMaxTokens());
            p.put("frequency_penalty", o.getFrequencyPenalty());
            p.put("presence_penalty", o.getPresencePenalty());
            p.put("stop", o.getStopSequences() == null || o.getStopSequences().isEmpty() ? null : o.getStopSequences());
        }
        return p;
    }
}
