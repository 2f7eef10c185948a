package dev.ferry.api.agent;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.catalog.AgentSecrets;
import dev.ferry.activities.catalog.FileRow;
import dev.ferry.activities.catalog.JobRow;
import dev.ferry.activities.catalog.Listing;
import dev.ferry.activities.catalog.OutcomeBuffer;
import dev.ferry.activities.catalog.RunCatalog;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.Progress;
import dev.ferry.workflows.ScanResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The agent's catalog: {@link RunCatalog} over the server's data-plane API ({@code
 * /api/v1/agent/…}, see the server's {@code DataPlaneResource}), so the agent's scan, transfer and
 * finish activities run unchanged without a database login. A scan's listing is one streamed
 * request; a batch's pending files one answer; outcomes go in the batches {@link OutcomeBuffer}
 * makes. What never changes for a run (its job, its options) is kept for the runs the agent works
 * on. Thread-safe.
 */
public final class HttpRunCatalog implements RunCatalog {
  private final ServerClient server;

  /** Runs' views (run id → job id and options), the most recent few hundred. */
  private final Map<Long, RunFacts> facts =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, RunFacts> e) {
              return size() > 256;
            }
          });

  private record RunFacts(UUID jobId, RunOptions options) {}

  /** The server's answer for a run. */
  record RunView(RunRow run, RunOptions options) {}

  public HttpRunCatalog(ServerClient server) {
    this.server = server;
  }

  private static String runPath(long runId) {
    return "/agent/runs/" + runId;
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private RunView view(long runId) {
    RunView v = server.get(runPath(runId), RunView.class);
    facts.put(runId, new RunFacts(v.run().jobId(), v.options()));
    return v;
  }

  private RunFacts facts(long runId) {
    RunFacts f = facts.get(runId);
    if (f != null) {
      return f;
    }
    view(runId);
    return facts.get(runId);
  }

  @Override
  public RunRow run(long runId) {
    return view(runId).run();
  }

  @Override
  public JobRow job(UUID id) {
    return server.get("/agent/jobs/" + id, JobRow.class);
  }

  @Override
  public UUID jobOf(long runId) {
    return facts(runId).jobId();
  }

  @Override
  public RunOptions options(long runId) {
    return facts(runId).options();
  }

  /** How long a listing may send nothing before it sends a blank line (servers time out idle). */
  static final long KEEPALIVE_MILLIS = 5_000;

  @Override
  public ScanResult recordListing(long runId, Listing.Plan plan, Listing listing) {
    return server.stream(
        runPath(runId) + "/listing",
        "text/plain; charset=utf-8", // newline-delimited JSON
        out -> {
          try (JsonGenerator g =
                  ServerClient.JSON
                      .getFactory()
                      .createGenerator(out)
                      .configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
              Lines lines = new Lines(g)) {
            lines.plan(plan);
            long remapped =
                listing.source(
                    r ->
                        lines.row(
                            "s",
                            r.path(),
                            r.folder(),
                            r.size(),
                            r.mtime(),
                            r.action(),
                            r.outcome(),
                            r.reason(),
                            r.destPath()));
            lines.row("remapped", remapped);
            listing.destination((path, size, mtime) -> lines.row("d", path, size, mtime));
            lines.row("end");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        ScanResult.class);
  }

  /**
   * Writes a listing's lines, one JSON value each, and a blank line (whitespace between values)
   * whenever nothing was written for {@link #KEEPALIVE_MILLIS}: a source that lists slowly, or
   * whose filters skip a long run of paths, must not look like a dead connection to the server.
   */
  private static final class Lines implements AutoCloseable {
    private final JsonGenerator g;
    private final java.util.concurrent.ScheduledExecutorService ticker =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("ferry-listing-keepalive").factory());
    private long last = System.nanoTime();

    Lines(JsonGenerator g) {
      this.g = g;
      ticker.scheduleWithFixedDelay(
          this::keepAlive,
          KEEPALIVE_MILLIS,
          KEEPALIVE_MILLIS,
          java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    synchronized void plan(Listing.Plan plan) throws IOException {
      ServerClient.JSON.writeValue(g, plan);
      g.writeRaw('\n');
      last = System.nanoTime();
    }

    synchronized void row(Object... cells) {
      try {
        g.writeStartArray();
        for (Object c : cells) {
          switch (c) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Long n -> g.writeNumber(n);
            default -> throw new IllegalArgumentException("not a listing cell: " + c);
          }
        }
        g.writeEndArray();
        g.writeRaw('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      last = System.nanoTime();
    }

    private synchronized void keepAlive() {
      if (System.nanoTime() - last < KEEPALIVE_MILLIS * 1_000_000L) {
        return;
      }
      try {
        g.writeRaw('\n');
        g.flush(); // every complete line so far, then the blank one
      } catch (IOException | RuntimeException e) {
        // the stream failed: the writer sees it on its next row
      }
      last = System.nanoTime();
    }

    @Override
    public void close() {
      ticker.shutdownNow();
    }
  }

  @Override
  public List<FileRow> pendingFiles(long runId, long fromSeq, long toSeq) {
    JsonNode files =
        server.get(runPath(runId) + "/pending?from=" + fromSeq + "&to=" + toSeq).get("files");
    List<FileRow> out = new ArrayList<>(files.size());
    for (JsonNode f : files) {
      out.add(ServerClient.convert(f, FileRow.class));
    }
    return out;
  }

  @Override
  public void recordOutcomes(long runId, List<OutcomeBuffer.Outcome> outcomes) {
    server.send("POST", runPath(runId) + "/outcomes", Map.of("outcomes", outcomes));
  }

  @Override
  public void setInFlight(long runId, long batchFrom, long bytes, String file) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("bytes", bytes);
    body.put("file", file);
    server.send("PUT", runPath(runId) + "/inflight/" + batchFrom, body);
  }

  private static String upload(UUID jobId, String path) {
    return "/agent/jobs/" + jobId + "/upload?path=" + q(path);
  }

  @Override
  public Optional<String> uploadState(UUID jobId, String path) {
    JsonNode s = server.get(upload(jobId, path)).get("state");
    return s == null || s.isNull() ? Optional.empty() : Optional.of(s.asText());
  }

  @Override
  public void saveUploadState(UUID jobId, String path, String state) {
    server.send("PUT", upload(jobId, path), Map.of("state", state));
  }

  @Override
  public void clearUploadState(UUID jobId, String path) {
    server.send("DELETE", upload(jobId, path), null);
  }

  @Override
  public void event(long runId, String path, String event, String detail) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("path", path);
    body.put("event", event);
    body.put("detail", detail);
    server.send("POST", runPath(runId) + "/events", body);
  }

  @Override
  public void noteRetry(long runId, String note) {
    server.send("POST", runPath(runId) + "/retry-note", Map.of("note", note));
  }

  @Override
  public void clearRetryNote(long runId) {
    server.send("DELETE", runPath(runId) + "/retry-note", null);
  }

  @Override
  public List<String> folders(long runId) {
    List<String> out = new ArrayList<>();
    server.get(runPath(runId) + "/folders").get("folders").forEach(f -> out.add(f.asText()));
    return out;
  }

  @Override
  public Progress finish(long runId, JobState state, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("state", state);
    body.put("message", message);
    return server.send("POST", runPath(runId) + "/finish", body, Progress.class);
  }

  @Override
  public void setState(long runId, JobState state, String message) {
    throw new UnsupportedOperationException("a run's state is recorded by the server's worker");
  }

  @Override
  public void recordWorkflowId(long runId, String workflowId) {
    throw new UnsupportedOperationException("a run's workflow is recorded by the server's worker");
  }

  /**
   * A connection of a job assigned to this agent, its secret still sealed under the agent's key;
   * empty when the server does not know it as one of this agent's.
   */
  public Optional<AgentSecrets.Sealed> connection(UUID id) {
    JsonNode c;
    try {
      c = server.get("/agent/connections/" + id);
    } catch (ServerClient.Refused e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
    String sealed = c.path("sealedSecret").isTextual() ? c.get("sealedSecret").asText() : null;
    return Optional.of(
        new AgentSecrets.Sealed(
            c.get("kind").asText(),
            c.get("settings").toString(),
            c.get("hasSecret").asBoolean(),
            sealed == null ? null : Base64.getDecoder().decode(sealed)));
  }
}
