package dev.ferry.activities.storage.graph;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.activities.testing.GraphDriveFake;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fake refuses what Graph refuses, checked with plain HTTP (no SDK in between): fragment sizes,
 * ranges, an access token sent to the upload URL, and a missing token on the API.
 */
class GraphDriveFakeTest {
  static GraphDriveFake fake;
  static String token;
  static String drive;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    fake = GraphDriveFake.start();
    drive = fake.addUser("dave@contoso.example");
    HttpResponse<String> t =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        fake.authority() + "/" + GraphDriveFake.TENANT + "/oauth2/v2.0/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
                            + "&client_id="
                            + GraphDriveFake.CLIENT_ID
                            + "&client_secret="
                            + GraphDriveFake.CLIENT_SECRET))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    token = JSON.readTree(t.body()).get("access_token").asText();
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String session(String name) throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(
                    URI.create(
                        fake.baseUrl()
                            + "/drives/"
                            + drive
                            + "/root:/"
                            + name
                            + ":/createUploadSession"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"item\":{\"@microsoft.graph.conflictBehavior\":\"replace\"}}")));
    assertThat(r.statusCode()).isEqualTo(200);
    return JSON.readTree(r.body()).get("uploadUrl").asText();
  }

  private static HttpResponse<String> fragment(String url, byte[] data, long from, long total)
      throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Range", "bytes " + from + "-" + (from + data.length - 1) + "/" + total)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
  }

  private static String code(HttpResponse<String> r) throws Exception {
    JsonNode n = JSON.readTree(r.body());
    return n.path("error").path("code").asText();
  }

  @Test
  void refusesAFragmentThatIsNotAMultipleOf320KiBUnlessItIsTheLast() throws Exception {
    String url = session("odd.bin");
    HttpResponse<String> r = fragment(url, new byte[300_000], 0, 1_000_000);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(code(r)).isEqualTo("invalidRequest");
    assertThat(r.body()).contains("320 KiB");
    // nothing was kept: the session still expects byte 0
    HttpResponse<String> status = send(HttpRequest.newBuilder(URI.create(url)).GET());
    assertThat(JSON.readTree(status.body()).get("nextExpectedRanges").get(0).asText())
        .isEqualTo("0-");
  }

  @Test
  void acceptsFragmentsInOrderAndCommitsOnTheLastByte() throws Exception {
    String url = session("ok.bin");
    byte[] data = new byte[327_680 + 10];
    new Random(1).nextBytes(data);
    byte[] first = java.util.Arrays.copyOfRange(data, 0, 327_680);
    byte[] last = java.util.Arrays.copyOfRange(data, 327_680, data.length);
    HttpResponse<String> r1 = fragment(url, first, 0, data.length);
    assertThat(r1.statusCode()).isEqualTo(202);
    assertThat(JSON.readTree(r1.body()).get("nextExpectedRanges").get(0).asText())
        .isEqualTo("327680-");
    // the same range again overlaps what was received
    HttpResponse<String> again = fragment(url, first, 0, data.length);
    assertThat(again.statusCode()).isEqualTo(416);
    assertThat(code(again)).isEqualTo("invalidRange");
    HttpResponse<String> r2 = fragment(url, last, 327_680, data.length);
    assertThat(r2.statusCode()).isEqualTo(201);
    JsonNode item = JSON.readTree(r2.body());
    assertThat(item.get("size").asLong()).isEqualTo(data.length);
    assertThat(item.at("/file/hashes/quickXorHash").asText()).isEqualTo(QuickXorHash.of(data));
    // the session is gone once the file is committed
    assertThat(send(HttpRequest.newBuilder(URI.create(url)).GET()).statusCode()).isEqualTo(404);
  }

  @Test
  void refusesFragmentsOf60MiBOrMore() throws Exception {
    String url = session("huge.bin");
    HttpResponse<String> r = fragment(url, new byte[60 << 20], 0, 200L << 20);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("60 MiB");
  }

  @Test
  void refusesAnAccessTokenOnTheUploadUrlAndAMissingOneOnTheApi() throws Exception {
    String url = session("auth.bin");
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + token)
                .header("Content-Range", "bytes 0-9/10")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[10])));
    assertThat(r.statusCode()).isEqualTo(401);
    HttpResponse<String> api =
        send(
            HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/drives/" + drive + "/root"))
                .GET());
    assertThat(api.statusCode()).isEqualTo(401);
    assertThat(code(api)).isEqualTo("InvalidAuthenticationToken");
  }

  @Test
  void throttlesWithRetryAfterWhenAsked() throws Exception {
    fake.throttleNext(1, 429, 7);
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/drives/" + drive + "/root"))
                .header("Authorization", "Bearer " + token)
                .GET());
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("7");
    assertThat(code(r)).isEqualTo("activityLimitReached");
  }

  @Test
  void aFragmentKeptThoughAnswered500MakesItsResendOverlapAndTheStatusStartInsideIt()
      throws Exception {
    String url = session("kept.bin");
    byte[] data = new byte[3 * 327_680];
    new Random(2).nextBytes(data);
    fake.storeThenFail(1, 500, 1000);
    HttpResponse<String> r =
        fragment(url, java.util.Arrays.copyOfRange(data, 0, 327_680), 0, data.length);
    assertThat(r.statusCode()).isEqualTo(500);
    HttpResponse<String> again =
        fragment(url, java.util.Arrays.copyOfRange(data, 0, 327_680), 0, data.length);
    assertThat(again.statusCode()).isEqualTo(416);
    HttpResponse<String> status = send(HttpRequest.newBuilder(URI.create(url)).GET());
    assertThat(JSON.readTree(status.body()).get("nextExpectedRanges").get(0).asText())
        .isEqualTo("1000-");
    // the rest of the fragment, ending on the 320 KiB boundary again, is taken
    HttpResponse<String> rest =
        fragment(url, java.util.Arrays.copyOfRange(data, 1000, 327_680), 1000, data.length);
    assertThat(rest.statusCode()).isEqualTo(202);
  }

  @Test
  void aTransient404LeavesTheSessionAliveAndVersionsCountEveryWrite() throws Exception {
    String url = session("v.bin");
    fake.sessionNotFoundNext(1);
    assertThat(fragment(url, new byte[10], 0, 10).statusCode()).isEqualTo(404);
    assertThat(fragment(url, new byte[10], 0, 10).statusCode()).isEqualTo(201);
    assertThat(fake.versions(drive, "v.bin")).isEqualTo(1);
    HttpResponse<String> patch =
        send(
            HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/drives/" + drive + "/root:/v.bin"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(
                    "PATCH",
                    HttpRequest.BodyPublishers.ofString(
                        "{\"fileSystemInfo\":{\"lastModifiedDateTime\":\"2020-01-01T00:00:00Z\"}}")));
    assertThat(patch.statusCode()).isEqualTo(200);
    assertThat(fake.versions(drive, "v.bin")).isEqualTo(2);
    // an upload session's conflictBehavior is fail unless the request says otherwise
    HttpResponse<String> noBehavior =
        send(
            HttpRequest.newBuilder(
                    URI.create(
                        fake.baseUrl() + "/drives/" + drive + "/root:/v.bin:/createUploadSession"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"item\":{}}")));
    assertThat(noBehavior.statusCode()).isEqualTo(409);
    assertThat(code(noBehavior)).isEqualTo("nameAlreadyExists");
  }
}
