package dev.ferry.api.cli;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.Database;
import dev.ferry.activities.catalog.DbConfig;
import dev.ferry.api.runtime.FerryHome;
import dev.ferry.api.runtime.FerryRuntime;
import dev.ferry.api.runtime.LocalTemporal;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/**
 * {@code ferry worker}: one more worker for Ferry's workflows and activities on an existing
 * Temporal service, so migrations spread over machines. Any number may run; when one dies, its
 * activities are retried on the others once their heartbeats time out.
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    header = "Run one more central worker on an existing Temporal service.",
    description = {
      "Runs a worker on an existing Temporal service (TEMPORAL_ADDRESS,",
      "TEMPORAL_NAMESPACE) and the catalog database (FERRY_DB_URL ...). Stop it with",
      "Ctrl-C."
    })
public final class WorkerCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin MetricsListen metrics = new MetricsListen();

  @Override
  public Integer call() {
    Map<String, String> env = Ferry.env();
    String address = env.get("TEMPORAL_ADDRESS");
    if (address == null || address.isBlank()) {
      Ferry.err()
          .println(
              "ferry worker: joins an existing Temporal service; set TEMPORAL_ADDRESS (and"
                  + " TEMPORAL_NAMESPACE) to the one 'ferry server' or your cluster uses.");
      return Ferry.EXIT_USAGE;
    }
    Catalog catalog;
    try {
      catalog = FerryRuntime.openCatalog(DbConfig.fromEnv(env));
    } catch (Database.Unreachable e) {
      Ferry.err().println("ferry: " + e.getMessage());
      return Ferry.EXIT_ENVIRONMENT;
    }
    try {
      metrics.start();
    } catch (IllegalArgumentException e) {
      catalog.close();
      Ferry.err().println("ferry worker: " + e.getMessage());
      return Ferry.EXIT_USAGE;
    }
    LocalTemporal temporal;
    try {
      temporal = LocalTemporal.start(FerryHome.fromEnv(env), "worker", env);
    } catch (IllegalStateException e) {
      catalog.close();
      Ferry.err().println("ferry worker: " + e.getMessage());
      return Ferry.EXIT_ENVIRONMENT;
    }
    FerryRuntime runtime = FerryRuntime.start(catalog, temporal, env);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  runtime.close();
                  temporal.close();
                  stopped.countDown();
                },
                "ferry-worker-stop"));
    Ferry.out()
        .println(
            "Ferry worker (pid "
                + ProcessHandle.current().pid()
                + ") serving "
                + temporal.describe());
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Ferry.EXIT_OK;
  }
}
