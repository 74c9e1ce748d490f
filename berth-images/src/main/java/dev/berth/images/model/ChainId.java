package dev.berth.images.model;

import dev.berth.images.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Chain IDs name a stack of layers: chain(L0) = diff(L0); chain(n) = sha256(chain(n-1) + " " + diff(n)). */
public final class ChainId {
  private ChainId() {}

  /** The chain id of every prefix of the stack, bottom first. */
  public static List<Digest> of(List<Digest> diffIds) {
    List<Digest> chain = new ArrayList<>();
    Digest current = null;
    for (Digest diff : diffIds) {
      current = current == null ? diff : Digest.sha256((current + " " + diff).getBytes(StandardCharsets.US_ASCII));
      chain.add(current);
    }
    return chain;
  }
}
