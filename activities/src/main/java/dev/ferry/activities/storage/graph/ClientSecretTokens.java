package dev.ferry.activities.storage.graph;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.activities.storage.StorageException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import reactor.core.publisher.Mono;

/**
 * Access tokens for an app registration by the OAuth 2.0 client-credentials grant: one form POST to
 * {@code {authority}/{tenant}/oauth2/v2.0/token} with the client id, the client secret and the
 * scope {@code {graph}/.default}, as the Microsoft identity platform documents it. Tokens are kept
 * until five minutes before they expire. Ferry does this itself rather than through azure-identity
 * (MSAL), which insists on https authorities, so that tests can run the same code against a local
 * fake; the secret is only ever sent in the request body, never logged or put in a message.
 */
final class ClientSecretTokens implements TokenCredential {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration EARLY = Duration.ofMinutes(5);

  private final URI tokenUri;
  private final String clientId;
  private final String clientSecret;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private AccessToken cached;

  ClientSecretTokens(String authority, String tenant, String clientId, String clientSecret) {
    this.tokenUri =
        URI.create(authority + "/" + GraphSettings.encodeSegment(tenant) + "/oauth2/v2.0/token");
    this.clientId = clientId;
    this.clientSecret = clientSecret;
  }

  @Override
  public Mono<AccessToken> getToken(TokenRequestContext request) {
    return Mono.fromCallable(() -> getTokenSync(request));
  }

  @Override
  public synchronized AccessToken getTokenSync(TokenRequestContext request) {
    if (cached != null && cached.getExpiresAt().minus(EARLY).isAfter(OffsetDateTime.now())) {
      return cached;
    }
    String scope = String.join(" ", request.getScopes());
    String form =
        "grant_type=client_credentials&client_id="
            + enc(clientId)
            + "&client_secret="
            + enc(clientSecret)
            + "&scope="
            + enc(scope);
    HttpResponse<String> r;
    try {
      r =
          http.send(
              HttpRequest.newBuilder(tokenUri)
                  .timeout(Duration.ofSeconds(30))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString(form))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new StorageException.Transient(
          "signing in to Microsoft Graph at " + tokenUri.getHost() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Transient("signing in to Microsoft Graph: interrupted", e);
    }
    JsonNode body;
    try {
      body = JSON.readTree(r.body());
    } catch (IOException e) {
      body = JSON.createObjectNode();
    }
    if (r.statusCode() == 200 && body.hasNonNull("access_token")) {
      long seconds = body.path("expires_in").asLong(3600);
      cached =
          new AccessToken(
              body.get("access_token").asText(), OffsetDateTime.now().plusSeconds(seconds));
      return cached;
    }
    String error = body.path("error").asText("");
    String description = GraphErrors.firstLine(body.path("error_description").asText(""));
    String why = "HTTP " + r.statusCode() + (error.isEmpty() ? "" : " " + error);
    if (r.statusCode() == 429 || r.statusCode() >= 500) {
      throw new StorageException.Transient(
          "signing in to Microsoft Graph failed (" + why + "): " + description, null);
    }
    throw new StorageException.AccessDenied(
        "signing in to Microsoft Graph as app "
            + clientId
            + " failed ("
            + why
            + (description.isEmpty() ? "" : ": " + description)
            + "): "
            + GraphSettings.CHECK_CREDENTIALS,
        null);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
