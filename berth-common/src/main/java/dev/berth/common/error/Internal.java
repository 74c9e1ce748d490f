package dev.berth.common.error;

/** Raised when a bug or an unexpected failure of the system underneath. */
public final class Internal extends BerthException {
  public Internal(String message) {
    super(message, null);
  }

  public Internal(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String kind() {
    return "Internal";
  }
}
