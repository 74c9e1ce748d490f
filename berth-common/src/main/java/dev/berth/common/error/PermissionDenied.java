package dev.berth.common.error;

/** Raised when the caller may not do this. */
public final class PermissionDenied extends BerthException {
  public PermissionDenied(String message) {
    super(message, null);
  }

  public PermissionDenied(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String kind() {
    return "PermissionDenied";
  }
}
