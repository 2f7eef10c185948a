package dev.ferry.api.server;

import dev.ferry.activities.catalog.ClientRow;
import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.OwnerRow;
import dev.ferry.workflows.RunMode;
import io.javalin.http.ConflictResponse;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The rules of a job's life that depend on its runs — no change of its owners or locations, and no
 * delete, while a run has not ended; one run at a time — each checked in the transaction that makes
 * the change, with the job's row locked ({@code select … for update}) and, for a job of a client,
 * the client's lock of {@link JobRules#lock} taken first. Two requests on one job therefore take
 * turns: a run cannot start between another request's check and its write, and of two run starts at
 * once exactly one creates the run, the other answers 409 with the reason. Nested calls of the
 * catalog on the same thread take part in the same transaction (JDBI's handle per thread).
 */
final class JobService {
  /** The work of one locked transaction. */
  interface Work<T> {
    T run(Handle h, JobSpecRow job);
  }

  private final Services s;

  JobService(Services s) {
    this.s = s;
  }

  /**
   * Runs {@code work} in one transaction that holds the client's lock and the row of {@code job}
   * (as committed now: 409 when it was deleted meanwhile), after refusing with 409 a job that has a
   * run that has not ended when {@code idle} is true.
   */
  <T> T locked(JobSpecRow job, boolean idle, Work<T> work) {
    return s.jdbi.inTransaction(
        h -> {
          if (job.clientId() != null) {
            JobRules.lock(h, job.clientId());
          }
          JobSpecRow now = lockRow(h, job.id());
          if (idle) {
            requireIdle(h, job.id());
          }
          return work.run(h, now);
        });
  }

  /** {@link #locked} without a result. */
  void lockedDo(JobSpecRow job, boolean idle, java.util.function.BiConsumer<Handle, JobSpecRow> w) {
    locked(
        job,
        idle,
        (h, j) -> {
          w.accept(h, j);
          return null;
        });
  }

  /**
   * Starts a run of {@code owners} (null: every owner the job has then) as {@link
   * RunLauncher#start} does: 409 when the job's client is not active, or when the job has a run
   * that has not ended (checked with the job locked, in the transaction that creates the run).
   */
  JobRunRow start(JobSpecRow job, RunMode mode, List<OwnerRow> owners) {
    ClientRow client = s.clients.find(job.clientId()).orElseThrow();
    if (!"ACTIVE".equals(client.status())) {
      throw new ConflictResponse(
          "client '" + client.name() + "' is " + client.status() + ": no new runs");
    }
    return s.launcher.start(job, mode, owners);
  }

  /**
   * 409 when the job has run: its source and destination (and, with a {@code local} side, its
   * agent) cannot change, its manifest describes them. Checked before and again in {@link #locked}.
   */
  void requireNeverRun(JobSpecRow job) {
    if (s.jobs.hasRuns(job.id())) {
      throw new ConflictResponse(
          "source and destination cannot change once the job has run (its manifest describes"
              + " them; a local folder is a folder of the machine that runs the job, so its agentId"
              + " cannot change either); create a new job");
    }
  }

  /** Locks the job's row until the transaction ends; 409 when the job is gone. */
  JobSpecRow lockRow(Handle h, UUID jobId) {
    h.createQuery("select id from jobs where id = ? for update")
        .bind(0, jobId)
        .mapTo(UUID.class)
        .findOne()
        .orElseThrow(() -> new ConflictResponse("the job was deleted meanwhile"));
    return s.jobs.find(h, jobId).orElseThrow();
  }

  /**
   * 409 when a transit cutover copies its accounts' files with the job (its copy to the transit or
   * back): the transit needs it for as long as it exists. Call it with the job's row locked.
   */
  static void requireNoTransit(Handle h, UUID jobId) {
    h.createQuery(
            """
            select name, case when out_job_id = :job then 'to the transit' else 'back' end
            from transits where out_job_id = :job or back_job_id = :job limit 1""")
        .bind("job", jobId)
        .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)})
        .findOne()
        .ifPresent(
            t -> {
              throw new ConflictResponse(
                  "the job copies the files of transit '"
                      + t[0]
                      + "' ("
                      + t[1]
                      + "): it cannot be deleted while the transit exists");
            });
  }

  /**
   * 409 naming the run when the job has a run that has not ended (one of its owners' runs has no
   * end yet); call it with the job's row locked ({@link #lockRow}).
   */
  static void requireIdle(Handle h, UUID jobId) {
    h.createQuery(
            """
            select jr.id from job_runs jr
            where jr.job_id = ?
              and exists(select 1 from runs r where r.job_run_id = jr.id and r.finished_at is null)
            order by jr.id desc limit 1""")
        .bind(0, jobId)
        .mapTo(Long.class)
        .findOne()
        .ifPresent(
            run -> {
              throw new ConflictResponse(
                  "run "
                      + run
                      + " of the job has not ended: pause, resume or cancel it, or wait for it to"
                      + " end");
            });
  }
}
