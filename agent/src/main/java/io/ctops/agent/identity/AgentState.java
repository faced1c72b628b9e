package io.ctops.agent.identity;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * What the agent learnt from the server: its id, its JWT and its client certificate, kept in {@code
 * agent_state.json} (mode 0600, written atomically). Deleting it makes the agent register again
 * with the same key, and get the same agent id back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AgentState(
    String agentId,
    String jwt,
    String clientCertPem,
    String caCertPem,
    long clientCertNotAfterUnix,
    long clientCertIssuedUnix) {

  private static final ObjectMapper JSON =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  /** The file, or why it cannot be used. */
  public sealed interface Loaded {
    record Present(AgentState state) implements Loaded {}

    record Absent() implements Loaded {}

    record Unusable(String reason) implements Loaded {}
  }

  public static Loaded load(Path dataDir) {
    Path file = dataDir.resolve("agent_state.json");
    if (!Files.exists(file)) {
      return new Loaded.Absent();
    }
    try {
      AgentState state = JSON.readValue(file.toFile(), AgentState.class);
      if (state.agentId() == null || state.agentId().isBlank()) {
        return new Loaded.Unusable(file + " names no agent");
      }
      return new Loaded.Present(state);
    } catch (IOException e) {
      return new Loaded.Unusable(
          file + " is not valid (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
  }

  public void save(Path dataDir) {
    try {
      SecureFiles.write(dataDir.resolve("agent_state.json"), JSON.writeValueAsBytes(this), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dataDir.resolve("agent_state.json"), e);
    }
  }

  public static void delete(Path dataDir) {
    try {
      Files.deleteIfExists(dataDir.resolve("agent_state.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** When the JWT expires, read from its claims (the server checks the signature, not us). */
  public Optional<Instant> jwtExpiry() {
    if (jwt == null) {
      return Optional.empty();
    }
    String[] parts = jwt.split("\\.");
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      return claims.has("exp")
          ? Optional.of(Instant.ofEpochSecond(claims.get("exp").asLong()))
          : Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public boolean hasUsableJwt(Instant now) {
    return jwtExpiry().map(expiry -> expiry.isAfter(now.plusSeconds(60))).orElse(false);
  }

  public boolean hasClientCertificate() {
    return clientCertPem != null && !clientCertPem.isBlank();
  }

  /** Renew once less than a third of the certificate's validity is left. */
  public boolean certificateNeedsRenewal(Instant now) {
    if (!hasClientCertificate() || clientCertNotAfterUnix == 0) {
      return false;
    }
    long lifetime = clientCertNotAfterUnix - clientCertIssuedUnix;
    return now.getEpochSecond() > clientCertNotAfterUnix - lifetime / 3;
  }

  public AgentState withJwt(String newJwt) {
    return new AgentState(
        agentId, newJwt, clientCertPem, caCertPem, clientCertNotAfterUnix, clientCertIssuedUnix);
  }

  public AgentState withCertificate(String pem, String ca, long notAfterUnix, Instant now) {
    return new AgentState(
        agentId,
        jwt,
        pem,
        ca == null || ca.isBlank() ? caCertPem : ca,
        notAfterUnix,
        now.getEpochSecond());
  }
}
