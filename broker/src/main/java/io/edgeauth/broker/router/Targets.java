package io.edgeauth.broker.router;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * The subscribers a publish reaches, each once at its highest matching QoS, in match order. Few
 * per publish as a rule: arrays with a linear duplicate check, an identity index past
 * {@value #LINEAR_TARGETS} (a wide fan-out stays linear in the number of matches).
 */
final class Targets {
    static final int LINEAR_TARGETS = 8;
    Subscriber[] subscribers = new Subscriber[4];
    /** Per subscriber: the highest granted QoS of its matching subscriptions and their flags ({@link #merge}). */
    int[] qos = new int[4];
    int size;
    IdentityHashMap<Subscriber, Integer> index;
    List<ShareGroup> groups;

    void add(Subscriber subscriber, int q) {
        if (index != null) {
            Integer at = index.get(subscriber);
            if (at != null) {
                qos[at] = merge(qos[at], q);
                return;
            }
        } else {
            for (int i = 0; i < size; i++) {
                if (subscribers[i] == subscriber) {
                    qos[i] = merge(qos[i], q);
                    return;
                }
            }
        }
        if (size == subscribers.length) {
            subscribers = Arrays.copyOf(subscribers, size * 2);
            qos = Arrays.copyOf(qos, size * 2);
        }
        subscribers[size] = subscriber;
        qos[size] = q;
        size++;
        if (index != null) {
            index.put(subscriber, size - 1);
        } else if (size > LINEAR_TARGETS) {
            index = new IdentityHashMap<>();
            for (int i = 0; i < size; i++) {
                index.put(subscribers[i], i);
            }
        }
    }

    /**
     * Overlapping subscriptions of one subscriber, one delivery (MQTT 5 §3.3.4): the highest QoS; No Local only if
     * every one of them says so (another that does not still wants the message); Retain As Published if one does.
     */
    static int merge(int a, int b) {
        return Math.max(a & 3, b & 3) | a & b & Subscription.NO_LOCAL | (a | b) & Subscription.RETAIN_AS_PUBLISHED;
    }

    void addGroups(Collection<ShareGroup> more) {
        if (groups == null) {
            groups = new ArrayList<>(2);
        }
        groups.addAll(more);
    }
}
