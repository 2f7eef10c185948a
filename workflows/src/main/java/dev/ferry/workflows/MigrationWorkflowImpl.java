package dev.ferry.workflows;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scan → plan → transfer → finish, with a bounded window of transfer batches in flight.
 *
 * <p>Pattern: the scan activity streams the listing into the manifest and returns counts only. The
 * transfer phase pages through the manifest by sequence number ({@link MigrationActivities.Plan})
 * and keeps at most {@link #WINDOW} batch activities running; each batch moves up to a few thousand
 * files with bounded inner concurrency. A batch is idempotent — it skips files already finished —
 * so pausing, cancelling or changing limits simply cancels the batches in flight and schedules
 * their ranges again later. After {@link #BATCHES_PER_EXECUTION} batches (or when Temporal suggests
 * it) the run continues as new with its cursor and counters, so the history stays bounded whatever
 * the number of files: about 3 events per batch, under 2,000 events per execution.
 *
 * <p>Counters here are updated per finished batch; the catalog's figures are the truth and the
 * final ones come from {@link MigrationActivities.Catalog#finish}.
 */
public final class MigrationWorkflowImpl implements MigrationWorkflow {
  static final int WINDOW = 2;
  static final int BATCHES_PER_EXECUTION = 500;

  /** Shards of a large owner running at once (fewer when the owner has fewer streams). */
  static final int SHARD_WINDOW = 4;

  private static final RetryOptions RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setMaximumAttempts(10)
          .setDoNotRetry(
              MigrationActivities.CONFIG_ERROR,
              MigrationActivities.ACCESS_DENIED,
              MigrationActivities.NOT_FOUND)
          .build();

  private static final ActivityOptions SCAN =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(24))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
          .setRetryOptions(RETRY)
          .build();
  private static final ActivityOptions TRANSFER =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(24))
          .setHeartbeatTimeout(Duration.ofSeconds(5))
          .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
          .setRetryOptions(RETRY)
          .build();
  // The activities that report no progress heartbeat all the same (KeepAlive in activities), so
  // that one a dead worker had taken (a killed `ferry migrate`) is run again within the heartbeat
  // timeout instead of after its start-to-close timeout.
  static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How long a cancelled run waits for its agent to take up the run's end before the server does.
   */
  static final Duration AGENT_ANSWERS = Duration.ofSeconds(20);

  private static final ActivityOptions CATALOG =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(10))
          .setHeartbeatTimeout(KEEPALIVE_TIMEOUT)
          .setRetryOptions(RETRY)
          .build();

  private static final ActivityOptions PLAN =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(5))
          .setHeartbeatTimeout(KEEPALIVE_TIMEOUT)
          .setRetryOptions(RETRY)
          .build();

  // Activities that touch the storage run where the data is: on the input's data task queue (an
  // agent's) when it names one. Set in run(), once the input is known. Stubs are made per call,
  // each with its summary (the Temporal UI's timeline shows it; not part of the command sequence).
  private MigrationActivities.Scan scan;
  private ActivityOptions transferOptions;
  private ActivityOptions finishOptions;

  private MigrationInput input;
  private Progress progress = Progress.created();
  private Limits limits;
  private boolean paused;
  private boolean cancelRequested;
  private String fatal;
  private String fatalType;
  private int inFlight;
  private final List<CancellationScope> inFlightScopes = new ArrayList<>();
  private final Deque<BatchRef> again = new ArrayDeque<>();
  // what each batch in flight has done so far, by its first row (BatchProgress signals)
  private final Map<Long, BatchResult> live = new HashMap<>();
  // Search attributes (FerryAttributes): set when the input has labels, on runs started by code
  // that has them (version 1 of "search-attributes"; recorded histories have none).
  private boolean attributes;
  private String phase;
  // A shard of a large owner (input.shard() set): transfers its range of the owner's manifest and
  // leaves the run's state and end to the owner's workflow.
  private boolean isShard;
  // An owner split into shards: the shards' workflows running (to pass pause, resume and limits on)
  private final List<MigrationWorkflow> runningShards = new ArrayList<>();
  // ...what each shard running has done so far (ShardProgress signals), and the shards ended
  private final Map<Integer, BatchResult> liveShards = new HashMap<>();
  private final java.util.Set<Integer> endedShards = new java.util.HashSet<>();
  // A shard passes its figures up to its owner as its batches report (version 1 of
  // "shard-progress"; recorded shards do not), one signal at a time
  private boolean shardUp;
  private boolean sendingUp;
  private boolean moreUp;

  @Override
  public Progress run(MigrationInput in) {
    Progress end;
    try {
      end = runOwner(in);
    } catch (RuntimeException e) {
      if (cancelRequested) {
        Workflow.newDetachedCancellationScope(() -> reportToParent(JobState.CANCELLED, null, null))
            .run();
      } else if (e instanceof TemporalFailure) {
        // the workflow fails with it; the parent reruns it unless the type says a rerun cannot help
        reportToParent(
            JobState.FAILED,
            fatal != null ? fatal : reason(e),
            fatalType != null
                ? fatalType
                : type(e) != null ? type(e) : MigrationWorkflow.RUN_FAILED);
      }
      throw e;
    }
    reportToParent(end.state(), null, null);
    return end;
  }

  /**
   * A child of a {@link JobRunWorkflow} tells its parent it ended (and, when it failed, why), so
   * the next owner starts or this one is rerun.
   */
  private void reportToParent(JobState state, String reason, String failureType) {
    if (isShard) {
      return; // a shard's parent is its owner's workflow, which waits for its result
    }
    Workflow.getInfo()
        .getParentWorkflowId()
        .ifPresent(
            parent -> {
              try {
                Workflow.newExternalWorkflowStub(JobRunWorkflow.class, parent)
                    .ownerDone(new OwnerDone(input.runId(), state, reason, failureType));
              } catch (RuntimeException e) {
                // the parent has ended (terminated by hand): nobody waits for this report
              }
            });
  }

  private Progress runOwner(MigrationInput in) {
    input = in;
    isShard = in.shard() != null;
    shardUp =
        isShard
            && Workflow.getInfo().getParentWorkflowId().isPresent()
            && Workflow.getVersion("shard-progress", Workflow.DEFAULT_VERSION, 1) == 1;
    limits = in.limits();
    if (in.carried() != null) {
      progress = in.carried().progress();
    }
    attributes =
        in.labels() != null
            && Workflow.getVersion("search-attributes", Workflow.DEFAULT_VERSION, 1) == 1;
    if (attributes) {
      phase = FerryAttributes.phase(progress.state());
      FerryAttributes.upsertAll(in.labels(), phase);
    }
    showDetails();
    scan =
        Workflow.newActivityStub(
            MigrationActivities.Scan.class,
            ActivityOptions.newBuilder(onDataQueue(retried(SCAN)))
                .setSummary("scan: list source and destination, decide per file")
                .build());
    transferOptions = onDataQueue(retried(TRANSFER));
    finishOptions = onDataQueue(CATALOG);
    Progress end;
    try {
      end = execute();
    } catch (RuntimeException e) {
      if (!isCancellation(e) || !CancellationScope.current().isCancelRequested()) {
        throw e;
      }
      // Cancelled (ferry's Ctrl-C, the API, the Temporal UI): let the batches in flight stop and
      // record their files, record the end, then end as CANCELED in Temporal.
      cancelRequested = true;
      Workflow.newDetachedCancellationScope(
              () -> {
                Workflow.await(() -> inFlight == 0);
                finish(JobState.CANCELLED);
              })
          .run();
      throw e;
    }
    if (end.state() == JobState.FAILED
        && Workflow.getVersion("failed-run-fails-workflow", Workflow.DEFAULT_VERSION, 1) == 1) {
      // the status tells the truth: a failed run is a failed workflow, its type saying why
      throw ApplicationFailure.newNonRetryableFailure(
          fatal == null ? "the run failed" : fatal, failureType());
    }
    return end;
  }

  /** {@code options} with the input's number of retries (a scan or batch failing as a whole). */
  private ActivityOptions retried(ActivityOptions options) {
    int attempts = input.retriesOrDefault() + 1;
    if (attempts == RETRY.getMaximumAttempts()) {
      return options;
    }
    return ActivityOptions.newBuilder(options)
        .setRetryOptions(RetryOptions.newBuilder(RETRY).setMaximumAttempts(attempts).build())
        .build();
  }

  private ActivityOptions onDataQueue(ActivityOptions options) {
    String queue = input.dataTaskQueue();
    return queue == null
        ? options
        : ActivityOptions.newBuilder(options).setTaskQueue(queue).build();
  }

  private Progress execute() {
    long cursor = 0;
    int executions = 0;
    long upTo = Long.MAX_VALUE;
    if (isShard) {
      ShardRef s = input.shard();
      upTo = s.toSeq();
      if (input.carried() == null) {
        cursor = s.fromSeq();
        progress =
            new Progress(
                JobState.CREATED,
                s.filesToTransfer(),
                s.bytesToTransfer(),
                s.filesToTransfer(),
                s.bytesToTransfer(),
                0,
                0,
                0,
                0,
                0,
                0,
                null);
        setState(paused ? JobState.PAUSED : JobState.RUNNING);
        recordShard();
      }
    }
    if (input.carried() == null && !isShard) {
      setState(JobState.SCANNING);
      try {
        progress = progress.scanned(scan.scan(input.runId()));
        showDetails();
      } catch (ActivityFailure f) {
        if (isCancellation(f) && CancellationScope.current().isCancelRequested()) {
          throw f;
        }
        fatal = "scan failed: " + reason(f);
        fatalType = type(f);
        return finish(JobState.FAILED);
      }
      // A large owner is split into shards along its folder tree, each its own child workflow
      // (version 1 of "shards"; recorded histories before it go on as one workflow).
      List<ShardRef> shards = List.of();
      if (Workflow.getVersion("shards", Workflow.DEFAULT_VERSION, 1) == 1) {
        shards =
            Workflow.newActivityStub(
                    MigrationActivities.Shards.class,
                    ActivityOptions.newBuilder(CATALOG)
                        .setStartToCloseTimeout(Duration.ofHours(1))
                        .setSummary("split: cut a large owner into shards along its folder tree")
                        .build())
                .split(input.runId());
      }
      if (input.mode() == RunMode.DRY_RUN) {
        return finish(JobState.READY);
      }
      setState(JobState.READY);
      setState(paused ? JobState.PAUSED : JobState.RUNNING);
      if (!shards.isEmpty()) {
        return runShards(shards);
      }
    } else if (input.carried() != null) {
      MigrationInput.Carried c = input.carried();
      cursor = c.cursor();
      progress = c.progress();
      paused = c.paused();
      executions = c.executions() + 1;
    }

    Deque<BatchRef> planned = new ArrayDeque<>();
    boolean exhausted = false;
    int launched = 0;
    while (true) {
      Workflow.await(() -> cancelRequested || fatal != null || (!paused && inFlight < WINDOW));
      if (cancelRequested || fatal != null) {
        break;
      }
      if (planned.isEmpty() && again.isEmpty() && !exhausted) {
        MigrationActivities.Plan plan =
            Workflow.newActivityStub(
                MigrationActivities.Plan.class,
                ActivityOptions.newBuilder(PLAN)
                    .setSummary(
                        "plan: next batches after manifest row "
                            + cursor
                            + (isShard ? " (shard " + input.shard().index() + ")" : ""))
                    .build());
        List<BatchRef> next =
            isShard
                ? plan.nextBatchesIn(new PlanRange(input.runId(), cursor, upTo, WINDOW * 2))
                : plan.nextBatches(input.runId(), cursor, WINDOW * 2);
        if (next.isEmpty()) {
          exhausted = true;
        } else {
          planned.addAll(next);
          cursor = next.getLast().toSeq();
        }
      }
      BatchRef b = !again.isEmpty() ? again.poll() : planned.poll();
      if (b == null) {
        if (inFlight == 0) {
          break;
        }
        Workflow.await(() -> inFlight == 0 || cancelRequested || fatal != null || !again.isEmpty());
        continue;
      }
      launch(b);
      launched++;
      if (launched >= BATCHES_PER_EXECUTION || Workflow.getInfo().isContinueAsNewSuggested()) {
        Workflow.await(() -> inFlight == 0);
        if (cancelRequested || fatal != null) {
          break;
        }
        // Ranges planned but not finished are planned again: a batch only takes pending files.
        long carryCursor = cursor;
        for (BatchRef r : again) {
          carryCursor = Math.min(carryCursor, r.fromSeq());
        }
        for (BatchRef r : planned) {
          carryCursor = Math.min(carryCursor, r.fromSeq());
        }
        Workflow.await(Workflow::isEveryHandlerFinished);
        MigrationWorkflow next = Workflow.newContinueAsNewStub(MigrationWorkflow.class);
        next.run(
            new MigrationInput(
                input.jobId(),
                input.runId(),
                input.mode(),
                limits,
                new MigrationInput.Carried(carryCursor, progress, paused, executions),
                input.dataTaskQueue(),
                input.retries(),
                input.labels(),
                input.rerunsLeft(),
                input.shard()));
        return progress;
      }
    }
    // Wait for what is still running. After a
    // failure the other batch in the window is left to finish on its own: its files are recorded
    // either way, and cancelling a batch that Temporal has scheduled but not yet started made the
    // Java test server hold the workflow task forever (seen in MigrationWorkflowTest).
    if (cancelRequested) {
      cancelInFlight();
    }
    Workflow.await(() -> inFlight == 0);
    if (fatal != null) {
      return finish(JobState.FAILED);
    }
    return finish(cancelRequested ? JobState.CANCELLED : JobState.COMPLETED);
  }

  private void launch(BatchRef b) {
    inFlight++;
    live.put(b.fromSeq(), null);
    Limits l = limits;
    List<Promise<BatchResult>> holder = new ArrayList<>(1);
    CancellationScope scope =
        Workflow.newCancellationScope(
            () -> {
              MigrationActivities.Transfer t =
                  Workflow.newActivityStub(
                      MigrationActivities.Transfer.class,
                      ActivityOptions.newBuilder(transferOptions).setSummary(summary(b)).build());
              holder.add(Async.function(t::transferBatch, b, l));
            });
    inFlightScopes.add(scope);
    scope.run();
    holder
        .getFirst()
        .handle(
            (result, failure) -> {
              inFlight--;
              inFlightScopes.remove(scope);
              live.remove(b.fromSeq());
              if (failure == null) {
                progress = progress.plus(result);
                showDetails();
                if (!result.complete()) {
                  again.add(b);
                }
              } else if (isCancellation(failure)) {
                again.add(b);
              } else if (fatal == null) {
                fatal = "transfer failed: " + reason(failure);
                fatalType = type(failure);
              }
              return null;
            });
  }

  /**
   * Cancels every batch in flight. Iterates over a copy: a batch's completion callback may run
   * during a cancel and remove its scope from the list.
   */
  private void cancelInFlight() {
    List.copyOf(inFlightScopes).forEach(CancellationScope::cancel);
  }

  private static boolean isCancellation(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof CanceledFailure) {
        return true;
      }
    }
    return false;
  }

  /** The type of the application failure behind {@code t}, if it has one. */
  private static String type(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ApplicationFailure af) {
        return af.getType();
      }
    }
    return null;
  }

  private static String reason(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c instanceof ActivityFailure) {
      c = c.getCause();
    }
    if (c instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    if (c instanceof TemporalFailure tf) {
      return tf.getOriginalMessage();
    }
    return String.valueOf(c.getMessage());
  }

  /** The type a failed run fails its workflow with. */
  private String failureType() {
    return fatalType == null ? MigrationWorkflow.RUN_FAILED : fatalType;
  }

  private void setState(JobState s) {
    setState(s, null);
  }

  private void setState(JobState s, String message) {
    progress = progress.withState(s);
    showPhase(FerryAttributes.phase(s));
    if (isShard) {
      return; // the run's state in the catalog is the owner's
    }
    Workflow.newActivityStub(
            MigrationActivities.Catalog.class,
            ActivityOptions.newBuilder(CATALOG)
                .setSummary("state: " + FerryAttributes.phase(s))
                .build())
        .setState(input.runId(), s, message);
  }

  private Progress finish(JobState s) {
    if (isShard) {
      // a shard's figures are its batches'; the owner's workflow records the run's end
      JobState end =
          s == JobState.COMPLETED && progress.filesFailed() > 0
              ? JobState.COMPLETED_WITH_ERRORS
              : s;
      progress = progress.withState(end).withMessage(fatal);
      recordShard();
      showPhase(FerryAttributes.phase(end));
      return progress;
    }
    progress = progress.withState(s).withMessage(fatal);
    if (s == JobState.FAILED
        && input.rerunsLeft() != null
        && input.rerunsLeft() > 0
        && JobRunWorkflowImpl.rerunnable(failureType())) {
      // the parent reruns this owner: its catalog run records the failure but does not end
      setState(JobState.FAILED, fatal);
      return progress;
    }
    showPhase(FerryAttributes.FINISHING);
    String summary = "finish: record the end (" + FerryAttributes.phase(s) + ")";
    if (s == JobState.CANCELLED
        && input.dataTaskQueue() != null
        && Workflow.getVersion("cancel-without-agent", Workflow.DEFAULT_VERSION, 1) == 1) {
      progress = finishCancelledOnAgent(summary);
    } else {
      progress =
          Workflow.newActivityStub(
                  MigrationActivities.Catalog.class,
                  ActivityOptions.newBuilder(finishOptions).setSummary(summary).build())
              .finish(input.runId(), progress);
    }
    showPhase(FerryAttributes.phase(progress.state()));
    return progress;
  }

  /**
   * A cancelled run of an agent's job ends at the agent when it answers within {@link
   * #AGENT_ANSWERS}; otherwise (its machine is gone, the very reason the run is being cancelled)
   * the server records the end, so that the job is free for another run or another agent.
   */
  private Progress finishCancelledOnAgent(String summary) {
    try {
      return Workflow.newActivityStub(
              MigrationActivities.Catalog.class,
              ActivityOptions.newBuilder(finishOptions)
                  .setScheduleToStartTimeout(AGENT_ANSWERS)
                  .setSummary(summary)
                  .build())
          .finish(input.runId(), progress);
    } catch (ActivityFailure f) {
      if (!(f.getCause() instanceof TimeoutFailure t)
          || t.getTimeoutType() != TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) {
        throw f;
      }
    }
    return Workflow.newActivityStub(
            MigrationActivities.Catalog.class,
            ActivityOptions.newBuilder(CATALOG)
                .setSummary(summary + " on the server: the agent did not answer")
                .build())
        .recordEnd(
            new MigrationActivities.RecordEnd(
                input.runId(),
                progress,
                "cancelled while its agent did not answer: the server recorded the end (the"
                    + " agent's own finishing steps, such as removing emptied source folders, were"
                    + " not run)"));
  }

  /** Records this shard's state and figures in the catalog (the scan report lists shards). */
  private void recordShard() {
    Workflow.newActivityStub(
            MigrationActivities.Shards.class,
            ActivityOptions.newBuilder(CATALOG)
                .setSummary(
                    "shard "
                        + input.shard().index()
                        + " of "
                        + input.shard().count()
                        + ": "
                        + FerryAttributes.phase(progress.state()))
                .build())
        .recordShard(
            new ShardEnd(
                input.runId(),
                input.shard().index(),
                Workflow.getInfo().getWorkflowId(),
                progress));
  }

  /**
   * Transfers a large owner's shards, each a child workflow, at most {@link #SHARD_WINDOW} (and no
   * more than the owner's streams) at once. Every shard gets the owner's limits: the streams and
   * the bandwidth are the run's, shared by its batches whichever shard they belong to. A shard that
   * fails does not stop the others; the owner ends failed once all have ended.
   */
  private Progress runShards(List<ShardRef> shards) {
    Deque<ShardRef> queue = new ArrayDeque<>(shards);
    while (!queue.isEmpty()) {
      Workflow.await(() -> cancelRequested || (!paused && inFlight < shardWindow()));
      if (cancelRequested) {
        break;
      }
      startShard(queue.poll());
    }
    Workflow.await(() -> inFlight == 0);
    if (fatal != null) {
      return finish(JobState.FAILED);
    }
    return finish(cancelRequested ? JobState.CANCELLED : JobState.COMPLETED);
  }

  private int shardWindow() {
    return Math.max(1, Math.min(SHARD_WINDOW, limits.concurrency()));
  }

  /** The workflow id of a shard of the owner whose workflow id is {@code ownerId}. */
  public static String shardWorkflowId(String ownerId, int index) {
    return ownerId + "-shard-" + index;
  }

  private void startShard(ShardRef s) {
    inFlight++;
    ChildWorkflowOptions.Builder o =
        ChildWorkflowOptions.newBuilder()
            .setWorkflowId(shardWorkflowId(Workflow.getInfo().getWorkflowId(), s.index()))
            .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
            .setStaticSummary(shardSummary(s));
    Labels labels =
        input.labels() == null ? null : input.labels().withKind(FerryAttributes.KIND_SHARD);
    if (attributes) {
      o.setTypedSearchAttributes(
          FerryAttributes.atStart(labels, FerryAttributes.phase(JobState.RUNNING)));
    }
    MigrationWorkflow child = Workflow.newChildWorkflowStub(MigrationWorkflow.class, o.build());
    Promise<Progress> result =
        Async.function(
            child::run,
            new MigrationInput(
                input.jobId(),
                input.runId(),
                input.mode(),
                limits,
                null,
                input.dataTaskQueue(),
                input.retries(),
                labels,
                null, // a shard is not rerun alone: its owner fails, and is rerun as a whole
                s.numbersOnly()));
    Workflow.getWorkflowExecution(child).get(); // started: it takes signals from now on
    runningShards.add(child);
    if (paused) {
      child.pauseFromJob(); // paused while it was starting
    }
    result.handle(
        (p, failure) -> {
          inFlight--;
          // by identity: a stub's equals() is a call to the workflow, not an object method
          runningShards.removeIf(c -> c == child);
          liveShards.remove(s.index());
          endedShards.add(s.index());
          if (failure == null) {
            progress = withShard(progress, p);
            showDetails();
          } else if (!isCancellation(failure) && fatal == null) {
            fatal = "shard " + s.index() + " of " + s.count() + " failed: " + reason(failure);
            fatalType = type(failure);
          }
          return null;
        });
  }

  /** The shard's workflow as the Temporal UI names it: its place, its paths and its size. */
  static String shardSummary(ShardRef s) {
    return String.format(
        java.util.Locale.ROOT,
        "shard %d of %d: %s … %s — %,d files, %s",
        s.index(),
        s.count(),
        s.firstPath() == null ? "(start)" : s.firstPath(),
        s.lastPath() == null ? "(end)" : s.lastPath(),
        s.files(),
        Progress.bytes(s.bytes()));
  }

  /** The owner's figures with a finished shard's work added. */
  private static Progress withShard(Progress p, Progress shard) {
    return new Progress(
        p.state(),
        p.filesTotal(),
        p.bytesTotal(),
        p.filesToTransfer(),
        p.bytesToTransfer(),
        p.filesTransferred() + shard.filesTransferred(),
        p.bytesTransferred() + shard.bytesTransferred(),
        p.filesUnchanged() + shard.filesUnchanged(),
        p.filesSkipped() + shard.filesSkipped(),
        p.filesFailed() + shard.filesFailed(),
        p.batchesDone() + shard.batchesDone(),
        p.message());
  }

  /** Passes a pause, resume or new limits on to the shards running (one that just ended: none). */
  private void toShards(java.util.function.Consumer<MigrationWorkflow> signal) {
    for (MigrationWorkflow child : List.copyOf(runningShards)) {
      try {
        signal.accept(child);
      } catch (RuntimeException e) {
        // the shard has just ended: nothing to pass on
      }
    }
  }

  /** A batch as the timeline shows it: its manifest rows, files and bytes. */
  static String summary(BatchRef b) {
    return String.format(
        java.util.Locale.ROOT,
        "batch rows %,d-%,d: %,d files, %s",
        b.fromSeq() + 1,
        b.toSeq(),
        b.files(),
        Progress.bytes(b.bytes()));
  }

  /** The phase in the search attributes (when set) and the current details. */
  private void showPhase(String p) {
    if (attributes && !p.equals(phase)) {
      FerryAttributes.upsertPhase(p);
    }
    phase = p;
    showDetails();
  }

  /** The live figures in the Temporal UI's "current details" (no command: safe to change). */
  private void showDetails() {
    Workflow.setCurrentDetails(
        progress().details(phase != null ? phase : FerryAttributes.phase(progress.state())));
  }

  /** The figures of the batches ended plus what those in flight have done so far. */
  @Override
  public Progress progress() {
    Progress p = progress;
    for (BatchResult b : live.values()) {
      if (b != null) {
        p = p.withInFlight(b);
      }
    }
    for (BatchResult b : liveShards.values()) {
      p = p.withInFlight(b);
    }
    return p;
  }

  @Override
  public void batchProgress(BatchProgress p) {
    if (live.containsKey(p.fromSeq())) {
      live.put(p.fromSeq(), p.soFar());
      showDetails();
      passUp();
    }
  }

  @Override
  public void shardProgress(ShardProgress p) {
    if (!endedShards.contains(p.index())) {
      liveShards.put(p.index(), p.soFar());
      showDetails();
    }
  }

  /**
   * A shard tells its owner's workflow its figures so far ({@link ShardProgress}): one signal in
   * flight at a time, and one more after it when figures moved meanwhile, so a shard sends no more
   * often than its batches report.
   */
  private void passUp() {
    if (!shardUp) {
      return;
    }
    if (sendingUp) {
      moreUp = true;
      return;
    }
    sendingUp = true;
    String owner = Workflow.getInfo().getParentWorkflowId().orElseThrow();
    Async.procedure(
        () -> {
          try {
            do {
              moreUp = false;
              Progress p = progress();
              Workflow.newExternalWorkflowStub(MigrationWorkflow.class, owner)
                  .shardProgress(
                      new ShardProgress(
                          input.shard().index(),
                          new BatchResult(
                              p.filesTransferred(),
                              p.bytesTransferred(),
                              p.filesUnchanged(),
                              p.filesSkipped(),
                              p.filesFailed(),
                              false)));
            } while (moreUp);
          } catch (RuntimeException e) {
            // the owner has ended, or this shard is being cancelled: its result is what counts
          } finally {
            sendingUp = false;
          }
        });
  }

  @Override
  public Limits limits() {
    return limits;
  }

  @Override
  public Progress pause() {
    if (!paused) {
      paused = true;
      cancelInFlight();
      toShards(MigrationWorkflow::pauseFromJob);
      if (progress.state() == JobState.RUNNING || progress.state() == JobState.SCANNING) {
        setState(JobState.PAUSED);
      }
    }
    return progress;
  }

  @Override
  public void pauseFromJob() {
    if (!progress.state().terminal() && !cancelRequested) {
      pause();
    }
  }

  @Override
  public void resumeFromJob() {
    if (!progress.state().terminal() && !cancelRequested) {
      resume();
    }
  }

  @Override
  public void limitsFromJob(Limits l) {
    if (!progress.state().terminal() && !cancelRequested && l != null && l.problem() == null) {
      setLimits(l);
    }
  }

  @Override
  public void validatePause() {
    requireActive("pause");
  }

  @Override
  public Progress resume() {
    if (paused) {
      paused = false;
      toShards(MigrationWorkflow::resumeFromJob);
      if (progress.state() == JobState.PAUSED) {
        setState(JobState.RUNNING);
      }
    }
    return progress;
  }

  @Override
  public void validateResume() {
    requireActive("resume");
  }

  @Override
  public Limits setLimits(Limits l) {
    limits = l;
    // Batches in flight keep their limits; restart them so the change holds within seconds.
    cancelInFlight();
    toShards(child -> child.limitsFromJob(l));
    return limits;
  }

  @Override
  public void validateSetLimits(Limits l) {
    requireActive("change the limits of");
    if (l == null) {
      throw new IllegalArgumentException("limits are required");
    }
    String problem = l.problem();
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  private void requireActive(String what) {
    if (progress.state().terminal() || cancelRequested) {
      throw new IllegalStateException(
          "cannot " + what + " a run that is " + progress.state().name().toLowerCase());
    }
  }
}
