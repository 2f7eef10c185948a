package dev.ferry.activities.storage.azure;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * The {@code mtime} blob metadata. Written as rclone's azureblob backend writes it (RFC 3339 in UTC
 * with nine fractional digits, for example {@code 2017-07-14T02:40:00.000000000Z}); read in that
 * form or as epoch seconds with an optional fraction ({@code 1500000000.5}), the form rclone's S3
 * and Swift backends use.
 */
final class Mtime {
  private static final DateTimeFormatter OUT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

  private Mtime() {}

  static String format(long epochMillis) {
    return OUT.format(Instant.ofEpochMilli(epochMillis));
  }

  /** Epoch milliseconds from {@code value}, or -1 when it is in neither form. */
  static long parse(String value) {
    String v = value.strip();
    try {
      return OffsetDateTime.parse(v).toInstant().toEpochMilli();
    } catch (DateTimeParseException notRfc3339) {
      try {
        return new BigDecimal(v).movePointRight(3).setScale(0, RoundingMode.FLOOR).longValueExact();
      } catch (NumberFormatException | ArithmeticException notSeconds) {
        return -1;
      }
    }
  }

  /** The time of a blob: its {@code mtime} metadata when readable, else Last-Modified, else -1. */
  static long of(Map<String, String> metadata, OffsetDateTime lastModified) {
    String v = metadata == null ? null : get(metadata, AzureBlobStorage.MTIME_KEY);
    long t = v == null ? -1 : parse(v);
    if (t != -1) {
      return t;
    }
    return lastModified == null ? -1 : lastModified.toInstant().toEpochMilli();
  }

  /** A metadata value by case-insensitive key (Azure keys are case-insensitive). */
  static String get(Map<String, String> metadata, String key) {
    for (var e : metadata.entrySet()) {
      if (e.getKey().equalsIgnoreCase(key)) {
        return e.getValue();
      }
    }
    return null;
  }
}
