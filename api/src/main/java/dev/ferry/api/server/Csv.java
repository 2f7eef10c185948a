package dev.ferry.api.server;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.QuoteMode;

/**
 * Every CSV file Ferry writes (reports, differences), through Commons CSV, with its cells made safe
 * for spreadsheets: a cell that a spreadsheet would run as a formula — one starting with {@code =},
 * {@code +}, {@code -}, {@code @}, a tab or a carriage return — gets a leading single quote and is
 * quoted, as OWASP's "CSV Injection" recommends, so {@code =cmd|' /C calc'!A0} reads as the text
 * {@code '=cmd|' /C calc'!A0}. A cell holding a {@code ;} is quoted too, so a spreadsheet that
 * splits on semicolons keeps it whole. Numbers are written as they are. The JSON reports keep the
 * exact names. Not thread-safe; one per file.
 */
public final class Csv implements Closeable {
  private static final CSVFormat PLAIN = CSVFormat.DEFAULT;
  private static final CSVFormat QUOTED =
      CSVFormat.DEFAULT.builder().setQuoteMode(QuoteMode.ALL).get();
  private static final CSVFormat COMMENTED =
      CSVFormat.DEFAULT.builder().setCommentMarker('#').get();

  private final CSVPrinter printer;

  private Csv(CSVPrinter printer) {
    this.printer = printer;
  }

  /** A CSV file on {@code out} that may start with {@code #} comment lines. */
  public static Csv withComments(Writer out) throws IOException {
    return new Csv(COMMENTED.print(out));
  }

  /** A CSV file on {@code out} without comment lines. */
  public static Csv of(Writer out) throws IOException {
    return new Csv(PLAIN.print(out));
  }

  /** A {@code #} comment line (only with {@link #withComments}). */
  public void comment(String text) throws IOException {
    printer.printComment(text);
  }

  /** One record: each cell made safe ({@link #cell}) and quoted when it was escaped. */
  public void row(Object... cells) throws IOException {
    Appendable out = printer.getOut();
    for (int i = 0; i < cells.length; i++) {
      Object v = cells[i];
      if (v instanceof CharSequence cs && risky(cs.toString())) {
        QUOTED.print(cell(cs.toString()), out, i == 0);
      } else {
        PLAIN.print(v, out, i == 0);
      }
    }
    PLAIN.println(out);
  }

  /**
   * The text of a cell as written: with a leading single quote when a spreadsheet would run it as a
   * formula, else as it is.
   */
  public static String cell(String v) {
    return formula(v) ? "'" + v : v;
  }

  /** Whether a spreadsheet would run {@code v} as a formula. */
  static boolean formula(String v) {
    return v != null && !v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0;
  }

  private static boolean risky(String v) {
    return formula(v) || v.indexOf(';') >= 0;
  }

  @Override
  public void close() throws IOException {
    printer.close();
  }
}
