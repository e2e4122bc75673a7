package io.jumpgate.gateway.cli;

import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.core.policy.User;
import io.jumpgate.gateway.ssh.KeyFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Starts the bundled demo: user alice logs in with the invoking user's own SSH key (or a generated one) and
 * may jump to {@code demo_0} (127.0.0.2, this machine's sshd).
 */
@Command(name = "demo", description = "Run the bundled demo (deploy/demo/jumpgate.yaml) and print what to try.")
final class DemoCommand implements Callable<Integer> {
    static final String DEMO_USER = "alice";

    @Option(names = "--config", paramLabel = "FILE", description = "default: deploy/demo/jumpgate.yaml")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path file = config != null ? config : defaultConfig();
        var loaded = ConfigFiles.load(file, err);
        if (loaded.isEmpty()) return ConfigFiles.INVALID;
        JumpgateConfig c = loaded.get();
        if (!c.users().containsKey(DEMO_USER)) {
            err.println(file + ": the demo config has no user '" + DEMO_USER + "'");
            return 2;
        }
        Optional<Path> own = ownPublicKey();
        Path generated = null;
        String keyLine;
        if (own.isPresent()) {
            keyLine = Files.readString(own.get(), StandardCharsets.UTF_8).trim();
            out.println("demo: " + DEMO_USER + " logs in with your key " + own.get());
        } else {
            generated = c.dataDir().resolve("demo").resolve("id_ed25519");
            keyLine = KeyFiles.publicLine(KeyFiles.loadOrGenerate(generated, DEMO_USER + "@jumpgate-demo"));
            out.println("demo: no ~/.ssh/id_*.pub found; " + DEMO_USER + " logs in with the generated key " + generated);
        }
        Path key = generated;
        JumpgateConfig demo = withDemoKey(c, keyLine);
        if (!ConfigFiles.startupFilesReadable(file, demo, err)) return ConfigFiles.INVALID;
        return RunCommand.startAndWait(demo, out, err, gw -> {
            int port = gw.ssh().address().getPort();
            String host = gw.ssh().address().getAddress().getHostAddress();
            String me = System.getProperty("user.name");
            String i = key == null ? "" : "-i " + key + " ";
            out.println("Try:");
            out.println("  ssh " + i + "-p " + port + " " + DEMO_USER + "@" + host);
            if (key == null) {
                out.println("  ssh -J " + DEMO_USER + "@" + host + ":" + port + " " + me + "@demo_0");
            } else {
                out.println("  ssh -o ProxyCommand='ssh " + i + "-p " + port + " -W %h:%p " + DEMO_USER + "@" + host + "' "
                        + me + "@demo_0");
            }
            out.println("  ssh " + i + "-p " + port + " " + DEMO_USER + "@" + host
                    + " \"jit request demo_1 --for 15m --reason 'trying jumpgate'\"   # demo_1 needs a grant");
            out.println("  java -jar gateway/target/jumpgate.jar audit verify " + gw.services().config().audit().file());
            out.println("(demo_0 and demo_1 are 127.0.0.2:22 and 127.0.0.3:22, this machine's own sshd; audit log: "
                    + gw.services().config().audit().file() + ")");
        });
    }

    private static Path defaultConfig() {
        String home = System.getenv("JUMPGATE_HOME");
        return (home == null ? Path.of(".") : Path.of(home)).resolve("deploy/demo/jumpgate.yaml");
    }

    /** ~/.ssh/id_ed25519.pub, else the first other ~/.ssh/id_*.pub. */
    static Optional<Path> ownPublicKey() throws IOException {
        Path dir = Path.of(System.getProperty("user.home"), ".ssh");
        if (Files.isReadable(dir.resolve("id_ed25519.pub"))) return Optional.of(dir.resolve("id_ed25519.pub"));
        if (!Files.isDirectory(dir)) return Optional.empty();
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "id_*.pub")) {
            ds.forEach(found::add);
        }
        return found.stream().filter(Files::isReadable).sorted().findFirst();
    }

    static JumpgateConfig withDemoKey(JumpgateConfig c, String keyLine) {
        Map<String, User> users = new HashMap<>(c.users());
        User alice = users.get(DEMO_USER);
        List<String> keys = new ArrayList<>(alice.authorizedKeys());
        keys.add(keyLine);
        users.put(DEMO_USER, new User(DEMO_USER, keys, alice.roles()));
        return c.withUsers(users);
    }
}
