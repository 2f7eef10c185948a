package dev.ferry.workflows;

import java.util.List;

/**
 * The one input of {@link TransitCutoverWorkflow}: ids, account names and their databases' names,
 * the windows — never a hook's command or URL, a password or a file list (the activities read those
 * from the catalog by the transit's id).
 *
 * @param transitId the transit's id in the catalog
 * @param clientId the client it belongs to
 * @param shared a shared transit ({@code kind: shared}): no precopy, no free window, no deadline
 * @param accounts the accounts, in the order the catalog lists them
 * @param serverDatabases the client server's PostgreSQL connection, or null when no account has a
 *     database
 * @param transitDatabases the transit server's PostgreSQL connection, or null likewise
 * @param freeDays the free window after {@code ready}, in days
 * @param finalizeDays the user's deadline for the finalization, in days
 * @param dailyPriceCents what a day of the transit costs past its free window (prorated from its
 *     monthly price), or null when not billed through Ferry
 * @param outJobId the job that copies the client server's files to the transit (owners = accounts)
 * @param backJobId the job that copies them back
 * @param createdBy who created it (a token's name)
 * @param labels ids for the search attributes (kind {@code transit}), or null
 * @param carried what an earlier execution handed over at continue-as-new, or null
 */
public record TransitInput(
    String transitId,
    String clientId,
    boolean shared,
    List<Account> accounts,
    String serverDatabases,
    String transitDatabases,
    int freeDays,
    int finalizeDays,
    Long dailyPriceCents,
    String outJobId,
    String backJobId,
    String createdBy,
    Labels labels,
    TransitStatus carried) {

  public static final int DEFAULT_FREE_DAYS = 14;
  public static final int DEFAULT_FINALIZE_DAYS = 7;

  /**
   * One hosting account.
   *
   * @param name its name (unique in the transit)
   * @param databases the names of its PostgreSQL databases, possibly none
   */
  public record Account(String name, List<String> databases) {}

  TransitInput carrying(TransitStatus s) {
    return new TransitInput(
        transitId,
        clientId,
        shared,
        accounts,
        serverDatabases,
        transitDatabases,
        freeDays,
        finalizeDays,
        dailyPriceCents,
        outJobId,
        backJobId,
        createdBy,
        labels,
        s);
  }
}
