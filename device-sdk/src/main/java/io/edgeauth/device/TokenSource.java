package io.edgeauth.device;

import java.util.concurrent.CompletableFuture;

/** Something that fetches a fresh access token, e.g. {@link TokenClient}. Implementations must be thread-safe. */
@FunctionalInterface
public interface TokenSource {
    /** Starts fetching a fresh token; the future fails with {@link TokenRequestException} on refusal. */
    CompletableFuture<AccessToken> fetch();
}
