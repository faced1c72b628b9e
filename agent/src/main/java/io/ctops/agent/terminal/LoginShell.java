package io.ctops.agent.terminal;

import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.host.HostTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which shell a session gets: the login shell of {@code [terminal] user} (default: the agent's own
 * user) from the password file, in that user's home, as a login shell. The host's configuration
 * alone decides the user: the server's request names one too, but the server does not choose who
 * runs commands on this host. Another user's shell needs an agent running as root, and starts
 * through {@code runuser -l}, which asks no password.
 */
final class LoginShell {
  static final String DISABLED =
      "terminals are disabled on this host ([terminal] enabled = false in agent.toml)";
  static final String ROOT_REFUSED =
      "refusing a root shell: set [terminal] allow_root = true in agent.toml to allow it";
  static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** What to do with a session request. */
  sealed interface Plan permits Start, Refused {}

  /** Start {@code command} in {@code directory} with exactly {@code environment}. */
  record Start(String user, List<String> command, Map<String, String> environment, Path directory)
      implements Plan {}

  /** No shell: the session ends at once with this reason. */
  record Refused(String reason) implements Plan {}

  /** A line of the password file. */
  record Account(String name, int uid, Path home, String shell) {}

  private final AgentConfig.Terminal settings;
  private final HostTools tools;
  private final Path passwd;
  private final int agentUid;

  LoginShell(AgentConfig.Terminal settings, HostTools tools, Path passwd, int agentUid) {
    this.settings = settings;
    this.tools = tools;
    this.passwd = passwd;
    this.agentUid = agentUid;
  }

  Plan plan() {
    if (!settings.enabled()) {
      return new Refused(DISABLED);
    }
    Optional<Account> own = byUid(agentUid);
    String wanted =
        settings.user().orElseGet(() -> own.map(Account::name).orElse(String.valueOf(agentUid)));
    Optional<Account> found = byName(wanted);
    if (found.isEmpty()) {
      return new Refused(
          "cannot start a shell as '"
              + wanted
              + "': no such user in "
              + passwd
              + " (set [terminal] user in agent.toml)");
    }
    Account user = found.get();
    if (user.uid() == 0 && !settings.allowRoot()) {
      return new Refused(ROOT_REFUSED);
    }
    // A service account (the bundle's ct-ops user) has no shell: say so rather than start one
    // that prints "This account is currently not available." and exits.
    String shellName = Path.of(user.shell()).getFileName().toString();
    if (shellName.equals("nologin") || shellName.equals("false")) {
      return new Refused(
          "cannot start a shell as '"
              + user.name()
              + "': its login shell is "
              + user.shell()
              + "; set [terminal] user in agent.toml to a user with a shell");
    }
    Map<String, String> environment = environment(user);
    Path home = Files.isDirectory(user.home()) ? user.home() : Path.of("/");
    if (user.uid() == agentUid) {
      return new Start(user.name(), List.of(user.shell(), "-l"), environment, home);
    }
    String agentUser = own.map(Account::name).orElse("uid " + agentUid);
    if (agentUid != 0) {
      return new Refused(
          "cannot start a shell as '"
              + user.name()
              + "': the agent runs as '"
              + agentUser
              + "' and only an agent running as root may start another user's shell;"
              + " set [terminal] user = \""
              + agentUser
              + "\" in agent.toml or run the agent as root");
    }
    Optional<Path> runuser = tools.find("runuser");
    if (runuser.isEmpty()) {
      return new Refused(
          "cannot start a shell as '"
              + user.name()
              + "': runuser (util-linux), which starts another user's shell, is not installed");
    }
    return new Start(
        user.name(), List.of(runuser.get().toString(), "-l", user.name()), environment, home);
  }

  private Map<String, String> environment(Account user) {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("TERM", "xterm-256color");
    environment.put("HOME", user.home().toString());
    environment.put("USER", user.name());
    environment.put("LOGNAME", user.name());
    environment.put("SHELL", user.shell());
    environment.put("PATH", PATH);
    settings.lang().ifPresent(lang -> environment.put("LANG", lang));
    return environment;
  }

  Optional<Account> byName(String name) {
    return accounts().stream().filter(account -> account.name().equals(name)).findFirst();
  }

  Optional<Account> byUid(int uid) {
    return accounts().stream().filter(account -> account.uid() == uid).findFirst();
  }

  /** The password file's accounts; a line that does not parse is skipped. */
  private List<Account> accounts() {
    List<String> lines;
    try {
      lines = Files.readAllLines(passwd);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + passwd, e);
    }
    return lines.stream()
        .map(line -> line.split(":", -1))
        .filter(fields -> fields.length >= 7 && fields[2].matches("\\d{1,10}"))
        .map(
            fields ->
                new Account(
                    fields[0],
                    (int) Long.parseLong(fields[2]),
                    Path.of(fields[5].isEmpty() ? "/" : fields[5]),
                    fields[6].isBlank() ? "/bin/sh" : fields[6]))
        .toList();
  }
}
