package io.ctops.server.heartbeat;

import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.server.agentca.AgentCertificateAuthority;
import io.ctops.server.enrolment.AgentAuthentication.AuthenticatedAgent;
import io.ctops.server.enrolment.ClientCertificates;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What heartbeat answers carry besides acknowledgements: the latest agent version (and where to
 * download it when the agent is older), and, once, the client certificate of an agent approved
 * after it sent its CSR.
 */
public final class HeartbeatAnswers {
  private static final Logger log = LoggerFactory.getLogger(HeartbeatAnswers.class);

  private final Jdbi jdbi;
  private final AgentCertificateAuthority authority;
  private final String latestAgentVersion;
  private final String downloadBaseUrl;

  public HeartbeatAnswers(
      Jdbi jdbi,
      AgentCertificateAuthority authority,
      String latestAgentVersion,
      String downloadBaseUrl) {
    this.jdbi = jdbi;
    this.authority = authority;
    this.latestAgentVersion = latestAgentVersion;
    this.downloadBaseUrl = downloadBaseUrl;
  }

  /** A client certificate for an agent approved after it sent its CSR, for the first response. */
  HeartbeatResponse.Builder pendingCertificate(AuthenticatedAgent agent) {
    if (agent.hasClientCertificate() || agent.pendingCsr().isEmpty()) {
      return null;
    }
    try {
      AgentCertificateAuthority.IssuedCertificate issued =
          authority.sign(agent.agentId(), agent.pendingCsr().get(), agent.publicKey().key());
      jdbi.useHandle(handle -> ClientCertificates.store(handle, agent.agentId(), issued));
      return HeartbeatResponse.newBuilder()
          .setPendingClientCertPem(issued.pem())
          .setPendingClientCertNotAfterUnix(issued.notAfter().getEpochSecond())
          .setAgentCaCertPem(authority.certificatePem());
    } catch (AgentCertificateAuthority.InvalidCsrException e) {
      log.warn("event=stored_csr_rejected agent_id={} error={}", agent.agentId(), e.getMessage());
      return null;
    }
  }

  /** The answer for an agent of this version on this platform ({@code os} empty: unknown). */
  HeartbeatResponse.Builder responseFor(String agentVersion, String os, String arch) {
    HeartbeatResponse.Builder response =
        HeartbeatResponse.newBuilder().setOk(true).setLatestVersion(latestAgentVersion);
    if (!agentVersion.isEmpty() && AgentVersions.isOlder(agentVersion, latestAgentVersion)) {
      response
          .setUpdateAvailable(true)
          .setDownloadUrl(
              downloadBaseUrl
                  + "/api/agent/download?version="
                  + encode(latestAgentVersion)
                  + (os.isEmpty() ? "" : "&os=" + encode(os) + "&arch=" + encode(arch)));
    }
    return response;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
