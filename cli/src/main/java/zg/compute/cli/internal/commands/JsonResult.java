package zg.compute.cli.internal.commands;

import java.util.Optional;

/** A command whose {@code --json} result is printed by the command line after it ran successfully. */
public interface JsonResult {

    Optional<String> jsonResult();
}
