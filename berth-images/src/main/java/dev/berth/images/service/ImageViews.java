package dev.berth.images.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.Descriptor;
import dev.berth.images.model.ImageConfig;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Summaries, details and history of stored images, read from their configs as received. */
final class ImageViews {
  private final ImageStore store;

  ImageViews(ImageStore store) {
    this.store = store;
  }

  ImageConfig config(ImageRecord image) {
    return ImageConfig.parse(store.content().read(Digest.parse(image.id())));
  }

  ImageSummary summary(ImageRecord image, ImageConfig config, List<Reference> names) {
    return new ImageSummary(image.id(), tagged(names), digested(names), epochSeconds(config.created()), size(image),
        labels(config));
  }

  ImageDetails details(ImageRecord image) {
    ImageConfig config = config(image);
    List<Reference> names = store.tagsOf(image.id());
    JsonNode raw = config.raw();
    JsonNode history = raw.path("history");
    return new ImageDetails(image.id(), tagged(names), digested(names),
        history.path(history.size() - 1).path("comment").asText(""), config.created(), raw.path("author").asText(""),
        raw.path("config"), config.architecture(), config.os(), size(image), config.diffIds());
  }

  /** Newest first, as Docker lists it; empty layers (ENV, CMD…) have no size. */
  List<HistoryEntry> history(ImageRecord image) {
    ImageConfig config = config(image);
    List<Long> sizes = image.layers().stream().map(Descriptor::size).toList();
    List<HistoryEntry> out = new ArrayList<>();
    int layer = 0;
    for (JsonNode h : config.raw().path("history")) {
      boolean empty = h.path("empty_layer").asBoolean(false);
      long size = empty || layer >= sizes.size() ? 0 : sizes.get(layer++);
      out.addFirst(new HistoryEntry("<missing>", epochSeconds(h.path("created").asText(null)),
          h.path("created_by").asText(""), List.of(), size, h.path("comment").asText("")));
    }
    if (!out.isEmpty()) {
      HistoryEntry top = out.getFirst();
      out.set(0, new HistoryEntry(image.id(), top.created(), top.createdBy(), tagged(store.tagsOf(image.id())),
          top.size(), top.comment()));
    }
    return out;
  }

  static List<String> tagged(List<Reference> names) {
    return names.stream().filter(r -> r.tag() != null).map(Reference::familiar).toList();
  }

  /** Digest names as Docker shows them: {@code repo@sha256:…}, without a tag. */
  static List<String> digested(List<Reference> names) {
    return names.stream().filter(r -> r.digest() != null).map(r -> r.familiarRepository() + "@" + r.digest()).toList();
  }

  static long size(ImageRecord image) {
    return image.layers().stream().mapToLong(Descriptor::size).sum();
  }

  /** The config's creation time, or null when it has none or one that does not parse. */
  static Instant created(ImageConfig config) {
    return instant(config.created());
  }

  private static long epochSeconds(String text) {
    Instant t = instant(text);
    return t == null ? 0 : t.getEpochSecond();
  }

  private static Instant instant(String text) {
    try {
      return text == null ? null : Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static Map<String, String> labels(ImageConfig config) {
    Map<String, String> labels = new LinkedHashMap<>();
    config.raw().path("config").path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }
}
