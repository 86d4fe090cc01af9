package zg.compute.cli;

/** A failure whose message is already meant for the user (printed without a stack trace). */
public class CliException extends RuntimeException {

    public CliException(String message) {
        super(message);
    }

    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
