package io.ctops.server.enrolment;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Enrolment tokens in the JSON API (admins only). */
public final class TokensApi {
  private final EnrolmentTokens tokens;
  private final TokenPages pages;
  private final String agentIngestAddress;
  private final Clock clock;

  public TokensApi(
      EnrolmentTokens tokens, TokenPages pages, String agentIngestAddress, Clock clock) {
    this.tokens = tokens;
    this.pages = pages;
    this.agentIngestAddress = agentIngestAddress;
    this.clock = clock;
  }

  /** The body of a create request. */
  public record CreateTokenRequest(
      @JsonProperty("name") String name,
      @JsonProperty("auto_approve") Boolean autoApprove,
      @JsonProperty("expires_in_days") Integer expiresInDays,
      @JsonProperty("max_uses") Integer maxUses) {}

  /**
   * A created token: the secret appears here once, with the pinned one-line install and the SHA-256
   * of the bundle and CA certificate it checks (null without a bundle or a CA file).
   */
  public record CreatedTokenResponse(
      EnrolmentTokens.EnrolmentToken token,
      String plainToken,
      String commandLine,
      String installCommand,
      String bundleSha256,
      String caSha256) {}

  public void routes(RoutesConfig routes) {
    routes.get("/api/v1/tokens", ctx -> ctx.json(pages.lines(WebAccess.requireAdmin(ctx).orgId())));
    routes.post("/api/v1/tokens", this::create);
    routes.post("/api/v1/tokens/{id}/revoke", this::revoke);
  }

  private void create(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    CreateTokenRequest body;
    try {
      body = ctx.bodyAsClass(CreateTokenRequest.class);
    } catch (Exception e) {
      // Jackson's exceptions are checked, but Javalin rethrows them unchecked
      String detail =
          e instanceof UnrecognizedPropertyException unknown
              ? "unknown property \"" + unknown.getPropertyName() + "\"; "
              : "";
      throw HttpProblem.badRequest(
          detail
              + "the body must be a JSON object with name, auto_approve, expires_in_days, max_uses");
    }
    if (body == null) {
      throw HttpProblem.badRequest("the body must be a JSON object");
    }
    EnrolmentTokens.TokenRequest request;
    try {
      if (body.expiresInDays() != null
          && (body.expiresInDays() < 1 || body.expiresInDays() > 3650)) {
        throw new IllegalArgumentException("expires_in_days must be between 1 and 3650");
      }
      Optional<Instant> expires =
          Optional.ofNullable(body.expiresInDays())
              .map(d -> clock.instant().plus(Duration.ofDays(d)));
      request =
          new EnrolmentTokens.TokenRequest(
              user.orgId(),
              body.name(),
              Boolean.TRUE.equals(body.autoApprove()),
              expires,
              Optional.ofNullable(body.maxUses()));
    } catch (IllegalArgumentException e) {
      throw HttpProblem.badRequest(e.getMessage());
    }
    EnrolmentTokens.CreatedToken created = tokens.create(request, WebAccess.actor(ctx));
    Optional<AgentDownloads.InstallCommand> install = pages.installCommand(created.plainToken());
    ctx.status(201)
        .json(
            new CreatedTokenResponse(
                created.token(),
                created.plainToken(),
                TokenPages.commandLine(agentIngestAddress, created.plainToken()),
                install.map(AgentDownloads.InstallCommand::line).orElse(null),
                install.map(AgentDownloads.InstallCommand::bundleSha256).orElse(null),
                install.flatMap(AgentDownloads.InstallCommand::caSha256).orElse(null)));
  }

  private void revoke(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "token");
    tokens
        .find(id)
        .filter(t -> t.orgId().equals(user.orgId()))
        .orElseThrow(() -> HttpProblem.notFound("no such token in this organisation"));
    switch (tokens.revoke(id, WebAccess.actor(ctx))) {
      case EnrolmentTokens.Revocation.Revoked r -> ctx.json(r.token());
      case EnrolmentTokens.Revocation.AlreadyRevoked r -> ctx.json(r.token());
      case EnrolmentTokens.Revocation.NotFound n -> throw HttpProblem.notFound("no such token");
    }
  }
}
