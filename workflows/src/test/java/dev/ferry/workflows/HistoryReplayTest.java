package dev.ferry.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every recorded history under {@code src/test/resources/histories/} replays against the current
 * workflow code: a change that would break a workflow already running (a different sequence of
 * commands without {@code Workflow.getVersion}) fails here. How to record a new history:
 * workflows/README.md.
 */
class HistoryReplayTest {
  /** The implementation of each workflow type; a new workflow type adds its line. */
  static final Map<String, Class<?>> IMPLEMENTATIONS =
      Map.of(
          "MigrationWorkflow", MigrationWorkflowImpl.class,
          "JobRunWorkflow", JobRunWorkflowImpl.class,
          "CutoverWorkflow", CutoverWorkflowImpl.class,
          "WebhookDeliveryWorkflow", WebhookDeliveryWorkflowImpl.class,
          "TransitCutoverWorkflow", TransitCutoverWorkflowImpl.class,
          "AccountMoveWorkflow", AccountMoveWorkflowImpl.class);

  static Stream<Path> histories() throws IOException, URISyntaxException {
    Path dir = Path.of(HistoryReplayTest.class.getResource("/histories").toURI());
    List<Path> all;
    try (Stream<Path> s = Files.list(dir)) {
      all =
          s.filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".json.gz"))
              .sorted()
              .toList();
    }
    assertThat(all).as("recorded histories").isNotEmpty();
    return all.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("histories")
  void replaysAgainstTheCurrentCode(Path file) throws Exception {
    WorkflowExecutionHistory history = Histories.read(file);
    String type =
        history
            .getEvents()
            .getFirst()
            .getWorkflowExecutionStartedEventAttributes()
            .getWorkflowType()
            .getName();
    Class<?> impl = IMPLEMENTATIONS.get(type);
    assertThat(impl).as("implementation of workflow type " + type).isNotNull();
    // with the workers' own deadlock detection (5 s), not the replayer's default 1 s, which a
    // loaded machine's first replay (class loading) exceeded
    try (io.temporal.testing.TestWorkflowEnvironment env =
        io.temporal.testing.TestWorkflowEnvironment.newInstance()) {
      io.temporal.worker.Worker worker = env.newWorker("replay", WorkerSettings.options().build());
      worker.registerWorkflowImplementationTypes(impl);
      WorkflowReplayer.replayWorkflowExecution(history, worker);
    }
  }

  @org.junit.jupiter.api.Test
  void everyWorkflowTypeHasARecordedHistory() throws Exception {
    List<String> types =
        histories()
            .map(
                p -> {
                  try {
                    return Histories.read(p)
                        .getEvents()
                        .getFirst()
                        .getWorkflowExecutionStartedEventAttributes()
                        .getWorkflowType()
                        .getName();
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                })
            .distinct()
            .toList();
    assertThat(types).containsAll(IMPLEMENTATIONS.keySet());
  }
}
