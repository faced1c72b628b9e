package io.ctops.server.enrolment;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The agent bundle, the CA certificate and offline bundles, served by the web app. */
@ExtendWith(FreshDatabase.class)
class AgentDownloadsTest {
  @TempDir Path dir;

  private Path bundle() throws IOException {
    Path zip = dir.resolve("ct-ops-agent-9.9.9-linux-amd64.zip");
    try (OutputStream out = Files.newOutputStream(zip);
        ZipArchiveOutputStream archive = new ZipArchiveOutputStream(out)) {
      entry(
          archive,
          "ct-ops-agent-9.9.9/agent.toml",
          "org_token = \"ctops_replace-with-your-token\"\n",
          0644);
      entry(archive, "ct-ops-agent-9.9.9/bin/ct-ops-agent", "#!/bin/sh\n", 0755);
      entry(archive, "ct-ops-agent-9.9.9/install.sh", "#!/bin/sh\n", 0755);
    }
    return zip;
  }

  private static void entry(ZipArchiveOutputStream archive, String name, String text, int mode)
      throws IOException {
    ZipArchiveEntry entry = new ZipArchiveEntry(name);
    entry.setUnixMode(0100000 | mode);
    archive.putArchiveEntry(entry);
    archive.write(text.getBytes(StandardCharsets.UTF_8));
    archive.closeArchiveEntry();
  }

  @Test
  void servesTheBundleAndCaPubliclyAndOfflineBundlesToAdmins(Database database) throws Exception {
    Path zip = bundle();
    Path ca = dir.resolve("server.crt");
    DevelopmentCertificate.create(Set.of("localhost")).writeTo(ca, dir.resolve("server.key"));
    try (WebFixture web =
        WebFixture.on(
            database,
            new AgentDownloads(Optional.of(zip), Optional.of(ca), "https://ctops.example/"))) {
      HttpClient anonymous = HttpClient.newHttpClient();
      HttpResponse<byte[]> download =
          anonymous.send(
              HttpRequest.newBuilder(URI.create(web.baseUrl() + "/api/agent/download")).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(download.statusCode()).isEqualTo(200);
      assertThat(download.body()).isEqualTo(Files.readAllBytes(zip));
      assertThat(download.headers().firstValue("Content-Disposition"))
          .hasValue("attachment; filename=\"ct-ops-agent-9.9.9-linux-amd64.zip\"");
      HttpResponse<String> caAnswer =
          anonymous.send(
              HttpRequest.newBuilder(URI.create(web.baseUrl() + "/api/agent/ca.crt")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(caAnswer.body()).isEqualTo(Files.readString(ca));

      web.admin();
      WebClient admin = web.client();
      admin.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
      String page = admin.post("/tokens", Map.of("name", "rack 9", "auto_approve", "on")).body();
      int start = page.indexOf("id=\"token-value\">") + "id=\"token-value\">".length();
      String token = page.substring(start, page.indexOf("</pre>", start));
      String bundleSha256 = sha256Hex(zip);
      String caSha256 = sha256Hex(ca);
      assertThat(page)
          .contains("curl -fsSL https://ctops.example/api/agent/download -o agent.zip")
          .contains("https://ctops.example/api/agent/ca.crt -o ca.crt")
          .contains(
              bundleSha256 + " " + caSha256 + " | sha256sum -c - &amp;&amp; unzip -q agent.zip")
          .contains(
              "sudo sh ct-ops-agent-9.9.9/install.sh --token "
                  + token
                  + " --address localhost:9443 --bundle agent.zip --sha256 "
                  + bundleSha256
                  + " --ca-cert ca.crt --ca-sha256 "
                  + caSha256)
          .contains("<code id=\"bundle-sha256\">" + bundleSha256 + "</code>")
          .contains("<code id=\"ca-sha256\">" + caSha256 + "</code>")
          .doesNotContain("install-https-warning")
          .contains("id=\"download-offline-bundle\"");
      // the tokens list shows the hint as it is stored (one ellipsis, not two)
      String hint = "ctops_…" + token.substring(token.length() - 4);
      assertThat(page).contains("<code>" + hint + "</code>").doesNotContain("…" + hint);

      HttpResponse<byte[]> offline = postForBundle(web, admin, token, true);
      assertThat(offline.statusCode()).isEqualTo(200);
      Map<String, String> texts = new HashMap<>();
      Map<String, Integer> modes = new HashMap<>();
      // Unix modes live in the central directory: read it as unzip does
      Path received = Files.write(dir.resolve("offline.zip"), offline.body());
      try (ZipFile zipFile = ZipFile.builder().setPath(received).get()) {
        for (ZipArchiveEntry entry : Collections.list(zipFile.getEntries())) {
          try (var in = zipFile.getInputStream(entry)) {
            texts.put(entry.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
          }
          modes.put(entry.getName(), entry.getUnixMode() & 0777);
        }
      }
      assertThat(texts.get("ct-ops-agent-9.9.9/agent.toml"))
          .contains("org_token = \"" + token + "\"")
          .contains("address = \"localhost:9443\"")
          .contains("ca_cert_file = \"/etc/ct-ops/ca.crt\"")
          .doesNotContain("replace-with-your-token");
      assertThat(modes.get("ct-ops-agent-9.9.9/agent.toml")).isEqualTo(0600);
      assertThat(texts.get("ct-ops-agent-9.9.9/ca.crt")).isEqualTo(Files.readString(ca));
      assertThat(modes.get("ct-ops-agent-9.9.9/bin/ct-ops-agent")).isEqualTo(0755);

      assertThat(postForBundle(web, admin, "ctops_not-a-token", true).statusCode()).isEqualTo(404);
      assertThat(postForBundle(web, admin, token, false).statusCode()).isEqualTo(403);
      String id =
          web.jdbi()
              .withHandle(
                  h ->
                      h.createQuery("SELECT CAST(id AS text) FROM enrolment_tokens")
                          .mapTo(String.class)
                          .one());
      admin.post("/tokens/" + id + "/revoke", Map.of());
      assertThat(postForBundle(web, admin, token, true).statusCode()).isEqualTo(400);
    }
  }

  /** Computed here, independently of the server's code. */
  private static String sha256Hex(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void aPlainHttpDownloadAddressIsFlaggedOnThePage(Database database) throws Exception {
    Path zip = bundle();
    try (WebFixture web =
        WebFixture.on(
            database,
            new AgentDownloads(Optional.of(zip), Optional.empty(), "http://10.0.0.1:3000"))) {
      String page = web.signedInAdmin().post("/tokens", Map.of("name", "lan")).body();
      assertThat(page)
          .contains("printf '%s  agent.zip\\n' " + sha256Hex(zip) + " | sha256sum -c -")
          .contains("id=\"install-https-warning\"")
          .contains("WEB_TLS_CERT")
          .doesNotContain("ca-sha256");
    }
  }

  private static HttpResponse<byte[]> postForBundle(
      WebFixture web, WebClient admin, String token, boolean withCsrf) throws Exception {
    String body =
        (withCsrf ? "_csrf=" + admin.csrf() + "&" : "")
            + "token="
            + URLEncoder.encode(token, StandardCharsets.UTF_8);
    HttpRequest request =
        admin
            .request("/tokens/bundle")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return admin.sendBytes(request);
  }

  @Test
  void anInstallationWithoutABundleSaysSo(Database database) {
    try (WebFixture web = WebFixture.on(database)) {
      web.admin();
      WebClient client = web.client();
      HttpResponse<String> download = client.get("/api/agent/download");
      assertThat(download.statusCode()).isEqualTo(404);
      assertThat(download.body()).contains("no agent bundle");
      client.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
      String page = client.post("/tokens", Map.of("name", "plain")).body();
      assertThat(page).doesNotContain("install-command").doesNotContain("download-offline-bundle");
    }
  }
}
