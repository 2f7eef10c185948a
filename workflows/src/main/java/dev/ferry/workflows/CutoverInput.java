package dev.ferry.workflows;

/**
 * The one input of {@link CutoverWorkflow}: which job and how the cutover runs — never a hook's
 * command or URL (they may hold credentials: the activities read them from the catalog), never a
 * file list.
 *
 * @param jobId the job's id
 * @param roundIntervalMinutes minutes between the end of one round and the start of the next while
 *     syncing, or null for rounds on demand only
 * @param readyWhenDeltaBelowFiles the cutover says it is ready when a round copied fewer files than
 *     this, or null
 * @param readyWhenDeltaBelowBytes ... or fewer bytes than this, or null
 * @param fallbackDays how long the source stays read-only after the switch
 * @param startedBy who started it (a token's name)
 * @param labels ids for the search attributes (kind {@code cutover}), or null
 * @param carried what an earlier execution handed over at continue-as-new, or null
 */
public record CutoverInput(
    String jobId,
    Integer roundIntervalMinutes,
    Long readyWhenDeltaBelowFiles,
    Long readyWhenDeltaBelowBytes,
    int fallbackDays,
    String startedBy,
    Labels labels,
    CutoverStatus carried) {

  public static final int DEFAULT_FALLBACK_DAYS = 14;
}
