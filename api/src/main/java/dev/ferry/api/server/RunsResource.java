package dev.ferry.api.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.activities.catalog.JobReportRow;
import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.LogEntry;
import dev.ferry.activities.catalog.OptionRules;
import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.workflows.Limits;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's log and report. The log is paged and filterable by outcome; the reports (JSON and CSV)
 * stream one row per file straight from PostgreSQL, so a run of millions of files needs no memory.
 */
final class RunsResource {
  static final List<String> OUTCOMES =
      List.of(
          "transferred",
          "unchanged",
          "altered",
          "skipped",
          "failed",
          "retry",
          "deleted",
          "kept",
          "worker");
  static final int PROBLEMS_LISTED = 1000;
  static final String[] CSV_HEADER = {
    "owner",
    "path",
    "size",
    "outcome",
    "reason",
    "sha256",
    "verified_by",
    "attempts",
    "destination_path",
    "destination_size",
    "destination_hash",
    "sent_hash"
  };

  private final Services s;

  RunsResource(Services s) {
    this.s = s;
  }

  /** The run {@code runId} of the job {@code jobId}, if the principal may see the job; else 404. */
  static JobRunRow visibleRun(Services s, Context ctx) {
    JobSpecRow j = JobsResource.visible(s, ctx, Http.id(ctx, "jobId"));
    long run = Http.longParam(ctx, "runId");
    return s.jobRuns.find(j.id(), run).orElseThrow(() -> new NotFoundResponse("run not found"));
  }

  /**
   * {@code POST /jobs/{jobId}/runs/{runId}/limits}: new job-wide limits for a run that has not
   * ended ({@code concurrency}, {@code bwlimitMbps}; either may be left out), sent to its parent
   * workflow, which re-shares them among the owners running. 202 with the limits in force.
   */
  void setLimits(Context ctx) {
    Http.onlyQuery(ctx);
    JobRunRow r = visibleRun(s, ctx);
    JobSpecRow j = s.jobs.find(r.jobId()).orElseThrow(() -> new NotFoundResponse("job not found"));
    Input in = Http.body(ctx);
    // the same rules as a job's options and ferry migrate's (OptionRules)
    Long streams = in.whole("concurrency");
    Integer concurrency = null;
    if (streams != null && OptionRules.concurrency(streams) != null) {
      in.error("concurrency", OptionRules.concurrency(streams));
    } else if (streams != null) {
      concurrency = streams.intValue();
    }
    Double bw = in.number("bwlimitMbps");
    if (bw != null && OptionRules.bwlimit(bw) != null) {
      in.error("bwlimitMbps", OptionRules.bwlimit(bw));
      bw = null;
    }
    if (!in.hasErrors() && concurrency == null && bw == null) {
      in.error("body", "give concurrency, bwlimitMbps or both");
    }
    in.check();
    Limits now = s.launcher.setLimits(j, r, concurrency, bw);
    ctx.status(HttpStatus.ACCEPTED).json(new RunLimits(now.concurrency(), now.bwlimitMbps()));
  }

  /** The job-wide limits a run's parent workflow holds (its running owners share them). */
  record RunLimits(int concurrency, double bwlimitMbps) {}

  void log(Context ctx) {
    Http.onlyQuery(ctx, "outcome", "limit", "offset");
    JobRunRow r = visibleRun(s, ctx);
    String outcome = ctx.queryParam("outcome");
    if (outcome != null) {
      outcome = outcome.trim().toLowerCase(Locale.ROOT);
      if (!OUTCOMES.contains(outcome)) {
        throw InvalidInput.of("outcome", "must be one of " + String.join(", ", OUTCOMES));
      }
    }
    int limit = Http.intQuery(ctx, "limit", 100, 1, 1000);
    int offset = Http.intQuery(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    List<LogEntry> entries = s.jobRuns.log(r.id(), outcome, limit + 1, offset);
    boolean more = entries.size() > limit;
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("runId", r.id());
    body.put("outcome", outcome);
    body.put("limit", limit);
    body.put("offset", offset);
    body.put("nextOffset", more ? offset + limit : null);
    body.put("entries", more ? entries.subList(0, limit) : entries);
    ctx.json(body);
  }

  /**
   * The JSON report: the run's summary (duration, files, bytes, success rate), the owners with the
   * split advice, the scan's problems (names the destination would refuse, paths it could not
   * read), then one row per file.
   */
  void report(Context ctx) throws IOException {
    Http.onlyQuery(ctx);
    JobRunRow r = visibleRun(s, ctx);
    List<OwnerRunRow> owners = s.jobRuns.ownerRuns(r.id(), true);
    Views.Run run = Views.run(r, s.sampler.rate(r), owners, null, null, s.shards::of);
    ctx.contentType("application/json");
    OutputStream out = ctx.outputStream();
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeObjectField("run", run);
      g.writeObjectFieldStart("scan");
      problems(g, r, JobRuns.Problem.REFUSED_NAME, "refusedNames");
      problems(g, r, JobRuns.Problem.UNREADABLE, "unreadable");
      g.writeEndObject();
      g.writeArrayFieldStart("files");
      try {
        s.jobRuns.forEachReportRow(
            r.id(),
            row -> {
              try {
                g.writeObject(row);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
  }

  private void problems(JsonGenerator g, JobRunRow r, JobRuns.Problem kind, String field)
      throws IOException {
    g.writeObjectFieldStart(field);
    g.writeNumberField("count", s.jobRuns.countProblems(r.id(), kind));
    g.writeObjectField("paths", s.jobRuns.problems(r.id(), kind, PROBLEMS_LISTED));
    g.writeEndObject();
  }

  /**
   * The CSV report, as {@code ferry migrate --report} writes it: {@code #} comment lines with the
   * summary, a header, one row per file (with the owner as first column).
   */
  void reportCsv(Context ctx) throws IOException {
    Http.onlyQuery(ctx);
    JobRunRow r = visibleRun(s, ctx);
    Views.Run run = Views.run(r, s.sampler.rate(r), null);
    ctx.contentType("text/csv; charset=utf-8");
    ctx.header(
        "Content-Disposition",
        "attachment; filename=\"ferry-job-" + r.jobId() + "-run-" + r.id() + ".csv\"");
    Writer w = new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8);
    try (Csv csv = Csv.withComments(w)) {
      csv.comment(
          "Ferry job " + r.jobId() + ", run " + r.id() + " (" + r.mode() + "), state " + r.state());
      csv.comment("started_at: " + r.startedAt() + ", finished_at: " + r.finishedAt());
      csv.comment(String.format(Locale.ROOT, "duration_seconds: %.1f", run.durationSeconds()));
      csv.comment("files_found: " + r.filesTotal() + ", bytes_found: " + r.bytesTotal());
      csv.comment("files_transferred: " + r.filesDone() + ", bytes_transferred: " + r.bytesDone());
      csv.comment("files_unchanged: " + r.filesUnchanged());
      csv.comment("files_skipped: " + r.filesSkipped());
      csv.comment("files_failed: " + r.filesFailed());
      csv.comment(
          String.format(Locale.ROOT, "success_rate_percent: %.1f", run.successRatePercent()));
      csv.row((Object[]) CSV_HEADER);
      try {
        s.jobRuns.forEachReportRow(r.id(), row -> print(csv, row));
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }
  }

  private static void print(Csv csv, JobReportRow row) {
    try {
      csv.row(
          row.owner(),
          row.path(),
          row.size(),
          row.outcome(),
          row.reason(),
          row.sha256(),
          row.verifiedBy(),
          row.attempts(),
          row.destinationPath(),
          row.destinationSize(),
          row.destinationHash(),
          row.sentHash());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
