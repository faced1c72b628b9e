package io.ctops.server.roles;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.ctops.server.accounts.AccountPages;
import io.ctops.server.accounts.AccountScanTask;
import io.ctops.server.accounts.AccountsApi;
import io.ctops.server.alerts.AlertEvaluator;
import io.ctops.server.alerts.AlertPages;
import io.ctops.server.alerts.AlertsApi;
import io.ctops.server.alerts.NotificationBell;
import io.ctops.server.alerts.SilenceRoutes;
import io.ctops.server.alerts.notify.Notifications;
import io.ctops.server.audit.AuditEntryQuery;
import io.ctops.server.audit.AuditPages;
import io.ctops.server.audit.AuditReader;
import io.ctops.server.audit.AuditRetention;
import io.ctops.server.audit.HostHistory;
import io.ctops.server.auth.ApiKeys;
import io.ctops.server.auth.LoginThrottle;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.Sessions;
import io.ctops.server.auth.SignInPages;
import io.ctops.server.auth.UserScopes;
import io.ctops.server.auth.Users;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.certificates.CertificatePages;
import io.ctops.server.certificates.CertificateScanTask;
import io.ctops.server.certificates.CertificatesApi;
import io.ctops.server.checks.CheckEditors;
import io.ctops.server.checks.CheckFormRoutes;
import io.ctops.server.checks.CheckPages;
import io.ctops.server.checks.ChecksApi;
import io.ctops.server.enrolment.AgentApprovals;
import io.ctops.server.enrolment.AgentDownloads;
import io.ctops.server.enrolment.EnrolmentTokens;
import io.ctops.server.enrolment.TokenPages;
import io.ctops.server.enrolment.TokensApi;
import io.ctops.server.groups.GroupPages;
import io.ctops.server.groups.GroupsApi;
import io.ctops.server.groups.bulk.BulkApi;
import io.ctops.server.groups.bulk.BulkJobs;
import io.ctops.server.groups.bulk.BulkPages;
import io.ctops.server.groups.bulk.BulkRunner;
import io.ctops.server.groups.notes.NotePages;
import io.ctops.server.groups.notes.NotesApi;
import io.ctops.server.hosts.FleetOverviewQuery;
import io.ctops.server.hosts.GroupPage;
import io.ctops.server.hosts.HostListPage;
import io.ctops.server.hosts.HostListQuery;
import io.ctops.server.hosts.HostPages;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.hosts.HostTagRoutes;
import io.ctops.server.hosts.HostsApi;
import io.ctops.server.hosts.LiveHostStatus;
import io.ctops.server.hosts.PendingAgents;
import io.ctops.server.inventory.FleetSoftware;
import io.ctops.server.inventory.HostInventory;
import io.ctops.server.inventory.InventoryPages;
import io.ctops.server.inventory.PackageDiff;
import io.ctops.server.inventory.SoftwarePages;
import io.ctops.server.inventory.SoftwareScans;
import io.ctops.server.metrics.MetricSeriesQuery;
import io.ctops.server.orgs.OrgPages;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.platform.config.WebSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.http.RequestText;
import io.ctops.server.platform.http.WebServer;
import io.ctops.server.platform.leader.LeaderJob;
import io.ctops.server.platform.lifecycle.Parts;
import io.ctops.server.platform.lifecycle.PeriodicJob;
import io.ctops.server.queries.HostQueries;
import io.ctops.server.services.ServiceTask;
import io.ctops.server.services.ServicesPages;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskTypes;
import io.ctops.server.tasks.TasksApi;
import io.ctops.server.terminal.RelayChannels;
import io.ctops.server.terminal.TerminalPages;
import io.ctops.server.terminal.TerminalSessions;
import io.ctops.server.uninstall.AgentUninstallTask;
import io.ctops.server.uninstall.UninstallPages;
import io.ctops.server.users.UserPages;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web role ({@code ctops web}, and part of {@code ctops server}): the pages, the JSON API and
 * the live status stream, on the shared database. This class is its whole object graph.
 */
public final class WebRole implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebRole.class);

  private final Parts parts;
  private final WebServer server;
  private final LiveHostStatus live;
  private final FleetOverviewQuery overview;

  private WebRole(Parts parts, WebServer server, LiveHostStatus live, FleetOverviewQuery overview) {
    this.parts = parts;
    this.server = server;
    this.live = live;
    this.overview = overview;
  }

  public static WebRole start(WebSettings settings, Database database, Clock clock) {
    return start(settings, database, clock, AgentDownloads.none("http://localhost:3000"));
  }

  public static WebRole start(
      WebSettings settings, Database database, Clock clock, AgentDownloads downloads) {
    Parts parts = new Parts();
    try {
      Jdbi jdbi = database.jdbi();
      PasswordHashing passwords = new PasswordHashing();
      Users users = new Users(jdbi, passwords, clock);
      Sessions sessions = new Sessions(jdbi, clock, settings.sessionIdle());
      ApiKeys apiKeys = new ApiKeys(jdbi, clock);
      WebAccess access = new WebAccess(sessions, apiKeys, users, settings.isTls());
      LoginThrottle throttle = new LoginThrottle(jdbi, clock);
      Pages pages = new Pages(WebAccess::pageUser, WebAccess::preSessionCsrf);

      AgentApprovals approvals =
          new AgentApprovals(jdbi, clock, new SoftwareScans(jdbi, clock)::queueFirst);
      HostListQuery hostList = new HostListQuery(jdbi);
      FleetOverviewQuery overview = new FleetOverviewQuery(jdbi, clock);
      PendingAgents pending = new PendingAgents(jdbi);
      HostRecords records = new HostRecords(jdbi, approvals, clock);
      MetricSeriesQuery metrics = new MetricSeriesQuery(jdbi);
      EnrolmentTokens tokens = new EnrolmentTokens(jdbi, clock);
      LiveHostStatus live =
          new LiveHostStatus(database.dataSource(), jdbi, pages, access::stillSignedIn).start();

      TaskTypes taskTypes = TaskTypesOfThisRelease.all(clock);
      TaskQueue taskQueue = new TaskQueue(jdbi, taskTypes, clock);
      UninstallPages uninstallPages =
          new UninstallPages(
              pages, records, taskQueue, taskTypes.find(AgentUninstallTask.NAME).orElseThrow());
      ServicesPages servicesPages =
          new ServicesPages(
              pages,
              records,
              new HostQueries(jdbi, clock),
              taskQueue,
              taskTypes.find(ServiceTask.NAME).orElseThrow(),
              clock);
      RelayChannels relayChannels = parts.add(new RelayChannels());
      TerminalPages terminalPages =
          parts.add(
              new TerminalPages(
                  pages, records, access, new TerminalSessions(jdbi, clock), relayChannels, jdbi));
      SignInPages signIn = new SignInPages(jdbi, pages, users, passwords, throttle, access);
      HostListPage hostListPage = new HostListPage(jdbi, hostList, overview);
      HostPages hostPages =
          new HostPages(
              pages,
              hostListPage,
              overview,
              pending,
              approvals,
              records,
              new HostHistory(jdbi),
              jdbi,
              uninstallPages);
      HostTagRoutes hostTags = new HostTagRoutes(jdbi, records);
      GroupPages groupPages = new GroupPages(pages, jdbi);
      GroupPage groupPage = new GroupPage(pages, jdbi, hostListPage, hostList);
      GroupsApi groupsApi = new GroupsApi(jdbi);
      HostsApi hostsApi =
          new HostsApi(
              hostList, overview, pending, approvals, records, metrics, clock, uninstallPages);
      TokenPages tokenPages =
          new TokenPages(pages, tokens, settings.agentIngestAddress(), downloads, clock);
      TokensApi tokensApi = new TokensApi(tokens, tokenPages, settings.agentIngestAddress(), clock);
      UserPages accountPages =
          new UserPages(
              pages, users, apiKeys, passwords, new Organisations(jdbi), new UserScopes(jdbi));
      OrgPages orgPages = new OrgPages(pages, new Organisations(jdbi), access);
      InventoryPages inventoryPages =
          new InventoryPages(pages, records, new HostInventory(jdbi, clock), clock);
      SoftwarePages softwarePages =
          new SoftwarePages(
              pages, records, hostList, new PackageDiff(jdbi), new FleetSoftware(jdbi));
      TasksApi tasksApi =
          new TasksApi(
              taskQueue,
              taskTypes,
              (user, hostId) ->
                  records
                      .find(user, hostId)
                      .map(
                          host ->
                              new TasksApi.HostAccess(
                                  host.id(), host.isDeleted(), records.roleOn(user, host))));
      AuditPages auditPages =
          new AuditPages(
              pages,
              new AuditEntryQuery(jdbi),
              ctx -> {
                Principal admin = WebAccess.requireAdmin(ctx);
                return new AuditReader(admin.orgId(), admin.role() == Role.SUPER_ADMIN);
              });
      NotePages notePages = new NotePages(pages, jdbi, clock);
      NotesApi notesApi = new NotesApi(jdbi, clock);
      BulkTargetsOfThisRelease bulkTargets =
          new BulkTargetsOfThisRelease(
              hostList,
              new SoftwareScans(jdbi, clock),
              clock,
              taskTypes.find(AgentUninstallTask.NAME).orElseThrow());
      BulkRunner bulkRunner = new BulkRunner(jdbi, bulkTargets, clock);
      BulkJobs bulkJobs = new BulkJobs(jdbi, bulkTargets, bulkRunner::wake);
      BulkPages bulkPages = new BulkPages(pages, bulkJobs);
      BulkApi bulkApi = new BulkApi(bulkJobs);
      // the port is known once the server has started (0 in the settings: any free one)
      AtomicInteger webPort = new AtomicInteger(settings.httpPort());
      Notifications notifications =
          new Notifications(
              jdbi, pages, clock, settings.notifications(), settings.listenAddress(), webPort::get);
      AlertsApi alertsApi = new AlertsApi(jdbi, clock);
      CheckEditors checkEditors = new CheckEditors(new Organisations(jdbi));
      ChecksApi checksApi = new ChecksApi(jdbi, checkEditors, records, clock);
      CertificatesApi certificatesApi =
          new CertificatesApi(jdbi, records, new Organisations(jdbi), clock);
      CertificatePages certificatePages =
          new CertificatePages(
              pages,
              jdbi,
              records,
              new Organisations(jdbi),
              certificatesApi,
              taskQueue,
              taskTypes.find(CertificateScanTask.NAME).orElseThrow(),
              clock);
      AccountsApi accountsApi = new AccountsApi(jdbi, records);
      AccountPages accountsPages =
          new AccountPages(
              pages,
              jdbi,
              records,
              accountsApi,
              taskQueue,
              taskTypes.find(AccountScanTask.NAME).orElseThrow());
      CheckFormRoutes checkForms = new CheckFormRoutes(pages, jdbi, checkEditors);
      CheckPages checkPages = new CheckPages(pages, jdbi, records, checkEditors, clock);
      AlertPages alertPages = new AlertPages(pages, jdbi, alertsApi, clock);
      NotificationBell bell = new NotificationBell(pages, jdbi);
      SilenceRoutes silenceRoutes = new SilenceRoutes(pages, jdbi, clock);
      byte[] openApi = resource("/web/openapi.json");

      WebServer server;
      try {
        server =
            parts.add(
                WebServer.start(
                    settings,
                    config -> {
                      config.jsonMapper(new JavalinJackson(jsonMapper(), false));
                      config.routes.before(access::check);
                      config.routes.exception(
                          HttpProblem.class,
                          (e, ctx) -> problem(ctx, pages, e.status(), e.getMessage()));
                      config.routes.exception(
                          RequestText.Rejected.class,
                          (e, ctx) -> {
                            if (ctx.path().equals("/login") && ctx.method() == HandlerType.POST) {
                              signIn.refusedSignIn(ctx);
                            }
                            problem(ctx, pages, 400, e.getMessage());
                          });
                      config.routes.exception(
                          Exception.class,
                          (e, ctx) -> {
                            log.error("event=web_request_failed path={}", ctx.path(), e);
                            problem(
                                ctx,
                                pages,
                                500,
                                "something went wrong; the error is in the server log");
                          });
                      config.routes.error(
                          404,
                          ctx -> {
                            if (ctx.result() == null || ctx.result().isEmpty()) {
                              problem(ctx, pages, 404, "no such page");
                            }
                          });
                      config.routes.get(
                          "/api/v1/openapi.json",
                          ctx -> ctx.contentType("application/json").result(openApi));
                      signIn.routes(config.routes);
                      // before hostPages: /hosts/events must not be taken for a host id
                      live.routes(config.routes);
                      softwarePages.routes(config.routes);
                      inventoryPages.routes(config.routes);
                      servicesPages.routes(config.routes);
                      terminalPages.routes(config.routes);
                      uninstallPages.routes(config.routes);
                      // before hostPages: /hosts/bulk must not be taken for a host id
                      bulkPages.routes(config.routes);
                      hostPages.routes(config.routes);
                      bulkApi.routes(config.routes);
                      hostsApi.routes(config.routes);
                      hostTags.routes(config.routes);
                      // before groupPage: /groups/new must not be taken for a group id
                      groupPages.routes(config.routes);
                      groupPage.routes(config.routes);
                      groupsApi.routes(config.routes);
                      tokenPages.routes(config.routes);
                      downloads.routes(config.routes);
                      tokensApi.routes(config.routes);
                      tasksApi.routes(config.routes);
                      accountPages.routes(config.routes);
                      orgPages.routes(config.routes);
                      auditPages.routes(config.routes);
                      notePages.routes(config.routes);
                      notesApi.routes(config.routes);
                      notifications.pageRoutes(config.routes);
                      notifications.apiRoutes(config.routes);
                      alertsApi.routes(config.routes);
                      checksApi.routes(config.routes);
                      certificatesApi.routes(config.routes);
                      certificatePages.routes(config.routes);
                      accountsApi.routes(config.routes);
                      accountsPages.routes(config.routes);
                      // before checkPages: /checks/new must not be taken for a check id
                      checkForms.routes(config.routes);
                      checkPages.routes(config.routes);
                      alertPages.routes(config.routes);
                      bell.routes(config.routes);
                      silenceRoutes.routes(config.routes);
                    }));
        webPort.set(server.port());
      } catch (RuntimeException e) {
        live.close();
        throw e;
      }
      // closed before the server: the browsers' streams end while the server can still end them
      parts.add(live);
      parts.add(bulkRunner.start());
      parts.add(notifications.start());
      parts.add(
          new PeriodicJob(
                  "session-purge",
                  Duration.ofMinutes(1),
                  Duration.ofHours(1),
                  () -> {
                    int purged = sessions.purgeExpired();
                    if (purged > 0) {
                      log.info("event=sessions_purged count={}", purged);
                    }
                    int failures = throttle.purgeExpired();
                    if (failures > 0) {
                      log.info("event=sign_in_failures_purged count={}", failures);
                    }
                  })
              .start());
      // alert rules are evaluated by one web instance at a time; another takes over within 5 s
      AlertEvaluator evaluator = parts.add(new AlertEvaluator(jdbi, clock));
      parts.add(
          new LeaderJob(
                  database.dataSource(),
                  "alert evaluation",
                  settings.alertEvaluationEvery(),
                  Duration.ofSeconds(5),
                  evaluator::evaluate)
              .start());
      AuditRetention auditRetention = new AuditRetention(jdbi, clock, settings.auditRetention());
      parts.add(
          new PeriodicJob(
                  "audit-retention",
                  Duration.ofMinutes(2),
                  Duration.ofHours(1),
                  () -> {
                    int purged = auditRetention.purge();
                    if (purged > 0) {
                      log.info("event=audit_entries_purged count={}", purged);
                    }
                  })
              .start());
      log.info(
          "event=web_ready url={}://localhost:{}/ tls={}",
          settings.isTls() ? "https" : "http",
          server.port(),
          settings.isTls());
      return new WebRole(parts, server, live, overview);
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
  }

  static ObjectMapper jsonMapper() {
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .registerModule(new Jdk8Module())
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  /** One place turns a refusal into what the caller understands: JSON, an htmx message, a page. */
  private static void problem(Context ctx, Pages pages, int status, String message) {
    ctx.status(status);
    if (WebAccess.isApi(ctx)) {
      ctx.json(Map.of("error", message, "status", status));
    } else if (ctx.header("HX-Request") != null) {
      ctx.contentType("text/plain; charset=utf-8").result(message);
    } else {
      pages.page(ctx, "error.jte", "Error " + status, "", new ErrorView(status, message));
    }
  }

  /** The error page's content. */
  public record ErrorView(int status, String message) {}

  private static byte[] resource(String name) {
    try (InputStream in = WebRole.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the build");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.port();
  }

  /** Drops the organisation's cached overview (benchmarks measure the query, not the cache). */
  public void invalidateOverview(java.util.UUID orgId) {
    overview.invalidate(orgId);
  }

  /** Browsers connected to the live status stream now. */
  public int liveClients() {
    return live.connectedClients();
  }

  @Override
  public void close() {
    parts.close();
  }
}
