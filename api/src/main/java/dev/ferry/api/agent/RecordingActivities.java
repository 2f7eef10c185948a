package dev.ferry.api.agent;

import dev.ferry.activities.catalog.RunCatalog;
import dev.ferry.workflows.BatchRef;
import dev.ferry.workflows.BatchResult;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationActivities;
import dev.ferry.workflows.ScanResult;

/**
 * The agent's scan and transfer activities, which also write a run-log line saying which agent,
 * host and process did the work — so an operator (and a test) can see where the data moved.
 */
final class RecordingActivities {
  private RecordingActivities() {}

  static String who(AgentIdentity id) {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "unknown host";
    }
    return "agent '"
        + id.name()
        + "' ("
        + id.agentId()
        + ") on "
        + host
        + ", pid "
        + ProcessHandle.current().pid();
  }

  static final class Scan implements MigrationActivities.Scan {
    private final MigrationActivities.Scan inner;
    private final RunCatalog catalog;
    private final String who;

    Scan(MigrationActivities.Scan inner, RunCatalog catalog, String who) {
      this.inner = inner;
      this.catalog = catalog;
      this.who = who;
    }

    @Override
    public ScanResult scan(long runId) {
      ScanResult r = inner.scan(runId);
      catalog.event(runId, null, "worker", "scanned by " + who + ": " + r.files() + " files");
      return r;
    }
  }

  static final class Transfer implements MigrationActivities.Transfer {
    private final MigrationActivities.Transfer inner;
    private final RunCatalog catalog;
    private final String who;

    Transfer(MigrationActivities.Transfer inner, RunCatalog catalog, String who) {
      this.inner = inner;
      this.catalog = catalog;
      this.who = who;
    }

    @Override
    public BatchResult transferBatch(BatchRef batch, Limits limits) {
      BatchResult r = inner.transferBatch(batch, limits);
      catalog.event(
          batch.runId(),
          null,
          "worker",
          "moved by "
              + who
              + ": "
              + r.transferred()
              + " files, "
              + r.bytesTransferred()
              + " bytes"
              + (r.complete() ? "" : " (batch stopped early)"));
      return r;
    }
  }
}
