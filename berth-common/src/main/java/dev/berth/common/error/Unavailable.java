package dev.berth.common.error;

/** Raised when a dependency (kernel feature, peer process, socket) cannot be reached now. */
public final class Unavailable extends BerthException {
  public Unavailable(String message) {
    super(message, null);
  }

  public Unavailable(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String kind() {
    return "Unavailable";
  }
}
