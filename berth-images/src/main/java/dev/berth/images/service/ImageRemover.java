package dev.berth.images.service;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.gc.GarbageCollector;
import dev.berth.images.model.ImageConfig;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Untagging and removal with Docker's conflicts (dockerd's ImageDelete), and prune. A deleted image's
 * containers keep its id and their snapshots, which stand on its layers: garbage collection leaves
 * those layers while a container stands on them.
 */
final class ImageRemover {
  static final List<String> PRUNE_FILTERS = List.of("dangling", "label", "label!", "until");

  private final ImageStore store;
  private final ImageUsers users;
  private final ImageViews views;

  ImageRemover(ImageStore store, ImageUsers users, ImageViews views) {
    this.store = store;
    this.users = users;
    this.views = views;
  }

  /** `docker rmi`: by name, takes that name; by id, every name. Returns what it did; no garbage collection. */
  RemovalLog remove(String name, boolean force) {
    ImageRecord image = store.resolve(name);
    return isIdPrefix(image.id(), name) ? removeById(image.id(), force) : removeByName(image.id(), name, force);
  }

  /**
   * The name goes; with the image's last name the image goes too, unless a container keeps it: then
   * it stays, dangling, and no error is reported. A running container keeps it even when forced; a
   * stopped one can only keep it unforced, and then its last name is refused first.
   */
  private RemovalLog removeByName(String id, String name, boolean force) {
    Reference ref = Reference.parse(name);
    List<ImageUsers.User> using = users.of(id);
    if (!force && isSingleReference(store.tagsOf(id)) && !using.isEmpty()) {
      throw new Conflict("conflict: unable to remove repository reference \"" + name + "\" (must force) - container "
          + shortId(using.getFirst().containerId()) + " is using its referenced image " + shortImage(id));
    }
    RemovalLog out = new RemovalLog();
    untag(id, ref, out);
    if (ref.digest() == null) {
      // With the last tag of a repository go its digest names: they would keep the image named otherwise.
      List<Reference> left = store.tagsOf(id);
      boolean tagLeft = left.stream().anyMatch(r -> r.digest() == null && r.repository().equals(ref.repository()));
      if (!tagLeft) {
        for (Reference r : left) {
          if (r.digest() != null && r.repository().equals(ref.repository())) untag(id, r, out);
        }
      }
    }
    if (store.tagsOf(id).isEmpty() && refusal(id, using, false, !force) == null) delete(id, out);
    return out;
  }

  /**
   * Every name goes and the image with them, unless refused: a running container refuses even when
   * forced; names in several repositories or a stopped container refuse unless forced. Nothing is
   * untagged when it is refused.
   */
  private RemovalLog removeById(String id, boolean force) {
    List<Reference> names = store.tagsOf(id);
    boolean severalRepositories = !names.isEmpty() && !isSingleReference(names);
    Refusal refused = refusal(id, users.of(id), !force && severalRepositories, !force);
    if (refused != null) throw refused.error();
    RemovalLog out = new RemovalLog();
    for (Reference r : names) untag(id, r, out);
    delete(id, out);
    return out;
  }

  /**
   * `docker image prune`: images without a tag (or, with dangling=false, every image) that match the
   * label and until filters and that no container uses.
   */
  RemovalLog prune(Map<String, List<String>> filters, Instant now) {
    Filters.validate(filters, PRUNE_FILTERS);
    boolean danglingOnly = Filters.bool(filters, "dangling", true);
    List<String> untils = filters.getOrDefault("until", List.of());
    if (untils.size() > 1) throw new InvalidArgument("more than one until filter specified");
    Instant until = untils.isEmpty() ? null : Timestamps.parse(untils.getFirst(), now);
    RemovalLog out = new RemovalLog();
    Map<String, List<Reference>> names = store.tagsById();
    for (ImageRecord image : store.list()) {
      List<Reference> refs = names.getOrDefault(image.id(), List.of());
      if (danglingOnly && refs.stream().anyMatch(r -> r.tag() != null)) continue;
      if (!users.of(image.id()).isEmpty()) continue;
      ImageConfig config = views.config(image);
      Instant created = ImageViews.created(config);
      if (until != null && (created == null || created.isAfter(until))) continue;
      Map<String, String> labels = ImageViews.labels(config);
      if (!Filters.labelsMatch(filters.getOrDefault("label", List.of()), labels)) continue;
      List<String> without = filters.getOrDefault("label!", List.of());
      if (!without.isEmpty() && Filters.labelsMatch(without, labels)) continue;
      for (Reference r : refs) untag(image.id(), r, out);
      delete(image.id(), out);
    }
    return out;
  }

  private void untag(String id, Reference ref, RemovalLog out) {
    store.untag(ref);
    out.untagged(id, ref);
  }

  /** The image goes; its layers are read first, for the lines of those garbage collection takes. */
  private void delete(String id, RemovalLog out) {
    List<GarbageCollector.Layer> layers = GarbageCollector.layersOf(store, store.get(id));
    store.remove(id);
    out.deleted(id, layers);
  }

  /** Docker's imageDeleteConflict: why an image cannot be deleted; a hard one cannot be forced. */
  private record Refusal(String imageId, boolean hard, String reason) {
    Conflict error() {
      return new Conflict("conflict: unable to delete " + shortImage(imageId) + " ("
          + (hard ? "cannot be forced" : "must be forced") + ") - " + reason);
    }
  }

  /**
   * Docker's checkImageDeleteConflict, in its order: a running container (always checked), names in
   * several repositories (if {@code names}), a stopped container (if {@code stopped}). Docker's
   * dependent-child conflict cannot arise: Berth's images have no parent images.
   */
  private static Refusal refusal(String id, List<ImageUsers.User> using, boolean names, boolean stopped) {
    for (ImageUsers.User u : using) {
      if (u.running()) {
        return new Refusal(id, true, "image is being used by running container " + shortId(u.containerId()));
      }
    }
    if (names) return new Refusal(id, false, "image is referenced in multiple repositories");
    for (ImageUsers.User u : using) {
      if (stopped && !u.running()) {
        return new Refusal(id, false, "image is being used by stopped container " + shortId(u.containerId()));
      }
    }
    return null;
  }

  /** Whether {@code name} named the image by its id (full, short or with sha256:) rather than a reference. */
  static boolean isIdPrefix(String id, String name) {
    if (name.startsWith("sha256:")) return id.startsWith(name);
    return name.matches("[a-f0-9]{12,64}") && id.startsWith("sha256:" + name);
  }

  /**
   * Docker's isSingleReference: the names are one tag, or one tag and digests of its repository only;
   * taking such a name would leave the image without one.
   */
  static boolean isSingleReference(List<Reference> names) {
    if (names.size() <= 1) return names.size() == 1;
    Reference single = null;
    Set<String> digestRepositories = new HashSet<>();
    for (Reference r : names) {
      if (r.digest() != null) {
        digestRepositories.add(r.repository());
      } else if (single == null) {
        single = r;
      } else {
        return false;
      }
    }
    if (single == null) single = names.getFirst();
    return digestRepositories.size() == 1 && digestRepositories.contains(single.repository());
  }

  private static String shortImage(String id) {
    return Digest.parse(id).shortHex();
  }

  private static String shortId(String containerId) {
    return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
  }
}
