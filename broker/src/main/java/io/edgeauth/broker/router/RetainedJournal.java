package io.edgeauth.broker.router;

/**
 * Where the {@link TopicRouter} records retained messages so that they outlive the process. Called on the
 * publisher's thread; must not block.
 */
public interface RetainedJournal {

    /** The retained message of its (tenant, topic) is now this one. */
    void retained(RoutedMessage message);

    /** The (tenant, topic) no longer has a retained message. */
    void cleared(String tenant, String topic);
}
