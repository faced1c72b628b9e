package io.ctops.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Writes audit entries. An action records its entry with {@link #record(Handle, AuditEntry)} in its
 * own transaction, so an action that happened is always in the log and one whose transaction rolled
 * back is not. An attempt that was refused records a {@link AuditEntry#failed} entry: in its
 * transaction when the refusal is an outcome it returns, or with {@link #recordAlone} when the
 * action wrote nothing (a failed sign-in) or its transaction was rolled back.
 */
public final class AuditLog {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What our enrolment tokens and API keys look like; the log must never hold one. */
  private static final Pattern SECRET = Pattern.compile("ctops_[A-Za-z0-9_-]{20,}");

  private static final int MAX_TEXT = 1000;

  private AuditLog() {}

  public static void record(Handle handle, AuditEntry entry) {
    refuseSecrets(entry);
    String parameters;
    try {
      parameters = JSON.writeValueAsString(entry.parameters());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("audit parameters must be plain values", e);
    }
    Actor actor = entry.actor();
    handle
        .createUpdate(
            """
            INSERT INTO audit_entries (org_id, actor_kind, actor_user_id, actor_name, api_key_id,
                                       api_key_name, action, target_type, target_id, target_label,
                                       target_host_id, parameters, outcome, reason, source_address)
            VALUES (:org, :kind, :user, :name, :key, :keyName, :action, :targetType, :targetId,
                    :targetLabel, :host, CAST(:parameters AS jsonb), :outcome, :reason, :address)
            """)
        .bind("org", entry.orgId().orElse(null))
        .bind("kind", actor.kind().dbName())
        .bind("user", actor.userId().orElse(null))
        .bind("name", clip(actor.name()))
        .bind("key", actor.apiKeyId().orElse(null))
        .bind("keyName", actor.apiKeyName().map(AuditLog::clip).orElse(null))
        .bind("action", entry.action().dbName())
        .bind("targetType", entry.target().map(Target::type).orElse(null))
        .bind("targetId", entry.target().map(Target::id).orElse(null))
        .bind("targetLabel", entry.target().map(t -> clip(t.label())).orElse(null))
        .bind("host", entry.target().flatMap(Target::hostId).orElse(null))
        .bind("parameters", parameters)
        .bind("outcome", entry.succeeded() ? "succeeded" : "failed")
        .bind("reason", entry.failure().map(AuditLog::clip).orElse(null))
        .bind("address", actor.address().orElse(null))
        .execute();
  }

  /** Records an entry in a transaction of its own: for attempts that left nothing else behind. */
  public static void recordAlone(Jdbi jdbi, AuditEntry entry) {
    jdbi.useTransaction(handle -> record(handle, entry));
  }

  /**
   * A bug, not an outcome: parameters are chosen by the calling code, and a secret there (a token,
   * a password, an API key) would be readable by every admin for the whole retention.
   */
  private static void refuseSecrets(AuditEntry entry) {
    for (var parameter : entry.parameters().entrySet()) {
      String key = parameter.getKey().toLowerCase(Locale.ROOT);
      if (key.contains("password") || key.contains("secret") || key.equals("token")) {
        throw new IllegalArgumentException("audit parameter " + key + " would hold a secret");
      }
      if (SECRET.matcher(String.valueOf(parameter.getValue())).find()) {
        throw new IllegalArgumentException("audit parameter " + key + " holds a secret");
      }
    }
    if (entry.target().isPresent() && SECRET.matcher(entry.target().get().label()).find()) {
      throw new IllegalArgumentException("an audit target's label holds a secret");
    }
  }

  private static String clip(String text) {
    return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
  }
}
