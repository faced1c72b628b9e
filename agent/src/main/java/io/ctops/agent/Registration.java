package io.ctops.agent;

import com.google.protobuf.ByteString;
import io.ctops.agent.collect.VitalsCollector;
import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.identity.AgentIdentity;
import io.ctops.agent.identity.AgentState;
import io.ctops.protocol.v1.AgentInfo;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceBlockingStub;
import io.ctops.protocol.v1.PlatformInfo;
import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.protocol.v1.Tag;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;

/**
 * One {@code Register} call (first enrolment, re-enrolment, or polling while pending) and what its
 * answer means, as a {@link RegistrationOutcome}. Sends the token, the agent's public key, a
 * certificate request for mTLS, the platform and the configured tags.
 */
final class Registration {
  private final AgentConfig config;
  private final AgentIdentity identity;
  private final VitalsCollector collector;
  private final String version;
  private final Clock clock;

  Registration(
      AgentConfig config,
      AgentIdentity identity,
      VitalsCollector collector,
      String version,
      Clock clock) {
    this.config = config;
    this.identity = identity;
    this.collector = collector;
    this.version = version;
    this.clock = clock;
  }

  /** Registers, as the agent {@code knownAgentId} names ("" when it has none yet). */
  RegistrationOutcome register(IngestServiceBlockingStub ingest, String knownAgentId) {
    RegisterResponse response;
    try {
      response = ingest.register(request(knownAgentId));
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      return switch (status.getCode()) {
        case UNAUTHENTICATED -> new RegistrationOutcome.TokenRejected(status.getDescription());
        case ALREADY_EXISTS -> new RegistrationOutcome.Duplicate(status.getDescription());
        default ->
            new RegistrationOutcome.Unreachable(
                status.getCode().toString(), status.getDescription());
      };
    }
    return switch (response.getStatus()) {
      case "active" -> new RegistrationOutcome.Registered(activeState(response));
      case "pending" -> new RegistrationOutcome.Pending(response.getAgentId());
      case "revoked" -> new RegistrationOutcome.Revoked(response.getAgentId());
      default ->
          new RegistrationOutcome.Unreachable(
              "OK", "unexpected registration status \"" + response.getStatus() + "\"");
    };
  }

  private RegisterRequest request(String knownAgentId) {
    RegisterRequest.Builder request =
        RegisterRequest.newBuilder()
            .setOrgToken(config.orgToken())
            .setPublicKey(identity.publicKeyPem())
            .setPlatformInfo(
                PlatformInfo.newBuilder()
                    .setOs(collector.osName())
                    .setArch(collector.arch())
                    .setOsVersion(collector.osVersion())
                    .addAllIpAddresses(collector.ipAddresses()))
            .setAgentInfo(
                AgentInfo.newBuilder()
                    .setHostname(collector.hostname())
                    .setVersion(version)
                    .setAgentId(knownAgentId))
            .setCsrDer(ByteString.copyFrom(identity.certificateRequest(collector.hostname())));
    config
        .tags()
        .forEach((key, value) -> request.addTags(Tag.newBuilder().setKey(key).setValue(value)));
    return request.build();
  }

  private AgentState activeState(RegisterResponse response) {
    AgentState state =
        new AgentState(response.getAgentId(), response.getJwtToken(), null, null, 0, 0);
    if (response.getClientCertPem().isEmpty()) {
      return state;
    }
    return state.withCertificate(
        response.getClientCertPem(),
        response.getAgentCaCertPem(),
        response.getClientCertNotAfterUnix(),
        clock.instant());
  }
}
