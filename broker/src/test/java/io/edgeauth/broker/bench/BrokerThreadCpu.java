package io.edgeauth.broker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A process's CPU time by thread group, from {@code /proc/PID/task/TID/stat} (proc(5)): the thread's name with
 * its digits dropped (Linux keeps 15 characters), so {@code vert.x-eventloo}, {@code edgeauth-http-w},
 * {@code C2 CompilerThre}, {@code GC Thread#} each sum their threads. Threads that ended in between are lost,
 * so the groups may sum to less than the process total.
 */
final class BrokerThreadCpu {
    private BrokerThreadCpu() {
    }

    /** Clock ticks (utime + stime) per thread group now; empty when /proc cannot be read. */
    static Map<String, Long> ticksByGroup(long pid) {
        Map<String, Long> groups = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("\\d+", "");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    groups.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            });
        } catch (IOException e) {
            return groups;
        }
        return groups;
    }

    /** "group:µs,group:µs" of the groups that used at least 1% of the total between the two readings, per device. */
    static String perDevice(Map<String, Long> before, Map<String, Long> after, int devices) {
        long total = after.entrySet().stream().mapToLong(e -> e.getValue() - before.getOrDefault(e.getKey(), 0L)).sum();
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() * 100 >= total && e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey().replace(' ', '_') + ":" + Math.round(e.getValue() * 10_000.0 / devices))
                .collect(Collectors.joining(","));
    }
}
