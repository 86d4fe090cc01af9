package zg.compute.cli.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The client's chat body: checked once, re-encoded per target with that target's model. */
class ChatBodyTest {

    @Test
    void theModelIsReplacedPerTargetAndEverythingElseKept() throws Exception {
        ChatBody b = ChatBody.parse(Buffer.buffer("{\"model\":\"gpt-4\",\"temperature\":0.2,\"stream\":\"true\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        assertThat(b.stream()).as("the official proxy also takes the string \"true\"").isTrue();
        JsonObject a = Buffer.buffer(b.forModel("model-a")).toJsonObject();
        JsonObject c = Buffer.buffer(b.forModel("model-b")).toJsonObject();
        assertThat(a.getString("model")).isEqualTo("model-a");
        assertThat(c.getString("model")).isEqualTo("model-b");
        assertThat(a.getDouble("temperature")).isEqualTo(0.2);
        assertThat(a.getBoolean("stream")).isTrue();
    }

    @Test
    void anArrayIsNotAChatRequest() {
        assertThatThrownBy(() -> ChatBody.parse(Buffer.buffer("[1]"))).isInstanceOf(ChatBody.Invalid.class)
                .hasMessage("the request body must be a JSON object");
        assertThatThrownBy(() -> ChatBody.parse(Buffer.buffer(""))).hasMessage("the request body must be a JSON object");
    }
}
