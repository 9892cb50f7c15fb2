package io.edgeauth.broker.cluster;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.store.StoreUnavailableException;
import io.edgeauth.broker.token.VerifiedToken;
import java.util.Optional;

/**
 * What new authentications do while the shared store is out ({@code store.onOutage}): the revocation
 * check they go through refuses ({@code fail-closed}: this node cannot know what other nodes revoked
 * meanwhile), or answers from this node's last known revocations ({@code fail-open-revocations}: a
 * token revoked on another node during the outage is admitted here until Redis returns). Live
 * sessions are not re-checked by an outage, so they continue either way. The embedded store is out
 * when its file system refuses writes (disk full, read-only, I/O error) until it is reopened: under
 * {@code fail-closed} new authentications are refused then too ("unavailable, retry": MQTT 0x88, CoAP
 * 5.03, HTTP 503), since the replay guards they write to cannot record anything.
 */
public final class OutagePolicy {
    private OutagePolicy() {
    }

    /** The checker for new authentications under {@code policy} ({@code fail-closed} or {@code fail-open-revocations}). */
    public static RevocationChecker forNewAuthentications(RevocationChecker revocations, Store store, String policy) {
        if (policy.equals("fail-open-revocations")) {
            return revocations;
        }
        return new RevocationChecker() {
            @Override
            public Optional<RejectionReason> check(VerifiedToken token) {
                Optional<String> outage = store.unavailableReason();
                if (outage.isPresent()) {
                    throw new StoreUnavailableException("refused while the store is out: " + outage.get(), null);
                }
                return revocations.check(token);
            }
        };
    }
}
