package io.ctops.server.enrolment;

import io.ctops.server.platform.pki.Pem;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * An agent's identity: its Ed25519 public key, kept in one canonical PEM form
 * (SubjectPublicKeyInfo) so that the same key always finds the same agent, however the agent
 * encoded it or wrapped its lines. Agents send one of two encodings in a {@code PUBLIC KEY} block:
 * ours the SubjectPublicKeyInfo DER, the original CT-Ops agent the raw 32-byte key.
 */
public record AgentPublicKey(String pem, PublicKey key) {
  private static final int RAW_ED25519_LENGTH = 32;

  /** Parses a PEM "PUBLIC KEY"; the message says what is wrong when it is not an Ed25519 key. */
  public static AgentPublicKey parse(String text) throws InvalidKeyException {
    if (text == null || text.isBlank()) {
      throw new InvalidKeyException("public_key is empty; send the agent's PEM Ed25519 public key");
    }
    if (text.length() > 4096) {
      throw new InvalidKeyException("public_key is too long for an Ed25519 key");
    }
    PemObject block;
    try (PemReader reader = new PemReader(new StringReader(text))) {
      block = reader.readPemObject();
    } catch (IOException | RuntimeException e) {
      throw new InvalidKeyException("public_key is not valid PEM");
    }
    if (block == null) {
      throw new InvalidKeyException("public_key is not valid PEM");
    }
    if (!"PUBLIC KEY".equals(block.getType())) {
      throw new InvalidKeyException(
          "public_key is a PEM " + block.getType() + " block, not a PUBLIC KEY block");
    }
    SubjectPublicKeyInfo info = subjectPublicKeyInfo(block.getContent());
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

  /**
   * The block's body: 32 bytes are a raw Ed25519 key, anything else must be SubjectPublicKeyInfo.
   */
  private static SubjectPublicKeyInfo subjectPublicKeyInfo(byte[] body) throws InvalidKeyException {
    if (body.length == RAW_ED25519_LENGTH) {
      return new SubjectPublicKeyInfo(
          new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), body);
    }
    try {
      return SubjectPublicKeyInfo.getInstance(body);
    } catch (RuntimeException e) {
      throw new InvalidKeyException(
          "public_key holds "
              + body.length
              + " bytes that are neither a SubjectPublicKeyInfo nor a raw 32-byte Ed25519 key");
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
