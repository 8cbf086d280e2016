package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outpost.Request;
import dev.outpost.Response;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class GatheringTest {
    private final Request request = Request.builder("outpost.ping").build();

    private Response from(String worker) {
        return Response.ok(request, JsonNodeFactory.instance.objectNode(), worker, 1, Instant.EPOCH, Instant.EPOCH);
    }

    @Test
    void anAnswerAddedAfterTheBroadcastCompletedIsNotInItsResult() {
        // with several reply pollers, another one may have looked the gathering up before it completed
        Gathering g = new Gathering(1, new CallbackFuture<>(Runnable::run));
        assertThat(g.add(from("w1"))).isEqualTo(Gathering.Added.COMPLETE);
        assertThat(g.add(from("w2"))).as("goes to the listeners").isEqualTo(Gathering.Added.TOO_LATE);
        assertThat(g.close()).extracting(Response::worker).containsExactly("w1");
    }

    @Test
    void anAnswerAddedAfterTheDeadlineTookTheResultIsRefusedNotSilentlyKept() {
        Gathering g = new Gathering(3, new CallbackFuture<>(Runnable::run));
        assertThat(g.add(from("w1"))).isEqualTo(Gathering.Added.GATHERING);
        assertThat(g.add(from("w1"))).as("a duplicate").isEqualTo(Gathering.Added.GATHERING);
        assertThat(g.close()).extracting(Response::worker).containsExactly("w1"); // the deadline's result
        // a poller that looked it up before the deadline: kept here, the answer would reach no one
        assertThat(g.add(from("w2"))).isEqualTo(Gathering.Added.TOO_LATE);
    }

    @Test
    void anAnswerAddedAfterTheCallerCancelledIsRefused() {
        Gathering g = new Gathering(3, new CallbackFuture<>(Runnable::run));
        assertThat(g.add(from("w1"))).isEqualTo(Gathering.Added.GATHERING);
        g.future().cancel(true); // the caller's thread, while a poller holds the gathering it looked up
        assertThat(g.add(from("w2"))).as("goes to the listeners").isEqualTo(Gathering.Added.TOO_LATE);
    }
}
