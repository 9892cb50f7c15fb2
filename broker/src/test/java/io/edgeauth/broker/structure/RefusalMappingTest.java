package io.edgeauth.broker.structure;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaFieldAccess;
import io.edgeauth.broker.http.HttpRefusals;
import io.edgeauth.broker.mqtt.MqttReasons;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import java.util.Set;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.Test;

/**
 * Each protocol turns refusals into its codes in exactly one class ({@link MqttReasons}, {@code coap.CoapCodes},
 * {@link HttpRefusals}): a second copy elsewhere is how two edges come to answer the same refusal differently.
 * Protocol errors that are no refusal (a malformed packet, a taken-over session) stay where they are detected.
 */
class RefusalMappingTest {
    @Test
    void onlyMqttReasonsNamesMqttRefusalCodes() {
        Set<String> refusals = Set.of("NOT_AUTHORIZED", "QUOTA_EXCEEDED", "UNSPECIFIED_ERROR", "MAXIMUM_CONNECT_TIME",
                "MESSAGE_RATE_TOO_HIGH");
        noClasses().that().doNotBelongToAnyOf(MqttReasons.class)
                .should().accessFieldWhere(constantOf(MqttReasonCodes.PubAck.class, refusals))
                .orShould().accessFieldWhere(constantOf(MqttReasonCodes.SubAck.class, refusals))
                .orShould().accessFieldWhere(constantOf(MqttReasonCodes.Disconnect.class, refusals))
                .orShould().accessFieldWhere(refusedConnack())
                .because("MQTT refusal codes are chosen in MqttReasons")
                .check(MainClasses.get());
    }

    @Test
    void onlyCoapCodesNamesCoapErrorCodes() {
        noClasses().that().doNotHaveFullyQualifiedName("io.edgeauth.broker.coap.CoapCodes")
                .should().accessFieldWhere(errorResponseCode())
                .because("CoAP refusal codes are chosen in CoapCodes")
                .check(MainClasses.get());
    }

    @Test
    void onlyHttpRefusalsReadsARefusalsReasonInTheHttpPackage() {
        noClasses().that().resideInAPackage("io.edgeauth.broker.http").and().doNotBelongToAnyOf(HttpRefusals.class)
                .should().callMethod(TokenRejectedException.class, "reason")
                .because("HTTP status and error for a refusal are chosen in HttpRefusals")
                .check(MainClasses.get());
    }

    private static DescribedPredicate<JavaFieldAccess> constantOf(Class<?> owner, Set<String> names) {
        return DescribedPredicate.describe(owner.getSimpleName() + "." + names, access ->
                access.getTarget().getOwner().isEquivalentTo(owner) && names.contains(access.getTarget().getName()));
    }

    private static DescribedPredicate<JavaFieldAccess> refusedConnack() {
        return DescribedPredicate.describe("MqttConnectReturnCode.CONNECTION_REFUSED_*", access ->
                access.getTarget().getOwner().isEquivalentTo(MqttConnectReturnCode.class)
                        && access.getTarget().getName().startsWith("CONNECTION_REFUSED_"));
    }

    private static DescribedPredicate<JavaFieldAccess> errorResponseCode() {
        return DescribedPredicate.describe("a 4.xx or 5.xx CoAP ResponseCode", access -> {
            if (!access.getTarget().getOwner().isEquivalentTo(ResponseCode.class)) {
                return false;
            }
            try {
                return ResponseCode.valueOf(access.getTarget().getName()).codeClass >= 4;
            } catch (IllegalArgumentException notAConstant) {
                return false;
            }
        });
    }
}
