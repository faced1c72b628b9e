package io.ctops.agent.identity;

import io.ctops.agent.text.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the agent learnt from the server: its id, its JWT and its client certificate, kept in {@code
 * agent_state.json} (mode 0600, written atomically). Deleting it makes the agent register again
 * with the same key, and get the same agent id back.
 */
public record AgentState(
    String agentId,
    String jwt,
    String clientCertPem,
    String caCertPem,
    long clientCertNotAfterUnix,
    long clientCertIssuedUnix) {

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
      if (!(Json.parse(Files.readString(file)) instanceof Map<?, ?> fields)) {
        return new Loaded.Unusable(file + " is not valid (not a JSON object)");
      }
      AgentState state =
          new AgentState(
              text(fields, "agent_id"),
              text(fields, "jwt"),
              text(fields, "client_cert_pem"),
              text(fields, "ca_cert_pem"),
              number(fields, "client_cert_not_after_unix"),
              number(fields, "client_cert_issued_unix"));
      if (state.agentId() == null || state.agentId().isBlank()) {
        return new Loaded.Unusable(file + " names no agent");
      }
      return new Loaded.Present(state);
    } catch (Json.SyntaxException | IllegalArgumentException e) {
      return new Loaded.Unusable(file + " is not valid (" + e.getMessage() + ")");
    } catch (IOException e) {
      return new Loaded.Unusable(file + " cannot be read (" + e.getMessage() + ")");
    }
  }

  private static String text(Map<?, ?> fields, String name) {
    Object value = fields.get(name);
    if (value != null && !(value instanceof String)) {
      throw new IllegalArgumentException(name + " is not a string");
    }
    return (String) value;
  }

  private static long number(Map<?, ?> fields, String name) {
    Object value = fields.get(name);
    if (value != null && !(value instanceof Long)) {
      throw new IllegalArgumentException(name + " is not a whole number");
    }
    return value == null ? 0 : (Long) value;
  }

  public void save(Path dataDir) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("agent_id", agentId);
    fields.put("jwt", jwt);
    fields.put("client_cert_pem", clientCertPem);
    fields.put("ca_cert_pem", caCertPem);
    fields.put("client_cert_not_after_unix", clientCertNotAfterUnix);
    fields.put("client_cert_issued_unix", clientCertIssuedUnix);
    try {
      SecureFiles.write(
          dataDir.resolve("agent_state.json"),
          Json.object(fields).getBytes(StandardCharsets.UTF_8),
          true);
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
      String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
      return Json.parse(claims) instanceof Map<?, ?> fields && fields.get("exp") instanceof Long exp
          ? Optional.of(Instant.ofEpochSecond(exp))
          : Optional.empty();
    } catch (Json.SyntaxException | IllegalArgumentException e) {
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
