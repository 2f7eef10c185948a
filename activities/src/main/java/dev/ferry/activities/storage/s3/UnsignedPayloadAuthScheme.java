package dev.ferry.activities.storage.s3;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * SigV4 that sends request bodies as {@code UNSIGNED-PAYLOAD} over plain {@code http://} too, as
 * the SDK already does over {@code https://} for S3.
 *
 * <p>The SDK's signer hashes every body with SHA-256 for the signature when the endpoint is plain
 * http, and nothing turns that off. For Ferry that was a third pass over every byte (after its own
 * SHA-256 and the MD5 for {@code Content-MD5}), 10% of the CPU of a small-file upload to s3proxy.
 * Integrity does not depend on it: every upload carries {@code Content-MD5}, which is one of the
 * signed headers, so the server refuses a body that differs from what Ferry hashed, and a body
 * changed on the way cannot be matched to the signed MD5 without a second preimage of MD5. (Plain
 * http keeps the bytes confidential from nobody either way; use https for that.)
 *
 * <p>How: the request is signed as if it were https (the scheme is not part of a SigV4 signature)
 * with payload signing off, its {@code Host} header fixed beforehand to what the http request
 * sends, and then handed back as http. Https requests, and bodies the SDK would send {@code
 * aws-chunked} (Ferry turns that off), are signed as the SDK signs them.
 */
final class UnsignedPayloadAuthScheme implements AwsV4AuthScheme {
  private final AwsV4HttpSigner delegate = AwsV4HttpSigner.create();
  private final Signer signer = new Signer();

  @Override
  public String schemeId() {
    return AwsV4AuthScheme.SCHEME_ID;
  }

  @Override
  public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
    return providers.identityProvider(AwsCredentialsIdentity.class);
  }

  @Override
  public AwsV4HttpSigner signer() {
    return signer;
  }

  private final class Signer implements AwsV4HttpSigner {
    @Override
    public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
      SdkHttpRequest http = request.request();
      if (!"http".equals(http.protocol())
          || request.payload().isEmpty()
          || Boolean.TRUE.equals(request.property(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED))) {
        return delegate.sign(request);
      }
      int port = http.port();
      String host =
          SdkHttpUtils.isUsingStandardPort("http", port) ? http.host() : http.host() + ":" + port;
      SdkHttpRequest asHttps =
          http.toBuilder().protocol("https").port(port).putHeader("Host", host).build();
      SignRequest<? extends AwsCredentialsIdentity> unsigned =
          request.copy(
              b ->
                  b.request(asHttps)
                      .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false));
      SignedRequest signed = delegate.sign(unsigned);
      SdkHttpRequest back = signed.request().toBuilder().protocol("http").port(port).build();
      return signed.copy(b -> b.request(back));
    }

    @Override
    public CompletableFuture<AsyncSignedRequest> signAsync(
        AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
      return delegate.signAsync(request); // Ferry's S3 client is synchronous
    }
  }
}
