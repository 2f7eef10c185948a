package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.runtime.FerryHome;
import dev.ferry.api.runtime.LocalTemporal;
import dev.ferry.api.runtime.SearchAttributeSetup;
import dev.ferry.workflows.FerryAttributes;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry's search attributes are there wherever Ferry runs its workflows: a cluster given by
 * TEMPORAL_ADDRESS that lacks them gets them at start (through the operator API), as does the
 * in-process test server; only then do starters give workflows their labels.
 */
@org.junit.jupiter.api.Timeout(120)
class SearchAttributeSetupTest {
  @TempDir Path dir;

  @Test
  void aClusterWithoutTheAttributesGetsThemWhenFerryStarts() throws Exception {
    int port = DevServerLifetimeTest.lowPort();
    // a Temporal service of its own, started without Ferry's attributes
    Process server =
        new ProcessBuilder(
                FerryHarness.temporalBinary().toString(),
                "server",
                "start-dev",
                "--ip",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--headless",
                "--db-filename",
                dir.resolve("cluster.db").toString(),
                "--log-level",
                "warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("cluster.log").toFile())
            .start();
    String address = "127.0.0.1:" + port;
    try {
      assertThat(attributeList(address)).doesNotContain("FerryJobId");
      // two processes starting at once (two ferry servers of one cluster) both end up with them
      var other =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () ->
                  SearchAttributeSetup.ensure(
                      io.temporal.serviceclient.WorkflowServiceStubs.newServiceStubs(
                          io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder()
                              .setTarget(address)
                              .build()),
                      "default"));
      try (LocalTemporal t =
          LocalTemporal.start(
              new FerryHome(dir.resolve("home")), "worker", Map.of("TEMPORAL_ADDRESS", address))) {
        assertThat(t.mode()).isEqualTo(LocalTemporal.Mode.EXTERNAL);
        assertThat(other.get(60, TimeUnit.SECONDS)).as("missing for the other").isEmpty();
        String listed = attributeList(address);
        FerryAttributes.definitions().keySet().forEach(n -> assertThat(listed).contains(n));
        assertThat(SearchAttributeSetup.ready(client(t))).isTrue();
      }
    } finally {
      server.destroyForcibly();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theInProcessServerHasThem() {
    try (LocalTemporal t =
        LocalTemporal.start(
            new FerryHome(dir.resolve("home")), "migrate", Map.of("FERRY_TEMPORAL_BIN", "none"))) {
      assertThat(t.mode()).isEqualTo(LocalTemporal.Mode.IN_PROCESS);
      assertThat(SearchAttributeSetup.ready(client(t))).isTrue();
    }
  }

  private static WorkflowClient client(LocalTemporal t) {
    return WorkflowClient.newInstance(
        t.stubs(), WorkflowClientOptions.newBuilder().setNamespace(t.namespace()).build());
  }

  /**
   * What {@code temporal operator search-attribute list} prints, as an operator runs it (tried
   * again while the service is still starting).
   */
  private static String attributeList(String address) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return attributeListOnce(address);
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private static String attributeListOnce(String address) throws Exception {
    Process p =
        new ProcessBuilder(
                FerryHarness.temporalBinary().toString(),
                "operator",
                "search-attribute",
                "list",
                "--address",
                address,
                "--namespace",
                "default")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }
}
