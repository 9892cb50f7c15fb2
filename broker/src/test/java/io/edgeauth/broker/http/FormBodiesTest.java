package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link FormBodies#decode(String)}: what the OAuth endpoints read from a urlencoded body. */
class FormBodiesTest {
    @Test
    void decodesFormEncodingAsBrowsersAndCurlWriteIt() {
        MultiMap form = FormBodies.decode("grant_type=client_credentials&scope=a+b%2Bc&x=semi;colon&audience=one"
                + "&audience=two&empty=&caf%C3%A9=%C3%A9t%C3%A9");

        assertThat(form.get("grant_type")).isEqualTo("client_credentials");
        assertThat(form.get("scope")).isEqualTo("a b+c");
        assertThat(form.get("x")).isEqualTo("semi;colon");
        assertThat(form.getAll("audience")).containsExactly("one", "two");
        assertThat(form.get("empty")).isEmpty();
        assertThat(form.get("café")).isEqualTo("été");
    }

    /**
     * OAuth parameter names are case-sensitive (RFC 6749 §8.2, §11.2): {@code GRANT_TYPE} is an unknown parameter,
     * ignored (§3.2), never {@code grant_type}. Before, names were matched case-insensitively (this test asserted it).
     */
    @Test
    void aNameInAnotherCaseIsNotTheRegisteredParameter() {
        MultiMap form = FormBodies.decode("GRANT_TYPE=client_credentials&Client_Assertion=a&client_assertion=b");
        assertThat(form.get("grant_type")).isNull();
        assertThat(form.getAll("client_assertion")).containsExactly("b");
    }

    @Test
    void anEmptyBodyIsAnEmptyForm() {
        assertThat(FormBodies.decode("").isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a=%zz", "a=%4", "a=b#c", "a=%FF%FE", "%C3=x"})
    void whatIsNotFormEncodingIsRefusedNotGuessed(String body) {
        assertThatThrownBy(() -> FormBodies.decode(body)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFieldOver16KiBIsRefusedAndOneOf16KiBIsRead() {
        String limit = "x".repeat(FormBodies.MAX_FIELD_CHARS);
        assertThat(FormBodies.decode("a=" + limit).get("a")).hasSize(FormBodies.MAX_FIELD_CHARS);
        assertThatThrownBy(() -> FormBodies.decode("a=" + limit + "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FormBodies.decode(limit + "x=1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tooManyFieldsAreRefusedNotCutShort() {
        String fields = "a=1" + "&a=1".repeat(255);
        assertThat(FormBodies.decode(fields).getAll("a")).hasSize(256);
        assertThatThrownBy(() -> FormBodies.decode(fields + "&b=2")).isInstanceOf(IllegalArgumentException.class);
    }
}
