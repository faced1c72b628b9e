package io.ctops.server.enrolment;

import io.ctops.server.web.HttpProblem;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * What hosts download to become agents: the agent bundle ({@code GET /api/agent/download}), the CA
 * certificate agents trust ingest with ({@code GET /api/agent/ca.crt}), and, for hosts that cannot
 * reach the web server, the bundle with its {@code agent.toml} filled in (ingest address, CA
 * certificate, token). The first two are public: a bundle and a certificate are not secrets.
 */
public final class AgentDownloads {
  private final Optional<Path> bundle;
  private final Optional<Path> caCertificate;
  private final String baseUrl;

  public AgentDownloads(Optional<Path> bundle, Optional<Path> caCertificate, String baseUrl) {
    this.bundle = bundle.filter(Files::isReadable);
    this.caCertificate = caCertificate.filter(Files::isReadable);
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
  }

  public static AgentDownloads none(String baseUrl) {
    return new AgentDownloads(Optional.empty(), Optional.empty(), baseUrl);
  }

  public void routes(RoutesConfig routes) {
    routes.get("/api/agent/download", this::download);
    routes.get("/api/agent/ca.crt", this::caCertificate);
  }

  public boolean hasBundle() {
    return bundle.isPresent();
  }

  public boolean hasCaCertificate() {
    return caCertificate.isPresent();
  }

  private Path requireBundle() {
    return bundle.orElseThrow(
        () ->
            HttpProblem.notFound(
                "this installation has no agent bundle (it ships with the server tarball)"));
  }

  /** The bundle's top folder, e.g. {@code ct-ops-agent-1.2.0}. */
  String bundleFolder() {
    String name = requireBundle().getFileName().toString();
    return name.replaceFirst("-linux-amd64\\.zip$", "").replaceFirst("\\.zip$", "");
  }

  private void download(Context ctx) throws IOException {
    Path file = requireBundle();
    ctx.contentType("application/zip");
    ctx.header("Content-Disposition", "attachment; filename=\"" + file.getFileName() + "\"");
    ctx.header("Content-Length", Long.toString(Files.size(file)));
    try (InputStream in = Files.newInputStream(file)) {
      in.transferTo(ctx.outputStream());
    }
  }

  private void caCertificate(Context ctx) throws IOException {
    Path file =
        caCertificate.orElseThrow(
            () -> HttpProblem.notFound("ingest uses a publicly trusted certificate; no CA file"));
    ctx.contentType("application/x-pem-file").result(Files.readAllBytes(file));
  }

  /**
   * The one line that installs an agent on a host that can reach this web server, and the SHA-256
   * of each download it pins: the line checks both before it unpacks or runs anything (the
   * installer comes out of the zip, so only a check made before it runs can vouch for it), and
   * {@code install.sh} checks them again before it changes anything.
   */
  public record InstallCommand(String line, String bundleSha256, Optional<String> caSha256) {}

  /**
   * The pinned install line for a token, hashing the files as they are served now: an upgrade may
   * replace the bundle while the server runs, and hashing it takes a fraction of a second, once per
   * token an administrator creates.
   */
  public Optional<InstallCommand> installCommand(String token, String ingestAddress) {
    if (bundle.isEmpty()) {
      return Optional.empty();
    }
    String folder = bundleFolder();
    String bundleSha256 = sha256(bundle.get());
    Optional<String> caSha256 = caCertificate.map(AgentDownloads::sha256);
    StringBuilder line =
        new StringBuilder("cd \"$(mktemp -d)\" && curl -fsSL ")
            .append(baseUrl)
            .append("/api/agent/download -o agent.zip");
    if (caSha256.isPresent()) {
      line.append(" && curl -fsSL ").append(baseUrl).append("/api/agent/ca.crt -o ca.crt");
      line.append(" && printf '%s  agent.zip\\n%s  ca.crt\\n' ")
          .append(bundleSha256)
          .append(' ')
          .append(caSha256.get());
    } else {
      line.append(" && printf '%s  agent.zip\\n' ").append(bundleSha256);
    }
    line.append(" | sha256sum -c - && unzip -q agent.zip");
    line.append(" && sudo sh ").append(folder).append("/install.sh --token ").append(token);
    line.append(" --address ").append(ingestAddress);
    line.append(" --bundle agent.zip --sha256 ").append(bundleSha256);
    if (caSha256.isPresent()) {
      line.append(" --ca-cert ca.crt --ca-sha256 ").append(caSha256.get());
    }
    return Optional.of(new InstallCommand(line.toString(), bundleSha256, caSha256));
  }

  /** Whether hosts download over plain HTTP, where only the pinned hashes protect them. */
  public boolean isPlainHttp() {
    return baseUrl.regionMatches(true, 0, "http://", 0, "http://".length());
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] chunk = new byte[1 << 16];
      for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
        digest.update(chunk, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes the bundle with {@code agent.toml} filled in (and the CA certificate beside it) to
   * {@code out}; entries keep their Unix modes, so the runtime stays executable.
   */
  public void writeOfflineBundle(OutputStream out, String token, String ingestAddress) {
    String folder = bundleFolder();
    String caLine =
        caCertificate.isPresent() ? "ca_cert_file = \"/etc/ct-ops/ca.crt\"" : "ca_cert_file = \"\"";
    String toml =
        """
        # CT-Ops agent configuration, filled in by the web app for this enrolment token.
        # Install with: sudo sh install.sh   (it reads the token and address from here)
        [ingest]
        address = "%s"
        %s

        [agent]
        org_token = "%s"
        data_dir = "/var/lib/ct-ops/agent"
        heartbeat_interval_secs = 30
        """
            .formatted(ingestAddress, caLine, token);
    try (ZipFile source = ZipFile.builder().setPath(requireBundle()).get();
        ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out)) {
      var entries = source.getEntries();
      while (entries.hasMoreElements()) {
        ZipArchiveEntry entry = entries.nextElement();
        if (entry.getName().equals(folder + "/agent.toml")) {
          continue;
        }
        zip.addRawArchiveEntry(entry, source.getRawInputStream(entry));
      }
      add(zip, folder + "/agent.toml", toml.getBytes(StandardCharsets.UTF_8), 0600);
      if (caCertificate.isPresent()) {
        add(zip, folder + "/ca.crt", Files.readAllBytes(caCertificate.get()), 0644);
      }
      zip.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void add(ZipArchiveOutputStream zip, String name, byte[] content, int mode)
      throws IOException {
    ZipArchiveEntry entry = new ZipArchiveEntry(name);
    entry.setUnixMode(0100000 | mode);
    entry.setSize(content.length);
    zip.putArchiveEntry(entry);
    zip.write(content);
    zip.closeArchiveEntry();
  }
}
