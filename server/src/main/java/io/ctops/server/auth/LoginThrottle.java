package io.ctops.server.auth;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * Keeps online password guessing slow without letting a stranger lock anyone out. Failed sign-ins
 * are counted in PostgreSQL (so every web instance sees the same counts) per (account, address) and
 * per address within a sliding window: five failures lock that account from that address only, so
 * its owner still signs in from elsewhere, and fifty lock the address for every account (one
 * address spraying many accounts). Counting only per account would let anyone lock an admin out
 * with five wrong passwords.
 *
 * <p>An attempt is recorded as failed before its password is checked and forgiven when it turns out
 * right, so an attempt that errors half-way still counts, and parallel attempts from one address
 * are admitted one at a time (an advisory lock per address), never past the limit.
 */
public final class LoginThrottle {
  static final int MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5;
  static final int MAX_FAILURES_PER_ADDRESS = 50;
  static final Duration WINDOW = Duration.ofMinutes(15);

  /** Longer than any email an account can have (320), so a longer one never shares its count. */
  private static final int ACCOUNT_KEY_LENGTH = 321;

  private static final int ADDRESS_KEY_LENGTH = 64;

  private final Jdbi jdbi;
  private final Clock clock;

  public LoginThrottle(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /**
   * Admits one attempt for this account from this address, counting it as failed until {@link
   * #succeeded} says otherwise; false (and nothing counted) while either limit is reached.
   */
  public boolean admit(String email, String address) {
    String account = accountKey(email);
    String from = addressKey(address);
    Instant now = clock.instant();
    return jdbi.inTransaction(
        handle -> {
          handle.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "sign-in:" + from);
          boolean allowed =
              handle
                  .createQuery(
                      """
                      SELECT count(*) FILTER (WHERE account = :account)
                                 < :perAccount
                             AND count(*) < :perAddress
                        FROM sign_in_failures
                       WHERE address = :address AND failed_at > :since
                      """)
                  .bind("account", account)
                  .bind("address", from)
                  .bind("since", Timestamp.from(now.minus(WINDOW)))
                  .bind("perAccount", MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS)
                  .bind("perAddress", MAX_FAILURES_PER_ADDRESS)
                  .mapTo(Boolean.class)
                  .one();
          if (allowed) {
            handle
                .createUpdate(
                    "INSERT INTO sign_in_failures (account, address, failed_at)"
                        + " VALUES (:account, :address, :now)")
                .bind("account", account)
                .bind("address", from)
                .bind("now", Timestamp.from(now))
                .execute();
          }
          return allowed;
        });
  }

  /** The password was right: this account's failures from this address are forgotten. */
  public void succeeded(String email, String address) {
    jdbi.useHandle(
        handle ->
            handle
                .createUpdate(
                    "DELETE FROM sign_in_failures WHERE account = :account AND address = :address")
                .bind("account", accountKey(email))
                .bind("address", addressKey(address))
                .execute());
  }

  /** Forgets the account's failures from every address (its password was reset by an operator). */
  public void clear(String email) {
    jdbi.useHandle(
        handle ->
            handle
                .createUpdate("DELETE FROM sign_in_failures WHERE account = :account")
                .bind("account", accountKey(email))
                .execute());
  }

  /**
   * Accounts locked from at least one address now, keyed by lower-cased email, with how many
   * addresses each is locked from.
   */
  public Map<String, Integer> lockedAccounts() {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT account, count(*) AS addresses FROM (
                        SELECT account FROM sign_in_failures WHERE failed_at > :since
                         GROUP BY account, address HAVING count(*) >= :perAccount) AS locked
                     GROUP BY account
                    """)
                .bind("since", Timestamp.from(clock.instant().minus(WINDOW)))
                .bind("perAccount", MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS)
                .map((rs, ctx) -> Map.entry(rs.getString("account"), rs.getInt("addresses")))
                .list()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
  }

  /** Removes failures older than the window, which no longer count; returns how many. */
  public int purgeExpired() {
    return jdbi.withHandle(
        handle ->
            handle
                .createUpdate("DELETE FROM sign_in_failures WHERE failed_at <= :since")
                .bind("since", Timestamp.from(clock.instant().minus(WINDOW)))
                .execute());
  }

  /**
   * The account as counted: the email as typed, lower-cased. Whatever was typed is counted, even
   * what no account could have: a NUL (PostgreSQL text cannot hold one) becomes U+FFFD.
   */
  static String accountKey(String email) {
    String key =
        email == null ? "" : email.strip().toLowerCase(Locale.ROOT).replace('\0', '\uFFFD');
    return key.length() > ACCOUNT_KEY_LENGTH ? key.substring(0, ACCOUNT_KEY_LENGTH) : key;
  }

  private static String addressKey(String address) {
    String key = address == null ? "" : address.replace('\0', '\uFFFD');
    return key.length() > ADDRESS_KEY_LENGTH ? key.substring(0, ADDRESS_KEY_LENGTH) : key;
  }
}
