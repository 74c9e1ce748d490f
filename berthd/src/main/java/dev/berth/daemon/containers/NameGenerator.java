package dev.berth.daemon.containers;

import java.security.SecureRandom;
import java.util.List;

/** Docker-style names for containers created without one: adjective_surname. */
final class NameGenerator {
  private static final List<String> LEFT = List.of("admiring", "bold", "brave", "calm", "clever", "eager",
      "elegant", "festive", "focused", "gallant", "happy", "jolly", "keen", "kind", "lucid", "modest", "nifty",
      "quirky", "serene", "sharp", "stoic", "tender", "upbeat", "vibrant", "wizardly", "zealous");
  private static final List<String> RIGHT = List.of("babbage", "curie", "darwin", "einstein", "euler", "faraday",
      "galileo", "hopper", "hypatia", "kepler", "lamport", "lovelace", "mccarthy", "meitner", "noether", "pascal",
      "ritchie", "shannon", "thompson", "torvalds", "turing", "wozniak");
  private static final SecureRandom RANDOM = new SecureRandom();

  private NameGenerator() {}

  static String next(int attempt) {
    String name = LEFT.get(RANDOM.nextInt(LEFT.size())) + "_" + RIGHT.get(RANDOM.nextInt(RIGHT.size()));
    return "/" + (attempt > 0 ? name + RANDOM.nextInt(10) : name);
  }
}
