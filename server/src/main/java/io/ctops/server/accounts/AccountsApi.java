package io.ctops.server.accounts;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.HostSelectors;
import io.ctops.server.groups.Tag;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.web.Csv;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Accounts on hosts in the JSON API (and their CSV export): the fleet's, filtered, and a host's,
 * with each account's SSH keys and the agent's notes. Everyone reads them, within the hosts they
 * see.
 */
public final class AccountsApi {
  private final Jdbi jdbi;
  private final HostRecords hosts;

  public AccountsApi(Jdbi jdbi, HostRecords hosts) {
    this.jdbi = jdbi;
    this.hosts = hosts;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/api/v1/accounts", this::fleet);
    routes.get("/api/v1/accounts.csv", this::csv);
    routes.get("/api/v1/hosts/{id}/accounts", this::forHost);
  }

  /**
   * The filter from the query: {@code login} (a part of it), {@code type} (human, service, system),
   * {@code can_log_in}, {@code privileged}, {@code has_keys}, {@code removed} (true: removed ones
   * too), {@code fingerprint} (an SSH key's SHA-256), which hosts ({@code group}, {@code host} or
   * {@code tag}, repeatable), {@code page} and {@code size}.
   */
  public static AccountQuery.Filter filter(Context ctx, Jdbi jdbi, Principal user, int size) {
    try {
      HostSelector selector = HostSelector.ALL;
      String group = ctx.queryParam("group");
      String host = ctx.queryParam("host");
      List<String> tags = ctx.queryParams("tag").stream().filter(t -> !t.isBlank()).toList();
      if (group != null && !group.isBlank()) {
        selector = new HostSelector.Group(id(group, "group"));
      } else if (host != null && !host.isBlank()) {
        selector = new HostSelector.OneHost(id(host, "host"));
      } else if (!tags.isEmpty()) {
        List<Tag> parsed = new ArrayList<>();
        for (String tag : tags) {
          parsed.add(Tag.parse(tag));
        }
        selector = new HostSelector.Tags(parsed);
      }
      HostSelector named = selector;
      jdbi.useHandle(h -> HostSelectors.requireKnown(h, user.orgId(), user.scope(), named));
      return new AccountQuery.Filter(
          Optional.ofNullable(ctx.queryParam("login")),
          Optional.ofNullable(ctx.queryParam("type")),
          yes(ctx, "can_log_in"),
          yes(ctx, "privileged"),
          yes(ctx, "has_keys"),
          fingerprint(ctx.queryParam("fingerprint")),
          yes(ctx, "removed"),
          selector,
          number(ctx, "page", 1),
          number(ctx, "size", size));
    } catch (Tag.InvalidTagException | HostSelector.InvalidSelectorException e) {
      throw HttpProblem.badRequest(e.getMessage());
    } catch (IllegalArgumentException e) {
      throw HttpProblem.badRequest(e.getMessage());
    }
  }

  /** A host's filter: removed accounts are listed too unless {@code removed=false}. */
  static AccountQuery.Filter hostFilter(Context ctx, Jdbi jdbi, Principal user) {
    AccountQuery.Filter filter = filter(ctx, jdbi, user, AccountQuery.Filter.MAX_SIZE);
    return ctx.queryParam("removed") == null ? filter.includingRemoved() : filter;
  }

  private static Optional<String> fingerprint(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(
        AccountReports.fingerprint(text)
            .orElseThrow(
                () ->
                    HttpProblem.badRequest(
                        "fingerprint is an SSH key's SHA-256 fingerprint as ssh-keygen -l prints"
                            + " it (SHA256:...)")));
  }

  private static boolean yes(Context ctx, String name) {
    String value = ctx.queryParam(name);
    if (value == null) {
      return false;
    }
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "", "false", "0", "no", "off" -> false;
      case "true", "1", "yes", "on" -> true;
      default -> throw HttpProblem.badRequest(name + " is true or false");
    };
  }

  private static UUID id(String text, String name) {
    try {
      return UUID.fromString(text.strip());
    } catch (IllegalArgumentException e) {
      throw HttpProblem.badRequest(name + " is the id of a " + name);
    }
  }

  private static int number(Context ctx, String name, int fallback) {
    String text = ctx.queryParam(name);
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw HttpProblem.badRequest(name + " is a whole number");
    }
  }

  /** The fleet's accounts a user sees, by the filter. */
  public AccountQuery.Page fleet(Principal user, AccountQuery.Filter filter) {
    return jdbi.withHandle(h -> AccountQuery.fleet(h, user.orgId(), user.scope(), filter));
  }

  private void fleet(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    AccountQuery.Filter filter = filter(ctx, jdbi, user, 100);
    AccountQuery.Page page = fleet(user, filter);
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    ArrayNode items = json.putArray("items");
    page.accounts().forEach(a -> items.add(json(a, true)));
    json.put("total", page.total());
    json.put("page", filter.page());
    json.put("size", filter.size());
    ctx.json(json);
  }

  private void csv(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    csv(ctx, user, filter(ctx, jdbi, user, AccountQuery.Filter.MAX_SIZE));
  }

  /** Answers with every account the filter names (all pages, whatever its page), one line each. */
  void csv(Context ctx, Principal user, AccountQuery.Filter asked) {
    StringBuilder out =
        new StringBuilder(
            Csv.row(
                "hostname",
                "username",
                "uid",
                "type",
                "can_log_in",
                "privileged",
                "privileged_by",
                "groups",
                "domain",
                "locked",
                "last_login_at",
                "ssh_keys",
                "first_seen",
                "last_seen",
                "removed_at"));
    AccountQuery.Filter first = asked.page(1);
    for (int page = 1; ; page++) {
      AccountQuery.Page rows =
          fleet(
              user,
              new AccountQuery.Filter(
                  first.login(),
                  first.type(),
                  first.canLogIn(),
                  first.privileged(),
                  first.hasKeys(),
                  first.fingerprint(),
                  first.withRemoved(),
                  first.selector(),
                  page,
                  AccountQuery.Filter.MAX_SIZE));
      for (AccountQuery.Account a : rows.accounts()) {
        out.append(
            Csv.row(
                a.hostname(),
                a.username(),
                a.uid().map(String::valueOf).orElse(""),
                a.type(),
                Boolean.toString(a.canLogIn()),
                Boolean.toString(a.privileged()),
                String.join("; ", a.privilegedBy()),
                String.join(" ", a.groups()),
                Boolean.toString(a.domain()),
                a.locked().map(String::valueOf).orElse(""),
                a.lastLoginAt().map(Instant::toString).orElse(""),
                Long.toString(a.keyCount()),
                a.firstSeen().toString(),
                a.lastSeen().toString(),
                a.removedAt().map(Instant::toString).orElse("")));
      }
      if ((long) page * AccountQuery.Filter.MAX_SIZE >= rows.total() || rows.accounts().isEmpty()) {
        break;
      }
    }
    ctx.header("Content-Disposition", "attachment; filename=\"accounts.csv\"");
    ctx.contentType("text/csv; charset=utf-8").result(out.toString());
  }

  private void forHost(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host =
        hosts
            .find(user, UuidParam.parse(ctx.pathParam("id"), "host"))
            .filter(h -> !h.isDeleted())
            .orElseThrow(() -> HttpProblem.notFound("no such host in this organisation"));
    AccountQuery.Filter filter = hostFilter(ctx, jdbi, user);
    AccountQuery.HostView view =
        jdbi.withHandle(h -> AccountQuery.forHost(h, user.orgId(), host.id(), filter));
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    ArrayNode items = json.putArray("items");
    view.accounts().forEach(a -> items.add(json(a, false)));
    ArrayNode others = json.putArray("other_keys");
    view.keysWithoutAccount().forEach(k -> others.add(json(k)));
    ArrayNode reports = json.putArray("reports");
    for (AccountQuery.Report r : view.reports()) {
      ObjectNode report =
          reports
              .addObject()
              .put("kind", r.kind())
              .put("check", r.checkName())
              .put("reported_at", r.reportedAt().toString())
              .put("listed", r.listed())
              .put("total", r.total())
              .put("omitted", r.omitted())
              .put("skipped", r.skipped());
      ArrayNode notes = report.putArray("notes");
      r.notes().forEach(notes::add);
    }
    ctx.json(json);
  }

  private static ObjectNode json(AccountQuery.Account a, boolean withHost) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    if (withHost) {
      json.put("host_id", a.hostId().toString());
      json.put("hostname", a.hostname());
    }
    json.put("username", a.username());
    a.uid().ifPresent(uid -> json.put("uid", uid));
    a.gid().ifPresent(gid -> json.put("gid", gid));
    json.put("home", a.home());
    json.put("shell", a.shell());
    json.put("type", a.type());
    json.put("can_log_in", a.canLogIn());
    json.put("privileged", a.privileged());
    ArrayNode by = json.putArray("privileged_by");
    a.privilegedBy().forEach(by::add);
    ArrayNode groups = json.putArray("groups");
    a.groups().forEach(groups::add);
    json.put("domain", a.domain());
    a.locked().ifPresent(v -> json.put("locked", v));
    a.passwordSet().ifPresent(v -> json.put("password_set", v));
    a.passwordLastChanged().ifPresent(t -> json.put("password_last_changed", t.toString()));
    a.passwordExpiresAt().ifPresent(t -> json.put("password_expires_at", t.toString()));
    a.accountExpiresAt().ifPresent(t -> json.put("account_expires_at", t.toString()));
    a.lastLoginAt().ifPresent(t -> json.put("last_login_at", t.toString()));
    a.hasRunningProcesses().ifPresent(v -> json.put("has_running_processes", v));
    json.put("ssh_keys", a.keyCount());
    json.put("first_seen", a.firstSeen().toString());
    json.put("last_seen", a.lastSeen().toString());
    a.removedAt().ifPresent(t -> json.put("removed_at", t.toString()));
    if (!withHost) {
      ArrayNode keys = json.putArray("keys");
      a.keys().forEach(k -> keys.add(json(k)));
    }
    return json;
  }

  private static ObjectNode json(AccountQuery.Key k) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("fingerprint_sha256", k.fingerprint());
    json.put("key_type", k.keyType());
    k.bits().ifPresent(b -> json.put("bits", b));
    json.put("comment", k.comment());
    json.put("file_path", k.filePath());
    json.put("key_source", k.keySource());
    k.removedAt().ifPresent(t -> json.put("removed_at", t.toString()));
    return json;
  }
}
