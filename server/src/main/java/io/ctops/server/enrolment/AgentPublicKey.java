package io.ctops.server.enrolment;

import io.ctops.server.platform.pki.Pem;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMParser;

/**
 * An agent's identity: its Ed25519 public key, kept in one canonical PEM form so that the same key
 * always finds the same agent, however the agent wrapped its lines.
 */
public record AgentPublicKey(String pem, PublicKey key) {

  /** Parses a PEM "PUBLIC KEY"; the message says what is wrong when it is not an Ed25519 key. */
  public static AgentPublicKey parse(String text) throws InvalidKeyException {
    if (text == null || text.isBlank()) {
      throw new InvalidKeyException("public_key is empty; send the agent's PEM Ed25519 public key");
    }
    if (text.length() > 4096) {
      throw new InvalidKeyException("public_key is too long for an Ed25519 key");
    }
    Object object;
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      object = parser.readObject();
    } catch (IOException | RuntimeException e) {
      throw new InvalidKeyException("public_key is not valid PEM");
    }
    if (!(object instanceof SubjectPublicKeyInfo info)) {
      throw new InvalidKeyException("public_key is not a PEM PUBLIC KEY block");
    }
    if (!EdECObjectIdentifiers.id_Ed25519.equals(info.getAlgorithm().getAlgorithm())) {
      throw new InvalidKeyException(
          "public_key must be an Ed25519 key, got algorithm " + info.getAlgorithm().getAlgorithm());
    }
    try {
      PublicKey key =
          KeyFactory.getInstance("Ed25519")
              .generatePublic(new X509EncodedKeySpec(info.getEncoded()));
      return new AgentPublicKey(Pem.encode(info), key);
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidKeyException("public_key is not a valid Ed25519 key");
    }
  }

  /** The key in the request is not one we accept. */
  public static final class InvalidKeyException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidKeyException(String message) {
      super(message);
    }
  }
}
