package io.edgeauth.broker.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The mirror's listing beside a writer that never pauses (no HTTP between the pages, so the pages and the writes
 * interleave closely): a record present for the whole walk is listed once, also while it is replaced in place
 * (another rate plan, another owner) and while records around it come and go. A replace that took the old record out
 * before putting the new one in (as the mirror did before the listing) makes the walk miss replaced records here.
 */
class DeviceMirrorListingTest {
    private static final String OWNER = "did:pkh:eip155:1:0x52908400098527886E0F7030069857D2E4169EE7";

    private static Device device(String id, String tenant, String plan, String owner) {
        return new Device(id, tenant, new Device.Credential(Device.CredentialType.X5T_S256, "x".repeat(43)), List.of(),
                plan, owner, Instant.EPOCH);
    }

    private static List<String> walk(DeviceMirror mirror, String tenant, String owner, int limit) {
        List<String> ids = new ArrayList<>();
        String after = null;
        do {
            DevicePage page = mirror.page(tenant, owner, after, limit);
            page.devices().forEach(d -> ids.add(d.id()));
            after = page.next();
        } while (after != null);
        return ids;
    }

    @Test
    void aRecordPresentForTheWholeWalkIsListedOnceWhileItAndItsNeighboursChange() throws Exception {
        DeviceMirror mirror = new DeviceMirror();
        List<String> stable = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            String id = String.format("m-%06d", i * 3);
            stable.add(id);
            mirror.replace(device(id, "default", null, OWNER));
        }
        AtomicBoolean walking = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            Random random = new Random(3);
            while (walking.get()) { // DeviceRegistry serializes the writes: one writer
                String kept = stable.get(random.nextInt(stable.size()));
                mirror.replace(device(kept, "default", random.nextBoolean() ? "gold" : null, OWNER));
                String other = String.format("m-%06d", random.nextInt(15_000) * 3 + 1);
                Device d = mirror.get(other);
                if (d == null) {
                    mirror.replace(device(other, random.nextBoolean() ? "default" : "acme", null, OWNER));
                } else {
                    mirror.remove(d);
                }
            }
        }, "mirror-writer");
        writer.start();
        try {
            for (int round = 0; round < 30; round++) {
                for (String[] filter : new String[][] {{null, null}, {"default", null}, {null, OWNER}}) {
                    List<String> ids = walk(mirror, filter[0], filter[1], 1 + round % 50);
                    assertThat(ids).as("round %d, filter %s/%s", round, filter[0], filter[1]).isSorted()
                            .doesNotHaveDuplicates();
                    Set<String> seen = new HashSet<>(ids);
                    assertThat(stable).as("round %d, filter %s/%s", round, filter[0], filter[1])
                            .allMatch(seen::contains);
                }
            }
        } finally {
            walking.set(false);
            writer.join();
        }
    }

    @Test
    void aRecordMovedToAnotherTenantOrOwnerLeavesTheirIndexes() {
        DeviceMirror mirror = new DeviceMirror();
        mirror.replace(device("a", "default", null, OWNER));
        mirror.replace(device("b", "default", null, null));
        mirror.replace(device("a", "acme", null, null));
        assertThat(mirror.page("default", null, null, 10).devices()).extracting(Device::id).containsExactly("b");
        assertThat(mirror.page("acme", null, null, 10).devices()).extracting(Device::id).containsExactly("a");
        assertThat(mirror.page(null, OWNER, null, 10).devices()).isEmpty();
        assertThat(mirror.owners()).isZero();
        DevicePage first = mirror.page(null, null, null, 1);
        assertThat(first.devices()).extracting(Device::id).containsExactly("a");
        assertThat(first.next()).isEqualTo("a");
        assertThat(mirror.page(null, null, "a", 1).next()).as("the last page").isNull();
        mirror.remove(mirror.get("a"));
        assertThat(mirror.page("acme", null, null, 10).devices()).isEmpty();
        mirror.clear();
        assertThat(mirror.page(null, null, null, 10).devices()).isEmpty();
    }
}
