package dev.ferry.activities.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NameRulesTest {
  static final NameRules SP = NameRules.sharePoint("SharePoint");

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "a/b:c.txt|'b:c.txt' contains ':', which SharePoint does not allow",
        "`q\"t`|'q\"t' contains '\"', which SharePoint does not allow",
        "x/CON|'CON' is a name SharePoint reserves",
        "x/lpt7|'lpt7' is a name SharePoint reserves",
        "Desktop.INI|'Desktop.INI' is a name SharePoint reserves",
        ".lock|'.lock' is a name SharePoint reserves",
        "~$report.docx|'~$report.docx' starts with '~', which SharePoint refuses",
        "~report|'~report' starts with '~', which SharePoint refuses",
        "a_VTI_b/c|'a_VTI_b' contains '_vti_', which SharePoint refuses",
        "` lead`|' lead' starts or ends with a space, which SharePoint does not allow",
        "dot./x|'dot.' ends with '.', which SharePoint does not allow",
      })
  void sharePointRefusesWhatMicrosoftDocuments(String path, String problem) {
    assertThat(SP.problem(path)).contains(problem);
  }

  @Test
  void namesSharePointTakesPassUntouched() {
    for (String ok :
        new String[] {
          "a/b c.txt", "CON.txt", "console", "#hash%.txt", "naïve/日本語.md", "a~report", "vti"
        }) {
      assertThat(SP.problem(ok)).as(ok).isEmpty();
      assertThat(SP.remap(ok)).as(ok).contains(ok);
    }
  }

  @Test
  void controlCharactersAreNamedByCodePoint() {
    assertThat(SP.problem("a\tb"))
        .contains(
            "'a\u2409b' contains the control character U+0009, which SharePoint does not allow");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "a/b:c.txt|a/b\uFF1Ac.txt",
        "`<>?*|\\\"`|`\uFF1C\uFF1E\uFF1F\uFF0A\uFF5C\uFF3C\uFF02`",
        "x/CON|x/CON_",
        "desktop.ini|desktop_.ini",
        ".lock|.lock_",
        "~$report.docx|\uFF5E$report.docx",
        "x/~tmp|x/\uFF5Etmp",
        "a_vti_b|a_vti\uFF3Fb",
        "` two `|\u2420two\u2420",
        "dot./x.|dot\uFF0E/x\uFF0E",
      })
  void remapGivesALookAlikeNameTheRulesAccept(String path, String remapped) {
    assertThat(SP.remap(path)).contains(remapped);
    assertThat(SP.problem(remapped)).isEmpty();
  }

  @Test
  void remapFixesEverySegmentAndKeepsTheirNumber() {
    String p = "a:b/c?d/CON/e.";
    String r = SP.remap(p).orElseThrow();
    assertThat(r.split("/")).hasSize(4);
    assertThat(r).isEqualTo("a\uFF1Ab/c\uFF1Fd/CON_/e\uFF0E");
  }

  @Test
  void aPathTooLongCannotBeRemapped() {
    String longPath = "d/".repeat(200) + "x"; // 401 characters
    assertThat(SP.problem(longPath))
        .contains("the path is 401 characters long; SharePoint allows at most 400");
    assertThat(SP.remap(longPath)).isEmpty();
    assertThat(SP.problem("d/".repeat(199) + "xy")).isEmpty(); // exactly 400
  }

  @Test
  void theLimitCountsCharactersNotBytes() {
    String p = "é".repeat(400);
    assertThat(SP.problem(p)).isEmpty();
    assertThat(SP.problem(p + "é")).isPresent();
  }

  @Test
  void noRulesRefuseNothing() {
    assertThat(NameRules.NONE.problem("a:b/CON/ x ./~$y")).isEmpty();
  }

  @Test
  void aBackslashIsAnOrdinaryCharacterUnlessTheStoreReadsItAsASeparator() {
    assertThat(NameRules.NONE.problem("back\\slash.txt")).isEmpty();
    assertThat(NameRules.separatorsOnly("POSIX", false)).isSameAs(NameRules.NONE);
    NameRules windows = NameRules.separatorsOnly("the local file system", true);
    assertThat(windows.backslashSeparator()).isTrue();
    assertThat(windows.problem("d/back\\slash.txt"))
        .contains(
            "'back\\slash.txt' contains '\\', which the local file system reads as a folder"
                + " separator");
    assertThat(windows.problem("a:b/CON/ x .")).isEmpty(); // only the separator, nothing else
    String remapped = windows.remap("a\\..\\..\\b/c\\d").orElseThrow();
    assertThat(remapped).isEqualTo("a\uFF3C..\uFF3C..\uFF3Cb/c\uFF3Cd");
    assertThat(windows.problem(remapped)).isEmpty();
    assertThat(SafePath.problem(remapped, true)).isEmpty();
  }

  @Test
  void aControlCharacterOutsideTheAsciiRangeIsNamedByCodePointAndCannotBeRemapped() {
    NameRules c1 =
        new NameRules(
            "Store",
            "\u0081",
            false,
            java.util.Set.of(),
            java.util.List.of(),
            java.util.List.of(),
            false,
            false,
            0,
            0,
            false,
            false);
    assertThat(c1.problem("a\u0081b"))
        .contains("'a\u0081b' contains U+0081, which Store does not allow");
    assertThat(c1.remap("a\u0081b")).isEmpty();
  }

  @Test
  void aSegmentLimitIsEnforced() {
    NameRules three =
        new NameRules(
            "Test",
            "",
            false,
            java.util.Set.of(),
            java.util.List.of(),
            java.util.List.of(),
            false,
            false,
            0,
            3,
            false,
            false);
    assertThat(three.problem("a/b/c")).isEmpty();
    assertThat(three.problem("a/b/c/d")).contains("the path has 4 segments; Test allows at most 3");
    assertThat(three.remap("a/b/c/d")).isEmpty();
  }

  @Test
  void aNameReservedAtTheRootIsRefusedThereOnlyAndRemapped() {
    NameRules root = SP.withRootReservedNames(java.util.Set.of("Forms"));
    assertThat(root.problem("forms/a.txt"))
        .contains("'forms' is a name SharePoint reserves at the root of a library");
    assertThat(root.problem("x/Forms/a.txt")).isEmpty();
    assertThat(SP.problem("Forms/a.txt")).isEmpty();
    assertThat(root.remap("Forms/a.txt")).contains("Forms_/a.txt");
  }
}
