package com.liftos.security.auth.lifecycle;

import java.net.URI;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work done after the answer: mails with one-time links, and the whole of a password-reset request (so that the
 * answer to it takes the same time whether the address has an account or not). Two threads and a bounded queue:
 * a flood (already bounded by the routes' rate limits) drops work with a log line instead of growing without end.
 * Nothing logged names an address, a token or a link.
 */
final class Postbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Postbox.class);
    private static final int QUEUE = 10_000;

    private final Optional<AccountMail> mail;
    private final URI publicUrl;
    private final ThreadPoolExecutor pool;

    Postbox(Optional<AccountMail> mail, URI publicUrl) {
        this.mail = mail;
        this.publicUrl = publicUrl;
        this.pool = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                task -> Thread.ofPlatform().daemon().name("liftos-account-mail").unstarted(task));
    }

    /** Whether mail is configured at all. */
    boolean on() {
        return mail.isPresent();
    }

    /** The link a later web console serves at {@code path} under {@code LIFTOS_PUBLIC_URL}, carrying {@code token}. */
    URI link(String path, String token) {
        String base = publicUrl.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path + "?token=" + token);
    }

    /** Runs {@code job} off the caller's thread; a failure is logged by its type only. */
    void later(String what, Runnable job) {
        try {
            pool.execute(() -> {
                try {
                    job.run();
                } catch (RuntimeException e) {
                    LOG.warn("{} failed: {}", what, e.getClass().getSimpleName());
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.warn("{} dropped: the account mail queue is full or closed", what);
        }
    }

    /** Mails now, on the calling thread (a job of {@link #later}); false when mail is off or delivery failed. */
    boolean sendNow(String to, String subject, String body) {
        if (mail.isEmpty()) {
            return false;
        }
        try {
            mail.get().send(to, subject, body);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("account mail ({}) not delivered: {}", subject, e.getClass().getSimpleName());
            return false;
        }
    }

    /** Mails off the caller's thread. */
    void send(String to, String subject, String body) {
        later("account mail", () -> sendNow(to, subject, body));
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
