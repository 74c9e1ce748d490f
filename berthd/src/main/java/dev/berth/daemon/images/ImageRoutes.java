package dev.berth.daemon.images;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.daemon.events.Events;
import dev.berth.daemon.server.ApiRequest;
import dev.berth.daemon.server.ApiResponse;
import dev.berth.daemon.server.Router;
import dev.berth.images.archive.ArchiveWriter;
import dev.berth.images.archive.ArchiveLoader;
import dev.berth.images.digest.Digest;
import dev.berth.images.importer.RootfsImporter;
import dev.berth.images.model.ImageConfig;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The image endpoints backed by berth-images: list, inspect, tag, remove, save (get), load and
 * import (create?fromSrc). Pull and push arrive with the registry issue: create?fromImage answers so.
 */
public final class ImageRoutes {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private final ImageStore store;
  private final Path tmp;

  private final ImageUsers users;
  private final Events events;

  /** Removes what no image, layer or container owns any more; returns the bytes freed. */
  @FunctionalInterface
  public interface Garbage {
    long collect();
  }

  private final Garbage garbage;

  public ImageRoutes(ImageStore store, Path tmp, ImageUsers users, Events events, Garbage garbage) {
    this.garbage = garbage;
    this.store = store;
    this.tmp = tmp;
    this.users = users;
    this.events = events;
  }

  /** Image events carry the image's id (or the name loaded) and its name, as Docker's. */
  private void publish(String action, String id, String name) {
    events.publish("image", action, id, name == null ? Map.of() : Map.of("name", name));
  }

  public void register(Router router) {
    router.add("GET", "/images/json", r -> ApiResponse.json(list()));
    router.add("GET", "/images/get", r -> save(r.params("names")));
    router.add("POST", "/images/load", this::load);
    router.add("POST", "/images/create", this::create);
    router.add("POST", "/images/prune", r -> ApiResponse.json(prune()));
    router.add("GET", "/images/(.+)/json", r -> ApiResponse.json(inspect(store.resolve(r.group(1)))));
    router.add("GET", "/images/(.+)/get", r -> save(List.of(r.group(1))));
    router.add("GET", "/images/(.+)/history", r -> ApiResponse.json(history(store.resolve(r.group(1)))));
    router.add("POST", "/images/(.+)/tag", this::tag);
    router.add("DELETE", "/images/(.+)", r -> ApiResponse.json(remove(r.group(1), r.flag("force"))));
  }

  private List<Map<String, Object>> list() {
    List<Map<String, Object>> out = new ArrayList<>();
    Map<String, List<Reference>> tags = store.tagsById();
    for (ImageRecord image : store.list()) {
      ImageConfig config = config(image);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Id", image.id());
      m.put("ParentId", "");
      m.put("RepoTags", tags.getOrDefault(image.id(), List.of()).stream().map(Reference::familiar).toList());
      m.put("RepoDigests", List.of());
      m.put("Created", created(config));
      m.put("Size", size(image));
      m.put("SharedSize", -1);
      m.put("Labels", config.raw().path("config").path("Labels").isObject()
          ? JSON.convertValue(config.raw().path("config").path("Labels"), Map.class) : Map.of());
      m.put("Containers", -1);
      out.add(m);
    }
    return out;
  }

  private Map<String, Object> inspect(ImageRecord image) {
    ImageConfig config = config(image);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", image.id());
    m.put("RepoTags", store.tagsOf(image.id()).stream().map(Reference::familiar).toList());
    m.put("RepoDigests", List.of());
    m.put("Parent", "");
    m.put("Comment", config.raw().path("history").path(config.raw().path("history").size() - 1).path("comment").asText(""));
    m.put("Created", config.created());
    m.put("Author", config.raw().path("author").asText(""));
    m.put("Config", config.raw().path("config"));
    m.put("Architecture", config.architecture());
    m.put("Os", config.os());
    m.put("Size", size(image));
    m.put("RootFS", Map.of("Type", "layers", "Layers", config.diffIds()));
    m.put("Metadata", Map.of("LastTagTime", "0001-01-01T00:00:00Z"));
    return m;
  }

  /** Newest first, as Docker lists it; only the top entry carries the image id and the tags. */
  private List<Map<String, Object>> history(ImageRecord image) {
    ImageConfig config = config(image);
    List<Map<String, Object>> out = new ArrayList<>();
    var entries = config.raw().path("history");
    int layer = 0;
    List<Long> sizes = image.layers().stream().map(l -> l.size()).toList();
    for (var h : entries) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Id", "<missing>");
      m.put("Created", createdOf(h.path("created").asText(null)));
      m.put("CreatedBy", h.path("created_by").asText(""));
      m.put("Tags", List.of());
      boolean empty = h.path("empty_layer").asBoolean(false);
      m.put("Size", empty || layer >= sizes.size() ? 0 : sizes.get(layer++));
      m.put("Comment", h.path("comment").asText(""));
      out.add(0, m);
    }
    if (!out.isEmpty()) {
      out.get(0).put("Id", image.id());
      out.get(0).put("Tags", store.tagsOf(image.id()).stream().map(Reference::familiar).toList());
    }
    return out;
  }

  private static long createdOf(String text) {
    try {
      return text == null ? 0 : Instant.parse(text).getEpochSecond();
    } catch (java.time.format.DateTimeParseException e) {
      return 0;
    }
  }

  private ImageConfig config(ImageRecord image) {
    return ImageConfig.parse(store.content().read(Digest.parse(image.id())));
  }

  private static long created(ImageConfig config) {
    try {
      return config.created() == null ? 0 : Instant.parse(config.created()).getEpochSecond();
    } catch (java.time.format.DateTimeParseException e) {
      return 0;
    }
  }

  private static long size(ImageRecord image) {
    return image.layers().stream().mapToLong(l -> l.size()).sum();
  }

  private ApiResponse save(List<String> names) throws Exception {
    if (names.isEmpty()) {
      throw new InvalidArgument("no image names given");
    }
    ArchiveWriter writer = new ArchiveWriter(store);
    List<ArchiveWriter.Selection> selections = new ArrayList<>();
    for (String n : names) {
      selections.add(writer.select(n));
    }
    Path file = Files.createTempFile(tmp, ".tmp-save-", ".tar");
    try (OutputStream out = Files.newOutputStream(file)) {
      writer.dockerArchive(selections, out);
    }
    return ApiResponse.file("application/x-tar", file);
  }

  private ApiResponse load(ApiRequest r) {
    List<String> loaded = new ArchiveLoader(store).load(r.body());
    StringBuilder stream = new StringBuilder();
    for (String name : loaded) {
      String line = name.startsWith("sha256:") ? "Loaded image ID: " + name : "Loaded image: " + name;
      publish("load", name, name);
      stream.append(jsonLine("stream", line + "\n"));
    }
    return new ApiResponse(200, "application/json", stream.toString().getBytes(StandardCharsets.UTF_8), null, Map.of());
  }

  private ApiResponse create(ApiRequest r) {
    if (r.param("fromImage") != null) {
      throw new InvalidArgument("pulling images is not supported yet (it arrives with the registry issue): "
          + r.param("fromImage"));
    }
    if (!"-".equals(r.param("fromSrc"))) {
      throw new InvalidArgument("import needs fromSrc=- with the tarball as the request body");
    }
    String repo = r.param("repo");
    String tag = r.param("tag");
    Reference ref = repo == null || repo.isEmpty() ? null
        : Reference.parse(tag == null || tag.isEmpty() ? repo : repo + ":" + tag);
    ImageRecord image = new RootfsImporter(store).importTarball(r.body(), r.params("changes"), r.param("message"), ref);
    publish("import", image.id(), ref == null ? null : ref.familiar());
    return new ApiResponse(200, "application/json", jsonLine("status", image.id()).getBytes(StandardCharsets.UTF_8),
        null, Map.of());
  }

  private ApiResponse tag(ApiRequest r) {
    ImageRecord image = store.resolve(r.group(1));
    String repo = r.param("repo");
    if (repo == null || repo.isEmpty()) {
      throw new InvalidArgument("repository name is required");
    }
    String tag = r.param("tag");
    Reference ref = Reference.parse(tag == null || tag.isEmpty() ? repo : repo + ":" + tag);
    store.tag(ref, image.id());
    publish("tag", image.id(), ref.familiar());
    return ApiResponse.empty(201);
  }

  private List<Map<String, String>> remove(String name, boolean force) {
    ImageRecord image = store.resolve(name);
    List<Reference> tags = store.tagsOf(image.id());
    boolean byId = name.startsWith("sha256:") || (name.matches("[a-f0-9]{12,64}") && tags.stream().noneMatch(t -> t.familiar().startsWith(name)));
    if (byId && tags.size() > 1 && !force) {
      throw new Conflict("conflict: unable to delete " + Digest.parse(image.id()).shortHex()
          + " (must be forced) - image is referenced in multiple repositories");
    }
    List<ImageUsers.User> using = users.of(image.id());
    String shortId = Digest.parse(image.id()).shortHex();
    boolean lastName = byId || tags.size() <= 1;
    for (ImageUsers.User u : using) {
      if (u.running() && lastName) {
        throw new Conflict("conflict: unable to delete " + shortId + " (cannot be forced) - image is being used by"
            + " running container " + u.containerId().substring(0, 12));
      }
      if (!force && lastName) {
        throw new Conflict(byId
            ? "conflict: unable to delete " + shortId + " (must be forced) - image is being used by stopped container "
                + u.containerId().substring(0, 12)
            : "conflict: unable to remove repository reference \"" + name + "\" (must force) - container "
                + u.containerId().substring(0, 12) + " is using its referenced image " + shortId);
      }
    }
    List<Map<String, String>> result = new ArrayList<>();
    List<Reference> untag = byId ? tags : List.of(Reference.parse(name));
    for (Reference t : untag) {
      store.untag(t);
      result.add(Map.of("Untagged", t.familiar()));
      publish("untag", image.id(), t.familiar());
    }
    // An image a container stands on is only untagged, even when forced: the container needs its layers.
    if (store.tagsOf(image.id()).isEmpty() && using.isEmpty()) {
      store.remove(image.id());
      result.add(Map.of("Deleted", image.id()));
      publish("delete", image.id(), null);
      // As with Docker, the image's layers go with it unless another image or a container has them.
      garbage.collect();
    }
    return result;
  }

  /** Removes dangling images (no name), and then whatever of theirs nothing else owns. */
  private Map<String, Object> prune() {
    List<Map<String, String>> deleted = new ArrayList<>();
    Map<String, List<Reference>> tags = store.tagsById();
    for (ImageRecord image : store.list()) {
      if (!tags.containsKey(image.id()) && users.of(image.id()).isEmpty()) {
        store.remove(image.id());
        deleted.add(Map.of("Deleted", image.id()));
        publish("delete", image.id(), null);
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("ImagesDeleted", deleted.isEmpty() ? null : deleted);
    result.put("SpaceReclaimed", garbage.collect());
    return result;
  }

  private static String jsonLine(String key, String value) {
    try {
      return JSON.writeValueAsString(Map.of(key, value)) + "\r\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
