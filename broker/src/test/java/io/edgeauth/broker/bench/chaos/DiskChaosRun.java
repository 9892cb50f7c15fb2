package io.edgeauth.broker.bench.chaos;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/chaos disk-full|read-only} (root only: it mounts a tmpfs): the broker's data directory is a
 * small tmpfs; registrations run until the disk is full (or the file system is remounted read-only), then
 * space is given back (or it is remounted read-write) and registrations must succeed again without a
 * restart; finally the broker is killed and restarted, and every registration it acknowledged must be
 * there. One summary line; exit 1 on a lost acknowledged registration or no recovery.
 */
public final class DiskChaosRun {
    private DiskChaosRun() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "disk-full";
        Path mount = Files.createTempDirectory("edgeauth-disk");
        sh("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount.toString());
        ChaosBroker broker = null;
        int exit = 1;
        try {
            broker = new ChaosBroker(mount.resolve("data"));
            broker.start();
            Http admin = new Http(broker.url(), broker.admin());
            List<String> acknowledged = new ArrayList<>();
            if (mode.equals("read-only")) {
                int code = readOnly(broker, admin, acknowledged, mount);
                broker = null;
                exit = code;
                return;
            }
            int refusedWhileBroken = 0;
            String firstRefusal = null;
            Path filler = mount.resolve("filler"); // leave the broker only a little room
            sh("dd", "if=/dev/zero", "of=" + filler, "bs=1M", "count=21", "status=none");
            for (int i = 0; i < 3000 && refusedWhileBroken < 50; i++) {
                var r = registerOne(admin, "disk-" + i);
                if (r.statusCode() == 201) {
                    acknowledged.add("disk-" + i);
                } else {
                    refusedWhileBroken++;
                    if (firstRefusal == null) {
                        firstRefusal = r.statusCode() + " retry-after=" + r.headers().firstValue("retry-after").orElse("-")
                                + " " + r.body().replaceAll("\\s+", " ");
                    }
                }
            }
            Http anonymous = new Http(broker.url(), null);
            String health = anonymous.get("/health").body().replaceAll("\\s+", "");
            var readyWhileBroken = anonymous.get("/health/ready");
            int liveWhileBroken = anonymous.get("/health/live").statusCode();
            Files.deleteIfExists(mount.resolve("filler"));
            long freed = System.nanoTime();
            long readyAfterMs = -1;
            for (int i = 0; i < 300 && readyAfterMs < 0; i++) { // the readiness probe alone reopens the store
                if (anonymous.get("/health/ready").statusCode() == 200) {
                    readyAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - freed);
                } else {
                    Thread.sleep(100);
                }
            }
            int recovered = 0;
            for (int i = 0; i < 20; i++) {
                if (registerOne(admin, "after-" + i).statusCode() == 201) {
                    acknowledged.add("after-" + i);
                    recovered++;
                }
            }
            broker.kill();
            broker.start();
            Http admin2 = new Http(broker.url(), broker.admin());
            int lost = 0;
            for (String id : acknowledged) {
                if (admin2.get("/admin/devices/" + id).statusCode() != 200) {
                    lost++;
                }
            }
            String ready = readyWhileBroken.statusCode() + " " + readyWhileBroken.body().replaceAll("\\s+", "");
            System.out.printf("chaos %s: acknowledged=%d refused_while_broken=%d first_refusal=\"%s\" "
                            + "health_while_broken=%s ready_while_broken=%s live_while_broken=%d ready_after_free_ms=%d "
                            + "recovered_without_restart=%d/20 lost_after_restart=%d%n",
                    mode, acknowledged.size(), refusedWhileBroken, firstRefusal,
                    health.length() > 160 ? health.substring(0, 160) : health,
                    ready.length() > 240 ? ready.substring(0, 240) : ready, liveWhileBroken, readyAfterMs,
                    recovered, lost);
            broker.stop();
            broker = null;
            exit = lost == 0 && recovered > 0 ? 0 : 1;
        } finally {
            if (broker != null) {
                broker.stop();
            }
            sh("umount", "-l", mount.toString());
        }
        System.exit(exit);
    }

    /**
     * A data directory that turned read-only (a file system remounted read-only after an error cannot be
     * remounted while the broker holds its files open, so the broker is stopped first, as an operator's
     * restart would): the broker must refuse to start with a clear message, then start and have everything
     * once the directory is writable again.
     */
    private static int readOnly(ChaosBroker broker, Http admin, List<String> acknowledged, Path mount)
            throws Exception {
        register(admin, acknowledged, 50);
        broker.stop();
        sh("mount", "-o", "remount,ro", mount.toString());
        String refusal;
        try {
            broker.start();
            refusal = "STARTED on a read-only data directory";
            broker.stop();
        } catch (Exception | Error e) {
            refusal = "refused to start: " + broker.lastError();
        }
        sh("mount", "-o", "remount,rw", mount.toString());
        broker.start();
        Http again = new Http(broker.url(), broker.admin());
        int lost = 0;
        for (String id : acknowledged) {
            if (again.get("/admin/devices/" + id).statusCode() != 200) {
                lost++;
            }
        }
        broker.stop();
        System.out.printf("chaos read-only: acknowledged=%d start_on_read_only=\"%s\" lost_after_rw=%d%n",
                acknowledged.size(), refusal.replaceAll("\\s+", " "), lost);
        return lost == 0 && !refusal.startsWith("STARTED") ? 0 : 1;
    }

    private static void register(Http admin, List<String> acknowledged, int n) {
        for (int i = 0; i < n; i++) {
            if (registerOne(admin, "before-" + i).statusCode() == 201) {
                acknowledged.add("before-" + i);
            }
        }
    }

    private static java.net.http.HttpResponse<String> registerOne(Http admin, String id) {
        DeviceIdentity identity = DeviceIdentity.generate(id);
        return admin.postJson("/admin/devices", new JsonObject().put("id", id)
                .put("jwk", new JsonObject(identity.publicJwk().toJSONString())).encode());
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("failed: " + String.join(" ", cmd));
        }
    }
}
