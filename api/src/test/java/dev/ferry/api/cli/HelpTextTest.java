package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's help reads well on an 80-column terminal (picocli's width when it cannot ask the
 * terminal): no line longer than 80 columns, and every line Ferry wrote for a header, description
 * or footer among others printed whole, never re-wrapped into a stump ("decommission," alone on a
 * line); a paragraph of one long line is wrapped whole, which reads well.
 */
class HelpTextTest {
  private static List<CommandLine> everyCommand(CommandLine cl) {
    List<CommandLine> all = new ArrayList<>();
    all.add(cl);
    for (CommandLine sub : cl.getSubcommands().values()) {
      all.addAll(everyCommand(sub));
    }
    return all;
  }

  @Test
  void everyHelpLineFitsEightyColumnsAndIsPrintedWhole() {
    List<CommandLine> commands = everyCommand(new CommandLine(new Ferry()));
    assertThat(commands).extracting(CommandLine::getCommandName).contains("migrate", "cutover");
    List<String> wrong = new ArrayList<>();
    for (CommandLine cl : commands) {
      cl.getCommandSpec().usageMessage().width(80);
      String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
      List<String> printed = help.lines().toList();
      for (String line : printed) {
        if (line.length() > 80) {
          wrong.add(cl.getCommandName() + ": longer than 80: " + line);
        }
      }
      var usage = cl.getCommandSpec().usageMessage();
      for (String[] lines : List.of(usage.header(), usage.description(), usage.footer())) {
        for (int i = 0; i < lines.length; i++) {
          boolean alone =
              (i == 0 || lines[i - 1].isBlank())
                  && (i == lines.length - 1 || lines[i + 1].isBlank());
          // A paragraph of its own is wrapped whole by picocli; a long line among others leaves a
          // stump of a line behind it.
          if (!alone && !lines[i].isBlank() && !printed.contains(lines[i])) {
            wrong.add(cl.getCommandName() + ": re-wrapped: " + lines[i]);
          }
        }
      }
    }
    assertThat(wrong).isEmpty();
  }
}
