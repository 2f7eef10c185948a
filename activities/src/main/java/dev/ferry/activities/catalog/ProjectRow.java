package dev.ferry.activities.catalog;

import java.time.Instant;
import java.util.UUID;

/**
 * A migration engagement of one client.
 *
 * @param type {@code FILE_MIGRATION} or {@code ARCHIVE}
 * @param defaultDestConnectionId the destination new jobs use when they name none, or null
 * @param bandwidthSchedule the schedule as JSON text, or null
 */
public record ProjectRow(
    UUID id,
    UUID clientId,
    String name,
    String type,
    UUID defaultDestConnectionId,
    String bandwidthSchedule,
    String psaTicketId,
    String psaProjectId,
    Instant createdAt,
    Instant updatedAt) {}
