package dev.berth.images.service;

import dev.berth.images.reference.Reference;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * `docker images --filter`, read as Docker reads it: several values of one filter are ORed for
 * {@code reference}, ANDed for {@code label}; {@code before} keeps the oldest bound, {@code since} the
 * newest; a {@code reference} filter also narrows the names shown.
 */
final class ListFilter {
  static final List<String> NAMES = List.of("before", "dangling", "label", "reference", "since", "until");

  private final Boolean dangling;
  private final List<String> labels;
  private final List<RefGlob> references;
  private final Instant before;
  private final Instant since;

  private ListFilter(Boolean dangling, List<String> labels, List<RefGlob> references, Instant before, Instant since) {
    this.dangling = dangling;
    this.labels = labels;
    this.references = references;
    this.before = before;
    this.since = since;
  }

  /**
   * @param createdOf the creation time of the image a name resolves to (null when it has none); throws
   *     NotFound for a name that resolves to nothing, as Docker does
   */
  static ListFilter parse(Map<String, List<String>> filters, Function<String, Instant> createdOf, Instant now) {
    Filters.validate(filters, NAMES);
    Boolean dangling = null;
    List<String> d = filters.get("dangling");
    if (d != null) {
      if (d.contains("true")) dangling = true;
      else if (d.contains("false")) dangling = false;
      else throw Filters.invalid("dangling", d);
    }
    Instant before = null;
    for (String name : filters.getOrDefault("before", List.of())) before = earlier(before, createdOf.apply(name));
    for (String value : filters.getOrDefault("until", List.of())) before = earlier(before, Timestamps.parse(value, now));
    Instant since = null;
    for (String name : filters.getOrDefault("since", List.of())) {
      Instant t = createdOf.apply(name);
      if (t != null && (since == null || t.isAfter(since))) since = t;
    }
    List<RefGlob> references = filters.getOrDefault("reference", List.of()).stream().map(RefGlob::compile).toList();
    return new ListFilter(dangling, filters.getOrDefault("label", List.of()), references, before, since);
  }

  private static Instant earlier(Instant bound, Instant t) {
    return t != null && (bound == null || t.isBefore(bound)) ? t : bound;
  }

  /** The time bounds and labels, which do not depend on names. */
  boolean admits(Instant created, Map<String, String> labelsOfImage) {
    if (before != null && (created == null || !created.isBefore(before))) return false;
    if (since != null && (created == null || !created.isAfter(since))) return false;
    return Filters.labelsMatch(labels, labelsOfImage);
  }

  /** The names a listing shows: those a reference filter matches, or all. */
  List<Reference> shown(List<Reference> names) {
    if (references.isEmpty()) return names;
    return names.stream().filter(n -> references.stream().anyMatch(g -> g.matches(n))).toList();
  }

  /** Whether an image showing {@code shown} names is listed, under the dangling and reference filters. */
  boolean admits(List<Reference> shown) {
    boolean tagged = shown.stream().anyMatch(n -> n.tag() != null);
    if (shown.isEmpty()) return !Boolean.FALSE.equals(dangling) && references.isEmpty();
    return !(Boolean.TRUE.equals(dangling) && tagged);
  }
}
