package dev.outpost.testing;

import dev.outpost.Request;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A fault a {@link TestFleet} injects into one host, for every request or only those a predicate
 * picks ({@link #when}).
 *
 * @param kind what goes wrong
 * @param duration how long, for {@link Kind#SLOW}, {@link Kind#DELAY_REPLY} and {@link Kind#OFFLINE}
 * @param when which requests it hits (always true for {@link Kind#OFFLINE})
 */
public record Fault(Kind kind, Duration duration, Predicate<Request> when) {
    /** What goes wrong. */
    public enum Kind {
        /** The collector fails (a permanent error: the answer is {@code error}). */
        FAIL,
        /** The collector takes {@code duration} of test-clock time. */
        SLOW,
        /** The worker runs it, its answer is lost. */
        DROP_REPLY,
        /** The answer is sent twice. */
        DUPLICATE_REPLY,
        /** The answer is held until the test clock has moved {@code duration}. */
        DELAY_REPLY,
        /** Answers are held and sent in reverse order at the next {@link TestFleet#advance}. */
        REORDER_REPLIES,
        /** The request is delivered twice to the worker. */
        DUPLICATE_REQUEST,
        /** The request is lost before the worker sees it. */
        DROP_REQUEST,
        /** The worker runs the request and dies before answering and acknowledging it (killed: its inventory entry stays until its ttl, the request returns to its queue). */
        CRASH_BEFORE_ACK,
        /** The host is offline for {@code duration} of test-clock time from the start (its queue keeps requests). */
        OFFLINE
    }

    /** Validates the components. */
    public Fault {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(when, "when");
    }

    private static Fault of(Kind kind, Duration d) {
        return new Fault(kind, d, r -> true);
    }

    /** The collector fails. */
    public static Fault fail() {
        return of(Kind.FAIL, Duration.ZERO);
    }

    /** The collector takes {@code d} of test-clock time. */
    public static Fault slow(Duration d) {
        return of(Kind.SLOW, d);
    }

    /** The answer is lost. */
    public static Fault dropReply() {
        return of(Kind.DROP_REPLY, Duration.ZERO);
    }

    /** The answer is sent twice. */
    public static Fault duplicateReply() {
        return of(Kind.DUPLICATE_REPLY, Duration.ZERO);
    }

    /** The answer waits {@code d} of test-clock time. */
    public static Fault delayReply(Duration d) {
        return of(Kind.DELAY_REPLY, d);
    }

    /** Answers are sent in reverse order at the next advance. */
    public static Fault reorderReplies() {
        return of(Kind.REORDER_REPLIES, Duration.ZERO);
    }

    /** The request arrives twice. */
    public static Fault duplicateRequest() {
        return of(Kind.DUPLICATE_REQUEST, Duration.ZERO);
    }

    /** The request never arrives. */
    public static Fault dropRequest() {
        return of(Kind.DROP_REQUEST, Duration.ZERO);
    }

    /** The worker dies after running the request, before acknowledging it. */
    public static Fault crashBeforeAck() {
        return of(Kind.CRASH_BEFORE_ACK, Duration.ZERO);
    }

    /** The host is offline for {@code d} of test-clock time from the start. */
    public static Fault offline(Duration d) {
        return of(Kind.OFFLINE, d);
    }

    /** This fault, hitting only the requests {@code predicate} picks. */
    public Fault when(Predicate<Request> predicate) {
        return new Fault(kind, duration, predicate);
    }
}
