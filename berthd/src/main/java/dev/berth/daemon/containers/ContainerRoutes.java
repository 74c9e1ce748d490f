package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.BerthException;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.daemon.server.ApiRequest;
import dev.berth.daemon.server.ApiResponse;
import dev.berth.daemon.server.ApiVersion;
import dev.berth.daemon.server.Router;
import dev.berth.images.store.ImageStore;
import dev.berth.supervisor.api.v1.Task;
import dev.berth.supervisor.client.SupervisorClient;
import dev.berth.supervisor.shim.Attachment;
import dev.berth.supervisor.shim.ContainerLog;
import dev.berth.supervisor.shim.LogQuery;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/** The Engine API's container endpoints. */
public final class ContainerRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "/containers/([^/]+)";

  private final ContainerStore store;
  private final ContainerCreator creator;
  private final ContainerLifecycle lifecycle;
  private final SupervisorClient supervisor;
  private final ContainerFilesystem files;
  private final ContainerArchive archive;
  private final ImageStore images;

  public ContainerRoutes(ContainerStore store, ContainerCreator creator, ContainerLifecycle lifecycle,
      SupervisorClient supervisor, ContainerFilesystem files, ContainerArchive archive, ImageStore images) {
    this.images = images;
    this.files = files;
    this.archive = archive;
    this.store = store;
    this.creator = creator;
    this.lifecycle = lifecycle;
    this.supervisor = supervisor;
  }

  public void register(Router router) {
    router.add("POST", "/containers/create", this::create);
    router.add("GET", "/containers/json", this::list);
    router.add("POST", "/containers/prune", this::prune);
    router.add("GET", ID + "/json", this::inspect);
    router.add("POST", ID + "/start", r -> lifecycle.start(r.group(1)) ? ApiResponse.empty(204) : ApiResponse.empty(304));
    router.add("POST", ID + "/stop", r -> lifecycle.stop(r.group(1), timeout(r), r.param("signal"))
        ? ApiResponse.empty(204) : ApiResponse.empty(304));
    router.add("POST", ID + "/restart", this::restart);
    router.add("POST", ID + "/kill", r -> {
      lifecycle.kill(r.group(1), r.param("signal"));
      return ApiResponse.empty(204);
    });
    router.add("POST", ID + "/wait", this::await);
    router.add("POST", ID + "/attach", this::attach);
    router.add("POST", ID + "/resize", r -> {
      lifecycle.resize(r.group(1), intParam(r, "h"), intParam(r, "w"));
      return ApiResponse.empty(200);
    });
    router.add("GET", ID + "/logs", this::logs);
    router.add("GET", ID + "/export", r -> {
      Container c = store.get(r.group(1));
      return ApiResponse.stream("application/x-tar", out -> files.export(c.id(), out));
    });
    router.add("POST", "/commit", this::commit);
    router.add("GET", ID + "/changes", r -> {
      Container c = store.get(r.group(1));
      return ApiResponse.json(files.changes(c.id()).stream()
          .map(ch -> Map.of("Path", ch.path(), "Kind", ch.kind())).toList());
    });
    router.add("GET", ID + "/stats", this::stats);
    router.add("HEAD", ID + "/archive", this::statPath);
    router.add("GET", ID + "/archive", this::copyOut);
    router.add("PUT", ID + "/archive", this::copyIn);
    router.add("GET", ID + "/top", r -> {
      Container c = store.get(r.group(1));
      if (!c.state().running()) throw new dev.berth.common.error.Conflict("Container " + c.id() + " is not running");
      return ApiResponse.json(ProcessTable.of(supervisor.pids(c.id()), r.param("ps_args")));
    });
    router.add("POST", ID + "/pause", r -> {
      lifecycle.pause(r.group(1), true);
      return ApiResponse.empty(204);
    });
    router.add("POST", ID + "/unpause", r -> {
      lifecycle.pause(r.group(1), false);
      return ApiResponse.empty(204);
    });
    router.add("POST", ID + "/update", r -> {
      JsonNode body = JSON.readTree(r.body());
      if (body == null || !body.isObject()) throw new InvalidArgument("the request body must be an update config");
      lifecycle.update(r.group(1), (ObjectNode) body);
      return ApiResponse.json(Map.of("Warnings", List.of()));
    });
    router.add("POST", ID + "/rename", r -> {
      lifecycle.rename(r.group(1), r.param("name") == null ? "" : r.param("name"));
      return ApiResponse.empty(204);
    });
    router.add("DELETE", ID, r -> {
      lifecycle.remove(r.group(1), r.flag("force"));
      return ApiResponse.empty(204);
    });
  }

  private ApiResponse create(ApiRequest r) throws IOException {
    JsonNode body = JSON.readTree(r.body());
    if (body == null || !body.isObject()) throw new InvalidArgument("the request body must be a container config");
    Container c = creator.create(r.param("name"), (ObjectNode) body);
    return ApiResponse.json(201, Map.of("Id", c.id(), "Warnings", List.of()));
  }

  private ApiResponse inspect(ApiRequest r) {
    Container c = store.get(r.group(1));
    String logPath = "";
    try {
      logPath = supervisor.getTask(c.id()).getLogPath();
    } catch (BerthException e) {
      // never started: no log yet
    }
    return ApiResponse.json(withSizes(ContainerViews.inspect(c, store.dir(c.id()), logPath), c, r.flag("size")));
  }

  private ApiResponse list(ApiRequest r) throws IOException {
    boolean all = r.flag("all");
    ContainerFilters filters = ContainerFilters.parse(r.param("filters"));
    Instant now = Instant.now();
    List<Container> shown = new ArrayList<>();
    for (Container c : store.all()) {
      if ((all || c.state().running() || filters.asksForStatus()) && filters.matches(c)) shown.add(c);
    }
    shown.sort(Comparator.comparing(Container::created).reversed());
    String limit = r.param("limit");
    if (limit != null && !limit.isEmpty() && Integer.parseInt(limit) > 0) {
      shown = shown.subList(0, Math.min(shown.size(), Integer.parseInt(limit)));
    }
    boolean sizes = r.flag("size");
    Function<String, String> imageIds = ContainerViews.imageIds(images);
    return ApiResponse.json(shown.stream().map(c -> withSizes(ContainerViews.summary(c, now, imageIds), c, sizes))
        .toList());
  }

  /** {@code size=1}: Docker's SizeRw and SizeRootFs, which cost a walk of the container's files. */
  private Map<String, Object> withSizes(Map<String, Object> view, Container c, boolean wanted) {
    if (!wanted) return view;
    Map<String, Object> m = new LinkedHashMap<>(view);
    ContainerFilesystem.Sizes s = files.sizes(c);
    m.put("SizeRw", s.rw());
    m.put("SizeRootFs", s.rootFs());
    return m;
  }

  private ApiResponse prune(ApiRequest r) {
    List<String> deleted = new ArrayList<>();
    for (Container c : store.all()) {
      if (c.state().running() || c.state().status().equals("restarting")) continue;
      try {
        lifecycle.remove(c.id(), false);
        deleted.add(c.id());
      } catch (NotFound | dev.berth.common.error.Conflict e) {
        // removed meanwhile, being removed, or started again: as dockerd's prune, it goes on with the others
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ContainersDeleted", deleted.isEmpty() ? null : deleted);
    out.put("SpaceReclaimed", 0);
    return ApiResponse.json(out);
  }

  private ApiResponse commit(ApiRequest r) {
    String ref = r.param("container");
    if (ref == null || ref.isEmpty()) throw new InvalidArgument("commit needs a container");
    Container c = store.get(ref);
    boolean pause = c.state().status().equals("running") && !"0".equals(r.param("pause"))
        && !"false".equals(r.param("pause"));
    if (pause) lifecycle.pause(c.id(), true);
    try {
      var image = files.commit(c, r.param("repo"), r.param("tag"), r.param("comment"), r.param("author"),
          r.params("changes"));
      return ApiResponse.json(201, Map.of("Id", image.id()));
    } finally {
      if (pause) lifecycle.pause(c.id(), false);
    }
  }

  /** One document (stream=0; two readings a second apart unless one-shot), or one a second until it stops. */
  private ApiResponse stats(ApiRequest r) {
    Container c = store.get(r.group(1));
    boolean stream = r.param("stream") == null || r.flag("stream");
    boolean oneShot = r.flag("one-shot");
    return ApiResponse.stream("application/json", out -> {
      ContainerStats.Sample before = null;
      if (!stream && !oneShot) {
        before = sample(c.id());
        sleepSecond();
      }
      while (true) {
        ContainerStats.Sample now = sample(c.id());
        Container current = store.get(c.id());
        Object doc = now == null ? Map.of("name", current.name(), "id", current.id(), "read", ContainerViews.ZERO_TIME)
            : ContainerStats.json(current, now, before);
        out.write(JSON.writeValueAsBytes(doc));
        out.write('\n');
        if (!stream || now == null) return;
        before = now;
        sleepSecond();
      }
    });
  }

  /** A reading of a running container's counters; null once it is not running. */
  private ContainerStats.Sample sample(String id) {
    if (!store.get(id).state().running()) return null;
    try {
      return ContainerStats.sample(supervisor.metrics(id));
    } catch (dev.berth.common.error.Conflict e) {
      return null; // it stopped between the two questions
    }
  }

  private static void sleepSecond() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private ApiResponse statPath(ApiRequest r) throws IOException {
    String path = requiredPath(r);
    String stat = archive.withRoot(store.get(r.group(1)).id(), false, root -> ContainerArchive.stat(root, path));
    return new ApiResponse(200, null, new byte[0], null, Map.of(ContainerArchive.STAT_HEADER, stat));
  }

  /** The tar is made while the root is at hand, into a temp file that the response streams and deletes. */
  private ApiResponse copyOut(ApiRequest r) throws IOException {
    String path = requiredPath(r);
    Container c = store.get(r.group(1));
    Path tmp = Files.createTempFile(store.dir(c.id()), ".cp-out-", ".tar");
    try {
      String stat = archive.withRoot(c.id(), false, root -> {
        String s = ContainerArchive.stat(root, path);
        try (OutputStream out = Files.newOutputStream(tmp)) {
          ContainerArchive.tar(root, path, out);
        }
        return s;
      });
      ApiResponse file = ApiResponse.file("application/x-tar", tmp);
      return new ApiResponse(200, file.contentType(), null, tmp, Map.of(ContainerArchive.STAT_HEADER, stat));
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  private ApiResponse copyIn(ApiRequest r) throws IOException {
    String path = requiredPath(r);
    archive.withRoot(store.get(r.group(1)).id(), true, root -> {
      ContainerArchive.extract(root, path, r.body());
      return null;
    });
    return ApiResponse.empty(200);
  }

  private static String requiredPath(ApiRequest r) {
    String path = r.param("path");
    if (path == null || path.isEmpty()) throw new InvalidArgument("path is required");
    return path;
  }

  private ApiResponse restart(ApiRequest r) {
    lifecycle.restart(r.group(1), timeout(r), r.param("signal"));
    return ApiResponse.empty(204);
  }

  private ApiResponse await(ApiRequest r) {
    CompletableFuture<Integer> done = lifecycle.waitFor(r.group(1), r.param("condition"));
    return ApiResponse.stream("application/json", out -> {
      int code;
      try {
        code = done.get();
      } catch (InterruptedException | ExecutionException e) {
        out.write("{\"StatusCode\":-1,\"Error\":{\"Message\":\"wait was interrupted\"}}\n"
            .getBytes(StandardCharsets.UTF_8));
        return;
      }
      out.write(("{\"StatusCode\":" + code + "}\n").getBytes(StandardCharsets.UTF_8));
    });
  }

  private ApiResponse attach(ApiRequest r) {
    Container c = store.get(r.group(1));
    boolean stdin = r.flag("stdin");
    CompletableFuture<Attachment> attachment = lifecycle.attach(c.id(), stdin, r.flag("stdout"), r.flag("stderr"));
    boolean multiplexed = !c.tty() && ApiVersion.compare(r.apiVersion(), "1.42") >= 0;
    String type = multiplexed ? "application/vnd.docker.multiplexed-stream" : "application/vnd.docker.raw-stream";
    return ApiResponse.hijack(type, (in, out) -> {
      Attachment a;
      try {
        a = attachment.get();
      } catch (InterruptedException | ExecutionException e) {
        return; // the container was removed or failed to start: the connection closes
      }
      try (a) {
        if (stdin) Thread.ofVirtual().start(() -> a.copyStdinFrom(in));
        a.output().transferTo(out);
      }
    });
  }


  private ApiResponse logs(ApiRequest r) {
    Container c = store.get(r.group(1));
    boolean stdout = r.flag("stdout");
    boolean stderr = r.flag("stderr");
    if (!stdout && !stderr) throw new InvalidArgument("Bad parameters: you must choose at least one stream");
    LogQuery query = new LogQuery(LogStream.time(r.param("since")), LogStream.time(r.param("until")),
        LogStream.tail(r.param("tail")), stdout, stderr);
    Path stateDir;
    try {
      Task task = supervisor.getTask(c.id());
      stateDir = Path.of(task.getStateDir());
    } catch (NotFound e) {
      stateDir = null;
    }
    Path dir = stateDir;
    boolean tty = c.tty();
    String type = tty || ApiVersion.compare(r.apiVersion(), "1.42") < 0 ? "application/vnd.docker.raw-stream"
        : "application/vnd.docker.multiplexed-stream";
    return ApiResponse.stream(type, out -> {
      if (dir == null) return;
      LogStream.write(new ContainerLog(dir), query, tty, r.flag("timestamps"), r.flag("follow"),
          () -> finished(c.id()), out);
    });
  }

  private boolean finished(String id) {
    try {
      return !store.get(id).state().running();
    } catch (NotFound e) {
      return true;
    }
  }

  private static Integer timeout(ApiRequest r) {
    String t = r.param("t");
    if (t == null || t.isEmpty()) return null;
    try {
      return Integer.parseInt(t);
    } catch (NumberFormatException e) {
      throw new InvalidArgument("invalid value for t: " + t);
    }
  }

  private static int intParam(ApiRequest r, String name) {
    try {
      return Integer.parseInt(r.param(name));
    } catch (NumberFormatException | NullPointerException e) {
      throw new InvalidArgument("invalid or missing " + name + ": " + r.param(name));
    }
  }

}
