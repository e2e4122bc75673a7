package io.jumpgate.rdp.bench;

import io.jumpgate.core.access.GrantLookup;
import io.jumpgate.core.audit.JsonLinesAuditLog;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.policy.Cidr;
import io.jumpgate.core.policy.JitPolicy;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.policy.Role;
import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;
import io.jumpgate.rdp.PortMapping;
import io.jumpgate.rdp.RdpRelay;
import io.jumpgate.rdp.RdpRelayOptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Entry points for bench/rdp-relay.sh (no YAML: everything on the command line).
 * <pre>
 * relay LISTEN_IP PORT TARGET_IP TARGET_PORT AUDIT_FILE   Jumpgate relay, one raw named mapping; stdin "stats" prints memory
 * echo IP PORT                                           single-thread NIO echo server
 * hold IP PORT N                                         opens N connections, one byte round trip each, holds them
 * connrate IP PORT SECONDS                               sequential connect + 1-byte round trip + close; prints conn/s
 * </pre>
 */
public final class RelayBenchMain {
    private RelayBenchMain() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "relay" -> relay(args[1], Integer.parseInt(args[2]), args[3], Integer.parseInt(args[4]), Path.of(args[5]));
            case "echo" -> echo(args[1], Integer.parseInt(args[2]));
            case "hold" -> hold(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "connrate" -> connrate(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static void relay(String listen, int port, String targetIp, int targetPort, Path auditFile) throws Exception {
        Target target = Target.of("bench", IpLiterals.require(targetIp));
        InventorySnapshot inventory = InventorySnapshot.of(List.of(target), Instant.now());
        Role role = new Role("bench", TargetSelector.globs("*"), Set.of(targetPort), List.of(Cidr.parse("127.0.0.0/8")),
                JitPolicy.NONE, RecordingMode.OFF);
        AccessPolicy policy = new AccessPolicy(Map.of("bench", role), Map.of(), Set.of(), GrantLookup.NONE);
        RdpRelayOptions options = new RdpRelayOptions(IpLiterals.require(listen), Duration.ofSeconds(10), 1024,
                Duration.ofSeconds(10), Duration.ofHours(1), null, Duration.ofSeconds(1));
        try (JsonLinesAuditLog audit = new JsonLinesAuditLog(auditFile, false);
             RdpRelay relay = new RdpRelay(options, List.of(new PortMapping.Named("bench", port, "bench", targetPort, true)),
                     () -> inventory, () -> policy, audit, Clock.systemUTC())) {
            System.out.println("READY " + relay.start());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("stats")) {
                    for (int i = 0; i < 3; i++) System.gc();
                    Runtime rt = Runtime.getRuntime();
                    System.out.println("STATS live=" + relay.liveRelays() + " heap=" + (rt.totalMemory() - rt.freeMemory())
                            + " rssKiB=" + rssKiB());
                }
            }
        }
    }

    static long rssKiB() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", ""));
        }
        return -1;
    }

    static void echo(String ip, int port) throws IOException {
        try (Selector sel = Selector.open(); ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(ip, port), 4096);
            server.configureBlocking(false);
            server.register(sel, SelectionKey.OP_ACCEPT);
            System.out.println("READY");
            ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
            while (true) {
                sel.select();
                for (SelectionKey k : sel.selectedKeys()) {
                    if (!k.isValid()) continue;
                    if (k.isAcceptable()) {
                        SocketChannel c;
                        while ((c = server.accept()) != null) {
                            c.configureBlocking(false);
                            c.register(sel, SelectionKey.OP_READ);
                        }
                    } else if (k.isReadable()) {
                        SocketChannel c = (SocketChannel) k.channel();
                        buf.clear();
                        int n;
                        try {
                            n = c.read(buf);
                        } catch (IOException e) {
                            n = -1;
                        }
                        if (n < 0) {
                            k.cancel();
                            c.close();
                            continue;
                        }
                        buf.flip();
                        c.write(buf); // small payloads only: a short write is dropped, fine for this bench
                    }
                }
                sel.selectedKeys().clear();
            }
        }
    }

    static void hold(String ip, int port, int n) throws Exception {
        List<Socket> held = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(ip, port), 10_000);
            s.setSoTimeout(10_000);
            roundTrip(s);
            held.add(s);
        }
        System.out.printf("HELD %d in %.1f s%n", held.size(), (System.nanoTime() - t0) / 1e9);
        System.in.read(); // until the script closes our stdin
        for (Socket s : held) s.close();
    }

    static void connrate(String ip, int port, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long count = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() < end) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(ip, port), 10_000);
                s.setSoTimeout(10_000);
                s.setSoLinger(true, 0); // no TIME_WAIT pile-up over thousands of connections
                roundTrip(s);
            }
            count++;
        }
        System.out.printf("%.0f%n", count / ((System.nanoTime() - t0) / 1e9));
    }

    private static void roundTrip(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write('x');
        out.flush();
        if (in.read() != 'x') throw new IOException("no echo through " + s);
    }
}
