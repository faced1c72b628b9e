package io.ctops.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.metrics.MetricPartitions;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.SeededWeb;
import io.ctops.server.testing.WebFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;

/**
 * The pages work under their Content-Security-Policy in a real Chromium: nothing they need is an
 * inline script, handler or style the policy refuses (the console would say so).
 */
@ExtendWith(FreshDatabase.class)
class ContentSecurityPolicyTest {
  private SeededWeb seeded;
  private Browser browser;

  @BeforeEach
  void start(Database database) {
    assertThat(Browser.isInstalled()).as("Debian chromium and chromium-driver").isTrue();
    seeded = SeededWeb.on(database);
    new MetricPartitions(database.jdbi(), 30, Clock.systemUTC()).maintain();
    database
        .jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        """
                        INSERT INTO host_metrics (host_id, ts, cpu_percent, memory_percent,
                                                  disk_percent, net_rx_bytes_per_sec,
                                                  net_tx_bytes_per_sec)
                        SELECT :host, now() - make_interval(secs => s * 30), 20, 30, 40, 100, 50
                          FROM generate_series(1, 20) AS s
                        """)
                    .bind("host", seeded.host)
                    .execute());
    // a certificate with names enough to fold, and the scan that found it
    database
        .jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "INSERT INTO host_certificates (host_id, source, location, fingerprint,"
                      + " subject, issuer, sans, not_after, private_key, seen_at) VALUES (?,"
                      + " 'file', '/etc/ssl/site.pem', repeat('a', 64), 'CN=site.example.test',"
                      + " 'CN=Example CA', '{a.test,b.test,c.test,d.test,e.test}',"
                      + " now() + interval '12 days', 'does_not_match', now())",
                  seeded.host);
              h.execute(
                  "INSERT INTO certificate_scans (host_id, scan_id, completed_at, certificates,"
                      + " files_scanned, files_skipped, services_probed,"
                      + " services_with_certificates, truncated)"
                      + " VALUES (?, gen_random_uuid(), now(), 1, 10, 0, 1, 1, false)",
                  seeded.host);
            });
    browser = new Browser();
  }

  @AfterEach
  void stop() {
    browser.driver.get("about:blank");
    browser.close();
    seeded.close();
  }

  @Test
  void noPageHasAnythingThePolicyRefuses() {
    String base = seeded.web.baseUrl();
    browser.driver.get(base + "/login");
    browser.driver.findElement(By.id("email")).sendKeys(WebFixture.ADMIN_EMAIL);
    browser.driver.findElement(By.id("password")).sendKeys(WebFixture.PASSWORD);
    browser.driver.findElement(By.id("sign-in")).click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
    List<String> refused = new ArrayList<>(policyErrors("/login"));

    for (String path :
        List.of(
            "/hosts",
            "/hosts/" + seeded.host,
            "/hosts/" + seeded.host + "/metrics",
            "/hosts/" + seeded.host + "/inventory",
            "/hosts/" + seeded.host + "/checks",
            "/hosts/" + seeded.host + "/certificates",
            "/certificates",
            "/checks",
            "/checks/" + seeded.check,
            "/checks/new",
            "/software",
            "/tokens",
            "/users",
            "/profile")) {
      browser.driver.get(base + path);
      browser.waitFor(d -> browser.script("return document.readyState").equals("complete"));
      assertThat(browser.script("return typeof htmx"))
          .as(path + ": htmx loaded")
          .isEqualTo("object");
      refused.addAll(policyErrors(path));
    }

    assertThat(refused).isEmpty();
  }

  /**
   * The browser reports an inline handler only when it fires; the templates are read instead: no
   * inline script, event handler or style attribute anywhere.
   */
  @Test
  void noTemplateHasAnInlineScriptHandlerOrStyle() throws IOException {
    Pattern inline =
        Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>|\\son[a-z]+\\s*=|\\sstyle\\s*=|javascript:");
    List<String> found = new ArrayList<>();
    try (Stream<Path> templates = Files.walk(Path.of("src/main/jte"))) {
      for (Path template : templates.filter(f -> f.toString().endsWith(".jte")).toList()) {
        List<String> lines = Files.readAllLines(template);
        for (int i = 0; i < lines.size(); i++) {
          if (inline.matcher(lines.get(i)).find()) {
            found.add(template + ":" + (i + 1) + ": " + lines.get(i).strip());
          }
        }
      }
    }
    assertThat(found).isEmpty();
  }

  private List<String> policyErrors(String path) {
    return browser.consoleErrors().stream()
        .filter(message -> message.contains("Content Security Policy"))
        .map(message -> path + ": " + message)
        .toList();
  }
}
