package dev.berth.images.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An image in the store: its id is the digest of its config; its layers are the blobs in the order
 * the config's rootfs.diff_ids lists them.
 *
 * @param manifest the digest of the manifest it came as (kept as received), or of an OCI manifest made
 *     for it at its first save, so that every save writes the same bytes; null until then
 * @param index the digest of the image index or manifest list it came as (kept as received, this
 *     image being its entry for this platform), or null: a save writes it back when all it names is here
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageRecord(Descriptor config, List<Descriptor> layers, String manifest, String index) {
  @JsonCreator
  public ImageRecord {}

  /** An image that did not come in an index. */
  public ImageRecord(Descriptor config, List<Descriptor> layers, String manifest) {
    this(config, layers, manifest, null);
  }

  public String id() {
    return config.digest();
  }
}
