package dev.berth.common.error;

/** Raised when the named thing does not exist. */
public final class NotFound extends BerthException {
  public NotFound(String message) {
    super(message, null);
  }

  public NotFound(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String kind() {
    return "NotFound";
  }
}
