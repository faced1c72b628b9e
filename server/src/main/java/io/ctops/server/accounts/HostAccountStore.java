package io.ctops.server.accounts;

import static io.ctops.server.platform.database.UnnestArrays.column;
import static io.ctops.server.platform.database.UnnestArrays.seconds;

import io.ctops.server.accounts.AccountReports.ReportedAccount;
import io.ctops.server.accounts.AccountReports.ReportedKey;
import io.ctops.server.platform.database.UnnestArrays;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores what an account or SSH key check's latest result on a host says, in the transaction that
 * stores the result: rows it lists are inserted or refreshed (first seen kept, removed cleared),
 * rows that check listed before and no longer does are marked removed, and its counts and notes
 * replace the last ones. A report that left entries out (it did not fit) removes nothing: what it
 * did not list may still be there. An output that is not a report is counted and changes nothing.
 */
public final class HostAccountStore {
  private static final Logger log = LoggerFactory.getLogger(HostAccountStore.class);

  private final Counter malformed;

  public HostAccountStore(MeterRegistry registry) {
    this.malformed =
        Counter.builder("ctops_account_reports_malformed_total")
            .description("Account and SSH key check results whose output is not a report")
            .register(registry);
  }

  /** Stores the report a result of {@code checkType} (service_account, ssh_key_scan) carries. */
  public void store(
      Handle handle, UUID hostId, UUID checkId, String checkType, String output, Instant ranAt) {
    switch (AccountReports.read(checkType, output)) {
      case AccountReports.Accounts accounts -> {
        accounts(handle, hostId, checkId, accounts.accounts(), ranAt);
        if (accounts.counts().omitted() == 0) {
          handle.execute(
              "UPDATE host_accounts SET removed_at = ? WHERE host_id = ? AND check_id = ?"
                  + " AND removed_at IS NULL AND last_seen < ?",
              ranAt.atOffset(java.time.ZoneOffset.UTC),
              hostId,
              checkId,
              ranAt.atOffset(java.time.ZoneOffset.UTC));
        }
        report(
            handle,
            hostId,
            checkId,
            "accounts",
            accounts.accounts().size(),
            accounts.counts(),
            ranAt);
      }
      case AccountReports.Keys keys -> {
        keys(handle, hostId, checkId, keys.keys(), ranAt);
        if (keys.counts().omitted() == 0) {
          handle.execute(
              "UPDATE host_ssh_keys SET removed_at = ? WHERE host_id = ? AND check_id = ?"
                  + " AND removed_at IS NULL AND last_seen < ?",
              ranAt.atOffset(java.time.ZoneOffset.UTC),
              hostId,
              checkId,
              ranAt.atOffset(java.time.ZoneOffset.UTC));
        }
        report(handle, hostId, checkId, "keys", keys.keys().size(), keys.counts(), ranAt);
      }
      case AccountReports.Malformed bad -> {
        malformed.increment();
        log.debug(
            "event=account_report_malformed host_id={} check_id={} reason=\"{}\"",
            hostId,
            checkId,
            bad.reason());
      }
    }
  }

  private static void accounts(
      Handle handle, UUID hostId, UUID checkId, List<ReportedAccount> rows, Instant at) {
    if (rows.isEmpty()) {
      return;
    }
    handle
        .createUpdate(
            """
            INSERT INTO host_accounts (host_id, username, check_id, uid, gid, home, shell,
                account_type, can_log_in, has_running_processes, locked, password_set,
                password_last_changed, password_expires_at, account_expires_at, privileged,
                privileged_by, groups, last_login_at, is_domain, first_seen, last_seen)
            SELECT :host, u.username, :check, u.uid, u.gid, u.home, u.shell, u.account_type,
                   u.can_log_in, u.running, u.locked, u.password_set, to_timestamp(u.changed),
                   to_timestamp(u.expires), to_timestamp(u.account_expires), u.privileged,
                   CASE WHEN u.privileged_by = '' THEN '{}'
                        ELSE string_to_array(u.privileged_by, E'\\n') END,
                   CASE WHEN u.groups = '' THEN '{}' ELSE string_to_array(u.groups, E'\\n') END,
                   to_timestamp(u.last_login), u.is_domain, to_timestamp(:at), to_timestamp(:at)
              FROM unnest(CAST(:username AS text[]), CAST(:uid AS bigint[]),
                          CAST(:gid AS bigint[]), CAST(:home AS text[]), CAST(:shell AS text[]),
                          CAST(:type AS text[]), CAST(:canLogIn AS boolean[]),
                          CAST(:running AS boolean[]), CAST(:locked AS boolean[]),
                          CAST(:passwordSet AS boolean[]), CAST(:changed AS float8[]),
                          CAST(:expires AS float8[]), CAST(:accountExpires AS float8[]),
                          CAST(:privileged AS boolean[]), CAST(:privilegedBy AS text[]),
                          CAST(:groups AS text[]), CAST(:lastLogin AS float8[]),
                          CAST(:domain AS boolean[]))
                   AS u(username, uid, gid, home, shell, account_type, can_log_in, running,
                        locked, password_set, changed, expires, account_expires, privileged,
                        privileged_by, groups, last_login, is_domain)
            ON CONFLICT (host_id, username) DO UPDATE
               SET check_id = EXCLUDED.check_id, uid = EXCLUDED.uid, gid = EXCLUDED.gid,
                   home = EXCLUDED.home, shell = EXCLUDED.shell,
                   account_type = EXCLUDED.account_type, can_log_in = EXCLUDED.can_log_in,
                   has_running_processes = EXCLUDED.has_running_processes,
                   locked = EXCLUDED.locked, password_set = EXCLUDED.password_set,
                   password_last_changed = EXCLUDED.password_last_changed,
                   password_expires_at = EXCLUDED.password_expires_at,
                   account_expires_at = EXCLUDED.account_expires_at,
                   privileged = EXCLUDED.privileged, privileged_by = EXCLUDED.privileged_by,
                   groups = EXCLUDED.groups, last_login_at = EXCLUDED.last_login_at,
                   is_domain = EXCLUDED.is_domain, last_seen = EXCLUDED.last_seen,
                   removed_at = NULL
            """)
        .bind("host", hostId)
        .bind("check", checkId)
        .bind("at", seconds(at))
        .bindArray("username", String.class, column(rows, ReportedAccount::username))
        .bindArray("uid", Long.class, column(rows, a -> boxed(a.uid())))
        .bindArray("gid", Long.class, column(rows, a -> boxed(a.gid())))
        .bindArray("home", String.class, column(rows, ReportedAccount::home))
        .bindArray("shell", String.class, column(rows, ReportedAccount::shell))
        .bindArray("type", String.class, column(rows, ReportedAccount::accountType))
        .bindArray("canLogIn", Boolean.class, column(rows, ReportedAccount::canLogIn))
        .bindArray(
            "running", Boolean.class, column(rows, a -> a.hasRunningProcesses().orElse(null)))
        .bindArray("locked", Boolean.class, column(rows, a -> a.locked().orElse(null)))
        .bindArray("passwordSet", Boolean.class, column(rows, a -> a.passwordSet().orElse(null)))
        .bindArray("changed", Double.class, column(rows, a -> time(a.passwordLastChanged())))
        .bindArray("expires", Double.class, column(rows, a -> time(a.passwordExpiresAt())))
        .bindArray("accountExpires", Double.class, column(rows, a -> time(a.accountExpiresAt())))
        .bindArray("privileged", Boolean.class, column(rows, ReportedAccount::privileged))
        .bindArray(
            "privilegedBy", String.class, column(rows, a -> String.join("\n", a.privilegedBy())))
        .bindArray("groups", String.class, column(rows, a -> String.join("\n", a.groups())))
        .bindArray("lastLogin", Double.class, column(rows, a -> time(a.lastLoginAt())))
        .bindArray("domain", Boolean.class, column(rows, ReportedAccount::domain))
        .execute();
  }

  private static void keys(
      Handle handle, UUID hostId, UUID checkId, List<ReportedKey> rows, Instant at) {
    if (rows.isEmpty()) {
      return;
    }
    handle
        .createUpdate(
            """
            INSERT INTO host_ssh_keys (host_id, file_path, fingerprint, username, check_id,
                key_type, bits, comment, key_source, key_age_seconds, first_seen, last_seen)
            SELECT :host, u.file_path, u.fingerprint, u.username, :check, u.key_type, u.bits,
                   u.comment, u.key_source, u.age, to_timestamp(:at), to_timestamp(:at)
              FROM unnest(CAST(:path AS text[]), CAST(:fingerprint AS text[]),
                          CAST(:username AS text[]), CAST(:type AS text[]),
                          CAST(:bits AS int[]), CAST(:comment AS text[]),
                          CAST(:source AS text[]), CAST(:age AS bigint[]))
                   AS u(file_path, fingerprint, username, key_type, bits, comment, key_source,
                        age)
            ON CONFLICT (host_id, file_path, fingerprint) DO UPDATE
               SET username = EXCLUDED.username, check_id = EXCLUDED.check_id,
                   key_type = EXCLUDED.key_type, bits = EXCLUDED.bits,
                   comment = EXCLUDED.comment, key_source = EXCLUDED.key_source,
                   key_age_seconds = EXCLUDED.key_age_seconds, last_seen = EXCLUDED.last_seen,
                   removed_at = NULL
            """)
        .bind("host", hostId)
        .bind("check", checkId)
        .bind("at", seconds(at))
        .bindArray("path", String.class, column(rows, ReportedKey::filePath))
        .bindArray("fingerprint", String.class, column(rows, ReportedKey::fingerprint))
        .bindArray("username", String.class, column(rows, ReportedKey::username))
        .bindArray("type", String.class, column(rows, ReportedKey::keyType))
        .bindArray("bits", Integer.class, column(rows, k -> k.bits().orElse(null)))
        .bindArray("comment", String.class, column(rows, ReportedKey::comment))
        .bindArray("source", String.class, column(rows, ReportedKey::keySource))
        .bindArray("age", Long.class, column(rows, k -> boxed(k.ageSeconds())))
        .execute();
  }

  private static void report(
      Handle handle,
      UUID hostId,
      UUID checkId,
      String kind,
      int listed,
      AccountReports.Counts counts,
      Instant at) {
    handle
        .createUpdate(
            """
            INSERT INTO host_account_reports (host_id, check_id, kind, reported_at, listed, total,
                                              omitted, skipped, notes)
            VALUES (:host, :check, :kind, to_timestamp(:at), :listed, :total, :omitted, :skipped,
                    CAST(:notes AS text[]))
            ON CONFLICT (host_id, check_id) DO UPDATE
               SET kind = EXCLUDED.kind, reported_at = EXCLUDED.reported_at,
                   listed = EXCLUDED.listed, total = EXCLUDED.total, omitted = EXCLUDED.omitted,
                   skipped = EXCLUDED.skipped, notes = EXCLUDED.notes
            """)
        .bind("host", hostId)
        .bind("check", checkId)
        .bind("kind", kind)
        .bind("at", seconds(at))
        .bind("listed", listed)
        .bind("total", counts.total())
        .bind("omitted", counts.omitted())
        .bind("skipped", counts.skipped())
        .bindArray("notes", String.class, counts.notes())
        .execute();
  }

  private static Long boxed(java.util.OptionalLong value) {
    return value.isPresent() ? value.getAsLong() : null;
  }

  private static Double time(Optional<Instant> at) {
    return at.map(UnnestArrays::seconds).orElse(null);
  }
}
