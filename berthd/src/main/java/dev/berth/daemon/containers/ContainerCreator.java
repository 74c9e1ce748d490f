package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.ImageConfig;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.store.ImageStore;
import dev.berth.supervisor.client.SupervisorClient;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `POST /containers/create`: the client's Config merged over the image's, the HostConfig checked by
 * building the OCI spec from it, then the supervisor makes the container (its snapshot) and the
 * daemon records it.
 */
public final class ContainerCreator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ContainerStore store;
  private final ImageStore images;
  private final SupervisorClient supervisor;
  private final String defaultRuntime;
  private final ContainerEvents events;

  public ContainerCreator(ContainerStore store, ImageStore images, SupervisorClient supervisor, String defaultRuntime,
      ContainerEvents events) {
    this.events = events;
    this.store = store;
    this.images = images;
    this.supervisor = supervisor;
    this.defaultRuntime = defaultRuntime;
  }

  public Container create(String name, ObjectNode body) {
    String imageRef = body.path("Image").asText("");
    if (imageRef.isEmpty()) throw new InvalidArgument("config.Image must not be empty");
    ImageRecord image = resolveImage(imageRef);
    ObjectNode imageConfig = imageConfig(image);
    ObjectNode config = merge(imageConfig, body);
    ObjectNode hostConfig = body.path("HostConfig").isObject() ? ((ObjectNode) body.get("HostConfig")).deepCopy()
        : JSON.createObjectNode();
    RestartPolicy.of(hostConfig); // refuses unknown policies and --rm with one
    String network = hostConfig.path("NetworkMode").asText("");
    // Networks arrive with their own issue; until then a container without a network mode has none.
    if (network.isEmpty() || network.equals("default") || network.equals("bridge")) {
      hostConfig.put("NetworkMode", "none");
    } else if (!network.equals("none") && !network.equals("host") && !network.startsWith("container:")) {
      throw new NotFound("network " + network + " not found");
    }
    // As dockerd does, the runtime a container gets is recorded: inspect shows it, not an empty string.
    if (hostConfig.path("Runtime").asText("").isEmpty()) hostConfig.put("Runtime", defaultRuntime);
    String id = HexFormat.of().formatHex(randomBytes());
    Container c = new Container(id, name == null || name.isEmpty() ? null : ContainerStore.checkName(name),
        Instant.now(), image.id(), config, hostConfig, ContainerState.created(), 0, false);
    SpecBuilder.User user = Users.numeric(config.path("User").asText(""));
    String netns = netnsPath(hostConfig);
    c = named(c);
    String runtime = hostConfig.path("Runtime").asText();
    try {
      byte[] spec = SpecBuilder.build(c, user, EtcFilesWriter.write(store.dir(id), c), netns);
      supervisor.createContainer(id, image.id(), runtime, spec,
          Map.of("dev.berth.name", c.name()));
    } catch (BerthException e) {
      store.remove(id);
      throw e;
    }
    events.publish(c, "create");
    return c;
  }

  /** Adds the container under its name (a generated one if none), retrying generated names that clash. */
  private Container named(Container c) {
    if (c.name() != null) {
      store.add(c);
      return c;
    }
    for (int attempt = 0; ; attempt++) {
      Container candidate = c.withName(NameGenerator.next(attempt));
      try {
        store.add(candidate);
        return candidate;
      } catch (Conflict e) {
        if (attempt > 20) throw e;
      }
    }
  }

  private ImageRecord resolveImage(String ref) {
    try {
      return images.resolve(ref);
    } catch (NotFound e) {
      throw new NotFound("No such image: " + ref + (ref.contains(":") || ref.contains("@") ? "" : ":latest"));
    }
  }

  private ObjectNode imageConfig(ImageRecord image) {
    ImageConfig config = ImageConfig.parse(images.content().read(Digest.parse(image.id())));
    JsonNode c = config.raw().path("config");
    return c.isObject() ? ((ObjectNode) c).deepCopy() : JSON.createObjectNode();
  }

  /** Docker's merge: the request wins field by field; Env and Labels merge by key; Cmd follows Entrypoint. */
  static ObjectNode merge(ObjectNode image, ObjectNode body) {
    ObjectNode c = JSON.createObjectNode();
    for (String f : List.of("Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr",
        "ExposedPorts", "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image",
        "Volumes", "WorkingDir", "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal",
        "StopTimeout", "Shell")) {
      JsonNode v = body.get(f);
      if (v != null && !v.isNull()) c.set(f, v.deepCopy());
    }
    copyIfMissing(image, c, "User", "WorkingDir", "StopSignal", "Healthcheck", "ExposedPorts", "Volumes", "Shell");
    boolean entrypointGiven = body.hasNonNull("Entrypoint");
    if (!entrypointGiven && image.hasNonNull("Entrypoint")) c.set("Entrypoint", image.get("Entrypoint").deepCopy());
    if (!c.hasNonNull("Cmd") && !entrypointGiven && image.hasNonNull("Cmd")) c.set("Cmd", image.get("Cmd").deepCopy());
    c.set("Env", mergeEnv(image.path("Env"), body.path("Env")));
    ObjectNode labels = JSON.createObjectNode();
    if (image.path("Labels").isObject()) labels.setAll((ObjectNode) image.get("Labels"));
    if (body.path("Labels").isObject()) labels.setAll((ObjectNode) body.get("Labels"));
    c.set("Labels", labels);
    for (String f : List.of("Hostname", "Domainname", "User", "WorkingDir")) if (!c.has(f)) c.put(f, "");
    for (String f : List.of("AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce")) {
      if (!c.has(f)) c.put(f, false);
    }
    if (!c.has("Entrypoint")) c.putNull("Entrypoint");
    if (!c.has("Cmd")) c.putNull("Cmd");
    return c;
  }

  private static void copyIfMissing(ObjectNode from, ObjectNode to, String... fields) {
    for (String f : fields) {
      JsonNode mine = to.get(f);
      boolean missing = mine == null || mine.isNull() || (mine.isTextual() && mine.asText().isEmpty());
      if (missing && from.hasNonNull(f)) to.set(f, from.get(f).deepCopy());
    }
  }

  private static ArrayNode mergeEnv(JsonNode image, JsonNode request) {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode list : List.of(image, request)) {
      for (JsonNode e : list) {
        String s = e.asText();
        int eq = s.indexOf('=');
        env.put(eq < 0 ? s : s.substring(0, eq), s);
      }
    }
    ArrayNode out = JSON.createArrayNode();
    env.values().forEach(out::add);
    return out;
  }

  private String netnsPath(ObjectNode hostConfig) {
    String mode = hostConfig.path("NetworkMode").asText("");
    if (!mode.startsWith("container:")) return null;
    Container other = store.get(mode.substring("container:".length()));
    if (!other.state().running()) {
      throw new Conflict("cannot join network of a non running container: " + other.id());
    }
    hostConfig.put("NetworkMode", "container:" + other.id());
    return "/proc/" + other.state().pid() + "/ns/net";
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return b;
  }
}
