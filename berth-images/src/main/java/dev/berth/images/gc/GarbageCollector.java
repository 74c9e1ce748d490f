package dev.berth.images.gc;

import dev.berth.common.error.BerthException;
import dev.berth.images.content.ContentStore;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.ChainId;
import dev.berth.images.model.ImageConfig;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.model.IndexBlobs;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who owns each byte of the image store and the snapshots, and what nobody owns. Images own their
 * config and manifest blobs; layers (by chain id) own their blobs and unpacked snapshots, shared by
 * every image and container standing on them; containers own their writable snapshots. Blobs and
 * layer snapshots nobody owns are garbage: {@link #collect} removes them while nothing is being
 * added to the store.
 */
public final class GarbageCollector {
  private final ImageStore images;
  private final Snapshots snapshots;

  public GarbageCollector(ImageStore images, Snapshots snapshots) {
    this.images = images;
    this.snapshots = snapshots;
  }

  /** Something on disk and who owns it ("image sha256:…", "layer sha256:…", "container …", or nobody: null). */
  public record Item(String kind, String name, long bytes, String owner) {}

  /** A layer of an image just deleted: its chain id and the blob it comes from. */
  public record Layer(String chainId, String blob) {}

  /** What a collection freed: its bytes, and the chain ids of the layers it was asked about that went. */
  public record Collected(long bytes, Set<String> layersGone) {}

  /**
   * Every blob, layer snapshot and container snapshot with its owner.
   *
   * @param containers the ids of the containers that exist (their snapshots are theirs)
   */
  public List<Item> account(Set<String> containers) {
    ContentStore content = images.content();
    Map<Digest, String> blobOwners = new LinkedHashMap<>();
    Set<String> usedLayers = new HashSet<>();
    for (ImageRecord image : images.list()) {
      blobOwners.put(Digest.parse(image.config().digest()), "image " + image.id());
      if (image.manifest() != null) blobOwners.put(Digest.parse(image.manifest()), "image " + image.id());
      List<Digest> chain = chainOf(images, image);
      for (int i = 0; i < image.layers().size(); i++) {
        String layer = i < chain.size() ? "layer " + chain.get(i) : "image " + image.id();
        blobOwners.putIfAbsent(Digest.parse(image.layers().get(i).digest()), layer);
      }
      chain.forEach(c -> usedLayers.add(c.toString()));
      // The index it came in, and what that names for other platforms, is the image's too.
      if (image.index() != null) {
        for (Digest d : indexBlobs(image)) blobOwners.putIfAbsent(d, "image " + image.id());
      }
    }
    for (String key : snapshots.containerKeys()) {
      if (!containers.contains(key)) continue;
      String top = snapshots.container(key).topChainId();
      for (String c = top; c != null && snapshots.exists(c); c = snapshots.parent(c)) usedLayers.add(c);
    }
    List<Item> items = new ArrayList<>();
    for (Digest d : content.list()) {
      items.add(new Item("blob", d.toString(), content.size(d), blobOwners.get(d)));
    }
    for (String chainId : snapshots.list()) {
      items.add(new Item("layer snapshot", chainId, snapshots.size(chainId),
          usedLayers.contains(chainId) ? "layer " + chainId : null));
    }
    for (String key : snapshots.containerKeys()) {
      items.add(new Item("container snapshot", key, containerBytes(key), containers.contains(key) ? "container " + key : null));
    }
    return items;
  }

  /**
   * Removes the blobs and layer snapshots nobody owns (top layers first, so each stands on nothing
   * when removed) and returns them. Container snapshots are their owners' to remove: one nobody owns
   * is reported by {@link #account} and left.
   */
  public List<Item> collect(Set<String> containers) {
    return images.exclusively(() -> remove(containers));
  }

  /**
   * Collects as {@link #collect(Set)} does, and tells which of {@code released} (the layers of images
   * just deleted) went with it, as dockerd lists an image's layers after it: a layer went if this
   * collection took its snapshot or, never unpacked, its blob. A layer a container's snapshot stands
   * on stays, and so does one another image has.
   */
  public Collected collect(Set<String> containers, List<Layer> released) {
    return images.exclusively(() -> {
      List<Item> removed = remove(containers);
      Set<String> layers = new HashSet<>();
      Set<String> blobs = new HashSet<>();
      for (Item i : removed) (i.kind().equals("blob") ? blobs : layers).add(i.name());
      Set<String> gone = new HashSet<>();
      for (Layer l : released) {
        boolean unpacked = snapshots.exists(l.chainId());
        if (layers.contains(l.chainId()) || (!unpacked && blobs.contains(l.blob()))) gone.add(l.chainId());
      }
      return new Collected(removed.stream().mapToLong(Item::bytes).sum(), gone);
    });
  }

  private List<Item> remove(Set<String> containers) {
    List<Item> removed = new ArrayList<>();
    List<Item> garbage = account(containers).stream().filter(i -> i.owner() == null).toList();
    for (Item i : garbage) {
      if (i.kind().equals("blob")) {
        images.content().delete(Digest.parse(i.name()));
        removed.add(i);
      }
    }
    List<String> layers = new ArrayList<>(garbage.stream().filter(i -> i.kind().equals("layer snapshot"))
        .map(Item::name).toList());
    // A layer can go once no other garbage layer stands on it: repeat until no progress.
    for (boolean progress = true; progress && !layers.isEmpty(); ) {
      progress = false;
      for (String chainId : List.copyOf(layers)) {
        try {
          long bytes = snapshots.size(chainId);
          snapshots.remove(chainId);
          removed.add(new Item("layer snapshot", chainId, bytes, null));
          layers.remove(chainId);
          progress = true;
        } catch (BerthException standsOnIt) {
          // a layer above it is still there: next round
        }
      }
    }
    return removed;
  }

  /** An image's layers, top first (the order dockerd releases them in); none if its config does not read. */
  public static List<Layer> layersOf(ImageStore images, ImageRecord image) {
    List<Digest> chain = chainOf(images, image);
    List<Layer> layers = new ArrayList<>();
    for (int i = Math.min(chain.size(), image.layers().size()) - 1; i >= 0; i--) {
      layers.add(new Layer(chain.get(i).toString(), image.layers().get(i).digest()));
    }
    return layers;
  }

  private static List<Digest> chainOf(ImageStore images, ImageRecord image) {
    try {
      ImageConfig config = ImageConfig.parse(images.content().read(Digest.parse(image.config().digest())));
      return ChainId.of(config.diffIds().stream().map(Digest::parse).toList());
    } catch (BerthException e) {
      return List.of(); // a config blob missing: the store's check reports it
    }
  }

  private List<Digest> indexBlobs(ImageRecord image) {
    try {
      return IndexBlobs.of(Digest.parse(image.index()), images.content()).present();
    } catch (BerthException e) {
      return List.of(Digest.parse(image.index())); // an index that does not read: the store's check says so
    }
  }

  private long containerBytes(String key) {
    try (var files = java.nio.file.Files.walk(snapshots.upperDir(key))) {
      return files.filter(java.nio.file.Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (java.io.IOException | java.io.UncheckedIOException | BerthException e) {
      return 0;
    }
  }
}
