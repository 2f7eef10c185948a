package dev.ferry.activities.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.storage.Storage;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CachingResolverTest {
  /**
   * The cache hands out a wrapper; a default method of {@link Storage} it does not forward would
   * silently answer with the default instead of the connector (as once happened to the names a
   * destination refuses). Every method but close() must be forwarded.
   */
  @Test
  void theSharedWrapperForwardsEveryStorageMethod() throws Exception {
    Class<?> shared = Class.forName(CachingResolver.class.getName() + "$Shared");
    for (Method m : Storage.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers()) || m.getName().equals("close")) {
        continue;
      }
      assertThat(
              Arrays.stream(shared.getDeclaredMethods())
                  .anyMatch(
                      d ->
                          d.getName().equals(m.getName())
                              && Arrays.equals(d.getParameterTypes(), m.getParameterTypes())))
          .as("Shared forwards " + m)
          .isTrue();
    }
  }
}
