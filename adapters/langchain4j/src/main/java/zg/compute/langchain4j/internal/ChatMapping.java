package zg.compute.langchain4j.internal;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zg.compute.langchain4j.ZgChatResponseMetadata;
import zg.compute.okhttp.ChatResult;
import zg.compute.okhttp.ChatTurn;
import zg.compute.sdk.InvalidRequestException;

/** LangChain4j chat requests and responses to and from the OpenAI wire form (text messages; no tools yet). */
public final class ChatMapping {

    private ChatMapping() {
    }

    public static List<ChatTurn> turns(ChatRequest request) {
        if (request.toolSpecifications() != null && !request.toolSpecifications().isEmpty()) {
            throw new InvalidRequestException("Tools are not supported by the 0G LangChain4j adapter yet");
        }
        List<ChatTurn> turns = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            if (m instanceof SystemMessage s) {
                turns.add(ChatTurn.system(s.text()));
            } else if (m instanceof UserMessage u) {
                turns.add(ChatTurn.user(text(u)));
            } else if (m instanceof AiMessage a) {
                turns.add(ChatTurn.assistant(a.text() == null ? "" : a.text()));
            } else {
                throw new InvalidRequestException("Messages of type " + m.type() + " are not supported by the 0G "
                        + "LangChain4j adapter yet");
            }
        }
        return turns;
    }

    private static String text(UserMessage u) {
        StringBuilder b = new StringBuilder();
        for (Content c : u.contents()) {
            if (!(c instanceof TextContent t)) {
                throw new InvalidRequestException("Only text content is supported by the 0G chat adapter, got "
                        + c.type());
            }
            b.append(b.length() == 0 ? "" : "\n").append(t.text());
        }
        return b.toString();
    }

    /** The request's OpenAI parameters (null ones are left out of the JSON). */
    public static Map<String, Object> parameters(ChatRequest r) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("temperature", r.temperature());
        p.put("top_p", r.topP());
        p.put("max_tokens", r.maxOutputTokens());
        p.put("frequency_penalty", r.frequencyPenalty());
        p.put("presence_penalty", r.presencePenalty());
        p.put("stop", r.stopSequences() == null || r.stopSequences().isEmpty() ? null : r.stopSequences());
        return p;
    }

    public static ChatResponse response(String provider, ChatResult r) {
        ZgChatResponseMetadata.Builder meta = ZgChatResponseMetadata.builder()
                .id(r.id())
                .modelName(r.model())
                .finishReason(finishReason(r.finishReason()))
                .provider(provider)
                .chatId(r.outcome().chatId())
                .verification(r.outcome().verification())
                .fee(r.outcome().fee());
        if (r.promptTokens() >= 0 && r.completionTokens() >= 0) {
            meta.tokenUsage(new TokenUsage((int) r.promptTokens(), (int) r.completionTokens()));
        }
        return ChatResponse.builder().aiMessage(AiMessage.from(r.text())).metadata(meta.build()).build();
    }

    private static FinishReason finishReason(String f) {
        if (f == null) {
            return null;
        }
        return switch (f) {
            case "stop" -> FinishReason.STOP;
            case "length" -> FinishReason.LENGTH;
            case "tool_calls", "function_call" -> FinishReason.TOOL_EXECUTION;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.OTHER;
        };
    }
}
