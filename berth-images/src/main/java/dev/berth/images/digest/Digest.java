package dev.berth.images.digest;

import dev.berth.common.error.InvalidArgument;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content address, {@code algorithm:hex}, as the OCI image spec defines it. sha256 is what Berth
 * writes; sha512 is accepted on input.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {
  private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

  public Digest {
    Pattern p =
        switch (algorithm) {
          case "sha256" -> SHA256;
          case "sha512" -> SHA512;
          default -> throw new InvalidArgument("unsupported digest algorithm: " + algorithm);
        };
    if (!p.matcher(hex).matches()) {
      throw new InvalidArgument("invalid " + algorithm + " digest: " + hex);
    }
  }

  public static Digest parse(String text) {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new InvalidArgument("invalid digest (want algorithm:hex): " + text);
    }
    return new Digest(text.substring(0, colon), text.substring(colon + 1));
  }

  public static Digest sha256(byte[] content) {
    return new Digest("sha256", HexFormat.of().formatHex(newDigester("sha256").digest(content)));
  }

  public static Digest of(String algorithm, byte[] rawDigest) {
    return new Digest(algorithm, HexFormat.of().formatHex(rawDigest));
  }

  /** A fresh MessageDigest for {@code algorithm} ("sha256" or "sha512"). */
  public static MessageDigest newDigester(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha512") ? "SHA-512" : "SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The 12-character short form Docker prints. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }

  @Override
  public int compareTo(Digest o) {
    return toString().compareTo(o.toString());
  }
}
