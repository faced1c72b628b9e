package io.ctops.server.agentca;

import io.ctops.server.platform.config.ConfigException;
import io.ctops.server.platform.pki.KeyEncryptionKey;
import io.ctops.server.platform.pki.Pem;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.jdbi.v3.core.Jdbi;

/**
 * The CA that signs agents' client certificates (mTLS). Created on the first start of any ingest
 * instance and stored in the database, so every instance signs with the same CA; its private key is
 * stored sealed with the server's {@link KeyEncryptionKey}, which lives only in a file.
 */
public final class AgentCertificateAuthority {
  public static final Duration LEAF_VALIDITY = Duration.ofDays(30);
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final long ADVISORY_LOCK_KEY = 0x6374_6f70_735f_6302L;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509CertificateHolder certificate;
  private final X509Certificate x509;
  private final PrivateKey privateKey;
  private final String certificatePem;
  private final Clock clock;

  private AgentCertificateAuthority(
      X509CertificateHolder certificate, PrivateKey privateKey, Clock clock) {
    try {
      this.certificate = certificate;
      this.x509 = new JcaX509CertificateConverter().getCertificate(certificate);
      this.privateKey = privateKey;
      this.certificatePem = Pem.encode(certificate);
      this.clock = clock;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A signed client certificate. */
  public record IssuedCertificate(String pem, String serial, Instant notAfter) {}

  /** The CSR cannot be signed; the message says why. */
  public static final class InvalidCsrException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidCsrException(String message) {
      super(message);
    }
  }

  public static AgentCertificateAuthority loadOrCreate(
      Jdbi jdbi, String kekVariable, Path kekFile, Clock clock) {
    KeyEncryptionKey kek = KeyEncryptionKey.loadOrCreate(kekVariable, kekFile);
    return jdbi.inTransaction(
        handle -> {
          try {
            handle.execute("SELECT pg_advisory_xact_lock(?)", ADVISORY_LOCK_KEY);
            var stored =
                handle
                    .createQuery(
                        "SELECT certificate_pem, private_key_encrypted FROM agent_ca WHERE id = 1")
                    .map((rs, ctx) -> new Object[] {rs.getString(1), rs.getBytes(2)})
                    .findOne();
            if (stored.isPresent()) {
              X509CertificateHolder certificate = parseCertificate((String) stored.get()[0]);
              byte[] pkcs8;
              try {
                pkcs8 = kek.open((byte[]) stored.get()[1]);
              } catch (GeneralSecurityException e) {
                throw new ConfigException(
                    kekVariable,
                    kekFile
                        + " cannot decrypt the agent CA stored in the database; every ingest and web"
                        + " instance must use the same key-encryption key file");
              }
              PrivateKey key =
                  KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
              return new AgentCertificateAuthority(certificate, key, clock);
            }
            KeyPair pair = generateKeyPair();
            X509CertificateHolder certificate = selfSign(pair, clock.instant());
            handle
                .createUpdate(
                    "INSERT INTO agent_ca (id, certificate_pem, private_key_encrypted)"
                        + " VALUES (1, :pem, :key)")
                .bind("pem", Pem.encode(certificate))
                .bind("key", kek.seal(pair.getPrivate().getEncoded()))
                .execute();
            return new AgentCertificateAuthority(certificate, pair.getPrivate(), clock);
          } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot load or create the agent CA", e);
          }
        });
  }

  public String certificatePem() {
    return certificatePem;
  }

  public X509Certificate certificate() {
    return x509;
  }

  /**
   * Signs the agent's CSR: the CSR must be validly self-signed and carry the agent's registered
   * public key, so only the holder of the agent's private key obtains a certificate for it.
   */
  public IssuedCertificate sign(UUID agentId, byte[] csrDer, PublicKey registeredKey)
      throws InvalidCsrException {
    PKCS10CertificationRequest csr;
    try {
      csr = new PKCS10CertificationRequest(csrDer);
    } catch (IOException | RuntimeException e) {
      throw new InvalidCsrException("csr_der is not a DER-encoded PKCS#10 request");
    }
    try {
      PublicKey csrKey =
          KeyFactory.getInstance("Ed25519")
              .generatePublic(new X509EncodedKeySpec(csr.getSubjectPublicKeyInfo().getEncoded()));
      if (!Arrays.equals(csrKey.getEncoded(), registeredKey.getEncoded())) {
        throw new InvalidCsrException("the CSR's key is not the agent's registered public key");
      }
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csrKey))) {
        throw new InvalidCsrException("the CSR's signature does not verify");
      }
    } catch (GeneralSecurityException | IOException | OperatorCreationException | PKCSException e) {
      throw new InvalidCsrException("the CSR does not hold a valid Ed25519 key and signature");
    }
    Instant now = clock.instant();
    Instant notAfter = now.plus(LEAF_VALIDITY);
    BigInteger serial = new BigInteger(128, RANDOM);
    try {
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              certificate.getSubject(),
              serial,
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(notAfter),
              new X500Name("CN=" + agentId + ",O=CT-Ops agent"),
              registeredKey);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      X509CertificateHolder leaf =
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(privateKey));
      return new IssuedCertificate(Pem.encode(leaf), serial.toString(16), notAfter);
    } catch (IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot sign a client certificate", e);
    }
  }

  /** The agent id a client certificate of ours names in its subject CN, if it is one. */
  public static Optional<UUID> agentIdOf(X509Certificate certificate) {
    String subject = certificate.getSubjectX500Principal().getName();
    for (String part : subject.split(",")) {
      if (part.startsWith("CN=")) {
        try {
          return Optional.of(UUID.fromString(part.substring(3)));
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  private static KeyPair generateKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static X509CertificateHolder selfSign(KeyPair pair, Instant now)
      throws IOException, OperatorCreationException {
    X500Name name =
        new X500Name(
            "CN=CT-Ops agent CA " + HexFormat.of().toHexDigits(RANDOM.nextInt()) + ",O=CT-Ops");
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            name,
            new BigInteger(128, RANDOM),
            Date.from(now.minus(Duration.ofMinutes(5))),
            Date.from(now.plus(CA_VALIDITY)),
            name,
            pair.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    builder.addExtension(
        Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
  }

  private static X509CertificateHolder parseCertificate(String pem) throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      return (X509CertificateHolder) parser.readObject();
    }
  }
}
