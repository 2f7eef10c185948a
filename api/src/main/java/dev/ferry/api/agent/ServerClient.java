package dev.ferry.api.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The agent's one way to the Ferry server's API: JSON requests authenticated with the agent's own
 * token, over the {@link HttpClient} the agent was given (its TLS settings are the caller's).
 * Answers 401, 403 and 404 throw {@link Refused} (the server will not do this for this agent: not
 * worth retrying); 5xx and network errors throw {@link Unavailable} (worth retrying). Thread-safe.
 */
public final class ServerClient {
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final HttpClient http;
  private final String base;
  private final String token;

  /**
   * @param server the server's base URL ({@code https://ferry.example:8443})
   */
  public ServerClient(HttpClient http, String server, String token) {
    this.http = http;
    this.base = server.replaceAll("/+$", "") + "/api/v1";
    this.token = token;
  }

  /** The server refused the request (401, 403, 404, 4xx): retrying will not help. */
  public static final class Refused extends IllegalArgumentException {
    private final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /** The server could not be reached or failed (5xx): worth trying again. */
  public static final class Unavailable extends UncheckedIOException {
    Unavailable(String message, IOException cause) {
      super(message, cause);
    }
  }

  private HttpRequest.Builder request(String path) {
    return untimed(path).timeout(TIMEOUT);
  }

  /** A request without a time limit: a stream lasts as long as its writer (a scan's listing). */
  private HttpRequest.Builder untimed(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .version(HttpClient.Version.HTTP_1_1)
        .header("Authorization", "Bearer " + token);
  }

  /** GET {@code path} (below {@code /api/v1}); its JSON answer. */
  public JsonNode get(String path) {
    return answer(path, send(path, request(path).GET()));
  }

  /** GET {@code path} read as {@code type}. */
  public <T> T get(String path, Class<T> type) {
    return convert(get(path), type);
  }

  /** {@code method} {@code path} with {@code body} as JSON; the JSON answer (null for a 204). */
  public JsonNode send(String method, String path, Object body) {
    HttpRequest.BodyPublisher p;
    try {
      p =
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return answer(
        path,
        send(path, request(path).header("Content-Type", "application/json").method(method, p)));
  }

  public <T> T send(String method, String path, Object body, Class<T> type) {
    return convert(send(method, path, body), type);
  }

  static <T> T convert(JsonNode n, Class<T> type) {
    try {
      return JSON.treeToValue(n, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the server's answer is not a " + type.getSimpleName(), e);
    }
  }

  private HttpResponse<byte[]> send(String path, HttpRequest.Builder r) {
    try {
      return http.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new Unavailable("cannot reach the Ferry server (" + path + "): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while talking to the Ferry server", new IOException(e));
    }
  }

  private static JsonNode answer(String path, HttpResponse<byte[]> r) {
    int status = r.statusCode();
    JsonNode j = null;
    if (r.body().length > 0) {
      try {
        j = JSON.readTree(r.body());
      } catch (IOException e) {
        j = null;
      }
    }
    if (status / 100 == 2) {
      return j;
    }
    String why =
        j != null && j.hasNonNull("error")
            ? j.get("error").asText()
            : new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
    String message = "the Ferry server answered " + status + " to " + path + ": " + why;
    if (status >= 500 || status == 429 || status == 408) {
      throw new Unavailable(message, new IOException(message));
    }
    throw new Refused(status, message);
  }

  /**
   * POSTs a body that {@code writer} produces as it goes (chunked, never held in memory whole) and
   * returns the answer as {@code type}. The writer's output blocks while the server catches up. The
   * request has no time limit (a listing takes as long as the store takes to list): the writer
   * keeps the connection alive while it has nothing to send (see {@link HttpRunCatalog}). When the
   * writer throws, the request is cut off (the server sees a body without its end and records
   * nothing) and its exception is rethrown.
   */
  public <T> T stream(
      String path, String contentType, Consumer<OutputStream> writer, Class<T> type) {
    Pipe pipe = new Pipe();
    CompletableFuture<HttpResponse<byte[]>> f =
        http.sendAsync(
            untimed(path)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> pipe.in))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    pipe.response = f;
    try (OutputStream out = new java.io.BufferedOutputStream(pipe.out, 1 << 16)) {
      writer.accept(out);
    } catch (IOException e) {
      pipe.fail();
      throw new Unavailable("cannot send to the Ferry server (" + path + "): " + e, e);
    } catch (RuntimeException e) {
      pipe.fail();
      f.cancel(true);
      throw e;
    }
    try {
      return convert(answer(path, f.get()), type);
    } catch (ExecutionException e) {
      IOException io = e.getCause() instanceof IOException x ? x : new IOException(e.getCause());
      throw new Unavailable("cannot reach the Ferry server (" + path + "): " + e.getCause(), io);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      throw new Unavailable("interrupted while talking to the Ferry server", new IOException(e));
    }
  }

  /**
   * A bounded hand-over of chunks between the writer (the activity's thread) and the HTTP client's
   * reading of the request body (its own threads): the writer blocks while it is full.
   */
  private static final class Pipe {
    private static final byte[] END = new byte[0];
    private static final byte[] FAILED = new byte[0];
    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(16);
    volatile CompletableFuture<?> response;

    void put(byte[] chunk) throws IOException {
      try {
        while (!chunks.offer(chunk, 200, TimeUnit.MILLISECONDS)) {
          CompletableFuture<?> r = response;
          if (r != null && r.isDone()) {
            throw new IOException("the server stopped reading the request");
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted");
      }
    }

    void fail() {
      chunks.clear();
      chunks.offer(FAILED);
    }

    final OutputStream out =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            if (len > 0) {
              put(java.util.Arrays.copyOfRange(b, off, off + len));
            }
          }

          @Override
          public void close() throws IOException {
            put(END);
          }
        };

    final InputStream in =
        new InputStream() {
          private byte[] cur = new byte[0];
          private int pos;
          private boolean ended;

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
              return 0;
            }
            while (pos >= cur.length) {
              if (ended) {
                return -1;
              }
              byte[] next;
              try {
                next = chunks.take();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
              }
              if (next == FAILED) {
                throw new IOException("the body was cut off: its writer failed");
              }
              if (next == END) {
                ended = true;
                return -1;
              }
              cur = next;
              pos = 0;
            }
            int n = Math.min(len, cur.length - pos);
            System.arraycopy(cur, pos, b, off, n);
            pos += n;
            return n;
          }
        };
  }
}
