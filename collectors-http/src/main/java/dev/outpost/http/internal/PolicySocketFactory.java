package dev.outpost.http.internal;

import dev.outpost.http.EgressDeniedException;
import dev.outpost.http.EgressPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import javax.net.SocketFactory;

/**
 * Plain sockets that judge the address they are asked to connect to before connecting: the last
 * check before a packet leaves, whatever produced the address (the Dns hook, an IP literal, a
 * future OkHttp route). A refusal here is an I/O failure of the connect, so nothing is sent, no TLS
 * handshake starts, and an open port cannot be told from a closed one. TLS sockets are layered on
 * these by OkHttp.
 */
final class PolicySocketFactory extends SocketFactory {
    private final EgressPolicy policy;

    PolicySocketFactory(EgressPolicy policy) {
        this.policy = policy;
    }

    @Override
    public Socket createSocket() {
        return new Socket() {
            @Override
            public void connect(SocketAddress endpoint, int timeout) throws IOException {
                judge(endpoint);
                super.connect(endpoint, timeout);
            }
        };
    }

    private void judge(SocketAddress endpoint) throws Refused {
        if (!(endpoint instanceof InetSocketAddress isa) || isa.getAddress() == null) {
            throw new Refused(new EgressDeniedException(String.valueOf(endpoint), null, "unresolved socket address"));
        }
        try {
            // getHostString never does a reverse lookup: the name the Dns answered for, or the literal.
            policy.checkAddress(isa.getHostString(), isa.getAddress());
        } catch (EgressDeniedException e) {
            throw new Refused(e);
        }
    }

    // OkHttp only calls createSocket(); the connecting forms go through the same check.
    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(address, port));
    }

    private Socket connected(InetSocketAddress address) throws IOException {
        Socket s = createSocket();
        try {
            s.connect(address);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }
}
