package io.ctops.server.checks;

import io.ctops.protocol.checks.CheckConfig;
import java.util.Locale;

/**
 * What a check checks, in words for lists: "port 22 on 127.0.0.1", "GET https://x/health → 200".
 * Read from the parameters as agents read them, so the words say what runs, defaults included.
 */
final class CheckWords {
  private CheckWords() {}

  static String of(CheckSpec spec) {
    CheckConfig parameters;
    try {
      parameters = spec.parameters();
    } catch (CheckConfig.InvalidCheckException e) {
      // saved under older rules than this release's: say so rather than fail the page
      return "parameters not valid any more: " + e.getMessage();
    }
    return switch (parameters) {
      case CheckConfig.Port p -> "port " + p.port() + " on " + p.host();
      case CheckConfig.Process p -> process(p);
      case CheckConfig.Http h -> http(h);
      case CheckConfig.Certificate c ->
          "certificate on "
              + c.host()
              + ":"
              + c.port()
              + c.serverName().map(n -> " (server name " + n + ")").orElse("");
      case CheckConfig.CertFile c ->
          "certificate file "
              + c.filePath()
              + " ("
              + c.format().toUpperCase(Locale.ROOT)
              + c.alias().map(a -> ", alias " + a).orElse("")
              + ")";
      case CheckConfig.Service s -> "systemd unit " + s.unit() + " active";
      case CheckConfig.File f -> file(f);
      case CheckConfig.ServiceAccount a ->
          "accounts, human uids " + a.minHumanUid() + " to " + a.maxHumanUid();
      case CheckConfig.SshKeyScan k -> sshKeys(k);
    };
  }

  private static String process(CheckConfig.Process p) {
    String name =
        "process " + p.processName() + (p.matchCommandLine() ? " (in the command line)" : "");
    if (p.maxCount().isEmpty()) {
      return p.minCount() == 1 ? name + " running" : "at least " + p.minCount() + " × " + name;
    }
    int max = p.maxCount().getAsInt();
    if (max == 0) {
      return name + " not running";
    }
    return (p.minCount() == max ? "exactly " + max : p.minCount() + " to " + max) + " × " + name;
  }

  private static String http(CheckConfig.Http h) {
    StringBuilder words = new StringBuilder("GET " + h.url() + " → " + h.expectedStatus());
    h.bodyContains().ifPresent(text -> words.append(", body contains \"").append(text).append('"'));
    h.bodyRegex().ifPresent(regex -> words.append(", body matches /").append(regex).append('/'));
    if (h.followRedirects()) {
      words.append(", redirects followed");
    }
    if (!h.verifyTls()) {
      words.append(", TLS not verified");
    }
    return words.toString();
  }

  private static String sshKeys(CheckConfig.SshKeyScan k) {
    StringBuilder words = new StringBuilder("SSH authorized keys of every user");
    if (!k.scanPaths().isEmpty()) {
      words.append(" and in ").append(String.join(", ", k.scanPaths()));
    }
    if (!k.skipPaths().isEmpty()) {
      words.append(", skipping ").append(String.join(", ", k.skipPaths()));
    }
    return words.toString();
  }

  private static String file(CheckConfig.File f) {
    if (!f.mustExist()) {
      return "file " + f.path() + " absent";
    }
    StringBuilder words = new StringBuilder("file " + f.path() + " exists");
    if (f.modifiedWithinMinutes().isPresent()) {
      words
          .append(", modified within ")
          .append(f.modifiedWithinMinutes().getAsInt())
          .append(" min");
    }
    if (f.maxBytes().isPresent()) {
      words.append(", at most ").append(f.maxBytes().getAsLong()).append(" bytes");
    }
    return words.toString();
  }
}
