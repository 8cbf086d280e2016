package dev.outpost.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar's manifest (the build's version), and the JVM it runs on. */
final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Outpost.class.getPackage().getImplementationVersion();
        return new String[] {"outpost " + (v == null ? "(development build)" : v),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }
}
