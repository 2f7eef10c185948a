package dev.ferry.workflows;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.common.SearchAttributes;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The custom search attributes of every Ferry workflow, so an operator finds a job's workflows in
 * the Temporal UI and CLI ({@code temporal workflow list --query "FerryJobId='…'"}). All are
 * Keyword attributes. A starter sets them with {@link #atStart} in {@code
 * WorkflowOptions.setTypedSearchAttributes}; the workflow keeps {@link #PHASE} current with {@link
 * #upsertPhase} (behind a {@code Workflow.getVersion}, as it adds commands). The namespace must
 * have them registered ({@link #definitions}): Ferry's dev server is started with them, and {@code
 * ferry server} / {@code ferry worker} add missing ones to an external cluster.
 */
public final class FerryAttributes {
  private FerryAttributes() {}

  public static final SearchAttributeKey<String> JOB_ID =
      SearchAttributeKey.forKeyword("FerryJobId");
  public static final SearchAttributeKey<String> CLIENT_ID =
      SearchAttributeKey.forKeyword("FerryClientId");
  public static final SearchAttributeKey<String> PROJECT_ID =
      SearchAttributeKey.forKeyword("FerryProjectId");
  public static final SearchAttributeKey<String> OWNER_ID =
      SearchAttributeKey.forKeyword("FerryOwnerId");
  public static final SearchAttributeKey<String> RUN_ID =
      SearchAttributeKey.forKeyword("FerryRunId");
  public static final SearchAttributeKey<String> PHASE =
      SearchAttributeKey.forKeyword("FerryPhase");
  public static final SearchAttributeKey<String> AGENT_ID =
      SearchAttributeKey.forKeyword("FerryAgentId");
  public static final SearchAttributeKey<String> KIND = SearchAttributeKey.forKeyword("FerryKind");

  /** Every key, in the order the docs list them. */
  public static final List<SearchAttributeKey<String>> ALL =
      List.of(JOB_ID, CLIENT_ID, PROJECT_ID, OWNER_ID, RUN_ID, PHASE, AGENT_ID, KIND);

  /** {@link #KIND} of a job run (the parent of a run's owners). */
  public static final String KIND_JOB_RUN = "job_run";

  /** {@link #KIND} of one owner's {@code MigrationWorkflow}. */
  public static final String KIND_OWNER = "owner";

  /** {@link #KIND} of a job's cutover ({@code CutoverWorkflow}). */
  public static final String KIND_CUTOVER = "cutover";

  /** {@link #KIND} of a transit cutover ({@code TransitCutoverWorkflow}). */
  public static final String KIND_TRANSIT = "transit";

  /** {@link #KIND} of one account's move in a transit cutover ({@code AccountMoveWorkflow}). */
  public static final String KIND_ACCOUNT_MOVE = "account_move";

  /** {@link #KIND} of a shard of a large owner. */
  public static final String KIND_SHARD = "shard";

  /** Each attribute's name and type, to register them in a namespace. */
  public static Map<String, IndexedValueType> definitions() {
    Map<String, IndexedValueType> out = new LinkedHashMap<>();
    ALL.forEach(k -> out.put(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    return out;
  }

  /**
   * The {@link #PHASE} of a state: queued, scanning, scanned (a dry run's end), transferring,
   * paused, completed, completed_with_errors, failed, cancelled. {@code finishing} is set by the
   * workflow while it records the end.
   */
  public static String phase(JobState s) {
    return switch (s) {
      case CREATED -> "queued";
      case SCANNING -> "scanning";
      case READY -> "scanned";
      case RUNNING -> "transferring";
      case PAUSED -> "paused";
      case COMPLETED -> "completed";
      case COMPLETED_WITH_ERRORS -> "completed_with_errors";
      case FAILED -> "failed";
      case CANCELLED -> "cancelled";
    };
  }

  /** The phase while a run records its end. */
  public static final String FINISHING = "finishing";

  /** The attributes a starter sets: every known label, and the phase. */
  public static SearchAttributes atStart(Labels labels, String phase) {
    SearchAttributes.Builder b = SearchAttributes.newBuilder();
    updates(labels, phase).forEach(u -> set(b, u));
    return b.build();
  }

  /**
   * From workflow code: sets every known label and the phase (the first call of an execution), so
   * the attributes are right even when the starter did not set them. Adds a command: call it behind
   * {@code Workflow.getVersion}.
   */
  public static void upsertAll(Labels labels, String phase) {
    Workflow.upsertTypedSearchAttributes(
        updates(labels, phase).toArray(new SearchAttributeUpdate<?>[0]));
  }

  /** From workflow code: the new phase. Adds a command: call it behind {@code getVersion}. */
  public static void upsertPhase(String phase) {
    Workflow.upsertTypedSearchAttributes(PHASE.valueSet(phase));
  }

  private static List<SearchAttributeUpdate<String>> updates(Labels l, String phase) {
    List<SearchAttributeUpdate<String>> out = new ArrayList<>();
    add(out, JOB_ID, l.jobId());
    add(out, CLIENT_ID, l.clientId());
    add(out, PROJECT_ID, l.projectId());
    add(out, OWNER_ID, l.ownerId());
    add(out, RUN_ID, l.runId());
    add(out, PHASE, phase);
    add(out, AGENT_ID, l.agentId());
    add(out, KIND, l.kind());
    return out;
  }

  private static void add(
      List<SearchAttributeUpdate<String>> out, SearchAttributeKey<String> key, String value) {
    if (value != null && !value.isBlank()) {
      out.add(key.valueSet(value));
    }
  }

  private static void set(SearchAttributes.Builder b, SearchAttributeUpdate<String> u) {
    b.set(u.getKey(), u.getValue().orElseThrow());
  }
}
