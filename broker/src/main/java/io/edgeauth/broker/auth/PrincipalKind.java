package io.edgeauth.broker.auth;

/**
 * What kind of principal a session belongs to, decided once by the {@link AuthPipeline} from the registry and
 * the subject's grammar, never from a prefix alone: a device is a registered device id (the registry refuses ids
 * in the DID namespace), a wallet a {@code did:pkh:eip155:<chain>:<address>} DID that is no registered device, a
 * service a registered service client (whose id no device and no DID may share).
 * What a session may do follows from its kind (a device its own topics, a wallet its owned devices' topics).
 */
public enum PrincipalKind {
    /** A registered device: publishes {@code d/{id}/up/#}, subscribes {@code d/{id}/down/#}. */
    DEVICE,
    /** An Ethereum wallet (Sign-In with Ethereum): the owner of the devices the registry says it owns. */
    WALLET,
    /**
     * A backend application an operator registered ({@code /admin/services}): exactly its token's topic grants, which
     * its registration must still cover; its own id as its only client id; never a device's topics by contract.
     */
    SERVICE
}
