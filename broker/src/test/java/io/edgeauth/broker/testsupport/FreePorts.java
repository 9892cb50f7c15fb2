package io.edgeauth.broker.testsupport;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a server a test starts in another process (Redis, a Sentinel, a broker process) or restarts on
 * the same port. A port the kernel hands out for {@code bind(0)} lies in its ephemeral range, where any
 * outgoing connection of any process (the other test JVM's thousands of clients) may take it as its local
 * port before the server binds it: so these are picked at random below that range and checked free.
 */
public final class FreePorts {
    private static final int LOWEST = 10_000;

    private FreePorts() {
    }

    /** A TCP port free on every address now, below the kernel's ephemeral range. */
    public static int tcp() throws IOException {
        return pick(true);
    }

    /** A UDP port free on every address now, below the kernel's ephemeral range. */
    public static int udp() throws IOException {
        return pick(false);
    }

    private static int pick(boolean tcp) throws IOException {
        int below = ephemeralLow();
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (tcp ? tcpFree(port) : udpFree(port)) {
                return port;
            }
        }
        throw new IOException("no free " + (tcp ? "TCP" : "UDP") + " port in " + LOWEST + "-" + below + " after 500 tries");
    }

    private static boolean tcpFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean udpFree(int port) {
        try (DatagramSocket s = new DatagramSocket(null)) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The low end of Linux's {@code ip_local_port_range} (32768 by default), or 32768 where it cannot be read. */
    private static int ephemeralLow() {
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            int low = Integer.parseInt(range[0]);
            return low > LOWEST + 1_000 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
