package io.jumpgate.rdp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A stand-in RDP target: a Java server on a 127.0.0.x address that records every connection's bytes and echoes them. */
final class RecordingTarget implements AutoCloseable {
    /** One accepted connection: what arrived, and whether the client's EOF was seen. */
    static final class Conn {
        final Socket socket;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        volatile boolean eof;

        Conn(Socket socket) {
            this.socket = socket;
        }

        synchronized byte[] bytes() {
            return received.toByteArray();
        }
    }

    final ServerSocket server;
    final List<Conn> connections = new CopyOnWriteArrayList<>();
    private final boolean echo;

    RecordingTarget(String host, int port, boolean echo) throws IOException {
        this.echo = echo;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        Thread t = new Thread(this::acceptLoop, "recording-target-" + host);
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Conn c = new Conn(server.accept());
                connections.add(c);
                Thread t = new Thread(() -> pump(c), "recording-target-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Conn c) {
        byte[] buf = new byte[8192];
        try (InputStream in = c.socket.getInputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (c) {
                    c.received.write(buf, 0, n);
                }
                if (echo) c.socket.getOutputStream().write(buf, 0, n);
            }
            c.eof = true;
        } catch (IOException e) {
            c.eof = true;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Conn c : connections) c.socket.close();
    }
}
