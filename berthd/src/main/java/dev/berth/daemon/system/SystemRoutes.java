package dev.berth.daemon.system;

import dev.berth.daemon.server.ApiResponse;
import dev.berth.daemon.server.ApiVersion;
import dev.berth.daemon.server.Router;
import dev.berth.images.service.ImageSummary;
import dev.berth.images.service.Images;
import dev.berth.images.store.ImageStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.berth.daemon.containers.ContainerFilesystem;
import dev.berth.daemon.containers.ContainerStore;
import dev.berth.daemon.containers.ContainerViews;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** _ping, version and info: what every client asks first. */
public final class SystemRoutes {
  /**
   * The engine version clients see: the Docker release whose API Berth serves, with Berth's own
   * version as build metadata. Clients gate features on it (Testcontainers refuses a server below
   * 1.6.0), so a bare "0.1.0" would read as an ancient Docker.
   */
  static final String ENGINE_VERSION = "28.2.0+berth.0.1.0";

  private final ImageStore images;
  private final Images imageOps;
  private final Path dataRoot;
  private final ContainerStore containers;
  private final ContainerFilesystem files;

  public SystemRoutes(ImageStore images, Images imageOps, Path dataRoot, ContainerStore containers,
      ContainerFilesystem files) {
    this.files = files;
    this.images = images;
    this.imageOps = imageOps;
    this.dataRoot = dataRoot;
    this.containers = containers;
  }

  public void register(Router router) {
    router.add("GET", "/_ping", r -> new ApiResponse(200, "text/plain; charset=utf-8", "OK".getBytes(), null,
        Map.of("Builder-Version", "1", "Cache-Control", "no-cache, no-store, must-revalidate", "Pragma", "no-cache")));
    router.add("GET", "/version", r -> ApiResponse.json(version()));
    router.add("GET", "/info", r -> ApiResponse.json(info()));
    router.add("GET", "/system/df", r -> ApiResponse.json(df()));
  }

  private static Map<String, Object> version() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("Platform", Map.of("Name", "Berth Engine"));
    v.put("Components", List.of(Map.of("Name", "Engine", "Version", ENGINE_VERSION,
        "Details", Map.of("ApiVersion", ApiVersion.CURRENT, "MinAPIVersion", ApiVersion.MINIMUM, "Os", "linux",
            "Arch", "amd64", "KernelVersion", kernel()))));
    v.put("Version", ENGINE_VERSION);
    v.put("ApiVersion", ApiVersion.CURRENT);
    v.put("MinAPIVersion", ApiVersion.MINIMUM);
    v.put("GitCommit", "berth");
    v.put("GoVersion", "java" + Runtime.version().feature());
    v.put("Os", "linux");
    v.put("Arch", "amd64");
    v.put("KernelVersion", kernel());
    v.put("BuildTime", Instant.EPOCH.toString());
    return v;
  }

  /** Disk usage by images and containers; volumes and build cache do not exist in berthd yet. */
  private Map<String, Object> df() {
    List<Map<String, Object>> list = new java.util.ArrayList<>();
    long total = 0;
    for (ImageSummary image : imageOps.list(Map.of())) {
      total += image.size();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Id", image.id());
      m.put("RepoTags", image.repoTags());
      m.put("RepoDigests", image.repoDigests());
      m.put("Created", image.created());
      m.put("Size", image.size());
      m.put("SharedSize", 0);
      m.put("Containers", 0);
      list.add(m);
    }
    Map<String, Object> df = new LinkedHashMap<>();
    df.put("LayersSize", total);
    df.put("Images", list);
    Instant now = Instant.now();
    var imageIds = ContainerViews.imageIds(images);
    df.put("Containers", containers.all().stream().map(c -> {
      Map<String, Object> m = new LinkedHashMap<>(ContainerViews.summary(c, now, imageIds));
      ContainerFilesystem.Sizes sizes = files.sizes(c);
      m.put("SizeRw", sizes.rw());
      m.put("SizeRootFs", sizes.rootFs());
      return m;
    }).toList());
    df.put("Volumes", List.of());
    df.put("BuildCache", List.of());
    return df;
  }

  private Map<String, Object> info() {
    Map<String, Object> i = new LinkedHashMap<>();
    i.put("ID", "berth");
    var all = containers.all();
    long running = all.stream().filter(c -> c.state().status().equals("running")).count();
    long paused = all.stream().filter(c -> c.state().status().equals("paused")).count();
    i.put("Containers", all.size());
    i.put("ContainersRunning", running);
    i.put("ContainersPaused", paused);
    i.put("ContainersStopped", all.size() - running - paused);
    i.put("Images", images.list().size());
    i.put("Driver", "overlayfs");
    i.put("DockerRootDir", dataRoot.toString());
    i.put("LoggingDriver", "json-file");
    i.put("CgroupDriver", "cgroupfs");
    i.put("CgroupVersion", Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "2" : "1");
    i.put("KernelVersion", kernel());
    i.put("OperatingSystem", osName());
    i.put("OSType", "linux");
    i.put("Architecture", "x86_64");
    i.put("NCPU", Runtime.getRuntime().availableProcessors());
    i.put("MemTotal", ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize());
    i.put("Name", hostname());
    i.put("ServerVersion", ENGINE_VERSION);
    i.put("DefaultRuntime", "berth");
    i.put("Runtimes", Map.of("berth", Map.of("path", "berth-runtime")));
    i.put("LiveRestoreEnabled", true);
    i.put("SecurityOptions", List.of("name=seccomp,profile=builtin"));
    i.put("Warnings", List.of("WARNING: no bridge network yet: containers get network mode none unless they ask"
        + " for host or container:<id>"));
    return i;
  }

  private static String kernel() {
    return System.getProperty("os.version");
  }

  private static String osName() {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (line.startsWith("PRETTY_NAME=")) {
          return line.substring(12).replace("\"", "");
        }
      }
    } catch (java.io.IOException ignored) {
      // fall through
    }
    return "Linux";
  }

  private static String hostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    } catch (java.io.IOException e) {
      return "berth";
    }
  }
}
