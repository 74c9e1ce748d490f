package dev.berth.common.error;

/** Raised when the request contradicts current state (name in use, container running, ...). */
public final class Conflict extends BerthException {
  public Conflict(String message) {
    super(message, null);
  }

  public Conflict(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String kind() {
    return "Conflict";
  }
}
