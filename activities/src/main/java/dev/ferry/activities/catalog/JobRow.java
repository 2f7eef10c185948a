package dev.ferry.activities.catalog;

import java.util.UUID;

/** A job: where from, where to. Locations are URIs without secrets. */
public record JobRow(UUID id, String name, String sourceUri, String destUri, String state) {}
