package dev.ferry.activities.catalog;

import java.time.Instant;
import java.util.UUID;

/** A managed customer. {@code status}: {@code ACTIVE} or {@code INACTIVE} (no new runs). */
public record ClientRow(
    UUID id,
    String name,
    String contactName,
    String contactEmail,
    String psaCompanyId,
    String status,
    Instant createdAt,
    Instant updatedAt) {}
