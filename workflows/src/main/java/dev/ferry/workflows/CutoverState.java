package dev.ferry.workflows;

import java.util.Locale;

/**
 * Where a cutover stands: {@code syncing} (rounds) → {@code frozen} (the source is read-only; the
 * final incremental round runs) → {@code verifying} → {@code verified} or {@code
 * verification_failed} → {@code switched} → {@code fallback} (the source kept, read-only) → {@code
 * decommissioned}; {@code aborted} from any state before {@code switched}.
 */
public enum CutoverState {
  SYNCING,
  FROZEN,
  VERIFYING,
  VERIFIED,
  VERIFICATION_FAILED,
  SWITCHED,
  FALLBACK,
  DECOMMISSIONED,
  ABORTED;

  /** The state as the API and the search attribute {@code FerryPhase} show it. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the cutover may still be aborted (nothing was switched yet). */
  public boolean beforeSwitch() {
    return ordinal() < SWITCHED.ordinal();
  }
}
