package dev.outpost.sqs;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * A child JVM for {@link CrtHttpClientTest}: builds a transport from {@code key=value} arguments (one argument
 * {@code factory} gives it a threadFactory), makes one call at {@code outpost.sqs.endpoint}, closes it, and prints
 * {@code error: <class>: <message>}, or {@code foreign: <name>} for each thread started since that its factory did
 * not make, then {@code alive: <name>} for each such thread still running after close.
 */
public final class CrtBuildMain {
    private CrtBuildMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> keys = new HashMap<>();
        boolean factory = false;
        for (String a : args) {
            if (a.equals("factory")) {
                factory = true;
            } else {
                keys.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            }
        }
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        Set<Thread> made = ConcurrentHashMap.newKeySet();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "given-" + made.size());
            t.setDaemon(true);
            made.add(t);
            return t;
        };
        SqsTransport.Builder b = SqsTransport.builder().queue("requests", "crt-child").configure(HardeningTest.config(keys));
        if (factory) {
            b.threadFactory(threads);
        }
        SqsTransport t;
        try {
            t = b.build();
        } catch (Throwable e) {
            System.out.println("error: " + e.getClass().getName() + ": " + e.getMessage());
            return;
        }
        try {
            System.out.println("depth: " + t.depth("requests"));
        } catch (Exception e) {
            System.out.println("call: " + e);
        }
        Set<Thread> during = Set.copyOf(Thread.getAllStackTraces().keySet());
        t.close();
        for (Thread th : during) {
            if (!before.contains(th) && !made.contains(th)) {
                System.out.println("foreign: " + th.getName() + (th.isAlive() ? " (alive after close)" : ""));
            }
        }
        System.out.println("done");
    }
}
