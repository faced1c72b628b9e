package io.ctops.agent.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The agent's identity: an Ed25519 key pair created on first run in the data dir ({@code
 * agent_key.pem}, mode 0600, and {@code agent_key.pub}). The same key is the same agent to the
 * server; deleting the data dir makes a new identity.
 */
public final class AgentIdentity {
  private final KeyPair keys;

  private AgentIdentity(KeyPair keys) {
    this.keys = keys;
  }

  public static AgentIdentity loadOrCreate(Path dataDir) {
    Path privateFile = dataDir.resolve("agent_key.pem");
    Path publicFile = dataDir.resolve("agent_key.pub");
    try {
      if (Files.exists(privateFile)) {
        KeyFactory factory = KeyFactory.getInstance("Ed25519");
        PrivateKey privateKey =
            factory.generatePrivate(new PKCS8EncodedKeySpec(decode(Files.readString(privateFile))));
        PublicKey publicKey =
            factory.generatePublic(new X509EncodedKeySpec(decode(Files.readString(publicFile))));
        return new AgentIdentity(new KeyPair(publicKey, privateKey));
      }
      KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      SecureFiles.write(privateFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), true);
      SecureFiles.write(publicFile, pem("PUBLIC KEY", keys.getPublic().getEncoded()), false);
      return new AgentIdentity(keys);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the agent key in " + dataDir, e);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException(
          privateFile
              + " or "
              + publicFile
              + " is not a valid Ed25519 key; delete both to make"
              + " a new identity",
          e);
    }
  }

  public String publicKeyPem() {
    return pem("PUBLIC KEY", keys.getPublic().getEncoded());
  }

  public PrivateKey privateKey() {
    return keys.getPrivate();
  }

  /** A PKCS#10 request for a client certificate, signed with the agent's key. */
  public byte[] certificateRequest(String hostname) {
    try {
      return new JcaPKCS10CertificationRequestBuilder(
              new X500Name("CN=" + hostname.replaceAll("[,=+<>#;\"\\\\]", "_")), keys.getPublic())
          .build(new JcaContentSignerBuilder("Ed25519").build(keys.getPrivate()))
          .getEncoded();
    } catch (IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot build a certificate request", e);
    }
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static byte[] decode(String pem) {
    return Base64.getMimeDecoder()
        .decode(pem.replaceAll("-----[A-Z ]+-----", "").getBytes(StandardCharsets.US_ASCII));
  }
}
