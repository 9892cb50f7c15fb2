package io.edgeauth.broker.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * Every {@code double} setting: a finite decimal number, from YAML or from an environment variable's text. Jackson
 * would take "NaN" and "Infinity" (and YAML's .nan/.inf), which a rate limiter reads as no limit at all.
 */
final class FiniteDoubleDeserializer extends StdScalarDeserializer<Double> {
    static final String EXPECTED = "expected a finite number such as 10 or 2.5";
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d{1,3})?");

    FiniteDoubleDeserializer(Class<Double> type) {
        super(type);
    }

    @Override
    public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        double v;
        switch (p.currentToken()) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> v = p.getDoubleValue();
            case VALUE_STRING -> {
                String text = p.getText().trim();
                if (!DECIMAL.matcher(text).matches()) {
                    throw JsonMappingException.from(p, EXPECTED);
                }
                v = Double.parseDouble(text);
            }
            default -> throw JsonMappingException.from(p, EXPECTED);
        }
        if (!Double.isFinite(v)) {
            throw JsonMappingException.from(p, EXPECTED + " (NaN and infinities are refused)");
        }
        return v;
    }
}
