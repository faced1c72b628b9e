package io.ctops.server.platform.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.ctops.server.platform.config.ConfigException;
import io.ctops.server.platform.pki.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * The agents' JWTs (RS256): issued to active agents, checked on every authenticated RPC. Every
 * ingest instance loads the same key file, so a token from one is accepted by all; the public half
 * is published as a JWKS document.
 */
public final class AgentTokens {
  public static final String ISSUER = "ct-ops-ingest";
  public static final Duration LIFETIME = Duration.ofHours(24);

  private final RSAKey key;
  private final RSASSASigner signer;
  private final RSASSAVerifier verifier;
  private final Clock clock;

  private AgentTokens(RSAKey key, Clock clock) {
    try {
      this.key = key;
      this.signer = new RSASSASigner(key);
      this.verifier = new RSASSAVerifier(key.toRSAPublicKey());
      this.clock = clock;
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Loads the signing key from {@code file}, generating a 2048-bit key there (mode 0600) when the
   * file does not exist. A file that exists but holds no RSA private key is a startup error.
   */
  public static AgentTokens loadOrCreate(String variable, Path file, Clock clock) {
    try {
      KeyPair pair;
      if (Files.exists(file)) {
        pair = read(variable, file);
      } else {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        pair = generator.generateKeyPair();
        if (!Pem.writeIfAbsent(file, Pem.encodePrivateKey(pair.getPrivate()))) {
          // Another instance generated it at the same moment: every instance must use theirs.
          pair = read(variable, file);
        }
      }
      RSAKey jwk =
          new RSAKey.Builder((RSAPublicKey) pair.getPublic())
              .privateKey(pair.getPrivate())
              .keyUse(KeyUse.SIGNATURE)
              .algorithm(JWSAlgorithm.RS256)
              .keyIDFromThumbprint()
              .build();
      return new AgentTokens(jwk, clock);
    } catch (IOException e) {
      throw new ConfigException(variable, "cannot write " + file + " (" + e + ")");
    } catch (JOSEException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up the JWT signing key", e);
    }
  }

  private static KeyPair read(String variable, Path file) throws GeneralSecurityException {
    PrivateKeyInfo info = Pem.requirePrivateKey(variable, file);
    try {
      var privateKey =
          KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
      if (!(privateKey instanceof RSAPrivateCrtKey crt)) {
        throw new ConfigException(variable, file + " holds no RSA private key");
      }
      var publicKey =
          KeyFactory.getInstance("RSA")
              .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
      return new KeyPair(publicKey, privateKey);
    } catch (IOException | InvalidKeySpecException e) {
      throw new ConfigException(
          variable, file + " holds no RSA private key (" + e.getMessage() + ")");
    }
  }

  /** A token for an active agent, valid for {@link #LIFETIME}. */
  public String issue(UUID agentId) {
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(agentId.toString())
            .issuer(ISSUER)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(LIFETIME)))
            .jwtID(UUID.randomUUID().toString())
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a JWT", e);
    }
    return jwt.serialize();
  }

  /** The agent a token was issued to, or why it is not acceptable. */
  public sealed interface Verification {
    record Valid(UUID agentId) implements Verification {}

    record Invalid(String reason) implements Verification {}
  }

  public Verification verify(String token) {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      return new Verification.Invalid("the JWT is malformed");
    }
    try {
      if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
        return new Verification.Invalid("the JWT signature is not valid");
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      if (!ISSUER.equals(claims.getIssuer())) {
        return new Verification.Invalid("the JWT was not issued by " + ISSUER);
      }
      Date expiry = claims.getExpirationTime();
      if (expiry == null || !expiry.toInstant().isAfter(clock.instant())) {
        return new Verification.Invalid("the JWT has expired; register again");
      }
      return Optional.ofNullable(claims.getSubject())
          .flatMap(AgentTokens::uuid)
          .<Verification>map(Verification.Valid::new)
          .orElse(new Verification.Invalid("the JWT names no agent"));
    } catch (JOSEException | ParseException e) {
      return new Verification.Invalid("the JWT cannot be verified");
    }
  }

  /** The public key as a JWKS document ({@code /.well-known/jwks.json}). */
  public String jwks() {
    return new JWKSet(key.toPublicJWK()).toString(true);
  }

  public String keyId() {
    return key.getKeyID();
  }

  private static Optional<UUID> uuid(String text) {
    try {
      return Optional.of(UUID.fromString(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
