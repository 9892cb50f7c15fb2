package io.edgeauth.broker.token;

/**
 * A token the broker signed is larger than {@code tokens.maxTokenBytes}, so its own verifiers would refuse it: a
 * configuration error (the limit is below what the tenant's algorithm and claims produce), answered as a server
 * error naming the setting rather than handing out a token no device can use.
 */
public final class TokenTooLargeException extends IllegalStateException {
    public TokenTooLargeException(TokenFormat format, int bytes, int max) {
        super("the " + format + " token issued is " + bytes + " bytes, over tokens.maxTokenBytes (" + max
                + "), which every edge would refuse it for: raise tokens.maxTokenBytes");
    }

    /** This exception among {@code failure} and its causes, or null. */
    public static TokenTooLargeException in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TokenTooLargeException e) {
                return e;
            }
        }
        return null;
    }
}
