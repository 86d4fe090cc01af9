package examples;

import java.nio.file.Files;
import java.nio.file.Path;
import zg.compute.sdk.ImageRequest;
import zg.compute.sdk.ImageResult;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** Text to image: the signature covers the request and exactly the picture received. Writes image.png. */
public final class Image {

    public static void main(String[] args) throws Exception {
        DevnetFile devnet = DevnetFile.load();
        String provider = devnet.provider("text-to-image");
        try (ZGComputeNetworkBroker broker = devnet.broker()) {
            broker.inference().acknowledgeProviderSigner(provider);
            ImageResult r = broker.inference().images().generate(provider,
                    ImageRequest.of("a lighthouse at dusk").withSize("256x256"));
            Files.write(Path.of("image.png"), r.images().get(0));
            System.out.println("image.png: " + r.images().get(0).length + " bytes");
            System.out.println("verification: " + r.verification() + ", fee " + r.fee() + " neuron");
        }
    }
}
