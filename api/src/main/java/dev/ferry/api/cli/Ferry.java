package dev.ferry.api.cli;

import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ferry} command line. */
@Command(
    name = "ferry",
    mixinStandardHelpOptions = true,
    version = "ferry 0.1.0",
    description = "Durable file migrations between storage systems, orchestrated by Temporal.",
    subcommands = {
      MigrateCommand.class,
      CheckCommand.class,
      CutoverCommand.class,
      TransitCommand.class,
      DemoCommand.class,
      ServerCommand.class,
      AgentCommand.class,
      WorkerCommand.class
    })
public final class Ferry implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_ENVIRONMENT = 3;
  public static final int EXIT_CANCELLED = 130;

  private static volatile PrintStream out = System.out;
  private static volatile PrintStream err = System.err;
  private static volatile java.util.Map<String, String> env = System.getenv();

  static java.util.Map<String, String> env() {
    return env;
  }

  static PrintStream out() {
    return out;
  }

  static PrintStream err() {
    return err;
  }

  @Override
  public void run() {
    new CommandLine(this).usage(out);
  }

  /** Runs the command line and returns its exit code (for tests and {@link #main}). */
  public static int execute(PrintStream stdout, PrintStream stderr, String... args) {
    return execute(System.getenv(), stdout, stderr, args);
  }

  /** Runs the command line with the given environment (for tests). */
  public static int execute(
      java.util.Map<String, String> environment,
      PrintStream stdout,
      PrintStream stderr,
      String... args) {
    env = environment;
    out = stdout;
    err = stderr;
    CommandLine cl = new CommandLine(new Ferry());
    cl.setOut(new java.io.PrintWriter(stdout, true));
    cl.setErr(new java.io.PrintWriter(stderr, true));
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          stderr.println("ferry: " + ex.getMessage());
          if (ex instanceof CommandLine.UnmatchedArgumentException u) {
            java.util.List<String> near =
                u.getSuggestions().stream().filter(x -> x.startsWith("-")).limit(3).toList();
            if (!near.isEmpty()) {
              stderr.println("Did you mean " + String.join(" or ", near) + "?");
            }
          }
          stderr.println(
              "Run 'ferry " + ex.getCommandLine().getCommandName() + " --help' for the options.");
          return EXIT_USAGE;
        });
    return cl.execute(args);
  }

  private static volatile boolean ownsProcess;

  /** Whether Ferry runs as its own process ({@link #main}), not inside another program or test. */
  static boolean ownsProcess() {
    return ownsProcess;
  }

  public static void main(String[] args) {
    ownsProcess = true;
    System.exit(execute(System.out, System.err, args));
  }
}
