package examples;

import zg.compute.sdk.FineTuningModel;
import zg.compute.sdk.FineTuningService;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * Fine-tuning, the read side: the services on chain and the predefined models of this network. `devnet up` starts
 * no fine-tuning provider; with one (`provider start` with a fineTuning: section) the flow continues as in
 * sdk/README.md: transferFund → uploadDatasetToTEE → createTask → getTask … → acknowledgeModel → decryptModel.
 */
public final class FineTuning {

    public static void main(String[] args) throws Exception {
        DevnetFile devnet = DevnetFile.load();
        try (ZGComputeNetworkBroker broker = devnet.broker()) {
            System.out.println("fine-tuning services: " + broker.fineTuning().listService(true).size());
            for (FineTuningService s : broker.fineTuning().listService(true)) {
                System.out.println("  " + s);
            }
            System.out.println("predefined models:");
            for (FineTuningModel m : broker.fineTuning().listModel()) {
                System.out.println("  " + m);
            }
        }
    }
}
