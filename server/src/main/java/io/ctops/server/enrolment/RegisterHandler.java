package io.ctops.server.enrolment;

import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.agentca.AgentCertificateAuthority;
import io.ctops.server.platform.grpc.CallIdentity;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code Register} RPC: rate limit, validation, and the one mapping of outcomes to gRPC. */
public final class RegisterHandler {
  private static final Logger log = LoggerFactory.getLogger(RegisterHandler.class);

  private final RegistrationService service;
  private final RegisterRateLimiter limiter;
  private final AgentCertificateAuthority authority;
  private final MeterRegistry registry;

  public RegisterHandler(
      RegistrationService service,
      RegisterRateLimiter limiter,
      AgentCertificateAuthority authority,
      MeterRegistry registry) {
    this.service = service;
    this.limiter = limiter;
    this.authority = authority;
    this.registry = registry;
  }

  public void register(RegisterRequest request, StreamObserver<RegisterResponse> responses) {
    Registration outcome;
    String address = CallIdentity.remoteAddress();
    if (!limiter.tryAcquire(address)) {
      outcome =
          new Registration.Rejected(
              Registration.Reason.RATE_LIMITED,
              "too many registrations from " + address + "; retry in a few seconds");
    } else {
      try {
        outcome = service.register(RegistrationRequest.from(request));
      } catch (RegistrationRequest.MissingTokenException e) {
        outcome = new Registration.Rejected(Registration.Reason.BAD_TOKEN, e.getMessage());
      } catch (RegistrationRequest.InvalidRequestException e) {
        outcome = new Registration.Rejected(Registration.Reason.INVALID, e.getMessage());
      } catch (RuntimeException e) {
        log.error("event=register_failed address={} error={}", address, e.toString(), e);
        count("error");
        responses.onError(
            Status.UNAVAILABLE
                .withDescription("registration is unavailable right now; retry later")
                .asRuntimeException());
        return;
      }
    }
    switch (outcome) {
      case Registration.Active active -> {
        RegisterResponse.Builder response =
            RegisterResponse.newBuilder()
                .setAgentId(active.agentId().toString())
                .setStatus("active")
                .setMessage(active.message())
                .setJwtToken(active.jwt())
                .setAgentCaCertPem(authority.certificatePem());
        active
            .certificate()
            .ifPresent(
                certificate ->
                    response
                        .setClientCertPem(certificate.pem())
                        .setClientCertNotAfterUnix(certificate.notAfter().getEpochSecond()));
        answer(responses, response.build(), "active");
      }
      case Registration.Pending pending ->
          answer(
              responses,
              RegisterResponse.newBuilder()
                  .setAgentId(pending.agentId().toString())
                  .setStatus("pending")
                  .setMessage(pending.message())
                  .build(),
              "pending");
      case Registration.Revoked revoked ->
          answer(
              responses,
              RegisterResponse.newBuilder()
                  .setAgentId(revoked.agentId().toString())
                  .setStatus("revoked")
                  .setMessage(revoked.message())
                  .build(),
              "revoked");
      case Registration.Rejected rejected -> {
        Status status =
            switch (rejected.reason()) {
              case BAD_TOKEN -> Status.UNAUTHENTICATED;
              case INVALID -> Status.INVALID_ARGUMENT;
              case DUPLICATE_HOST -> Status.ALREADY_EXISTS;
              case RATE_LIMITED -> Status.RESOURCE_EXHAUSTED;
            };
        count("rejected_" + rejected.reason().name().toLowerCase(Locale.ROOT));
        log.info(
            "event=register_rejected address={} reason={} message={}",
            address,
            rejected.reason(),
            rejected.message());
        responses.onError(status.withDescription(rejected.message()).asRuntimeException());
      }
    }
  }

  private void answer(
      StreamObserver<RegisterResponse> responses, RegisterResponse response, String outcome) {
    count(outcome);
    responses.onNext(response);
    responses.onCompleted();
  }

  private void count(String outcome) {
    Counter.builder("ctops_registrations_total")
        .description("Register calls by outcome")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }
}
