package dev.ferry.api.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.catalog.AgentSecrets;
import dev.ferry.activities.catalog.CatalogStorageResolver;
import dev.ferry.activities.catalog.ConnectionKinds;
import dev.ferry.activities.engine.FinishService;
import dev.ferry.activities.engine.ScanService;
import dev.ferry.activities.engine.TransferService;
import dev.ferry.activities.storage.Locations;
import dev.ferry.activities.temporal.CatalogActivityImpl;
import dev.ferry.activities.temporal.ScanActivityImpl;
import dev.ferry.activities.temporal.TransferActivityImpl;
import dev.ferry.api.runtime.FerryHome;
import dev.ferry.api.runtime.LocalTemporal;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Ferry agent: registers with a server (once), then runs an activity worker on its own task queue
 * {@code agent-<id>} — scan, transfer and the finish that may remove source folders, the activities
 * that touch the storage — and sends a heartbeat to the server every {@link #HEARTBEAT} so the
 * server shows it Online. Connection secrets come from the copies the server seals for this agent;
 * the agent never holds the master key.
 *
 * <p>The agent holds no database login: what its activities read and write of the catalog goes
 * through the server's data-plane API ({@link HttpRunCatalog} over {@link ServerClient}, with the
 * agent's own token), limited by the server to the runs of jobs assigned to this agent. It needs
 * the server and Temporal (its own task queue), nothing else; {@code FERRY_DB_*} is ignored.
 */
public final class AgentWorker implements AutoCloseable {
  static final Duration HEARTBEAT = Duration.ofSeconds(5);
  private static final Logger log = LoggerFactory.getLogger(AgentWorker.class);

  private final AgentIdentity identity;
  private final HttpClient http;
  private final java.util.concurrent.CompletableFuture<String> revoked =
      new java.util.concurrent.CompletableFuture<>();
  private final LocalTemporal temporal;
  private final WorkerFactory factory;
  private final CatalogStorageResolver storage;
  private final ScheduledExecutorService heartbeats;

  private AgentWorker(
      AgentIdentity identity,
      HttpClient http,
      LocalTemporal temporal,
      WorkerFactory factory,
      CatalogStorageResolver storage,
      ScheduledExecutorService heartbeats) {
    this.identity = identity;
    this.http = http;
    this.temporal = temporal;
    this.factory = factory;
    this.storage = storage;
    this.heartbeats = heartbeats;
  }

  /** A registration refused or impossible, with a message for the person running the agent. */
  public static final class RegistrationFailed extends RuntimeException {
    RegistrationFailed(String message) {
      super(message);
    }
  }

  /**
   * Exchanges a registration code for an identity at {@code server} and stores it in home, with the
   * CA file in force ({@link AgentHttp#CA_FILE}) kept beside it.
   */
  public static AgentIdentity register(
      String server, String code, FerryHome home, Map<String, String> env)
      throws IOException, InterruptedException {
    String base;
    try {
      base = AgentHttp.serverBase(server, env);
    } catch (IllegalArgumentException e) {
      throw new RegistrationFailed(e.getMessage());
    }
    HttpClient http;
    try {
      http = AgentHttp.client(env, home.dir());
    } catch (IllegalStateException e) {
      throw new RegistrationFailed(e.getMessage());
    }
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = null;
    }
    String body =
        AgentIdentity.JSON.writeValueAsString(
            host == null
                ? Map.of("version", version())
                : Map.of("hostname", host, "version", version()));
    HttpResponse<String> r;
    try {
      r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/agents/register"))
                  .timeout(Duration.ofSeconds(30))
                  .header("Authorization", "Bearer " + code.trim())
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IllegalArgumentException e) {
      throw new RegistrationFailed("'" + server + "' is not a server URL such as http://host:8080");
    } catch (IOException e) {
      throw new RegistrationFailed(
          "cannot reach the Ferry server at " + base + ": " + AgentHttp.explain(e));
    }
    JsonNode j;
    try {
      j = AgentIdentity.JSON.readTree(r.body());
    } catch (IOException e) {
      throw new RegistrationFailed(
          "the server at "
              + base
              + " answered "
              + r.statusCode()
              + " with something other than JSON");
    }
    if (r.statusCode() != 201) {
      throw new RegistrationFailed(
          "registration refused (" + r.statusCode() + "): " + j.path("error").asText(r.body()));
    }
    AgentIdentity id =
        new AgentIdentity(
            base,
            java.util.UUID.fromString(j.get("agentId").asText()),
            j.get("name").asText(),
            j.get("token").asText(),
            j.get("agentKey").asText(),
            j.get("taskQueue").asText(),
            j.at("/temporal/address").asText(),
            j.at("/temporal/namespace").asText());
    id.save(home.dir());
    AgentHttp.pinCa(env, home.dir());
    return id;
  }

  static String version() {
    String v = AgentWorker.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0" : v;
  }

  /**
   * Starts the worker and the heartbeats. Environment variables win over the registration: {@code
   * TEMPORAL_ADDRESS} / {@code TEMPORAL_NAMESPACE}. {@code FERRY_DB_*} is ignored (said once).
   */
  public static AgentWorker start(AgentIdentity id, Map<String, String> env, FerryHome home) {
    AgentHttp.serverBase(id.server(), env); // plain http to another machine: refused
    HttpClient http = AgentHttp.client(env, home.dir());
    Map<String, String> e = new HashMap<>(env);
    e.putIfAbsent("TEMPORAL_ADDRESS", id.temporalAddress());
    e.putIfAbsent("TEMPORAL_NAMESPACE", id.temporalNamespace());
    List<String> ignored =
        env.keySet().stream().filter(k -> k.startsWith("FERRY_DB_")).sorted().toList();
    if (!ignored.isEmpty()) {
      log.warn(
          "ignoring {}: an agent reaches the catalog only through the Ferry server, with its own"
              + " token",
          String.join(", ", ignored));
    }
    HttpRunCatalog catalog = new HttpRunCatalog(new ServerClient(http, id.server(), id.token()));
    LocalTemporal temporal = LocalTemporal.start(home, "agent", e);
    CatalogStorageResolver storage =
        new CatalogStorageResolver(
            AgentSecrets.resolver(catalog::connection, Base64.getDecoder().decode(id.agentKey())),
            ConnectionKinds.defaults(),
            new Locations(e));
    WorkflowClient client =
        WorkflowClient.newInstance(
            temporal.stubs(),
            WorkflowClientOptions.newBuilder().setNamespace(temporal.namespace()).build());
    WorkerFactory factory = WorkerFactory.newInstance(client);
    Worker worker =
        factory.newWorker(
            id.taskQueue(),
            WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(64).build());
    String who = RecordingActivities.who(id);
    worker.registerActivitiesImplementations(
        new RecordingActivities.Scan(
            new ScanActivityImpl(new ScanService(catalog, storage), catalog), catalog, who),
        new RecordingActivities.Transfer(
            new TransferActivityImpl(new TransferService(catalog, storage), catalog), catalog, who),
        new CatalogActivityImpl(catalog, new FinishService(catalog, storage)));
    factory.start();
    ScheduledExecutorService hb =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("ferry-heartbeat").factory());
    AgentWorker w = new AgentWorker(id, http, temporal, factory, storage, hb);
    hb.scheduleWithFixedDelay(w::heartbeat, 0, HEARTBEAT.toSeconds(), TimeUnit.SECONDS);
    return w;
  }

  void heartbeat() {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          identity.server()
                              + "/api/v1/agents/"
                              + identity.agentId()
                              + "/heartbeat"))
                  .timeout(Duration.ofSeconds(10))
                  .header("Authorization", "Bearer " + identity.token())
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"version\":\"" + version() + "\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 401) {
        // the agent's token was revoked (DELETE /agents/{id}): stop taking work at once
        String why =
            "the server no longer accepts this agent's token (revoked): stopping; register again"
                + " with a new code to serve again";
        log.error(why);
        factory.shutdownNow();
        revoked.complete(why);
      } else if (r.statusCode() != 204) {
        log.warn("the server refused the heartbeat ({}): {}", r.statusCode(), r.body());
      }
    } catch (IOException e) {
      log.warn("cannot reach the server for the heartbeat: {}", AgentHttp.explain(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Completes, with the reason, when the server has revoked this agent (the worker is stopped). */
  public java.util.concurrent.CompletableFuture<String> revoked() {
    return revoked;
  }

  public AgentIdentity identity() {
    return identity;
  }

  public LocalTemporal temporal() {
    return temporal;
  }

  @Override
  public void close() {
    heartbeats.shutdownNow();
    factory.shutdownNow();
    factory.awaitTermination(5, TimeUnit.SECONDS);
    storage.close();
    temporal.close();
  }
}
