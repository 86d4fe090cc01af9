package examples;

import java.util.Map;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import zg.compute.springai.ZgChatModel;

/**
 * A Spring Boot application: the starter configures a verifying Spring AI {@code ChatModel} from {@code zg.compute.*}
 * (here filled from devnet.json; in a real app from application.properties, the key from ZG_PRIVATE_KEY).
 */
@SpringBootApplication
public class SpringApp {

    public static void main(String[] args) throws Exception {
        DevnetFile devnet = DevnetFile.load();
        SpringApplication app = new SpringApplication(SpringApp.class);
        app.setDefaultProperties(Map.of("zg.compute.rpc", devnet.rpc(),
                "zg.compute.provider", devnet.provider("chatbot"),
                "ZG_PRIVATE_KEY", System.getenv().getOrDefault("ZG_PRIVATE_KEY", devnet.userKey())));
        SpringApplication.exit(app.run(args));
    }

    @Bean
    CommandLineRunner ask(ChatModel chat) {
        return args -> {
            ChatResponse r = chat.call(new Prompt("What is 0G Compute?"));
            System.out.println("Spring AI: " + r.getResult().getOutput().getText());
            System.out.println("Spring AI verification: " + r.getMetadata().get(ZgChatModel.VERIFICATION) + ", fee "
                    + r.getMetadata().get(ZgChatModel.FEE) + " neuron");
        };
    }
}
