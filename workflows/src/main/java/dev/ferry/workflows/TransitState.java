package dev.ferry.workflows;

import java.util.Locale;

/**
 * Where a transit cutover stands: {@code created} → {@code requested} → {@code installing} (the
 * precopy of every account's files to the transit) → {@code ready} (the free window opens; accounts
 * move to the transit and back, one at a time) → {@code reinstalling} (every account on the
 * transit; the client server is reinstalled and the precopy back runs) → {@code finalizing}
 * (accounts move back home) → {@code finished} (every account home).
 */
public enum TransitState {
  CREATED,
  REQUESTED,
  INSTALLING,
  READY,
  REINSTALLING,
  FINALIZING,
  FINISHED;

  /** The state as the API and the search attribute {@code FerryPhase} show it. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the transit server is in use (its free window and overage count). */
  public boolean inUse() {
    return this == READY || this == REINSTALLING || this == FINALIZING;
  }
}
