package dev.outpost.host.records;

import java.security.SecureRandom;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/** An {@link SSLContext} good only for the server socket factory a test supplies: the records server's way in to its sockets. */
final class TlsStub {
    private TlsStub() {}

    static SSLContext serving(Supplier<SSLServerSocketFactory> factory) {
        return new SSLContext(new SSLContextSpi() {
            @Override
            protected SSLServerSocketFactory engineGetServerSocketFactory() {
                return factory.get();
            }

            @Override
            protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {}

            @Override
            protected SSLSocketFactory engineGetSocketFactory() {
                throw new UnsupportedOperationException();
            }

            @Override
            protected SSLEngine engineCreateSSLEngine() {
                throw new UnsupportedOperationException();
            }

            @Override
            protected SSLEngine engineCreateSSLEngine(String host, int port) {
                throw new UnsupportedOperationException();
            }

            @Override
            protected SSLSessionContext engineGetServerSessionContext() {
                return null;
            }

            @Override
            protected SSLSessionContext engineGetClientSessionContext() {
                return null;
            }
        }, null, "TLS") { };
    }
}
