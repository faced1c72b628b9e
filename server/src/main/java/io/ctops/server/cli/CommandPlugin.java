package io.ctops.server.cli;

import java.util.ServiceLoader;
import picocli.CommandLine;

/**
 * A top-level {@code ctops} command that lives in another module of the distribution (the load
 * tester), found on the class path with {@link ServiceLoader}. This is the one place the command
 * tree is not wired by hand: the load tester depends on the server (it removes hosts through the
 * server's own code), so the server cannot name it. It is given the same context as the built-in
 * commands; its {@link UserError}s print one line and exit 1 like theirs.
 */
public interface CommandPlugin {
  /** The command's name, e.g. {@code loadtest}. */
  String name();

  /** The command (with any subcommands) ready to add under {@code ctops}. */
  CommandLine command(CliContext context);

  /** Adds every plugin on the class path to {@code root}. */
  static void addAll(CommandLine root, CliContext context) {
    for (CommandPlugin plugin : ServiceLoader.load(CommandPlugin.class)) {
      root.addSubcommand(plugin.name(), plugin.command(context));
    }
  }
}
