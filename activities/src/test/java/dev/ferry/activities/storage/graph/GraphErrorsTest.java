package dev.ferry.activities.storage.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.storage.StorageException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GraphErrorsTest {
  private static StorageException of(int status, String code) {
    return GraphErrors.fromService("upload x", status, code, "Graph says no", null, null);
  }

  @Test
  void classifiesByStatusAndCode() {
    assertThat(of(404, "itemNotFound")).isInstanceOf(StorageException.NotFound.class);
    assertThat(of(401, "InvalidAuthenticationToken"))
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining(GraphSettings.CLIENT_ID);
    assertThat(of(403, "accessDenied"))
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining("Sites.ReadWrite.All");
    assertThat(
            GraphErrors.fromService("x", 403, "accessDenied", null, null, null, "onedrive")
                .getMessage())
        .contains("application permission Sites.ReadWrite.All")
        .contains("OneDrive");
    assertThat(of(401, "InvalidAuthenticationToken"))
        .hasMessageContaining("roles")
        .hasMessageContaining("Sites.ReadWrite.All");
    assertThat(of(507, "insufficientStorage"))
        .isInstanceOf(StorageException.Permanent.class)
        .hasMessageContaining("quota");
    assertThat(of(403, "quotaLimitReached")).isInstanceOf(StorageException.Permanent.class);
    assertThat(of(500, "generalException")).isInstanceOf(StorageException.Transient.class);
    assertThat(of(416, "invalidRange")).isInstanceOf(StorageException.Transient.class);
    assertThat(of(423, "resourceLocked")).isInstanceOf(StorageException.Transient.class);
    assertThat(of(400, "invalidRequest"))
        .isInstanceOf(StorageException.Permanent.class)
        .hasMessageContaining("(HTTP 400 invalidRequest: Graph says no)");
    assertThat(of(409, "nameAlreadyExists")).isInstanceOf(StorageException.Permanent.class);
  }

  @Test
  void throttlingKeepsRetryAfterOrWaitsFiveSeconds() {
    StorageException t =
        GraphErrors.fromService(
            "x", 429, "activityLimitReached", null, Duration.ofSeconds(9), null);
    assertThat(t).isInstanceOf(StorageException.Throttled.class);
    assertThat(((StorageException.Throttled) t).retryAfter()).isEqualTo(Duration.ofSeconds(9));
    StorageException u = GraphErrors.fromService("x", 503, null, null, null, null);
    assertThat(u).hasMessageContaining("lower the job's concurrency");
    assertThat(((StorageException.Throttled) u).retryAfter()).isEqualTo(Duration.ofSeconds(5));
    assertThat(GraphErrors.retryAfter(Map.of("retry-after", Set.of("3"))))
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void networkErrorsAreTransient() {
    assertThat(
            GraphErrors.classify(
                "list x", new java.io.UncheckedIOException(new IOException("reset"))))
        .isInstanceOf(StorageException.Transient.class)
        .hasMessageContaining("could not reach Microsoft Graph");
  }
}
