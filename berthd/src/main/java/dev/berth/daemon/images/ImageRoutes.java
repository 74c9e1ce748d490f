package dev.berth.daemon.images;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import dev.berth.daemon.events.Events;
import dev.berth.daemon.server.ApiFilters;
import dev.berth.daemon.server.ApiRequest;
import dev.berth.daemon.server.ApiResponse;
import dev.berth.daemon.server.Router;
import dev.berth.images.archive.ArchiveLoader;
import dev.berth.images.store.ImageUnpacker;
import dev.berth.images.archive.ArchiveWriter;
import dev.berth.images.importer.RootfsImporter;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import dev.berth.images.service.HistoryEntry;
import dev.berth.images.service.ImageDetails;
import dev.berth.images.service.ImageSummary;
import dev.berth.images.service.Images;
import dev.berth.images.service.PruneReport;
import dev.berth.images.service.Removal;
import dev.berth.images.store.ImageStore;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The image endpoints: list, inspect, history, tag, remove and prune through berth-images' {@link Images}
 * service, save (get), load and import (create?fromSrc) through its archives and importer. This class
 * shapes Docker's JSON and publishes events; the semantics are the library's. Pull and push arrive
 * with the registry issue: create?fromImage answers so.
 */
public final class ImageRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Images images;
  private final ImageStore store;
  private final Path tmp;
  private final Events events;
  private final ImageUnpacker unpacker;

  /** @param unpacker unpacks loaded images, as `docker load` does, so that their first container starts at once */
  public ImageRoutes(Images images, ImageStore store, ImageUnpacker unpacker, Path tmp, Events events) {
    this.images = images;
    this.store = store;
    this.unpacker = unpacker;
    this.tmp = tmp;
    this.events = events;
  }

  /** Image events carry the image's id (or the name loaded) and its name, as Docker's. */
  private void publish(String action, String id, String name) {
    events.publish("image", action, id, name == null ? Map.of() : Map.of("name", name));
  }

  public void register(Router router) {
    router.add("GET", "/images/json", r -> ApiResponse.json(list(r)));
    router.add("GET", "/images/get", r -> save(r.params("names")));
    router.add("POST", "/images/load", this::load);
    router.add("POST", "/images/create", this::create);
    router.add("POST", "/images/prune", r -> ApiResponse.json(prune(r)));
    router.add("GET", "/images/(.+)/json", r -> ApiResponse.json(inspect(images.inspect(r.group(1)))));
    router.add("GET", "/images/(.+)/get", r -> save(List.of(r.group(1))));
    router.add("GET", "/images/(.+)/history", r -> ApiResponse.json(images.history(r.group(1)).stream()
        .map(ImageRoutes::history).toList()));
    router.add("POST", "/images/(.+)/tag", this::tag);
    router.add("DELETE", "/images/(.+)", r -> ApiResponse.json(remove(r.group(1), r.flag("force"))));
  }

  private List<Map<String, Object>> list(ApiRequest r) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ImageSummary s : images.list(ApiFilters.parse(r.param("filters"), Images.LIST_FILTERS))) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Id", s.id());
      m.put("ParentId", "");
      m.put("RepoTags", s.repoTags());
      m.put("RepoDigests", s.repoDigests());
      m.put("Created", s.created());
      m.put("Size", s.size());
      m.put("SharedSize", -1);
      m.put("Labels", s.labels());
      m.put("Containers", -1);
      out.add(m);
    }
    return out;
  }

  private static Map<String, Object> inspect(ImageDetails d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", d.id());
    m.put("RepoTags", d.repoTags());
    m.put("RepoDigests", d.repoDigests());
    m.put("Parent", "");
    m.put("Comment", d.comment());
    m.put("Created", d.created());
    m.put("Author", d.author());
    m.put("Config", d.config());
    m.put("Architecture", d.architecture());
    m.put("Os", d.os());
    m.put("Size", d.size());
    m.put("RootFS", Map.of("Type", "layers", "Layers", d.diffIds()));
    m.put("Metadata", Map.of("LastTagTime", "0001-01-01T00:00:00Z"));
    return m;
  }

  private static Map<String, Object> history(HistoryEntry h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", h.id());
    m.put("Created", h.created());
    m.put("CreatedBy", h.createdBy());
    m.put("Tags", h.tags());
    m.put("Size", h.size());
    m.put("Comment", h.comment());
    return m;
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
    List<String> loaded = new ArchiveLoader(store, unpacker).load(r.body());
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
    Images.Tagged tagged = images.tag(r.group(1), r.param("repo"), r.param("tag"));
    publish("tag", tagged.imageId(), tagged.name().familiar());
    return ApiResponse.empty(201);
  }

  private List<Map<String, String>> remove(String name, boolean force) {
    return images.remove(name, force).stream().map(this::removed).toList();
  }

  /** Removes dangling images (or, with dangling=false, unused ones), then whatever of theirs nothing else owns. */
  private Map<String, Object> prune(ApiRequest r) {
    PruneReport report = images.prune(ApiFilters.parse(r.param("filters"), Images.PRUNE_FILTERS));
    List<Map<String, String>> deleted = report.removed().stream().map(this::removed).toList();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("ImagesDeleted", deleted.isEmpty() ? null : deleted);
    result.put("SpaceReclaimed", report.spaceReclaimed());
    return result;
  }

  /** One line of Docker's delete answer, and its event. */
  private Map<String, String> removed(Removal removal) {
    return switch (removal) {
      case Removal.Untagged u -> {
        publish("untag", u.imageId(), u.reference());
        yield Map.of("Untagged", u.reference());
      }
      case Removal.Deleted d -> {
        publish("delete", d.imageId(), null);
        yield Map.of("Deleted", d.imageId());
      }
      case Removal.LayerDeleted l -> Map.of("Deleted", l.chainId()); // no event of its own, as in Docker
    };
  }

  private static String jsonLine(String key, String value) {
    try {
      return JSON.writeValueAsString(Map.of(key, value)) + "\r\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
