package io.jumpgate.gateway.azure;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP service on a scale-set instance's private address (a 127.0.0.x address here) that greets every
 * connection with {@code instance NAME} and closes: it shows which instance a NAT-pool port reached.
 */
final class InstanceService implements AutoCloseable {
    private final List<ServerSocket> sockets;
    private final List<Thread> threads = new ArrayList<>();

    private InstanceService(List<ServerSocket> sockets, List<String> names) {
        this.sockets = sockets;
        for (int i = 0; i < sockets.size(); i++) {
            ServerSocket s = sockets.get(i);
            byte[] greeting = ("instance " + names.get(i) + "\n").getBytes(StandardCharsets.US_ASCII);
            Thread t = new Thread(() -> serve(s, greeting), "instance-service-" + names.get(i));
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /**
     * Listens on the same port on every host (as every instance of a scale set serves the same backend port):
     * the port is taken on the first host and tried on the others, with a fresh port on a clash (bounded).
     */
    static InstanceService onSamePort(List<String> hosts, List<String> names) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            List<ServerSocket> bound = new ArrayList<>();
            try {
                int port = 0;
                for (String h : hosts) {
                    ServerSocket s = new ServerSocket();
                    bound.add(s);
                    s.bind(new InetSocketAddress(h, port));
                    port = s.getLocalPort();
                }
                return new InstanceService(bound, names);
            } catch (BindException e) {
                last = e;
                for (ServerSocket s : bound) s.close();
            }
        }
        throw new IOException("no common free port on " + hosts, last);
    }

    int port() {
        return sockets.get(0).getLocalPort();
    }

    private static void serve(ServerSocket server, byte[] greeting) {
        while (!server.isClosed()) {
            try (Socket c = server.accept()) {
                OutputStream out = c.getOutputStream();
                out.write(greeting);
                out.flush();
            } catch (IOException e) {
                // closed, or the client went away
            }
        }
    }

    @Override
    public void close() throws IOException {
        for (ServerSocket s : sockets) s.close();
    }
}
