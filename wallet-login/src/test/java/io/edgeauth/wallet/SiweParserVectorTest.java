package io.edgeauth.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** EIP-4361 parsing vectors from spruceid/siwe and the examples of the EIP itself. */
class SiweParserVectorTest {

    @TestFactory
    Stream<DynamicTest> parsingPositive() {
        JsonNode all = TestSupport.vectors("parsing_positive");
        assertThat(all.size()).isEqualTo(19);
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : iterable(all)) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                String text = e.getValue().get("message").asText();
                JsonNode f = e.getValue().get("fields");
                SiweMessage m = SiweParser.parse(text);
                assertThat(m.scheme()).isEqualTo(TestSupport.text(f, "scheme"));
                assertThat(m.domain()).isEqualTo(f.get("domain").asText());
                assertThat(m.address()).isEqualTo(f.get("address").asText());
                assertThat(m.statement()).isEqualTo(TestSupport.text(f, "statement"));
                assertThat(m.uri()).isEqualTo(f.get("uri").asText());
                assertThat(m.version()).isEqualTo(f.get("version").asText());
                assertThat(m.chainId()).isEqualTo(f.get("chainId").asLong());
                assertThat(m.nonce()).isEqualTo(f.get("nonce").asText());
                assertThat(m.issuedAt()).isEqualTo(f.get("issuedAt").asText());
                assertThat(m.expirationTime()).isEqualTo(TestSupport.text(f, "expirationTime"));
                assertThat(m.notBefore()).isEqualTo(TestSupport.text(f, "notBefore"));
                assertThat(m.requestId()).isEqualTo(TestSupport.text(f, "requestId"));
                List<String> resources = new ArrayList<>();
                if (f.has("resources")) {
                    f.get("resources").forEach(r -> resources.add(r.asText()));
                }
                assertThat(m.resources()).isEqualTo(resources);
                // exact text round trip, and the builder agrees with the parser
                assertThat(m.toMessageString()).isEqualTo(text);
                assertThat(TestSupport.fromFields(f).build()).isEqualTo(m);
                assertThat(TestSupport.fromFields(f).build().toMessageString()).isEqualTo(text);
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> parsingNegative() {
        JsonNode all = TestSupport.vectors("parsing_negative");
        assertThat(all.size()).isEqualTo(29);
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : iterable(all)) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                SiweException ex = catchThrowableOfType(SiweException.class, () -> SiweParser.parse(e.getValue().asText()));
                assertThat(ex).as(e.getKey()).isNotNull();
                assertThat(ex.category()).isEqualTo(SiweErrorCode.Category.MALFORMED);
                assertThat(ex.getMessage()).isNotBlank();
                assertThat(ex.code()).isEqualTo(expectedParseCode(e.getKey(), ex.code()));
            }));
        }
        return tests.stream();
    }

    /** The specific code a named negative vector must produce (where the name says which field). */
    private static SiweErrorCode expectedParseCode(String name, SiweErrorCode actual) {
        if (name.startsWith("out of order")) {
            return SiweErrorCode.MALFORMED_MESSAGE; // another field's line where this one belongs
        }
        switch (name) {
            case "missing domain":
            case "domain not RFC4501 authority":
                return SiweErrorCode.INVALID_DOMAIN;
            case "missing address":
                return SiweErrorCode.INVALID_ADDRESS;
            case "address not EIP-55":
                return SiweErrorCode.ADDRESS_NOT_CHECKSUMMED;
            case "missing uri":
            case "uri is non-RFC 3986":
                return SiweErrorCode.INVALID_URI;
            case "missing version":
            case "version not 1":
                return SiweErrorCode.UNSUPPORTED_VERSION;
            case "missing chainId":
            case "not a valid chainId":
                return SiweErrorCode.INVALID_CHAIN_ID;
            case "missing nonce":
            case "nonce with less then 8 chars":
                return SiweErrorCode.INVALID_NONCE;
            case "missing issuedAt":
            case "non-ISO 8601 issuedAt":
            case "non-ISO 8601 expirationTime":
            case "non-ISO 8601 notBefore":
                return SiweErrorCode.INVALID_TIMESTAMP;
            case "statement has line break":
                return SiweErrorCode.MALFORMED_MESSAGE;
            case "resources not separated by line break":
            case "first resource not-RFC 3986":
            case "second resource is not-RFC3986":
                return SiweErrorCode.INVALID_RESOURCE;
            default:
                throw new AssertionError("no expectation for vector " + name + " (got " + actual + ")");
        }
    }

    @TestFactory
    Stream<DynamicTest> parsingNegativeObjects() {
        JsonNode all = TestSupport.vectors("parsing_negative_objects");
        assertThat(all.size()).isEqualTo(18);
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : iterable(all)) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                SiweException ex = catchThrowableOfType(SiweException.class,
                        () -> TestSupport.fromFields(e.getValue()).build());
                assertThat(ex).as(e.getKey()).isNotNull();
                assertThat(ex.category()).isEqualTo(SiweErrorCode.Category.MALFORMED);
                if (!e.getKey().startsWith("out of order")) {
                    assertThat(ex.code()).isEqualTo(expectedParseCode(e.getKey(), ex.code()));
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> eip4361Examples() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(TestSupport.siweDir().resolve("eip4361_examples"))) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertThat(files).hasSize(3);
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            String text = TestSupport.read(p);
            SiweMessage m = SiweParser.parse(text);
            assertThat(m.toMessageString()).isEqualTo(text);
            assertThat(m.address()).isEqualTo("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2");
            assertThat(m.resources()).hasSize(2);
            String name = p.getFileName().toString();
            if (name.startsWith("02")) {
                assertThat(m.domain()).isEqualTo("example.com:3388");
            }
            if (name.startsWith("03")) {
                assertThat(m.scheme()).isEqualTo("https");
                assertThat(m.domain()).isEqualTo("example.com");
            } else {
                assertThat(m.scheme()).isNull();
            }
        }));
    }

    @org.junit.jupiter.api.Test
    void sixtyFourKibMessageIsRefusedBeforeParsing() throws Exception {
        String valid = TestSupport.read(TestSupport.siweDir().resolve("eip4361_examples/01_implicit_scheme.txt"));
        String huge = valid + "\n- https://example.com/" + "a".repeat(64 * 1024);
        assertThatThrownBy(() -> SiweParser.parse(huge))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.MESSAGE_TOO_LARGE);
                    assertThat(e.getMessage()).contains("limit is 8192");
                });
        // just under the limit still parses (the limit is on size, not on content)
        String padded = valid + "\n- https://example.com/" + "a".repeat(8192 - valid.length() - 23);
        assertThat(padded.length()).isLessThanOrEqualTo(8192);
        assertThat(SiweParser.parse(padded).resources()).hasSize(3);
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
        return n::fields;
    }
}
