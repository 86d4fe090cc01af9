package examples;

import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import zg.compute.langchain4j.ZgChatModel;
import zg.compute.langchain4j.ZgChatResponseMetadata;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** A LangChain4j AI Service on a 0G chat provider; prints the answer and its verification. */
public final class Assistant {

    interface Helper {
        Result<String> answer(String question);
    }

    public static void main(String[] args) throws Exception {
        DevnetFile devnet = DevnetFile.load();
        String provider = devnet.provider("chatbot");
        try (ZGComputeNetworkBroker broker = devnet.broker()) {
            broker.inference().acknowledgeProviderSigner(provider);
            Helper helper = AiServices.create(Helper.class, ZgChatModel.of(broker.inference(), provider));
            Result<String> r = helper.answer("What is 0G Compute?");
            ZgChatResponseMetadata meta = (ZgChatResponseMetadata) r.finalResponse().metadata();
            System.out.println("LangChain4j AI Service: " + r.content());
            System.out.println("LangChain4j verification: " + meta.verification() + ", fee " + meta.fee() + " neuron");
        }
    }
}
