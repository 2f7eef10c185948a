package dev.ferry.workflows;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's side of a transit in memory: copies prepared with growing run ids, their figures,
 * the hooks run (as "hook account to"), and PostgreSQL moves that fail for the databases named in
 * {@link #failing}.
 */
final class FakeTransitActivities implements TransitActivities, DatabaseActivities {
  final AtomicLong nextRun = new AtomicLong(100);
  final List<CopyRequest> copies = new CopyOnWriteArrayList<>();
  final List<String> hooks = new CopyOnWriteArrayList<>();
  final List<MoveRequest> databaseMoves = new CopyOnWriteArrayList<>();
  final Set<String> failing = ConcurrentHashMap.newKeySet();
  volatile long databaseBytes = 2_500_000_000L;

  @Override
  public JobRunInput prepareCopy(CopyRequest request) {
    copies.add(request);
    String job = request.direction().equals(OUT) ? "out" : "back";
    return new JobRunInput(
        job,
        nextRun.incrementAndGet(),
        RunMode.INCREMENTAL,
        new Limits(2, 0),
        2,
        null,
        null,
        null,
        null,
        "Ferry job " + job,
        null,
        null);
  }

  @Override
  public CutoverActivities.RoundFigures copyFigures(CutoverActivities.RoundRef run) {
    return new CutoverActivities.RoundFigures("COMPLETED", 12, 12_000, 0, 30);
  }

  @Override
  public CutoverActivities.HookResult runHook(HookCall call) {
    hooks.add(call.hook() + " " + call.account() + (call.to() == null ? "" : " " + call.to()));
    return new CutoverActivities.HookResult(true, true, "exit status 0");
  }

  @Override
  public long databaseSize(DatabaseRef database) {
    return databaseBytes;
  }

  @Override
  public MoveResult moveDatabase(MoveRequest request) {
    databaseMoves.add(request);
    if (failing.contains(request.from().database())) {
      return new MoveResult(
          false,
          databaseBytes,
          5,
          List.of(new TableCheck("public.t", 10, 9, "a", "b")),
          "table public.t: 10 rows at the source, 9 at the target");
    }
    return new MoveResult(
        true, databaseBytes, 5, List.of(new TableCheck("public.t", 10, 10, "a", "a")), "");
  }

  List<String> hooksOf(String account) {
    return hooks.stream().filter(h -> h.split(" ")[1].equals(account)).toList();
  }
}
