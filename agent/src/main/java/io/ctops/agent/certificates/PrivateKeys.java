package io.ctops.agent.certificates;

import io.ctops.protocol.v1.PrivateKeyMatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.DSAPrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The private key beside a certificate, and whether it belongs to it. Keys are read only to compare
 * them with the certificate: nothing of a key leaves this class, is kept or is logged (not even a
 * parser's message, which could quote it).
 */
final class PrivateKeys {
  // PKCS#8 AlgorithmIdentifier OIDs for the traditional formats: rsaEncryption, id-ecPublicKey.
  private static final byte[] RSA_ENCRYPTION = HexFormat.of().parseHex("06092a864886f70d010101");
  private static final byte[] EC_PUBLIC_KEY = HexFormat.of().parseHex("06072a8648ce3d0201");
  private static final byte[] VERSION_0 = {Der.INTEGER, 1, 0};

  /** The algorithms a PKCS#8 key is tried as; the one its AlgorithmIdentifier names succeeds. */
  private static final List<String> PKCS8_ALGORITHMS =
      List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA");

  private static final byte[] CHALLENGE =
      "ct-ops: does this private key belong to this certificate?"
          .getBytes(StandardCharsets.US_ASCII);

  private PrivateKeys() {}

  /** What was found where a certificate's key would be. */
  sealed interface KeyFile {}

  record Absent() implements KeyFile {}

  /** A key is there but cannot be used: not readable (permissions), encrypted, or not decodable. */
  record Unreadable() implements KeyFile {}

  record Readable(PrivateKey key) implements KeyFile {}

  /**
   * Where the key of {@code certificateFile} would be, in order: Let's Encrypt's {@code
   * privkey.pem} beside its {@code cert.pem} and {@code fullchain.pem}, then the same name with
   * {@code .key} ({@code site.crt} → {@code site.key}).
   */
  static List<Path> candidates(Path certificateFile) {
    List<Path> candidates = new ArrayList<>();
    String name = certificateFile.getFileName().toString();
    if (name.equals("cert.pem") || name.equals("fullchain.pem")) {
      candidates.add(certificateFile.resolveSibling("privkey.pem"));
    }
    int dot = name.lastIndexOf('.');
    String base = dot > 0 ? name.substring(0, dot) : name;
    candidates.add(certificateFile.resolveSibling(base + ".key"));
    return candidates;
  }

  /** The key in the first of {@code candidates} that exists, read whole if at most {@code max}. */
  static KeyFile beside(List<Path> candidates, int maxBytes) {
    for (Path file : candidates) {
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try {
        if (!Files.isRegularFile(file) || Files.size(file) > maxBytes) {
          return new Unreadable();
        }
        return decode(Files.readAllBytes(file));
      } catch (IOException | SecurityException e) {
        return new Unreadable();
      }
    }
    return new Absent();
  }

  /** The first private key among a file's PEM blocks, if any. */
  static KeyFile inBlocks(List<PemBlocks.Block> blocks) {
    return blocks.stream()
        .filter(PemBlocks.Block::isPrivateKey)
        .findFirst()
        .map(PrivateKeys::decode)
        .orElse(new Absent());
  }

  private static KeyFile decode(byte[] file) {
    String text = new String(file, StandardCharsets.ISO_8859_1);
    if (PemBlocks.hasBlocks(text)) {
      KeyFile found = inBlocks(PemBlocks.read(text));
      // a file named like a key that holds none cannot be compared either
      return found instanceof Absent ? new Unreadable() : found;
    }
    return pkcs8(file).or(() -> rsa(file)).<KeyFile>map(Readable::new).orElse(new Unreadable());
  }

  private static KeyFile decode(PemBlocks.Block block) {
    if (block.isEncrypted() || block.der().length == 0) {
      return new Unreadable();
    }
    Optional<PrivateKey> key =
        switch (block.label()) {
          case "PRIVATE KEY" -> pkcs8(block.der());
          case "RSA PRIVATE KEY" -> rsa(block.der());
          case "EC PRIVATE KEY" -> ec(block.der());
          // ENCRYPTED PRIVATE KEY, OPENSSH PRIVATE KEY, DSA PRIVATE KEY, …
          default -> Optional.empty();
        };
    return key.<KeyFile>map(Readable::new).orElse(new Unreadable());
  }

  private static Optional<PrivateKey> pkcs8(byte[] der) {
    for (String algorithm : PKCS8_ALGORITHMS) {
      try {
        return Optional.of(
            KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der)));
      } catch (GeneralSecurityException | RuntimeException notThisAlgorithm) {
        // the next one
      }
    }
    return Optional.empty();
  }

  /** PKCS#1 {@code RSAPrivateKey}, wrapped into PKCS#8. */
  private static Optional<PrivateKey> rsa(byte[] pkcs1) {
    if (!Der.isOneSequence(pkcs1)) {
      return Optional.empty();
    }
    return pkcs8(
        Der.element(
            Der.SEQUENCE,
            VERSION_0,
            Der.element(Der.SEQUENCE, RSA_ENCRYPTION, new byte[] {Der.NULL, 0}),
            Der.element(Der.OCTET_STRING, pkcs1)));
  }

  /** SEC1 {@code ECPrivateKey} (RFC 5915), wrapped into PKCS#8 under the curve it names. */
  private static Optional<PrivateKey> ec(byte[] sec1) {
    Optional<byte[]> curve =
        Der.at(sec1, 0)
            .flatMap(key -> Der.children(sec1, key))
            .flatMap(
                fields -> fields.stream().filter(field -> field.tag() == Der.CONTEXT_0).findFirst())
            .flatMap(parameters -> Der.at(sec1, parameters.contentStart()))
            .map(oid -> oid.bytes(sec1));
    return curve.flatMap(
        named ->
            pkcs8(
                Der.element(
                    Der.SEQUENCE,
                    VERSION_0,
                    Der.element(Der.SEQUENCE, EC_PUBLIC_KEY, named),
                    Der.element(Der.OCTET_STRING, sec1))));
  }

  /**
   * Whether {@code key} is the private half of {@code certificateKey}. RSA compares the modulus and
   * exponent; for EC, EdDSA and DSA the JDK gives no public half of a private key, so a signature
   * made with it decides: only the certificate's own key verifies it.
   */
  static PrivateKeyMatch match(PublicKey certificateKey, KeyFile found) {
    return switch (found) {
      case Absent absent -> PrivateKeyMatch.PRIVATE_KEY_NOT_FOUND;
      case Unreadable unreadable -> PrivateKeyMatch.PRIVATE_KEY_UNREADABLE;
      case Readable readable ->
          matches(certificateKey, readable.key())
              ? PrivateKeyMatch.PRIVATE_KEY_MATCHES
              : PrivateKeyMatch.PRIVATE_KEY_DOES_NOT_MATCH;
    };
  }

  private static boolean matches(PublicKey certificateKey, PrivateKey key) {
    if (key instanceof RSAPrivateKey rsa) {
      return certificateKey instanceof RSAPublicKey owner
          && owner.getModulus().equals(rsa.getModulus())
          && (!(rsa instanceof RSAPrivateCrtKey crt)
              || crt.getPublicExponent().equals(owner.getPublicExponent()));
    }
    String algorithm =
        switch (key) {
          case ECPrivateKey ec -> "SHA256withECDSA";
          case EdECPrivateKey edec -> "EdDSA";
          case DSAPrivateKey dsa -> "SHA256withDSA";
          default -> "";
        };
    if (algorithm.isEmpty()) {
      return false; // the key factories above make no other kind of key
    }
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(CHALLENGE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificateKey);
      verifier.update(CHALLENGE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException otherKindOrCurve) {
      return false;
    }
  }
}
