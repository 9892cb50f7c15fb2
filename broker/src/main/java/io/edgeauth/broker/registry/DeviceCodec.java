package io.edgeauth.broker.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A device record as the store keeps it: JSON, unknown fields ignored (a newer build's record still reads). */
final class DeviceCodec {
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private DeviceCodec() {
    }

    static byte[] encode(Device d) {
        try {
            return JSON.writeValueAsBytes(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Device decode(byte[] bytes) {
        try {
            return JSON.readValue(bytes, Device.class);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt device record in the store", e);
        }
    }
}
