package io.edgeauth.broker.config;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Settings that have a default of their own, changed from it where the feature they tune is off: refused by name, as
 * settings without a default that nothing would read already are ({@link ListenerSettingsCheck}). A key left at its
 * default (a config copied from {@code config defaults}) is not told apart from one left out, and passes.
 */
final class IdleSettingsCheck {
    private IdleSettingsCheck() {
    }

    static void check(List<String> errors, BrokerConfig c, BrokerConfig defaults) {
        if (c.http().tls().port() < 0) {
            idle(errors, c, defaults, "http.tls.clientAuth", x -> x.http().tls().clientAuth(),
                    "only the HTTPS listener asks for client certificates, and http.tls.port is -1 (off)");
        }
        if (c.tokenRequests().perDevicePerMinute() == 0) {
            idle(errors, c, defaults, "tokenRequests.perDeviceBurst", x -> x.tokenRequests().perDeviceBurst(),
                    "only the per-device token bound uses it, and tokenRequests.perDevicePerMinute is 0 (off)");
        }
        if (c.tokenRequests().perClientPerMinute() == 0) {
            idle(errors, c, defaults, "tokenRequests.perClientBurst", x -> x.tokenRequests().perClientBurst(),
                    "only the token bound of service clients and wallets uses it, and tokenRequests.perClientPerMinute"
                    + " is 0 (off)");
        }
        if (c.coap().dtlsPort() < 0) {
            idle(errors, c, defaults, "coap.keepDtlsSessions", x -> x.coap().keepDtlsSessions(),
                    "only DTLS has sessions to keep, and coap.dtlsPort is -1 (off)");
        }
        if (!c.audit().chain()) {
            String why = "only checkpoints use it, and audit.chain is false";
            idle(errors, c, defaults, "audit.checkpointEvery", x -> x.audit().checkpointEvery(), why);
            idle(errors, c, defaults, "audit.checkpointInterval", x -> x.audit().checkpointInterval(), why);
        }
        if (c.audit().file() == null) {
            String why = "only a rotated audit file uses it, and audit.file is not set (lines go to stdout)";
            idle(errors, c, defaults, "audit.maxFileSize", x -> x.audit().maxFileSize(), why);
            idle(errors, c, defaults, "audit.maxHistory", x -> x.audit().maxHistory(), why);
        }
        if (c.store() != null && "embedded".equals(c.store().type())) {
            String why = "only store.type redis uses it, and the store is embedded";
            idle(errors, c, defaults, "store.onOutage", x -> x.store().onOutage(), why);
            idle(errors, c, defaults, "store.nodeLease", x -> x.store().nodeLease(), why);
            idle(errors, c, defaults, "store.inboxLength", x -> x.store().inboxLength(), why);
            idle(errors, c, defaults, "store.redisTimeout", x -> x.store().redisTimeout(), why);
            idle(errors, c, defaults, "store.redisWaitTimeout", x -> x.store().redisWaitTimeout(), why);
        }
    }

    private static void idle(List<String> errors, BrokerConfig c, BrokerConfig defaults, String key,
                             Function<BrokerConfig, Object> value, String why) {
        if (!Objects.equals(value.apply(c), value.apply(defaults))) {
            errors.add(key + ": set to " + value.apply(c) + ", but " + why + ": remove it or turn the feature on");
        }
    }
}
