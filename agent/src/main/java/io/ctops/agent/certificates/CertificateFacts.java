package io.ctops.agent.certificates;

import io.ctops.agent.text.Json;
import io.ctops.agent.text.Utf8;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.DSAKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.XECKey;
import java.security.spec.NamedParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;

/**
 * What the agent reports about an X.509 certificate, under the field names the original CT-Ops
 * agent uses (the server's Certificates tab reads them): names as RFC 2253, times as RFC 3339 UTC,
 * the SHA-256 fingerprint as lowercase hex. Subject alternative names are plain strings, DNS names
 * and IP addresses only.
 */
public record CertificateFacts(
    String subject,
    String issuer,
    List<String> sans,
    String serialNumber,
    Instant notBefore,
    Instant notAfter,
    String fingerprintSha256,
    String keyAlgorithm,
    int keySize,
    String signatureAlgorithm,
    boolean isSelfSigned) {

  // GeneralName tags (RFC 5280): dNSName and iPAddress.
  private static final int DNS_NAME = 2;
  private static final int IP_ADDRESS = 7;

  /** Past this, a name is cut when nothing else makes the description fit. */
  private static final int SHORT_TEXT = 256;

  public CertificateFacts {
    sans = List.copyOf(sans);
  }

  public static CertificateFacts of(X509Certificate certificate) {
    return new CertificateFacts(
        certificate.getSubjectX500Principal().getName(X500Principal.RFC2253),
        certificate.getIssuerX500Principal().getName(X500Principal.RFC2253),
        sans(certificate),
        serial(certificate.getSerialNumber()),
        certificate.getNotBefore().toInstant().truncatedTo(ChronoUnit.SECONDS),
        certificate.getNotAfter().toInstant().truncatedTo(ChronoUnit.SECONDS),
        fingerprint(certificate),
        keyAlgorithm(certificate.getPublicKey()),
        keySize(certificate.getPublicKey()),
        certificate.getSigAlgName(),
        isSelfSigned(certificate));
  }

  /** Whether {@code now} lies within the validity period: not expired and already valid. */
  public boolean isValidAt(Instant now) {
    return !now.isBefore(notBefore) && !now.isAfter(notAfter);
  }

  /**
   * The leaf's fields, then {@code context} (where the certificate was found: host and port, or a
   * file), then the rest of the chain as {@code "chain"}; at most {@code maxBytes} of UTF-8. When
   * it is longer, chain entries are dropped from the end, then the leaf's alternative names are cut
   * (adding {@code "sans_truncated": true}), and as a last resort long names are shortened.
   */
  public static String json(
      CertificateFacts leaf, Map<String, ?> context, List<CertificateFacts> chain, int maxBytes) {
    int keptChain = chain.size();
    while (keptChain > 0 && !fits(leaf, leaf.sans.size(), context, chain, keptChain, maxBytes)) {
      keptChain--;
    }
    int keptSans = leaf.sans.size();
    if (!fits(leaf, keptSans, context, chain, keptChain, maxBytes)) {
      // The most names that fit, found by halving: a certificate may carry thousands.
      int low = 0;
      int high = keptSans - 1;
      while (low < high) {
        int middle = (low + high + 1) / 2;
        if (fits(leaf, middle, context, chain, keptChain, maxBytes)) {
          low = middle;
        } else {
          high = middle - 1;
        }
      }
      keptSans = low;
    }
    String json = write(leaf, keptSans, context, chain, keptChain, false);
    return Utf8.length(json) <= maxBytes ? json : write(leaf, keptSans, context, chain, 0, true);
  }

  private static boolean fits(
      CertificateFacts leaf,
      int sans,
      Map<String, ?> context,
      List<CertificateFacts> chain,
      int keptChain,
      int maxBytes) {
    return Utf8.length(write(leaf, sans, context, chain, keptChain, false)) <= maxBytes;
  }

  private static String write(
      CertificateFacts leaf,
      int sans,
      Map<String, ?> context,
      List<CertificateFacts> chain,
      int keptChain,
      boolean shorten) {
    Map<String, Object> fields = leaf.fields(sans, shorten);
    context.forEach((key, value) -> fields.put(key, shorten ? shorten(value) : value));
    List<Map<String, Object>> rest = new ArrayList<>();
    for (CertificateFacts next : chain.subList(0, keptChain)) {
      rest.add(next.fields(next.sans.size(), false));
    }
    fields.put("chain", rest);
    return Json.write(fields);
  }

  /** This certificate's fields, its first {@code keptSans} alternative names. */
  private Map<String, Object> fields(int keptSans, boolean shorten) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("subject", shorten ? shorten(subject) : subject);
    fields.put("issuer", shorten ? shorten(issuer) : issuer);
    fields.put("sans", sans.subList(0, keptSans));
    if (keptSans < sans.size()) {
      fields.put("sans_truncated", true);
    }
    fields.put("serial_number", serialNumber);
    fields.put("not_before", notBefore.toString());
    fields.put("not_after", notAfter.toString());
    fields.put("fingerprint_sha256", fingerprintSha256);
    fields.put("key_algorithm", keyAlgorithm);
    fields.put("key_size", keySize);
    fields.put("signature_algorithm", signatureAlgorithm);
    fields.put("is_self_signed", isSelfSigned);
    return fields;
  }

  private static Object shorten(Object value) {
    return value instanceof String text && text.length() > SHORT_TEXT
        ? text.substring(0, SHORT_TEXT) + "…"
        : value;
  }

  /**
   * Lower-case hex. A negative serial (invalid, yet issued by some old software) is written as the
   * two's-complement bytes it is encoded with, so every serial is plain hex digits.
   */
  private static String serial(BigInteger serial) {
    return serial.signum() >= 0
        ? serial.toString(16)
        : HexFormat.of().formatHex(serial.toByteArray());
  }

  private static List<String> sans(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return List.of();
    }
    List<String> sans = new ArrayList<>();
    if (names != null) {
      for (List<?> name : names) {
        if (name.size() >= 2
            && name.get(0) instanceof Integer tag
            && (tag == DNS_NAME || tag == IP_ADDRESS)
            && name.get(1) instanceof String text) {
          sans.add(text);
        }
      }
    }
    return sans;
  }

  private static String fingerprint(X509Certificate certificate) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static String keyAlgorithm(PublicKey key) {
    // EdDSA and XDH keys name their curve, the name operators know ("Ed25519").
    if (key instanceof EdECKey edec && edec.getParams() instanceof NamedParameterSpec named) {
      return named.getName();
    }
    if (key instanceof XECKey xec && xec.getParams() instanceof NamedParameterSpec named) {
      return named.getName();
    }
    return key.getAlgorithm();
  }

  private static int keySize(PublicKey key) {
    return switch (key) {
      case RSAKey rsa -> rsa.getModulus().bitLength();
      case ECKey ec -> ec.getParams().getOrder().bitLength();
      case DSAKey dsa -> dsa.getParams().getP().bitLength();
      case EdECKey edec -> curveBits(edec.getParams().getName());
      case XECKey xec ->
          xec.getParams() instanceof NamedParameterSpec named ? curveBits(named.getName()) : 0;
      default -> 0;
    };
  }

  private static int curveBits(String curve) {
    return switch (curve) {
      case "Ed25519", "X25519" -> 256;
      case "Ed448" -> 456;
      case "X448" -> 448;
      default -> 0;
    };
  }

  private static boolean isSelfSigned(X509Certificate certificate) {
    if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
      return false;
    }
    try {
      certificate.verify(certificate.getPublicKey());
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }
}
