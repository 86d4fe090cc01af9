package zg.compute.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the real command tree in-process with an injected environment, a temporary home/config dir,
 * captured streams and scripted prompt answers.
 */
final class CliRunner {

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }

        /** The last cell of the first table row whose first cell is {@code label}. */
        String cell(String label) {
            Matcher m = Pattern.compile("(?m)^\\| " + Pattern.quote(label) + " +\\|(.*)\\|$").matcher(out);
            if (!m.find()) {
                throw new AssertionError("no table row \"" + label + "\" in:\n" + out);
            }
            String[] cells = m.group(1).split("\\|");
            return cells[cells.length - 1].trim();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    final Path home;
    final Path workDir;
    final Map<String, String> env = new HashMap<>();
    final Deque<String> answers = new ArrayDeque<>();
    final List<String> prompts = new ArrayList<>();
    boolean interactive;

    CliRunner(Path home) {
        this.home = home;
        this.workDir = home;
        env.put("ZG_CONFIG_DIR", home.resolve("cfg").toString());
    }

    Path configDir() {
        return home.resolve("cfg");
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Prompter prompter = new Prompter() {
            @Override
            public boolean interactive() {
                return interactive;
            }

            @Override
            public String readLine(String prompt) {
                prompts.add(prompt);
                return answers.poll();
            }

            @Override
            public char[] readSecret(String prompt) {
                prompts.add(prompt);
                String a = answers.poll();
                return a == null ? null : a.toCharArray();
            }
        };
        CliContext ctx = new CliContext(env, home, workDir, null, new PrintWriter(out), new PrintWriter(err), prompter);
        int code = Root.run(ctx, args);
        return new Result(code, out.toString(), err.toString());
    }
}
