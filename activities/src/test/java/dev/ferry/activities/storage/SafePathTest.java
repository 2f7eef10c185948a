package dev.ferry.activities.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SafePathTest {
  @Test
  void acceptsOrdinaryRelativePaths() {
    assertThat(SafePath.problem("a/b c/ü.txt")).isEmpty();
    assertThat(SafePath.problem("..hidden/x..y")).isEmpty();
  }

  @Test
  void refusesPathsThatEscapeOrCorrupt() {
    assertThat(SafePath.problem("../x")).get().asString().contains("..");
    assertThat(SafePath.problem("a/../../x")).isPresent();
    assertThat(SafePath.problem("/etc/passwd")).get().asString().contains("absolute");
    assertThat(SafePath.problem("C:/x")).isPresent();
    assertThat(SafePath.problem("a\0b")).get().asString().contains("NUL");
    assertThat(SafePath.problem("a//b")).isPresent();
    assertThat(SafePath.problem("./a")).isPresent();
    assertThat(SafePath.problem("")).isPresent();
  }

  @Test
  void aBackslashIsJudgedByWhetherTheDestinationReadsItAsASeparator() {
    for (String p : new String[] {"back\\slash.txt", "a\\..\\..\\b", "\\lead", "d/x\\"}) {
      assertThat(SafePath.problem(p)).as(p).isEmpty();
      assertThat(SafePath.problem(p, false)).as(p).isEmpty();
      assertThat(SafePath.problem(p, true))
          .as(p)
          .contains("path contains a backslash, which the destination reads as a separator");
    }
    assertThat(SafePath.require("a\\b")).isEqualTo("a\\b");
    assertThatThrownBy(() -> SafePath.require("a\\..\\b", true))
        .isInstanceOf(StorageException.Permanent.class)
        .hasMessageContaining("backslash");
    // the other checks hold on every destination
    assertThat(SafePath.problem("../x", true)).isPresent();
    assertThat(SafePath.problem("C:x", false)).get().asString().contains("absolute");
  }
}
