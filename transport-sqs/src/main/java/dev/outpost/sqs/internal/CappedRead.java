package dev.outpost.sqs.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * An object's bytes, read no further than {@code max}: the request asks S3 for a range, but a server that ignores it
 * (an S3-compatible one, a proxy) would otherwise have the whole object held in memory, whatever its size.
 */
final class CappedRead implements AsyncResponseTransformer<GetObjectResponse, CappedRead.Result> {
    /** What was read: the bytes, or {@code over} (and no bytes) when the object has more than the limit. */
    record Result(GetObjectResponse response, byte[] bytes, boolean over) {}

    private final int max;
    private volatile CompletableFuture<Result> result;
    private volatile GetObjectResponse response;

    CappedRead(int max) {
        this.max = max;
    }

    @Override
    public CompletableFuture<Result> prepare() {
        result = new CompletableFuture<>(); // once per attempt: a retry starts over
        return result;
    }

    @Override
    public void onResponse(GetObjectResponse r) {
        response = r;
    }

    @Override
    public void onStream(SdkPublisher<ByteBuffer> publisher) {
        CompletableFuture<Result> done = result;
        publisher.subscribe(new Subscriber<ByteBuffer>() {
            private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            private Subscription subscription;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(ByteBuffer b) {
                if (done.isDone()) {
                    return;
                }
                if ((long) bytes.size() + b.remaining() > max) {
                    subscription.cancel(); // the rest is not read: the connection goes, not the memory
                    done.complete(new Result(response, new byte[0], true));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.write(chunk, 0, chunk.length);
                subscription.request(1);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(new Result(response, bytes.toByteArray(), false));
            }
        });
    }

    @Override
    public void exceptionOccurred(Throwable t) {
        CompletableFuture<Result> done = result;
        if (done != null) {
            done.completeExceptionally(t);
        }
    }
}
