package io.edgeauth.broker.keys;

import java.util.regex.Pattern;

/** Rules for key ids and tenant ids that end up in file names. Stateless. */
final class KeyIds {
    /** A kid we accept from configuration: printable, no path separators, bounded. */
    private static final Pattern CONFIG_KID = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");
    /** A kid we generate: an RFC 7638 SHA-256 thumbprint, 43 base64url characters. */
    private static final Pattern THUMBPRINT = Pattern.compile("[A-Za-z0-9_-]{43}");
    /** A tenant id: becomes a directory name, so no dots at the start and no separators. */
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private KeyIds() {
    }

    static String requireValid(String kid) {
        if (kid == null || !CONFIG_KID.matcher(kid).matches()) {
            throw new IllegalArgumentException("invalid kid: must match " + CONFIG_KID);
        }
        return kid;
    }

    static boolean isThumbprint(String kid) {
        return kid != null && THUMBPRINT.matcher(kid).matches();
    }

    static String requireTenant(String tenantId) {
        if (tenantId == null || !TENANT.matcher(tenantId).matches()) {
            throw new IllegalArgumentException("invalid tenant id: must match " + TENANT);
        }
        return tenantId;
    }
}
