package io.ctops.agent.identity;

import java.io.ByteArrayOutputStream;
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
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

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

  PublicKey publicKey() {
    return keys.getPublic();
  }

  public PrivateKey privateKey() {
    return keys.getPrivate();
  }

  /**
   * A PKCS#10 request (RFC 2986) for a client certificate with the subject {@code CN=<hostname>},
   * signed with the agent's key. Encoded here in a few lines of DER rather than with a crypto
   * library: the agent runs on every host and each library's classes cost memory.
   */
  public byte[] certificateRequest(String hostname) {
    byte[] commonName =
        hostname.replaceAll("[,=+<>#;\"\\\\]", "_").getBytes(StandardCharsets.UTF_8);
    byte[] subject =
        Der.sequence(Der.set(Der.sequence(Der.COMMON_NAME_OID, Der.tagged(0x0c, commonName))));
    byte[] noAttributes = {(byte) 0xa0, 0};
    byte[] info =
        Der.sequence(Der.INTEGER_ZERO, subject, keys.getPublic().getEncoded(), noAttributes);
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(keys.getPrivate());
      signer.update(info);
      byte[] signature = signer.sign();
      byte[] bits = new byte[signature.length + 1];
      System.arraycopy(signature, 0, bits, 1, signature.length);
      return Der.sequence(info, Der.sequence(Der.ED25519_OID), Der.tagged(0x03, bits));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign the certificate request", e);
    }
  }

  /** The handful of DER encodings a certificate request needs. */
  private static final class Der {
    static final byte[] INTEGER_ZERO = {0x02, 0x01, 0x00};
    static final byte[] COMMON_NAME_OID = {0x06, 0x03, 0x55, 0x04, 0x03};
    static final byte[] ED25519_OID = {0x06, 0x03, 0x2b, 0x65, 0x70};

    static byte[] sequence(byte[]... parts) {
      return tagged(0x30, concat(parts));
    }

    static byte[] set(byte[]... parts) {
      return tagged(0x31, concat(parts));
    }

    static byte[] tagged(int tag, byte[] content) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 4);
      out.write(tag);
      int length = content.length;
      if (length < 0x80) {
        out.write(length);
      } else if (length < 0x100) {
        out.write(0x81);
        out.write(length);
      } else {
        out.write(0x82);
        out.write(length >> 8);
        out.write(length & 0xff);
      }
      out.writeBytes(content);
      return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (byte[] part : parts) {
        out.writeBytes(part);
      }
      return out.toByteArray();
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
