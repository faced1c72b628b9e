package io.ctops.server.cli;

import io.ctops.server.platform.pki.DevelopmentCertificate;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ctops dev-tls}: a self-signed server certificate for development and trials. */
@Command(
    name = "dev-tls",
    description =
        "Create a self-signed TLS certificate and key for the ingest server (development and trials). Valid for localhost, 127.0.0.1, ::1 and this machine's hostname. Agents trust it by setting ca_cert_file to the certificate. Use a real certificate in production.",
    mixinStandardHelpOptions = true)
final class DevTlsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Directory for server.crt and server.key. Default: ${DEFAULT-VALUE}.",
      defaultValue = "deploy/dev-tls")
  Path out;

  @Option(
      names = "--hostname",
      paramLabel = "NAME",
      description = "Another DNS name the certificate is valid for (repeatable).")
  List<String> hostnames = List.of();

  @Option(names = "--force", description = "Replace an existing certificate and key.")
  boolean force;

  @Override
  public Integer call() {
    Path certificate = out.resolve("server.crt");
    Path key = out.resolve("server.key");
    PrintWriter stdout = spec.commandLine().getOut();
    if (!force && (Files.exists(certificate) || Files.exists(key))) {
      throw new UserError(
          certificate + " or " + key + " already exists; use --force to replace them");
    }
    Set<String> names = new LinkedHashSet<>(DevelopmentCertificate.defaultHostnames());
    names.addAll(hostnames);
    try {
      DevelopmentCertificate.create(names).writeTo(certificate, key);
    } catch (IOException e) {
      throw new UserError("cannot write to " + out + ": " + e);
    }
    stdout.println("Wrote " + certificate.toAbsolutePath() + " (certificate)");
    stdout.println("Wrote " + key.toAbsolutePath() + " (private key, mode 0600)");
    stdout.println("Valid for: " + String.join(", ", names) + ", 127.0.0.1, ::1");
    stdout.println(
        "Server: INGEST_TLS_CERT="
            + certificate.toAbsolutePath()
            + " INGEST_TLS_KEY="
            + key.toAbsolutePath());
    stdout.println("Agents: ca_cert_file = \"" + certificate.toAbsolutePath() + "\"");
    stdout.flush();
    return 0;
  }
}
