package dev.berth.daemon.containers;

import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** `docker top`: the host's ps output, kept to the container's processes, as dockerd does it. */
final class ProcessTable {
  private ProcessTable() {}

  static Map<String, Object> of(List<Integer> pids, String psArgs) {
    List<String> command = new ArrayList<>(List.of("ps"));
    String args = psArgs == null || psArgs.isBlank() ? "-ef" : psArgs;
    command.addAll(Arrays.asList(args.strip().split("\\s+")));
    String out;
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new InvalidArgument("ps " + args + " failed: " + out.strip());
      }
    } catch (IOException e) {
      throw new Internal("cannot run ps: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Internal("interrupted while running ps", e);
    }
    List<String> lines = out.lines().toList();
    if (lines.isEmpty()) throw new InvalidArgument("ps " + args + " printed nothing");
    List<String> titles = Arrays.asList(lines.get(0).strip().split("\\s+"));
    int pidColumn = titles.indexOf("PID");
    if (pidColumn < 0) throw new InvalidArgument("Couldn't find PID field in ps output");
    Set<Integer> wanted = Set.copyOf(pids);
    List<List<String>> processes = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      // The last column (the command) may contain spaces: split into as many fields as there are titles.
      String[] fields = line.strip().split("\\s+", titles.size());
      if (fields.length <= pidColumn) continue;
      try {
        if (wanted.contains(Integer.parseInt(fields[pidColumn]))) processes.add(Arrays.asList(fields));
      } catch (NumberFormatException e) {
        // not a process row
      }
    }
    return Map.of("Titles", titles, "Processes", processes);
  }
}
