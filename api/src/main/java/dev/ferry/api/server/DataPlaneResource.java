package dev.ferry.api.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.ferry.activities.catalog.AgentSecrets;
import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.Listing;
import dev.ferry.activities.catalog.OutcomeBuffer;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.workflows.JobState;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code /agent/…}: the data plane of an agent — everything its scan, transfer and finish
 * activities read and write of the catalog, so that an agent holds no database login (see {@code
 * dev.ferry.activities.catalog.RunCatalog}; the agent's side is {@code
 * dev.ferry.api.agent.HttpRunCatalog}). Only an agent's own token is accepted, and every route is
 * limited to the runs of jobs assigned to that agent (an owner's run through its job's parent) and
 * to the connections those jobs use: any other run, job or connection — another agent's, another
 * client's, or one that does not exist — answers 404 alike.
 *
 * <p>The scan's listing comes as one streamed request (newline-delimited JSON, written into the
 * manifest as it arrives, in one transaction); a batch's pending files in one answer; outcomes in
 * batches. Connection secrets leave the server only as the copy sealed under the agent's key.
 */
final class DataPlaneResource {
  /** Agents' JSON: the catalog's records as they are (times as ISO-8601 text). */
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  private final Catalog catalog;
  private final Jdbi jdbi;
  private final AgentSecrets secrets;

  DataPlaneResource(Services s) {
    this.catalog = s.catalog;
    this.jdbi = s.catalog.jdbi();
    this.secrets = s.agentSecrets;
  }

  /** The agent sending the request (403 for any other token). */
  private static UUID agent(Context ctx) {
    Principal p = Auth.principal(ctx);
    if (p.kind() != Principal.Kind.AGENT) {
      throw new ForbiddenResponse("the data-plane routes are for an agent's own token only");
    }
    return p.agentId();
  }

  /** The run {@code runId} when it belongs to a job assigned to the agent; 404 otherwise. */
  private long run(Context ctx) {
    UUID agent = agent(ctx);
    long run = Http.longParam(ctx, "runId");
    boolean mine =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        """
                        select exists(select 1 from runs r join jobs j on j.id = r.job_id
                          left join jobs p on p.id = j.parent_job_id
                          where r.id = :run
                            and (case when j.parent_job_id is null then j.agent_id
                                 else p.agent_id end) = :agent)""")
                    .bind("run", run)
                    .bind("agent", agent)
                    .mapTo(Boolean.class)
                    .one());
    if (!mine) {
      throw new NotFoundResponse("run not found (or not a run of a job assigned to this agent)");
    }
    return run;
  }

  /** The job {@code jobId} (or owner) when assigned to the agent; 404 otherwise. */
  private UUID job(Context ctx) {
    UUID agent = agent(ctx);
    UUID job = Http.id(ctx, "jobId");
    boolean mine =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        """
                        select exists(select 1 from jobs j left join jobs p on p.id = j.parent_job_id
                          where j.id = :job
                            and (case when j.parent_job_id is null then j.agent_id
                                 else p.agent_id end) = :agent)""")
                    .bind("job", job)
                    .bind("agent", agent)
                    .mapTo(Boolean.class)
                    .one());
    if (!mine) {
      throw new NotFoundResponse("job not found (or not assigned to this agent)");
    }
    return job;
  }

  private static <T> T body(Context ctx, Class<T> type) {
    try {
      return JSON.readValue(ctx.bodyInputStream(), type);
    } catch (JsonProcessingException e) {
      throw new BadRequestResponse(
          "the body is not what this route takes: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void json(Context ctx, Object o) {
    try {
      ctx.contentType("application/json").result(JSON.writeValueAsBytes(o));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A run as its activities need it: the run, and the options it was started with. */
  record RunView(RunRow run, dev.ferry.activities.catalog.RunOptions options) {}

  void getRun(Context ctx) {
    Http.onlyQuery(ctx);
    long run = run(ctx);
    json(ctx, new RunView(catalog.run(run), catalog.options(run)));
  }

  void getJob(Context ctx) {
    Http.onlyQuery(ctx);
    json(ctx, catalog.job(job(ctx)));
  }

  void pending(Context ctx) {
    Http.onlyQuery(ctx, "from", "to");
    long run = run(ctx);
    long from = seq(ctx, "from");
    long to = seq(ctx, "to");
    json(ctx, Map.of("files", catalog.pendingFiles(run, from, to)));
  }

  private static long seq(Context ctx, String name) {
    String v = ctx.queryParam(name);
    try {
      long n = Long.parseLong(v == null ? "" : v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw InvalidInput.of(name, "must be a whole number, 0 or more (got '" + v + "')");
  }

  record Outcomes(List<OutcomeBuffer.Outcome> outcomes) {}

  void outcomes(Context ctx) {
    Http.onlyQuery(ctx);
    long run = run(ctx);
    Outcomes o = body(ctx, Outcomes.class);
    if (o.outcomes() == null) {
      throw new BadRequestResponse("send {\"outcomes\": [...]}");
    }
    catalog.recordOutcomes(run, o.outcomes());
    ctx.status(HttpStatus.NO_CONTENT);
  }

  record InFlight(long bytes, String file) {}

  void inFlight(Context ctx) {
    Http.onlyQuery(ctx);
    long run = run(ctx);
    long from = seqPath(ctx);
    InFlight f = body(ctx, InFlight.class);
    catalog.setInFlight(run, from, f.bytes(), f.file());
    ctx.status(HttpStatus.NO_CONTENT);
  }

  private static long seqPath(Context ctx) {
    String v = ctx.pathParam("batchFrom");
    try {
      long n = Long.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw InvalidInput.of("batchFrom", "must be a whole number, 0 or more (got '" + v + "')");
  }

  record Event(String path, String event, String detail) {}

  void event(Context ctx) {
    Http.onlyQuery(ctx);
    long run = run(ctx);
    Event e = body(ctx, Event.class);
    if (e.event() == null || e.event().isBlank()) {
      throw InvalidInput.of("event", "is required");
    }
    catalog.event(run, e.path(), e.event(), e.detail());
    ctx.status(HttpStatus.NO_CONTENT);
  }

  record Note(String note) {}

  void noteRetry(Context ctx) {
    Http.onlyQuery(ctx);
    long run = run(ctx);
    Note n = body(ctx, Note.class);
    if (n.note() == null) {
      throw InvalidInput.of("note", "is required");
    }
    catalog.noteRetry(run, n.note());
    ctx.status(HttpStatus.NO_CONTENT);
  }

  void clearRetryNote(Context ctx) {
    Http.onlyQuery(ctx);
    catalog.clearRetryNote(run(ctx));
    ctx.status(HttpStatus.NO_CONTENT);
  }

  void folders(Context ctx) {
    Http.onlyQuery(ctx);
    json(ctx, Map.of("folders", catalog.folders(run(ctx))));
  }

  record Finish(JobState state, String message) {}

  void finish(Context ctx) {
    Http.onlyQuery(ctx);
    long run = run(ctx);
    Finish f = body(ctx, Finish.class);
    if (f.state() == null) {
      throw InvalidInput.of("state", "is required");
    }
    json(ctx, catalog.finish(run, f.state(), f.message()));
  }

  private static String uploadPath(Context ctx) {
    String p = ctx.queryParam("path");
    if (p == null || p.isEmpty()) {
      throw InvalidInput.of("path", "is required: the file's path in the job");
    }
    return p;
  }

  record UploadState(String state) {}

  void getUpload(Context ctx) {
    Http.onlyQuery(ctx, "path");
    UUID job = job(ctx);
    json(ctx, new UploadState(catalog.uploadState(job, uploadPath(ctx)).orElse(null)));
  }

  void putUpload(Context ctx) {
    Http.onlyQuery(ctx, "path");
    UUID job = job(ctx);
    String path = uploadPath(ctx);
    UploadState s = body(ctx, UploadState.class);
    if (s.state() == null) {
      throw InvalidInput.of("state", "is required");
    }
    catalog.saveUploadState(job, path, s.state());
    ctx.status(HttpStatus.NO_CONTENT);
  }

  void deleteUpload(Context ctx) {
    Http.onlyQuery(ctx, "path");
    UUID job = job(ctx);
    catalog.clearUploadState(job, uploadPath(ctx));
    ctx.status(HttpStatus.NO_CONTENT);
  }

  /** A connection of a job assigned to the agent: settings, and its secret sealed to the agent. */
  record ConnectionView(
      UUID id, String kind, JsonNode settings, boolean hasSecret, String sealedSecret) {}

  void connection(Context ctx) {
    Http.onlyQuery(ctx);
    UUID agent = agent(ctx);
    UUID id = Http.id(ctx, "connectionId");
    AgentSecrets.Sealed c =
        secrets
            .sealedFor(agent, id)
            .orElseThrow(
                () ->
                    new NotFoundResponse(
                        "connection not found (or not used by a job assigned to this agent)"));
    JsonNode settings;
    try {
      settings = JSON.readTree(c.settings());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    json(
        ctx,
        new ConnectionView(
            id,
            c.kind(),
            settings,
            c.hasSecret(),
            c.sealed() == null ? null : Base64.getEncoder().encodeToString(c.sealed())));
  }

  /**
   * The scan's listing, streamed: a first line {@code {"preservesMtime":…, "caseInsensitive":…,
   * "store":…}}, then one line per source path {@code ["s", path, folder, size, mtime, action,
   * outcome, reason, destPath]}, a line {@code ["remapped", n]}, one line per destination file
   * {@code ["d", path, size, mtime]} and a last line {@code ["end"]}. Rows go into the manifest as
   * they arrive, in one transaction; a stream cut short (no end line) records nothing.
   */
  void listing(Context ctx) {
    Http.onlyQuery(ctx);
    long run = run(ctx);
    InputStream in;
    MappingIterator<JsonNode> lines;
    try {
      in = ctx.req().getInputStream();
      lines = JSON.readerFor(JsonNode.class).readValues(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Listing.Plan plan;
    try {
      plan = JSON.treeToValue(next(lines), Listing.Plan.class);
    } catch (JsonProcessingException e) {
      throw new BadRequestResponse("the listing's first line is not its plan: " + e.getMessage());
    }
    Listing listing =
        new Listing() {
          @Override
          public long source(Sink<SourceRow> rows) {
            while (true) {
              JsonNode l = next(lines);
              switch (l.path(0).asText()) {
                case "s" ->
                    rows.put(
                        new SourceRow(
                            text(l, 1),
                            l.path(2).asBoolean(),
                            l.path(3).asLong(),
                            l.path(4).asLong(),
                            text(l, 5),
                            text(l, 6),
                            text(l, 7),
                            text(l, 8)));
                case "remapped" -> {
                  return l.path(1).asLong();
                }
                default -> throw unexpected(l);
              }
            }
          }

          @Override
          public void destination(DestSink files) {
            while (true) {
              JsonNode l = next(lines);
              switch (l.path(0).asText()) {
                case "d" -> files.put(text(l, 1), l.path(2).asLong(), l.path(3).asLong());
                case "end" -> {
                  return;
                }
                default -> throw unexpected(l);
              }
            }
          }
        };
    json(ctx, catalog.recordListing(run, plan, listing));
  }

  private static String text(JsonNode l, int i) {
    JsonNode n = l.path(i);
    return n.isNull() || n.isMissingNode() ? null : n.asText();
  }

  private static BadRequestResponse unexpected(JsonNode l) {
    String s = l.toString();
    return new BadRequestResponse(
        "unexpected line in the listing: " + (s.length() > 200 ? s.substring(0, 200) + "…" : s));
  }

  private static JsonNode next(MappingIterator<JsonNode> lines) {
    try {
      if (!lines.hasNextValue()) {
        throw new BadRequestResponse("the listing ended before its end line; nothing was recorded");
      }
      return lines.nextValue();
    } catch (JsonProcessingException e) {
      throw new BadRequestResponse("the listing is not newline-delimited JSON: " + e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("the agent's listing was cut off: " + e.getMessage(), e);
    }
  }
}
