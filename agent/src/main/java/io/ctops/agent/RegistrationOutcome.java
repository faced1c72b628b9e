package io.ctops.agent;

import io.ctops.agent.identity.AgentState;

/** How one registration attempt ended; {@link Agent} decides what each means for the agent. */
sealed interface RegistrationOutcome {
  /** Active: the agent's new state (JWT, maybe a client certificate), not yet saved. */
  record Registered(AgentState state) implements RegistrationOutcome {}

  /** Known but waiting for an administrator's approval. */
  record Pending(String agentId) implements RegistrationOutcome {}

  /** Refused as a duplicate of another host; an operator must delete that host. */
  record Duplicate(String reason) implements RegistrationOutcome {}

  /** No answer, or one this agent does not understand; worth retrying with backoff. */
  record Unreachable(String status, String reason) implements RegistrationOutcome {}

  /** The enrolment token is wrong, expired or used up; the operator must fix {@code org_token}. */
  record TokenRejected(String reason) implements RegistrationOutcome {}

  /** An administrator revoked this agent; it must stop. */
  record Revoked(String agentId) implements RegistrationOutcome {}
}
