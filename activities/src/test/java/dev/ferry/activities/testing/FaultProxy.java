package dev.ferry.activities.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP reverse proxy on a free loopback port, in front of a loopback HTTP server (such as
 * {@link S3ProxyServer}), that injects faults on request: error responses, dropped connections and
 * delays. Everything else is forwarded unchanged: method, path and query, headers including {@code
 * Host} (so AWS SigV4 signatures made for the proxy's address still match), and bodies, streamed
 * with their exact {@code Content-Length}.
 *
 * <p>Rules are checked in the order they were added, for every request; each counts the requests
 * that matched it. Rules may be added from any thread while requests flow. The proxy serves at most
 * {@value #THREADS} requests at once; the rest wait.
 */
public final class FaultProxy implements AutoCloseable {
  static {
    // Must be set before the JDK's HttpClient implementation is first loaded; it is read once.
    String allowed = System.getProperty("jdk.httpclient.allowRestrictedHeaders", "");
    if (!allowed.toLowerCase(Locale.ROOT).contains("host")) {
      System.setProperty(
          "jdk.httpclient.allowRestrictedHeaders", allowed.isBlank() ? "host" : allowed + ",host");
    }
  }

  private static final int THREADS = 32;
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "keep-alive",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade");

  private final URI upstream;
  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpClient client;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();

  private FaultProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    try {
      HttpRequest.newBuilder(upstream).header("Host", "check");
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "the JDK HttpClient refuses to forward the Host header: the HttpClient was loaded before"
              + " FaultProxy set -Djdk.httpclient.allowRestrictedHeaders=host; set that property"
              + " on the test JVM",
          e);
    }
    this.executor =
        Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "fault-proxy");
              t.setDaemon(true);
              return t;
            });
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Starts a proxy in front of {@code upstream} ({@code http://127.0.0.1:PORT}).
   *
   * @throws IllegalArgumentException when {@code upstream} is not a plain-http loopback address
   */
  public static FaultProxy start(URI upstream) {
    if (!"http".equals(upstream.getScheme()) || upstream.getHost() == null) {
      throw new IllegalArgumentException(
          "FaultProxy forwards to http://host:port, not " + upstream);
    }
    try {
      if (!InetAddress.getByName(upstream.getHost()).isLoopbackAddress()) {
        throw new IllegalArgumentException(
            "FaultProxy forwards to loopback servers only, not " + upstream);
      }
      return new FaultProxy(upstream);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host in " + upstream, e);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start FaultProxy", e);
    }
  }

  /** Where clients connect instead of the upstream server. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** How many requests reached the proxy. */
  public int requests() {
    return requests.get();
  }

  /**
   * Answers the next {@code times} requests whose path and query contain {@code pathContains} with
   * {@code status} and an S3 XML error body.
   *
   * @param code the S3 error code for the body ({@code SlowDown}), or null for no body
   * @param retryAfter the {@code Retry-After} header value, or null for none
   */
  public Rule failNext(
      int times, String pathContains, int status, String code, String message, String retryAfter) {
    return fail(match(null, pathContains).times(times), status, code, message, retryAfter);
  }

  /**
   * Closes the connection of the next {@code times} matching requests without answering. The client
   * sees a connection reset (when the request had a body the proxy left unread) or the server
   * failing to respond.
   */
  public Rule resetNext(int times, String pathContains) {
    return reset(match(null, pathContains).times(times));
  }

  /** Holds the next {@code times} matching requests for {@code delay}, then forwards them. */
  public Rule delayNext(int times, String pathContains, Duration delay) {
    return delay(match(null, pathContains).times(times), delay);
  }

  /**
   * Forwards the next {@code times} matching requests with one byte of their body changed (the byte
   * in the middle, inverted), as a damaged network or a faulty middlebox would: the length and
   * every header stay as the client sent them.
   */
  public Rule corruptNext(int times, String pathContains) {
    return add(
        new Rule(
            match(null, pathContains).times(times), Action.CORRUPT, 0, null, null, null, null));
  }

  /** Only counts the requests with {@code method} (null for any) whose path contains the text. */
  public Rule watch(String method, String pathContains) {
    return add(
        new Rule(match(method, pathContains).times(0), Action.NONE, 0, null, null, null, null));
  }

  /**
   * Which requests a rule applies to: those with {@code method} (null: any) whose path and query
   * contain every one of {@code contains}; by default every such request, see {@link
   * Match#times(int)} and {@link Match#perPath(int)}.
   */
  public static Match match(String method, String... contains) {
    return new Match(method, contains);
  }

  /**
   * Answers the requests {@code match} selects with {@code status} and an S3 XML error body.
   *
   * @param code the S3 error code for the body ({@code SlowDown}), or null for no body
   * @param retryAfter the {@code Retry-After} header value, or null for none
   */
  public Rule fail(Match match, int status, String code, String message, String retryAfter) {
    return add(new Rule(match, Action.FAIL, status, code, message, retryAfter, null));
  }

  /** Closes the connection of the requests {@code match} selects without answering. */
  public Rule reset(Match match) {
    return add(new Rule(match, Action.RESET, 0, null, null, null, null));
  }

  /** Holds the requests {@code match} selects for {@code delay}, then forwards them. */
  public Rule delay(Match match, Duration delay) {
    return add(new Rule(match, Action.DELAY, 0, null, null, null, delay));
  }

  /** Which requests a rule applies to, and how often. */
  public static final class Match {
    private final String method;
    private final List<String> contains;
    private int times = Integer.MAX_VALUE;
    private int perPath = Integer.MAX_VALUE;

    private Match(String method, String... contains) {
      this.method = method;
      this.contains =
          contains == null
              ? List.of()
              : java.util.Arrays.stream(contains).map(c -> c == null ? "" : c).toList();
    }

    /** Applies to at most {@code n} requests in all. */
    public Match times(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("times must be >= 0");
      }
      times = n;
      return this;
    }

    /**
     * Applies to at most {@code n} requests per object path (the request's path without its query:
     * every part of a multipart upload has its object's path), so that no single file takes more
     * than {@code n} of the rule's faults.
     */
    public Match perPath(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("perPath must be >= 0");
      }
      perPath = n;
      return this;
    }
  }

  /** Removes every rule. */
  public void clearRules() {
    rules.clear();
  }

  private Rule add(Rule rule) {
    rules.add(rule);
    return rule;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    client.close();
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    String method = exchange.getRequestMethod();
    String target = exchange.getRequestURI().toString();
    boolean corrupt = false;
    try {
      for (Rule rule : rules) {
        if (!rule.matches(method, target)) {
          continue;
        }
        rule.matched.incrementAndGet();
        rule.lastHeaders = Map.copyOf(exchange.getRequestHeaders());
        if (!rule.take(exchange.getRequestURI().getRawPath())) {
          continue;
        }
        switch (rule.action) {
          case DELAY -> sleep(rule.delay);
          case CORRUPT -> corrupt = true;
          case RESET -> {
            exchange.close(); // no response sent: the connection is closed under the client
            return;
          }
          case FAIL -> {
            fail(exchange, rule);
            return;
          }
          case NONE -> {}
        }
      }
      forward(exchange, method, target, corrupt);
    } catch (IOException | RuntimeException e) {
      exchange.close();
    } finally {
      exchange.close();
    }
  }

  private void fail(HttpExchange exchange, Rule rule) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream()); // else the client may fail mid-upload
    }
    byte[] body = new byte[0];
    if (rule.code != null) {
      body =
          ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                  + rule.code
                  + "</Code><Message>"
                  + (rule.message == null ? "" : rule.message)
                  + "</Message><RequestId>fault-proxy</RequestId></Error>")
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/xml");
    }
    if (rule.retryAfter != null) {
      exchange.getResponseHeaders().set("Retry-After", rule.retryAfter);
    }
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(rule.status, head || body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private void forward(HttpExchange exchange, String method, String target, boolean corrupt)
      throws IOException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(upstream.toString().replaceAll("/+$", "") + target))
            .timeout(Duration.ofMinutes(5));
    for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
      if (NOT_FORWARDED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        continue;
      }
      for (String v : h.getValue()) {
        b.header(h.getKey(), v);
      }
    }
    String lengthHeader = exchange.getRequestHeaders().getFirst("Content-Length");
    long length = lengthHeader == null ? -1 : Long.parseLong(lengthHeader.trim());
    InputStream requestBody =
        corrupt && length > 0
            ? new Corrupting(exchange.getRequestBody(), length / 2)
            : exchange.getRequestBody();
    HttpRequest.BodyPublisher publisher;
    if (length == 0 || (length < 0 && (method.equals("GET") || method.equals("HEAD")))) {
      publisher = HttpRequest.BodyPublishers.noBody();
    } else if (length > 0) {
      publisher =
          HttpRequest.BodyPublishers.fromPublisher(
              HttpRequest.BodyPublishers.ofInputStream(() -> requestBody), length);
    } else {
      publisher = HttpRequest.BodyPublishers.ofInputStream(() -> requestBody);
    }
    b.method(method, publisher);
    HttpResponse<InputStream> response;
    try {
      response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (IOException e) {
      exchange.sendResponseHeaders(502, -1);
      return;
    }
    for (Map.Entry<String, List<String>> h : response.headers().map().entrySet()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (NOT_FORWARDED.contains(name) || name.equals("date") || name.startsWith(":")) {
        continue;
      }
      exchange.getResponseHeaders().put(h.getKey(), h.getValue());
    }
    long responseLength = response.headers().firstValueAsLong("Content-Length").orElse(-1);
    int status = response.statusCode();
    try (InputStream in = response.body()) {
      if (method.equals("HEAD") || status == 204 || status == 304) {
        if (responseLength >= 0 && method.equals("HEAD")) {
          exchange.getResponseHeaders().set("Content-Length", Long.toString(responseLength));
        }
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      // HttpServer: 0 means chunked, -1 means no body.
      exchange.sendResponseHeaders(
          status, responseLength == 0 ? -1 : responseLength < 0 ? 0 : responseLength);
      try (OutputStream out = exchange.getResponseBody()) {
        in.transferTo(out);
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private enum Action {
    NONE,
    FAIL,
    RESET,
    DELAY,
    CORRUPT
  }

  /** A body with the byte at one position inverted. */
  private static final class Corrupting extends java.io.FilterInputStream {
    private final long at;
    private long pos;

    Corrupting(InputStream in, long at) {
      super(in);
      this.at = at;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0 && pos++ == at) {
        b = ~b & 0xff;
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0 && at >= pos && at < pos + n) {
        buf[off + (int) (at - pos)] ^= (byte) 0xff;
      }
      pos += Math.max(n, 0);
      return n;
    }
  }

  /** One fault rule and its counters. Thread-safe. */
  public static final class Rule {
    private final String method;
    private final List<String> contains;
    private final int perPath;
    private final Action action;
    private final int status;
    private final String code;
    private final String message;
    private final String retryAfter;
    private final Duration delay;
    private int remaining;
    private final Map<String, Integer> appliedByPath = new java.util.HashMap<>();
    private final AtomicInteger matched = new AtomicInteger();
    private final AtomicInteger applied = new AtomicInteger();
    private volatile Map<String, List<String>> lastHeaders = Map.of();

    private Rule(
        Match match,
        Action action,
        int status,
        String code,
        String message,
        String retryAfter,
        Duration delay) {
      this.method = match.method;
      this.contains = match.contains;
      this.remaining = match.times;
      this.perPath = match.perPath;
      this.action = action;
      this.status = status;
      this.code = code;
      this.message = message;
      this.retryAfter = retryAfter;
      this.delay = delay;
    }

    boolean matches(String requestMethod, String target) {
      if (method != null && !method.equalsIgnoreCase(requestMethod)) {
        return false;
      }
      for (String c : contains) {
        if (!target.contains(c)) {
          return false;
        }
      }
      return true;
    }

    /**
     * Uses up one of the rule's remaining applications for a request to {@code path}, if any is
     * left in all and for that path.
     */
    synchronized boolean take(String path) {
      if (action == Action.NONE || remaining <= 0) {
        return false;
      }
      int forPath = appliedByPath.getOrDefault(path, 0);
      if (forPath >= perPath) {
        return false;
      }
      appliedByPath.put(path, forPath + 1);
      remaining--;
      applied.incrementAndGet();
      return true;
    }

    /** How many distinct object paths the rule's fault was applied to. */
    public synchronized int appliedPaths() {
      return appliedByPath.size();
    }

    /** Requests that matched this rule, whether or not it still applied to them. */
    public int matched() {
      return matched.get();
    }

    /**
     * The headers of the last request that matched, names as the JDK's server spells them (first
     * letter upper case, the rest lower case: {@code Content-md5}).
     */
    public Map<String, List<String>> lastHeaders() {
      return lastHeaders;
    }

    /** Requests this rule's fault was applied to. */
    public int applied() {
      return applied.get();
    }
  }
}
