package dev.berth.daemon.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.daemon.containers.Container;
import dev.berth.daemon.containers.ContainerStore;
import dev.berth.daemon.server.ApiRequest;
import dev.berth.daemon.server.ApiResponse;
import dev.berth.daemon.server.ApiVersion;
import dev.berth.daemon.server.Router;
import dev.berth.supervisor.client.SupervisorClient;
import dev.berth.supervisor.shim.Attachment;
import dev.berth.supervisor.shim.ShimClient;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** `docker exec`: create, start (hijacked, or detached), inspect and resize. */
public final class ExecRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ContainerStore containers;
  private final SupervisorClient supervisor;
  private final Map<String, ExecInstance> execs = new ConcurrentHashMap<>();

  public ExecRoutes(ContainerStore containers, SupervisorClient supervisor) {
    this.containers = containers;
    this.supervisor = supervisor;
  }

  public void register(Router router) {
    router.add("POST", "/containers/([^/]+)/exec", this::create);
    router.add("POST", "/exec/([^/]+)/start", this::start);
    router.add("GET", "/exec/([^/]+)/json", this::inspect);
    router.add("POST", "/exec/([^/]+)/resize", this::resize);
  }

  private ApiResponse create(ApiRequest r) throws IOException {
    Container c = containers.get(r.group(1));
    if (!c.state().running()) throw new Conflict("container " + c.id() + " is not running");
    forgetFinished();
    JsonNode body = JSON.readTree(r.body());
    List<String> cmd = strings(body.path("Cmd"));
    if (cmd.isEmpty()) throw new InvalidArgument("No exec command specified");
    byte[] id = new byte[32];
    RANDOM.nextBytes(id);
    ExecInstance e = new ExecInstance(HexFormat.of().formatHex(id), c.id(), cmd, body.path("Tty").asBoolean(),
        body.path("AttachStdin").asBoolean(), body.path("AttachStdout").asBoolean(),
        body.path("AttachStderr").asBoolean(), body.path("User").asText(""), body.path("WorkingDir").asText(""),
        strings(body.path("Env")), body.path("Privileged").asBoolean(), false, 0, null);
    execs.put(e.id(), e);
    return ApiResponse.json(201, Map.of("Id", e.id()));
  }

  /** Docker forgets execs with their container's run: drop those whose container stopped or went. */
  private void forgetFinished() {
    execs.values().removeIf(e -> {
      try {
        return !containers.get(e.containerId()).state().running();
      } catch (NotFound gone) {
        return true;
      }
    });
  }

  private ApiResponse start(ApiRequest r) throws IOException {
    ExecInstance e = get(r.group(1));
    if (e.started()) throw new Conflict("Error: Exec command " + e.id() + " has already run");
    JsonNode body = JSON.readTree(r.body());
    boolean detach = body != null && body.path("Detach").asBoolean(false);
    JsonNode size = body == null ? null : body.path("ConsoleSize");
    int rows = size != null && size.isArray() && size.size() == 2 ? size.get(0).asInt() : 0;
    int cols = size != null && size.isArray() && size.size() == 2 ? size.get(1).asInt() : 0;
    Container c = containers.get(e.containerId());
    if (!c.state().running()) throw new Conflict("container " + c.id() + " is not running");
    byte[] process = ExecProcessBuilder.build(supervisor.container(c.id()).getSpec().toByteArray(), e, rows, cols);
    ShimClient shim = new ShimClient(Path.of(supervisor.getTask(c.id()).getStateDir())).exec(e.id());
    String user = e.user() == null || e.user().isEmpty() ? c.config().path("User").asText("") : e.user();
    long pid = supervisor.exec(c.id(), e.id(), process, user.isEmpty() ? "root" : user, e.tty(), e.stdin());
    execs.put(e.id(), e.startedAs(pid));
    if (detach) {
      // Nobody reads its output: an attach that takes and drops it lets the shim release it.
      Thread.ofVirtual().start(() -> {
        try (Attachment a = shim.attach(false, true, true, false, e.tty())) {
          a.output().transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException | BerthException ignored) {
          // the process or the container is gone
        }
        record(e.id(), shim);
      });
      return ApiResponse.empty(200);
    }
    Attachment attachment = shim.attach(e.stdin(), e.stdout(), e.stderr(), true, e.tty());
    boolean multiplexed = !e.tty() && ApiVersion.compare(r.apiVersion(), "1.42") >= 0;
    return ApiResponse.hijack(multiplexed ? "application/vnd.docker.multiplexed-stream"
        : "application/vnd.docker.raw-stream", (in, out) -> {
          try (attachment) {
            if (e.stdin()) Thread.ofVirtual().start(() -> attachment.copyStdinFrom(in));
            attachment.output().transferTo(out);
          }
          // The client asks for the exit code as soon as its stream ends: have it recorded by then.
          record(e.id(), shim);
        });
  }

  private void record(String id, ShimClient shim) {
    try {
      int code = shim.waitExit().exitCode();
      execs.computeIfPresent(id, (k, e) -> e.exited(code));
    } catch (BerthException e) {
      execs.computeIfPresent(id, (k, x) -> x.exited(126));
    }
  }


  private ApiResponse inspect(ApiRequest r) {
    ExecInstance e = get(r.group(1));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("CanRemove", false);
    m.put("ContainerID", e.containerId());
    m.put("DetachKeys", "");
    m.put("ExitCode", e.exitCode());
    m.put("ID", e.id());
    m.put("OpenStderr", e.stderr());
    m.put("OpenStdin", e.stdin());
    m.put("OpenStdout", e.stdout());
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("arguments", e.cmd().subList(1, e.cmd().size()));
    p.put("entrypoint", e.cmd().get(0));
    p.put("privileged", e.privileged());
    p.put("tty", e.tty());
    p.put("user", e.user());
    m.put("ProcessConfig", p);
    m.put("Running", e.running());
    m.put("Pid", e.pid());
    return ApiResponse.json(m);
  }

  private ApiResponse resize(ApiRequest r) {
    ExecInstance e = get(r.group(1));
    if (!e.running()) throw new Conflict("exec " + e.id() + " is not running");
    try {
      int h = Integer.parseInt(r.param("h"));
      int w = Integer.parseInt(r.param("w"));
      new ShimClient(Path.of(supervisor.getTask(e.containerId()).getStateDir())).exec(e.id()).resize(h, w);
    } catch (NumberFormatException ex) {
      throw new InvalidArgument("invalid or missing h or w");
    }
    return ApiResponse.empty(200);
  }

  private ExecInstance get(String id) {
    ExecInstance e = execs.get(id);
    if (e == null) throw new NotFound("No such exec instance: " + id);
    return e;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
