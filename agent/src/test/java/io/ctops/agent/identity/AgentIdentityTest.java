package io.ctops.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentIdentityTest {
  @TempDir Path dir;

  @Test
  void theCertificateRequestIsAValidPkcs10SignedByTheAgentsKey() throws Exception {
    AgentIdentity identity = AgentIdentity.loadOrCreate(dir);
    String longName = "host-" + "x".repeat(300) + ".example.com";

    for (String hostname : new String[] {"web-01", "bad,name=\"x\"", longName, "höst"}) {
      PKCS10CertificationRequest request =
          new PKCS10CertificationRequest(identity.certificateRequest(hostname));

      assertThat(
              request.isSignatureValid(
                  new JcaContentVerifierProviderBuilder().build(request.getSubjectPublicKeyInfo())))
          .isTrue();
      assertThat(request.getSubjectPublicKeyInfo().getEncoded())
          .isEqualTo(identity.publicKey().getEncoded());
      assertThat(request.getSignatureAlgorithm().getAlgorithm().getId()).isEqualTo("1.3.101.112");
      assertThat(request.getSubject().toString())
          .isEqualTo("CN=" + hostname.replaceAll("[,=+<>#;\"\\\\]", "_"));
      assertThat(request.getAttributes()).isEmpty();
    }
  }

  @Test
  void theKeyIsKeptOwnerOnlyAndReusedAndABrokenOneIsAClearError() throws Exception {
    AgentIdentity first = AgentIdentity.loadOrCreate(dir);

    assertThat(AgentIdentity.loadOrCreate(dir).publicKeyPem()).isEqualTo(first.publicKeyPem());
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("agent_key.pem"))))
        .isEqualTo("rw-------");

    Files.writeString(dir.resolve("agent_key.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n");
    assertThatThrownBy(() -> AgentIdentity.loadOrCreate(dir))
        .hasMessageContaining("is not a valid Ed25519 key; delete both");
  }
}
