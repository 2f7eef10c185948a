package dev.ferry.api.runtime;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.Database;
import dev.ferry.activities.catalog.DbConfig;
import dev.ferry.activities.engine.CachingResolver;
import dev.ferry.activities.engine.FinishService;
import dev.ferry.activities.engine.ScanService;
import dev.ferry.activities.engine.StorageResolver;
import dev.ferry.activities.engine.TransferService;
import dev.ferry.activities.storage.Locations;
import dev.ferry.activities.temporal.CatalogActivityImpl;
import dev.ferry.activities.temporal.PlanActivityImpl;
import dev.ferry.activities.temporal.ScanActivityImpl;
import dev.ferry.activities.temporal.TransferActivityImpl;
import dev.ferry.workflows.MigrationWorkflow;
import dev.ferry.workflows.MigrationWorkflowImpl;
import dev.ferry.workflows.WorkerSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import org.jdbi.v3.core.Jdbi;

/** The catalog plus a worker serving Ferry's workflows and activities on one Temporal service. */
public final class FerryRuntime implements AutoCloseable {
  private final Catalog catalog;
  private final WorkflowClient client;
  private final WorkerFactory factory;
  private final StorageResolver storage;

  private FerryRuntime(
      Catalog catalog, WorkflowClient client, WorkerFactory factory, StorageResolver storage) {
    this.catalog = catalog;
    this.client = client;
    this.factory = factory;
    this.storage = storage;
  }

  /** Opens the catalog database (creating and migrating it as needed). */
  public static Catalog openCatalog(DbConfig db) {
    Jdbi jdbi = Database.open(db);
    return new Catalog(jdbi);
  }

  /** Starts a worker on {@link MigrationWorkflow#TASK_QUEUE}. */
  public static FerryRuntime start(
      Catalog catalog, LocalTemporal temporal, java.util.Map<String, String> env) {
    return start(catalog, temporal, new CachingResolver(new Locations(env)));
  }

  public static FerryRuntime start(
      Catalog catalog, LocalTemporal temporal, StorageResolver storage) {
    WorkflowClient client =
        WorkflowClient.newInstance(
            temporal.stubs(),
            WorkflowClientOptions.newBuilder().setNamespace(temporal.namespace()).build());
    WorkerFactory factory = WorkerFactory.newInstance(client);
    Worker worker =
        factory.newWorker(
            MigrationWorkflow.TASK_QUEUE,
            WorkerSettings.options().setMaxConcurrentActivityExecutionSize(64).build());
    worker.registerWorkflowImplementationTypes(
        MigrationWorkflowImpl.class,
        dev.ferry.workflows.JobRunWorkflowImpl.class,
        dev.ferry.workflows.CutoverWorkflowImpl.class,
        dev.ferry.workflows.TransitCutoverWorkflowImpl.class,
        dev.ferry.workflows.AccountMoveWorkflowImpl.class);
    worker.registerActivitiesImplementations(
        new ScanActivityImpl(new ScanService(catalog, storage), catalog),
        new PlanActivityImpl(catalog),
        new dev.ferry.activities.temporal.ShardsActivityImpl(catalog),
        new TransferActivityImpl(new TransferService(catalog, storage), catalog),
        new CatalogActivityImpl(catalog, new FinishService(catalog, storage)),
        new dev.ferry.activities.temporal.JobRunActivityImpl(
            new dev.ferry.activities.catalog.JobRuns(catalog.jdbi())));
    factory.start();
    return new FerryRuntime(catalog, client, factory, storage);
  }

  public Catalog catalog() {
    return catalog;
  }

  public WorkflowClient client() {
    return client;
  }

  private java.time.Duration stopWait = java.time.Duration.ofSeconds(5);

  /**
   * How long {@link #close()} waits for the worker's pollers and tasks to stop (5 s unless told). A
   * command about to exit, whose migration has ended, need not wait: its process ends them.
   */
  public FerryRuntime stopWait(java.time.Duration wait) {
    this.stopWait = wait;
    return this;
  }

  @Override
  public void close() {
    long t0 = System.nanoTime();
    factory.shutdownNow();
    factory.awaitTermination(stopWait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    org.slf4j.LoggerFactory.getLogger(FerryRuntime.class)
        .debug("worker stopped after {} ms", (System.nanoTime() - t0) / 1_000_000);
    if (storage instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        // connectors close their clients; nothing to save here
      }
    }
  }
}
