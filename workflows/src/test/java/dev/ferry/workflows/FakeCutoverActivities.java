package dev.ferry.workflows;

import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** The server side of a cutover in memory: scripted round deltas and verifications. */
final class FakeCutoverActivities implements CutoverActivities {
  final AtomicLong nextRun = new AtomicLong();
  final List<RoundRequest> prepared = new CopyOnWriteArrayList<>();
  final List<String> hooksRun = new CopyOnWriteArrayList<>();
  final Deque<Long> deltas = new ConcurrentLinkedDeque<>();
  final Deque<Long> differences = new ConcurrentLinkedDeque<>();
  volatile boolean failSwitchHook;
  final List<String> freezes = new CopyOnWriteArrayList<>();

  FakeCutoverActivities(long... roundDeltas) {
    for (long d : roundDeltas) {
      deltas.add(d);
    }
  }

  @Override
  public JobRunInput prepareRound(RoundRequest request) {
    prepared.add(request);
    return new JobRunInput(
        request.jobId(),
        nextRun.incrementAndGet(),
        prepared.size() == 1 ? RunMode.FULL : RunMode.INCREMENTAL,
        new Limits(2, 0),
        2,
        null,
        null,
        null,
        null,
        "Ferry job j",
        null,
        null);
  }

  @Override
  public RoundFigures roundFigures(RoundRef round) {
    Long d = deltas.poll();
    long files = d == null ? 0 : d;
    return new RoundFigures("COMPLETED", files, files * 1000, 0, 60);
  }

  @Override
  public HookResult runHook(HookCall call) {
    hooksRun.add(call.hook());
    if (call.hook().equals("switch") && failSwitchHook) {
      return new HookResult(true, false, "exit status 3: DNS update refused");
    }
    return new HookResult(true, true, "exit status 0");
  }

  @Override
  public CutoverStatus.Check verify(VerifyRequest request) {
    Long d = differences.poll();
    long n = d == null ? 0 : d;
    return new CutoverStatus.Check(
        request.number(),
        System.currentTimeMillis(),
        10,
        10_000,
        n,
        0,
        0,
        0,
        n,
        0,
        null,
        "10 by sha256 read back");
  }

  static final String DELETED =
      "deleted 9 verified files (9.0 kB) at the source; kept 1 changed since";
  final List<DeleteRequest> deletions = new CopyOnWriteArrayList<>();

  @Override
  public DeleteResult deleteVerified(DeleteRequest request) {
    deletions.add(request);
    return new DeleteResult(9, 9_000, 1, 0, DELETED);
  }

  List<String> hooks() {
    return new ArrayList<>(hooksRun);
  }

  @Override
  public FreezeResult applyFreeze(FreezeCall call) {
    freezes.add("apply");
    return new FreezeResult(true, "write permission removed from 3 files and 1 folder under /src");
  }

  @Override
  public FreezeResult undoFreeze(FreezeCall call) {
    freezes.add("undo");
    return new FreezeResult(true, "write permission put back on 4 entries");
  }
}
