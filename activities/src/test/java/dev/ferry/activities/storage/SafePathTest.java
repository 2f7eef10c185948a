package dev.ferry.activities.storage;

import static org.assertj.core.api.Assertions.assertThat;

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
    assertThat(SafePath.problem("a\\..\\b")).isPresent();
    assertThat(SafePath.problem("a//b")).isPresent();
    assertThat(SafePath.problem("./a")).isPresent();
    assertThat(SafePath.problem("")).isPresent();
  }
}
