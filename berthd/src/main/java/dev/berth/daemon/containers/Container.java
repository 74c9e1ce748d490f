package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A container as the daemon knows it: Docker's Config and HostConfig (as the client sent them, with
 * the image's defaults merged into Config), its name and its state. Its process is the supervisor's.
 *
 * @param name with Docker's leading slash
 * @param image the image id (config digest)
 * @param config Docker's container Config, merged with the image's
 * @param hostConfig Docker's HostConfig as sent
 * @param manuallyStopped stopped or killed by a user: no restart policy brings it back
 */
public record Container(String id, String name, Instant created, String image, ObjectNode config,
    ObjectNode hostConfig, ContainerState state, int restartCount, boolean manuallyStopped) {

  public Container withState(ContainerState s) {
    return new Container(id, name, created, image, config, hostConfig, s, restartCount, manuallyStopped);
  }

  public Container withName(String n) {
    return new Container(id, n, created, image, config, hostConfig, state, restartCount, manuallyStopped);
  }

  public Container withHostConfig(ObjectNode hc) {
    return new Container(id, name, created, image, config, hc, state, restartCount, manuallyStopped);
  }

  public Container withManualStop(boolean stopped) {
    return new Container(id, name, created, image, config, hostConfig, state, restartCount, stopped);
  }

  public Container restarted() {
    return new Container(id, name, created, image, config, hostConfig, state, restartCount + 1, manuallyStopped);
  }

  public boolean tty() {
    return config.path("Tty").asBoolean(false);
  }

  /** Entrypoint then Cmd: what runs. */
  public List<String> command() {
    List<String> argv = new ArrayList<>();
    config.path("Entrypoint").forEach(n -> argv.add(n.asText()));
    config.path("Cmd").forEach(n -> argv.add(n.asText()));
    return argv;
  }

  public boolean autoRemove() {
    return hostConfig.path("AutoRemove").asBoolean(false);
  }

  public String shortId() {
    return id.substring(0, 12);
  }
}
