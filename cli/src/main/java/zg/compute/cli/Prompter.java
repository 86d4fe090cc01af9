package zg.compute.cli;

/** Asks a person something. A non-interactive prompter (no terminal) refuses with a hint instead of blocking. */
public interface Prompter {

    /** Whether there is somebody to ask. */
    boolean interactive();

    /** A visible answer, or null at end of input. */
    String readLine(String prompt);

    /** A hidden answer (passphrases, keys); the caller wipes the array after use. */
    char[] readSecret(String prompt);
}
