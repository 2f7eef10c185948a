package dev.ferry.api.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.activities.catalog.AgentRow;
import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.Webhooks;
import dev.ferry.workflows.CutoverWorkflow;
import dev.ferry.workflows.NotifyActivities;
import dev.ferry.workflows.WebhookDeliveryWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of webhooks ({@link NotifyActivities}): a notice from a workflow becomes one
 * delivery row per webhook of the job's client that asked for the event, each attempted by its own
 * {@link WebhookDeliveryWorkflow} (so retries and their backoff are Temporal's, and survive a
 * restart); an attempt is an HTTP POST of the JSON body, signed {@code X-Ferry-Signature: t=<unix
 * seconds>,v1=<hex HMAC-SHA256 of "t.body" under the webhook's secret>}. Agents that go offline are
 * found by {@link #agentsOffline} (the server's background tick) and told the same way.
 */
final class Notifier implements NotifyActivities {
  private static final Logger log = LoggerFactory.getLogger(Notifier.class);
  static final String BACKOFF_ENV = "FERRY_WEBHOOK_BACKOFF_SECONDS";
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private final Services s;
  private final WorkflowClient client;

  Notifier(Services s, WorkflowClient client) {
    this.s = s;
    this.client = client;
  }

  /**
   * The wait before a delivery's second attempt, doubled for each next: {@value #BACKOFF_ENV} (a
   * system property {@code ferry.webhookBackoffSeconds} in tests), default 30 s.
   */
  static int backoffSeconds() {
    String v = System.getProperty("ferry.webhookBackoffSeconds", System.getenv(BACKOFF_ENV));
    if (v == null || v.isBlank()) {
      return 30;
    }
    try {
      return Math.max(1, Math.min(3600, Integer.parseInt(v.trim())));
    } catch (NumberFormatException e) {
      log.warn("{} '{}' is not a number of seconds: the default 30 s applies", BACKOFF_ENV, v);
      return 30;
    }
  }

  @Override
  public void tell(Notice n) {
    JobSpecRow job;
    try {
      job = s.jobs.find(UUID.fromString(n.jobId())).orElse(null);
    } catch (IllegalArgumentException e) {
      job = null;
    }
    if (job == null || job.clientId() == null) {
      return; // a job of ferry migrate, or gone: nobody to tell
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("event", n.event());
    body.put("at", Instant.now().toString());
    body.put("clientId", job.clientId().toString());
    if (job.projectId() != null) {
      body.put("projectId", job.projectId().toString());
    }
    body.put("jobId", job.id().toString());
    body.put("jobName", job.name());
    if (n.jobRunId() != null) {
      body.put("runId", n.jobRunId());
    }
    if (n.ownerId() != null) {
      body.put("ownerId", n.ownerId());
    }
    String state = n.state();
    if (n.event().equals(RUN_ENDED) && n.jobRunId() != null) {
      JobRunRow r = s.jobRuns.find(job.id(), n.jobRunId()).orElse(null);
      if (r != null) {
        state = r.state();
        body.put("mode", r.mode().name());
        ObjectNode files = body.putObject("files");
        files.put("total", r.filesTotal());
        files.put("done", r.filesDone());
        ObjectNode bytes = body.putObject("bytes");
        bytes.put("total", r.bytesTotal());
        bytes.put("done", r.bytesDone());
      }
    }
    boolean step = n.event().equals(CUTOVER_STEP) || n.event().startsWith("transit.");
    if (n.event().startsWith("transit.")) {
      new dev.ferry.activities.catalog.Transits(s.jdbi)
          .byJob(job.id())
          .ifPresent(t -> body.put("transitId", t.id().toString()));
    }
    if (state != null) {
      body.put(step ? "step" : "state", step ? state : state.toLowerCase(Locale.ROOT));
    }
    if (n.detail() != null) {
      body.put("detail", n.detail());
    }
    enqueue(job.clientId(), job.projectId(), n.event(), body);
  }

  /** One delivery per webhook that asked for {@code event}, each attempted by its workflow. */
  private void enqueue(UUID clientId, UUID projectId, String event, ObjectNode body) {
    for (Webhooks.Webhook w : s.webhooks.subscribed(clientId, projectId, event)) {
      ObjectNode b = body.deepCopy();
      b.put("webhookId", w.id().toString());
      long id = s.webhooks.enqueue(w.id(), event, b.toString());
      WebhookDeliveryWorkflow wf =
          client.newWorkflowStub(
              WebhookDeliveryWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(WebhookDeliveryWorkflow.workflowId(id))
                  .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
                  .setStaticSummary("Webhook " + event + " to " + w.url())
                  .build());
      WorkflowClient.start(wf::run, new WebhookDeliveryWorkflow.Input(id, backoffSeconds()));
    }
  }

  @Override
  public void deliver(long deliveryId) {
    Webhooks.Outgoing o = s.webhooks.outgoing(deliveryId).orElse(null);
    if (o == null) {
      return; // delivered already, or its webhook was deleted
    }
    long t = Instant.now().getEpochSecond();
    HttpResponse<String> r;
    try {
      r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(o.url()))
                  .timeout(Duration.ofSeconds(20))
                  .header("Content-Type", "application/json")
                  .header("User-Agent", "Ferry-Webhooks")
                  .header("X-Ferry-Event", o.event())
                  .header("X-Ferry-Delivery", String.valueOf(o.id()))
                  .header("X-Ferry-Signature", "t=" + t + ",v1=" + sign(o.secret(), t, o.body()))
                  .POST(HttpRequest.BodyPublishers.ofString(o.body()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException | IllegalArgumentException e) {
      String why = "cannot reach " + o.url() + ": " + e;
      s.webhooks.attempted(deliveryId, null, why, false);
      throw ApplicationFailure.newFailure(why, "WebhookFailed");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApplicationFailure.newFailure("interrupted", "WebhookFailed");
    }
    int status = r.statusCode();
    if (status / 100 == 2) {
      s.webhooks.attempted(deliveryId, status, null, true);
      return;
    }
    String why = "the receiver answered " + status;
    s.webhooks.attempted(deliveryId, status, why, false);
    if (status == 408 || status == 429 || status / 100 == 5) {
      throw ApplicationFailure.newFailure(why, "WebhookFailed");
    }
    throw ApplicationFailure.newNonRetryableFailure(why, REFUSED);
  }

  /** {@code hex(HMAC-SHA256(secret, "<t>.<body>"))}. */
  static String sign(byte[] secret, long t, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return HexFormat.of()
          .formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void gaveUp(GiveUp g) {
    s.webhooks.failed(g.deliveryId(), g.reason());
  }

  /** Tells the webhooks of each agent that went offline since the last look (once per absence). */
  void agentsOffline() {
    try {
      for (Webhooks.WentOffline a : s.webhooks.agentsGoneOffline(AgentRow.ONLINE_WINDOW)) {
        if (a.clientId() == null) {
          continue;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("event", AGENT_OFFLINE);
        body.put("at", Instant.now().toString());
        body.put("clientId", a.clientId().toString());
        body.put("agentId", a.agentId().toString());
        body.put("agentName", a.name());
        body.put("lastSeenAt", a.lastSeenAt().toString());
        enqueue(a.clientId(), null, AGENT_OFFLINE, body);
      }
    } catch (RuntimeException e) {
      log.warn("cannot look for agents gone offline: {}", e.toString());
    }
  }
}
