package io.ctops.server.enrolment;

import io.ctops.server.agentca.AgentCertificateAuthority.IssuedCertificate;
import java.sql.Timestamp;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Records the client certificate last issued to an agent. */
public final class ClientCertificates {
  private ClientCertificates() {}

  public static void store(Handle handle, UUID agentId, IssuedCertificate certificate) {
    handle
        .createUpdate(
            "UPDATE agents SET client_cert_serial = :serial, client_cert_pem = :pem,"
                + " client_cert_not_after = :notAfter, updated_at = now() WHERE id = :id")
        .bind("serial", certificate.serial())
        .bind("pem", certificate.pem())
        .bind("notAfter", Timestamp.from(certificate.notAfter()))
        .bind("id", agentId)
        .execute();
  }
}
