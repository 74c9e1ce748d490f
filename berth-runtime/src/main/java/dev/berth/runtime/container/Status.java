package dev.berth.runtime.container;

/** The OCI runtime states, plus paused, spelled as `state` prints them. */
public enum Status {
  CREATING, CREATED, RUNNING, PAUSED, STOPPED;

  public String json() {
    return name().toLowerCase();
  }
}
