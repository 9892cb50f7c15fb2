package io.edgeauth.simulator.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one run (or a merge of shard runs) produced: the JSON file the report renders. Counts are exact
 * and add up across shards; latency histograms are kept whole (HdrHistogram, compressed, base64) so a
 * merge is exact too; the per-second series is for the charts.
 *
 * @param format     {@value #FORMAT}
 * @param parameters the run's settings, as given
 * @param shards     the shards this result covers ({@code i/n} each)
 * @param startedAt  ISO instant of the first shard's start
 * @param elapsedSeconds the longest shard's run time
 * @param totals     counters (see {@link Totals})
 * @param failures   reason to count: everything that went wrong (honest devices refused, lost messages, chaos devices accepted)
 * @param chaos      chaos kind to its tally
 * @param stages     stage name to latency statistics (ms)
 * @param series     one point per second
 * @param broker     the broker's {@code /metrics} sampled during the run
 * @param verdict    passed or not, and why
 */
public record RunResult(String format, Map<String, Object> parameters, List<String> shards, String startedAt,
        double elapsedSeconds, Totals totals, Map<String, Long> failures, Map<String, ChaosTally> chaos,
        Map<String, StageStats> stages, List<SecondPoint> series, List<BrokerSample> broker, Verdict verdict) {

    public static final String FORMAT = "edgeauth-simulator-run/1";
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * @param devices           distinct fleet devices this result covers
     * @param sessions          sessions started (each device runs one per cycle)
     * @param honestAccepted    honest sessions that connected
     * @param honestCompleted   honest sessions that published everything and disconnected cleanly
     * @param published         QoS 1 messages sent (MQTT: handed to the connection; one the simulator refuses before
     *                          sending, e.g. over the broker's Maximum Packet Size, is only under its failure; CoAP:
     *                          confirmable POSTs that left the device, not one whose DTLS handshake failed)
     * @param acked             PUBACK success (CoAP: 2.04)
     * @param delivered         distinct messages the observer received (-1: no observer)
     * @param duplicates        messages the observer received more than once
     * @param chaosDevices      chaos sessions started
     * @param chaosRefused      chaos sessions refused with their expected reason
     * @param revokedLive       live sessions revoked by the revocation wave
     * @param peakActive        most sessions open at once (summed over shards)
     * @param renewals          tokens renewed on a live session
     * @param commandsSent      commands published to CoAP devices (acknowledged by the broker)
     * @param commandsReceived  of those, the ones that reached their device as an Observe notification
     * @param restartDropped    held sessions that lost their broker (restart scenario)
     * @param restartBack       of those, the ones that were authorized again and got a message through
     * @param foreignMessages   messages the observer received from another run on the same broker (not counted as
     *                          deliveries or duplicates)
     * @param busyRetries       CONNECTs the broker shed as busy (0x89 / 3.1.1 0x03) that the devices rode out by retrying
     */
    public record Totals(long devices, long sessions, long honestAccepted, long honestCompleted, long published, long acked,
            long delivered, long duplicates, long chaosDevices, long chaosRefused, long revokedLive, long peakActive,
            long renewals, long commandsSent, long commandsReceived, long restartDropped, long restartBack,
            long foreignMessages, long busyRetries) {
    }

    /** One chaos kind: what refusal it expects, how often it got it, and what happened otherwise. */
    public record ChaosTally(String expected, long started, long refusedAsExpected, Map<String, Long> otherOutcomes) {
    }

    /** Latency of a stage in milliseconds, with its histogram (microseconds) for exact merges. */
    public record StageStats(long count, double mean, double p50, double p90, double p99, double p999, double max,
            String histogram) {
    }

    /**
     * @param t          seconds since the start
     * @param started    sessions started in this second
     * @param connected  honest CONNACKs in this second
     * @param acked      PUBACKs in this second
     * @param delivered  observer deliveries in this second
     * @param active     sessions open at the end of the second
     * @param behind     sessions due by the schedule but not started (concurrency full)
     * @param errors     failures by reason in this second
     * @param p50        stage to p50 (ms) in this second
     * @param p99        stage to p99 (ms) in this second
     */
    public record SecondPoint(long t, long started, long connected, long acked, long delivered, long active, long behind,
            Map<String, Long> errors, Map<String, Double> p50, Map<String, Double> p99) {
    }

    /** Broker metrics at {@code t} seconds: metric name (labels summed) to value. */
    public record BrokerSample(double t, Map<String, Double> values) {
    }

    /** {@code ok} when every honest device was accepted, every chaos device refused as expected and nothing lost. */
    public record Verdict(boolean ok, List<String> problems) {
    }

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), this);
    }

    public static RunResult read(Path file) throws IOException {
        RunResult r = JSON.readValue(file.toFile(), RunResult.class);
        if (!FORMAT.equals(r.format())) {
            throw new IOException(file + " is not a simulator run result (format " + r.format() + ")");
        }
        return r;
    }
}
