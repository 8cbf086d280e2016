package dev.outpost.http.internal;

import dev.outpost.http.EgressDeniedException;
import dev.outpost.http.EgressPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * A network interceptor: before a request is written, checks the address its connection actually
 * reached (a pooled connection included). The Dns check already refuses forbidden answers before
 * connecting; this one holds even when the address did not come from the Dns (IP literals, which
 * OkHttp does not resolve) or a future change routes around it.
 */
final class ConnectedCheck implements Interceptor {
    private final EgressPolicy policy;

    ConnectedCheck(EgressPolicy policy) {
        this.policy = policy;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Connection connection = chain.connection();
        if (connection == null) {
            throw new IOException("no connection to check the egress policy on");
        }
        Socket socket = connection.socket();
        InetAddress remote = socket.getInetAddress();
        if (remote == null) {
            throw new IOException("socket not connected");
        }
        try {
            policy.checkAddress(chain.request().url().host(), remote);
        } catch (EgressDeniedException e) {
            throw new Refused(e);
        }
        return chain.proceed(chain.request());
    }
}
