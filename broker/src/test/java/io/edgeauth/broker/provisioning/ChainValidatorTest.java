package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A fleet CA's own constraints bind the chains it anchors. PKIX takes a trust anchor's certificate for its key and
 * name only: the JDK checks neither its {@code pathLenConstraint} nor its name constraints, so a CA limited to
 * issuing device certificates ({@code pathlen:0}) still anchored a sub-CA it signed by mistake, and that sub-CA
 * could mint any number of devices.
 */
class ChainValidatorTest {

    private static FleetCa trusted(FleetPki pki) {
        return new FleetCa("c", "default", pki.caCertificate(), List.of(), DeviceIdRule.parse("subject-cn"), "default");
    }

    @Test
    void aPathLengthZeroCaAnchorsItsOwnDevicesOnlyNotASubCasOnes() throws Exception {
        FleetPki root = FleetPki.withPathLength("pl0 fleet CA", 0);
        FleetPki sub = root.intermediate("pl0 sub CA");
        assertThatCode(() -> ChainValidator.validate(List.of(root.device("pl0-1").cert()), trusted(root), Instant.now()))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> ChainValidator.validate(List.of(sub.device("pl0-2").cert(), sub.caCertificate()),
                trusted(root), Instant.now()))
                .isInstanceOf(TokenRejectedException.class)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((TokenRejectedException) e).reason())
                        .isEqualTo(RejectionReason.FORBIDDEN))
                .hasMessageContaining("path length");
    }

    @Test
    void aPathLengthOneCaAnchorsOneSubCaButNotTwo() throws Exception {
        FleetPki root = FleetPki.withPathLength("pl1 fleet CA", 1);
        FleetPki sub = root.intermediate("pl1 sub CA");
        FleetPki subSub = sub.intermediate("pl1 sub-sub CA");
        assertThatCode(() -> ChainValidator.validate(List.of(sub.device("pl1-1").cert(), sub.caCertificate()),
                trusted(root), Instant.now())).doesNotThrowAnyException();
        assertThatThrownBy(() -> ChainValidator.validate(List.of(subSub.device("pl1-2").cert(), subSub.caCertificate(),
                sub.caCertificate()), trusted(root), Instant.now())).isInstanceOf(TokenRejectedException.class);
    }

    @Test
    void aCaWithNameConstraintsAnchorsOnlyTheNamesItPermits() throws Exception {
        FleetPki root = FleetPki.withPermittedSubtree("nc fleet CA", "O=acme");
        FleetPki.Issued outside = root.device("nc-1");
        assertThatThrownBy(() -> ChainValidator.validate(List.of(outside.cert()), trusted(root), Instant.now()))
                .isInstanceOf(TokenRejectedException.class).hasMessageContaining("name constraints");
        FleetPki sub = root.intermediate("nc sub CA");
        assertThatThrownBy(() -> ChainValidator.validate(List.of(sub.deviceNamed("O=acme,CN=nc-3").cert(),
                sub.caCertificate()), trusted(root), Instant.now())).as("a sub-CA named outside them")
                .isInstanceOf(TokenRejectedException.class).hasMessageContaining("name constraints");
        assertThatCode(() -> ChainValidator.validate(List.of(root.deviceNamed("O=acme,CN=nc-2").cert()), trusted(root),
                Instant.now())).as("a name inside the permitted subtree").doesNotThrowAnyException();
    }

    /**
     * Tour X, X1: under deviceIdFrom subject-cn (the default) a fleet CA's DNS and URI name constraints bounded nothing:
     * RFC 5280 applies them to SAN entries only, and the id is the CN. The CN is now checked as a dNSName when the CA
     * has dNSName subtrees (as browsers do for a certificate without SAN); a CA that constrains URIs but no dNSName
     * cannot bound a CN-named id and its devices are refused so.
     */
    @Test
    void aCnNamedDeviceIdIsBoundByTheCasDnsNameConstraints() throws Exception {
        FleetPki dns = FleetPki.withPermittedNames("ncdns fleet CA", 2, ".nc.example");
        assertThatThrownBy(() -> ChainValidator.validate(List.of(dns.device("ncvictim1").cert()), trusted(dns),
                Instant.now())).as("a CN outside the permitted DNS subtree").isInstanceOf(TokenRejectedException.class)
                .hasMessageContaining("name constraints");
        assertThatCode(() -> ChainValidator.validate(List.of(dns.device("a.nc.example").cert()), trusted(dns),
                Instant.now())).as("a CN inside it").doesNotThrowAnyException();
        FleetPki uri = FleetPki.withPermittedNames("ncuri fleet CA", 6, ".nc.example");
        assertThatThrownBy(() -> ChainValidator.validate(List.of(uri.device("a.nc.example").cert()), trusted(uri),
                Instant.now())).as("URI constraints bound no CN").isInstanceOf(TokenRejectedException.class)
                .hasMessageContaining("san-uri");
        FleetCa byUri = new FleetCa("u", "default", uri.caCertificate(), List.of(), DeviceIdRule.parse("san-uri"),
                "default");
        assertThatCode(() -> ChainValidator.validate(List.of(uri.device("not-a-uri").cert()), byUri, Instant.now()))
                .as("the CN is no id under san-uri (its SAN is checked as before)").doesNotThrowAnyException();
    }
}
