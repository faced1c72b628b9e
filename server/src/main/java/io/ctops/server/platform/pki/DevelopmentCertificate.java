package io.ctops.server.platform.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed server certificate for development and for the single profile: ECDSA P-256, valid
 * for localhost, 127.0.0.1, ::1 and this machine's hostname. Agents trust it by pointing {@code
 * ca_cert_file} at the certificate itself.
 */
public record DevelopmentCertificate(X509CertificateHolder certificate, KeyPair keyPair) {

  public static final Duration VALIDITY = Duration.ofDays(365);

  public static DevelopmentCertificate create(Set<String> extraHostnames) {
    return create(extraHostnames, VALIDITY);
  }

  /** Valid for {@code validity} from now (tests make certificates about to expire). */
  public static DevelopmentCertificate create(Set<String> extraHostnames, Duration validity) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair keyPair = generator.generateKeyPair();
      Instant now = Instant.now();
      X500Name subject = new X500Name("CN=CT-Ops development server,O=CT-Ops");
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              subject,
              new BigInteger(128, new SecureRandom()),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(validity)),
              subject,
              keyPair.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      builder.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
      builder.addExtension(
          Extension.subjectAlternativeName, false, subjectAlternativeNames(extraHostnames));
      X509CertificateHolder certificate =
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate()));
      return new DevelopmentCertificate(certificate, keyPair);
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot create a development certificate", e);
    }
  }

  /** The names the certificate is valid for: loopback plus this machine's hostname. */
  public static Set<String> defaultHostnames() {
    Set<String> names = new LinkedHashSet<>(List.of("localhost"));
    // The kernel's name needs no resolver: on a machine without DNS a lookup can stall for long.
    try {
      String kernelName = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      if (!kernelName.isEmpty()) {
        names.add(kernelName);
        return names;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: ask the resolver below
    }
    try {
      names.add(InetAddress.getLocalHost().getHostName());
    } catch (UnknownHostException e) {
      // A machine without a resolvable hostname still gets a certificate for loopback.
    }
    return names;
  }

  public void writeTo(Path certificateFile, Path keyFile) throws IOException {
    Pem.write(keyFile, Pem.encodePrivateKey(keyPair.getPrivate()), true);
    Pem.write(certificateFile, Pem.encode(certificate), false);
  }

  private static GeneralNames subjectAlternativeNames(Set<String> hostnames) {
    Set<String> dnsNames = new LinkedHashSet<>(List.of("localhost"));
    dnsNames.addAll(hostnames);
    List<GeneralName> names =
        new ArrayList<>(
            dnsNames.stream().map(name -> new GeneralName(GeneralName.dNSName, name)).toList());
    names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
    names.add(new GeneralName(GeneralName.iPAddress, "::1"));
    return new GeneralNames(names.toArray(GeneralName[]::new));
  }
}
