package io.edgeauth.simulator.report;

import io.edgeauth.simulator.fleet.Shard;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import org.HdrHistogram.Histogram;

/**
 * Combines the results of the shards of one fleet into one result: counts and failures add up, latency
 * histograms are added (so percentiles of the merge are those of one run over the same sessions), the
 * per-second series are added second by second (their per-second percentiles are the shards' worst,
 * an upper bound), and the shards must not overlap. A merge that lacks a shard of the fleet (or mixes
 * shards of different splits) fails its verdict, naming what is missing: half a fleet is not the fleet. Results of
 * different fleets ({@link FleetIdentity}) are refused.
 */
public final class ResultMerger {
    private ResultMerger() {
    }

    public static RunResult merge(List<RunResult> results) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge");
        }
        List<String> shards = new ArrayList<>();
        for (RunResult r : results) {
            for (String s : r.shards()) {
                if (shards.contains(s)) {
                    throw new IllegalArgumentException("shard " + s + " appears twice: the results overlap");
                }
                shards.add(s);
            }
        }
        String mismatch = FleetIdentity.mismatch(results);
        if (mismatch != null) {
            throw new IllegalArgumentException(mismatch);
        }
        RunResult first = results.get(0);
        Map<String, Object> parameters = new LinkedHashMap<>(first.parameters());
        parameters.put("shard", String.join(",", shards));
        RunResult.Totals t = first.totals();
        Map<String, Long> failures = new TreeMap<>(first.failures());
        Map<String, RunResult.ChaosTally> chaos = new TreeMap<>(first.chaos());
        Map<String, Histogram> stages = new LinkedHashMap<>();
        first.stages().forEach((k, v) -> stages.put(k, Histograms.decode(v.histogram())));
        double elapsed = first.elapsedSeconds();
        String startedAt = first.startedAt();
        for (RunResult r : results.subList(1, results.size())) {
            t = add(t, r.totals());
            r.failures().forEach((k, v) -> failures.merge(k, v, Long::sum));
            r.chaos().forEach((k, v) -> chaos.merge(k, v, ResultMerger::add));
            r.stages().forEach((k, v) -> stages.computeIfAbsent(k, x -> Histograms.empty()).add(Histograms.decode(v.histogram())));
            elapsed = Math.max(elapsed, r.elapsedSeconds());
            startedAt = startedAt.compareTo(r.startedAt()) <= 0 ? startedAt : r.startedAt();
        }
        Map<String, RunResult.StageStats> stats = new LinkedHashMap<>();
        stages.forEach((k, h) -> stats.put(k, Histograms.stats(h)));
        List<RunResult.BrokerSample> broker = first.broker();
        for (RunResult r : results) {
            if (r.broker().size() > broker.size()) {
                broker = r.broker(); // every shard scraped the same broker: keep the fullest record
            }
        }
        RunResult merged = new RunResult(RunResult.FORMAT, parameters, shards, startedAt, elapsed, t, failures, chaos, stats,
                series(results.stream().map(RunResult::series).toList()), broker, null);
        // the fleet's size too: shards that each ran what they planned still fall short when one was cut
        return withCoverage(Verdicts.withVerdict(merged, FleetIdentity.devices(first)));
    }

    /** The merge's verdict, failed as well when its shards are not exactly {@code 0/n .. (n-1)/n}. */
    private static RunResult withCoverage(RunResult r) {
        List<String> problems = new ArrayList<>(r.verdict().problems());
        problems.addAll(coverageProblems(r.shards()));
        return new RunResult(r.format(), r.parameters(), r.shards(), r.startedAt(), r.elapsedSeconds(), r.totals(), r.failures(),
                r.chaos(), r.stages(), r.series(), r.broker(), new RunResult.Verdict(problems.isEmpty(), List.copyOf(problems)));
    }

    static List<String> coverageProblems(List<String> shards) {
        List<Shard> parsed = shards.stream().map(Shard::parse).toList();
        if (parsed.isEmpty()) {
            return List.of("the results name no shard: their coverage of the fleet is unknown");
        }
        if (parsed.stream().map(Shard::count).distinct().count() > 1) {
            return List.of("shards of different splits cannot make one fleet: " + String.join(", ", shards));
        }
        int n = parsed.get(0).count();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!parsed.contains(new Shard(i, n))) {
                missing.add(new Shard(i, n).toString());
            }
        }
        return missing.isEmpty() ? List.of() : List.of("shards missing: " + String.join(", ", missing));
    }

    static RunResult.Totals add(RunResult.Totals a, RunResult.Totals b) {
        return new RunResult.Totals(a.devices() + b.devices(), a.sessions() + b.sessions(), a.honestAccepted() + b.honestAccepted(),
                a.honestCompleted() + b.honestCompleted(), a.published() + b.published(), a.acked() + b.acked(),
                a.delivered() < 0 || b.delivered() < 0 ? -1 : a.delivered() + b.delivered(), a.duplicates() + b.duplicates(),
                a.chaosDevices() + b.chaosDevices(), a.chaosRefused() + b.chaosRefused(), a.revokedLive() + b.revokedLive(),
                a.peakActive() + b.peakActive(), a.renewals() + b.renewals(), a.commandsSent() + b.commandsSent(),
                a.commandsReceived() + b.commandsReceived(), a.restartDropped() + b.restartDropped(),
                a.restartBack() + b.restartBack(), a.foreignMessages() + b.foreignMessages(),
                a.busyRetries() + b.busyRetries());
    }

    static RunResult.ChaosTally add(RunResult.ChaosTally a, RunResult.ChaosTally b) {
        Map<String, Long> other = new TreeMap<>(a.otherOutcomes());
        b.otherOutcomes().forEach((k, v) -> other.merge(k, v, Long::sum));
        return new RunResult.ChaosTally(a.expected(), a.started() + b.started(), a.refusedAsExpected() + b.refusedAsExpected(), other);
    }

    static List<RunResult.SecondPoint> series(Collection<List<RunResult.SecondPoint>> all) {
        Map<Long, RunResult.SecondPoint> byT = new TreeMap<>();
        for (List<RunResult.SecondPoint> s : all) {
            for (RunResult.SecondPoint p : s) {
                byT.merge(p.t(), p, ResultMerger::add);
            }
        }
        return List.copyOf(byT.values());
    }

    static RunResult.SecondPoint add(RunResult.SecondPoint a, RunResult.SecondPoint b) {
        return new RunResult.SecondPoint(a.t(), a.started() + b.started(), a.connected() + b.connected(), a.acked() + b.acked(),
                a.delivered() + b.delivered(), a.active() + b.active(), a.behind() + b.behind(),
                mergeMaps(a.errors(), b.errors(), Long::sum), mergeMaps(a.p50(), b.p50(), Math::max),
                mergeMaps(a.p99(), b.p99(), Math::max));
    }

    private static <V> Map<String, V> mergeMaps(Map<String, V> a, Map<String, V> b, BinaryOperator<V> op) {
        Map<String, V> m = new TreeMap<>(a);
        b.forEach((k, v) -> m.merge(k, v, op));
        return m;
    }
}
