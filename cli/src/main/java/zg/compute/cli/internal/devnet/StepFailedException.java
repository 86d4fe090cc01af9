package zg.compute.cli.internal.devnet;

/** A {@code devnet up} step that failed; the message names the step and why. */
public final class StepFailedException extends RuntimeException {

    public StepFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
