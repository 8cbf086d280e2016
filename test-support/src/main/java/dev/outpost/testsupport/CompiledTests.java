package dev.outpost.testsupport;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * A test class a README prints, compiled by {@link JavaSources}, run by the JUnit Platform in this
 * JVM. Needs {@code junit-platform-launcher} on the test class path (this module only provides it).
 */
public final class CompiledTests {
    private CompiledTests() {}

    /** Runs {@code className}'s tests from {@code classes} (its parent loader the test's own) and returns their summary. */
    public static TestExecutionSummary run(Path classes, String className) throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, CompiledTests.class.getClassLoader())) {
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            ClassLoader previous = Thread.currentThread().getContextClassLoader();
            Thread.currentThread().setContextClassLoader(loader);
            try {
                LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                        .selectors(selectClass(loader.loadClass(className))).build(), listener);
            } finally {
                Thread.currentThread().setContextClassLoader(previous);
            }
            return listener.getSummary();
        }
    }
}
