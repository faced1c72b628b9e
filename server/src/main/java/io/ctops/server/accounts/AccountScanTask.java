package io.ctops.server.accounts;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.auth.Role;
import io.ctops.server.tasks.TaskType;
import java.time.Duration;

/**
 * An operator asks a host's agent to read its accounts and SSH keys now rather than at the next run
 * of their checks (every 6 hours by default): our agent runs the host's service_account and
 * ssh_key_scan checks at once and their results fill the Users tab as any run's do. The original
 * CT-Ops agent does not know the task and refuses it, which then fails with its reason.
 */
public final class AccountScanTask implements TaskType {
  public static final String NAME = "account_scan";

  public static final AccountScanTask TYPE = new AccountScanTask();

  private AccountScanTask() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public JsonNode parameters(JsonNode given) throws InvalidParameters {
    if (!given.isObject() || !given.isEmpty()) {
      throw new InvalidParameters("an account scan takes no parameters; send {}");
    }
    return given;
  }

  @Override
  public boolean mayRequest(Role role) {
    return role != Role.READ_ONLY;
  }

  @Override
  public Duration timeout() {
    return Duration.ofMinutes(10);
  }
}
