package io.ctops.server.audit;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every kind of action the log knows, by the name it is stored and filtered under. A feature that
 * adds an operator action adds its constant here, so the Audit page's action filter offers it.
 */
public enum AuditAction {
  SIGN_IN("user.sign_in"),
  PASSWORD_CHANGE("user.password_change"),
  USER_CREATE("user.create"),
  USER_ROLE_CHANGE("user.role_change"),
  USER_REMOVE("user.remove"),
  API_KEY_CREATE("api_key.create"),
  API_KEY_REVOKE("api_key.revoke"),
  TOKEN_CREATE("token.create"),
  TOKEN_REVOKE("token.revoke"),
  AGENT_APPROVE("agent.approve"),
  AGENT_REVOKE("agent.revoke"),
  HOST_DELETE("host.delete"),
  HOST_RESTORE("host.restore"),
  HOST_DELETE_PERMANENTLY("host.delete_permanently"),
  HOST_RESCAN("host.rescan"),
  HOST_RENAME("host.rename"),
  HOST_TAG("host.tag"),
  HOST_UNTAG("host.untag"),
  GROUP_CREATE("group.create"),
  GROUP_UPDATE("group.update"),
  GROUP_DELETE("group.delete"),
  GROUP_MEMBERS_ADD("group.members_add"),
  GROUP_MEMBERS_REMOVE("group.members_remove"),
  USER_SCOPE_CHANGE("user.scope_change"),
  TASK_REQUEST("task.request"),
  TASK_CANCEL("task.cancel"),
  SERVICE_ACTION("host.service_action"),
  AGENT_UNINSTALL("agent.uninstall"),
  TERMINAL_START("terminal.start"),
  TERMINAL_END("terminal.end"),
  TERMINAL_STOP("terminal.stop"),
  NOTE_ADD("note.add"),
  NOTE_EDIT("note.edit"),
  NOTE_PIN("note.pin"),
  NOTE_DELETE("note.delete"),
  ORG_CREATE("org.create"),
  ORG_SETTINGS_CHANGE("org.settings_change"),
  ALERT_RULE_CREATE("alert_rule.create"),
  ALERT_RULE_UPDATE("alert_rule.update"),
  ALERT_RULE_DELETE("alert_rule.delete"),
  ALERT_ACKNOWLEDGE("alert.acknowledge"),
  ALERT_SILENCE_CREATE("alert_silence.create"),
  ALERT_SILENCE_UPDATE("alert_silence.update"),
  ALERT_SILENCE_END("alert_silence.end"),
  CHANNEL_CREATE("notification_channel.create"),
  CHANNEL_UPDATE("notification_channel.update"),
  CHANNEL_DELETE("notification_channel.delete"),
  CHANNEL_TEST("notification_channel.test"),
  SMTP_SETTINGS_CHANGE("smtp_settings.change"),
  CHECK_CREATE("check.create"),
  CHECK_UPDATE("check.update"),
  CHECK_DELETE("check.delete"),
  DIRECTORY_SETTINGS_CHANGE("directory_settings.change");

  private final String dbName;

  AuditAction(String dbName) {
    this.dbName = dbName;
  }

  public String dbName() {
    return dbName;
  }

  public static Optional<AuditAction> parse(String name) {
    return Arrays.stream(values()).filter(a -> a.dbName.equals(name)).findFirst();
  }
}
