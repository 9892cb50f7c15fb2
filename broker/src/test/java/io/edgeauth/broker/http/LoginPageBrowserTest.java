package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/**
 * The {@code /login} page in headless Chromium (Debian's {@code chromium} and {@code chromium-driver};
 * nothing is downloaded). An EIP-1193 provider is injected before the page's scripts run; it hands
 * {@code personal_sign} requests to this test, which signs them with a web3j key. Sign-in must
 * complete under the page's own content security policy, show the checksummed address, the token
 * expiry and the owned device, and a telemetry message the device publishes arrives over MQTT over
 * WebSocket. Skips when the browser or driver is missing, unless EDGEAUTH_REQUIRE_INTEROP_TOOLS=true.
 */
class LoginPageBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /** The injected wallet: one account (given in lower case, as wallets do), chain 1, signing by the test. */
    static final String PROVIDER = """
            (() => {
              const account = '%s';
              let next = 0;
              const waiting = {};
              window.__edgeauthTest = { pending: [], resolve(id, signature) { waiting[id](signature); delete waiting[id]; } };
              window.ethereum = {
                isEdgeauthTestWallet: true,
                request: ({ method, params }) => {
                  switch (method) {
                    case 'eth_requestAccounts':
                    case 'eth_accounts':
                      return Promise.resolve([account]);
                    case 'eth_chainId':
                      return Promise.resolve('0x1');
                    case 'personal_sign':
                      if (String(params[1]).toLowerCase() !== account) {
                        return Promise.reject(Object.assign(new Error('unknown account'), { code: 4100 }));
                      }
                      return new Promise((resolve) => {
                        const id = ++next;
                        waiting[id] = resolve;
                        window.__edgeauthTest.pending.push({ id, data: params[0] });
                      });
                    default:
                      return Promise.reject(Object.assign(new Error('unsupported ' + method), { code: 4200 }));
                  }
                },
              };
            })();
            """;

    @TempDir
    static Path dataDir;
    @TempDir
    static Path profile;
    static Broker broker;
    static String base;
    static Http admin;
    static ChromeDriver driver;

    @BeforeAll
    static void start() {
        boolean tools = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!tools && "true".equals(System.getenv("EDGEAUTH_REQUIRE_INTEROP_TOOLS"))) {
            throw new IllegalStateException("EDGEAUTH_REQUIRE_INTEROP_TOOLS=true but " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing (apt-get install chromium chromium-driver)");
        }
        Assumptions.assumeTrue(tools, "skipped: " + CHROMIUM + " and " + CHROMEDRIVER
                + " are needed (apt-get install chromium chromium-driver)");
        broker = Broker.start(TestBrokers.config(dataDir, Map.of("EDGEAUTH_MQTT_WEBSOCKET_PORT", "0")));
        base = "http://localhost:" + broker.httpPort();
        admin = new Http(base, broker.newAdminCredential().orElseThrow());

        // the driver path is given, so Selenium Manager never looks for (or downloads) a driver or browser
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void pageIsSelfContainedAndTellsTheWebSocketPort() {
        Http anonymous = new Http(base, null);
        HttpResponse<String> page = anonymous.get("/login");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("script-src 'self'").contains("default-src 'none'"));
        assertThat(page.body()).doesNotContain("http://", "https://", "//cdn");
        assertThat(anonymous.get("/login/login.js").body()).doesNotContain("http://", "https://", "import(");
        JsonObject config = new JsonObject(anonymous.get("/login/config").body());
        assertThat(config.getInteger("mqttWebSocketPort")).isEqualTo(broker.mqttWebSocketPort()).isPositive();
        assertThat(config.getString("mqttWebSocketPath")).isEqualTo("/mqtt");
    }

    @Test
    void walletSignsInAndSeesItsDevicesLiveTelemetry() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        String address = Wallets.address(key);
        String did = Wallets.did(key);
        DeviceIdentity device = DeviceIdentity.generate("page-pump");
        assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "page-pump").put("owner", did)
                .put("jwk", new JsonObject(device.publicJwk().toJSONString())).encode()).statusCode()).isEqualTo(201);

        WebDriverWait wait = signIn(broker, key);
        wait.until(d -> address.equals(d.findElement(By.id("address")).getText()));
        assertThat(driver.findElement(By.id("status")).getText()).isEqualTo("Signed in.");
        assertThat(driver.findElement(By.id("did")).getText()).isEqualTo(did);
        Instant expiry = Instant.parse(driver.findElement(By.id("expiry")).getText());
        assertThat(expiry).isBetween(Instant.now().plusSeconds(60), Instant.now().plusSeconds(3600));
        wait.until(d -> d.findElement(By.id("devices")).getText().contains("page-pump"));

        // live telemetry: the page's own MQTT client subscribed with the wallet token over WebSocket
        wait.until(d -> d.findElement(By.id("mqtt-status")).getText().contains("subscribed to 1 device"));
        AccessToken token = TokenClient.builder().brokerUri(URI.create(base)).identity(device)
                .tokenFormat(TokenFormat.JWT).build().fetch().get(10, TimeUnit.SECONDS);
        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).token(token).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        try {
            mqtt.publishTelemetry("temp", "22.5".getBytes(StandardCharsets.UTF_8), 1).get(5, TimeUnit.SECONDS);
            wait.until(d -> d.findElement(By.id("telemetry")).getText().contains("d/page-pump/up/temp 22.5"));
        } finally {
            mqtt.disconnect();
        }
        // what a person would see, kept for a look: broker/target/login-page.png
        Files.write(Path.of("target", "login-page.png"), driver.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
        List<?> unsigned = (List<?>) driver.executeScript("return window.__edgeauthTest.pending;");
        assertThat(unsigned).isEmpty();
    }

    @Test
    void aRefreshRefusedForTheWalletsBudgetIsTriedAgainAfterTheWaitAndTheSessionGoesOn() throws Exception {
        // tokens of 40 s, so the page renews after 10 s; one token back to back and one every 15 s, so that renewal
        // meets a spent budget (429 with Retry-After) once or twice before the bucket refills
        Path data = Files.createTempDirectory(dataDir, "refresh");
        try (Broker limited = Broker.start(TestBrokers.config(data, Map.of("EDGEAUTH_TOKENS_DEFAULT_LIFETIME", "40s",
                "EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_BURST", "1", "EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE", "4")))) {
            ECKeyPair key = Keys.createEcKeyPair();
            WebDriverWait wait = signIn(limited, key);
            wait.until(d -> Wallets.address(key).equals(d.findElement(By.id("address")).getText()));
            String firstExpiry = driver.findElement(By.id("expiry")).getText();
            WebDriverWait renewal = new WebDriverWait(driver, Duration.ofSeconds(60), Duration.ofMillis(200));
            renewal.withMessage(() -> "status: " + driver.findElement(By.id("status")).getText());
            renewal.until(d -> d.findElement(By.id("status")).getText().startsWith("Server busy; renewing the session in"));
            renewal.until(d -> !firstExpiry.equals(d.findElement(By.id("expiry")).getText()));
            assertThat(driver.findElement(By.id("status")).getText()).isEqualTo("Signed in.");
            String metrics = new Http("http://localhost:" + limited.httpPort(), null).get("/metrics").body();
            assertThat(metrics).contains("edgeauth_tokens_refused_total{grant=\"refresh_token\",reason=\"rate_limited\"}");
            assertThat(metrics).doesNotContain("reason=\"reused_family_revoked\"");
        }
    }

    /**
     * Opens {@code /login} of {@code on} with the injected wallet of {@code key}, clicks connect and signs the EIP-4361
     * message the page built (checking it); returns a wait on the page that names its state when it times out.
     */
    private static WebDriverWait signIn(Broker on, ECKeyPair key) {
        String address = Wallets.address(key);
        String url = "http://localhost:" + on.httpPort();
        Map<String, Object> added = driver.executeCdpCommand(
                "Page.addScriptToEvaluateOnNewDocument", Map.of("source", PROVIDER.formatted(address.toLowerCase())));
        try {
            driver.get(url + "/login");
        } finally { // this wallet for this page load only
            driver.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument",
                    Map.of("identifier", added.get("identifier")));
        }
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
        wait.withMessage(() -> "page state: " + driver.executeScript("return ['status', 'address', 'devices', "
                + "'mqtt-status', 'telemetry'].map(id => id + '=' + document.getElementById(id).textContent).join(' | ')"));
        driver.findElement(By.id("connect")).click();

        // the wallet is asked to sign the EIP-4361 message the page built
        @SuppressWarnings("unchecked")
        Map<String, Object> request = (Map<String, Object>) wait.until(d -> ((ChromeDriver) d).executeScript(
                "return window.__edgeauthTest.pending.shift() || null;"));
        String message = new String(Numeric.hexStringToByteArray((String) request.get("data")), StandardCharsets.UTF_8);
        String host = "localhost:" + on.httpPort();
        assertThat(message).startsWith("http://" + host + " wants you to sign in with your Ethereum account:\n" + address + "\n\n")
                .contains("\nURI: " + url + "/login\n", "\nVersion: 1\n", "\nChain ID: 1\n", "\nNonce: ", "\nIssued At: ");
        driver.executeScript("window.__edgeauthTest.resolve(arguments[0], arguments[1]);", request.get("id"),
                Wallets.personalSign(message, key));
        return wait;
    }
}
