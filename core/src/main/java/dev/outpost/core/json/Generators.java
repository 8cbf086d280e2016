package dev.outpost.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * One generator per thread, kept from one document to the next over a buffer it reuses, for the
 * documents a thread encodes one after another (a worker's responses, a client's requests).
 * Creating a generator per document (its I/O context, the buffer recycler's lookup, the output's
 * segments and their copy) was about a tenth of a worker thread's CPU per request.
 */
final class Generators {
    /** What a document's body writes; exactly one root value. */
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** A buffer past this is not kept for the thread's next document: one huge document must not pin it. */
    static final int MAX_KEPT = 64 * 1024;

    private static final ThreadLocal<Slot> SLOTS = new ThreadLocal<>();

    private Generators() {}

    /** The bytes {@code body} writes with a generator of {@code factory}. */
    static byte[] encode(JsonFactory factory, Body body) {
        Slot s = SLOTS.get();
        if (s == null || s.factory != factory || s.busy) { // busy: a document encoded while writing another
            s = new Slot(factory);
            if (SLOTS.get() == null || !SLOTS.get().busy) {
                SLOTS.set(s);
            }
        }
        s.busy = true;
        boolean keep = false;
        try {
            s.out.count = 0;
            body.write(s.generator);
            s.generator.flush();
            byte[] bytes = Arrays.copyOf(s.out.buf, s.out.count);
            keep = s.out.buf.length <= MAX_KEPT;
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            s.busy = false;
            if (!keep && SLOTS.get() == s) { // a failure leaves the generator mid-document: start the next afresh
                SLOTS.remove();
            }
        }
    }

    private static final class Slot {
        final JsonFactory factory;
        final Out out = new Out();
        final JsonGenerator generator;
        boolean busy;

        Slot(JsonFactory factory) {
            this.factory = factory;
            try {
                this.generator = factory.createGenerator(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            generator.setRootValueSeparator(null); // documents follow each other in one generator, nothing between them
        }
    }

    /** A growable byte buffer the slot empties before each document. */
    private static final class Out extends OutputStream {
        byte[] buf = new byte[512];
        int count;

        @Override
        public void write(int b) {
            ensure(1);
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        private void ensure(int more) {
            if (buf.length - count < more) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, Math.addExact(count, more)));
            }
        }
    }
}
