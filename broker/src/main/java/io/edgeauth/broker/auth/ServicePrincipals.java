package io.edgeauth.broker.auth;

import java.util.Optional;

/**
 * The registered service principals, as the {@link AuthPipeline} sees them: a token's subject names a service
 * when this directory knows it (by registration, never by the spelling of the id). Answered from memory, never
 * by I/O: the pipeline asks for every subject, devices included, on event loops.
 */
@FunctionalInterface
public interface ServicePrincipals {
    /** No service principals at all. */
    ServicePrincipals NONE = id -> Optional.empty();

    /** The registered service with this id, or empty when none has it (as far as this node knows yet). */
    Optional<? extends Service> principal(String id);

    /** What the pipeline needs of a registered service. */
    interface Service {
        /** The tenant the service belongs to. */
        String tenant();

        /**
         * Whether the service's current grants cover one topic scope entry of its token ({@code pub:<filter>},
         * {@code sub:<filter>} or {@code pubsub:<filter>}): a token outliving a narrowed grant stops connecting.
         */
        boolean grantsScope(String scopeEntry);

        /** The rate plan its sessions publish under, or null for the pipeline's default plan. */
        String ratePlan();
    }
}
