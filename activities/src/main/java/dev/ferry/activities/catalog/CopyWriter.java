package dev.ferry.activities.catalog;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import org.postgresql.copy.CopyIn;

/**
 * Streams rows into a table through PostgreSQL's COPY (CSV format), buffering at most about a
 * megabyte, so a listing of millions of paths goes in fast and in flat memory.
 */
final class CopyWriter implements AutoCloseable {
  private static final int FLUSH_AT = 1 << 20;
  private final CopyIn copy;
  private final ByteArrayOutputStream buf = new ByteArrayOutputStream(FLUSH_AT + 4096);
  private final StringBuilder line = new StringBuilder(256);

  CopyWriter(CopyIn copy) {
    this.copy = copy;
  }

  /** Writes one row; null fields become SQL NULL. */
  void row(Object... fields) throws SQLException {
    line.setLength(0);
    for (int i = 0; i < fields.length; i++) {
      if (i > 0) {
        line.append(',');
      }
      Object f = fields[i];
      if (f == null) {
        continue;
      }
      if (f instanceof String s) {
        line.append('"').append(s.replace("\"", "\"\"")).append('"');
      } else {
        line.append(f);
      }
    }
    line.append('\n');
    byte[] b = line.toString().getBytes(StandardCharsets.UTF_8);
    buf.write(b, 0, b.length);
    if (buf.size() >= FLUSH_AT) {
      flush();
    }
  }

  private void flush() throws SQLException {
    if (buf.size() > 0) {
      copy.writeToCopy(buf.toByteArray(), 0, buf.size());
      buf.reset();
    }
  }

  /** Sends what is buffered and ends the COPY; returns the rows written. */
  long finish() throws SQLException {
    flush();
    return copy.endCopy();
  }

  @Override
  public void close() throws SQLException {
    if (copy.isActive()) {
      copy.cancelCopy();
    }
  }
}
