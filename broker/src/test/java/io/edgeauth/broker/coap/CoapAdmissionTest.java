package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.admission.AdmissionControl;
import io.edgeauth.broker.admission.AdmissionLimits;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A token upload beyond the node's admission limit is shed with 5.03 and Max-Age before any work; then served. */
class CoapAdmissionTest {
    @TempDir
    Path dir;

    @Test
    void aTokenUploadBeyondTheLimitGets503WithMaxAgeThenIsServed() throws Exception {
        try (EdgeFixture f = new EdgeFixture(dir)) {
            AdmissionControl admission = new AdmissionControl(new AdmissionLimits(1, 4, 1000), f.meters);
            f.edge.admission(admission);
            Optional<AdmissionControl.Permit> busy = admission.tryAdmit("test"); // the node's only place, taken
            CoapClient c = f.plainClient("/authz-info");
            CoapResponse shed = c.post(f.token("dev1"), MediaTypeRegistry.APPLICATION_CWT);
            assertThat(shed.getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
            assertThat(shed.getOptions().getMaxAge()).isEqualTo(4);
            assertThat(CBORObject.DecodeFromBytes(shed.getPayload()).get(CBORObject.FromObject(CoapCodes.ACE_ERROR_DESCRIPTION))
                    .AsString()).startsWith("server_busy");
            assertThat(f.meters.get("edgeauth.admission.shed").tag("edge", "coap").counter().count()).isEqualTo(1.0);

            busy.orElseThrow().close();
            CoapResponse served = c.post(f.token("dev1"), MediaTypeRegistry.APPLICATION_CWT);
            assertThat(served.getCode()).isEqualTo(ResponseCode.CREATED);
            assertThat(admission.inFlight()).as("the upload's permit was returned").isZero();
        }
    }
}
