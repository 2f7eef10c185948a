package dev.ferry.workflows;

import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Records workflow histories for {@link HistoryReplayTest}. Off unless the environment variable
 * {@code FERRY_RECORD_HISTORIES} names a directory (the module's {@code
 * src/test/resources/histories}); then each call writes every execution of the workflow (the chain
 * of continue-as-new, first execution first) as {@code <name>.json}, {@code <name>-2.json}, ...
 * (gzipped when large: {@code .json.gz})
 */
public final class Histories {
  private Histories() {}

  /** The variable that switches recording on and names where histories go. */
  public static final String RECORD = "FERRY_RECORD_HISTORIES";

  /** Histories longer than this (in characters of JSON) are stored gzipped, as {@code .json.gz}. */
  static final int LARGE = 256 * 1024;

  /** Reads a history stored by {@link #record}. */
  public static WorkflowExecutionHistory read(Path file) throws IOException {
    String json;
    if (file.toString().endsWith(".gz")) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
        json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } else {
      json = Files.readString(file);
    }
    // the workflow's id, for workflows whose commands depend on it (a large owner names its
    // shards' workflows after its own): recorded next to the history, else the replayer's default
    Path id = idFile(file);
    return Files.exists(id)
        ? WorkflowExecutionHistory.fromJson(json, Files.readString(id).strip())
        : WorkflowExecutionHistory.fromJson(json);
  }

  /** {@code x.json} or {@code x.json.gz} → {@code x.workflow-id}. */
  static Path idFile(Path history) {
    String name = history.getFileName().toString().replaceAll("\\.json(\\.gz)?$", "");
    return history.resolveSibling(name + ".workflow-id");
  }

  /** Writes the histories of {@code workflowId} under {@code name} when recording is on. */
  public static void record(WorkflowClient client, String workflowId, String name) {
    String dir = System.getenv(RECORD);
    if (dir == null || dir.isBlank()) {
      return;
    }
    List<WorkflowExecutionHistory> chain = new ArrayList<>();
    WorkflowExecutionHistory h = client.fetchHistory(workflowId);
    chain.addFirst(h);
    String prev = previousRunId(h);
    while (!prev.isEmpty()) {
      h = client.fetchHistory(workflowId, prev);
      chain.addFirst(h);
      prev = previousRunId(h);
    }
    try {
      Files.createDirectories(Path.of(dir));
      for (int i = 0; i < chain.size(); i++) {
        String file = name + (i == 0 ? "" : "-" + (i + 1)) + ".json";
        String json = chain.get(i).toJson(true);
        Files.writeString(idFile(Path.of(dir, file)), workflowId + "\n");
        if (json.length() > LARGE) {
          try (OutputStream out =
              new GZIPOutputStream(Files.newOutputStream(Path.of(dir, file + ".gz")))) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
          }
        } else {
          Files.writeString(Path.of(dir, file), json);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String previousRunId(WorkflowExecutionHistory h) {
    HistoryEvent first = h.getEvents().getFirst();
    return first.getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
  }
}
