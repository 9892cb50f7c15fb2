package io.edgeauth.broker.admin;

import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Whose key a {@code kid} is, for an operator's key revocation ({@code POST /admin/revocations {"kid", "iss"}},
 * docs/revocation.md): one of the broker's own tenants' (a signing key, active or retired, or a tenant's shared
 * HS256 secret), which the broker retires itself by rotation, or a trusted outside issuer's
 * ({@code tokens.trustedIssuers}), which it cannot retire. Immutable.
 *
 * @param ownIssuers     the issuers of the broker's tenants
 * @param trustedIssuers the trusted outside issuers
 * @param ownKey         whether the tenant of that issuer holds a key with that kid
 */
public record KeyOwners(Set<String> ownIssuers, Set<String> trustedIssuers, BiPredicate<String, String> ownKey) {
    /** No issuer at all (an admin API wired without a token authority, in tests). */
    public static final KeyOwners NONE = new KeyOwners(Set.of(), Set.of(), (issuer, kid) -> false);

    public KeyOwners {
        ownIssuers = Set.copyOf(ownIssuers);
        trustedIssuers = Set.copyOf(trustedIssuers);
    }

    /** The broker's own tenant issuers whose keys include that kid, sorted. */
    public List<String> ownIssuersOf(String kid) {
        return ownIssuers.stream().filter(issuer -> ownKey.test(issuer, kid)).sorted().toList();
    }

    /** Whether the issuer is one of the broker's tenants'. */
    public boolean own(String issuer) {
        return ownIssuers.contains(issuer);
    }

    /** Whether the issuer is a trusted outside issuer (and none of the broker's tenants'). */
    public boolean outside(String issuer) {
        return trustedIssuers.contains(issuer) && !own(issuer);
    }
}
