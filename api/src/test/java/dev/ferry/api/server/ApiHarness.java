package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.activities.catalog.ConnectionKinds;
import dev.ferry.activities.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * One real Ferry server for the API tests of this JVM: a private PostgreSQL database, the Temporal
 * dev server (the CLI that scripts/setup installs), the central worker, and the API on a free port,
 * reached over real HTTP. Started on first use, stopped when the JVM exits.
 */
final class ApiHarness {
  static final ObjectMapper JSON = new ObjectMapper();
  private static ApiHarness instance;

  final TestDatabase db;
  final Path home;
  final String adminToken = "fy_test-admin-" + UUID.randomUUID();
  final Map<String, String> env = new HashMap<>(System.getenv());
  volatile FerryServer server;
  private final ConnectionKinds kinds = ConnectionKinds.defaults().with(new LockedLocalKind());
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final Api admin;

  private ApiHarness() throws IOException {
    db = new TestDatabase();
    home = Files.createTempDirectory("ferry-api-test-");
    env.put("FERRY_HOME", home.toString());
    env.put("FERRY_DB_URL", db.config().url());
    env.put("FERRY_DB_USER", db.config().user());
    env.put("FERRY_DB_PASSWORD", db.config().password());
    env.remove("TEMPORAL_ADDRESS");
    env.remove("FERRY_MASTER_KEY");
    env.put("FERRY_TEMPORAL_BIN", temporalBinary().toString());
    env.put("FERRY_ADMIN_TOKEN", adminToken);
    // the tests' folders (JUnit's @TempDir) are under the temporary directory: the server allows
    // local connections there, as an operator would list the folders of a machine
    env.put(LocalRoots.VARIABLE, tempRoot().toString());
    server = FerryServer.start(env, new FerryServer.Listen("127.0.0.1", 0), kinds);
    admin = api(adminToken);
  }

  /**
   * Stops the server (API, worker and the Temporal dev server it runs), as when its process dies,
   * and starts it again on the same database and Temporal state (a new port).
   */
  synchronized void restartServer() {
    server.close();
    server = FerryServer.start(env, new FerryServer.Listen("127.0.0.1", 0), kinds);
  }

  static synchronized ApiHarness get() {
    if (instance == null) {
      try {
        instance = new ApiHarness();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ApiHarness h = instance;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      h.server.close();
                      h.db.close();
                      try (var files = Files.walk(h.home)) {
                        files
                            .sorted(java.util.Comparator.reverseOrder())
                            .forEach(f -> f.toFile().delete());
                      }
                    } catch (Exception e) {
                      // the JVM is going away
                    }
                  }));
    }
    return instance;
  }

  /** The temporary directory, where the tests' folders are (its real path). */
  static Path tempRoot() {
    try {
      return Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Temporal CLI installed by scripts/setup: end-to-end tests run on the real server. */
  static Path temporalBinary() {
    Path root = Path.of(System.getProperty("user.dir")).getParent();
    Path bin = root.resolve(".tools/venv/bin/temporal");
    assertThat(bin)
        .as("the Temporal CLI (run scripts/setup, which installs it into .tools/venv)")
        .isExecutable();
    return bin;
  }

  String base() {
    return server.apiUrl();
  }

  Api api(String token) {
    return new Api(http, this::base, token);
  }

  /**
   * A client of another server (one started in a process of its own) at {@code base}, e.g. {@code
   * http://127.0.0.1:PORT/api/v1}; needs no harness.
   */
  static Api at(String base, String token) {
    return new Api(
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), () -> base, token);
  }

  /** A response: status, raw body, and the body as JSON when it is JSON. */
  record Res(int status, String body, HttpResponse<String> raw) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }

    String id() {
      return json().get("id").asText();
    }

    String field(String name) {
      return json().path("fields").path(name).asText(null);
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  /** An HTTP client holding one bearer token. */
  static final class Api {
    final String token;
    private final HttpClient http;
    private final java.util.function.Supplier<String> base;

    Api(HttpClient http, java.util.function.Supplier<String> base, String token) {
      this.http = http;
      this.base = base;
      this.token = token;
    }

    Res get(String path) {
      return send("GET", path, null, null);
    }

    Res delete(String path) {
      return send("DELETE", path, null, null);
    }

    Res post(String path, Object body) {
      return send("POST", path, body, "application/json");
    }

    Res patch(String path, Object body) {
      return send("PATCH", path, body, "application/json");
    }

    Res put(String path, Object body) {
      return send("PUT", path, body, "application/json");
    }

    Res putCsv(String path, String csv) {
      return send("PUT", path, csv, "text/csv");
    }

    Res send(String method, String path, Object body, String type) {
      String text;
      try {
        text = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(base.get() + path))
              .timeout(Duration.ofSeconds(60))
              .method(
                  method,
                  text == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(text));
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      if (type != null) {
        b.header("Content-Type", type);
      }
      try {
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Res(r.statusCode(), r.body(), r);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    // ---- building blocks ----------------------------------------------------------------

    String client(String name) {
      Res r = post("/clients", Map.of("name", name, "contactEmail", "ops@" + "example.com"));
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      return r.id();
    }

    String localConnection(String client, String name, Path root) {
      Res r =
          post(
              "/clients/" + client + "/connections",
              Map.of("name", name, "kind", "local", "settings", Map.of("root", root.toString())));
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      return r.id();
    }

    String project(String client, String name) {
      Res r =
          post("/clients/" + client + "/projects", Map.of("name", name, "type", "FILE_MIGRATION"));
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      return r.id();
    }

    String job(String project, String src, String dst, Map<String, Object> extra) {
      Map<String, Object> body = new HashMap<>(extra);
      body.putIfAbsent("name", "job " + UUID.randomUUID().toString().substring(0, 8));
      body.put("source", Map.of("connectionId", src, "path", ""));
      body.put("destination", Map.of("connectionId", dst, "path", ""));
      Res r = post("/projects/" + project + "/jobs", body);
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      return r.id();
    }

    /** Starts a run and returns its id. */
    long run(String job, String mode) {
      Res r = post("/jobs/" + job + "/runs", Map.of("mode", mode));
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      return r.json().get("id").asLong();
    }

    /** Waits until the job's latest run has ended and returns the job. */
    JsonNode awaitEnd(String job) {
      JsonNode[] last = new JsonNode[1];
      await(
          Duration.ofSeconds(90),
          () -> {
            last[0] = get("/jobs/" + job).json();
            JsonNode run = last[0].get("lastRun");
            return run != null && !run.isNull() && !run.get("finishedAt").isNull();
          });
      return last[0];
    }
  }

  static void await(Duration max, BooleanSupplier cond) {
    long deadline = System.nanoTime() + max.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + max);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** The top-level {@code field} of each element of a JSON array. */
  static java.util.List<String> each(JsonNode array, String field) {
    java.util.List<String> out = new java.util.ArrayList<>();
    array.forEach(e -> out.add(e.path(field).asText(null)));
    return out;
  }

  static ObjectNode obj() {
    return JSON.createObjectNode();
  }
}
