package zg.compute.bench.load;

import java.util.ArrayList;
import java.util.List;

/** The fixed chat exchange every target serves: the request wrk sends and the upstream's JSON and SSE answers. */
final class Fixture {

    static final String MODEL = "bench-model";
    static final int OUTPUT_TOKENS = 32;
    static final int PROMPT_TOKENS = 12;

    static String request(boolean stream) {
        return "{\"model\":\"" + MODEL + "\",\"stream\":" + stream + ",\"max_tokens\":64,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"measure what the broker adds to a chat completion please\"}]}";
    }

    private static List<String> words() {
        List<String> w = new ArrayList<>();
        for (int i = 0; i < OUTPUT_TOKENS; i++) {
            w.add("word" + i + " ");
        }
        return w;
    }

    private static String usage() {
        return "{\"prompt_tokens\":" + PROMPT_TOKENS + ",\"completion_tokens\":" + OUTPUT_TOKENS
                + ",\"total_tokens\":" + (PROMPT_TOKENS + OUTPUT_TOKENS) + "}";
    }

    /** An OpenAI/vLLM-shaped chat completion with usage. */
    static String json() {
        return "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"" + MODEL
                + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                + String.join("", words()).strip() + "\"},\"finish_reason\":\"stop\"}],\"usage\":" + usage() + "}";
    }

    /** The same answer as a vLLM-shaped stream: one event per token, a usage event, {@code [DONE]}. */
    static String sse() {
        StringBuilder sb = new StringBuilder();
        String head = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"" + MODEL + "\",\"choices\":";
        for (String w : words()) {
            sb.append(head).append("[{\"index\":0,\"delta\":{\"content\":\"").append(w)
                    .append("\"},\"finish_reason\":null}]}\n\n");
        }
        sb.append(head).append("[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        sb.append(head).append("[],\"usage\":").append(usage()).append("}\n\n");
        return sb.append("data: [DONE]\n\n").toString();
    }

    private Fixture() {
    }
}
