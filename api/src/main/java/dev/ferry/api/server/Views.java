package dev.ferry.api.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ferry.activities.catalog.AgentRow;
import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.OwnerRow;
import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.activities.catalog.RunShards;
import dev.ferry.workflows.RunMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The shapes of jobs, runs and agents in responses. */
final class Views {
  private Views() {}

  record Location(UUID connectionId, String path) {}

  /** An owner of a job; its {@code id} names it in a staged start ({@code owners} of a run). */
  record Owner(UUID id, String name, String sourcePath, String destinationPath) {
    static Owner of(OwnerRow o) {
      return new Owner(o.id(), o.name(), o.sourcePath(), o.destPath());
    }
  }

  record Job(
      UUID id,
      UUID projectId,
      UUID clientId,
      String name,
      Location source,
      Location destination,
      @JsonInclude(JsonInclude.Include.NON_NULL) List<Owner> owners,
      int ownerCount,
      JobOptions.FiltersView filters,
      JobOptions.OptionsView options,
      UUID agentId,
      String state,
      Run lastRun,
      Instant createdAt,
      Instant updatedAt) {}

  static Job job(JobSpecRow j, List<OwnerRow> owners, boolean listOwners, Run lastRun) {
    JobOptions o = JobOptions.fromJson(j.options());
    List<OwnerRow> explicit = owners.stream().filter(x -> !x.implicit()).toList();
    return new Job(
        j.id(),
        j.projectId(),
        j.clientId(),
        j.name(),
        new Location(j.sourceConnectionId(), j.sourcePath()),
        new Location(j.destConnectionId(), j.destPath()),
        listOwners ? explicit.stream().map(Owner::of).toList() : null,
        explicit.size(),
        o.filtersView(),
        o.optionsView(),
        j.agentId(),
        lastRun != null ? lastRun.state() : j.state(), // one snapshot with the run shown
        lastRun,
        j.createdAt(),
        j.updatedAt());
  }

  /**
   * File figures of a run. {@code completed} = transferred + unchanged; {@code completed + failed +
   * skipped + pending = total} once the scan is done. A dry run's files are all skipped.
   */
  record Files(
      long total,
      long completed,
      long transferred,
      long unchanged,
      long skipped,
      long failed,
      long pending) {
    static Files of(long total, long transferred, long unchanged, long skipped, long failed) {
      long done = transferred + unchanged;
      return new Files(
          total,
          done,
          transferred,
          unchanged,
          skipped,
          failed,
          Math.max(0, total - done - skipped - failed));
    }
  }

  /**
   * Byte figures: {@code total} to transfer, {@code completed} transferred, {@code found} by the
   * scan. While a run is live, {@code completed} counts bytes of files still being copied (and of
   * copies a pause interrupted, which are sent again), so it is capped at {@code total}; the final
   * figure is counted file by file from the manifest.
   */
  record Bytes(long total, long completed, long found) {
    Bytes {
      completed = Math.min(completed, Math.max(total, 0));
    }
  }

  record Run(
      long id,
      UUID jobId,
      RunMode mode,
      String state,
      Instant startedAt,
      Instant finishedAt,
      double durationSeconds,
      Files files,
      Bytes bytes,
      Double speedBytesPerSecond,
      Double etaSeconds,
      double successRatePercent,
      @JsonInclude(JsonInclude.Include.NON_NULL) List<OwnerRun> owners,
      @JsonInclude(JsonInclude.Include.NON_NULL) JobRuns.OwnerTotals ownerTotals,
      @JsonInclude(JsonInclude.Include.NON_NULL) OwnersPage ownersPage,
      @JsonInclude(JsonInclude.Include.NON_NULL) PartialTotals partialTotals,
      String workflowId,
      @JsonInclude(JsonInclude.Include.NON_NULL) Waiting waiting) {
    /** This run, saying it waits for its agent ({@code w} null: it does not). */
    Run waitingFor(Waiting w) {
      return w == null
          ? this
          : new Run(
              id,
              jobId,
              mode,
              state,
              startedAt,
              finishedAt,
              durationSeconds,
              files,
              bytes,
              speedBytesPerSecond,
              etaSeconds,
              successRatePercent,
              owners,
              ownerTotals,
              ownersPage,
              partialTotals,
              workflowId,
              w);
    }
  }

  /**
   * A run that has not ended whose data activities go to an agent that is not Online: its
   * activities wait on the agent's task queue (nothing fails meanwhile) and carry on when it is
   * back; {@code message} says so, with {@code agentStatus} (Offline or Revoked) and {@code since}
   * (its last heartbeat, or when it was revoked; null when it never sent one).
   */
  record Waiting(
      UUID agentId, String agentName, String agentStatus, Instant since, String message) {}

  /**
   * While some owners are still being scanned: the run's totals (files and bytes to copy) are those
   * of the owners scanned so far and will grow, so there is no ETA yet.
   */
  record PartialTotals(int ownersScanned, int owners, String note) {
    static PartialTotals of(JobRuns.ScanProgress p) {
      return p == null
          ? null
          : new PartialTotals(
              p.scanned(),
              p.owners(),
              p.scanned()
                  + " of "
                  + p.owners()
                  + " owners scanned: the totals are partial and will grow; no ETA until all are");
    }
  }

  /**
   * Which owners a run view lists: those of {@code state} and {@code light} (null: all), {@code
   * limit} from {@code offset}; {@code nextOffset} the offset of the next page, null on the last.
   */
  record OwnersPage(String state, String light, int limit, long offset, Long nextOffset) {}

  static Run run(JobRunRow r, ProgressSampler.Rate rate, List<OwnerRunRow> owners) {
    return run(r, rate, owners, null, null);
  }

  /** A run with a page of its owners, how many there are per state and light, and the page. */
  static Run run(
      JobRunRow r,
      ProgressSampler.Rate rate,
      List<OwnerRunRow> owners,
      JobRuns.OwnerTotals totals,
      OwnersPage page) {
    return run(r, rate, owners, totals, page, null);
  }

  /** As above, with each large owner's shards ({@code shards}: a run's by its id). */
  static Run run(
      JobRunRow r,
      ProgressSampler.Rate rate,
      List<OwnerRunRow> owners,
      JobRuns.OwnerTotals totals,
      OwnersPage page,
      java.util.function.LongFunction<List<RunShards.ShardRow>> shards) {
    return new Run(
        r.id(),
        r.jobId(),
        r.mode(),
        r.state(),
        r.startedAt(),
        r.finishedAt(),
        seconds(r.startedAt(), r.finishedAt()),
        Files.of(
            r.filesTotal(), r.filesDone(), r.filesUnchanged(), r.filesSkipped(), r.filesFailed()),
        new Bytes(r.bytesToCopy(), r.bytesDone(), r.bytesTotal()),
        rate.bytesPerSecond(),
        rate.etaSeconds(),
        successRate(r.filesDone() + r.filesUnchanged(), r.filesFailed()),
        owners == null
            ? null
            : owners.stream()
                .map(o -> ownerRun(o, shards == null ? null : shards.apply(o.run().id())))
                .toList(),
        totals,
        page,
        PartialTotals.of(rate.scan()),
        dev.ferry.workflows.JobRunWorkflow.workflowId(r.jobId().toString(), r.id()),
        null);
  }

  /**
   * One owner's part of a run: its {@code state} in words ({@link JobRuns#OWNER_STATES}) and, once
   * it has ended, its traffic {@code light} (green: every file done; yellow: completed with files
   * skipped or failed; red: failed as a whole; null while it runs and when cancelled). {@code
   * shards}: how a large owner (over the job's {@code shards.items} or {@code shards.bytes}, or cut
   * at explicit {@code shards.splitAt} points) was split along its folder tree, each shard its own
   * child workflow; absent when the owner ran whole. {@code items} and {@code shards} are given by
   * the run and report endpoints (counting items reads the manifest), null in a job's {@code
   * lastRun}.
   */
  record OwnerRun(
      UUID ownerId,
      String name,
      String sourcePath,
      String destinationPath,
      String state,
      String light,
      String message,
      Long items,
      Files files,
      Bytes bytes,
      @JsonInclude(JsonInclude.Include.NON_NULL) List<Shard> shards,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Rerun> reruns,
      String workflowId) {}

  /**
   * One shard of a large owner: its place, the range of paths it covers (first and last in
   * folder-tree order), its size, and its state and figures as its workflow recorded them. {@code
   * overThreshold}: larger than the job's thresholds, because one folder directly holds that many
   * files (a folder's files are never cut apart). {@code workflowId}: the shard's child workflow
   * (null for an owner that could not be cut at all, which runs as one workflow).
   */
  record Shard(
      int shard,
      int of,
      String firstPath,
      String lastPath,
      long items,
      long files,
      long bytes,
      boolean overThreshold,
      String state,
      String workflowId,
      long filesDone,
      long bytesDone,
      long filesFailed) {
    static Shard of(RunShards.ShardRow r) {
      return new Shard(
          r.shard(),
          r.count(),
          r.firstPath(),
          r.lastPath(),
          r.items(),
          r.files(),
          r.bytes(),
          r.overThreshold(),
          r.state().name(),
          r.workflowId(),
          r.filesDone(),
          r.bytesDone(),
          r.filesFailed());
    }
  }

  /**
   * An automatic rerun of an owner that failed as a whole: which attempt it is (2 for the first
   * rerun), when it was decided, when it starts (after its backoff) and why (the failure before).
   */
  record Rerun(int attempt, Instant at, Instant startsAt, String reason) {
    static Rerun of(dev.ferry.activities.catalog.JobRuns.RerunRow r) {
      return new Rerun(r.attempt(), r.decidedAt(), r.startsAt(), r.reason());
    }
  }

  static OwnerRun ownerRun(OwnerRunRow o) {
    return ownerRun(o, null);
  }

  static OwnerRun ownerRun(OwnerRunRow o, List<RunShards.ShardRow> shards) {
    RunRow r = o.run();
    boolean counted = o.items() >= 0;
    return new OwnerRun(
        o.owner().id(),
        o.owner().name(),
        o.owner().sourcePath(),
        o.owner().destPath(),
        o.state(),
        o.light(),
        r.message(),
        counted ? o.items() : null,
        Files.of(
            r.filesTotal(), r.filesDone(), r.filesUnchanged(), r.filesSkipped(), r.filesFailed()),
        new Bytes(r.bytesToCopy(), r.bytesDone(), r.bytesTotal()),
        shards == null || shards.isEmpty() ? null : shards.stream().map(Shard::of).toList(),
        o.reruns().stream().map(Rerun::of).toList(),
        r.workflowId());
  }

  /** Files done (transferred or unchanged) as a share of those attempted, as the CLI reports it. */
  static double successRate(long good, long failed) {
    long all = good + failed;
    return all == 0 ? 100.0 : Math.round(1000.0 * good / all) / 10.0;
  }

  static double seconds(Instant from, Instant to) {
    return Duration.between(from, to == null ? Instant.now() : to).toMillis() / 1000.0;
  }

  record Agent(
      UUID id,
      UUID clientId,
      String name,
      String hostname,
      String version,
      String taskQueue,
      String status,
      Instant registeredAt,
      Instant lastSeenAt,
      Instant revokedAt) {
    static Agent of(AgentRow a, Instant now) {
      return new Agent(
          a.id(),
          a.clientId(),
          a.name(),
          a.hostname(),
          a.version(),
          a.taskQueue(),
          a.revokedAt() != null ? "Revoked" : a.online(now) ? "Online" : "Offline",
          a.registeredAt(),
          a.lastSeenAt(),
          a.revokedAt());
    }
  }
}
