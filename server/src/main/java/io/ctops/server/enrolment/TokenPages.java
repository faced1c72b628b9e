package io.ctops.server.enrolment;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The enrolment tokens page (admins only): create a token, which is shown once with a command line
 * that enrols an agent with it; list tokens with their uses and state; revoke one.
 */
public final class TokenPages {
  private final Pages pages;
  private final EnrolmentTokens tokens;
  private final String agentIngestAddress;
  private final AgentDownloads downloads;
  private final Clock clock;

  public TokenPages(
      Pages pages,
      EnrolmentTokens tokens,
      String agentIngestAddress,
      AgentDownloads downloads,
      Clock clock) {
    this.pages = pages;
    this.tokens = tokens;
    this.agentIngestAddress = agentIngestAddress;
    this.downloads = downloads;
    this.clock = clock;
  }

  /** A token as the page lists it. */
  public record TokenLine(EnrolmentTokens.EnrolmentToken token, EnrolmentTokens.State state) {}

  /** The page: the tokens, the token just created (once), and a form error. */
  public record TokensView(
      List<TokenLine> tokens, Optional<Created> created, String error, String ingestAddress) {}

  /**
   * A token just created: its secret, the command that enrols an agent with it, the pinned one line
   * that installs the agent bundle from this web server (and whether it downloads over plain HTTP),
   * and whether an offline bundle can be offered.
   */
  public record Created(
      String name,
      String plainToken,
      String commandLine,
      Optional<AgentDownloads.InstallCommand> install,
      boolean plainHttp,
      boolean offlineBundle) {}

  public void routes(RoutesConfig routes) {
    routes.get("/tokens", ctx -> show(ctx, Optional.empty(), ""));
    routes.post("/tokens", this::create);
    routes.post("/tokens/bundle", this::offlineBundle);
    routes.post("/tokens/{id}/revoke", this::revoke);
  }

  List<TokenLine> lines(UUID orgId) {
    Instant now = clock.instant();
    return tokens.list(Optional.of(orgId)).stream()
        .map(t -> new TokenLine(t, t.state(now)))
        .toList();
  }

  private void show(Context ctx, Optional<Created> created, String error) {
    Principal user = WebAccess.requireAdmin(ctx);
    pages.page(
        ctx,
        "tokens.jte",
        "Enrolment tokens",
        "tokens",
        new TokensView(lines(user.orgId()), created, error, agentIngestAddress));
  }

  private void create(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    EnrolmentTokens.TokenRequest request;
    try {
      request = request(user.orgId(), ctx);
    } catch (IllegalArgumentException e) {
      ctx.status(400);
      show(ctx, Optional.empty(), e.getMessage());
      return;
    }
    EnrolmentTokens.CreatedToken created = tokens.create(request, WebAccess.actor(ctx));
    show(
        ctx,
        Optional.of(
            new Created(
                created.token().name(),
                created.plainToken(),
                commandLine(agentIngestAddress, created.plainToken()),
                installCommand(created.plainToken()),
                downloads.isPlainHttp(),
                downloads.hasBundle())),
        "");
  }

  Optional<AgentDownloads.InstallCommand> installCommand(String plainToken) {
    return downloads.installCommand(plainToken, agentIngestAddress);
  }

  /** Parses the create form; a bad field is an {@link IllegalArgumentException} naming it. */
  EnrolmentTokens.TokenRequest request(UUID orgId, Context ctx) {
    String name = Optional.ofNullable(ctx.formParam("name")).orElse("").strip();
    boolean autoApprove =
        "on".equals(ctx.formParam("auto_approve")) || "true".equals(ctx.formParam("auto_approve"));
    Optional<Instant> expiresAt = Optional.empty();
    String days = Optional.ofNullable(ctx.formParam("expires_in_days")).orElse("").strip();
    if (!days.isEmpty()) {
      int value = positive(days, "expiry (days)", 3650);
      expiresAt = Optional.of(clock.instant().plus(Duration.ofDays(value)));
    }
    Optional<Integer> maxUses = Optional.empty();
    String uses = Optional.ofNullable(ctx.formParam("max_uses")).orElse("").strip();
    if (!uses.isEmpty()) {
      maxUses = Optional.of(positive(uses, "max uses", 1_000_000));
    }
    return new EnrolmentTokens.TokenRequest(orgId, name, autoApprove, expiresAt, maxUses);
  }

  static int positive(String text, String field, int max) {
    try {
      int value = Integer.parseInt(text);
      if (value < 1 || value > max) {
        throw new IllegalArgumentException(field + " must be between 1 and " + max);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(field + " must be a whole number");
    }
  }

  static String commandLine(String ingestAddress, String token) {
    return "CT_OPS_INGEST_ADDRESS="
        + ingestAddress
        + " CT_OPS_ORG_TOKEN="
        + token
        + " CT_OPS_INGEST_CA_CERT=/etc/ct-ops/ca.crt ctops agent run";
  }

  /**
   * The agent bundle with agent.toml filled in for a token. The token is posted back by the page
   * that showed it (it is not stored in clear), and must be an active token of this organisation.
   */
  private void offlineBundle(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    String token = Optional.ofNullable(ctx.formParam("token")).orElse("").strip();
    EnrolmentTokens.EnrolmentToken found =
        tokens
            .findBySecret(token)
            .filter(t -> t.orgId().equals(user.orgId()))
            .orElseThrow(() -> HttpProblem.notFound("no such token in this organisation"));
    if (found.state(clock.instant()) != EnrolmentTokens.State.ACTIVE) {
      throw HttpProblem.badRequest(
          "the token is " + found.state(clock.instant()).name().toLowerCase(Locale.ROOT));
    }
    ctx.contentType("application/zip");
    ctx.header(
        "Content-Disposition",
        "attachment; filename=\"" + downloads.bundleFolder() + "-offline.zip\"");
    downloads.writeOfflineBundle(ctx.outputStream(), token, agentIngestAddress);
  }

  private void revoke(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "token");
    EnrolmentTokens.EnrolmentToken token =
        tokens
            .find(id)
            .filter(t -> t.orgId().equals(user.orgId()))
            .orElseThrow(() -> HttpProblem.notFound("no such token in this organisation"));
    tokens.revoke(token.id(), WebAccess.actor(ctx));
    ctx.redirect("/tokens", HttpStatus.SEE_OTHER);
  }
}
