package io.edgeauth.device;

/** The device topic names of the public contract: {@code d/{id}/up/...} and {@code d/{id}/down/...}. */
public final class Topics {
    private Topics() {
    }

    /** {@code d/{id}/up/{path}}. */
    public static String up(String deviceId, String path) {
        return "d/" + deviceId + "/up/" + checkPath(path);
    }

    /** {@code d/{id}/down/#}: what a device subscribes. */
    public static String downFilter(String deviceId) {
        return "d/" + deviceId + "/down/#";
    }

    /** The part of a down topic after {@code d/{id}/down/}, or "" for {@code d/{id}/down}; null if not a down topic of this device. */
    public static String downPath(String deviceId, String topic) {
        String base = "d/" + deviceId + "/down";
        if (topic.equals(base)) {
            return "";
        }
        return topic.startsWith(base + "/") ? topic.substring(base.length() + 1) : null;
    }

    /** A telemetry sub-path: non-empty, no wildcards, no empty levels at the start, no NUL. */
    static String checkPath(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.indexOf('+') >= 0 || path.indexOf('#') >= 0
                || path.indexOf('\0') >= 0 || path.length() > 512) {
            throw new IllegalArgumentException("telemetry path must be non-empty, relative, without wildcards: " + path);
        }
        return path;
    }
}
