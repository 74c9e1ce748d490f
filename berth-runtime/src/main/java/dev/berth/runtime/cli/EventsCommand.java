package dev.berth.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.BerthException;
import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.cgroups.CgroupStats;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code events}: the container's cgroup counters as runc prints them, one JSON object per line
 * ({@code {"type":"stats","id":…,"data":{cpu,memory,pids,blkio}}}); once with {@code --stats},
 * otherwise every {@code --interval} until the container is gone.
 */
@Command(name = "events", description = "print a container's resource usage (once with --stats, else every --interval)")
final class EventsCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParentCommand Main main;
  @Option(names = "--stats", description = "print the statistics once and exit") boolean stats;
  @Option(names = "--interval", description = "time between statistics, e.g. 5s or 500ms (default 5s)")
  String interval = "5s";
  @Parameters(paramLabel = "ID") String id;

  @Override
  public Integer call() throws Exception {
    ContainerRuntime rt = main.runtime();
    Duration every = parseInterval(interval);
    while (true) {
      CgroupStats s;
      try {
        s = rt.stats(id);
      } catch (BerthException e) {
        if (stats) throw e;
        return 0; // the container went away: the stream ends, as runc's does
      }
      System.out.println(JSON.writeValueAsString(event(id, s)));
      System.out.flush();
      if (stats) return 0;
      Thread.sleep(every);
    }
  }

  static Duration parseInterval(String text) {
    try {
      if (text.endsWith("ms")) return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      if (text.endsWith("s")) return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
      if (text.endsWith("m")) return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidArgument("invalid --interval " + text + ": use e.g. 5s, 500ms or 1m");
  }

  static ObjectNode event(String id, CgroupStats s) {
    ObjectNode e = JSON.createObjectNode();
    e.put("type", "stats");
    e.put("id", id);
    ObjectNode data = e.putObject("data");
    ObjectNode cpu = data.putObject("cpu");
    ObjectNode usage = cpu.putObject("usage");
    ArrayNode percpu = usage.putArray("percpu");
    s.cpuPerCpuNanos().forEach(percpu::add);
    usage.put("total", s.cpuUsageNanos()).put("kernel", s.cpuSystemNanos()).put("user", s.cpuUserNanos());
    cpu.putObject("throttling").put("periods", s.cpuPeriods()).put("throttledPeriods", s.cpuThrottledPeriods())
        .put("throttledTime", s.cpuThrottledNanos());
    ObjectNode memory = data.putObject("memory");
    memory.putObject("usage").put("limit", s.memoryLimit()).put("usage", s.memoryUsage())
        .put("max", s.memoryMaxUsage()).put("failcnt", 0);
    ObjectNode raw = memory.putObject("raw");
    s.memoryStat().forEach(raw::put);
    data.putObject("pids").put("current", s.pidsCurrent()).put("limit", s.pidsLimit());
    ObjectNode blkio = data.putObject("blkio");
    ArrayNode bytes = blkio.putArray("ioServiceBytesRecursive");
    s.ioServiceBytes().forEach(b -> bytes.addObject().put("major", b.major()).put("minor", b.minor())
        .put("op", b.op()).put("value", b.value()));
    ArrayNode ios = blkio.putArray("ioServicedRecursive");
    s.ioServiced().forEach(b -> ios.addObject().put("major", b.major()).put("minor", b.minor())
        .put("op", b.op()).put("value", b.value()));
    return e;
  }
}
