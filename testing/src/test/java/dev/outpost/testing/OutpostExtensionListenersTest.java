package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.WorkerListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a test can check right after {@link OutpostExtension#call}: the worker's listeners heard of the request. */
class OutpostExtensionListenersTest {
    private final List<String> completed = new CopyOnWriteArrayList<>();

    /** Slow to hear, as a listener writing to a file or a meter registry may be: the answer is on its way already. */
    private final WorkerListener slow = new WorkerListener() {
        @Override
        public void onCompleted(Request request, Response response, Duration elapsed) {
            try {
                TimeUnit.MILLISECONDS.sleep(300); // widens the window between the answer and the listener
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            completed.add(request.id());
        }
    };

    @RegisterExtension
    final OutpostExtension outpost = OutpostExtension.builder().collector(OutpostExtensionTest.SHOUT)
            .worker(w -> w.listener(slow)).build();

    @Test
    void aCallReturnsOnceTheWorkersListenersHeardOfIt() {
        Request r = Request.builder("shout").param("text", "hi").build();

        Response answer = outpost.call(r);

        assertThat(answer.isOk()).isTrue();
        // before: call returned as the answer arrived, and neither had happened yet
        assertThat(completed).containsExactly(r.id());
        assertThat(outpost.worker().status().counters().succeeded()).isEqualTo(1);
    }

    @Test
    void aRefusalIsReturnedAsTheWorkerToldItsListenersBeforeAnsweringIt() {
        Response refused = outpost.call(Request.builder("shout").build()); // no text: invalid params

        assertThat(refused.status()).isEqualTo(ResponseStatus.REJECTED);
        assertThat(outpost.worker().status().counters().rejected()).isEqualTo(1);
        assertThat(completed).isEmpty();
    }
}
