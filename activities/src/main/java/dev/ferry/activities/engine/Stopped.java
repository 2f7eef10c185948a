package dev.ferry.activities.engine;

/** Thrown inside a copy when the run was paused or cancelled: the file stays pending. */
public final class Stopped extends RuntimeException {
  public Stopped() {
    super("stopped by pause or cancel", null, false, false);
  }
}
