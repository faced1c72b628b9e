package io.ctops.server.enrolment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-line install as a host runs it: the real {@code install.sh} in a bundle served by the web
 * app, the line from the API run by {@code sh} (with {@code sudo} standing in for an install under
 * a temporary root). A download altered after the line was shown installs nothing, and {@code
 * install.sh} refuses what does not match its pins by itself.
 */
@ExtendWith(FreshDatabase.class)
class PinnedInstallTest {
  private static final Path BUNDLE_SCRIPTS = Path.of("../dist/src/main/agent-bundle");
  private static final String FOLDER = "ct-ops-agent-9.9.9";

  @TempDir Path dir;

  /** A bundle with the real installers; {@code installer} replaces install.sh when given. */
  private void writeBundle(Path zip, Optional<String> installer) throws IOException {
    try (OutputStream out = Files.newOutputStream(zip);
        ZipArchiveOutputStream archive = new ZipArchiveOutputStream(out)) {
      entry(archive, "agent.toml", "org_token = \"ctops_replace-with-your-token\"\n", 0644);
      entry(archive, "bin/ct-ops-agent", "#!/bin/sh\n", 0755);
      entry(archive, "lib/agent.jar", "jar", 0644);
      entry(archive, "runtime/bin/java", "#!/bin/sh\n", 0755);
      entry(
          archive,
          "install.sh",
          installer.orElse(Files.readString(BUNDLE_SCRIPTS.resolve("install.sh"))),
          0755);
      entry(
          archive, "uninstall.sh", Files.readString(BUNDLE_SCRIPTS.resolve("uninstall.sh")), 0755);
    }
  }

  private static void entry(ZipArchiveOutputStream archive, String name, String text, int mode)
      throws IOException {
    ZipArchiveEntry entry = new ZipArchiveEntry(FOLDER + "/" + name);
    entry.setUnixMode(0100000 | mode);
    archive.putArchiveEntry(entry);
    archive.write(text.getBytes(StandardCharsets.UTF_8));
    archive.closeArchiveEntry();
  }

  private record Run(int exitCode, String output) {}

  /** Runs a shell line in a fresh directory; {@code sudo} installs under {@code root} instead. */
  private Run run(String line, Path root) throws Exception {
    Path shims = Files.createDirectories(dir.resolve("shims"));
    Path sudo = shims.resolve("sudo");
    Files.writeString(sudo, "#!/bin/sh\nexec \"$@\" --root \"$CTOPS_TEST_ROOT\"\n");
    Files.setPosixFilePermissions(sudo, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path tmp = Files.createTempDirectory(dir, "tmp");
    ProcessBuilder builder = new ProcessBuilder("sh", "-c", line).redirectErrorStream(true);
    builder.directory(tmp.toFile());
    builder.environment().put("PATH", shims + ":" + System.getenv("PATH"));
    builder.environment().put("TMPDIR", tmp.toString());
    builder.environment().put("CTOPS_TEST_ROOT", root.toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), output);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static JsonNode createToken(WebClient admin) throws Exception {
    String body =
        admin
            .send(
                admin
                    .request("/api/v1/tokens")
                    .header("X-CSRF-Token", admin.csrf())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"pinned\"}"))
                    .build())
            .body();
    return new ObjectMapper().readTree(body);
  }

  @Test
  void theLineInstallsWhatWasPinnedAndNothingWhenADownloadChanged(Database database)
      throws Exception {
    Path zip = dir.resolve(FOLDER + "-linux-amd64.zip");
    writeBundle(zip, Optional.empty());
    Path ca = dir.resolve("server.crt");
    DevelopmentCertificate.create(Set.of("localhost")).writeTo(ca, dir.resolve("server.key"));
    String genuineCa = Files.readString(ca);
    int port = freePort();
    try (WebFixture web =
        WebFixture.on(
            database,
            port,
            new AgentDownloads(Optional.of(zip), Optional.of(ca), "http://127.0.0.1:" + port))) {
      JsonNode created = createToken(web.signedInAdmin());
      String line = created.get("install_command").asText();
      assertThat(created.get("bundle_sha256").asText()).isEqualTo(AgentDownloads.sha256(zip));
      assertThat(created.get("ca_sha256").asText()).isEqualTo(AgentDownloads.sha256(ca));

      Path root = dir.resolve("root");
      Run installed = run(line, root);
      assertThat(installed.exitCode()).as(installed.output()).isZero();
      assertThat(root.resolve("opt/ct-ops-agent/bin/ct-ops-agent")).isRegularFile();
      assertThat(root.resolve("etc/ct-ops/ca.crt")).hasContent(genuineCa);
      assertThat(root.resolve("etc/ct-ops/agent.toml"))
          .content()
          .contains("org_token = \"" + created.get("plain_token").asText() + "\"");

      // someone on the path (here: the server's own file) swaps the bundle for one of theirs
      Path marker = dir.resolve("their-installer-ran");
      writeBundle(zip, Optional.of("#!/bin/sh\ntouch '" + marker + "'\n"));
      Path tamperedRoot = dir.resolve("tampered-bundle");
      Run refused = run(line, tamperedRoot);
      assertThat(refused.exitCode()).isNotZero();
      assertThat(refused.output()).contains("agent.zip: FAILED");
      assertThat(marker).doesNotExist();
      assertThat(tamperedRoot).doesNotExist();

      writeBundle(zip, Optional.empty());
      DevelopmentCertificate.create(Set.of("evil.example")).writeTo(ca, dir.resolve("other.key"));
      Path otherCaRoot = dir.resolve("tampered-ca");
      Run caRefused = run(line, otherCaRoot);
      assertThat(caRefused.exitCode()).isNotZero();
      assertThat(caRefused.output()).contains("ca.crt: FAILED");
      assertThat(otherCaRoot).doesNotExist();
    }
  }

  @Test
  void installShRefusesACaCertificateOrBundleThatDoesNotMatchItsPin() throws Exception {
    Path zip = dir.resolve("agent.zip");
    writeBundle(zip, Optional.empty());
    Path ca = dir.resolve("ca.crt");
    DevelopmentCertificate.create(Set.of("localhost")).writeTo(ca, dir.resolve("ca.key"));
    String caPin = AgentDownloads.sha256(ca);
    String bundlePin = AgentDownloads.sha256(zip);
    Path unpacked = dir.resolve("unpacked");
    assertThat(run("unzip -q '" + zip + "' -d '" + unpacked + "'", dir).exitCode()).isZero();
    String installer = "sh '" + unpacked.resolve(FOLDER).resolve("install.sh") + "'";

    Path otherCa = dir.resolve("other.crt");
    DevelopmentCertificate.create(Set.of("evil.example")).writeTo(otherCa, dir.resolve("o.key"));
    Path root = dir.resolve("root");
    Run wrongCa =
        run(
            installer
                + " --root '"
                + root
                + "' --token t --address h:1 --ca-cert '"
                + otherCa
                + "' --ca-sha256 "
                + caPin,
            root);
    assertThat(wrongCa.exitCode()).isEqualTo(1);
    assertThat(wrongCa.output())
        .contains("the CA certificate")
        .contains("does not match its pinned SHA-256")
        .contains("nothing was installed");
    assertThat(root).doesNotExist();

    Path otherZip = dir.resolve("other.zip");
    writeBundle(otherZip, Optional.of("#!/bin/sh\n"));
    Run wrongBundle =
        run(
            installer
                + " --root '"
                + root
                + "' --token t --address h:1 --bundle '"
                + otherZip
                + "' --sha256 "
                + bundlePin,
            root);
    assertThat(wrongBundle.exitCode()).isEqualTo(1);
    assertThat(wrongBundle.output())
        .contains("the agent bundle")
        .contains("does not match its pinned SHA-256");
    assertThat(root).doesNotExist();

    Run notAHash =
        run(
            installer
                + " --root '"
                + root
                + "' --token t --address h:1 --bundle '"
                + zip
                + "' --sha256 abc",
            root);
    assertThat(notAHash.exitCode()).isEqualTo(1);
    assertThat(notAHash.output()).contains("is not a SHA-256");
    assertThat(root).doesNotExist();

    Run pinned =
        run(
            installer
                + " --root '"
                + root
                + "' --token t --address h:1 --bundle '"
                + zip
                + "' --sha256 "
                + bundlePin.toUpperCase(java.util.Locale.ROOT)
                + " --ca-cert '"
                + ca
                + "' --ca-sha256 "
                + caPin,
            root);
    assertThat(pinned.exitCode()).as(pinned.output()).isZero();
    assertThat(root.resolve("etc/ct-ops/ca.crt")).hasSameTextualContentAs(ca);
  }
}
