package io.edgeauth.broker.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The merge of two revocations of one subject (tour V, V10): the same result whichever is written first, a block is
 * never replaced by what blocks nothing, the later {@code issuedBefore} wins, and every write is {@code newer} than
 * what it replaced, so a node's map, which learns the writes in any order, ends on the store's.
 */
class RevocationMergeTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static Revocation sub(long second, boolean block) {
        return new Revocation(Revocation.Kind.SUB, "dev1", T.plusSeconds(second), T.plusSeconds(second + 630),
                block ? "stolen" : "device changed", block);
    }

    @Test
    void eitherOrderEndsBlockedWithTheLaterTime() {
        for (Revocation[] pair : List.of(new Revocation[] {sub(1, true), sub(2, false)},
                new Revocation[] {sub(2, true), sub(1, false)}, new Revocation[] {sub(1, true), sub(1, false)})) {
            Revocation one = RevocationMerge.merged(RevocationMerge.merged(null, pair[0]), pair[1]);
            Revocation other = RevocationMerge.merged(RevocationMerge.merged(null, pair[1]), pair[0]);
            Instant latest = pair[0].issuedBefore().isAfter(pair[1].issuedBefore()) ? pair[0].issuedBefore()
                    : pair[1].issuedBefore();
            for (Revocation r : List.of(one, other)) {
                assertThat(r.untilLifted()).isTrue();
                assertThat(r.reason()).isEqualTo("stolen");
                assertThat(r.issuedBefore()).isAfterOrEqualTo(latest);
            }
        }
    }

    @Test
    void aBlockAfterALiftIsNewerEvenFromAClockBehind() {
        Revocation lifted = RevocationMerge.lifted(sub(5, true), T.plusSeconds(700));
        assertThat(RevocationMerge.newer(lifted, sub(5, true))).as("a lift is newer than its block").isTrue();
        Revocation again = RevocationMerge.merged(lifted, sub(4, true)); // made on a node whose clock is behind
        assertThat(again.untilLifted()).isTrue();
        assertThat(RevocationMerge.newer(again, lifted)).isTrue();
        assertThat(RevocationMerge.newer(sub(5, true), lifted)).as("the old block's late echo").isFalse();
    }

    @Test
    void aStandingBlockIsKeptByAnotherBlockOrAnOlderRevocation() {
        Revocation block = sub(5, true);
        assertThat(RevocationMerge.merged(block, sub(6, true))).isSameAs(block);
        assertThat(RevocationMerge.merged(block, sub(4, false))).isSameAs(block);
        Revocation later = sub(5, false);
        assertThat(RevocationMerge.merged(later, sub(3, false))).isSameAs(later);
        assertThat(RevocationMerge.merged(later, sub(7, false)).issuedBefore()).isEqualTo(T.plusSeconds(7));
    }
}
