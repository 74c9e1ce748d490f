package dev.berth.images.service;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.gc.GarbageCollector;
import dev.berth.images.model.ImageConfig;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The image operations as a library, with Docker's semantics and messages: list (with its filters),
 * inspect, history, tag, remove (with Docker's conflicts when containers use the image) and prune.
 * Removals run one at a time; what nobody owns any more is collected after each.
 */
public final class Images {
  /** The filters {@link #list} takes. */
  public static final List<String> LIST_FILTERS = ListFilter.NAMES;
  /** The filters {@link #prune} takes. */
  public static final List<String> PRUNE_FILTERS = ImageRemover.PRUNE_FILTERS;

  private final ImageStore store;
  private final ImageViews views;
  private final ImageRemover remover;
  private final Garbage garbage;

  public Images(ImageStore store, ImageUsers users, Garbage garbage) {
    this.store = store;
    this.views = new ImageViews(store);
    this.remover = new ImageRemover(store, users, views);
    this.garbage = garbage;
  }

  /** Newest first, as `docker images` lists them. */
  public List<ImageSummary> list(Map<String, List<String>> filters) {
    ListFilter filter = ListFilter.parse(filters, name -> ImageViews.created(views.config(store.resolve(name))),
        Instant.now());
    Map<String, List<Reference>> names = store.tagsById();
    List<ImageSummary> out = new ArrayList<>();
    for (ImageRecord image : store.list()) {
      ImageConfig config = views.config(image);
      if (!filter.admits(ImageViews.created(config), ImageViews.labels(config))) continue;
      List<Reference> shown = filter.shown(names.getOrDefault(image.id(), List.of()));
      if (filter.admits(shown)) out.add(views.summary(image, config, shown));
    }
    out.sort(Comparator.comparingLong(ImageSummary::created).reversed().thenComparing(ImageSummary::id));
    return out;
  }

  public ImageDetails inspect(String nameOrId) {
    return views.details(store.resolve(nameOrId));
  }

  public List<HistoryEntry> history(String nameOrId) {
    return views.history(store.resolve(nameOrId));
  }

  /** A name given and the image it now names. */
  public record Tagged(String imageId, Reference name) {}

  /** `docker tag`: {@code repo[:tag]} (tag "latest" when empty) names the image {@code source} resolves to. */
  public Tagged tag(String source, String repo, String tag) {
    if (repo == null || repo.isEmpty()) throw new InvalidArgument("repository name is required");
    if (repo.matches("[a-f0-9]{64}")) {
      throw new InvalidArgument("invalid repository name (" + repo + "), cannot specify 64-byte hexadecimal strings");
    }
    Reference ref = Reference.parse(tag == null || tag.isEmpty() ? repo : repo + ":" + tag);
    if (ref.digest() != null) throw new InvalidArgument("refusing to create a tag with a digest reference");
    synchronized (remover) {
      String id = store.resolve(source).id();
      store.tag(ref, id);
      return new Tagged(id, ref);
    }
  }

  /**
   * `docker rmi`: a name is untagged, and the image goes with its last name unless a running container
   * uses it (it then stays, dangling). By id, every name goes and the image with them. Refused with
   * Docker's conflicts: the last name of an image a container uses (unless forced), an id with names
   * in several repositories or used by a stopped container (unless forced), an id a running container
   * uses (even forced). A stopped container outlives its deleted image, on the layers its snapshot
   * stands on. A deleted image is followed by the layers that went with it (chain ids, top first), as
   * dockerd lists them.
   */
  public List<Removal> remove(String nameOrId, boolean force) {
    RemovalLog removed;
    synchronized (remover) {
      removed = remover.remove(nameOrId, force);
    }
    if (!removed.deletedAny()) return removed.lines();
    return removed.withLayers(garbage.collect(removed.released()).layersGone());
  }

  /**
   * `docker image prune`: filters dangling (default true: only images without a tag; false: all), label,
   * label! and until. Images a container uses stay.
   */
  public PruneReport prune(Map<String, List<String>> filters) {
    RemovalLog removed;
    synchronized (remover) {
      removed = remover.prune(filters, Instant.now());
    }
    GarbageCollector.Collected collected = garbage.collect(removed.released());
    return new PruneReport(removed.withLayers(collected.layersGone()), collected.bytes());
  }
}
