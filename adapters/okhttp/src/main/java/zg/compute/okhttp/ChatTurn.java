package zg.compute.okhttp;

/** One message of an OpenAI chat request: {@code role} ({@code system}, {@code user}, {@code assistant}) and text. */
public record ChatTurn(String role, String content) {

    public static ChatTurn system(String text) {
        return new ChatTurn("system", text);
    }

    public static ChatTurn user(String text) {
        return new ChatTurn("user", text);
    }

    public static ChatTurn assistant(String text) {
        return new ChatTurn("assistant", text);
    }
}
