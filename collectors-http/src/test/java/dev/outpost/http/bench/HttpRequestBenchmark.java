package dev.outpost.http.bench;

import dev.outpost.Request;
import dev.outpost.http.EgressPolicy;
import dev.outpost.http.HttpOptions;
import dev.outpost.http.HttpRequestCollector;
import dev.outpost.http.HttpResult;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Sender;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.slf4j.LoggerFactory;

/**
 * {@code http.request} requests per second against a local server, against the bare OkHttp client
 * in a loop, in the same run (goal: at least 0.8x). One thread each, keep-alive, a 1 KiB JSON body.
 * Not a test: run it with
 * {@code ./mvnw -q -pl collectors-http test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.outpost.http.bench.HttpRequestBenchmark} (optional args: seconds per round, rounds).
 */
public final class HttpRequestBenchmark {
    private HttpRequestBenchmark() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        byte[] body = ("{\"data\":\"" + "x".repeat(1000) + "\"}").getBytes(StandardCharsets.UTF_8);
        // A minimal keep-alive HTTP/1.1 server writing each response in one write: the JDK's HttpServer
        // writes headers and body separately and meets delayed ACKs, which would measure the server.
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] whole = new byte[response.length + body.length];
        System.arraycopy(response, 0, whole, 0, response.length);
        System.arraycopy(body, 0, whole, response.length, body.length);
        ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bench-server");
            t.setDaemon(true);
            return t;
        });
        executor.submit(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    executor.submit(() -> serve(s, whole));
                } catch (IOException e) {
                    return;
                }
            }
        });
        String url = "http://127.0.0.1:" + server.getLocalPort() + "/bench";
        OkHttpClient bare = new OkHttpClient();
        HttpRequestCollector collector = HttpRequestCollector.create(HttpOptions.defaults());
        Request request = Request.builder(HttpRequestCollector.NAME).params(Map.of("url", url)).build();
        CollectorContext context = new BenchContext(Map.of(EgressPolicy.ALLOW_CIDRS, "127.0.0.1/32"));
        try {
            Runnable bareCall = () -> {
                try (Response r = bare.newCall(new okhttp3.Request.Builder().url(url).build()).execute()) {
                    if (r.body().bytes().length != body.length) {
                        throw new IllegalStateException("short body");
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            };
            Runnable collectorCall = () -> {
                HttpResult r = collector.collect(request, context);
                if (r.size() != body.length) {
                    throw new IllegalStateException("short body");
                }
            };
            // Warm up both paths (JIT, connection pool) before measuring.
            for (int i = 0; i < 4; i++) {
                rate(bareCall, 0.5);
                rate(collectorCall, 0.5);
            }
            double[] ratios = new double[rounds];
            long[] totals = new long[4];
            for (int i = 0; i < rounds; i++) {
                // Short alternating slices, so that load from elsewhere on a shared machine hits both alike.
                long[] round = new long[4];
                long end = System.nanoTime() + (long) (seconds * 1e9);
                while (System.nanoTime() < end) {
                    slice(bareCall, round, 0);
                    slice(collectorCall, round, 2);
                }
                double b = round[0] / (round[1] / 1e9);
                double c = round[2] / (round[3] / 1e9);
                ratios[i] = c / b;
                for (int k = 0; k < 4; k++) {
                    totals[k] += round[k];
                }
                System.out.printf("round %d: bare OkHttp %.0f req/s, http.request %.0f req/s, ratio %.2f%n", i + 1, b, c, ratios[i]);
            }
            double b = totals[0] / (totals[1] / 1e9);
            double c = totals[2] / (totals[3] / 1e9);
            System.out.printf("all rounds: bare OkHttp %.0f req/s, http.request %.0f req/s, ratio %.2f, median round ratio %.2f (goal >= 0.80)%n",
                    b, c, c / b, median(ratios));
        } finally {
            collector.close();
            bare.dispatcher().executorService().shutdown();
            bare.connectionPool().evictAll();
            server.close();
            executor.shutdownNow();
        }
    }

    /** Answers every request on one connection with {@code whole} until the client closes it. */
    private static void serve(Socket socket, byte[] whole) {
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream()); OutputStream out = socket.getOutputStream()) {
            socket.setTcpNoDelay(true);
            int matched = 0;
            int c;
            while ((c = in.read()) != -1) {
                // A GET has no body: the request ends at the blank line.
                matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
                if (matched == 4) {
                    out.write(whole);
                    out.flush();
                    matched = 0;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Runs {@code call} for 50 ms, adding the calls made and the nanoseconds taken to {@code acc[at]}, {@code acc[at + 1]}. */
    private static void slice(Runnable call, long[] acc, int at) {
        long start = System.nanoTime();
        long end = start + 50_000_000L;
        long n = 0;
        long now;
        do {
            call.run();
            n++;
            now = System.nanoTime();
        } while (now < end);
        acc[at] += n;
        acc[at + 1] += now - start;
    }

    private static double rate(Runnable call, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        long n = 0;
        while (System.nanoTime() < end) {
            call.run();
            n++;
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private record BenchContext(Map<String, String> settings) implements CollectorContext {
        @Override
        public Instant deadline() {
            return Instant.now().plusSeconds(30);
        }

        @Override
        public Duration remaining() {
            return Duration.ofSeconds(30);
        }

        @Override
        public Optional<Sender> sender() {
            return Optional.empty();
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public void progress(String message) {}
    }
}
