package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.workflows.Limits;
import org.junit.jupiter.api.Test;

class OwnerDispatcherTest {
  @Test
  void theJobsLimitsAreSplitAmongTheOwnersRunningAndNeverExceeded() {
    assertThat(OwnerDispatcher.share(8, 100, 1)).isEqualTo(new Limits(8, 100));
    assertThat(OwnerDispatcher.share(8, 100, 4)).isEqualTo(new Limits(2, 25));
    assertThat(OwnerDispatcher.share(8, 0, 3)).isEqualTo(new Limits(2, 0)); // no cap stays none
    assertThat(OwnerDispatcher.share(1, 10, 1)).isEqualTo(new Limits(1, 10));
  }
}
