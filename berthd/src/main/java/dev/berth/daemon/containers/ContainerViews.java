package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Containers as the Engine API shows them: inspect's document and list's summary. */
public final class ContainerViews {
  static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private ContainerViews() {}

  public static Map<String, Object> inspect(Container c, java.nio.file.Path dir, String logPath) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<String> argv = c.command();
    m.put("Id", c.id());
    m.put("Created", c.created().toString());
    m.put("Path", argv.isEmpty() ? "" : argv.get(0));
    m.put("Args", argv.isEmpty() ? List.of() : argv.subList(1, argv.size()));
    m.put("State", state(c.state()));
    m.put("Image", c.image());
    m.put("ResolvConfPath", dir.resolve("resolv.conf").toString());
    m.put("HostnamePath", dir.resolve("hostname").toString());
    m.put("HostsPath", dir.resolve("hosts").toString());
    m.put("LogPath", logPath);
    m.put("Name", c.name());
    m.put("RestartCount", c.restartCount());
    m.put("Driver", "overlay2");
    m.put("Platform", "linux");
    m.put("MountLabel", "");
    m.put("ProcessLabel", "");
    m.put("AppArmorProfile", "");
    m.put("ExecIDs", null);
    m.put("HostConfig", c.hostConfig());
    m.put("GraphDriver", Map.of("Name", "overlay2", "Data", Map.of()));
    m.put("Mounts", mounts(c));
    m.put("Config", c.config());
    m.put("NetworkSettings", Map.of("Bridge", "", "SandboxID", "", "SandboxKey", "", "Ports", Map.of(),
        "Networks", Map.of()));
    return m;
  }

  private static Map<String, Object> state(ContainerState s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Status", s.status());
    m.put("Running", s.running());
    m.put("Paused", s.status().equals("paused"));
    m.put("Restarting", s.status().equals("restarting"));
    m.put("OOMKilled", s.oomKilled());
    m.put("Dead", s.status().equals("dead"));
    m.put("Pid", s.pid());
    m.put("ExitCode", s.exitCode());
    m.put("Error", s.error() == null ? "" : s.error());
    m.put("StartedAt", s.startedAt() == null ? ZERO_TIME : s.startedAt().toString());
    m.put("FinishedAt", s.finishedAt() == null ? ZERO_TIME : s.finishedAt().toString());
    if (s.health() != null) {
      m.put("Health", Map.of("Status", s.health().status(), "FailingStreak", s.health().failingStreak(),
          "Log", s.health().log().stream().map(p -> Map.of("Start", p.start().toString(), "End", p.end().toString(),
              "ExitCode", p.exitCode(), "Output", p.output())).toList()));
    }
    return m;
  }

  private static List<Map<String, Object>> mounts(Container c) {
    return Mounts.userMounts(c.hostConfig()).stream().map(n -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Type", n.get("type").asText());
      m.put("Source", n.get("source").asText());
      m.put("Destination", n.get("destination").asText());
      m.put("Mode", "");
      boolean ro = false;
      for (JsonNode o : n.path("options")) ro |= o.asText().equals("ro");
      m.put("RW", !ro);
      m.put("Propagation", n.get("type").asText().equals("bind") ? "rprivate" : "");
      return m;
    }).toList();
  }

  /**
   * @param imageIds the id of the image a name now names, or null: the Image shown is the name the
   *     container was created with only while that name still names its image, as dockerd shows it
   */
  public static Map<String, Object> summary(Container c, Instant now, Function<String, String> imageIds) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", c.id());
    m.put("Names", List.of(c.name()));
    m.put("Image", shownImage(c, imageIds));
    m.put("ImageID", c.image());
    m.put("Command", String.join(" ", c.command()));
    m.put("Created", c.created().getEpochSecond());
    m.put("Ports", List.of());
    m.put("Labels", c.config().path("Labels"));
    m.put("State", c.state().status());
    m.put("Status", status(c.state(), now));
    m.put("HostConfig", Map.of("NetworkMode", c.hostConfig().path("NetworkMode").asText("none")));
    m.put("NetworkSettings", Map.of("Networks", Map.of()));
    m.put("Mounts", mounts(c));
    return m;
  }

  /**
   * The name the container was created from, while it still names the container's image; else (the
   * name was taken, or moved to another image, or the image was deleted) the image id.
   */
  static String shownImage(Container c, Function<String, String> imageIds) {
    String name = c.config().path("Image").asText("");
    if (name.isEmpty() || name.equals(c.image())) return c.image();
    return c.image().equals(imageIds.apply(name)) ? name : c.image();
  }

  /**
   * Names to image ids for {@link #summary}, as the store resolves them (null for a name that names
   * no image), from one read of the store's names: make one per listing.
   */
  public static Function<String, String> imageIds(ImageStore images) {
    Map<String, String> tags = images.tags();
    return name -> {
      try {
        if (name.startsWith("sha256:") || name.matches("[a-f0-9]{12,64}")) return images.resolve(name).id();
        return tags.get(Reference.parse(name).toString());
      } catch (NotFound | InvalidArgument e) {
        return null;
      }
    };
  }

  /** "Up 3 seconds", "Exited (0) 2 minutes ago", "Created": what `docker ps` prints. */
  static String status(ContainerState s, Instant now) {
    return switch (s.status()) {
      case "running" -> "Up " + human(Duration.between(s.startedAt(), now)) + healthSuffix(s);
      case "paused" -> "Up " + human(Duration.between(s.startedAt(), now)) + " (Paused)";
      case "exited" -> "Exited (" + s.exitCode() + ") "
          + (s.finishedAt() == null ? "" : human(Duration.between(s.finishedAt(), now)) + " ago");
      case "restarting" -> "Restarting (" + s.exitCode() + ") "
          + (s.finishedAt() == null ? "" : human(Duration.between(s.finishedAt(), now)) + " ago");
      case "removing" -> "Removal In Progress";
      case "dead" -> "Dead";
      default -> "Created";
    };
  }

  private static String healthSuffix(ContainerState s) {
    if (s.health() == null) return "";
    return s.health().status().equals("starting") ? " (health: starting)" : " (" + s.health().status() + ")";
  }

  /** go-units HumanDuration, which Docker's status column uses. */
  static String human(Duration d) {
    long seconds = Math.max(0, d.getSeconds());
    if (seconds < 1) return "Less than a second";
    if (seconds == 1) return "1 second";
    if (seconds < 60) return seconds + " seconds";
    long minutes = seconds / 60;
    if (minutes == 1) return "About a minute";
    if (minutes < 60) return minutes + " minutes";
    long hours = Math.round(seconds / 3600.0);
    if (hours == 1) return "About an hour";
    if (hours < 48) return hours + " hours";
    if (hours < 24 * 7 * 2) return hours / 24 + " days";
    if (hours < 24 * 30 * 2) return hours / 24 / 7 + " weeks";
    if (hours < 24 * 365 * 2) return hours / 24 / 30 + " months";
    return hours / 24 / 365 + " years";
  }
}
