package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CSV cells a spreadsheet would run as a formula are escaped as OWASP recommends (a leading single
 * quote, the cell quoted), in the file Ferry writes and in the API's report of a real run; the JSON
 * report keeps the exact names.
 */
class CsvInjectionTest {
  /** The names of the issue, and the other starts OWASP lists. */
  static final List<String> FORMULAS =
      List.of("=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "\tTAB", "\rCR");

  @TempDir Path dir;

  @Test
  void formulaCellsGetALeadingQuoteAndAreQuotedOthersAreAsTheyWere() throws Exception {
    StringWriter w = new StringWriter();
    try (Csv csv = Csv.withComments(w)) {
      csv.comment("a summary");
      csv.row("path", "size");
      for (String f : FORMULAS) {
        csv.row(f, 1);
      }
      csv.row("plain.txt", 2);
      csv.row("semi;=1+2", 3);
      csv.row("a,b", -4);
      csv.row(null, 5);
    }
    String text = w.toString();
    assertThat(text)
        .startsWith("# a summary\r\npath,size\r\n")
        .contains("\"'=cmd|' /C calc'!A0\",1\r\n")
        .contains("\"'+1\",1\r\n")
        .contains("\"'-1\",1\r\n")
        .contains("\"'@SUM(1)\",1\r\n")
        .contains("\"'\tTAB\",1\r\n")
        .contains("\r\nplain.txt,2\r\n")
        .contains("\"semi;=1+2\",3\r\n")
        .contains("\"a,b\",-4\r\n") // a number is written as it is
        .endsWith(",5\r\n");
    List<CSVRecord> rows = ApiRunTest.csv(text);
    assertThat(rows.stream().map(r -> r.get("path")).toList())
        .containsExactly(
            "'=cmd|' /C calc'!A0",
            "'+1",
            "'-1",
            "'@SUM(1)",
            "'\tTAB",
            "'\rCR",
            "plain.txt",
            "semi;=1+2",
            "a,b",
            "");
    assertThat(Csv.cell("=1")).isEqualTo("'=1");
    assertThat(Csv.cell("1=")).isEqualTo("1=");
  }

  @Test
  void theApiReportCsvEscapesNamesAndItsJsonReportKeepsThem() throws Exception {
    ApiHarness h = ApiHarness.get();
    Api api = h.admin;
    Path src = dir.resolve("src");
    Files.createDirectories(src);
    for (String f : FORMULAS.subList(0, 4)) {
      // a '/' cannot be in a name: "=cmd|' " is a folder, the path's cell starts with '='
      Files.createDirectories(src.resolve(f).getParent());
      Files.writeString(src.resolve(f), "content of " + f);
    }
    Files.writeString(src.resolve("plain.txt"), "plain");
    String client = api.client("Csv " + UUID.randomUUID());
    String s = api.localConnection(client, "src", src);
    String d = api.localConnection(client, "dst", dir.resolve("dst"));
    String job = api.job(api.project(client, "p"), s, d, Map.of());
    long run = api.run(job, "FULL");
    assertThat(api.awaitEnd(job).get("state").asText()).isEqualTo("COMPLETED");
    for (String f : FORMULAS.subList(0, 4)) {
      assertThat(dir.resolve("dst").resolve(f)).hasContent("content of " + f);
    }

    String text = api.get("/jobs/" + job + "/runs/" + run + "/report.csv").body();
    assertThat(text)
        .contains(",\"'=cmd|' /C calc'!A0\",")
        .contains(",\"'+1\",")
        .contains(",\"'-1\",")
        .contains(",\"'@SUM(1)\",")
        .contains(",plain.txt,");
    Map<String, CSVRecord> byPath = new HashMap<>();
    ApiRunTest.csv(text).forEach(r -> byPath.put(r.get("path"), r));
    assertThat(byPath.keySet())
        .containsExactlyInAnyOrder("'=cmd|' /C calc'!A0", "'+1", "'-1", "'@SUM(1)", "plain.txt");
    assertThat(byPath.get("'-1").get("outcome")).isEqualTo("transferred");

    JsonNode report = api.get("/jobs/" + job + "/runs/" + run + "/report").json();
    assertThat(ApiHarness.each(report.get("files"), "path"))
        .containsExactlyInAnyOrder("=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "plain.txt");
  }
}
