package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every CLI command that sends the admin credential refuses, before any connection, a plain {@code http:} URL to a
 * host that is not loopback (unless {@code --insecure-http}) and a URL with user-info (tour AA, AA4: the bearer went in
 * clear to any host, and {@code http://user:$ADMIN@host} worked silently).
 */
class AdminUrlCliTest {
    @TempDir
    Path dir;

    private String[][] commands() throws Exception {
        Path file = Files.writeString(dir.resolve("fleet.ndjson"), "{\"id\":\"x\"}\n");
        return new String[][] {{"keys", "rotate"}, {"devices", "import", file.toString()}, {"devices", "list"}};
    }

    private static String[] with(String[] command, String... more) {
        String[] all = java.util.Arrays.copyOf(command, command.length + more.length);
        System.arraycopy(more, 0, all, command.length, more.length);
        return all;
    }

    @Test
    void plainHttpToAnotherHostIsRefusedUnlessInsecureHttpIsGiven() throws Exception {
        for (String[] command : commands()) {
            String name = String.join(" ", command);
            BrokerCliTest.Result r = BrokerCliTest.run(with(command, "--url", "http://example.invalid:26080",
                    "--admin-credential", "ea_admin_secret"));
            assertThat(r.exit()).as(name).isEqualTo(2);
            assertThat(r.err()).as(name).startsWith("edgeauth: --url http://example.invalid:26080 is plain http")
                    .contains("Use https").contains("--insecure-http").doesNotContain("ea_admin_secret");

            BrokerCliTest.Result knowingly = BrokerCliTest.run(with(command, "--url", "http://example.invalid:26080",
                    "--admin-credential", "ea_admin_secret", "--insecure-http"));
            assertThat(knowingly.exit()).as(name).isEqualTo(2);
            assertThat(knowingly.err()).as(name + ": tried, and found no broker").doesNotContain("--insecure-http")
                    .contains("example.invalid");
        }
    }

    /**
     * Tour AD, AD5: a host name java.net.URI does not take as a server name (an underscore: {@code edge_broker}, as
     * Docker Compose names services; a percent-encoded one) has no {@code getHost()}, and such a URL passed the check
     * as if it were not http, so the bearer went in clear to it without {@code --insecure-http}.
     */
    @Test
    void aHostJavaDoesNotParseIsNoWayAroundTheRefusal() throws Exception {
        for (String url : new String[] {"http://edge_broker.invalid:26080", "http://%65dge.invalid:26080",
            "HTTP://edge_broker.invalid"}) {
            assertThat(AdminUrls.refusal(url, false)).as(url).contains("plain http");
            assertThat(AdminUrls.refusal(url, true)).as(url).isNull();
        }
        for (String[] command : commands()) {
            BrokerCliTest.Result r = BrokerCliTest.run(with(command, "--url", "http://edge_broker.invalid:26080",
                    "--admin-credential", "ea_admin_secret"));
            assertThat(r.exit()).as(String.join(" ", command)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", command)).contains("is plain http").doesNotContain("ea_admin_secret");
        }
        assertThat(AdminUrls.refusal("http://local_host.localhost:8080", false)).as("*.localhost is this machine").isNull();
    }

    @Test
    void aUrlWithUserInfoIsRefusedWithoutRepeatingIt() throws Exception {
        for (String[] command : commands()) {
            String name = String.join(" ", command);
            BrokerCliTest.Result r = BrokerCliTest.run(with(command, "--url", "http://user:ea_admin_secret@127.0.0.1:1",
                    "--admin-credential", "x"));
            assertThat(r.exit()).as(name).isEqualTo(2);
            assertThat(r.err()).as(name).contains("must not carry user-info").doesNotContain("ea_admin_secret");
        }
    }

    @Test
    void loopbackAndHttpsAreSentTo() {
        for (String url : new String[] {"http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1",
            "https://edge.example:8443", "http://127.0.63.9:29001"}) {
            assertThat(AdminUrls.refusal(url, false)).as(url).isNull();
        }
        assertThat(AdminUrls.refusal("http://10.0.0.5:8080", false)).contains("10.0.0.5:8080");
        assertThat(AdminUrls.refusal("HTTP://edge.example", false)).contains("plain http");
        assertThat(AdminUrls.refusal("http://edge.example", true)).isNull();
    }
}
