package io.ctops.agent.testing;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made for a test with BouncyCastle: {@code aCertificate("CN=a.example").withDns(
 * "a.example").validFor(Duration.ofDays(30)).selfSigned()}, or signed by another one's key.
 */
public final class TestCertificates {
  private static final AtomicLong SERIALS = new AtomicLong(0x1000);

  /** A certificate and its key. */
  public record Issued(X509Certificate certificate, KeyPair keys) {
    /** The certificate as a PEM block. */
    public String pem() {
      try {
        return "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(certificate.getEncoded())
            + "\n-----END CERTIFICATE-----\n";
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private final String subject;
  private final List<GeneralName> names = new ArrayList<>();
  private Instant notBefore = Instant.now().minus(1, ChronoUnit.HOURS);
  private Instant notAfter = Instant.now().plus(30, ChronoUnit.DAYS);
  private String keyType = "RSA";
  private KeyPair givenKeys;
  private BigInteger serial;
  private boolean isAuthority;

  private TestCertificates(String subject) {
    this.subject = subject;
  }

  public static TestCertificates aCertificate(String subject) {
    return new TestCertificates(subject);
  }

  public TestCertificates withDns(String... dnsNames) {
    for (String name : dnsNames) {
      names.add(new GeneralName(GeneralName.dNSName, name));
    }
    return this;
  }

  public TestCertificates withIp(String address) {
    names.add(new GeneralName(GeneralName.iPAddress, address));
    return this;
  }

  /** Valid from an hour ago for {@code validity}. */
  public TestCertificates validFor(Duration validity) {
    notAfter = notBefore.plus(validity).plus(1, ChronoUnit.HOURS);
    return this;
  }

  public TestCertificates validBetween(Instant from, Instant to) {
    notBefore = from;
    notAfter = to;
    return this;
  }

  /** An EC (P-256) key instead of RSA 2048. */
  public TestCertificates withEcKey() {
    keyType = "EC";
    return this;
  }

  /** An Ed25519 key instead of RSA 2048. */
  public TestCertificates withEd25519Key() {
    keyType = "Ed25519";
    return this;
  }

  /** These keys instead of new ones (many certificates in little time). */
  public TestCertificates withKeys(KeyPair keys) {
    givenKeys = keys;
    return this;
  }

  /** This serial number instead of the next in the test run (even a negative one). */
  public TestCertificates withSerial(BigInteger number) {
    serial = number;
    return this;
  }

  public TestCertificates authority() {
    isAuthority = true;
    return this;
  }

  public Issued selfSigned() {
    KeyPair keys = keys();
    return new Issued(build(keys, new X500Name(subject), keys), keys);
  }

  public Issued signedBy(Issued issuer) {
    KeyPair keys = keys();
    X500Name issuerName =
        X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
    return new Issued(build(keys, issuerName, issuer.keys()), keys);
  }

  private KeyPair keys() {
    if (givenKeys != null) {
      return givenKeys;
    }
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(keyType);
      if (keyType.equals("EC")) {
        generator.initialize(new ECGenParameterSpec("secp256r1"));
      } else if (keyType.equals("RSA")) {
        generator.initialize(2048);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private X509Certificate build(KeyPair subjectKeys, X500Name issuerName, KeyPair issuerKeys) {
    try {
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              issuerName,
              serial != null ? serial : BigInteger.valueOf(SERIALS.incrementAndGet()),
              Date.from(notBefore),
              Date.from(notAfter),
              new X500Name(subject),
              subjectKeys.getPublic());
      if (!names.isEmpty()) {
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(names.toArray(GeneralName[]::new)));
      }
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isAuthority));
      String algorithm =
          switch (issuerKeys.getPrivate().getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> "SHA256withRSA";
          };
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a test certificate", e);
    }
  }
}
