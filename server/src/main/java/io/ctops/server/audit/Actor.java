package io.ctops.server.audit;

import java.util.Optional;
import java.util.UUID;

/**
 * Who acted and from where: a signed-in user, a user's API key (the key and its owner), or a part
 * of the server itself (its command line, a schedule). {@code address} is the client address as the
 * web app sees it; absent for the command line and schedules.
 */
public record Actor(
    Kind kind,
    Optional<UUID> userId,
    String name,
    Optional<UUID> apiKeyId,
    Optional<String> apiKeyName,
    Optional<String> address) {

  /** How the action came. */
  public enum Kind {
    USER("user"),
    API_KEY("api_key"),
    SYSTEM("system");

    private final String dbName;

    Kind(String dbName) {
      this.dbName = dbName;
    }

    public String dbName() {
      return dbName;
    }
  }

  public static Actor user(UUID userId, String email, String address) {
    return new Actor(
        Kind.USER,
        Optional.of(userId),
        email,
        Optional.empty(),
        Optional.empty(),
        Optional.ofNullable(address));
  }

  /** A sign-in attempt: the account when the email names one, otherwise only what was typed. */
  public static Actor signingIn(Optional<UUID> userId, String typedEmail, String address) {
    String name = typedEmail.length() > 320 ? typedEmail.substring(0, 320) : typedEmail;
    return new Actor(
        Kind.USER, userId, name, Optional.empty(), Optional.empty(), Optional.ofNullable(address));
  }

  public static Actor apiKey(
      UUID keyId, String keyName, UUID ownerId, String ownerEmail, String address) {
    return new Actor(
        Kind.API_KEY,
        Optional.of(ownerId),
        ownerEmail,
        Optional.of(keyId),
        Optional.of(keyName),
        Optional.ofNullable(address));
  }

  /** The server acting on its own or through its command line; {@code what} names which part. */
  public static Actor system(String what) {
    return new Actor(
        Kind.SYSTEM, Optional.empty(), what, Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** The actor in a sentence: {@code ann@example.com}, or with {@code (API key "deploy")}. */
  public String describe() {
    return apiKeyName.map(key -> name + " (API key \"" + key + "\")").orElse(name);
  }
}
