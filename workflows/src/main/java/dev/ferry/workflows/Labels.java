package dev.ferry.workflows;

/**
 * What a Ferry workflow is part of, by id only, for its search attributes ({@link
 * FerryAttributes}): search attributes are stored unencrypted by Temporal, so no name, e-mail or
 * secret goes here. Any component may be null (not known, or not applicable: {@code ferry migrate}
 * has no client or project).
 *
 * @param jobId the job's id ({@code FerryJobId})
 * @param runId the job run's id ({@code FerryRunId}): shared by every workflow of one run
 * @param clientId the client's id ({@code FerryClientId})
 * @param projectId the project's id ({@code FerryProjectId})
 * @param ownerId the data owner's opaque id ({@code FerryOwnerId}), never an e-mail
 * @param agentId the agent moving the data, if any ({@code FerryAgentId})
 * @param kind what the workflow is ({@code FerryKind}): {@link FerryAttributes#KIND_JOB_RUN},
 *     {@link FerryAttributes#KIND_OWNER}, {@link FerryAttributes#KIND_SHARD}
 */
public record Labels(
    String jobId,
    String runId,
    String clientId,
    String projectId,
    String ownerId,
    String agentId,
    String kind) {
  /** The same labels for a workflow of another kind (a shard of this owner). */
  public Labels withKind(String k) {
    return new Labels(jobId, runId, clientId, projectId, ownerId, agentId, k);
  }
}
