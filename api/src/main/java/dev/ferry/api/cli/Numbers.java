package dev.ferry.api.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converters for the numeric options of {@code ferry migrate}: a value that is not a number gets a
 * message that says what a valid one looks like, instead of picocli's "is not a double". The ranges
 * themselves are checked with the other options, so every problem is reported at once.
 */
final class Numbers {
  private Numbers() {}

  private static int integer(String value, String what, String example) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new TypeConversionException(
          "'" + value + "' is not " + what + "; give a whole number, e.g. " + example);
    }
  }

  static final class Concurrency implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return integer(value, "a number of streams", "--concurrency 8 (1-32)");
    }
  }

  static final class ChunkSize implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return integer(value, "a size in MiB", "--chunk-size 16 (5-256)");
    }
  }

  static final class Retries implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return integer(value, "a number of retries", "--retries 3 (0-100)");
    }
  }

  static final class Mbps implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      try {
        double d = Double.parseDouble(value.trim());
        if (Double.isNaN(d)) {
          throw new NumberFormatException();
        }
        return d;
      } catch (NumberFormatException e) {
        throw new TypeConversionException(
            "'"
                + value
                + "' is not a bandwidth in megabits per second; give a number such as"
                + " --bwlimit 100 (100 Mbit/s) or --bwlimit 2.5, or 0 for no limit");
      }
    }
  }
}
