package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.testing.AzuriteServer;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An {@code azure} connection (Azurite) with the account key as its secret, both ways. */
class ApiAzureTest {
  static ApiHarness h;
  static Api api;
  static AzuriteServer azure;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    azure = AzuriteServer.get();
  }

  @Test
  void localToAzureAndBackWithTheKeyFromTheConnection() throws Exception {
    Path src = dir.resolve("src");
    Files.createDirectories(src.resolve("docs"));
    Files.writeString(src.resolve("docs/a.txt"), "azure bound");
    String client = api.client("Azure " + UUID.randomUUID());
    Res bad =
        api.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "bad",
                "kind",
                "azure",
                "settings",
                Map.of("container", "Bad_Name", "tier", "Warm"),
                "secret",
                Map.of("accountKey", "k", "sasToken", "s")));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("fields").has("settings.container")).as(bad.body()).isTrue();
    assertThat(bad.json().get("fields").has("settings.tier")).isTrue();
    assertThat(bad.field("secret")).contains("exactly one");
    String container = "c" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Res conn = azureConnection(client, container, "backup");
    assertThat(conn.status()).as(conn.toString()).isEqualTo(201);
    String local = api.localConnection(client, "local", src);
    String back = api.localConnection(client, "back", dir.resolve("back"));
    String project = api.project(client, "p");
    String up = api.job(project, local, conn.id(), Map.of());
    long run = api.run(up, "FULL");
    JsonNode end = api.awaitEnd(up);
    assertThat(end.get("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
    String down = api.job(project, conn.id(), back, Map.of());
    api.run(down, "FULL");
    assertThat(api.awaitEnd(down).get("state").asText()).isEqualTo("COMPLETED");
    assertThat(Files.readString(dir.resolve("back/docs/a.txt"))).isEqualTo("azure bound");
    for (String wf : h.server.api().services().launcher.workflowIds(run)) {
      assertThat(h.server.runtime().client().fetchHistory(wf).toJson(false))
          .doesNotContain(AzuriteServer.KEY);
    }
  }

  @Test
  void namesAzureRefusesAreListedByTheDryRunAndRemappedWhenTheJobSaysSo() throws Exception {
    Path src = dir.resolve("src");
    Files.createDirectories(src);
    Files.writeString(src.resolve("memo."), "trailing dot");
    Files.writeString(src.resolve("plain.txt"), "plain");
    String client = api.client("Names " + UUID.randomUUID());
    String container = "n" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Res conn = azureConnection(client, container, "");
    assertThat(conn.status()).as(conn.toString()).isEqualTo(201);
    String local = api.localConnection(client, "local", src);
    String project = api.project(client, "p");

    String refusing = api.job(project, local, conn.id(), Map.of());
    long dry = api.run(refusing, "DRY_RUN");
    api.awaitEnd(refusing);
    JsonNode report = api.get("/jobs/" + refusing + "/runs/" + dry + "/report").json();
    assertThat(report.at("/scan/refusedNames/count").asLong()).isEqualTo(1);
    assertThat(report.at("/scan/refusedNames/paths/0/path").asText()).isEqualTo("memo.");
    assertThat(report.at("/scan/refusedNames/paths/0/reason").asText())
        .contains("ends with '.'")
        .contains("names=remap it would be copied as 'memo\uFF0E'");

    String remapping =
        api.job(project, local, conn.id(), Map.of("options", Map.of("names", "remap")));
    assertThat(api.get("/jobs/" + remapping).json().at("/options/names").asText())
        .isEqualTo("remap");
    long full = api.run(remapping, "FULL");
    JsonNode end = api.awaitEnd(remapping);
    assertThat(end.at("/lastRun/state").asText()).as(end.toString()).isEqualTo("COMPLETED");
    JsonNode files =
        api.get("/jobs/" + remapping + "/runs/" + full + "/report").json().get("files");
    Map<String, String> renamed = new java.util.HashMap<>();
    files.forEach(f -> renamed.put(f.get("path").asText(), f.get("destinationPath").asText(null)));
    assertThat(renamed).containsEntry("memo.", "memo\uFF0E").containsEntry("plain.txt", null);
    String csv = api.get("/jobs/" + remapping + "/runs/" + full + "/report.csv").body();
    assertThat(csv).contains("destination_path").contains("memo\uFF0E");
  }

  /** An azure connection to Azurite with the account key as its secret. */
  private static Res azureConnection(String client, String container, String prefix) {
    Map<String, Object> settings = new java.util.HashMap<>();
    settings.put("container", container);
    settings.put("account", AzuriteServer.ACCOUNT);
    settings.put("endpoint", azure.endpoint());
    if (!prefix.isEmpty()) {
      settings.put("prefix", prefix);
    }
    return api.post(
        "/clients/" + client + "/connections",
        Map.of(
            "name",
            "blob",
            "kind",
            "azure",
            "settings",
            settings,
            "secret",
            Map.of("accountKey", AzuriteServer.KEY)));
  }
}
