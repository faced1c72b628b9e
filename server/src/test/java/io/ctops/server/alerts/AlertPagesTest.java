package io.ctops.server.alerts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The alert pages of the real web app: the rule form (saved, refused with the reason, previewed),
 * the Alerts page grouped by rule with acknowledgement and its CSV, the Hosts page's card, column
 * and filter, the host page's alerts and the notification bell.
 */
@ExtendWith(FreshDatabase.class)
class AlertPagesTest {
  private WebFixture web;
  private WebClient admin;
  private UUID org;
  private UUID hot;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    org = web.defaultOrg();
    hot = aHost("web-1").status("online").vitals(97f, 10f, 10f).insert(web.jdbi(), org);
    aHost("web-2").status("online").vitals(5f, 10f, 10f).insert(web.jdbi(), org);
  }

  /**
   * A firing alert on web-1, then the admin signed in: the Hosts page's numbers are cached for a
   * few seconds from the first look, which must come after.
   */
  private UUID firingAlert() {
    web.jdbi()
        .useTransaction(
            h ->
                AlertRules.create(
                    h,
                    org,
                    io.ctops.server.audit.Actor.system("test"),
                    RuleRequests.fromJson(
                        new com.fasterxml.jackson.databind.ObjectMapper()
                            .valueToTree(
                                Map.of(
                                    "name", "CPU hot",
                                    "kind", "metric_threshold",
                                    "severity", "critical",
                                    "parameters",
                                        Map.of(
                                            "metric", "cpu", "operator", ">=", "threshold", 90))),
                        java.util.Optional.empty())));
    new AlertEvaluator(web.jdbi(), Clock.systemUTC()).evaluate();
    admin = web.signedInAdmin();
    return web.jdbi()
        .withHandle(h -> h.createQuery("SELECT id FROM alert_instances").mapTo(UUID.class).one());
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private static Map<String, String> form(String... pairs) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.put(pairs[i], pairs[i + 1]);
    }
    return form;
  }

  private static Map<String, String> cpuRule(String threshold) {
    return form(
        "name", "CPU hot",
        "kind", "metric_threshold",
        "metric", "cpu",
        "operator", ">=",
        "threshold", threshold,
        "severity", "critical",
        "selector_kind", "all",
        "for_seconds", "0",
        "resolve_after_seconds", "0",
        "notify_resolved", "on",
        "enabled", "on");
  }

  @Test
  void anAdminCreatesARuleFromTheFormAfterARefusalAndItsPreview() {
    admin = web.signedInAdmin();
    HttpResponse<String> refused = admin.post("/alerts/rules", cpuRule("150"));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body())
        .contains("id=\"form-error\"")
        .contains("between 0 and 100")
        .contains("value=\"150\"");
    assertThat(web.count("SELECT count(*) FROM alert_rules")).isZero();

    String preview = admin.post("/alerts/rules/preview", cpuRule("90")).body();
    assertThat(preview).contains("<strong>1</strong> host would fire now").contains("web-1");

    HttpResponse<String> saved = admin.post("/alerts/rules", cpuRule("90"));
    assertThat(saved.statusCode()).as(saved.body()).isEqualTo(303);
    String rules = admin.get("/alerts/rules").body();
    assertThat(rules).contains("CPU hot").contains("CPU ≥ 90 %").contains("All hosts");

    UUID rule =
        web.jdbi()
            .withHandle(h -> h.createQuery("SELECT id FROM alert_rules").mapTo(UUID.class).one());
    String edit = admin.get("/alerts/rules/" + rule + "/edit").body();
    assertThat(edit).contains("value=\"CPU hot\"").contains("value=\"90\"");
    Map<String, String> disabled = cpuRule("95");
    disabled.remove("enabled");
    assertThat(admin.post("/alerts/rules/" + rule, disabled).statusCode()).isEqualTo(303);
    assertThat(admin.get("/alerts/rules").body()).contains("CPU ≥ 95 %");
    assertThat(web.count("SELECT count(*) FROM alert_rules WHERE NOT enabled")).isEqualTo(1);
  }

  @Test
  void firingAlertsShowOnTheAlertsHostsAndHostPagesAndAreAcknowledgedWithAComment() {
    UUID alert = firingAlert();

    String alerts = admin.get("/alerts").body();
    assertThat(alerts)
        .contains("class=\"card alert-rule-group\"")
        .contains("CPU hot")
        .contains(">web-1</a>")
        .doesNotContain(">web-2</a>")
        .contains("Acknowledge");

    String hosts = admin.get("/hosts").body();
    assertThat(hosts).contains("id=\"firing-alert-hosts\">1<");
    assertThat(hosts).contains("class=\"badge critical\" title=\"1 firing alert\"");
    String alerting = admin.get("/hosts?status=alerting").body();
    assertThat(alerting).contains(">web-1</a>").doesNotContain(">web-2</a>");
    assertThat(admin.get("/hosts/" + hot).body())
        .contains("id=\"host-alerts\"")
        .contains("CPU hot");

    web.user(org, "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);
    assertThat(viewer.get("/alerts").body()).doesNotContain("Acknowledge</button>");
    assertThat(viewer.post("/alerts/" + alert + "/acknowledge", form("comment", "x")).statusCode())
        .isEqualTo(403);

    HttpResponse<String> acked =
        admin.post(
            "/alerts/" + alert + "/acknowledge", form("comment", "fan swapped", "back", "/alerts"));
    assertThat(acked.statusCode()).isEqualTo(303);
    assertThat(admin.get("/alerts").body()).contains("fan swapped");

    HttpResponse<String> csv = admin.get("/alerts.csv?state=all");
    assertThat(csv.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
    assertThat(csv.body().lines())
        .hasSize(2)
        .first()
        .asString()
        .startsWith("\"rule\",\"host\",\"severity\"");
    assertThat(csv.body()).contains("\"CPU hot\",\"web-1\",\"critical\",\"firing\"", "fan swapped");
  }

  @Test
  void theBellCountsUnreadAlertsUntilTheyAreMarkedRead() {
    firingAlert();

    assertThat(admin.get("/notifications/count").body()).contains("id=\"bell-count\">1<");
    assertThat(admin.get("/notifications").body()).contains("CPU hot").contains("fired on");

    assertThat(admin.post("/notifications/read", Map.of()).statusCode()).isEqualTo(303);
    assertThat(admin.get("/notifications/count").body()).doesNotContain("bell-count");
  }
}
